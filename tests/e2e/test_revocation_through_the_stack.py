"""Issue 11 item 4 / issue 16 item 8, through the real stack: logout takes effect AT ONCE for
the next request through any gateway worker (a second gateway with three workers shares the
first one's database), and a revoked, expired or deactivated token gets 401 everywhere."""
from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
import uuid

import pytest
import requests
from jose import jwt
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

DEMO = {"document_type": "oms_unified", "policy_number": "5649309309826023",
        "birth_date": "1972-11-02"}


@pytest.fixture(scope="module")
def second_gateway(stack):
    """Another gateway instance with three workers, on the same database as the first."""
    from stack import Proc, free_port, gunicorn

    port = free_port()
    proc = Proc("gateway-3-workers", "gateway",
                gunicorn("gateway.app:create_app()", port, 3, 4), port, 3)
    stack.start_proc(proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(stack.log_tail(proc.name)) from None
            time.sleep(0.3)
    yield url
    popen = stack.running.pop(proc.name)
    os.killpg(popen.pid, signal.SIGTERM)
    popen.wait(15)


def patient_login(gateway: str) -> str:
    answer = requests.post(gateway + "/api/v1/auth/oms", json=DEMO, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def statuses(gateway: str, token: str, rounds: int = 4) -> set[int]:
    """Answers of /appointments and /me, each on a new connection (any worker may take it)."""
    seen = set()
    for _ in range(rounds):
        for path in ("/api/v1/appointments", "/api/v1/me"):
            seen.add(requests.get(gateway + path, timeout=10,
                                  headers={"Authorization": f"Bearer {token}"}).status_code)
    return seen


def logout(gateway: str, token: str) -> None:
    answer = requests.post(gateway + "/api/v1/auth/logout", timeout=10,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 204, answer.text


def test_logout_refuses_the_very_next_request_through_every_gateway_worker(stack, second_gateway):
    first = stack.url("gateway")
    token = patient_login(second_gateway)
    assert statuses(second_gateway, token) == {200}
    logout(second_gateway, token)
    assert statuses(second_gateway, token) == {401}
    assert statuses(first, token, rounds=1) == {401}
    # And the other way round: out through the first instance, refused at once by the second.
    token = patient_login(first)
    assert statuses(second_gateway, token, rounds=1) == {200}
    logout(first, token)
    assert statuses(second_gateway, token) == {401}


def _signing_key(stack) -> tuple[str, str]:
    engine = create_engine(stack.database_urls["auth"])
    with engine.connect() as conn:
        row = conn.execute(text("SELECT kid, private_pem FROM signing_keys "
                                "WHERE retired_at IS NULL ORDER BY created_at DESC")).first()
    engine.dispose()
    return row.kid, row.private_pem


def _token(stack, *, role: str, sub: str, expired: bool) -> str:
    kid, pem = _signing_key(stack)
    now = int(time.time())
    claims = {"iss": "registratura-auth", "aud": "registratura", "sub": sub, "role": role,
              "jti": uuid.uuid4().hex, "iat": now - 1000, "name": "Тест",
              "exp": now - 120 if expired else now + 300}
    if role == "admin":
        claims["organization_id"] = None
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


def test_an_expired_token_is_refused_by_the_gateway_and_every_service(stack):
    patient_id = requests.post(stack.url("gateway") + "/api/v1/auth/oms", json=DEMO,
                               timeout=10).json()["patient"]["id"]
    region = json.loads(stack.region_file.read_text())
    org = region["organizations"][0]["id"]
    doctor = "doc-000001"
    calls = [("patient", "gateway", "/api/v1/appointments"), ("patient", "gateway", "/api/v1/me"),
             ("patient", "auth", "/v1/me"), ("patient", "booking", "/v1/appointments"),
             ("admin", "catalog", f"/v1/admin/organizations/{org}/settings"),
             ("admin", "schedule", f"/v1/admin/doctors/{doctor}/template"),
             ("admin", "gateway", f"/api/v1/admin/organizations/{org}/settings")]
    for role, service, path in calls:
        sub = patient_id if role == "patient" else str(uuid.uuid4())
        for expired, wanted in ((False, 200), (True, 401)):
            answer = requests.get(stack.url(service) + path, timeout=10, headers={
                "Authorization": f"Bearer {_token(stack, role=role, sub=sub, expired=expired)}"})
            assert answer.status_code == wanted, (role, service, path, expired, answer.text)
            if wanted == 401:
                assert answer.json()["error"]["code"] == "invalid_token", (service, path)


def test_a_deactivated_staff_members_token_is_refused_everywhere(stack, second_gateway):
    region = json.loads(stack.region_file.read_text())
    patient_id = requests.post(stack.url("gateway") + "/api/v1/auth/oms", json=DEMO,
                               timeout=10).json()["patient"]["id"]
    login = f"leaver-{uuid.uuid4().hex[:6]}"
    stack.extra_env["AUTH_STAFF_PASSWORD"] = "leaver-password"
    stack.run_step("auth", "create-staff", "--login", login, "--role", "registrar",
                   "--organization-id", region["organizations"][0]["id"], quiet=True)
    answer = requests.post(stack.url("gateway") + "/api/v1/auth/staff", timeout=10,
                           json={"login": login, "password": "leaver-password"})
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    urls = [second_gateway + "/api/v1/registry/patients?last_name=Петров",
            stack.url("auth") + "/v1/registry/patients?last_name=Петров",
            stack.url("booking") + f"/v1/appointments?patient_id={patient_id}"]
    assert all(401 not in statuses_of(url, headers, rounds=1) for url in urls)
    stack.run_step("auth", "deactivate-staff", "--login", login, quiet=True)
    # Auth refuses it from the next request; the other services after their next poll.
    assert statuses_of(urls[1], headers) == {401}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(statuses_of(u, headers) != {401} for u in urls):
        time.sleep(0.5)
    assert [statuses_of(url, headers) for url in urls] == [{401}] * 3


def statuses_of(url: str, headers: dict, rounds: int = 4) -> set[int]:
    return {requests.get(url, headers=headers, timeout=10).status_code for _ in range(rounds)}
