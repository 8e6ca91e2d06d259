"""Demo and benchmark data (embedded mode only): staff, fictional patients with valid documents."""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from regcommon.db import new_id, session_scope, utcnow

from .adapters import patients_db
from .adapters.tables import attachments, patients, staff
from .domain.documents import luhn_valid, normalize_old_policy_series, snils_checksum
from .domain.fields import search_key
from .domain.patients import Attachment, PatientData, Policy
from .services import Context

DEMO_STAFF = [
    {"login": "registrar", "password": "registrar-demo", "role": "registrar",
     "organization_id": "o-0001", "full_name": "Белова Ирина Сергеевна"},
    {"login": "admin", "password": "admin-demo", "role": "admin", "organization_id": None,
     "full_name": "Орлов Павел Андреевич"},
]

# Fictional people. Иванова and Петров are also users of the ESIA emulator (matched by SNILS and
# by policy respectively); Сидоров exists only in the emulator (the "register at reception" case).
DEMO_PATIENTS = [
    {"last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
     "birth_date": "1985-03-14", "sex": "F", "phone": "+79220000001",
     "email": "ivanova.demo@example.org",
     "policy": Policy("oms_unified", "", "5680784863159153"),
     "identity_documents": [("snils", "11223344595"), ("passport", "5309123456")]},
    {"last_name": "Петров", "first_name": "Сергей", "middle_name": "Николаевич",
     "birth_date": "1972-11-02", "sex": "M", "phone": "+79220000002", "email": None,
     "policy": Policy("oms_unified", "", "5649309309826023"),
     "identity_documents": [("passport", "5310654321")]},
    {"last_name": "Кузнецова", "first_name": "Анна", "middle_name": "Викторовна",
     "birth_date": "1958-07-21", "sex": "F", "phone": "+79220000003", "email": None,
     "policy": Policy("oms_old", normalize_old_policy_series("ОРБ"), "123456789012"),
     "identity_documents": [("social_card", "9643100012345676")]},
    {"last_name": "Смирнов", "first_name": "Дмитрий", "middle_name": "Алексеевич",
     "birth_date": "1999-01-30", "sex": "M", "phone": "+79220000004", "email": None,
     "policy": Policy("temporary_certificate", "", "560123456"),
     "identity_documents": [("passport", "5319777888")]},
    {"last_name": "Волкова", "first_name": "Ксения", "middle_name": "Игоревна",
     "birth_date": "2015-05-09", "sex": "F", "phone": "+79220000005", "email": None,
     "policy": Policy("oms_unified", "", "5600000000000003"),
     "identity_documents": [("birth_certificate", "IV-РА 654321")]},
]


def _add_staff(ctx: Context, session, entry: dict) -> bool:
    login = entry["login"].casefold()
    if session.execute(select(staff.c.id).where(staff.c.login == login)).first():
        return False
    session.execute(insert(staff).values(
        id=new_id(), login=login, password_hash=ctx.hasher.hash(entry["password"]),
        role=entry["role"], organization_id=entry["organization_id"],
        full_name=entry["full_name"], active=True, created_at=utcnow()))
    return True


def create_staff(ctx: Context, *, login: str, password: str, role: str,
                 organization_id: str | None, full_name: str) -> bool:
    if role not in ("registrar", "admin"):
        raise ValueError("role must be registrar or admin")
    if role == "registrar" and not organization_id:
        raise ValueError("a registrar needs --organization-id")
    with session_scope(ctx.sessions) as session:
        return _add_staff(ctx, session, {"login": login, "password": password, "role": role,
                                         "organization_id": organization_id,
                                         "full_name": full_name})


def seed_demo(ctx: Context, organization_id: str = "o-0001", area: str = "1") -> list[dict]:
    """Idempotent: existing staff and patients (same policy) are left as they are."""
    created = []
    with session_scope(ctx.sessions) as session:
        for entry in DEMO_STAFF:
            _add_staff(ctx, session, entry)
        for entry in DEMO_PATIENTS:
            data = PatientData(**{k: v for k, v in entry.items() if k != "birth_date"},
                               birth_date=date.fromisoformat(entry["birth_date"]),
                               attachment=Attachment(organization_id, area))
            if not patients_db.policy_taken(session, data.policy):
                patients_db.insert_patient(session, data)
            created.append({"full_name": f"{entry['last_name']} {entry['first_name']} "
                                         f"{entry['middle_name']}",
                            "birth_date": entry["birth_date"],
                            "document_type": data.policy.type,
                            "policy_series": data.policy.series or None,
                            "policy_number": data.policy.number,
                            "identity_documents": [{"type": t, "number": n}
                                                   for t, n in data.identity_documents]})
    return created


def _luhn_complete(prefix: str) -> str:
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def seed_bench_patients(ctx: Context, count: int, organization_id: str, out: Path,
                        seed: int | None = None) -> int:
    """N distinct valid patients in bulk inserts; their login data written to ``out``."""
    rng = random.Random(seed)
    base = rng.randrange(10**12, 8 * 10**12)  # one run's unused block of ЕНП numbers
    now = utcnow()
    logins, rows, links = [], [], []
    with session_scope(ctx.sessions) as session:
        for i in range(count):
            number = _luhn_complete("56" + str(base + i).zfill(13))
            birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 80))
            snils_head = f"{rng.randrange(2_000_000, 999_999_999):09d}"
            pid = new_id()
            rows.append({"id": pid, "last_name": "Тестов", "first_name": "Пациент",
                         "middle_name": f"Нагрузочный{i}", "last_name_key": search_key("Тестов"),
                         "birth_date": birth, "sex": "M" if i % 2 else "F", "phone": None,
                         "email": None, "policy_type": "oms_unified", "policy_series": "",
                         "policy_number": number,
                         "snils": snils_head + f"{snils_checksum(snils_head):02d}",
                         "esia_oid": None, "created_at": now, "updated_at": now})
            links.append({"patient_id": pid, "organization_id": organization_id, "area": "1",
                          "attached_at": now})
            logins.append({"document_type": "oms_unified", "policy_number": number,
                           "birth_date": birth.isoformat(), "patient_id": pid})
        for start in range(0, count, 1000):
            session.execute(insert(patients), rows[start:start + 1000])
            session.execute(insert(attachments), links[start:start + 1000])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"patients": logins}, ensure_ascii=False, indent=1), encoding="utf-8")
    return count

