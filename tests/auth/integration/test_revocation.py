"""Issue 16 item 8 (tokens): revocations carry their expiry and are pruned; a deactivated staff
member's tokens stop working at once, in auth and in every service polling its list."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from jose import jwt
from sqlalchemy import func, select, update

from regcommon.db import utcnow
from regcommon.jwt_verify import RevocationList

from auth.__main__ import cli
from auth.adapters.tables import revoked_tokens

pytestmark = pytest.mark.integration
INTERNAL = {"X-Internal-Token": "test-internal"}


def staff_token(app) -> str:
    return app.test_client().post("/v1/auth/staff", json={
        "login": "registrar", "password": "registrar-demo"}).get_json()["access_token"]


def test_revocations_are_listed_with_their_expiry(seeded, helpers):
    client = seeded.test_client()
    token = staff_token(seeded)
    assert client.post("/v1/auth/logout", headers=helpers.bearer(token)).status_code == 204
    listed = client.get("/internal/revocations", headers=INTERNAL).get_json()
    claims = jwt.get_unverified_claims(token)
    assert {"jti": claims["jti"], "exp": claims["exp"]} in listed["tokens"]


def test_expired_revocations_are_pruned_from_the_table(seeded, helpers):
    client = seeded.test_client()
    first, second = staff_token(seeded), staff_token(seeded)
    client.post("/v1/auth/logout", headers=helpers.bearer(first))
    engine = seeded.extensions["auth_engine"]
    with engine.begin() as conn:  # the first token has expired since
        conn.execute(update(revoked_tokens).values(expires_at=utcnow() - timedelta(minutes=1)))
    client.post("/v1/auth/logout", headers=helpers.bearer(second))
    with engine.connect() as conn:
        jtis = {row.jti for row in conn.execute(select(revoked_tokens.c.jti))}
    assert jtis == {jwt.get_unverified_claims(second)["jti"]}


def test_deactivating_a_staff_member_revokes_every_token_at_once(seeded, seeded_url, helpers,
                                                                  monkeypatch):
    token = staff_token(seeded)
    headers = helpers.bearer(token)
    client = seeded.test_client()
    assert client.get("/v1/registry/patients?last_name=Петров", headers=headers).status_code == 200
    polled = RevocationList("http://auth", "test-internal", background=False,
                            fetch=lambda since: client.get(
                                "/internal/revocations", headers=INTERNAL,
                                query_string={"since": since} if since else {}).get_json())
    claims = jwt.get_unverified_claims(token)
    assert polled(claims) is False
    monkeypatch.setenv("AUTH_DATABASE_URL", seeded_url)
    result = CliRunner().invoke(cli, ["deactivate-staff", "--login", "registrar"])
    assert result.exit_code == 0, result.output
    refused = client.get("/v1/registry/patients?last_name=Петров", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    polled._tried_at = float("-inf")  # the next poll is due
    assert polled(claims) is True  # every service polling auth refuses it too
    login = client.post("/v1/auth/staff", json={"login": "registrar", "password": "registrar-demo"})
    assert login.status_code == 401
    with seeded.extensions["auth_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(revoked_tokens)).scalar() == 0
