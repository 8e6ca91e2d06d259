"""Validation of a region file (format ``registratura-region/1``, docs/internal-contracts.md).

The whole document is checked before anything is written, and every problem is reported with its
place as a JSON path (``organizations[3].doctors[12].service_ids[0]: неизвестная услуга 'svc-x'``),
so that a regional editor fixes the file in one pass. Unknown keys are ignored (forward
compatibility); missing optional keys take the defaults of domain.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .org_settings import HHMM, is_int, setting_errors

FORMAT = "registratura-region/1"
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT_MINUTES = (5, 240)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RegionFileInvalid(Exception):
    """The region file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the region file")
        self.problems = problems


def valid_timezone(name) -> bool:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


@dataclass
class _Checker:
    problems: list[Problem] = field(default_factory=list)
    # Ids seen so far, per kind, with the path of their first occurrence.
    seen: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(self, value, path: str) -> bool:
        if not isinstance(value, dict):
            self.add(path, "ожидается объект")
            return False
        return True

    def items(self, parent: dict, key: str, path: str, required: bool = True) -> list:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(path, "обязательное поле (список)")
            return []
        if not isinstance(value, list):
            self.add(path, "ожидается список")
            return []
        return value

    def text(self, parent: dict, key: str, path: str, *, max_len: int = 500,
             required: bool = True, allow_empty: bool = False) -> str | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(path, "обязательное поле")
            return None
        if not isinstance(value, str):
            self.add(path, "ожидается строка")
            return None
        if not value.strip() and not allow_empty:
            self.add(path, "не может быть пустым")
            return None
        if len(value) > max_len:
            self.add(path, f"длиннее {max_len} символов")
            return None
        return value

    def flag(self, parent: dict, key: str, path: str, default: bool) -> None:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            self.add(path, "ожидается true или false")

    def new_id(self, parent: dict, path: str, kind: str, label: str) -> str | None:
        value = self.text(parent, "id", path + ".id", max_len=64)
        if value is None:
            return None
        if not ID_PATTERN.match(value):
            self.add(path + ".id", "допустимы латинские буквы, цифры, '-', '_' и '.'")
            return None
        known = self.seen.setdefault(kind, {})
        if value in known:
            self.add(path + ".id", f"повтор {label} '{value}' (уже есть в {known[value]})")
            return None
        known[value] = path
        return value

    def reference(self, parent: dict, key: str, path: str, allowed, label: str,
                  required: bool = True) -> None:
        value = parent.get(key)
        if value is None and not required:
            return
        if not isinstance(value, str) or not value:
            self.add(path, "обязательная ссылка (строка)" if value is None else "ожидается строка")
            return
        if value not in allowed:
            self.add(path, f"неизвестный {label} '{value}'")


def validate_region(document) -> list[Problem]:
    """Every problem of the document (empty list: the file can be imported)."""
    check = _Checker()
    if not check.obj(document, "$"):
        return check.problems
    if document.get("format") != FORMAT:
        check.add("format", f"ожидается '{FORMAT}'")
    check.text(document, "region", "region", max_len=255)
    if "timezone" in document and not valid_timezone(document["timezone"]):
        check.add("timezone", f"неизвестный часовой пояс {document['timezone']!r}")
    for index, district in enumerate(check.items(document, "districts", "districts")):
        path = f"districts[{index}]"
        if check.obj(district, path):
            check.new_id(district, path, "district", "района")
            check.text(district, "name", path + ".name", max_len=255)
    for index, org_type in enumerate(check.items(document, "organization_types",
                                                 "organization_types")):
        path = f"organization_types[{index}]"
        if check.obj(org_type, path):
            check.new_id(org_type, path, "type", "типа")
            check.text(org_type, "name", path + ".name", max_len=255)
    districts = set(check.seen.get("district", {}))
    types = set(check.seen.get("type", {}))
    for index, org in enumerate(check.items(document, "organizations", "organizations")):
        path = f"organizations[{index}]"
        if check.obj(org, path):
            _check_organization(check, org, path, districts, types)
    return check.problems


def _check_organization(check: _Checker, org: dict, path: str, districts, types) -> None:
    check.new_id(org, path, "organization", "организации")
    check.text(org, "name", path + ".name")
    check.text(org, "short_name", path + ".short_name", max_len=255)
    check.text(org, "address", path + ".address")
    check.text(org, "phone", path + ".phone", max_len=64, required=False, allow_empty=True)
    check.reference(org, "district_id", path + ".district_id", districts, "район")
    check.reference(org, "type_id", path + ".type_id", types, "тип организации")
    if "timezone" in org and not valid_timezone(org["timezone"]):
        check.add(path + ".timezone", f"неизвестный часовой пояс {org['timezone']!r}")
    settings = org.get("settings")
    if settings is not None and check.obj(settings, path + ".settings"):
        for key, message in setting_errors(settings).items():
            check.add(f"{path}.settings.{key}", message)
    subdivisions = set()
    for index, sub in enumerate(check.items(org, "subdivisions", path + ".subdivisions",
                                            required=False)):
        sub_path = f"{path}.subdivisions[{index}]"
        if check.obj(sub, sub_path):
            sub_id = check.new_id(sub, sub_path, "subdivision", "подразделения")
            check.text(sub, "name", sub_path + ".name")
            check.text(sub, "address", sub_path + ".address", required=False, allow_empty=True)
            if sub_id:
                subdivisions.add(sub_id)
    services = set()
    for index, service in enumerate(check.items(org, "services", path + ".services")):
        svc_path = f"{path}.services[{index}]"
        if check.obj(service, svc_path):
            svc_id = check.new_id(service, svc_path, "service", "услуги")
            check.text(service, "name", svc_path + ".name")
            check.text(service, "specialty", svc_path + ".specialty", max_len=255)
            check.flag(service, "self_bookable", svc_path + ".self_bookable", True)
            check.flag(service, "paid", svc_path + ".paid", False)
            check.flag(service, "requires_attachment", svc_path + ".requires_attachment", False)
            check.flag(service, "requires_referral", svc_path + ".requires_referral", False)
            if svc_id:
                services.add(svc_id)
    for index, doctor in enumerate(check.items(org, "doctors", path + ".doctors")):
        doc_path = f"{path}.doctors[{index}]"
        if check.obj(doctor, doc_path):
            _check_doctor(check, doctor, doc_path, subdivisions, services)


def _check_doctor(check: _Checker, doctor: dict, path: str, subdivisions, services) -> None:
    check.new_id(doctor, path, "doctor", "врача")
    check.text(doctor, "last_name", path + ".last_name", max_len=128)
    check.text(doctor, "first_name", path + ".first_name", max_len=128)
    # Not everyone has a patronymic.
    check.text(doctor, "middle_name", path + ".middle_name", max_len=128, required=False,
               allow_empty=True)
    check.text(doctor, "specialty", path + ".specialty", max_len=255)
    check.reference(doctor, "subdivision_id", path + ".subdivision_id", subdivisions,
                    "подразделение этой организации", required=False)
    check.text(doctor, "room", path + ".room", max_len=64, required=False, allow_empty=True)
    service_ids = check.items(doctor, "service_ids", path + ".service_ids")
    if "service_ids" in doctor and isinstance(doctor["service_ids"], list) and not service_ids:
        check.add(path + ".service_ids", "врач должен оказывать хотя бы одну услугу")
    for index, service_id in enumerate(service_ids):
        item = f"{path}.service_ids[{index}]"
        if not isinstance(service_id, str):
            check.add(item, "ожидается строка")
        elif service_id not in services:
            check.add(item, f"неизвестная услуга '{service_id}' (нет среди услуг этой организации)")
        elif service_ids.index(service_id) != index:
            check.add(item, f"услуга '{service_id}' указана дважды")
    for index, area in enumerate(check.items(doctor, "areas", path + ".areas", required=False)):
        if not isinstance(area, str) or not area.strip() or len(area) > 32:
            check.add(f"{path}.areas[{index}]", "номер участка: непустая строка до 32 символов")
    schedule = doctor.get("schedule")
    if schedule is not None and check.obj(schedule, path + ".schedule"):
        _check_schedule(check, schedule, path + ".schedule")


def _interval(check: _Checker, value, path: str) -> tuple[int, int] | None:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, str) and HHMM.match(v) for v in value)):
        check.add(path, 'ожидается ["ЧЧ:ММ", "ЧЧ:ММ"]')
        return None
    start, end = minutes(value[0]), minutes(value[1])
    if start >= end:
        check.add(path, "начало должно быть раньше конца")
        return None
    return start, end


def _check_schedule(check: _Checker, schedule: dict, path: str) -> None:
    slot = schedule.get("slot_minutes")
    low, high = SLOT_MINUTES
    if not is_int(slot) or not low <= slot <= high:
        check.add(path + ".slot_minutes", f"целое число минут от {low} до {high}")
    week = schedule.get("week")
    if week is None or not isinstance(week, dict):
        check.add(path + ".week", "ожидается объект с днями mon..sun")
    else:
        for day, value in week.items():
            if day not in WEEK_DAYS:
                check.add(f"{path}.week.{day}", "день недели: mon, tue, wed, thu, fri, sat, sun")
            elif value is not None:
                _interval(check, value, f"{path}.week.{day}")
    for index, pause in enumerate(check.items(schedule, "breaks", path + ".breaks",
                                              required=False)):
        _interval(check, pause, f"{path}.breaks[{index}]")
    quota = schedule.get("quota")
    if quota is not None and check.obj(quota, path + ".quota"):
        for key, value in quota.items():
            if not key.endswith("_percent") or not is_int(value) or not 0 <= value <= 100:
                check.add(f"{path}.quota.{key}", "процент: целое число от 0 до 100")
