"""The gateway's public OpenAPI document (/api/v1 and FHIR R4), fuzzed through the real stack
with and without a token (tools/fuzzing.py)."""
import pytest
import requests
import schemathesis

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

PATIENT = {"document_type": "oms_unified", "policy_number": "5649309309826023",
           "birth_date": "1972-11-02"}
GATEWAY_EXAMPLES = 5  # per operation, mode and variant in the short run: ~80 operations


def _bearer(api: str, path: str, body: dict) -> dict:
    response = requests.post(api + path, json=body, timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_gateway_document_survives_fuzzing(stack, openapi_fuzz):
    base = stack.url("gateway")
    api = base + "/api/v1"
    patient = _bearer(api, "/auth/oms", PATIENT)
    admin = _bearer(api, "/auth/staff", {"login": "admin", "password": "admin-demo"})
    registrar = _bearer(api, "/auth/staff", {"login": "registrar", "password": "registrar-demo"})
    # A logout revokes its token: it gets a token of its own each time, the others keep theirs.
    credentials = {"": patient, "/api/v1/auth/logout": lambda: _bearer(api, "/auth/oms", PATIENT),
                   "/api/v1/admin/": admin, "/api/v1/registry/": registrar}
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    assert openapi_fuzz("gateway", schema, credentials, base_url=base,
                        examples=GATEWAY_EXAMPLES) == []
