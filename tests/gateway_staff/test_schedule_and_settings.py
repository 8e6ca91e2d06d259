"""Doctors' schedules (template, quota, absences) and the organization's settings."""
from __future__ import annotations

import io
import json
import re

import pytest

from staff_fakes import ORG

pytestmark = pytest.mark.integration


def text(response) -> str:
    return response.get_data(as_text=True)


def week_form(**changes) -> dict:
    form = {"slot_minutes": "20", "mon_start": "08:00", "mon_end": "14:00",
            "tue_start": "14:00", "tue_end": "20:00", "breaks": "11:00–11:15"}
    form.update(changes)
    return form


def test_schedule_lists_own_doctors_and_opens_the_template(registrar):
    page = text(registrar.get("/staff/schedule"))
    assert 'id="doctor-select"' in page and "Кузнецова Мария Петровна" in page
    assert "Орлов" not in page  # a doctor of another organization
    page = text(registrar.get("/staff/schedule?doctor_id=doc-1"))
    assert 'id="mon_start" name="mon_start" value="08:00"' in page
    assert 'id="sat_start" name="sat_start" value=""' in page
    assert "11:00–11:15" in page
    assert 'id="reception_percent" name="reception_percent" type="number" min="0" max="100" value="20"' in page


def test_saving_the_weekly_template_sends_week_slot_length_and_breaks(registrar, backend):
    response = registrar.post("/staff/schedule/doc-1/template", week_form())
    assert response.status_code == 302
    put = backend.calls[-1]
    assert put["method"] == "PUT" and put["path"] == "/v1/admin/doctors/doc-1/template"
    assert put["json"]["slot_minutes"] == 20
    assert put["json"]["week"]["mon"] == ["08:00", "14:00"]
    assert put["json"]["week"]["tue"] == ["14:00", "20:00"]
    assert put["json"]["week"]["sun"] is None
    assert put["json"]["breaks"] == [["11:00", "11:15"]]


def test_a_wrong_template_is_explained_next_to_the_day(registrar, backend):
    response = registrar.post("/staff/schedule/doc-1/template",
                              week_form(mon_start="15:00", mon_end="09:00", slot_minutes="0"))
    assert response.status_code == 422
    page = text(response)
    assert re.search(r'id="error-mon">Начало приёма должно быть раньше конца', page)
    assert 'id="error-slot_minutes"' in page
    assert not any(c["method"] == "PUT" for c in backend.calls)


def test_reception_quota_is_saved(registrar, backend):
    response = registrar.post("/staff/schedule/doc-1/quota", {"reception_percent": "35"})
    assert response.status_code == 302
    assert backend.calls[-1]["json"] == {"reception_percent": 35}
    bad = registrar.post("/staff/schedule/doc-1/quota", {"reception_percent": "120"})
    assert bad.status_code == 422 and "от 0 до 100" in text(bad)


def test_absence_blocks_days_and_lists_affected_appointments_to_reschedule(registrar, backend):
    backend.appointments["a-1"] = backend.appointment("p-1", "101", "svc-1")
    backend.appointments["a-1"]["id"] = "a-1"
    response = registrar.post("/staff/schedule/doc-1/absences",
                              {"from": "2026-12-01", "to": "2026-12-03", "reason": "Больничный"})
    assert response.status_code == 200
    posted = [c for c in backend.calls if c["method"] == "POST" and c["path"].endswith("/absences")]
    assert [c["json"] for c in posted] == [{"from": "2026-12-01", "to": "2026-12-03",
                                            "reason": "Больничный"}]
    page = text(response)
    assert 'id="absence-result"' in page and "Затронуто записей: 1" in page
    assert 'id="affected-reschedule-a-1"' in page
    assert "Смирнов Олег Ильич" in page
    assert 'id="absence-abs-1"' in page  # now in the doctor's list of absences
    assert "Врач отсутствует — перенесите запись" in text(registrar.get("/staff/patients/p-1"))


def test_an_absence_can_be_lifted(registrar, backend):
    backend.absences["abs-7"] = {"id": "abs-7", "from": "2026-12-01", "to": "2026-12-01",
                                 "reason": "Учёба"}
    assert 'id="absence-remove-abs-7"' in text(registrar.get("/staff/schedule?doctor_id=doc-1"))
    response = registrar.post("/staff/schedule/doc-1/absences/abs-7/delete")
    assert response.status_code == 302
    assert "abs-7" not in backend.absences


def test_absence_without_a_list_of_appointments_claims_no_count(registrar, backend):
    backend.absence_lists_appointments = False
    response = registrar.post("/staff/schedule/doc-1/absences",
                              {"from": "2026-12-01", "to": "2026-12-01", "reason": "Отпуск"})
    assert response.status_code == 200
    page = text(response)
    assert 'id="absence-result"' in page and "Затронуто записей" not in page
    assert "получат уведомление" in page


def test_absence_form_needs_dates_in_order_and_a_reason(registrar, backend):
    response = registrar.post("/staff/schedule/doc-1/absences",
                              {"from": "2026-12-05", "to": "2026-12-01", "reason": ""})
    assert response.status_code == 422
    page = text(response)
    assert 'id="error-absence-to"' in page and 'id="error-absence-reason"' in page
    assert not any(c["method"] == "POST" and c["path"].endswith("/absences") for c in backend.calls)


def test_registrar_cannot_manage_a_doctor_of_another_organization(registrar, backend):
    assert registrar.get("/staff/schedule?doctor_id=doc-9").status_code == 403
    response = registrar.post("/staff/schedule/doc-9/quota", {"reception_percent": "50"})
    assert response.status_code == 403
    assert not any(c["path"].startswith("/v1/admin/doctors/doc-9") for c in backend.calls)


def test_settings_show_current_values_and_save_them(registrar, backend):
    page = text(registrar.get("/staff/settings"))
    assert 'id="booking_horizon_days" name="booking_horizon_days" type="number" value="14"' in page
    assert 'value="07:00"' in page
    response = registrar.post("/staff/settings", {
        "booking_horizon_days": "21", "day_opens_at": "07:30", "same_day_booking": "on",
        "cancel_cutoff_hours": "2", "organization_id": "o-0002"})  # forged: ignored
    assert response.status_code == 302
    put = backend.calls[-1]
    assert put["path"] == f"/v1/admin/organizations/{ORG}/settings"
    assert put["json"] == {"booking_horizon_days": 21, "cancel_cutoff_hours": 2,
                           "day_opens_at": "07:30", "same_day_booking": True}


def test_settings_warn_when_only_defaults_are_known(registrar, backend):
    backend.settings = None  # the catalog cannot tell the current values
    page = text(registrar.get("/staff/settings"))
    assert 'id="settings-defaults-note"' in page and 'value="14"' in page


def test_settings_errors_from_the_catalog_stand_next_to_the_field(registrar):
    response = registrar.post("/staff/settings", {"booking_horizon_days": "80",
                                                  "day_opens_at": "07:00",
                                                  "cancel_cutoff_hours": "0"})
    assert response.status_code == 422
    assert re.search(r'id="error-booking_horizon_days">Не более 60 дней', text(response))


def test_settings_check_time_format_locally(registrar, backend):
    response = registrar.post("/staff/settings", {"booking_horizon_days": "14",
                                                  "day_opens_at": "7 утра",
                                                  "cancel_cutoff_hours": "x"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="error-day_opens_at"' in page and 'id="error-cancel_cutoff_hours"' in page


def test_admin_picks_any_organization_and_imports_the_catalog(admin, backend):
    page = text(admin.get("/staff/settings?organization_id=o-0002"))
    assert "Настройки организации: РБ" in page and 'id="import-form"' in page
    region = {"format": "registratura-region/1", "organizations": [{"id": "o-1"}]}
    response = admin.post("/staff/settings/import", {
        "region_file": (io.BytesIO(json.dumps(region).encode()), "region.json")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert backend.calls[-1]["json"] == region
    bad = admin.post("/staff/settings/import", {
        "region_file": (io.BytesIO(b"not json"), "region.json")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "Файл не прочитан" in text(bad)


def test_catalog_import_is_for_admins_only(registrar):
    response = registrar.post("/staff/settings/import", {})
    assert response.status_code == 403


def test_admin_manages_schedules_of_any_organization(admin):
    page = text(admin.get("/staff/schedule?organization_id=o-0002&doctor_id=doc-9"))
    assert 'id="schedule-doctor-name">Орлов Игорь Саввич' in page
    assert 'name="organization_id" value="o-0002"' in page
