"""What the auth use cases (services.py, registry.py, consents.py, claims.py, links.py,
links_registry.py) need from the
outside: the records of the auth database (one unit of work per transaction, the login limits'
counters included), the token issuer, the revocation list and the registry's audit trail.
Real adapters: ``adapters/uow.py`` (SQL, with ``adapters/limiter.py``, ``patients_db.py`` and
``links_db.py``),
``adapters/tokens.py``, ``adapters/audit_db.py``; unit tests pass in-memory fakes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from .domain.actor import Actor
from .domain.login import Limit
from .domain.patients import Attachment, PatientData, Policy

Row = Any  # a record with attribute access (a SQLAlchemy row or a namespace in the fakes)
LimitKeys = list[tuple[Limit, str]]


class AuthUnitOfWork(Protocol):
    """One transaction of the auth database: ``with records.unit_of_work() as uow: ...``
    commits when the block ends without an error and rolls back otherwise."""

    def __enter__(self) -> "AuthUnitOfWork": ...

    def __exit__(self, *exc) -> None: ...

    # --- login limits (adapters/limiter.py) ---------------------------------------------------
    def lock_login_keys(self, keys: LimitKeys) -> None:
        """Create-if-missing and lock the counters of ``keys`` until the unit ends."""

    def check_login_keys(self, keys: LimitKeys, now: datetime) -> None:
        """Raise TooManyAttempts while any key is locked out."""

    def record_login_attempt(self, keys: LimitKeys, succeeded: bool, now: datetime) -> None: ...

    def unlock_logins(self, entries: list[tuple[str, str]], now: datetime) -> int:
        """Lift the lockouts of every (kind, key prefix); how many keys were unlocked."""

    # --- patients -------------------------------------------------------------------------------
    def find_by_policy(self, policy: Policy) -> Row | None:
        """The patient row (id, names, birth_date, ...) holding exactly this policy."""

    def identity_numbers(self, patient_id: str, doc_type: str) -> list[str]: ...

    def load_patient(self, patient_id: str) -> dict | None:
        """The full card as the API answers it."""

    def policy_taken(self, policy: Policy, except_id: str | None = None) -> bool: ...

    def insert_patient(self, data: PatientData) -> str:
        """The new id; raises DuplicatePatient when the policy's unique index refuses it."""

    def update_patient(self, patient_id: str, data: PatientData) -> None:
        """Raises DuplicatePatient when the policy's unique index refuses the change."""

    def attach(self, patient_id: str, attachment: Attachment) -> None: ...

    def search_patients(self, *, policy_number: str | None, last_name: str | None,
                        birth_date: date | None, organization_id: str | None) -> list[dict]: ...

    def attached_organizations(self, patient_id: str) -> set[str]: ...

    def attachment_links(self, patient_id: str) -> list[tuple[str, str | None]]: ...

    def patient_contact(self, patient_id: str) -> Row | None:
        """phone, email and policy_number of the patient."""

    def accepted_consent_version(self, patient_id: str) -> str | None: ...

    def add_consent(self, entry: dict) -> None: ...

    # --- family links (adapters/links_db.py) ------------------------------------------------------
    def insert_link(self, *, holder_id: str, subject_id: str, kind: str, status: str,
                    confirmed_by: str | None = None) -> str: ...

    def get_link(self, link_id: str) -> Row | None: ...

    def open_links_between(self, holder_id: str, subject_id: str) -> list[Row]: ...

    def links_of(self, patient_id: str) -> list[Row]:
        """Every link where the patient is holder, and every open one where they are subject."""

    def links_touching(self, patient_id: str) -> list[Row]:
        """Every link of the patient, on either side."""

    def set_link_status(self, link_id: str, *, status: str, from_statuses: tuple[str, ...],
                        confirmed_by: str | None = None, end_reason: str | None = None) -> bool:
        """Move the link on (only from ``from_statuses``): whether it moved."""

    def people(self, ids: set[str]) -> dict[str, dict]:
        """id → {id, full_name, birth_date} of the patients named."""

    def birth_certificates(self, patient_id: str) -> list[str]: ...

    # --- staff ------------------------------------------------------------------------------------
    def active_staff(self, login: str) -> Row | None:
        """The active account (id, role, full_name, organization_id, password_hash)."""


class AuthRecords(Protocol):
    def unit_of_work(self) -> AuthUnitOfWork: ...


class TokenIssuer(Protocol):
    def issue(self, *, subject: str, role: str, name: str, ttl: int,
              organization_id: str | None = None, staff: bool = False,
              extra: dict | None = None) -> tuple[str, int]: ...


class Revocations(Protocol):
    def revoke(self, jti: str, expires_at: int) -> None: ...


class Audit(Protocol):
    def record(self, actor: Actor, action: str, outcome: str, *, patient_id: str | None = None,
               result_count: int | None = None) -> None: ...


class PasswordVerifier(Protocol):
    def verify(self, stored_hash: str, password: str) -> bool:
        """True, or raises argon2's VerificationError / InvalidHashError."""
