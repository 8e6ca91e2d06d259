"""Fake upstream services (small Flask apps on local ports) and a gateway wired to them.

The fakes mimic docs/internal-contracts.md closely enough for the gateway's flows: they keep a
little shared state (taken slots, appointments) and record every request they receive; they
live in fake_upstreams.py, this module serves them and builds the gateway.
"""
from __future__ import annotations

import threading

import pytest
from flask import Flask
from werkzeug.serving import make_server

from .fake_upstreams import (GOOD_POLICY, INTERNAL_TOKEN, State, _appointment,  # noqa: F401
                             auth_app, booking_app, catalog_app, schedule_app, signed_token,
                             tickets_app)


class _Server:
    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        # Keep-alive connections of the gateway's pools must not hold up the shutdown.
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fake_state_holder():
    return {"state": State()}


@pytest.fixture(scope="session")
def fake_urls(fake_state_holder):
    proxy_state = _StateProxy(fake_state_holder)
    servers = {name: _Server(factory(proxy_state)) for name, factory in (
        ("catalog", catalog_app), ("schedule", schedule_app), ("auth", auth_app),
        ("booking", booking_app), ("tickets", tickets_app))}
    yield {name: server.url for name, server in servers.items()}
    for server in servers.values():
        server.stop()


class _StateProxy:
    """Lets session-scoped fake servers see the state of the current test."""

    def __init__(self, holder):
        self._holder = holder

    def __getattr__(self, name):
        return getattr(self._holder["state"], name)

    def __setattr__(self, name, value):
        if name == "_holder":
            object.__setattr__(self, name, value)
        else:
            setattr(self._holder["state"], name, value)


@pytest.fixture()
def sign():
    """``sign(role, **claims)``: a token the gateway verifies (the fake auth's JWKS)."""
    return signed_token


@pytest.fixture()
def fakes(fake_state_holder, fake_urls):
    state = State()
    fake_state_holder["state"] = state
    return state


@pytest.fixture(scope="session")
def gateway_db(make_pg_database):
    from regcommon.db import migrate

    url = make_pg_database("gateway")
    migrate("gateway", url)
    return url


def make_settings(db_url: str, urls: dict, **extra):
    from gateway.settings import GatewaySettings

    options = {"http_timeout_seconds": 2.0, **extra}
    return GatewaySettings(database_url=db_url, internal_token=INTERNAL_TOKEN,
                           catalog_url=urls["catalog"], schedule_url=urls["schedule"],
                           auth_url=urls["auth"], booking_url=urls["booking"],
                           tickets_url=urls["tickets"], **options)


@pytest.fixture()
def gateway_app(gateway_db, fake_urls, fakes):
    from gateway.app import create_app

    app = create_app(make_settings(gateway_db, fake_urls))
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(gateway_app):
    return gateway_app.test_client()
