"""The auth service's tables (SQLAlchemy Core): registry, staff, keys, attempts, consents, ESIA."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, UniqueConstraint)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

TS = DateTime(timezone=True)

patients = Table(
    "patients", metadata,
    Column("id", String(36), primary_key=True),
    Column("last_name", String(100), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("middle_name", String(100)),
    Column("last_name_key", String(100), nullable=False, index=True),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("policy_type", String(32), nullable=False),
    Column("policy_series", String(10), nullable=False, server_default=""),
    Column("policy_number", String(20), nullable=False, index=True),
    Column("snils", String(11), index=True),
    Column("esia_oid", String(64), unique=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("policy_type", "policy_series", "policy_number", name="uq_patients_policy"),
)

identity_documents = Table(
    "identity_documents", metadata,
    Column("patient_id", String(36), ForeignKey("patients.id", ondelete="CASCADE"),
           primary_key=True),
    Column("type", String(32), primary_key=True),
    Column("number", String(40), nullable=False),
    Index("ix_identity_documents_type_number", "type", "number"),
)

attachments = Table(
    "attachments", metadata,
    Column("patient_id", String(36), ForeignKey("patients.id", ondelete="CASCADE"),
           primary_key=True),
    Column("organization_id", String(64), primary_key=True),
    Column("area", String(32)),
    Column("attached_at", TS, nullable=False),
    Index("ix_attachments_organization_id", "organization_id"),
)

staff = Table(
    "staff", metadata,
    Column("id", String(36), primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("organization_id", String(64)),
    Column("full_name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", TS, nullable=False),
)

signing_keys = Table(
    "signing_keys", metadata,
    Column("kid", String(64), primary_key=True),
    # PKCS#8 PEM, encrypted with AUTH_KEY_ENCRYPTION_SECRET when set; never logged.
    Column("private_pem", Text, nullable=False),
    Column("encrypted", Boolean, nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("retired_at", TS),
)

revoked_tokens = Table(
    "revoked_tokens", metadata,
    Column("jti", String(64), primary_key=True),
    Column("expires_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=False, index=True),
)

# Every token of a subject issued at or before ``not_before`` is revoked (a deactivated staff
# member); the row can go once ``expires_at`` (not_before + the longest token life) has passed.
subject_revocations = Table(
    "subject_revocations", metadata,
    Column("subject", String(36), primary_key=True),
    Column("not_before", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=False, index=True),
)

# Who read or changed which registry record, when, with what outcome: ids only, no personal data.
registry_audit = Table(
    "registry_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", TS, nullable=False, index=True),
    Column("actor_id", String(36), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_organization_id", String(64)),
    Column("action", String(16), nullable=False),  # search|read|register|edit|lookup|attach|unlock
    Column("outcome", String(16), nullable=False),  # ok | not_found | forbidden | duplicate
    Column("patient_id", String(36), index=True),
    Column("result_count", Integer),
    Column("client_ip", String(64)),
)

# Every well-formed login attempt (success or failure), the source of the limits.
login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # policy | staff | address
    Column("key", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_login_attempts_kind_key_created_at", "kind", "key", "created_at"),
)

# One row per limited key: the row that is locked while counting (race-free across instances),
# and the current lockout with how many lockouts came before (the lockout grows).
login_locks = Table(
    "login_locks", metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("locked_until", TS),
    Column("lockouts", Integer, nullable=False, server_default="0"),
)

consents = Table(
    "consents", metadata,
    Column("id", String(36), primary_key=True),
    Column("patient_id", String(36), index=True),
    Column("session_id", String(128), index=True),
    Column("action", String(16), nullable=False),  # accepted | withdrawn
    Column("version", String(32), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("ip", String(64)),
    Column("user_agent", String(512)),
)

esia_states = Table(
    "esia_states", metadata,
    Column("state", String(36), primary_key=True),
    Column("redirect_uri", String(1000), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("used_at", TS),
)

# Family and proxy links (issue 12): the holder acts for the subject. A child's link is
# confirmed at once and stops at 18 (computed on read, never stored); an adult's waits for the
# adult or a registrar. ``confirmed_by``: "subject" or the registrar's staff id.
patient_links = Table(
    "patient_links", metadata,
    Column("id", String(36), primary_key=True),
    Column("holder_patient_id", String(36), ForeignKey("patients.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("subject_patient_id", String(36), ForeignKey("patients.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # child | adult
    Column("status", String(16), nullable=False),  # pending | confirmed | ended
    Column("created_at", TS, nullable=False),
    Column("confirmed_by", String(36)),
    Column("confirmed_at", TS),
    Column("ended_at", TS),
    Column("end_reason", String(32)),  # holder | subject | registry | subject_adult
)
