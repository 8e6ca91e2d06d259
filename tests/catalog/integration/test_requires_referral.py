"""The ``requires_referral`` flag of a service: from the region file to the public services list
and to the doctor context that booking reads on every booking."""
import pytest

pytestmark = pytest.mark.integration

INTERNAL = {"X-Internal-Token": "catalog-test-internal-token"}  # conftest.INTERNAL_TOKEN


def test_the_demos_endocrinologist_needs_a_referral_and_the_therapist_does_not(client,
                                                                                small_region):
    services = client.get("/v1/organizations/o-0001/services").get_json()["items"]
    flagged = {s["specialty"] for s in services if s["requires_referral"] is True}
    assert flagged == {"Эндокринология"}
    assert all(isinstance(s["requires_referral"], bool) for s in services)
    org = small_region["organizations"][0]
    doctor = next(d for d in org["doctors"]
                  if any(s["id"] in d["service_ids"] and s.get("requires_referral")
                         for s in org["services"]))
    context = client.get(f"/internal/doctors/{doctor['id']}/context", headers=INTERNAL,
                         query_string={"service_id": doctor["service_ids"][0]}).get_json()
    assert context["service"]["requires_referral"] is True


def test_the_region_file_accepts_only_a_boolean_flag():
    from catalog.domain.region_file import validate_region
    from catalog.domain.region_rows import region_rows

    document = {"format": "registratura-region/1", "region": "Оренбургская область",
                "timezone": "Asia/Yekaterinburg",
                "districts": [{"id": "d-001", "name": "г. Оренбург"}],
                "organization_types": [{"id": "t-01", "name": "Городские поликлиники"}],
                "organizations": [{
                    "id": "o-0001", "name": "Поликлиника № 1", "short_name": "П1",
                    "address": "г. Оренбург, ул. Лесная, д. 1", "district_id": "d-001",
                    "type_id": "t-01",
                    "services": [{"id": "svc-1", "name": "Кардиолог", "specialty": "Кардиология",
                                  "requires_referral": True},
                                 {"id": "svc-2", "name": "Хирург", "specialty": "Хирургия"}],
                    "doctors": [{"id": "doc-1", "last_name": "Иванова", "first_name": "Анна",
                                 "specialty": "Кардиология", "service_ids": ["svc-1"]}]}]}
    assert validate_region(document) == []
    rows = {r["id"]: r["requires_referral"] for r in region_rows(document)["services"]}
    assert rows == {"svc-1": True, "svc-2": False}
    document["organizations"][0]["services"][0]["requires_referral"] = "да"
    problems = validate_region(document)
    assert [p.path for p in problems] == ["organizations[0].services[0].requires_referral"]
