"""What the gateway shows the internet besides the portal: no metrics, no readiness details and
no API console for strangers; HSTS on HTTPS; ESIA returns only to the configured public origin."""
from __future__ import annotations

import pytest

from .conftest import INTERNAL_TOKEN, make_settings

pytestmark = pytest.mark.integration

INTERNAL = {"X-Internal-Token": INTERNAL_TOKEN}


def gateway(gateway_db, fake_urls, **settings):
    from gateway.app import create_app

    app = create_app(make_settings(gateway_db, fake_urls, **settings))
    app.config["TESTING"] = True
    return app


def test_metrics_are_for_the_internal_token_or_the_metrics_token_only(gateway_db, fake_urls,
                                                                      fakes):
    client = gateway(gateway_db, fake_urls, metrics_token="scrape-secret").test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    for headers in (INTERNAL, {"Authorization": "Bearer scrape-secret"}):
        answer = client.get("/metrics", headers=headers)
        assert answer.status_code == 200 and b"# HELP" in answer.data


def test_the_api_console_is_not_public_but_the_public_api_document_is(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/docs", headers=INTERNAL).status_code == 200
    assert "/api/v1/appointments" in client.get("/openapi.json").get_json()["paths"]


def test_readiness_tells_strangers_the_status_only(gateway_app):
    def broken():
        raise ConnectionError("postgresql://gateway@10.0.3.7:5432 refused")

    gateway_app.extensions["readiness_checks"].append(("database", broken))
    client = gateway_app.test_client()
    public = client.get("/readyz")
    assert public.status_code == 503 and public.get_json() == {"status": "unavailable"}
    internal = client.get("/readyz", headers=INTERNAL)
    assert internal.status_code == 503 and "database" in internal.get_json()["failures"]


def test_hsts_is_sent_on_https_only(gateway_db, fake_urls, fakes):
    client = gateway(gateway_db, fake_urls, proxy_hops=1).test_client()
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Behind the trusted ingress, which terminated TLS.
    proxied = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in proxied.headers["Strict-Transport-Security"]


def test_hsts_is_always_sent_in_production(gateway_db, fake_urls, fakes):
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(database_url=gateway_db, internal_token=INTERNAL_TOKEN,
                               mode="production", public_url="https://registratura.example.org",
                               broker_url="amqp://unused", **{f"{n}_url": u for n, u in
                                                              fake_urls.items()})
    from gateway.app import create_app

    client = create_app(settings).test_client()
    assert "max-age=" in client.get("/healthz").headers["Strict-Transport-Security"]


def test_esia_returns_to_the_public_origin_never_to_the_host_header(gateway_db, fake_urls, fakes):
    for settings in ({"public_url": "https://registratura.example.org"}, {}):
        client = gateway(gateway_db, fake_urls, **settings).test_client()
        client.get("/auth/esia", headers={"Host": "evil.example"})
    sent = [c["json"]["redirect_uri"] for c in fakes.calls_to("auth", "/v1/esia/authorize-url")]
    assert sent[0] == "https://registratura.example.org/auth/esia/callback"
    assert all("evil.example" not in uri for uri in sent)


def test_production_needs_the_public_origin(gateway_db, fake_urls):
    from pydantic import ValidationError

    from gateway.settings import GatewaySettings

    with pytest.raises(ValidationError, match="GATEWAY_PUBLIC_URL"):
        GatewaySettings(database_url=gateway_db, internal_token=INTERNAL_TOKEN, mode="production")
