"""Fixtures: the four fake upstreams on local ports, and a gateway app with the staff blueprint."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).resolve().parent


def _load(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fakes = _load("staff_fakes")
fake_apps = _load("staff_fake_apps")




@pytest.fixture(scope="session")
def backend_servers():
    backend = fakes.Backend()
    servers, urls = [], {}
    for name, factory in (("auth", fake_apps.auth_app), ("catalog", fake_apps.catalog_app),
                          ("schedule", fake_apps.schedule_app),
                          ("booking", fake_apps.booking_app)):
        server, url = fakes.serve(factory(backend))
        servers.append(server)
        urls[name] = url
    yield backend, urls
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def backend(backend_servers):
    backend, _ = backend_servers
    backend.reset()
    return backend


@pytest.fixture
def app(backend_servers, backend):
    from regcommon.web import create_base_app

    _, urls = backend_servers
    settings = SimpleNamespace(service_name="gateway", log_level="WARNING",
                               http_timeout_seconds=3.0, catalog_url=urls["catalog"],
                               schedule_url=urls["schedule"], auth_url=urls["auth"],
                               booking_url=urls["booking"], tickets_url=urls["booking"],
                               upstream_pool_size=4, internal_token="")
    app = create_base_app("gateway_staff_tests", settings, "Gateway (staff tests)",
                          json_errors=lambda path: path.startswith("/api/"),
                          configure_logs=False)
    app.secret_key = "tests-only-secret"
    # The gateway's one upstream layer, as create_app installs it (tickets: unused by the staff).
    from gateway.upstreams import Upstreams

    app.extensions["upstreams"] = Upstreams(settings)
    # The gateway's CSRF check and security headers run before the workspace, as in production.
    from gateway import security, staff

    security.register(app)
    staff.register(app)
    return app


class StaffClient:
    """A browser stand-in: keeps the cookie, adds the CSRF token to every form it posts."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            token = session.get("csrf")
        if token:
            return token
        page = self.client.get("/staff/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        return self.client.post(url, data=data, **kw)

    def login(self, who: str = "registrar"):
        response = self.post("/staff/login", {"login": who, "password": "secret"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


@pytest.fixture
def browser(app):
    return StaffClient(app.test_client())


@pytest.fixture
def new_browser(app):
    """Another browser (a second staff member at another desk)."""
    return lambda: StaffClient(app.test_client())


@pytest.fixture
def registrar(browser):
    browser.login("registrar")
    return browser


@pytest.fixture
def admin(browser):
    browser.login("admin")
    return browser


def text(response) -> str:
    return response.get_data(as_text=True)
