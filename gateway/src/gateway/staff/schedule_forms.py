"""Schedule forms: the weekly template, the channel quota and absences (parse and check)."""
from __future__ import annotations

import re

from .forms import date_error, parse_date

WEEK = (("mon", "Понедельник"), ("tue", "Вторник"), ("wed", "Среда"), ("thu", "Четверг"),
        ("fri", "Пятница"), ("sat", "Суббота"), ("sun", "Воскресенье"))
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
BREAK = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")


def _hhmm(value: str) -> str:
    value = value.strip()
    return ("0" + value) if re.fullmatch(r"\d:\d\d", value) else value


def template_values(template: dict) -> dict:
    """The service's template -> form values."""
    values = {"slot_minutes": str(template.get("slot_minutes") or 15)}
    week = template.get("week") or {}
    for key, _ in WEEK:
        interval = week.get(key)
        ok = isinstance(interval, (list, tuple)) and len(interval) == 2
        values[f"{key}_start"] = interval[0] if ok else ""
        values[f"{key}_end"] = interval[1] if ok else ""
    breaks = template.get("breaks") or []
    values["breaks"] = "\n".join(f"{b[0]}–{b[1]}" for b in breaks
                                 if isinstance(b, (list, tuple)) and len(b) == 2)
    return values


def read_template(form) -> tuple[dict, dict, dict]:
    """Form -> (values to redraw, errors by field, body for PUT .../template)."""
    values = {"slot_minutes": form.get("slot_minutes", "").strip(),
              "breaks": form.get("breaks", "").strip()}
    errors: dict[str, str] = {}
    week: dict[str, list[str] | None] = {}
    for key, _ in WEEK:
        start, end = _hhmm(form.get(f"{key}_start", "")), _hhmm(form.get(f"{key}_end", ""))
        values[f"{key}_start"], values[f"{key}_end"] = start, end
        if not start and not end:
            week[key] = None
        elif not (TIME.match(start) and TIME.match(end)):
            errors[key] = "Время в формате ЧЧ:ММ, оба поля, или оба пустые (выходной)"
        elif start >= end:
            errors[key] = "Начало приёма должно быть раньше конца"
        else:
            week[key] = [start, end]
    try:
        minutes = int(values["slot_minutes"])
        if not 5 <= minutes <= 120:
            raise ValueError
    except ValueError:
        errors["slot_minutes"] = "Длительность приёма — целое число минут от 5 до 120"
        minutes = 0
    breaks = []
    for line in filter(None, (ln.strip() for ln in values["breaks"].splitlines())):
        found = BREAK.match(line)
        start, end = (_hhmm(found.group(1)), _hhmm(found.group(2))) if found else ("", "")
        if not (TIME.match(start) and TIME.match(end)) or start >= end:
            errors["breaks"] = f"Перерыв «{line}»: укажите как 11:00–11:15"
            break
        breaks.append([start, end])
    if not any(week.values()) and "slot_minutes" not in errors and not errors:
        errors["week"] = "Укажите хотя бы один рабочий день"
    return values, errors, {"slot_minutes": minutes, "week": week, "breaks": breaks}


def read_quota(form) -> tuple[dict, str | None]:
    raw = form.get("reception_percent", "").strip()
    try:
        percent = int(raw)
        if not 0 <= percent <= 100:
            raise ValueError
    except ValueError:
        return {}, "Доля для регистратуры — целое число процентов от 0 до 100"
    return {"reception_percent": percent}, None


def read_absence(form) -> tuple[dict, dict, dict]:
    values = {name: form.get(name, "").strip() for name in ("from", "to", "reason")}
    values["to"] = values["to"] or values["from"]
    errors = {}
    parsed = {name: parse_date(values[name]) for name in ("from", "to")}
    for name, what in (("from", "Начало периода"), ("to", "Конец периода")):
        if parsed[name] is None:
            errors[name] = date_error(what, "01.12.2026")
    if not errors and parsed["from"] > parsed["to"]:
        errors["to"] = "Конец периода раньше начала"
    if not values["reason"]:
        errors["reason"] = "Укажите причину (больничный, отпуск…)"
    body = {"from": parsed["from"] and parsed["from"].isoformat(),
            "to": parsed["to"] and parsed["to"].isoformat(), "reason": values["reason"]}
    return values, errors, body
