import base64
import json
import time

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from jose import jwt

from auth.__main__ import cli
from auth.adapters.keystore import generate_private_key

pytestmark = pytest.mark.integration


def login(app, helpers) -> str:
    response = app.test_client().post("/v1/auth/oms", json=helpers.login_body(),
                                      headers={"X-Client-IP": "10.9.0.1"})
    assert response.status_code == 200
    return response.get_json()["access_token"]


def me_status(app, token: str) -> int:
    return app.test_client().get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def claims_template(app) -> dict:
    now = int(time.time())
    return {"iss": "registratura-auth", "aud": "registratura", "sub": "someone", "role": "patient",
            "jti": "j1", "iat": now, "exp": now + 600, "name": "X"}


def current_key(app):
    kid, key = app.extensions["auth_keys"].current()
    return kid, key.to_pem().decode()


def test_patient_token_carries_the_documented_claims(seeded, helpers):
    token = login(seeded, helpers)
    header = jwt.get_unverified_header(token)
    claims = jwt.get_unverified_claims(token)
    assert header["alg"] == "RS256" and header["kid"] == current_key(seeded)[0]
    assert {"iss", "aud", "sub", "role", "jti", "iat", "exp", "name"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 900 and claims["role"] == "patient"
    me = seeded.test_client().get("/v1/me", headers=helpers.bearer(token)).get_json()
    assert me["id"] == claims["sub"] and me["birth_date"] == "1985-03-14"
    assert me["attachments"] == [{"organization_id": "o-0001", "area": "1"}]


def test_patient_token_carries_what_booking_needs_and_stays_small(seeded, helpers):
    from auth.domain.consent import CONSENT_VERSION

    token = login(seeded, helpers)
    claims = jwt.get_unverified_claims(token)
    assert claims["attachments"] == [{"organization_id": "o-0001", "area": "1"}]
    assert claims["contact"]["policy_last4"] == "9153"
    assert set(claims["contact"]) == {"email", "phone", "policy_last4"}
    assert "5680784863159153" not in json.dumps(claims), "the policy number stays in auth"
    assert claims["consent"] is None
    assert len(token) < 1400
    # Accepting the agreement answers a fresh token that says so (booking then asks nobody).
    answer = seeded.test_client().post("/v1/consents", headers=helpers.bearer(token),
                                       json={"version": CONSENT_VERSION, "channel": "portal"})
    assert answer.status_code == 201
    fresh = jwt.get_unverified_claims(answer.get_json()["access_token"])
    assert fresh["consent"] == CONSENT_VERSION and fresh["sub"] == claims["sub"]
    assert jwt.get_unverified_claims(login(seeded, helpers))["consent"] == CONSENT_VERSION
    seeded.test_client().post("/v1/consents/withdraw", headers=helpers.bearer(token))
    assert jwt.get_unverified_claims(login(seeded, helpers))["consent"] is None


def test_staff_token_has_organization_and_a_two_hour_life(seeded):
    response = seeded.test_client().post("/v1/auth/staff",
                                         json={"login": "registrar", "password": "registrar-demo"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["staff"]["role"] == "registrar" and body["expires_in"] == 2 * 3600
    claims = jwt.get_unverified_claims(body["access_token"])
    assert claims["organization_id"] == "o-0001" and claims["role"] == "registrar"
    admin = seeded.test_client().post("/v1/auth/staff", json={"login": "admin",
                                                              "password": "admin-demo"}).get_json()
    assert jwt.get_unverified_claims(admin["access_token"])["organization_id"] is None
    # Staff tokens are not patients.
    assert me_status(seeded, body["access_token"]) == 403


def test_wrong_staff_password_is_401_and_limited(seeded):
    client = seeded.test_client()
    for _ in range(5):
        response = client.post("/v1/auth/staff", json={"login": "registrar", "password": "nope"})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "authentication_failed"
    response = client.post("/v1/auth/staff", json={"login": "registrar", "password": "registrar-demo"})
    assert response.status_code == 429 and response.headers["Retry-After"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_forged_and_wrong_tokens_are_refused(seeded):
    kid, pem = current_key(seeded)
    claims = claims_template(seeded)
    good = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
    assert me_status(seeded, good) == 404  # well signed, but no such patient
    unsigned = (_b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode()) + "."
                + _b64(json.dumps(claims).encode()) + ".")
    public_pem = serialization.load_pem_private_key(pem.encode(), None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs = (_b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode()) + "."
          + _b64(json.dumps(claims).encode()))
    import hashlib
    import hmac

    hs += "." + _b64(hmac.new(public_pem, hs.encode(), hashlib.sha256).digest())
    stranger = generate_private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    forged = {
        "alg_none": unsigned,
        "hs256_with_public_key": hs,
        "expired": jwt.encode({**claims, "exp": int(time.time()) - 120,
                               "iat": int(time.time()) - 1000}, pem, "RS256", headers={"kid": kid}),
        "wrong_aud": jwt.encode({**claims, "aud": "other"}, pem, "RS256", headers={"kid": kid}),
        "wrong_iss": jwt.encode({**claims, "iss": "evil"}, pem, "RS256", headers={"kid": kid}),
        "unknown_kid": jwt.encode(claims, stranger, "RS256", headers={"kid": "nope"}),
        "other_key_same_kid": jwt.encode(claims, stranger, "RS256", headers={"kid": kid}),
        "garbage": "not.a.token",
    }
    for name, token in forged.items():
        response = seeded.test_client().get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.get_json()["error"]["code"] == "invalid_token", name
    assert seeded.test_client().get("/v1/me").status_code == 401


def test_rotation_keeps_old_tokens_until_the_key_is_retired(seeded, seeded_url, helpers,
                                                             monkeypatch):
    old_kid = current_key(seeded)[0]
    old_token = login(seeded, helpers)
    monkeypatch.setenv("AUTH_DATABASE_URL", seeded_url)
    rotated = CliRunner().invoke(cli, ["rotate-keys"])
    assert rotated.exit_code == 0, rotated.output
    new_kid = json.loads(rotated.output)["active_kid"]
    assert new_kid != old_kid
    new_token = login(seeded, helpers)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    jwks = seeded.test_client().get("/.well-known/jwks.json").get_json()
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, new_kid}
    assert me_status(seeded, old_token) == 200
    retired = CliRunner().invoke(cli, ["retire-key", old_kid])
    assert retired.exit_code == 0, retired.output
    assert me_status(seeded, old_token) == 401
    assert me_status(seeded, new_token) == 200
    jwks = seeded.test_client().get("/.well-known/jwks.json").get_json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid]


def test_logout_revokes_the_token_and_is_listed_for_other_services(seeded, helpers):
    token = login(seeded, helpers)
    client = seeded.test_client()
    assert client.post("/v1/auth/logout", headers=helpers.bearer(token)).status_code == 204
    assert me_status(seeded, token) == 401
    assert client.post("/v1/auth/logout", headers=helpers.bearer(token)).status_code == 401
    listed = client.get("/internal/revocations", headers={"X-Internal-Token": "test-internal"})
    assert jwt.get_unverified_claims(token)["jti"] in listed.get_json()["items"]
    as_of = listed.get_json()["as_of"]
    later = client.get("/internal/revocations", query_string={"since": as_of},
                       headers={"X-Internal-Token": "test-internal"}).get_json()
    assert "as_of" in later
    assert client.get("/internal/revocations").status_code == 403
    assert client.get("/internal/revocations?since=yesterday",
                      headers={"X-Internal-Token": "test-internal"}).status_code == 422


def test_production_refuses_to_start_without_a_signing_key(pg_url):
    from auth.app import create_app
    from auth.settings import AuthSettings

    secrets = {"internal_token": "x" * 32, "key_encryption_secret": "s3cret",
               "policy_key_secret": "k" * 32}
    settings = AuthSettings(database_url=pg_url, mode="production", **secrets)
    with pytest.raises(RuntimeError, match="signing key"):
        create_app(settings)
    pem = generate_private_key().private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()).decode()
    app = create_app(AuthSettings(database_url=pg_url, mode="production", signing_key_pem=pem,
                                  **secrets))
    kid, current_key_ = app.extensions["auth_keys"].current()
    assert current_key_.to_pem().decode().strip() == pem.strip()
    assert app.extensions["auth_context"].settings.esia_emulator_allowed is False


def test_a_rotated_in_key_signs_only_after_its_activation_delay(seeded, make_app, seeded_url,
                                                                helpers):
    patient_app = make_app(seeded_url, key_activation_seconds=3600)
    old_kid = current_key(patient_app)[0]
    new_kid = patient_app.extensions["auth_keys"].add_key()
    # Published at once, but the old key keeps signing until every verifier has seen the new one.
    jwks = patient_app.test_client().get("/.well-known/jwks.json").get_json()
    assert new_kid in {k["kid"] for k in jwks["keys"]}
    assert jwt.get_unverified_header(login(patient_app, helpers))["kid"] == old_kid
    assert jwt.get_unverified_header(login(seeded, helpers))["kid"] == new_kid


def test_a_key_id_that_starts_with_a_hyphen_is_taken_as_the_key_to_retire(seeded, seeded_url,
                                                                         monkeypatch):
    """Key ids are base64url: one in 64 starts with "-", which click would read as an option."""
    from click.testing import CliRunner

    from auth.__main__ import cli

    monkeypatch.setenv("AUTH_DATABASE_URL", seeded_url)
    result = CliRunner().invoke(cli, ["retire-key", "-no-such-key"])
    assert "no active key -no-such-key" in result.output, result.output
