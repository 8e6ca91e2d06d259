"""The public API: routing to the owners, headers both ways, errors, micro-cache, talon PDF."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

ROUTES_UNDER_TEST = [
    ("GET", "/api/v1/districts", "catalog", "/v1/districts"),
    ("GET", "/api/v1/organization-types", "catalog", "/v1/organization-types"),
    ("GET", "/api/v1/organizations?district_id=d-001", "catalog", "/v1/organizations"),
    ("GET", "/api/v1/organizations/o-9", "catalog", "/v1/organizations/o-9"),
    ("GET", "/api/v1/organizations/o-9/services", "catalog", "/v1/organizations/o-9/services"),
    ("GET", "/api/v1/organizations/o-9/services/s-1/doctors", "catalog",
     "/v1/organizations/o-9/services/s-1/doctors"),
    ("GET", "/api/v1/doctors/doc-9/days?service_id=s&from=2026-12-01&to=2026-12-14", "schedule",
     "/v1/doctors/doc-9/days"),
    ("GET", "/api/v1/doctors/doc-9/slots?service_id=s&date=2026-12-01", "schedule",
     "/v1/doctors/doc-9/slots"),
    ("GET", "/api/v1/doctors/doc-9?service_id=s", "catalog", "/v1/doctors/doc-9"),
    ("GET", "/api/v1/slots/77", "schedule", "/v1/slots/77"),
    ("POST", "/api/v1/slots/77/hold", "schedule", "/v1/slots/77/hold"),
    ("DELETE", "/api/v1/holds/h-1", "schedule", "/v1/holds/h-1"),
    ("GET", "/api/v1/consent", "auth", "/v1/consent"),
    ("POST", "/api/v1/auth/staff", "auth", "/v1/auth/staff"),
    ("POST", "/api/v1/auth/logout", "auth", "/v1/auth/logout"),
    ("GET", "/api/v1/me", "auth", "/v1/me"),
    ("POST", "/api/v1/registry/patients", "auth", "/v1/registry/patients"),
    ("GET", "/api/v1/registry/patients?last_name=x", "auth", "/v1/registry/patients"),
    ("GET", "/api/v1/appointments?status=active", "booking", "/v1/appointments"),
    ("POST", "/api/v1/appointments", "booking", "/v1/appointments"),
    ("GET", "/api/v1/appointments/a-9", "booking", "/v1/appointments/a-9"),
    ("GET", "/api/v1/appointments/a-9/calendar.ics", "booking",
     "/v1/appointments/a-9/calendar.ics"),
    ("POST", "/api/v1/waitlist", "booking", "/v1/waitlist"),
    ("POST", "/api/v1/auth/oms", "auth", "/v1/auth/oms"),
    ("POST", "/api/v1/consents", "auth", "/v1/consents"),
    ("POST", "/api/v1/admin/import", "catalog", "/v1/admin/import"),
    ("POST", "/api/v1/appointments/a-9/cancel", "booking", "/v1/appointments/a-9/cancel"),
    ("POST", "/api/v1/appointments/a-9/reschedule", "booking", "/v1/appointments/a-9/reschedule"),
    ("GET", "/api/v1/waitlist", "booking", "/v1/waitlist"),
    ("DELETE", "/api/v1/waitlist/w-9", "booking", "/v1/waitlist/w-9"),
    ("PUT", "/api/v1/admin/organizations/o-1/settings", "catalog",
     "/v1/admin/organizations/o-1/settings"),
    ("GET", "/api/v1/admin/doctors/doc-1/templates", "schedule",
     "/v1/admin/doctors/doc-1/templates"),
    ("GET", "/api/v1/admin/audit?limit=5", "booking", "/v1/admin/audit"),
    ("POST", "/api/v1/appointments/a-9/attendance", "booking", "/v1/appointments/a-9/attendance"),
    ("GET", "/api/v1/me/restrictions", "booking", "/v1/me/restrictions"),
    ("GET", "/api/v1/admin/attendance?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z",
     "booking", "/v1/admin/attendance"),
    ("GET", "/api/v1/admin/no-shows?from=2026-12-01T00:00:00Z&to=2026-12-31T00:00:00Z",
     "booking", "/v1/admin/no-shows"),
    ("GET", "/api/v1/referrals", "booking", "/v1/referrals"),
    ("POST", "/api/v1/registry/referrals", "booking", "/v1/registry/referrals"),
    ("POST", "/api/v1/registry/referrals/import", "booking", "/v1/registry/referrals/import"),
    ("DELETE", "/api/v1/registry/referrals/r-9", "booking", "/v1/registry/referrals/r-9"),
    ("GET", "/api/v1/registry/patients/p-9/referrals", "booking",
     "/v1/registry/patients/p-9/referrals"),
    # Family and proxy links (issue 12).
    ("GET", "/api/v1/me/links", "auth", "/v1/me/links"),
    ("POST", "/api/v1/me/links", "auth", "/v1/me/links"),
    ("DELETE", "/api/v1/me/links/l-1", "auth", "/v1/me/links/l-1"),
    ("POST", "/api/v1/me/links/l-1/accept", "auth", "/v1/me/links/l-1/accept"),
    ("POST", "/api/v1/auth/act-as", "auth", "/v1/auth/act-as"),
]


@pytest.mark.parametrize("method,url,service,upstream_path", ROUTES_UNDER_TEST)
def test_every_public_route_reaches_its_owner_with_the_callers_headers(
        client, fakes, method, url, service, upstream_path):
    headers = {"Authorization": "Bearer abc",
               "Idempotency-Key": "6f1c7a52-1d55-4bd4-9d0b-1a2b3c4d5e6f",
               "User-Agent": "tests/1.0", "X-Request-ID": "req-123"}
    body = {"slot_id": "5"} if method in ("POST", "PUT") else None
    response = client.open(url, method=method, json=body, headers=headers)
    calls = fakes.calls_to(service, upstream_path)
    assert calls, f"{service} got nothing; gateway answered {response.status_code}"
    call = calls[-1]
    assert call["method"] == method
    assert call["headers"]["Authorization"] == "Bearer abc"
    assert call["headers"]["Idempotency-Key"] == headers["Idempotency-Key"]
    assert call["headers"]["User-Agent"] == "tests/1.0"
    assert call["headers"]["X-Request-Id"] == "req-123"
    assert call["headers"]["X-Client-Ip"] == "127.0.0.1"
    assert "X-Internal-Token" not in call["headers"]
    if "?" in url:
        assert call["query"] == url.split("?", 1)[1]
    if body:
        assert call["json"] == body
        assert call["headers"]["Content-Type"] == "application/json"


def test_the_route_list_above_covers_the_whole_routing_table():
    from gateway.routing import ROUTES, resolve

    covered = set()
    for method, url, _service, _path in ROUTES_UNDER_TEST:
        match = resolve(url.split("?")[0][len("/api/v1/"):], method)
        covered |= {r.template for r in ROUTES if r.pattern.match(match.upstream_path[4:])}
    missing = {r.template for r in ROUTES if r.special is None} - covered
    assert missing == set()


def test_answers_keep_status_body_and_caching_headers_of_the_owner(client, fakes):
    response = client.get("/api/v1/districts")
    assert response.status_code == 200
    assert response.get_json()["items"][0]["name"] == "г. Оренбург"
    assert response.headers["ETag"] == '"districts-1"'
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_owner_errors_pass_through_unchanged(client, fakes):
    response = client.post("/api/v1/slots/102/hold", json={},
                           headers={"Authorization": "Bearer tok-patient-1"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slot_unavailable"


def test_unknown_api_path_is_a_json_404(client, fakes):
    for url in ("/api/v1/nothing-here", "/api/v2/districts", "/api/v1/registry/../admin/x",
                "/api"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"
    assert fakes.calls == []


def test_wrong_method_is_a_json_405_with_allow(client, fakes):
    response = client.delete("/api/v1/districts")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_non_json_body_is_refused_before_reaching_the_owner(client, fakes):
    response = client.post("/api/v1/auth/oms", data="not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert fakes.calls_to("auth") == []


def test_upstream_down_is_a_json_503(gateway_db, fake_urls, fakes):
    from gateway.app import create_app

    from .conftest import make_settings

    urls = {**fake_urls, "catalog": "http://127.0.0.1:9"}
    client = create_app(make_settings(gateway_db, urls, http_timeout_seconds=0.5)).test_client()
    response = client.get("/api/v1/districts")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.content_type.startswith("application/json")
    assert client.get("/readyz").status_code == 200


def test_microcache_serves_the_second_anonymous_request_without_the_owner(client, fakes):
    url = "/api/v1/doctors/doc-1/days?service_id=svc-01&from=2026-12-01&to=2026-12-14"
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert len(fakes.calls_to("schedule", "/v1/doctors/doc-1/days")) == 1
    # A personal request never comes from the cache.
    client.get(url, headers={"Authorization": "Bearer x"})
    assert len(fakes.calls_to("schedule", "/v1/doctors/doc-1/days")) == 2


def test_the_microcache_is_off_with_zero_seconds(gateway_db, fake_urls, fakes, monkeypatch):
    """GATEWAY_MICROCACHE_TTL_SECONDS=0: every anonymous read goes to its owner (benchmarks
    measure the uncached path this way)."""
    from gateway.app import create_app

    from .conftest import make_settings

    monkeypatch.setenv("GATEWAY_MICROCACHE_TTL_SECONDS", "0")
    client = create_app(make_settings(gateway_db, fake_urls)).test_client()
    url = "/api/v1/doctors/doc-1/days?service_id=svc-01&from=2026-12-01&to=2026-12-14"
    assert client.get(url).data == client.get(url).data
    assert len(fakes.calls_to("schedule", "/v1/doctors/doc-1/days")) == 2


def test_api_requests_never_create_a_session(client, fakes):
    response = client.get("/api/v1/districts")
    assert "Set-Cookie" not in response.headers


def test_client_address_comes_from_x_forwarded_for_only_as_far_as_the_trusted_hops(
        gateway_db, fake_urls, fakes):
    from gateway.app import create_app
    from regcommon.clientaddr import address_proof

    from .conftest import INTERNAL_TOKEN, make_settings

    # The client wrote 198.51.100.1; the ingress (one trusted hop) appended what it saw.
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    for hops in (0, 1, 2):
        app = create_app(make_settings(gateway_db, fake_urls, proxy_hops=hops))
        app.test_client().get("/api/v1/me", headers=headers)
    calls = fakes.calls_to("auth", "/v1/me")
    seen = [c["headers"]["X-Client-Ip"] for c in calls]
    assert seen == ["127.0.0.1", "203.0.113.7", "198.51.100.1"]
    # Each address is vouched for, so that auth believes it (and nobody else's X-Client-IP).
    for call, address in zip(calls, seen):
        assert call["headers"]["X-Client-Ip-Proof"] == address_proof(INTERNAL_TOKEN, address)


def test_a_client_rotating_x_forwarded_for_is_still_one_address(client, fakes):
    for n in range(5):
        client.post("/api/v1/auth/oms", json={"policy_number": "1"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"})
        client.post(f"/api/v1/slots/{n}/hold", headers={"X-Forwarded-For": f"198.51.100.{n}"})
    seen = {c["headers"]["X-Client-Ip"] for c in fakes.calls_to("auth", "/v1/auth/oms")}
    seen |= {c["headers"]["X-Client-Ip"] for c in fakes.calls_to("schedule", "/v1/slots/")}
    assert seen == {"127.0.0.1"}


def test_the_retired_trust_proxy_switch_is_refused_rather_than_ignored(gateway_db, fake_urls):
    from pydantic import ValidationError

    from .conftest import make_settings

    with pytest.raises(ValidationError, match="GATEWAY_PROXY_HOPS"):
        make_settings(gateway_db, fake_urls, trust_proxy=True)


def test_ticket_pdf_is_404_for_someone_elses_appointment(client, fakes):
    response = client.get("/api/v1/appointments/a-404/ticket.pdf",
                          headers={"Authorization": "Bearer tok-patient-1"})
    assert response.status_code == 404
    assert fakes.calls_to("tickets") == []


def test_ticket_pdf_is_202_while_rendering_then_the_pdf(client, fakes):
    from .conftest import _appointment

    fakes.appointments["a-1"] = _appointment("a-1", "2026-12-01-101")
    headers = {"Authorization": "Bearer tok-patient-1"}
    pending = client.get("/api/v1/appointments/a-1/ticket.pdf", headers=headers)
    assert pending.status_code == 202
    assert pending.headers["Retry-After"] == "1"
    fakes.ticket_ready = True
    ready = client.get("/api/v1/appointments/a-1/ticket.pdf", headers=headers)
    assert ready.status_code == 200
    assert ready.content_type == "application/pdf"
    assert ready.headers["Cache-Control"] == "no-store"
    assert ready.data.startswith(b"%PDF")
    assert fakes.calls_to("tickets")[-1]["headers"]["X-Internal-Token"] == "test-internal-token"


def test_health_answers_in_json(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_openapi_lists_the_public_paths(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/doctors/{id}/days"]
    assert "post" in paths["/api/v1/appointments"]
    assert "/api/{rest}" not in paths
    assert "get" in paths["/fhir/R4/metadata"]
    assert {p["name"] for p in paths["/fhir/R4/Slot"]["get"]["parameters"]} >= {
        "schedule", "start", "status", "_count"}
    assert "get" in paths["/fhir/R4/Appointment/{id}"]
    assert "get" in paths["/fhir/R4/Appointment/$find"]


def test_region_import_may_exceed_the_ordinary_body_limit(client, fakes):
    from .conftest import signed_token

    big = {"format": "registratura-region/1", "organizations": ["x" * 100] * 20000}
    response = client.post("/api/v1/admin/import", json=big,
                           headers={"Authorization": f"Bearer {signed_token('admin')}"})
    assert response.status_code == 200
    assert fakes.calls_to("catalog", "/v1/admin/import")[-1]["json"] == big
    too_big = client.post("/api/v1/auth/oms", json=big)
    assert too_big.status_code == 413
    assert too_big.get_json()["error"]["code"] == "payload_too_large"
