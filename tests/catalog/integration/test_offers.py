"""The internal routes of the earliest-time search: the same service across the region, a
district or an organization, with doctors and areas on request, and doctors named by id."""
import pytest

pytestmark = pytest.mark.integration

INTERNAL = {"X-Internal-Token": "catalog-test-internal-token"}


def kind_offers(region, name: str, district_id=None):
    """(organization, service) of every organization offering the service of that name."""
    found = []
    for org in region["organizations"]:
        if district_id and org["district_id"] != district_id:
            continue
        found += [(org, s) for s in org["services"] if s["name"] == name]
    return found


def first_service(region):
    org = region["organizations"][0]
    return org, org["services"][0]


def test_region_scope_lists_every_organizations_service_of_that_kind(client, small_region):
    org, service = first_service(small_region)
    answer = client.get(f"/internal/services/{service['id']}/offers", headers=INTERNAL)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["service"]["id"] == service["id"] and body["service"]["organization_id"] == org["id"]
    expected = {s["id"] for _o, s in kind_offers(small_region, service["name"])}
    assert {i["service_id"] for i in body["items"]} == expected and len(expected) > 1
    assert all("doctors" not in i for i in body["items"])
    item = next(i for i in body["items"] if i["service_id"] == service["id"])
    assert item["organization"] == {"id": org["id"], "name": org["name"],
                                    "short_name": org["short_name"],
                                    "district_id": org["district_id"]}


def test_district_and_organization_scopes_and_doctors_with_areas(client, small_region):
    org, service = first_service(small_region)
    district = client.get(f"/internal/services/{service['id']}/offers", headers=INTERNAL,
                          query_string={"district_id": org["district_id"]}).get_json()
    expected = {s["id"] for _o, s in kind_offers(small_region, service["name"], org["district_id"])}
    assert {i["service_id"] for i in district["items"]} == expected
    one = client.get(f"/internal/services/{service['id']}/offers", headers=INTERNAL,
                     query_string={"organization_id": org["id"], "doctors": "1"}).get_json()
    assert [i["service_id"] for i in one["items"]] == [service["id"]]
    doctors = {d["id"]: d for d in org["doctors"] if service["id"] in d["service_ids"]}
    listed = one["items"][0]["doctors"]
    assert {d["id"] for d in listed} == set(doctors)
    assert all(d["areas"] == doctors[d["id"]]["areas"] for d in listed)
    restricted = client.get(f"/internal/services/{service['id']}/offers", headers=INTERNAL,
                            query_string={"organization_ids": org["id"]}).get_json()
    assert [i["organization"]["id"] for i in restricted["items"]] == [org["id"]]


def test_doctor_names_by_id(client, small_region):
    org = small_region["organizations"][0]
    ids = [d["id"] for d in org["doctors"][:3]]
    items = client.get("/internal/doctors", headers=INTERNAL,
                       query_string={"ids": ",".join(ids + ["doc-nobody"])}).get_json()["items"]
    assert {i["id"] for i in items} == set(ids)
    assert all(i["organization_id"] == org["id"] and i["full_name"] for i in items)


@pytest.mark.parametrize("path, query, status, field", [
    ("/internal/services/svc-none/offers", {}, 404, None),
    ("/internal/services/svc-0001-01/offers", {"organization_id": "o-none"}, 404, None),
    ("/internal/services/svc-0001-01/offers", {"district_id": "nowhere"}, 404, None),
    ("/internal/services/svc-0001-01/offers", {"district_id": "a", "organization_id": "b"}, 422,
     "district_id"),
    ("/internal/services/svc-0001-01/offers", {"organization_ids": "a,,b"}, 422,
     "organization_ids"),
    ("/internal/doctors", {}, 422, "ids"),
    ("/internal/doctors", {"ids": "a b"}, 422, "ids"),
])
def test_bad_queries(client, path, query, status, field):
    answer = client.get(path, headers=INTERNAL, query_string=query)
    assert answer.status_code == status, answer.get_json()
    if field:
        assert field in answer.get_json()["error"]["fields"]


def test_the_internal_token_is_required(client):
    assert client.get("/internal/services/svc-0001-01/offers").status_code in (401, 403)
    assert client.get("/internal/doctors?ids=doc-000001").status_code in (401, 403)


def _normalised(answer: dict) -> dict:
    items = sorted(answer["items"], key=lambda i: i["service_id"])
    for item in items:
        if "doctors" in item:
            item["doctors"] = sorted(item["doctors"], key=lambda d: d["id"])
    return {"service": answer["service"], "items": items}


def test_the_gateways_in_memory_index_answers_as_the_catalog_does(client, small_region):
    """The earliest-time search answers from gateway.catalog_index, built from the region
    snapshot: for every kind of service and every scope, the catalog's own answer."""
    from gateway.catalog_index import Index

    index = Index(client.get("/internal/contexts", headers=INTERNAL).get_json())
    compared = 0
    seen_kinds = set()
    for org in small_region["organizations"]:
        for service in org["services"]:
            if (service["name"], service["specialty"]) in seen_kinds:
                continue
            seen_kinds.add((service["name"], service["specialty"]))
            for scope in ({}, {"district_id": org["district_id"]}, {"organization_id": org["id"]}):
                for doctors in (False, True):
                    query = {**scope, **({"doctors": "1"} if doctors else {})}
                    theirs = client.get(f"/internal/services/{service['id']}/offers",
                                        headers=INTERNAL, query_string=query).get_json()
                    ours = index.offers(service["id"], with_doctors=doctors, **scope)
                    assert _normalised(ours) == _normalised(theirs), (service["id"], query)
                    compared += 1
            restricted = [o["id"] for o in small_region["organizations"][:3]]
            theirs = client.get(f"/internal/services/{service['id']}/offers", headers=INTERNAL,
                                query_string={"organization_ids": ",".join(restricted),
                                              "doctors": "1"}).get_json()
            ours = index.offers(service["id"], organization_ids=restricted, with_doctors=True)
            assert _normalised(ours) == _normalised(theirs)
    assert compared >= 30


def test_the_index_refuses_what_the_catalog_refuses(client):
    from gateway.catalog_index import Index
    from regcommon.errors import ApiError

    index = Index(client.get("/internal/contexts", headers=INTERNAL).get_json())
    for kwargs in ({}, {"organization_id": "o-none"}, {"district_id": "nowhere"}):
        service_id = "svc-none" if not kwargs else "svc-0001-01"
        with pytest.raises(ApiError) as caught:
            index.offers(service_id, **kwargs)
        assert caught.value.status == 404
