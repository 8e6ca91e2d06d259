"""Request bodies: the ordinary 1 MiB limit for everyone; only a verified admin may send a whole
region file to the import, and the gateway streams it to the catalog without parsing it."""
from __future__ import annotations

import pytest

from .conftest import signed_token

pytestmark = pytest.mark.integration

EIGHT_MIB = 8 * 1024 * 1024


class CountingBody:
    """A request body that counts what the gateway reads of it (it never has to be sent)."""

    def __init__(self, size: int):
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size + offset if whence == 2 else offset
        return self.position

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.position
        n = left if n is None or n < 0 else min(n, left)
        self.position += n
        self.read_bytes += n
        return b" " * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


def post_big(client, path: str, headers: dict | None = None):
    body = CountingBody(EIGHT_MIB)
    response = client.post(path, input_stream=body, content_length=EIGHT_MIB,
                           content_type="application/json", headers=headers or {})
    return response, body


@pytest.mark.parametrize("authorization", [
    None,                                        # anonymous
    "Bearer admin",                              # a forged token
    "patient",                                   # a valid patient token
    "registrar",                                 # a valid token of another staff role
])
def test_a_big_import_body_of_anyone_but_an_admin_is_refused_unread(client, fakes,
                                                                     authorization):
    headers = {}
    if authorization in ("patient", "registrar"):
        headers["Authorization"] = f"Bearer {signed_token(authorization)}"
    elif authorization:
        headers["Authorization"] = authorization
    response, body = post_big(client, "/api/v1/admin/import", headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert body.read_bytes == 0
    assert fakes.calls_to("catalog") == []


@pytest.mark.parametrize("path", ["/api/v1/auth/oms", "/api/v1/appointments",
                                  "/api/v1/registry/patients"])
def test_a_big_body_elsewhere_is_refused_unread(client, fakes, path):
    response, body = post_big(client, path, {"Authorization": f"Bearer {signed_token('admin')}"})
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert fakes.calls == [c for c in fakes.calls if c["path"].startswith(("/.well-known",
                                                                          "/internal/"))]


def test_an_admin_import_is_passed_to_the_catalog_as_sent_without_parsing(client, fakes):
    headers = {"Authorization": f"Bearer {signed_token('admin')}"}
    response = client.post("/api/v1/admin/import", data=b"{not json, the catalog says so}",
                           content_type="application/json", headers=headers)
    # The catalog (here a fake that echoes) judges the file; the gateway does not parse it.
    assert response.status_code == 200
    call = fakes.calls_to("catalog", "/v1/admin/import")[-1]
    assert call["headers"]["Content-Length"] == str(len(b"{not json, the catalog says so}"))
    assert call["headers"]["Authorization"] == headers["Authorization"]
