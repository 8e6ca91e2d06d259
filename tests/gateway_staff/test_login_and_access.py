"""Staff login, logout, CSRF and who may open what."""
from __future__ import annotations

import pytest

from staff_fakes import fake_token

pytestmark = pytest.mark.integration


def text(response) -> str:
    return response.get_data(as_text=True)


def test_login_page_is_russian_and_focuses_the_login_field(browser):
    page = text(browser.get("/staff/login"))
    assert "Вход для сотрудников регистратуры" in page
    assert 'id="login" name="login" value="" autocomplete="username" autofocus' in page


def test_registrar_signs_in_and_lands_on_patient_search(browser, backend):
    response = browser.login("registrar")
    assert response.headers["Location"].endswith("/staff")
    page = text(browser.get("/staff"))
    assert 'id="search-policy"' in page and "autofocus" in page
    assert "Иванова Анна (регистратор)" in page
    assert backend.calls[-1]["path"] == "/v1/auth/staff"


def test_wrong_password_shows_a_russian_message_and_no_session(browser):
    response = browser.post("/staff/login", {"login": "registrar", "password": "bad"})
    assert response.status_code == 401
    assert "Неверный логин или пароль" in text(response)
    assert browser.get("/staff").status_code == 302


def test_a_patient_token_is_refused_at_staff_login(browser):
    response = browser.post("/staff/login", {"login": "patient", "password": "secret"})
    assert response.status_code == 403
    assert "только для сотрудников" in text(response)
    assert browser.get("/staff").headers["Location"].startswith("/staff/login")


def test_a_session_holding_a_patient_token_opens_no_staff_page(browser):
    with browser.client.session_transaction() as session:
        session["staff_login"] = {"id": "p-x", "role": "patient",
                                  "token": fake_token("patient", "p-x"), "expires_at": None}
    response = browser.get("/staff/patients/p-1")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_pages_need_login_and_come_back_after_it(browser):
    response = browser.get("/staff/patients/p-1")
    assert response.status_code == 302
    assert "next=/staff/patients/p-1" in response.headers["Location"]
    after = browser.post("/staff/login", {"login": "registrar", "password": "secret",
                                          "next": "/staff/patients/p-1"})
    assert after.headers["Location"].endswith("/staff/patients/p-1")


def test_login_does_not_redirect_to_another_site(browser):
    after = browser.post("/staff/login", {"login": "registrar", "password": "secret",
                                          "next": "//evil.example/staff"})
    assert after.headers["Location"].endswith("/staff")


def test_a_post_without_csrf_token_is_refused(registrar, backend):
    response = registrar.post("/staff/patients/new", {"last_name": "Тест"}, csrf=False)
    assert response.status_code == 403  # the gateway's own CSRF check answers first
    forged = registrar.post("/staff/patients/new", {"last_name": "Тест", "csrf_token": "forged"},
                            csrf=False)
    assert forged.status_code == 403
    assert not any(c["path"] == "/v1/registry/patients" for c in backend.calls)


def test_logout_revokes_the_token_and_ends_the_session(registrar, backend):
    response = registrar.post("/staff/logout")
    assert response.status_code == 302
    assert backend.tokens["registrar"] in backend.revoked
    assert registrar.get("/staff").status_code == 302


def test_a_revoked_token_sends_the_registrar_back_to_login(registrar, backend):
    backend.revoked.add(backend.tokens["registrar"])
    response = registrar.get("/staff/patients/p-1")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_audit_is_refused_to_a_registrar_with_a_403_page(registrar, backend):
    response = registrar.get("/staff/audit")
    assert response.status_code == 403
    assert "Доступ запрещён" in text(response)
    assert not any(c["path"] == "/v1/admin/audit" for c in backend.calls)
    assert 'id="nav-audit"' not in text(registrar.get("/staff"))


def test_patient_of_another_organization_is_not_found_for_a_registrar(registrar, backend):
    response = registrar.get("/staff/patients/p-foreign")
    assert response.status_code == 404
    assert "Пациент не найден" in text(response)
    # Even a registry that answered the card is not believed: the page checks it too.
    backend.registry_unscoped = True
    for url in ("/staff/patients/p-foreign", "/staff/patients/p-foreign/edit"):
        response = registrar.get(url)
        assert response.status_code == 404 and "Смирнов" not in text(response), url


def test_unreachable_service_gives_a_russian_503_page_not_a_500(registrar, app):
    app.extensions["upstreams"].public["auth"].base_url = "http://127.0.0.1:9"
    response = registrar.get("/staff/patients/p-1")
    assert response.status_code == 503
    assert "Сервис временно недоступен" in text(response)


def test_pages_are_not_cached_by_the_browser(registrar):
    assert registrar.get("/staff").headers["Cache-Control"] == "no-store"


def test_stylesheet_is_served_by_the_blueprint(browser):
    response = browser.get("/staff/static/staff.css")
    assert response.status_code == 200
    assert ":focus-visible" in text(response)
    response.close()


def test_keyboard_helper_script_is_served_and_linked(registrar):
    assert "staff.js" in text(registrar.get("/staff"))
    script = registrar.get("/staff/static/staff.js")
    assert script.status_code == 200 and "event.code" in text(script)
    script.close()
