import pytest

pytestmark = pytest.mark.integration

# The same value as conftest.INTERNAL_TOKEN (test modules cannot import conftest).
INTERNAL = {"X-Internal-Token": "catalog-test-internal-token"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def first_doctor(small_region):
    org = small_region["organizations"][0]
    return org, org["doctors"][0]


NO_SHOW_DEFAULTS = {"no_show_limit": 0, "no_show_window_days": 90, "no_show_suspend_days": 30}


def test_doctor_context_has_organization_settings_service_and_doctor(client, small_region):
    org, doctor = first_doctor(small_region)
    service_id = doctor["service_ids"][0]
    response = client.get(f"/internal/doctors/{doctor['id']}/context",
                          query_string={"service_id": service_id}, headers=INTERNAL)
    assert response.status_code == 200
    body = response.get_json()
    assert body["organization"]["id"] == org["id"]
    assert body["organization"]["settings"] == {"booking_horizon_days": 14,
                                                "day_opens_at": "07:00",
                                                "same_day_booking": False,
                                                "cancel_cutoff_hours": 0,
                                                **NO_SHOW_DEFAULTS}
    assert body["service"]["id"] == service_id and body["service"]["requires_attachment"]
    assert body["doctor"]["areas"] == doctor["areas"]
    assert body["doctor"]["service_ids"] == [service_id]
    assert body["doctor"]["full_name"].startswith(doctor["last_name"])


def test_doctor_context_names_the_organization_type_for_the_messages(client, small_region):
    """Tickets hides the place of a sensitive visit; the type («Женские консультации») tells."""
    types = {t["id"]: t["name"] for t in small_region["organization_types"]}
    for org in small_region["organizations"][:5]:
        doctor = org["doctors"][0]
        body = client.get(f"/internal/doctors/{doctor['id']}/context",
                          query_string={"service_id": doctor["service_ids"][0]},
                          headers=INTERNAL).get_json()
        assert body["organization"]["type_name"] == types[org["type_id"]]


def test_doctor_context_is_404_for_a_service_the_doctor_does_not_provide(client, small_region):
    _org, doctor = first_doctor(small_region)
    other = client.get(f"/internal/doctors/{doctor['id']}/context",
                       query_string={"service_id": "svc-0001-03"}, headers=INTERNAL)
    missing = client.get("/internal/doctors/doc-999999/context",
                         query_string={"service_id": "svc-0001-01"}, headers=INTERNAL)
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    assert missing.status_code == 404 and "Врач" in missing.get_json()["error"]["message"]


def test_doctor_context_needs_a_service_id(client):
    response = client.get("/internal/doctors/doc-000001/context", headers=INTERNAL)
    assert response.status_code == 422
    assert "service_id" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("headers", [{}, {"X-Internal-Token": "wrong"}])
def test_internal_endpoints_refuse_callers_without_the_service_token(client, headers):
    for path in ("/internal/organizations/o-0001/settings", "/internal/organizations/settings",
                 "/internal/doctors/doc-000001/context?service_id=svc-0001-01"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


def test_admin_changes_settings_and_other_services_see_them(client, make_token):
    response = client.put("/v1/admin/organizations/o-0002/settings",
                          json={"booking_horizon_days": 30, "same_day_booking": True},
                          headers=bearer(make_token("admin")))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["booking_horizon_days"] == 30
    seen = client.get("/internal/organizations/o-0002/settings", headers=INTERNAL).get_json()
    assert seen == {"booking_horizon_days": 30, "day_opens_at": "07:00",
                    "same_day_booking": True, "cancel_cutoff_hours": 0, **NO_SHOW_DEFAULTS}
    every = client.get("/internal/organizations/settings", headers=INTERNAL).get_json()["items"]
    assert every["o-0002"] == seen
    assert every["o-0001"] == client.get("/internal/organizations/o-0001/settings",
                                         headers=INTERNAL).get_json()


def test_a_registrar_changes_only_their_own_organization(client, make_token):
    own = client.put("/v1/admin/organizations/o-0003/settings",
                     json={"cancel_cutoff_hours": 2, "day_opens_at": "08:30"},
                     headers=bearer(make_token("registrar", "o-0003")))
    other = client.put("/v1/admin/organizations/o-0004/settings",
                       json={"cancel_cutoff_hours": 2},
                       headers=bearer(make_token("registrar", "o-0003")))
    assert own.status_code == 200 and own.get_json()["day_opens_at"] == "08:30"
    assert other.status_code == 403
    unchanged = client.get("/internal/organizations/o-0004/settings", headers=INTERNAL)
    assert unchanged.get_json()["cancel_cutoff_hours"] == 0


def test_patients_and_anonymous_callers_cannot_change_settings(client, make_token):
    patient = client.put("/v1/admin/organizations/o-0001/settings", json={"paid": 1},
                         headers=bearer(make_token("patient")))
    anonymous = client.put("/v1/admin/organizations/o-0001/settings",
                           json={"booking_horizon_days": 20})
    forged = client.put("/v1/admin/organizations/o-0001/settings",
                        json={"booking_horizon_days": 20}, headers=bearer("not.a.token"))
    assert patient.status_code == 403
    assert anonymous.status_code == 401 and forged.status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"booking_horizon_days": 0}, "booking_horizon_days"),
    ({"booking_horizon_days": 91}, "booking_horizon_days"),
    ({"booking_horizon_days": "14"}, "booking_horizon_days"),
    ({"day_opens_at": "7:00"}, "day_opens_at"),
    ({"same_day_booking": "maybe"}, "same_day_booking"),
    ({"cancel_cutoff_hours": 73}, "cancel_cutoff_hours"),
    ({"colour": "red"}, "colour"),
    ({"no_show_limit": -1}, "no_show_limit"),
    ({"no_show_limit": 21}, "no_show_limit"),
    ({"no_show_limit": True}, "no_show_limit"),
    ({"no_show_window_days": 0}, "no_show_window_days"),
    ({"no_show_suspend_days": 366}, "no_show_suspend_days"),
    ({"no_show_suspend_days": "30"}, "no_show_suspend_days"),
])
def test_invalid_settings_are_422_naming_the_field(client, make_token, body, field):
    response = client.put("/v1/admin/organizations/o-0001/settings", json=body,
                          headers=bearer(make_token("admin")))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_the_no_show_rule_is_set_and_reaches_the_doctor_context(client, make_token, small_region):
    org, doctor = first_doctor(small_region)
    rule = {"no_show_limit": 3, "no_show_window_days": 60, "no_show_suspend_days": 14}
    saved = client.put(f"/v1/admin/organizations/{org['id']}/settings", json=rule,
                       headers=bearer(make_token("registrar", org["id"])))
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert {k: saved.get_json()[k] for k in rule} == rule
    context = client.get(f"/internal/doctors/{doctor['id']}/context",
                         query_string={"service_id": doctor["service_ids"][0]},
                         headers=INTERNAL).get_json()
    assert {k: context["organization"]["settings"][k] for k in rule} == rule
    client.put(f"/v1/admin/organizations/{org['id']}/settings", headers=bearer(make_token("admin")),
               json={"no_show_limit": 0, "no_show_window_days": 90, "no_show_suspend_days": 30})


def test_settings_of_an_unknown_organization_are_404(client, make_token):
    response = client.put("/v1/admin/organizations/o-9999/settings",
                          json={"booking_horizon_days": 20}, headers=bearer(make_token("admin")))
    assert response.status_code == 404
    internal = client.get("/internal/organizations/o-9999/settings", headers=INTERNAL)
    assert internal.status_code == 404


def test_admin_import_reports_every_problem_and_refuses_non_admins(client, make_token,
                                                                   small_region):
    broken = {**small_region, "districts": small_region["districts"] + [{"id": "d-001"}]}
    response = client.post("/v1/admin/import", json=broken, headers=bearer(make_token("admin")))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_region_file"
    last = f"districts[{len(small_region['districts'])}]"
    assert {f"{last}.id", f"{last}.name"} <= set(error["fields"])
    registrar = client.post("/v1/admin/import", json=small_region,
                            headers=bearer(make_token("registrar", "o-0001")))
    assert registrar.status_code == 403
    not_json = client.post("/v1/admin/import", data="nope", headers=bearer(make_token("admin")))
    assert not_json.status_code == 422


def test_admin_import_of_the_same_region_changes_nothing(client, make_token, small_region):
    response = client.post("/v1/admin/import", json=small_region,
                           headers=bearer(make_token("admin")))
    assert response.status_code == 200, response.get_data(as_text=True)
    counts = response.get_json()["counts"]
    assert counts["doctors"]["total"] == sum(len(o["doctors"])
                                             for o in small_region["organizations"])
    assert counts["doctors"]["inserted"] == 0


def test_staff_read_the_current_settings_with_the_rights_of_changing_them(client, make_token):
    admin = bearer(make_token("admin"))
    client.put("/v1/admin/organizations/o-0001/settings", json={"cancel_cutoff_hours": 5},
               headers=admin)
    own = client.get("/v1/admin/organizations/o-0001/settings",
                     headers=bearer(make_token("registrar", "o-0001")))
    assert own.status_code == 200
    assert own.get_json() == client.get("/internal/organizations/o-0001/settings",
                                        headers=INTERNAL).get_json()
    assert own.get_json()["cancel_cutoff_hours"] == 5
    assert client.get("/v1/admin/organizations/o-0001/settings",
                      headers=admin).get_json()["cancel_cutoff_hours"] == 5
    other = client.get("/v1/admin/organizations/o-0001/settings",
                       headers=bearer(make_token("registrar", "o-0002")))
    patient = client.get("/v1/admin/organizations/o-0001/settings",
                         headers=bearer(make_token("patient")))
    anonymous = client.get("/v1/admin/organizations/o-0001/settings")
    unknown = client.get("/v1/admin/organizations/o-9999/settings", headers=admin)
    assert other.status_code == 403 and patient.status_code == 403
    assert anonymous.status_code == 401
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    # Leave the module's shared database as the other tests expect it.
    client.put("/v1/admin/organizations/o-0001/settings", json={"cancel_cutoff_hours": 0},
               headers=admin)


def test_the_public_doctor_view_has_the_triple_without_internal_fields(client, small_region):
    org, doctor = first_doctor(small_region)
    service_id = doctor["service_ids"][0]
    response = client.get(f"/v1/doctors/{doctor['id']}", query_string={"service_id": service_id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["organization"]["id"] == org["id"] and body["service"]["id"] == service_id
    assert body["doctor"]["full_name"].startswith(doctor["last_name"])
    assert "settings" not in body["organization"] and "areas" not in body["doctor"]
    other = client.get(f"/v1/doctors/{doctor['id']}", query_string={"service_id": "svc-0001-03"})
    assert other.status_code == 404
    assert client.get(f"/v1/doctors/{doctor['id']}").status_code == 422


def test_the_region_snapshot_gives_every_doctor_context_the_single_route_gives(client, small_region):
    """Booking builds its doctor contexts from /internal/contexts (booking.adapters.peers):
    for every doctor and each of their services, exactly the answer of the one-doctor route."""
    from booking.adapters.peers import context_from

    snapshot = client.get("/internal/contexts", headers=INTERNAL)
    assert snapshot.status_code == 200
    body = snapshot.get_json()
    compared = 0
    for org in small_region["organizations"]:
        for doctor in org["doctors"]:
            for service_id in doctor["service_ids"]:
                one = client.get(f"/internal/doctors/{doctor['id']}/context",
                                 query_string={"service_id": service_id}, headers=INTERNAL)
                assert context_from(body, doctor["id"], service_id) == one.get_json()
                compared += 1
    assert compared >= 10
    some = small_region["organizations"][0]["doctors"][0]
    assert context_from(body, some["id"], "svc-0001-03") is None  # not this doctor's service
    assert context_from(body, "doc-999999", "svc-0001-01") is None
    assert client.get("/internal/contexts").status_code == 403
