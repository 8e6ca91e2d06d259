"""The «Ближайшее свободное время» block of the doctor-list page, against fake services: the
first times across doctors, the scope tabs, and a time's button going on to the booking."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration
PAGE = "/organizations/o-0001/services/svc-01"


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def text(response) -> str:
    return response.get_data(as_text=True)


def slot_ids(page: str) -> list[str]:
    return re.findall(r'id="earliest-([0-9-]+)" data-slot-id', page)


def test_the_block_lists_the_first_free_times_before_the_doctors(client, fakes):
    page = text(client.get(PAGE))
    assert '<h2 id="earliest-title">Ближайшее свободное время</h2>' in page
    assert page.index('id="earliest"') < page.index('id="doctors"')
    ids = slot_ids(page)
    assert len(ids) == 6 and ids[0].endswith("-101") and ids[1].endswith("-103")
    assert 'aria-label="Записаться на ' in page and "Петрова Анна Сергеевна" in page
    assert 'id="earliest-scope-organization" href="/organizations/o-0001/services/svc-01#earliest"' \
        ' aria-current="true"' in page
    assert 'id="earliest-attachment"' in page  # the therapist needs an attachment


def test_a_time_button_goes_on_to_the_agreement_with_that_time(client, fakes):
    page = client.get(PAGE)
    first = slot_ids(text(page))[0]
    answer = client.post("/book/hold", data={
        "csrf_token": csrf_of(page.data), "slot_id": first, "service_id": "svc-01",
        "doctor_id": "doc-1", "date": first[:10], "time": "08:00"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/book/consent")
    with client.session_transaction() as session:
        assert session["booking"]["slot_id"] == first


def test_district_and_region_tabs_search_wider(client, fakes):
    for scope in ("district", "region"):
        page = text(client.get(f"{PAGE}?earliest={scope}"))
        assert f'id="earliest-scope-{scope}"' in page and len(slot_ids(page)) == 6
        assert re.search(rf'id="earliest-scope-{scope}" href="[^"]+" aria-current="true"', page)
    sent = [c["query"] for c in fakes.calls_to("catalog", "/internal/services/svc-01/offers")]
    assert any("district_id=d-001" in q for q in sent) and any(q == "" for q in sent)
    odd = text(client.get(f"{PAGE}?earliest=nonsense"))
    assert re.search(r'id="earliest-scope-organization" href="[^"]+" aria-current="true"', odd)


def test_taken_times_leave_the_block(client, fakes):
    first = slot_ids(text(client.get(PAGE)))[0]
    fakes.taken.add(first)
    assert first not in slot_ids(text(client.get(PAGE)))


def test_a_registry_only_service_has_no_block(client, fakes):
    page = text(client.get("/organizations/o-0001/services/svc-02"))
    assert 'id="registry-only"' in page and 'id="earliest"' not in page
