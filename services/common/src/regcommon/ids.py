"""Ids shared between the services (internal-contracts.md: slot ids are decimal strings).

One parser for slot ids, used wherever a slot id crosses a boundary (a path, a JSON body):
``str.isdigit`` alone accepts "²" or "١", which ``int()`` refuses or misreads, and a regex with
``$`` lets a trailing newline through.
"""
from __future__ import annotations

SLOT_ID_MAX_DIGITS = 18  # fits a PostgreSQL BIGINT


def parse_slot_id(value: object) -> int | None:
    """The slot id as an int, or None when ``value`` names no slot. Accepts the decimal string
    of the contract and, for JSON bodies, a plain non-negative integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10 ** SLOT_ID_MAX_DIGITS else None
    if (isinstance(value, str) and 0 < len(value) <= SLOT_ID_MAX_DIGITS and value.isascii()
            and value.isdigit()):
        return int(value)
    return None


def slot_id_text(slot_id: int) -> str:
    """The contract's spelling of a slot id (no leading zeros)."""
    return str(slot_id)
