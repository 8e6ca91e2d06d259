"""The workspace mounted by the gateway's real create_app (server-side sessions, CSRF, headers)."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration


def gateway_app(tmp_path, urls: dict, **extra):
    """The real gateway on a fresh SQLite database, wired to the fake backends."""
    from gateway.app import create_app
    from gateway.settings import GatewaySettings
    from regcommon.db import migrate

    db_url = f"sqlite:///{tmp_path / 'gateway.sqlite3'}"
    migrate("gateway", db_url)
    settings = GatewaySettings(database_url=db_url, internal_token="t", http_timeout_seconds=2.0,
                               catalog_url=urls["catalog"], schedule_url=urls["schedule"],
                               auth_url=urls["auth"], booking_url=urls["booking"],
                               tickets_url=urls["booking"], **extra)
    return create_app(settings)


@pytest.fixture
def gateway(tmp_path, backend_servers, backend):
    app = gateway_app(tmp_path, backend_servers[1])
    yield app.test_client()
    app.extensions["engine"].dispose()


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_staff_login_search_register_and_logout_through_the_gateway(gateway, backend):
    page = gateway.get("/staff/login").get_data(as_text=True)
    before = gateway.get_cookie("reg_session")
    response = gateway.post("/staff/login", data={"login": "registrar", "password": "secret",
                                                  "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    assert gateway.get_cookie("reg_session").value != (before.value if before else None)

    search = gateway.get("/staff?last_name=Смирнов")
    assert search.status_code == 200 and "Смирнов Олег Ильич" in search.get_data(as_text=True)
    assert "Content-Security-Policy" in search.headers

    form = gateway.get("/staff/patients/new").get_data(as_text=True)
    created = gateway.post("/staff/patients/new", data={
        "csrf_token": csrf_of(form), "last_name": "Новикова", "first_name": "Вера",
        "birth_date": "2001-02-03", "sex": "F", "policy_type": "oms_unified",
        "policy_number": "1234567890123452"})
    assert created.status_code == 302, created.get_data(as_text=True)
    assert any(p["last_name"] == "Новикова" for p in backend.patients.values())

    card = gateway.get(created.headers["Location"]).get_data(as_text=True)
    assert gateway.post("/staff/logout", data={"csrf_token": csrf_of(card)}).status_code == 302
    assert gateway.get("/staff").status_code == 302


def test_a_forged_form_is_refused_by_the_gateway(gateway, backend):
    page = gateway.get("/staff/login").get_data(as_text=True)
    gateway.post("/staff/login", data={"login": "registrar", "password": "secret",
                                       "csrf_token": csrf_of(page)})
    response = gateway.post("/staff/patients/new", data={"last_name": "X", "csrf_token": "bad"})
    assert response.status_code == 403
    assert not any(c["method"] == "POST" and c["path"] == "/v1/registry/patients"
                   for c in backend.calls)


def test_staff_pages_stay_out_of_the_public_openapi_document(gateway):
    spec = gateway.get("/openapi.json")
    assert spec.status_code == 200
    assert not [path for path in spec.get_json()["paths"] if path.startswith("/staff")]


def test_staff_calls_carry_the_address_the_trusted_proxy_saw_never_a_forged_one(
        tmp_path, backend_servers, backend):
    from regcommon.clientaddr import address_proof

    app = gateway_app(tmp_path, backend_servers[1], proxy_hops=1)
    client = app.test_client()
    forged = {"X-Forwarded-For": "198.51.100.66, 203.0.113.20"}
    page = client.get("/staff/login", headers=forged).get_data(as_text=True)
    client.post("/staff/login", headers=forged,
                data={"login": "registrar", "password": "secret", "csrf_token": csrf_of(page)})
    client.get("/staff?last_name=Смирнов", headers=forged)
    app.extensions["engine"].dispose()
    assert backend.calls, "the workspace called no backend"
    for call in backend.calls:
        assert call["headers"]["X-Client-Ip"] == "203.0.113.20"
        assert call["headers"]["X-Client-Ip-Proof"] == address_proof("t", "203.0.113.20")
