"""The seed's booking flow through the web UI, against fake upstream services."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from .conftest import GOOD_POLICY

pytestmark = pytest.mark.integration


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


def links(page: bytes, css_class: str) -> list[str]:
    pattern = rb'<a class="' + css_class.encode() + rb'" href="([^"]+)"'
    return [html.unescape(m.decode()) for m in re.findall(pattern, page)]


def text(response) -> str:
    return response.get_data(as_text=True)


def walk_to_day_page(client):
    home = client.get("/")
    assert home.status_code == 200
    assert 'id="district-d-001"' in text(home)
    district = client.get("/districts/d-001")
    assert 'id="org-o-0001"' in text(district)
    org = client.get("/organizations/o-0001")
    assert 'id="service-svc-01"' in text(org)
    service = client.get("/organizations/o-0001/services/svc-01")
    assert 'id="doctor-doc-1"' in text(service)
    grid = client.get("/doctors/doc-1?service_id=svc-01")
    cells = links(grid.data, "day bookable")
    assert cells, "no bookable day in the grid"
    day = client.get(cells[0])
    assert day.status_code == 200
    return day


def hold_first_free_time(client):
    day = walk_to_day_page(client)
    slot_id = re.search(rb'class="time free" data-slot-id="([^"]+)"', day.data).group(1).decode()
    date = slot_id.rsplit("-", 1)[0]
    response = client.post("/book/hold", data={
        "csrf_token": csrf(day.data), "slot_id": slot_id, "service_id": "svc-01",
        "doctor_id": "doc-1", "date": date, "time": "08:00"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/book/consent")
    return slot_id


def accept_consent(client):
    consent = client.get("/book/consent")
    assert "Я даю согласие" in text(consent)
    assert 'id="accept-consent"' in text(consent)
    return client.post("/book/consent", data={"csrf_token": csrf(consent.data),
                                              "version": "2026-01", "decision": "accept"})


def login(client, policy=GOOD_POLICY, birth="17-05-1980", next_path="/cabinet"):
    page = client.get(f"/login?next={next_path}")
    return client.post("/login", data={
        "csrf_token": csrf(page.data), "document_type": "oms_unified", "policy_number": policy,
        "birth_date": birth, "identity_type": "passport", "identity_number": "",
        "next": next_path})


def test_home_lists_districts_in_the_seed_order_with_the_notices(client, fakes):
    page = text(client.get("/"))
    assert page.index("г. Оренбург") < page.index("г. Орск")
    assert "ПЛАНОВЫЙ" in page and "103" in page and "112" in page
    assert "8-800-200-56-03" in page
    assert "Личный кабинет" in page


def test_pages_carry_the_security_headers(client, fakes):
    response = client.get("/")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "https://" not in text(response)  # every asset is local


def test_organization_type_filter_and_registry_only_services(client, fakes):
    assert "no-organizations" in text(client.get("/districts/d-001?type_id=t-02"))
    org = text(client.get("/organizations/o-0001"))
    assert "запись через регистратуру" in org and "платная услуга" in org


def test_grid_shows_whole_weeks_from_monday_with_intervals_and_dark_days(client, fakes):
    page = text(client.get("/doctors/doc-1?service_id=svc-01"))
    shown = [date.fromisoformat(d)
             for d in re.findall(r'class="day [a-z]+"[^>]*data-date="([\d-]+)"', page)]
    # Monday first, whole weeks, and the fortnight from today all there (days before it blank).
    assert shown[0].weekday() == 0 and len(shown) % 7 == 0
    assert shown == [shown[0] + timedelta(days=n) for n in range(len(shown))]
    assert date.today() + timedelta(days=13) <= shown[-1] < date.today() + timedelta(days=20)
    assert page.count('class="day past"') == date.today().weekday()
    assert re.search(r'class="week-head"[^>]*>(\s*<span>..</span>){7}', page)
    assert "08:00–14:00" in page and "запись возможна" in page and "нет приёма" in page
    assert 'class="day unavailable"' in page  # the weekend
    assert 'id="grid-next"' in page


def test_unknown_organization_is_an_html_404(client, fakes):
    response = client.get("/organizations/o-missing")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def hold_calls(fakes) -> list:
    return [c for c in fakes.calls_to("schedule", "/v1/slots/") if c["method"] == "POST"]


def test_full_flow_from_district_to_talon(client, fakes):
    slot_id = hold_first_free_time(client)
    assert hold_calls(fakes) == []  # an anonymous choice is kept in the session, not held
    after_consent = accept_consent(client)
    assert after_consent.status_code == 302
    assert "/login?next=/book/confirm" in after_consent.headers["Location"]
    assert fakes.calls_to("auth", "/v1/consents")[-1]["json"]["version"] == "2026-01"

    # A malformed policy: the auth service's field error is shown next to its field.
    wrong = login(client, policy="0000000000000000", next_path="/book/confirm")
    assert wrong.status_code == 422
    page = text(wrong)
    assert 'id="policy_number-error"' in page
    assert "Неверная контрольная цифра" in page
    assert 'id="birth_date"' in page and 'id="login-submit"' in page

    cookie_before = client.get_cookie("reg_session").value
    booked = login(client, next_path="/book/confirm")
    assert booked.status_code == 302
    assert client.get_cookie("reg_session").value != cookie_before  # rotated at login
    assert re.search(r"/appointments/a-1/talon$", booked.headers["Location"])
    book_call = fakes.calls_to("booking", "/v1/appointments")[-1]
    assert book_call["json"]["slot_id"] == slot_id
    assert book_call["json"]["consent_version"] == "2026-01"
    assert "hold_id" not in book_call["json"]
    assert book_call["headers"]["Idempotency-Key"]
    assert book_call["headers"]["Authorization"] == "Bearer tok-patient-1"

    talon = client.get(booked.headers["Location"])
    page = text(talon)
    assert talon.headers["Cache-Control"] == "no-store"
    for expected in ("ГП1-000123", "Петрова Анна Сергеевна", "Иванов Иван Иванович",
                     'id="print-ticket"', 'id="download-pdf"', 'id="to-start"'):
        assert expected in page
    printable = client.get("/appointments/a-1/print")
    assert 'data-action="print"' in text(printable)


def test_an_anonymous_choice_taken_before_the_login_ends_on_the_taken_page(client, fakes):
    slot_id = hold_first_free_time(client)
    accept_consent(client)
    fakes.taken.add(slot_id)  # someone else booked it while this visitor was logging in
    after_login = login(client, next_path="/book/confirm")
    assert after_login.headers["Location"].endswith("/book/taken")
    page = text(client.get("/book/taken"))
    assert 'id="slot-taken"' in page and "уже занято" in page
    assert fakes.appointments == {}


def test_a_logged_in_patient_holds_the_chosen_time_with_their_token(client, fakes):
    login(client)
    hold_first_free_time(client)
    (held,) = hold_calls(fakes)
    assert held["headers"]["Authorization"] == "Bearer tok-patient-1"
    accept_consent(client)
    confirm = client.get("/book/confirm")
    client.post("/book/confirm", data={"csrf_token": csrf(confirm.data)})
    book_call = fakes.calls_to("booking", "/v1/appointments")[-1]
    assert book_call["json"]["hold_id"] in fakes.holds


def test_a_full_day_of_holds_still_lets_a_patient_book_without_one(client, fakes):
    login(client)
    fakes.day_full = True
    hold_first_free_time(client)
    accept_consent(client)
    confirm = client.get("/book/confirm")
    booked = client.post("/book/confirm", data={"csrf_token": csrf(confirm.data)})
    assert booked.headers["Location"].endswith("/appointments/a-1/talon")
    assert "hold_id" not in fakes.calls_to("booking", "/v1/appointments")[-1]["json"]


def test_logged_in_patient_confirms_and_a_repeat_never_double_books(client, fakes):
    login(client)
    hold_first_free_time(client)
    assert accept_consent(client).headers["Location"].endswith("/book/confirm")
    confirm = client.get("/book/confirm")
    assert 'id="book-submit"' in text(confirm)
    token = csrf(confirm.data)
    first = client.post("/book/confirm", data={"csrf_token": token})
    assert first.headers["Location"].endswith("/appointments/a-1/talon")
    assert len(fakes.appointments) == 1


def test_slot_taken_at_booking_offers_the_next_free_times(client, fakes):
    login(client)
    hold_first_free_time(client)
    accept_consent(client)
    fakes.steal_on_book = True
    confirm = client.get("/book/confirm")
    response = client.post("/book/confirm", data={"csrf_token": csrf(confirm.data)})
    assert response.headers["Location"].endswith("/book/taken")
    page = text(client.get("/book/taken"))
    assert 'id="slot-taken"' in page
    assert page.count('class="time free"') >= 2  # remaining times of that day and the next


def test_declining_the_agreement_releases_the_hold(client, fakes):
    login(client)
    hold_first_free_time(client)
    consent = client.get("/book/consent")
    response = client.post("/book/consent", data={"csrf_token": csrf(consent.data),
                                                  "version": "2026-01", "decision": "decline"})
    assert "/doctors/doc-1/day" in response.headers["Location"]
    assert fakes.calls_to("schedule", "/v1/holds/")[-1]["method"] == "DELETE"
    assert "отказались" in text(client.get(response.headers["Location"]))


def test_taken_time_at_hold_offers_the_next_free_times(client, fakes):
    day = walk_to_day_page(client)
    response = client.post("/book/hold", data={
        "csrf_token": csrf(day.data), "slot_id": "2026-12-01-102", "service_id": "svc-01",
        "doctor_id": "doc-1", "date": "2026-12-01"})
    assert response.headers["Location"].endswith("/book/taken")
    page = text(client.get(response.headers["Location"]))
    assert "уже занято" in page
    assert 'id="time-2026-12-01-101"' in page and 'id="time-2026-12-01-103"' in page


def test_form_posts_without_the_csrf_token_are_refused(client, fakes):
    client.get("/")
    response = client.post("/book/hold", data={"slot_id": "1", "service_id": "svc-01",
                                               "doctor_id": "doc-1"})
    assert response.status_code == 403
    assert "Страница устарела" in text(response)
    assert fakes.calls_to("schedule", "/v1/slots") == []


def test_session_cookie_is_httponly_lax_and_secure_when_configured(gateway_db, fake_urls, fakes):
    from gateway.app import create_app

    from .conftest import make_settings

    plain = create_app(make_settings(gateway_db, fake_urls)).test_client()
    cookie = plain.get("/login").headers["Set-Cookie"]
    assert cookie.startswith("reg_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert len(cookie.split(";")[0].split("=", 1)[1]) == 64  # 256 random bits, hex
    secure = create_app(make_settings(gateway_db, fake_urls, secure_cookies=True)).test_client()
    assert "Secure" in secure.get("/login").headers["Set-Cookie"]


def test_login_failures_show_one_message_and_the_wait_time(client, fakes):
    unknown = login(client, policy="1111111111111111")
    assert unknown.status_code == 401
    assert "регистратуру" in text(unknown)
    throttled = login(client, policy="9999999999999999")
    assert throttled.status_code == 429
    assert "5 мин" in text(throttled)
    bad_date = login(client, birth="31-02-1980")
    assert 'id="birth_date-error"' in text(bad_date)
    assert fakes.calls_to("auth", "/v1/auth/oms")[-1]["json"]["policy_number"] == "9999999999999999"


def test_esia_login_round_trip(client, fakes):
    start = client.get("/auth/esia?next=/cabinet")
    assert start.status_code == 302
    assert start.headers["Location"].startswith("http://esia.example/authorize")
    sent = fakes.calls_to("auth", "/v1/esia/authorize-url")[-1]["json"]
    assert sent["redirect_uri"].endswith("/auth/esia/callback")
    done = client.get("/auth/esia/callback?code=good-code&state=st-1")
    assert done.headers["Location"].endswith("/cabinet")
    assert "Иванов Иван Иванович" in text(client.get("/cabinet"))


def test_esia_callback_with_a_foreign_state_is_refused(client, fakes):
    client.get("/auth/esia")
    response = client.get("/auth/esia/callback?code=good-code&state=forged")
    assert response.status_code == 401
    assert fakes.calls_to("auth", "/v1/esia/callback") == []
