"""Parsing FHIR search parameters (pure): paging, tokens, references, strings and dates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .outcome import FhirError, bad_parameter

DEFAULT_COUNT = 50
MAX_COUNT = 500
PAGING = ("_count", "_offset")
IGNORED = ("_format",)  # only JSON is served; the format parameter is accepted and ignored
DATE_PREFIXES = ("eq", "ne", "ge", "gt", "le", "lt")
DATE_VALUE = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
                        r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?\Z")


@dataclass(frozen=True)
class Query:
    """The parameters of one search: ``values[name]`` lists (modifier, value) pairs."""
    values: dict
    offset: int
    count: int
    pairs: list  # the non-paging parameters as given, for the Bundle links

    def get(self, name: str) -> list[tuple[str | None, str]]:
        return self.values.get(name, [])

    def one(self, name: str) -> tuple[str | None, str] | None:
        found = self.get(name)
        if len(found) > 1:
            raise bad_parameter(name, f"Параметр {name} можно указать только один раз")
        return found[0] if found else None


def parse_query(pairs: list[tuple[str, str]], allowed: dict, *, lenient: bool = False,
                default_count: int = DEFAULT_COUNT) -> Query:
    """``allowed`` maps a parameter name to the modifiers it takes (an empty tuple: none)."""
    values: dict = {}
    kept: list = []
    for key, value in pairs:
        if key in PAGING or key in IGNORED:
            continue
        name, _, modifier = key.partition(":")
        if name not in allowed or (modifier and modifier not in allowed[name]):
            if lenient:
                continue
            raise bad_parameter(key, f"Параметр поиска {key} не поддерживается")
        if value == "":
            raise bad_parameter(key, f"Параметр {key} не может быть пустым")
        values.setdefault(name, []).append((modifier or None, value))
        kept.append((key, value))
    args = dict(pairs)
    return Query(values, _int_param(args, "_offset", 0, None),
                 _int_param(args, "_count", default_count, MAX_COUNT), kept)


def _int_param(args: dict, name: str, default: int, maximum: int | None) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise bad_parameter(name, f"{name}: ожидается целое неотрицательное число")
    value = int(raw)
    return min(value, maximum) if maximum is not None else value


def split_values(value: str) -> list[str]:
    """A comma is an OR of values (``\\,`` is a literal comma)."""
    parts = re.split(r"(?<!\\),", value)
    return [p.replace("\\,", ",") for p in parts if p]


def token(value: str) -> tuple[str | None, str]:
    """``system|code``, ``|code`` (no system) or ``code`` (any system)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def reference(name: str, value: str, types: tuple[str, ...], modifier: str | None = None
              ) -> tuple[str, str]:
    """(type, id) of ``Type/id``, a full URL ending in it, or a bare id with one allowed type."""
    if modifier:
        if modifier not in types:
            raise bad_parameter(name, f"{name}: тип ссылки {modifier} не поддерживается")
        return modifier, value
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] in types:
        return parts[-2], parts[-1]
    if len(parts) == 1 and len(types) == 1:
        return types[0], value
    raise bad_parameter(name, f"{name}: укажите ссылку вида {types[0]}/id")


def string_matches(modifier: str | None, wanted: str, *candidates: str | None) -> bool:
    """FHIR string search: starts with (default), ``:contains`` or ``:exact``."""
    for text in candidates:
        if not text:
            continue
        if modifier == "exact":
            if text == wanted:
                return True
            continue
        folded, needle = text.casefold(), wanted.casefold()
        if folded.startswith(needle) if modifier is None else needle in folded:
            return True
    return False


@dataclass(frozen=True)
class DateFilter:
    prefix: str
    low: datetime   # the value's range is [low, high)
    high: datetime

    def matches(self, moment: datetime) -> bool:
        inside = self.low <= moment < self.high
        return {"eq": inside, "ne": not inside, "ge": moment >= self.low,
                "gt": moment >= self.high, "le": moment < self.high,
                "lt": moment < self.low}[self.prefix]


def date_filter(name: str, value: str, zone: tzinfo) -> DateFilter:
    """``[prefix]YYYY-MM-DD`` or a dateTime; without an offset the organization's zone applies."""
    prefix = value[:2] if value[:2].isalpha() else "eq"
    if value[:2].isalpha() and prefix not in DATE_PREFIXES:
        raise bad_parameter(name, f"{name}: префикс {value[:2]} не поддерживается")
    text = value[2:] if value[:2].isalpha() else value
    found = DATE_VALUE.match(text)
    if not found:
        raise bad_parameter(name, f"{name}: ожидается дата ГГГГ-ММ-ДД или дата и время ISO 8601")
    try:
        day = date.fromisoformat(found["date"])
        if found["time"] is None:
            low = datetime.combine(day, time(0), zone)
            return DateFilter(prefix, low, low + timedelta(days=1))
        moment = datetime.fromisoformat(f"{found['date']}T{found['time']}"
                                        f"{(found['tz'] or '').replace('Z', '+00:00')}")
    except ValueError:
        raise bad_parameter(name, f"{name}: такой даты нет") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    step = timedelta(seconds=1) if found["time"].count(":") == 2 else timedelta(minutes=1)
    return DateFilter(prefix, moment, moment + step)


def date_window(filters: list[DateFilter], today_start: datetime, default_days: int
                ) -> tuple[datetime, datetime]:
    """The [from, to) period the filters allow, defaulting to ``default_days`` from today."""
    low = max((f.low if f.prefix in ("eq", "ge") else f.high
               for f in filters if f.prefix in ("eq", "ge", "gt")), default=None)
    high = min((f.high if f.prefix in ("eq", "le") else f.low
                for f in filters if f.prefix in ("eq", "le", "lt")), default=None)
    if low is None:
        low = today_start
    if high is None:
        high = low + timedelta(days=default_days)
    return low, high


def too_costly(message: str) -> FhirError:
    return FhirError(400, message, "too-costly")
