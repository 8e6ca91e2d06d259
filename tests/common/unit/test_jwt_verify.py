"""The common verifier refuses every kind of bad token and accepts a good one."""
import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from regcommon.jwt_verify import InvalidToken, JwksCache, JwtVerifier

pytestmark = pytest.mark.unit

ISS, AUD = "registratura-auth", "registratura"


def _rsa_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture(scope="module")
def keys():
    private, public = _rsa_pem()
    entry = jwk.construct(public, "RS256").to_dict()
    entry.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    entry = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in entry.items()}
    return {"private": private, "public": public, "jwks": {"keys": [entry]}}


def _claims(**over):
    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "p1", "role": "patient", "iat": now, "exp": now + 300,
              "jti": "j1"}
    claims.update(over)
    return claims


def _verifier(keys, revoked=()):
    cache = JwksCache(fetch=lambda: keys["jwks"])
    return JwtVerifier(cache, issuer=ISS, audience=AUD, is_revoked=lambda claims: claims["jti"] in revoked)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_well_signed_token_is_accepted(keys):
    token = jwt.encode(_claims(), keys["private"], algorithm="RS256", headers={"kid": "k1"})
    assert _verifier(keys).verify(token)["sub"] == "p1"


def test_alg_none_is_refused(keys):
    token = _b64({"alg": "none", "kid": "k1"}) + "." + _b64(_claims()) + "."
    with pytest.raises(InvalidToken):
        _verifier(keys).verify(token)


def test_hs256_signed_with_the_public_key_is_refused(keys):
    import hashlib
    import hmac

    header, payload = _b64({"alg": "HS256", "kid": "k1", "typ": "JWT"}), _b64(_claims())
    signature = hmac.new(keys["public"].encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        _verifier(keys).verify(token)


@pytest.mark.parametrize("override", [
    {"exp": int(time.time()) - 3600},
    {"aud": "someone-else"},
    {"iss": "evil"},
])
def test_expired_or_foreign_tokens_are_refused(keys, override):
    token = jwt.encode(_claims(**override), keys["private"], algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        _verifier(keys).verify(token)


def test_unknown_kid_is_refused(keys):
    token = jwt.encode(_claims(), keys["private"], algorithm="RS256", headers={"kid": "other"})
    with pytest.raises(InvalidToken):
        _verifier(keys).verify(token)


def test_a_token_signed_by_another_key_is_refused(keys):
    other_private, _ = _rsa_pem()
    token = jwt.encode(_claims(), other_private, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        _verifier(keys).verify(token)


def test_a_revoked_token_is_refused(keys):
    token = jwt.encode(_claims(jti="gone"), keys["private"], algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        _verifier(keys, revoked={"gone"}).verify(token)


def test_a_rotated_key_is_found_without_restart(keys):
    new_private, new_public = _rsa_pem()
    entry = jwk.construct(new_public, "RS256").to_dict()
    entry.update({"kid": "k2", "alg": "RS256"})
    entry = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in entry.items()}
    document = {"keys": list(keys["jwks"]["keys"])}
    cache = JwksCache(fetch=lambda: document, min_refetch=0)
    verifier = JwtVerifier(cache, issuer=ISS, audience=AUD)
    old = jwt.encode(_claims(), keys["private"], algorithm="RS256", headers={"kid": "k1"})
    assert verifier.verify(old)
    document["keys"].append(entry)
    new = jwt.encode(_claims(), new_private, algorithm="RS256", headers={"kid": "k2"})
    assert verifier.verify(new)["sub"] == "p1"
