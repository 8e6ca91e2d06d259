"""``channel=reception`` on the public day grid and day slots: staff only, reception rules."""
import pytest

pytestmark = pytest.mark.integration
DOCTOR = "/v1/doctors/doc-000001"
SVC = "svc-0001-01"
GRID = f"{DOCTOR}/days?service_id={SVC}&from=2026-11-30&to=2026-12-16&channel=reception"


def auth(token, **kw):
    return {"Authorization": f"Bearer {token(**kw)}"}


def slots(client, day, headers=None, channel="&channel=reception"):
    return client.get(f"{DOCTOR}/slots?service_id={SVC}&date={day}{channel}", headers=headers)


def test_reception_grid_counts_every_channel_and_ignores_the_horizon(client, token):
    answer = client.get(GRID, headers=auth(token))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    by_date = {d["date"]: d for d in answer.json["items"]}
    assert by_date["2026-11-30"]["bookable"] is False and by_date["2026-11-30"]["free"] == 0
    # Today (08:00 local): the 08:00 slot has started, the other 22 of 23 are free at reception.
    assert by_date["2026-12-01"] == {"date": "2026-12-01", "interval": "08:00\u201314:00",
                                     "bookable": True, "free": 22}
    assert by_date["2026-12-02"]["free"] == 23  # the portal sees 18: the quota counts here
    assert by_date["2026-12-16"]["bookable"] is True  # beyond the portal horizon


def test_reception_slots_are_all_bookable_except_started_and_taken_ones(client, token, internal):
    headers = auth(token, role="admin", organization_id=None)
    today = slots(client, "2026-12-01", headers)
    assert today.status_code == 200 and today.headers["Cache-Control"] == "private, no-store"
    assert [s["bookable"] for s in today.json["items"]][:2] == [False, True]
    items = slots(client, "2026-12-03", headers).json["items"]
    assert len(items) == 23 and all(s["bookable"] for s in items)
    client.post(f"/internal/slots/{items[-1]['id']}/take", headers=internal,
                json={"appointment_id": "desk-1", "channel": "reception"})
    after = slots(client, "2026-12-03", headers).json["items"]
    assert after[-1]["bookable"] is False and sum(s["bookable"] for s in after) == 22
    grid = client.get(GRID, headers=headers).json["items"]
    assert next(d for d in grid if d["date"] == "2026-12-03")["free"] == 22


@pytest.mark.parametrize("who", [None, {"role": "patient", "organization_id": None},
                                 {"role": "registrar", "organization_id": "o-0002"}, "forged"])
def test_reception_view_needs_a_staff_token_of_the_doctors_organization(client, token, who):
    if who is None:
        headers = None
    elif who == "forged":
        headers = {"Authorization": "Bearer not.a.token"}
    else:
        headers = auth(token, **who)
    for answer in (client.get(GRID, headers=headers), slots(client, "2026-12-03", headers)):
        assert answer.status_code == 403
        assert answer.json["error"]["code"] == "forbidden"


def test_other_channel_values_are_422_naming_channel(client, token):
    for value in ("portal", "RECEPTION", ""):
        answer = slots(client, "2026-12-03", auth(token), channel=f"&channel={value}")
        assert answer.status_code == 422 and "channel" in answer.json["error"]["fields"]


def test_without_the_parameter_staff_see_the_public_portal_answer(client, token):
    answer = client.get(GRID.replace("&channel=reception", ""), headers=auth(token))
    assert answer.headers["Cache-Control"] == "public, max-age=5"
    by_date = {d["date"]: d for d in answer.json["items"]}
    assert by_date["2026-12-01"]["bookable"] is False and by_date["2026-12-02"]["free"] == 18
    portal = slots(client, "2026-12-03", auth(token), channel="").json["items"]
    assert sum(s["bookable"] for s in portal) == 18
