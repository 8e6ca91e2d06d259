"""Whatever a client types, the public API answers with a 4xx in the api.md error shape, never a
500 or an HTML page."""
from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e

NASTY = ["", " ", "0", "-1", "99999999999999999999", "1e309", "null", "true", "[]", "{}",
         "' OR 1=1 --", "../../etc/passwd", "%00", "\u0000", "Ω≈ç√", "д" * 300, "2026-02-30",
         "2026-13-01", "<script>alert(1)</script>", "${jndi:ldap://x}", "NaN"]

GET_PATHS = [
    "/organizations?district_id={v}&type_id={v}&q={v}",
    "/organizations/{v}",
    "/organizations/{v}/services",
    "/organizations/o-0001/services/{v}/doctors",
    "/doctors/{v}/days?service_id={v}&from={v}&to={v}",
    "/doctors/doc-000001/days?service_id={v}&from=2026-12-01&to={v}",
    "/doctors/{v}/slots?service_id={v}&date={v}",
    "/appointments/{v}",
    "/appointments?status={v}",
    "/appointments/{v}/ticket.pdf",
    "/appointments/{v}/calendar.ics",
]


def _assert_clean(response, what):
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.headers.get("Content-Type", "").startswith("application/json"), what
        error = response.json()["error"]
        assert error["code"] and error["message"], what


@pytest.fixture(scope="module")
def auth_headers(stack):
    response = requests.post(stack.url("gateway") + "/api/v1/auth/oms", timeout=10, json={
        "document_type": "oms_unified", "policy_number": "5649309309826023", "birth_date": "1972-11-02"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_nasty_query_and_path_values_get_clean_answers(stack, auth_headers):
    api = stack.url("gateway") + "/api/v1"
    http = requests.Session()
    for template in GET_PATHS:
        for value in NASTY:
            quoted = requests.utils.quote(value, safe="")
            url = api + template.format(v=quoted)
            _assert_clean(http.get(url, headers=auth_headers, timeout=10), url)


@pytest.mark.parametrize("body", [
    None, "not json", [], 5, {}, {"slot_id": None}, {"slot_id": [], "service_id": {}},
    {"slot_id": "1" * 500, "service_id": "x", "consent_version": 7},
    {"slot_id": "-5", "service_id": "svc", "consent_version": "v", "hold_id": "zzz"},
])
def test_nasty_bodies_get_clean_answers(stack, auth_headers, body):
    api = stack.url("gateway") + "/api/v1"
    posts = [
        ("/appointments", {**auth_headers, "Idempotency-Key": str(uuid.uuid4())}),
        ("/appointments/" + str(uuid.uuid4()) + "/reschedule", {**auth_headers, "Idempotency-Key": str(uuid.uuid4())}),
        ("/auth/oms", {}),
        ("/auth/staff", {}),
        ("/waitlist", auth_headers),
        ("/slots/1/hold", auth_headers),
        ("/consents", {}),
        ("/registry/patients", auth_headers),
    ]
    for path, headers in posts:
        if isinstance(body, str):
            response = requests.post(api + path, data=body, timeout=10,
                                     headers={**headers, "Content-Type": "application/json"})
        else:
            response = requests.post(api + path, json=body, headers=headers, timeout=10)
        _assert_clean(response, (path, body))


UI_PATHS = ["/districts/{v}", "/organizations/{v}", "/organizations/o-0001/services/{v}",
            "/doctors/{v}?service_id={v}&from={v}", "/doctors/{v}/day?service_id={v}&date={v}",
            "/book/slot/{v}", "/appointments/{v}/talon", "/login?next={v}"]


def test_nasty_values_in_page_addresses_get_a_page_not_a_crash(stack):
    base = stack.url("gateway")
    http = requests.Session()
    for template in UI_PATHS:
        for value in NASTY:
            url = base + template.format(v=requests.utils.quote(value, safe=""))
            response = http.get(url, timeout=10, allow_redirects=False)
            assert response.status_code < 500, (url, response.status_code)
            assert "Traceback" not in response.text
