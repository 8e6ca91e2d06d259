"""What every auth use case is handed: the settings and the ports (``ports.py``), built once by
app.py. ``sessions`` is kept for the modules that still open their own sessions (links,
links_registry, esia_flow, staff_accounts, housekeeping, seed); unit tests leave it None."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from regcommon.clientaddr import rate_limit_key

from .domain.login import Limit, pair_key
from .ports import Audit, AuthRecords, PasswordVerifier, Revocations, TokenIssuer
from .settings import AuthSettings


@dataclass
class Context:
    settings: AuthSettings
    sessions: sessionmaker[Session] | None
    records: AuthRecords
    issuer: TokenIssuer
    revocations: Revocations
    audit: Audit
    hasher: PasswordVerifier
    dummy_hash: str

    # --- the login limits (docs/security.md, "Login limits and registry access") -------------
    def _ladder(self, kind: str) -> Limit:
        s = self.settings
        return Limit(kind, s.policy_max_failures, s.policy_window_seconds,
                     s.policy_lockout_seconds, s.policy_lockout_max_seconds)

    def _global(self, kind: str) -> Limit:
        s = self.settings
        return Limit(kind, s.policy_global_max_failures, s.policy_global_window_seconds, 0)

    @property
    def address_limit(self) -> Limit:
        s = self.settings
        return Limit("address", s.address_max_failures, s.address_window_seconds, 0)

    def login_limits(self, kind: str, key: str, client_ip: str) -> list[tuple[Limit, str]]:
        """The limits of one login attempt: the policy (or staff login) from this address with a
        growing lockout, the same from every address with a self-freeing window, the address.

        ``kind`` is "policy" or "staff". Keyed on the pair, five wrong birth dates from one
        address do not lock the owner out from another.
        """
        secret = self.settings.policy_key_secret
        address = address_key(client_ip)
        return [(self._ladder(f"{kind}_address"), pair_key(key, secret, address)),
                (self._global(kind), key), (self.address_limit, address)]


def address_key(client_ip: str) -> str:
    return rate_limit_key(client_ip)
