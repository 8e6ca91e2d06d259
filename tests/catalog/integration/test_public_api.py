import pytest

pytestmark = pytest.mark.integration


def items(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def test_districts_list_cities_first_with_orenburg_on_top(client, small_region):
    districts = items(client.get("/v1/districts"))
    names = [d["name"] for d in districts]
    assert names[0] == "г. Оренбург"
    assert len(districts) == len(small_region["districts"])
    first_rayon = next(i for i, n in enumerate(names) if not n.startswith("г. "))
    assert all(n.startswith("г. ") for n in names[:first_rayon])
    assert names[first_rayon:] == sorted(names[first_rayon:])
    assert set(districts[0]) == {"id", "name"}


def test_organization_types_are_the_seven_of_the_region(client):
    types = items(client.get("/v1/organization-types"))
    assert len(types) == 7
    assert "Городские поликлиники" in [t["name"] for t in types]


def test_organizations_filter_by_district_and_type(client):
    orgs = items(client.get("/v1/organizations?district_id=d-001&type_id=t-02"))
    assert orgs and orgs[0]["id"] == "o-0001"
    assert all(o["district_id"] == "d-001" and o["type_id"] == "t-02" for o in orgs)
    assert set(orgs[0]) == {"id", "name", "short_name", "address", "phone", "district_id",
                            "type_id", "timezone"}
    assert orgs[0]["timezone"] == "Asia/Yekaterinburg"
    everything = items(client.get("/v1/organizations"))
    assert len(everything) > len(orgs)
    assert items(client.get("/v1/organizations?district_id=d-999")) == []
    assert items(client.get("/v1/organizations?district_id=&type_id=&q=")) == everything


def test_organization_search_is_case_insensitive_for_cyrillic(client):
    upper = items(client.get("/v1/organizations", query_string={"q": "ПОЛИКЛИНИКА"}))
    lower = items(client.get("/v1/organizations", query_string={"q": "поликлиника"}))
    assert upper and upper == lower
    by_address = items(client.get("/v1/organizations", query_string={"q": "Г. ОРСК"}))
    assert by_address and all("Орск" in o["address"] or "Орск" in o["name"] for o in by_address)
    assert items(client.get("/v1/organizations", query_string={"q": "%"})) == []


def test_organization_detail_has_its_subdivisions(client):
    response = client.get("/v1/organizations/o-0001")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == "o-0001" and body["subdivisions"]
    assert set(body["subdivisions"][0]) == {"id", "name", "address"}


def test_services_and_doctors_of_a_service(client):
    services = items(client.get("/v1/organizations/o-0001/services"))
    therapist = next(s for s in services if s["specialty"] == "Терапия")
    assert therapist["requires_attachment"] is True and therapist["self_bookable"] is True
    doctors = items(client.get(f"/v1/organizations/o-0001/services/{therapist['id']}/doctors"))
    assert len(doctors) >= 2
    assert set(doctors[0]) == {"id", "full_name", "specialty", "subdivision_id", "room"}
    assert len(doctors[0]["full_name"].split()) >= 2
    assert [d["full_name"] for d in doctors] == sorted(d["full_name"] for d in doctors)


def test_answers_carry_an_etag_and_a_matching_if_none_match_gives_304(client):
    first = client.get("/v1/organizations/o-0001/services")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get("/v1/organizations/o-0001/services", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/v1/organizations/o-0001/services", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200
    assert client.get("/v1/districts").headers["ETag"] != etag


@pytest.mark.parametrize("path, what", [
    ("/v1/organizations/o-9999", "организация"),
    ("/v1/organizations/o-9999/services", "организация"),
    ("/v1/organizations/o-0001/services/svc-9999-01/doctors", "Услуга"),
    ("/v1/organizations/o-0001/services/svc-0002-01/doctors", "Услуга"),
])
def test_unknown_ids_are_404_saying_what_was_not_found(client, path, what):
    response = client.get(path)
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and what in error["message"]


@pytest.mark.parametrize("query, field", [
    ({"district_id": "d 1"}, "district_id"),
    ({"type_id": "'; drop table"}, "type_id"),
    ({"q": "я" * 101}, "q"),
])
def test_malformed_query_parameters_are_422_naming_the_field(client, query, field):
    response = client.get("/v1/organizations", query_string=query)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]


def test_openapi_documents_the_public_paths(client):
    spec = client.get("/openapi.json").get_json()
    assert "/v1/organizations/{organization_id}/services/{service_id}/doctors" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/v1/organizations"]["get"]["parameters"]}
    assert {"district_id", "type_id", "q"} <= params


def test_readiness_pings_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "ready"
