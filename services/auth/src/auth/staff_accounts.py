"""Staff accounts: deactivation (every token of the account stops working at once)."""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from regcommon.db import session_scope

from .adapters.tables import staff
from .services import Context

log = logging.getLogger(__name__)


def deactivate_staff(ctx: Context, login: str) -> str | None:
    """Deactivate the account; its id, or None for an unknown login.

    The revocation of the subject commits with the deactivation: auth refuses the tokens from
    the next request, every service after its next poll of /internal/revocations.
    """
    with session_scope(ctx.sessions) as session:
        row = session.execute(select(staff.c.id).where(
            staff.c.login == login.strip().casefold())).first()
        if row is None:
            return None
        session.execute(update(staff).where(staff.c.id == row.id).values(active=False))
        ctx.revocations.revoke_subject(session, row.id, ctx.settings.staff_token_ttl)
    log.info("staff deactivated", extra={"event": "staff_deactivated", "staff_id": row.id})
    return row.id
