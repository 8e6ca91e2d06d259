"""The auth records through a SQLAlchemy session (``ports.AuthRecords``): one unit of work is
one session and one transaction (commit on success, roll back on any error), over
``patients_db``'s and ``links_db``'s statements and the login limiter's counters."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import SessionUnitOfWork

from ..domain.errors import DuplicatePatient
from ..domain.patients import Attachment, PatientData, Policy
from . import links_db, patients_db
from .limiter import AttemptLimiter
from .tables import consents, patients, staff


class SqlAuthUnitOfWork(SessionUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session], limiter: AttemptLimiter):
        super().__init__(sessions)
        self.limiter = limiter

    # --- login limits ---------------------------------------------------------------------------
    def lock_login_keys(self, keys) -> None:
        self.limiter.lock_keys(self.session, keys)

    def check_login_keys(self, keys, now: datetime) -> None:
        self.limiter.check(self.session, keys, now)

    def record_login_attempt(self, keys, succeeded: bool, now: datetime) -> None:
        self.limiter.record(self.session, keys, succeeded, now)

    def unlock_logins(self, entries: list[tuple[str, str]], now: datetime) -> int:
        return self.limiter.unlock(self.session, entries, now)

    # --- patients ---------------------------------------------------------------------------------
    def find_by_policy(self, policy: Policy):
        return patients_db.find_by_policy(self.session, policy)

    def identity_numbers(self, patient_id: str, doc_type: str) -> list[str]:
        return patients_db.identity_numbers(self.session, patient_id, doc_type)

    def load_patient(self, patient_id: str) -> dict | None:
        return patients_db.load(self.session, patient_id)

    def policy_taken(self, policy: Policy, except_id: str | None = None) -> bool:
        return patients_db.policy_taken(self.session, policy, except_id=except_id)

    def insert_patient(self, data: PatientData) -> str:
        try:
            return patients_db.insert_patient(self.session, data)
        except IntegrityError:
            # Two registrars raced on the same policy: the unique index decided.
            raise DuplicatePatient() from None

    def update_patient(self, patient_id: str, data: PatientData) -> None:
        try:
            patients_db.update_patient(self.session, patient_id, data)
        except IntegrityError:
            raise DuplicatePatient() from None

    def attach(self, patient_id: str, attachment: Attachment) -> None:
        patients_db.attach(self.session, patient_id, attachment)

    def search_patients(self, *, policy_number: str | None, last_name: str | None,
                        birth_date: date | None, organization_id: str | None) -> list[dict]:
        return patients_db.search(self.session, policy_number=policy_number,
                                  last_name=last_name, birth_date=birth_date,
                                  organization_id=organization_id)

    def attached_organizations(self, patient_id: str) -> set[str]:
        return patients_db.attached_organizations(self.session, patient_id)

    def attachment_links(self, patient_id: str) -> list[tuple[str, str | None]]:
        return patients_db.attachment_links(self.session, patient_id)

    def patient_contact(self, patient_id: str):
        return self.session.execute(select(patients.c.phone, patients.c.email,
                                           patients.c.policy_number)
                                    .where(patients.c.id == patient_id)).first()

    def accepted_consent_version(self, patient_id: str) -> str | None:
        return patients_db.accepted_consent_version(self.session, patient_id)

    def add_consent(self, entry: dict) -> None:
        self.session.execute(insert(consents).values(**entry))

    # --- family links ---------------------------------------------------------------------------
    def insert_link(self, **values) -> str:
        return links_db.insert_link(self.session, **values)

    def get_link(self, link_id: str):
        return links_db.get(self.session, link_id)

    def open_links_between(self, holder_id: str, subject_id: str) -> list:
        return links_db.open_links_between(self.session, holder_id, subject_id)

    def links_of(self, patient_id: str) -> list:
        return links_db.links_of(self.session, patient_id)

    def links_touching(self, patient_id: str) -> list:
        return links_db.links_touching(self.session, patient_id)

    def set_link_status(self, link_id: str, **change) -> bool:
        return links_db.set_status(self.session, link_id, **change)

    def people(self, ids: set[str]) -> dict[str, dict]:
        return links_db.people(self.session, ids)

    def birth_certificates(self, patient_id: str) -> list[str]:
        return links_db.birth_certificates(self.session, patient_id)

    # --- staff ------------------------------------------------------------------------------------
    def active_staff(self, login: str):
        return self.session.execute(select(staff).where(
            staff.c.login == login, staff.c.active.is_(True))).first()


class SqlAuthRecords:
    def __init__(self, sessions: sessionmaker[Session], limiter: AttemptLimiter | None = None):
        self.sessions = sessions
        self.limiter = limiter or AttemptLimiter()

    def unit_of_work(self) -> SqlAuthUnitOfWork:
        return SqlAuthUnitOfWork(self.sessions, self.limiter)
