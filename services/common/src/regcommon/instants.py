"""Instants shared between the services: one parser, one UTC rule, the region's time zone.

Every instant crosses a boundary as ISO 8601 text and is stored in UTC. A string without an
offset is read as UTC (what the services write is always UTC), and so is a naive datetime read
back from a column: SQLite hands back naive datetimes, PostgreSQL aware ones.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Yekaterinburg"  # the region's organizations, unless one says otherwise


def as_utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC; a naive datetime is taken to be UTC already. None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_instant(value: object) -> datetime:
    """ISO 8601 text as an aware datetime, its offset kept (none: UTC); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"not an ISO 8601 instant: {value!r}")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def parse_utc(value: object) -> datetime:
    """:func:`parse_instant` converted to UTC (what is stored). OverflowError at the ends of time."""
    return as_utc(parse_instant(value))


def instant_or_none(value: object) -> datetime | None:
    """For display: a datetime as it is, ISO 8601 text parsed, anything else None."""
    if isinstance(value, datetime):
        return value
    try:
        return parse_instant(value)
    except ValueError:
        return None


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, or the region's default when the name is empty or unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)
