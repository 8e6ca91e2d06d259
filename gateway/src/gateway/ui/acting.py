"""The session's acting state (issue 12): while the patient acts for a linked person, a short
acting token of that person, renewed shortly before it expires. ``common.access_token`` answers
it, so every view acts for the chosen person; ``family.py`` has the pages that choose."""
from __future__ import annotations

import time

from flask import session

from ..upstreams import LoginExpired, call

REFRESH_BEFORE = 30  # seconds before its expiry an acting token is replaced


def own_token() -> str | None:
    return session.get("access_token")


def _holder() -> str | None:
    return (session.get("patient") or {}).get("id")


def acting() -> dict | None:
    """The acting state, only if it was made for the patient logged in now (a new login in the
    same browser never inherits someone else's choice)."""
    current = session.get("acting")
    if current and current.get("holder") != _holder():
        session.pop("acting", None)
        return None
    return current


def acting_token() -> str | None:
    """The acting token while acting for someone (renewed shortly before it expires); None when
    acting for oneself, or when the link no longer lets the patient act (then back to «Я»)."""
    current = acting()
    if not current:
        return None
    if current.get("expires_at", 0) - time.time() > REFRESH_BEFORE:
        return current.get("token")
    fresh = _act_as(current.get("patient", {}).get("id", ""))
    if fresh is None:
        session.pop("acting", None)
        session["acting_ended"] = True  # common.access_token tells the patient
        return None
    return fresh["token"]


def keep_acting_token(fresh: str) -> bool:
    """A fresh token answered to a call made while acting (a consent) replaces the acting one."""
    current = acting()
    if not current:
        return False
    session["acting"] = {**current, "token": fresh}
    return True


def _act_as(patient_id: str) -> dict | None:
    token = own_token()
    if not token or not patient_id:
        return None
    answer = call("auth", "POST", "/v1/auth/act-as", json={"patient_id": patient_id}, token=token)
    if answer.status == 401:
        raise LoginExpired()
    if not answer.ok:
        return None
    data = answer.json()
    state = {"token": data["access_token"], "patient": data.get("patient") or {},
             "expires_at": time.time() + int(data.get("expires_in") or 0), "holder": _holder()}
    session["acting"] = state
    return state
