from collections import Counter

import pytest

from catalog.demo.generator import generate_region
from catalog.domain.region_file import validate_region

pytestmark = pytest.mark.unit

SEED_DISTRICTS = ("г. Оренбург", "г. Орск", "г. Бугуруслан", "г. Бузулук", "г. Медногорск",
                  "Адамовский район", "Абдулинский район", "Александровский район",
                  "Асекеевский район")


@pytest.fixture(scope="module")
def full_region():
    return generate_region(scale=1, seed=56)


@pytest.fixture(scope="module")
def small_region():
    return generate_region(scale=0.05, seed=56)


def test_the_same_seed_gives_the_same_region_and_another_seed_a_different_one(small_region):
    assert generate_region(scale=0.05, seed=56) == small_region
    assert generate_region(scale=0.05, seed=57) != small_region


def test_a_whole_region_has_the_planned_size(full_region):
    doctors = sum(len(o["doctors"]) for o in full_region["organizations"])
    assert 47 <= len(full_region["districts"]) <= 50
    assert len(full_region["organization_types"]) == 7
    assert 370 <= len(full_region["organizations"]) <= 440
    assert 5500 <= doctors <= 6500


def test_generated_regions_pass_validation(full_region, small_region):
    assert validate_region(full_region) == []
    assert validate_region(small_region) == []


def test_every_seed_district_is_present_with_an_organization_even_at_small_scale(small_region):
    names = {d["id"]: d["name"] for d in small_region["districts"]}
    served = Counter(names[o["district_id"]] for o in small_region["organizations"])
    for district in SEED_DISTRICTS:
        assert served[district] >= 1, district
    assert all(served[name] >= 1 for name in names.values())


def test_orenburg_has_an_organization_of_every_type_at_small_scale(small_region):
    orenburg = next(d["id"] for d in small_region["districts"] if d["name"] == "г. Оренбург")
    types = {o["type_id"] for o in small_region["organizations"] if o["district_id"] == orenburg}
    assert types == {t["id"] for t in small_region["organization_types"]}


@pytest.mark.parametrize("scale", [0.05, 1])
def test_first_organization_is_an_orenburg_city_polyclinic_ready_for_booking(scale):
    region = generate_region(scale=scale, seed=56)
    first = region["organizations"][0]
    district = next(d for d in region["districts"] if d["id"] == first["district_id"])
    org_type = next(t for t in region["organization_types"] if t["id"] == first["type_id"])
    assert first["id"] == "o-0001"
    assert district["name"] == "г. Оренбург"
    assert org_type["name"] == "Городские поликлиники"
    therapist = next(s for s in first["services"] if s["specialty"] == "Терапия")
    assert therapist["requires_attachment"] and therapist["self_bookable"]
    doctors_per_service = Counter(sid for d in first["doctors"] for sid in d["service_ids"])
    well_staffed = [s for s in first["services"]
                    if s["self_bookable"] and doctors_per_service[s["id"]] >= 2]
    assert len(well_staffed) >= 3


def test_organizations_offer_four_to_ten_services_and_dentistry_is_paid_somewhere(full_region):
    for org in full_region["organizations"]:
        assert 4 <= len(org["services"]) <= 10, org["id"]
    services = [s for o in full_region["organizations"] for s in o["services"]]
    assert any(s["paid"] and s["specialty"] == "Стоматология" for s in services)
    assert any(not s["self_bookable"] and s["specialty"] == "Ультразвуковая диагностика"
               for s in services)


def test_schedules_are_varied(full_region):
    schedules = [d["schedule"] for o in full_region["organizations"] for d in o["doctors"]]
    assert {s["slot_minutes"] for s in schedules} == {15, 20, 30}
    mondays = {tuple(s["week"]["mon"]) for s in schedules if s["week"]["mon"]}
    assert ("08:00", "14:00") in mondays and ("14:00", "20:00") in mondays
    assert any(s["week"]["sat"] for s in schedules) and any(not s["week"]["sat"] for s in schedules)
    assert all(s["breaks"] for s in schedules)


def test_doctors_have_full_russian_names_and_areas_only_where_attachment_matters(full_region):
    org = full_region["organizations"][0]
    by_id = {s["id"]: s for s in org["services"]}
    for doctor in org["doctors"]:
        assert doctor["last_name"] and doctor["first_name"] and doctor["room"]
        service = by_id[doctor["service_ids"][0]]
        assert bool(doctor["areas"]) == service["requires_attachment"]
