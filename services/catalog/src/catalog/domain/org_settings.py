"""Per-organization booking settings: defaults (domain.md) and their allowed ranges."""
from __future__ import annotations

import re

DEFAULTS = {
    "booking_horizon_days": 14,
    "day_opens_at": "07:00",
    "same_day_booking": False,
    "cancel_cutoff_hours": 0,
    # No-show rule (booking): this many no-shows within the window suspend online booking for
    # the given number of days; 0 switches the rule off.
    "no_show_limit": 0,
    "no_show_window_days": 90,
    "no_show_suspend_days": 30,
}
HORIZON_DAYS = (1, 90)
CANCEL_CUTOFF_HOURS = (0, 72)
NO_SHOW_LIMIT = (0, 20)
NO_SHOW_WINDOW_DAYS = (1, 365)
NO_SHOW_SUSPEND_DAYS = (1, 365)
# Integer settings checked by range alone: key → (low, high, unit in the message).
INT_RANGES = {
    "no_show_limit": (*NO_SHOW_LIMIT, "неявок"),
    "no_show_window_days": (*NO_SHOW_WINDOW_DAYS, "дней"),
    "no_show_suspend_days": (*NO_SHOW_SUSPEND_DAYS, "дней"),
}
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def is_int(value) -> bool:
    # bool is an int in Python, but true is not a number of days.
    return isinstance(value, int) and not isinstance(value, bool)


def setting_errors(values: dict) -> dict[str, str]:
    """Problems of the given settings (any subset of the keys), by key, in Russian."""
    errors: dict[str, str] = {}
    for key in values:
        if key not in DEFAULTS:
            errors[key] = "Неизвестная настройка"
    if "booking_horizon_days" in values:
        value = values["booking_horizon_days"]
        low, high = HORIZON_DAYS
        if not is_int(value) or not low <= value <= high:
            errors["booking_horizon_days"] = f"Целое число дней от {low} до {high}"
    if "day_opens_at" in values:
        value = values["day_opens_at"]
        if not isinstance(value, str) or not HHMM.match(value):
            errors["day_opens_at"] = "Время в формате ЧЧ:ММ, например 07:00"
    if "same_day_booking" in values and not isinstance(values["same_day_booking"], bool):
        errors["same_day_booking"] = "Должно быть true или false"
    if "cancel_cutoff_hours" in values:
        value = values["cancel_cutoff_hours"]
        low, high = CANCEL_CUTOFF_HOURS
        if not is_int(value) or not low <= value <= high:
            errors["cancel_cutoff_hours"] = f"Целое число часов от {low} до {high}"
    for key, (low, high, unit) in INT_RANGES.items():
        if key in values and (not is_int(values[key]) or not low <= values[key] <= high):
            errors[key] = f"Целое число {unit} от {low} до {high}"
    return errors


def with_defaults(values: dict | None) -> dict:
    merged = dict(DEFAULTS)
    merged.update(values or {})
    return merged
