"""Fakes of the auth ports (records with the login counters, token issuer, revocations, audit)
for the use-case unit tests: in memory, with a unit of work that rolls back on error and the
policy's uniqueness rule of the database."""
from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher

from auth.context import Context
from auth.domain.errors import DuplicatePatient, TooManyAttempts
from auth.domain.fields import full_name
from auth.settings import AuthSettings


class FakeRecords:
    """The patients, documents, attachments, consents, staff, links and login counters."""

    def __init__(self):
        self.patients: dict[str, dict] = {}
        self.documents: dict[str, list[tuple[str, str]]] = {}
        self.attachments: dict[str, list[tuple[str, str | None]]] = {}
        self.consents: list[dict] = []
        self.staff: dict[str, dict] = {}
        self.links: dict[str, dict] = {}
        self.failures: dict[tuple[str, str], list] = {}
        self.locked: dict[tuple[str, str], object] = {}
        self.attempts: list[tuple[str, str, bool]] = []
        self.units = 0

    def unit_of_work(self) -> "FakeUnitOfWork":
        return FakeUnitOfWork(self)

    def state(self) -> list:
        return [self.patients, self.documents, self.attachments, self.consents, self.staff,
                self.links, self.failures, self.locked, self.attempts]

    def restore(self, saved: list) -> None:
        (self.patients, self.documents, self.attachments, self.consents, self.staff,
         self.links, self.failures, self.locked, self.attempts) = saved

    def add_patient(self, *, policy=("oms_unified", "", "1234567890123456"), last_name="Иванова",
                    first_name="Анна", middle_name=None, birth_date=None, phone=None,
                    email=None, documents=(), organization_id=None) -> str:
        patient_id = str(uuid.uuid4())
        self.patients[patient_id] = {
            "id": patient_id, "last_name": last_name, "first_name": first_name,
            "middle_name": middle_name, "birth_date": birth_date, "sex": "female",
            "phone": phone, "email": email, "policy_type": policy[0],
            "policy_series": policy[1], "policy_number": policy[2]}
        self.documents[patient_id] = list(documents)
        self.attachments[patient_id] = [(organization_id, None)] if organization_id else []
        return patient_id

    def add_staff(self, login: str, password_hash: str, *, role="registrar",
                  organization_id="org-1", active=True) -> str:
        staff_id = str(uuid.uuid4())
        self.staff[login] = {"id": staff_id, "login": login, "role": role,
                             "full_name": "Петрова Ольга", "organization_id": organization_id,
                             "password_hash": password_hash, "active": active}
        return staff_id


class FakeUnitOfWork:
    def __init__(self, records: FakeRecords):
        self.r = records
        self.saved = None

    def __enter__(self) -> "FakeUnitOfWork":
        self.r.units += 1
        self.saved = copy.deepcopy(self.r.state())
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:  # roll back: everything as it was when the unit began
            self.r.restore(self.saved)

    # --- login limits: N failures within the window lock the key ---------------------------------
    def lock_login_keys(self, keys) -> None:
        pass

    def check_login_keys(self, keys, now) -> None:
        retry = max((int((self.r.locked[(l.kind, k)] - now).total_seconds() + 0.999)
                     for l, k in keys if (l.kind, k) in self.r.locked
                     and self.r.locked[(l.kind, k)] > now), default=0)
        if retry:
            raise TooManyAttempts(retry)

    def record_login_attempt(self, keys, succeeded: bool, now) -> None:
        for limit, key in keys:
            self.r.attempts.append((limit.kind, key, succeeded))
            failures = self.r.failures.setdefault((limit.kind, key), [])
            if succeeded:
                if limit.kind != "address":
                    failures.clear()
                continue
            failures.append(now)
            recent = [t for t in failures if t >= now - timedelta(seconds=limit.window)]
            if len(recent) >= limit.max_failures:
                self.r.locked[(limit.kind, key)] = now + timedelta(
                    seconds=limit.lockout or limit.window)

    def unlock_logins(self, entries, now) -> int:
        unlocked = [(kind, key) for kind, prefix in entries
                    for (k, key) in list(self.r.failures) if k == kind and key.startswith(prefix)]
        for entry in unlocked:
            self.r.failures[entry] = []
            self.r.locked.pop(entry, None)
        return len(unlocked)

    # --- patients -------------------------------------------------------------------------------
    def _row(self, patient_id: str | None):
        row = self.r.patients.get(patient_id) if patient_id else None
        return SimpleNamespace(**row) if row else None

    def find_by_policy(self, policy):
        return self._row(next((pid for pid, p in self.r.patients.items() if (
            p["policy_type"], p["policy_series"], p["policy_number"]) == (
            policy.type, policy.series, policy.number)), None))

    def identity_numbers(self, patient_id: str, doc_type: str) -> list[str]:
        return [n for t, n in self.r.documents.get(patient_id, []) if t == doc_type]

    def load_patient(self, patient_id: str) -> dict | None:
        p = self.r.patients.get(patient_id)
        if p is None:
            return None
        return {"id": p["id"], "full_name": full_name(p["last_name"], p["first_name"],
                                                      p["middle_name"]),
                **{k: p[k] for k in ("last_name", "first_name", "middle_name", "sex", "phone",
                                     "email")},
                "birth_date": p["birth_date"].isoformat() if p["birth_date"] else None,
                "policy": {"type": p["policy_type"], "series": p["policy_series"] or None,
                           "number": p["policy_number"]},
                "identity_documents": [{"type": t, "number": n}
                                       for t, n in sorted(self.r.documents[patient_id])],
                "attachments": [{"organization_id": o, "area": a}
                                for o, a in self.attachment_links(patient_id)],
                "esia_linked": False}

    def policy_taken(self, policy, except_id: str | None = None) -> bool:
        row = self.find_by_policy(policy)
        return row is not None and row.id != except_id

    def insert_patient(self, data) -> str:
        if self.policy_taken(data.policy):
            raise DuplicatePatient()
        patient_id = self.r.add_patient(
            policy=(data.policy.type, data.policy.series, data.policy.number),
            last_name=data.last_name, first_name=data.first_name, middle_name=data.middle_name,
            birth_date=data.birth_date, phone=data.phone, email=data.email,
            documents=data.identity_documents or [])
        if data.attachment is not None:
            self.attach(patient_id, data.attachment)
        return patient_id

    def update_patient(self, patient_id: str, data) -> None:
        p = self.r.patients[patient_id]
        for key in ("last_name", "first_name", "middle_name", "birth_date", "phone", "email"):
            if key in data.present:
                p[key] = getattr(data, key)
        if data.policy is not None:
            p.update(policy_type=data.policy.type, policy_series=data.policy.series,
                     policy_number=data.policy.number)

    def attach(self, patient_id: str, attachment) -> None:
        links = [(o, a) for o, a in self.r.attachments[patient_id]
                 if o != attachment.organization_id]
        self.r.attachments[patient_id] = links + [(attachment.organization_id, attachment.area)]

    def search_patients(self, *, policy_number, last_name, birth_date, organization_id):
        found = [pid for pid, p in self.r.patients.items()
                 if (organization_id is None or organization_id in self.attached_organizations(pid))
                 and (not policy_number or p["policy_number"] == policy_number)
                 and (not last_name or p["last_name"].casefold() == last_name.casefold())
                 and (not birth_date or p["birth_date"] == birth_date)]
        return [self.load_patient(pid) for pid in found]

    def attached_organizations(self, patient_id: str) -> set[str]:
        return {o for o, _ in self.r.attachments.get(patient_id, [])}

    def attachment_links(self, patient_id: str):
        return sorted(self.r.attachments.get(patient_id, []))

    def patient_contact(self, patient_id: str):
        return self._row(patient_id)

    def accepted_consent_version(self, patient_id: str) -> str | None:
        mine = [c for c in self.r.consents if c["patient_id"] == patient_id]
        return mine[-1]["version"] if mine and mine[-1]["action"] == "accepted" else None

    def add_consent(self, entry: dict) -> None:
        self.r.consents.append(dict(entry))

    # --- family links -----------------------------------------------------------------------------
    def insert_link(self, *, holder_id, subject_id, kind, status, confirmed_by=None) -> str:
        link_id = str(uuid.uuid4())
        self.r.links[link_id] = {"id": link_id, "holder_patient_id": holder_id,
                                 "subject_patient_id": subject_id, "kind": kind,
                                 "status": status, "end_reason": None, "created_at": None,
                                 "confirmed_at": None, "ended_at": None,
                                 "confirmed_by": confirmed_by}
        return link_id

    def get_link(self, link_id: str):
        row = self.r.links.get(link_id)
        return SimpleNamespace(**row) if row else None

    def _links(self, keep) -> list:
        return [SimpleNamespace(**row) for row in self.r.links.values() if keep(row)]

    def open_links_between(self, holder_id: str, subject_id: str) -> list:
        return self._links(lambda r: r["holder_patient_id"] == holder_id
                           and r["subject_patient_id"] == subject_id and r["status"] != "ended")

    def links_of(self, patient_id: str) -> list:
        return self._links(lambda r: r["holder_patient_id"] == patient_id or (
            r["subject_patient_id"] == patient_id and r["status"] != "ended"))

    def links_touching(self, patient_id: str) -> list:
        return self._links(lambda r: patient_id in (r["holder_patient_id"],
                                                    r["subject_patient_id"]))

    def set_link_status(self, link_id: str, *, status, from_statuses, confirmed_by=None,
                        end_reason=None) -> bool:
        row = self.r.links.get(link_id)
        if row is None or row["status"] not in from_statuses:
            return False
        row.update(status=status, confirmed_by=confirmed_by or row["confirmed_by"],
                   end_reason=end_reason)
        return True

    def people(self, ids: set[str]) -> dict[str, dict]:
        return {pid: {"id": pid, "birth_date": p["birth_date"],
                      "full_name": full_name(p["last_name"], p["first_name"], p["middle_name"])}
                for pid, p in self.r.patients.items() if pid in ids}

    def birth_certificates(self, patient_id: str) -> list[str]:
        return self.identity_numbers(patient_id, "birth_certificate")

    # --- staff ------------------------------------------------------------------------------------
    def active_staff(self, login: str):
        row = self.r.staff.get(login)
        return SimpleNamespace(**row) if row and row["active"] else None


class FakeIssuer:
    def __init__(self):
        self.issued: list[dict] = []

    def issue(self, *, subject, role, name, ttl, organization_id=None, staff=False, extra=None):
        claims = {**(extra or {}), "sub": subject, "role": role, "name": name, "ttl": ttl}
        if staff:
            claims["organization_id"] = organization_id
        self.issued.append(claims)
        return f"token-{len(self.issued)}", ttl


class FakeRevocations:
    def __init__(self):
        self.revoked: dict[str, int] = {}

    def revoke(self, jti: str, expires_at: int) -> None:
        self.revoked[jti] = expires_at


class FakeAudit:
    def __init__(self):
        self.entries: list[dict] = []

    def record(self, actor, action, outcome, *, patient_id=None, result_count=None) -> None:
        self.entries.append({"actor": actor.id, "action": action, "outcome": outcome,
                             "patient_id": patient_id, "result_count": result_count})


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def ctx(hasher) -> Context:
    """A context over the fakes only: no database, no keys (``sessions`` is None)."""
    return Context(settings=AuthSettings(policy_key_secret="unit-test-secret-" * 2),
                   sessions=None, records=FakeRecords(), issuer=FakeIssuer(),
                   revocations=FakeRevocations(), audit=FakeAudit(), hasher=hasher,
                   dummy_hash=hasher.hash("no-such-staff"))
