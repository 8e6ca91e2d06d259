import copy

import pytest

from catalog.domain.region_file import validate_region

pytestmark = pytest.mark.unit


def region():
    """A small valid region; tests break one thing each."""
    return {
        "format": "registratura-region/1", "region": "Оренбургская область",
        "timezone": "Asia/Yekaterinburg",
        "districts": [{"id": "d-001", "name": "г. Оренбург"}, {"id": "d-002", "name": "г. Орск"}],
        "organization_types": [{"id": "t-01", "name": "Городские поликлиники"}],
        "organizations": [{
            "id": "o-0001", "name": "Поликлиника № 1", "short_name": "П1",
            "address": "г. Оренбург, ул. Лесная, д. 1", "phone": "8 (3532) 11-22-33",
            "district_id": "d-001", "type_id": "t-01", "timezone": "Asia/Yekaterinburg",
            "settings": {"booking_horizon_days": 14, "day_opens_at": "07:00",
                         "same_day_booking": False, "cancel_cutoff_hours": 0},
            "subdivisions": [{"id": "sd-1", "name": "Основное здание", "address": "там же"}],
            "services": [{"id": "svc-1", "name": "Терапевт", "specialty": "Терапия",
                          "self_bookable": True, "paid": False, "requires_attachment": True},
                         {"id": "svc-2", "name": "Хирург", "specialty": "Хирургия",
                          "self_bookable": True, "paid": False, "requires_attachment": False}],
            "doctors": [{"id": "doc-1", "last_name": "Иванова", "first_name": "Анна",
                         "middle_name": "Петровна", "specialty": "Терапия",
                         "subdivision_id": "sd-1", "room": "101", "service_ids": ["svc-1"],
                         "areas": ["1"],
                         "schedule": {"slot_minutes": 15,
                                      "week": {"mon": ["08:00", "14:00"], "sat": None},
                                      "breaks": [["11:00", "11:15"]],
                                      "quota": {"reception_percent": 20}}},
                        {"id": "doc-2", "last_name": "Петров", "first_name": "Олег",
                         "specialty": "Хирургия", "service_ids": ["svc-2"]}],
        }],
    }


def problems_of(document) -> dict[str, str]:
    return {p.path: p.message for p in validate_region(document)}


def test_a_valid_region_has_no_problems():
    assert validate_region(region()) == []


def test_a_document_that_is_not_an_object_is_refused():
    assert problems_of([1, 2]) == {"$": "ожидается объект"}


def test_wrong_format_is_reported():
    doc = region()
    doc["format"] = "something-else"
    assert "format" in problems_of(doc)


def test_missing_required_field_is_reported_with_its_path():
    doc = region()
    del doc["organizations"][0]["doctors"][1]["last_name"]
    assert problems_of(doc) == {"organizations[0].doctors[1].last_name": "обязательное поле"}


def test_wrong_types_are_reported_with_their_paths():
    doc = region()
    doc["organizations"][0]["services"][1]["paid"] = "no"
    doc["districts"][1]["name"] = 5
    doc["organizations"][0]["doctors"] = {"doc-1": {}}
    assert problems_of(doc) == {
        "organizations[0].services[1].paid": "ожидается true или false",
        "districts[1].name": "ожидается строка",
        "organizations[0].doctors": "ожидается список",
    }


def test_duplicate_ids_are_reported_with_the_first_occurrence():
    doc = region()
    doc["organizations"][0]["doctors"][1]["id"] = "doc-1"
    problems = problems_of(doc)
    assert list(problems) == ["organizations[0].doctors[1].id"]
    assert "doc-1" in problems["organizations[0].doctors[1].id"]
    assert "organizations[0].doctors[0]" in problems["organizations[0].doctors[1].id"]


def test_unknown_references_are_reported():
    doc = region()
    org = doc["organizations"][0]
    org["district_id"] = "d-999"
    org["type_id"] = "t-99"
    org["doctors"][0]["subdivision_id"] = "sd-elsewhere"
    org["doctors"][0]["service_ids"] = ["svc-1", "svc-x"]
    problems = problems_of(doc)
    assert set(problems) == {"organizations[0].district_id", "organizations[0].type_id",
                             "organizations[0].doctors[0].subdivision_id",
                             "organizations[0].doctors[0].service_ids[1]"}
    assert "svc-x" in problems["organizations[0].doctors[0].service_ids[1]"]


def test_a_doctor_cannot_provide_another_organizations_service():
    doc = region()
    other = copy.deepcopy(doc["organizations"][0])
    other["id"] = "o-0002"
    other["subdivisions"] = []
    other["services"] = [dict(other["services"][0], id="svc-9")]
    other["doctors"] = [dict(other["doctors"][1], id="doc-9", service_ids=["svc-1"])]
    doc["organizations"].append(other)
    assert list(problems_of(doc)) == ["organizations[1].doctors[0].service_ids[0]"]


def test_invalid_time_zones_are_reported():
    doc = region()
    doc["organizations"][0]["timezone"] = "Europe/Atlantis"
    doc["timezone"] = "../../etc/passwd"
    assert set(problems_of(doc)) == {"organizations[0].timezone", "timezone"}


def test_settings_out_of_range_are_reported_per_key():
    doc = region()
    doc["organizations"][0]["settings"] = {"booking_horizon_days": 120, "day_opens_at": "7am",
                                           "same_day_booking": 1, "cancel_cutoff_hours": 100}
    assert set(problems_of(doc)) == {
        "organizations[0].settings.booking_horizon_days", "organizations[0].settings.day_opens_at",
        "organizations[0].settings.same_day_booking",
        "organizations[0].settings.cancel_cutoff_hours"}


def test_schedule_problems_are_reported():
    doc = region()
    doc["organizations"][0]["doctors"][0]["schedule"] = {
        "slot_minutes": 0, "week": {"mon": ["14:00", "08:00"], "fun": ["08:00", "09:00"],
                                    "tue": "08-14"},
        "breaks": [["11:00"]], "quota": {"reception_percent": 150}}
    base = "organizations[0].doctors[0].schedule"
    assert set(problems_of(doc)) == {f"{base}.slot_minutes", f"{base}.week.mon",
                                     f"{base}.week.fun", f"{base}.week.tue", f"{base}.breaks[0]",
                                     f"{base}.quota.reception_percent"}


def test_a_doctor_without_services_is_reported():
    doc = region()
    doc["organizations"][0]["doctors"][0]["service_ids"] = []
    assert list(problems_of(doc)) == ["organizations[0].doctors[0].service_ids"]


def test_every_problem_of_a_file_is_reported_at_once():
    doc = region()
    doc["districts"][0]["id"] = "bad id with spaces"
    doc["organizations"][0]["doctors"][0]["service_ids"] = ["svc-x"]
    doc["organizations"][0]["services"][0]["name"] = ""
    problems = validate_region(doc)
    paths = [p.path for p in problems]
    assert "districts[0].id" in paths
    assert "organizations[0].doctors[0].service_ids[0]" in paths
    assert "organizations[0].services[0].name" in paths
    # The organization's district is now unknown too, because d-001 no longer exists.
    assert "organizations[0].district_id" in paths
    assert str(problems[0]).startswith(problems[0].path + ": ")
