"""Access control across the real services: bad tokens are 401 everywhere, patients never reach
staff endpoints, and a registrar of another organization is refused."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import date, timedelta

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

pytestmark = pytest.mark.e2e

DEMO = {"document_type": "oms_unified", "policy_number": "5649309309826023", "birth_date": "1972-11-02"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**extra) -> dict:
    now = int(time.time())
    return {"iss": "registratura-auth", "aud": "registratura", "sub": str(uuid.uuid4()),
            "role": "admin", "jti": uuid.uuid4().hex, "iat": now, "exp": now + 600, **extra}


@pytest.fixture(scope="module")
def forged_tokens(stack):
    """Tokens an attacker could make: none of them is signed by the auth service's key."""
    jwks = requests.get(stack.url("auth") + "/.well-known/jwks.json", timeout=5).json()
    real = jwks["keys"][0]
    public_pem = jwk.construct(real, "RS256").to_pem()
    header_hs = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": real["kid"]}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(public_pem, f"{header_hs}.{payload}".encode(), hashlib.sha256).digest()
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    own_pem = own_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    return {
        "alg_none": _b64(json.dumps({"alg": "none", "kid": real["kid"]}).encode()) + "." + payload + ".",
        "hs256_with_public_key": f"{header_hs}.{payload}.{_b64(signature)}",
        "foreign_key_real_kid": jwt.encode(_claims(), own_pem, algorithm="RS256", headers={"kid": real["kid"]}),
        "unknown_kid": jwt.encode(_claims(), own_pem, algorithm="RS256", headers={"kid": "nope"}),
        "garbage": "not-a-token",
    }


def _protected_endpoints(stack):
    """One endpoint per service that needs a bearer token, called directly (not via the gateway)."""
    return [
        ("auth", "GET", "/v1/me"),
        ("booking", "GET", "/v1/appointments"),
        ("catalog", "GET", "/v1/admin/organizations/o-0001/settings"),
        ("schedule", "GET", "/v1/admin/doctors/doc-000001/template"),
        ("gateway", "GET", "/api/v1/me"),
        ("gateway", "GET", "/api/v1/appointments"),
    ]


def test_forged_tokens_are_refused_by_every_service(stack, forged_tokens):
    for service, method, path in _protected_endpoints(stack):
        for name, token in forged_tokens.items():
            response = requests.request(method, stack.url(service) + path, timeout=10,
                                        headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, (service, path, name, response.text)
            assert response.json()["error"]["code"] in ("invalid_token", "unauthorized"), (service, name)


@pytest.fixture(scope="module")
def patient_token(stack):
    response = requests.post(stack.url("gateway") + "/api/v1/auth/oms", json=DEMO, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def other_registrar_token(stack):
    """A registrar of another organization, created with the auth service's own command."""
    region = json.loads(stack.region_file.read_text())
    other = region["organizations"][1]["id"]
    stack.extra_env["AUTH_STAFF_PASSWORD"] = "other-registrar-pass"
    login = f"reg-{uuid.uuid4().hex[:6]}"
    stack.run_step("auth", "create-staff", "--login", login, "--role", "registrar",
                   "--organization-id", other, quiet=True)
    response = requests.post(stack.url("gateway") + "/api/v1/auth/staff",
                             json={"login": login, "password": "other-registrar-pass"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def _staff_calls(api: str):
    today = date.today()
    patient_body = {"last_name": "Тестов", "first_name": "Тест", "birth_date": "1990-01-01", "sex": "M",
                    "policy": {"type": "oms_unified", "number": "5680784863159153"},
                    "identity_documents": [], "attachment": {"organization_id": "o-0001"}}
    return [
        ("GET", f"{api}/registry/patients?last_name=Иванова", None),
        ("POST", f"{api}/registry/patients", patient_body),
        ("GET", f"{api}/admin/organizations/o-0001/settings", None),
        ("PUT", f"{api}/admin/organizations/o-0001/settings", {"cancel_cutoff_hours": 1}),
        ("GET", f"{api}/admin/doctors/doc-000001/template", None),
        ("PUT", f"{api}/admin/doctors/doc-000001/quota", {"reception_percent": 50}),
        ("POST", f"{api}/admin/doctors/doc-000001/absences",
         {"from": (today + timedelta(days=3)).isoformat(), "to": (today + timedelta(days=3)).isoformat(),
          "reason": "Больничный"}),
        ("GET", f"{api}/admin/audit", None),
    ]


def test_a_patient_is_refused_on_every_staff_endpoint(stack, patient_token):
    api = stack.url("gateway") + "/api/v1"
    for method, url, body in _staff_calls(api):
        response = requests.request(method, url, json=body, timeout=10,
                                    headers={"Authorization": f"Bearer {patient_token}"})
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"]["code"] == "forbidden"


def test_a_registrar_of_another_organization_is_refused(stack, other_registrar_token):
    api = stack.url("gateway") + "/api/v1"
    for method, url, body in _staff_calls(api):
        if url.endswith("/registry/patients?last_name=Иванова"):
            # Searching is allowed, but finds only the registrar's own patients (issue 16.1).
            found = requests.get(url, timeout=10,
                                 headers={"Authorization": f"Bearer {other_registrar_token}"})
            assert found.status_code == 200 and found.json()["items"] == [], found.text
            continue
        response = requests.request(method, url, json=body, timeout=10,
                                    headers={"Authorization": f"Bearer {other_registrar_token}"})
        assert response.status_code == 403, (method, url, response.text)
