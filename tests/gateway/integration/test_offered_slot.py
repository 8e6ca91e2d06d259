"""The waiting-list link /book/slot/<id>: one slot id rule (regcommon.ids) guards it."""
import pytest


def test_the_public_ui_asks_only_public_routes(client, fakes):
    client.get("/book/slot/42")
    client.get("/doctors/doc-1?service_id=svc-01")
    paths = [c["path"] for svc in ("catalog", "schedule") for c in fakes.calls_to(svc)]
    assert paths and not [p for p in paths if p.startswith("/internal/")]


def test_offered_slot_leads_to_the_day_page_of_its_doctor(client, fakes):
    response = client.get("/book/slot/42")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/doctors/doc-1/day" in location
    assert "service_id=svc-1" in location and "date=2026-12-01" in location
    assert [c["path"] for c in fakes.calls_to("schedule")] == ["/v1/slots/42"]


@pytest.mark.parametrize("bad", ["%C2%B2", "%D9%A1", "12a", "-1", "1" * 19])
def test_an_id_that_names_no_slot_is_404_without_asking_schedule(client, fakes, bad):
    # "²" and "١" pass str.isdigit; the shared parser refuses them.
    assert client.get(f"/book/slot/{bad}").status_code == 404
    assert fakes.calls_to("schedule") == []
