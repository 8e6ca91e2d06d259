"""Fixtures of the catalog integration tests: a migrated PostgreSQL database holding the demo
region at scale 0.05, the app on it, and tokens signed by a key made here."""
from __future__ import annotations

import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from regcommon.db import make_engine, migrate
from regcommon.jwt_verify import JwksCache, JwtVerifier

from catalog.app import create_app
from catalog.demo.generator import generate_region
from catalog.adapters.importer import region_writer
from catalog.services import import_region
from catalog.settings import CatalogSettings

INTERNAL_TOKEN = "catalog-test-internal-token"
ISSUER, AUDIENCE, KID = "registratura-auth", "registratura", "catalog-test-key"


@pytest.fixture(scope="session")
def signing_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    public_jwk = jwk.construct(public_pem, "RS256").to_dict()
    public_jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    return private_pem, {"keys": [public_jwk]}


@pytest.fixture(scope="session")
def make_token(signing_key):
    private_pem, _jwks = signing_key

    def factory(role: str, organization_id: str | None = None) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(uuid.uuid4()), "role": role,
                  "jti": str(uuid.uuid4()), "iat": now, "exp": now + 600, "name": "Тест"}
        if role != "patient":
            claims["organization_id"] = organization_id
        return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": KID})

    return factory


@pytest.fixture(scope="session")
def small_region():
    return generate_region(scale=0.05, seed=56)


def build_app(database_url: str, jwks: dict):
    verifier = JwtVerifier(JwksCache(fetch=lambda: jwks), issuer=ISSUER, audience=AUDIENCE)
    settings = CatalogSettings(database_url=database_url, internal_token=INTERNAL_TOKEN)
    app = create_app(settings, verifier=verifier)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def catalog_db(make_pg_database, small_region):
    url = make_pg_database("catalog")
    migrate("catalog", url)
    engine = make_engine(url, pool_size=2)
    import_region(region_writer(engine), small_region)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def app(catalog_db, signing_key):
    application = build_app(catalog_db[0], signing_key[1])
    yield application
    application.extensions["engine"].dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def app_factory(signing_key):
    """Build a catalog app on a given database URL (tokens of ``make_token`` are accepted)."""
    return lambda database_url: build_app(database_url, signing_key[1])
