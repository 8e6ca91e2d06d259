"""The day's attendance list, the marks, the no-show counts and the rule in the settings form."""
from __future__ import annotations

import pytest

from staff_fakes import ORG

pytestmark = pytest.mark.integration


def text(response) -> str:
    return response.get_data(as_text=True)


def item(aid: str, *, markable: bool, attendance=None, start="2026-12-02T08:30:00+05:00") -> dict:
    return {"id": aid, "start": start, "attendance": attendance, "markable": markable,
            "patient": {"id": "p-1", "full_name": "Смирнов Олег Ильич"},
            "doctor": {"id": "doc-1", "full_name": "Кузнецова Мария Петровна"},
            "service": {"id": "svc-1", "name": "Приём врача-терапевта участкового"},
            "organization": {"id": ORG}}


def test_the_day_list_asks_the_organizations_local_day_and_offers_marks_once_the_time_passed(
        registrar, backend):
    backend.attendance_day = [item("a-1", markable=True, attendance="no_show"),
                              item("a-2", markable=False, start="2026-12-02T17:00:00+05:00")]
    response = registrar.get("/staff/attendance?date=02.12.2026")
    assert response.status_code == 200
    asked = [c for c in backend.calls if c["path"] == "/v1/admin/attendance"][-1]["args"]
    assert asked == {"from": "2026-12-02T00:00:00+05:00", "to": "2026-12-03T00:00:00+05:00",
                     "organization_id": ORG}
    page = text(response)
    assert 'id="attended-a-1"' in page and 'id="no-show-a-1"' in page
    assert 'id="no-show-a-2"' not in page and "после 17:00" in page
    assert 'data-attendance="no_show"' in page and "не пришёл" in page


def test_a_date_that_is_not_one_is_named_and_today_is_shown(registrar, backend):
    response = registrar.get("/staff/attendance?date=31.02.2026")
    assert response.status_code == 422
    assert 'id="attendance-date-error"' in text(response)


def test_a_no_show_mark_is_sent_and_the_suspension_it_started_is_told(registrar, backend):
    backend.attendance_day = [item("a-1", markable=True)]
    backend.suspension = {"ends_on": "01.01.2027", "reason": "no_show"}
    response = registrar.post("/staff/appointments/a-1/attendance",
                              {"attended": "0", "date": "2026-12-02"})
    assert response.status_code == 302 and "date=2026-12-02" in response.headers["Location"]
    sent = [c for c in backend.calls if c["path"] == "/v1/appointments/a-1/attendance"][-1]
    assert sent["json"] == {"attended": False}
    page = text(registrar.get(response.headers["Location"]))
    assert "Смирнов Олег Ильич: отмечено «не пришёл»" in page
    assert "приостановлена до 01.01.2027" in page


def test_a_refused_mark_shows_the_services_message(registrar, backend):
    backend.attendance_day = [item("a-2", markable=False)]
    response = registrar.post("/staff/appointments/a-2/attendance", {"attended": "1"})
    assert response.status_code == 302
    assert "Отметить явку можно только после начала приёма" in text(
        registrar.get(response.headers["Location"]))
    nothing = registrar.post("/staff/appointments/a-2/attendance", {"attended": "maybe"})
    assert nothing.status_code == 302
    assert len([c for c in backend.calls if c["path"].endswith("/attendance")
                and c["method"] == "POST"]) == 1


def test_the_counts_page_shows_the_organization_and_each_doctor(registrar, backend):
    backend.no_show_counts = {"total": {"attended": 5, "no_show": 3, "unmarked": 1}, "doctors": [
        {"doctor": {"id": "doc-1", "full_name": "Кузнецова Мария Петровна"}, "attended": 5,
         "no_show": 3, "unmarked": 1}]}
    response = registrar.get("/staff/no-shows?from=01.11.2026&to=30.11.2026")
    assert response.status_code == 200
    asked = [c for c in backend.calls if c["path"] == "/v1/admin/no-shows"][-1]["args"]
    assert asked["from"] == "2026-11-01T00:00:00+05:00"
    assert asked["to"] == "2026-12-01T00:00:00+05:00"
    page = text(response)
    assert 'id="no-shows-total-no-show">3<' in page
    assert 'id="no-shows-doc-1"' in page and "Кузнецова Мария Петровна" in page
    wrong = registrar.get("/staff/no-shows?from=30.11.2026&to=01.11.2026")
    assert wrong.status_code == 422 and 'id="error-to"' in text(wrong)


def test_the_rule_is_edited_with_the_other_settings(registrar, backend):
    page = text(registrar.get("/staff/settings"))
    assert 'id="no_show_limit"' in page and 'id="no_show_window_days"' in page
    form = {"booking_horizon_days": "14", "day_opens_at": "07:00", "cancel_cutoff_hours": "0",
            "no_show_limit": "3", "no_show_window_days": "90", "no_show_suspend_days": "30"}
    assert registrar.post("/staff/settings", form).status_code == 302
    put = [c for c in backend.calls if c["method"] == "PUT"][-1]["json"]
    assert (put["no_show_limit"], put["no_show_window_days"], put["no_show_suspend_days"]) == \
        (3, 90, 30)
    bad = registrar.post("/staff/settings", {**form, "no_show_limit": "21"})
    assert bad.status_code == 422 and 'id="error-no_show_limit"' in text(bad)
