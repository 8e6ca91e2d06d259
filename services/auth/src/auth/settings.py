"""Settings of the auth service, read from AUTH_* environment variables (plus shared ones)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from regcommon.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore", populate_by_name=True)

    service_name: str = "auth"
    production_secrets: ClassVar[tuple[str, ...]] = (
        "internal_token", "key_encryption_secret", "policy_key_secret")

    # Token lifetimes: patients get short tokens; staff two hours (a quarter of a shift: a
    # deactivated account's tokens are revoked at once, so this bounds a stolen token's life).
    access_token_ttl: int = 900
    staff_token_ttl: int = 2 * 3600
    # A token to act for a linked person (issue 12): short, so that an ended link stops it soon.
    act_token_ttl: int = 300
    # How long the current signing key and the JWKS are cached in a process (rotation delay).
    key_cache_seconds: float = 5.0
    # A rotated-in key starts signing after this delay (> the JWKS caches of all verifiers).
    key_activation_seconds: float = 10.0
    # PEM of an RSA private key imported as a signing key at start (production without keys).
    signing_key_pem: str = ""
    # Passphrase that encrypts signing keys at rest; empty stores them as plain PKCS#8.
    key_encryption_secret: str = ""

    # Key of the HMAC that turns a policy number (or staff login) into a login-limit key: the
    # attempts table then holds nothing that a dictionary of the few valid numbers could undo.
    policy_key_secret: str = ""

    # Login limits (domain.md "Login by OMS"; docs/security.md). Per policy + client address:
    # 5 failures in 15 minutes, then a lockout of that pair that doubles (15 min, 30, 60, cap).
    policy_max_failures: int = 5
    policy_window_seconds: int = 15 * 60
    policy_lockout_seconds: int = 15 * 60
    policy_lockout_max_seconds: int = 3600
    # Per policy from all addresses together (spraying from many addresses): a sliding window
    # that frees itself, never a day-long lockout of the owner.
    policy_global_max_failures: int = 20
    policy_global_window_seconds: int = 3600
    # Per client address: 20 failures in 10 minutes, then 429 until the window frees a place.
    address_max_failures: int = 20
    address_window_seconds: int = 10 * 60

    # ESIA (Gosuslugi) or, in the embedded mode, the local emulator.
    esia_url: str = "http://127.0.0.1:8009"
    esia_client_id: str = "REGISTRATURA56"
    esia_scope: str = "openid fullname birthdate snils medical_doc"
    esia_issuer: str = "http://esia.gosuslugi.ru/"
    # "rsa-test" (emulator only) or "gost" (needs a certified crypto provider).
    esia_signer: str = "rsa-test"
    esia_emulator_allowed: bool = True
    esia_state_ttl: int = 600
    # The only redirect_uri values ESIA may send a patient back to (comma-separated), e.g.
    # https://<portal>/auth/esia/callback. Empty: any http(s) address in the embedded mode, none
    # in production (the ESIA login is refused until it is set).
    esia_redirect_uris: str = ""

    def allowed_esia_redirects(self) -> frozenset[str] | None:
        """The allow-list; None = anything goes (embedded mode without a list)."""
        listed = frozenset(uri.strip() for uri in self.esia_redirect_uris.split(",") if uri.strip())
        if not listed and not self.is_production:
            return None
        return listed

    @model_validator(mode="after")
    def _production_rules(self):
        if self.mode == "production":
            # The emulator and its test signer never serve real patients.
            self.esia_emulator_allowed = False
            if self.esia_signer == "rsa-test":
                self.esia_signer = "gost"
        elif not self.policy_key_secret:
            self.policy_key_secret = "embedded-policy-key-secret"
        if self.access_token_ttl <= 0 or self.staff_token_ttl <= 0:
            raise ValueError("AUTH_ACCESS_TOKEN_TTL and AUTH_STAFF_TOKEN_TTL must be positive")
        return self
