"""Where the staff member's login and the CSRF token live between requests.

A thin adapter over ``flask.session`` so that the workspace does not depend on how the gateway
stores sessions (its own server-side session interface plugs in underneath ``flask.session``).
The staff login is kept under its own key, apart from any patient login in the same browser, so
a patient session never opens a staff page.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from flask import session

STAFF_KEY = "staff_login"
# The gateway's own CSRF check (gateway.security) reads this key for every form post, so the
# workspace shares it: one token per browser session, whichever part of the site drew the form.
CSRF_KEY = "csrf"
STAFF_ROLES = ("registrar", "admin")


@dataclass(frozen=True)
class StaffMember:
    id: str
    role: str
    name: str
    organization_id: str | None
    token: str
    expires_at: float | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_manage(self, organization_id: str | None) -> bool:
        """A registrar works only inside their own organization; an admin anywhere."""
        return self.is_admin or (organization_id is not None
                                 and organization_id == self.organization_id)


def token_claims(token: str) -> dict:
    """The JWT payload, decoded WITHOUT verification: used only for display and routing.

    Every upstream service verifies the token itself; the gateway only needs the name, role and
    organization to draw the workspace.
    """
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def remember_login(token: str, staff: dict) -> StaffMember | None:
    """Keep the login of a staff member; None when the token is not a staff token."""
    claims = token_claims(token)
    role = (staff or {}).get("role") or claims.get("role")
    if role not in STAFF_ROLES or claims.get("role", role) not in STAFF_ROLES:
        return None
    data = {
        "id": str((staff or {}).get("id") or claims.get("sub") or ""),
        "role": role,
        "name": claims.get("name") or (staff or {}).get("name") or "",
        "organization_id": claims.get("organization_id"),
        "token": token,
        "expires_at": claims.get("exp"),
    }
    rotate = getattr(session, "rotate", None)
    if callable(rotate):
        # The gateway's server-side session: a fresh id at login defeats session fixation.
        rotate()
    session[STAFF_KEY] = data
    # A fresh CSRF token after login: a token planted before login cannot be reused.
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    return _member(data)


def current_staff() -> StaffMember | None:
    data = session.get(STAFF_KEY)
    if not isinstance(data, dict) or not data.get("token"):
        return None
    member = _member(data)
    expired = member.expires_at is not None and member.expires_at <= time.time()
    if expired or member.role not in STAFF_ROLES:
        forget_login()
        return None
    return member


def forget_login() -> None:
    # Only the staff login goes: a patient login in the same browser is not ours to end.
    session.pop(STAFF_KEY, None)
    session[CSRF_KEY] = secrets.token_urlsafe(32)


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_valid(given: str | None) -> bool:
    expected = session.get(CSRF_KEY)
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _member(data: dict) -> StaffMember:
    expires = data.get("expires_at")
    return StaffMember(
        id=str(data.get("id") or ""),
        role=str(data.get("role") or ""),
        name=str(data.get("name") or ""),
        organization_id=data.get("organization_id"),
        token=str(data["token"]),
        expires_at=float(expires) if isinstance(expires, (int, float)) else None,
    )
