"""Issue 11 item 4 / 16 item 8: logout takes effect at once at the gateway, for every worker.

The gateway records a logged-out token in its own database before answering the logout, and
checks every bearer token of /api/v1 against it (and against the expiry) before forwarding:
the next request is refused without reaching a service. Two apps on one database stand in for
two gateway workers.
"""
from __future__ import annotations

import time
import uuid

import pytest
from jose import jwt

from .conftest import make_settings

pytestmark = pytest.mark.integration


def token(**claims) -> str:
    """A JWT-shaped token (the services verify signatures; the gateway reads jti and exp)."""
    now = int(time.time())
    body = {"sub": "p-1", "role": "patient", "jti": uuid.uuid4().hex, "iat": now,
            "exp": now + 900, **claims}
    return jwt.encode(body, "not-the-real-key", algorithm="HS256")


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture()
def second_worker(gateway_db, fake_urls, fakes):
    from gateway.app import create_app

    return create_app(make_settings(gateway_db, fake_urls)).test_client()


def test_after_logout_the_next_request_is_refused_by_every_worker(client, second_worker, fakes):
    mine = token()
    assert client.post("/api/v1/auth/logout", headers=bearer(mine)).status_code == 204
    before = len(fakes.calls_to("booking"))
    for worker in (client, second_worker):
        for path in ("/api/v1/appointments", "/api/v1/me"):
            answer = worker.get(path, headers=bearer(mine))
            assert answer.status_code == 401, (path, answer.get_data(as_text=True))
            assert answer.get_json()["error"]["code"] == "invalid_token"
            assert "Bearer" in answer.headers["WWW-Authenticate"]
    assert len(fakes.calls_to("booking")) == before  # refused before reaching a service
    other = token()  # a token nobody logged out is forwarded as before
    second_worker.get("/api/v1/appointments", headers=bearer(other))
    assert fakes.calls_to("booking")[-1]["headers"]["Authorization"] == f"Bearer {other}"


def test_an_expired_token_is_refused_at_the_gateway(client, fakes):
    stale = token(exp=int(time.time()) - 120)
    answer = client.get("/api/v1/appointments", headers=bearer(stale))
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "invalid_token"
    assert not fakes.calls_to("booking")


def test_a_failed_logout_upstream_records_nothing(client, fakes, gateway_db, fake_urls):
    from gateway.app import create_app

    down = {**fake_urls, "auth": "http://127.0.0.1:9"}
    broken = create_app(make_settings(gateway_db, down, http_timeout_seconds=0.5)).test_client()
    mine = token()
    assert broken.post("/api/v1/auth/logout", headers=bearer(mine)).status_code >= 500
    client.get("/api/v1/appointments", headers=bearer(mine))
    assert fakes.calls_to("booking")  # not refused: auth never confirmed the logout


def test_logging_out_of_the_web_cabinet_refuses_its_token_on_the_api(gateway_app, fakes):
    from gateway import revocation

    mine = token()
    with gateway_app.test_request_context("/logout"):
        revocation.record_logout(mine)
    answer = gateway_app.test_client().get("/api/v1/appointments", headers=bearer(mine))
    assert answer.status_code == 401
