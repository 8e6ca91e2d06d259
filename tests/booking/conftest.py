"""Fakes of the booking service's peers (schedule, catalog, auth), test tokens, a test clock and
an app factory over a real database. The fakes are race-free (a lock), like the real schedule."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from regcommon.http import UpstreamUnavailable

START_DAY_UTC = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # 08:00 in Yekaterinburg
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)  # 2026-12-01 08:00 local
CONSENT = "2026-01"
TZ_OFFSET = timedelta(hours=5)


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def iso_local(instant: datetime) -> str:
    return instant.astimezone(timezone(TZ_OFFSET)).isoformat()


class FakeSchedule:
    def __init__(self):
        self.slots: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.down = False  # every call raises UpstreamUnavailable (a timeout)
        self.take_lands_then_times_out = False  # the take succeeds but the answer is lost
        self.move_delay = 0.0
        self.move_lands_then_times_out = False  # the move succeeds but the answer is lost
        self.calls: list[tuple] = []

    def add_slot(self, slot_id: str, doctor_id: str, start: datetime, *, minutes: int = 15,
                 service_ids=None, organization_id: str = "o-1", status: str = "free",
                 channel: str = "any") -> str:
        self.slots[slot_id] = {"id": slot_id, "doctor_id": doctor_id,
                               "organization_id": organization_id, "start_utc": start,
                               "end_utc": start + timedelta(minutes=minutes), "status": status,
                               "channel": channel, "appointment_id": None,
                               "service_ids": list(service_ids or [])}
        return slot_id

    def _view(self, slot: dict) -> dict:
        out = {k: v for k, v in slot.items() if not k.endswith("_utc") and k != "taken_at"}
        out["start"], out["end"] = iso_local(slot["start_utc"]), iso_local(slot["end_utc"])
        return out

    def _check(self, op: str):
        self.calls.append((op,))
        if self.down:
            raise UpstreamUnavailable("schedule", "timeout")

    def get_slot(self, slot_id):
        self._check("get")
        slot = self.slots.get(slot_id)
        return self._view(slot) if slot else None

    @staticmethod
    def _channel_allows(slot: dict, channel: str) -> bool:
        """As the real schedule: reception takes any slot, the portal only any/portal ones."""
        return channel == "reception" or slot["channel"] in ("any", "portal")

    def take(self, slot_id, appointment_id, hold_id, channel):
        from booking.domain.errors import SlotNotFound, SlotUnavailable
        from booking.ports import TakenSlot

        self._check("take")
        with self.lock:
            slot = self.slots.get(slot_id)
            if slot is None:
                raise SlotNotFound()
            if slot["appointment_id"] != appointment_id:
                # As schedule: one appointment holds at most one slot (a unique index there).
                holds_other = any(s["appointment_id"] == appointment_id for s in self.slots.values())
                if slot["status"] != "free" or holds_other or not self._channel_allows(slot, channel):
                    raise SlotUnavailable()
                slot.update(status="taken", appointment_id=appointment_id,
                            taken_at=datetime.now(timezone.utc))
        if self.take_lands_then_times_out:
            raise UpstreamUnavailable("schedule", "timeout after take")
        return TakenSlot.from_answer(self._view(slot))

    def release(self, slot_id, appointment_id):
        self._check("release")
        with self.lock:
            slot = self.slots.get(slot_id)
            if slot and slot["appointment_id"] == appointment_id:
                slot.update(status="free", appointment_id=None, taken_at=None)

    def takes(self, *, since, after_id, older_than, limit):
        """As schedule's ``GET /internal/takes``: (taken_at, slot id) keyset order."""
        self._check("takes")
        until = datetime.now(timezone.utc) - timedelta(seconds=older_than)
        cursor = (datetime.fromisoformat(since), int(after_id)) if since else None
        with self.lock:
            rows = sorted((s["taken_at"], int(s["id"]), s["appointment_id"])
                          for s in self.slots.values()
                          if s.get("taken_at") is not None and s["taken_at"] <= until)
        rows = [r for r in rows if cursor is None or (r[0], r[1]) > cursor][:limit]
        return [{"slot_id": str(i), "appointment_id": a, "taken_at": t.isoformat()}
                for t, i, a in rows]

    def move(self, appointment_id, from_slot_id, to_slot_id, channel):
        from booking.domain.errors import SlotUnavailable

        self._check("move")
        time.sleep(self.move_delay)
        with self.lock:
            source, target = self.slots.get(from_slot_id), self.slots.get(to_slot_id)
            if target is not None and target["appointment_id"] == appointment_id:
                return self._view(target)  # already moved: a retry (as the real schedule)
            if (source is None or target is None or source["appointment_id"] != appointment_id
                    or target["status"] != "free" or not self._channel_allows(target, channel)):
                raise SlotUnavailable()
            source.update(status="free", appointment_id=None, taken_at=None)
            target.update(status="taken", appointment_id=appointment_id,
                          taken_at=datetime.now(timezone.utc))
        if self.move_lands_then_times_out:
            raise UpstreamUnavailable("schedule", "timeout after move")
        return self._view(target)

    def slot_of(self, appointment_id):
        self._check("slot_of")
        for slot in self.slots.values():
            if slot["appointment_id"] == appointment_id:
                return self._view(slot)
        return None

    def day_slots(self, doctor_id, service_id, day):
        return [{"id": s["id"], "start": iso_local(s["start_utc"]), "end": iso_local(s["end_utc"]),
                 "bookable": s["status"] == "free"}
                for s in sorted(self.slots.values(), key=lambda s: s["start_utc"])
                if s["doctor_id"] == doctor_id
                and s["start_utc"].astimezone(timezone(TZ_OFFSET)).date().isoformat() == day]


ORG = {"id": "o-1", "name": "ГБУЗ «Городская поликлиника № 1» г. Оренбурга",
       "short_name": "ГП № 1", "address": "г. Оренбург, ул. Советская, 1", "phone": "8-3532-00-00-01",
       "timezone": "Asia/Yekaterinburg", "district_id": "d-001",
       "settings": {"booking_horizon_days": 14, "day_opens_at": "07:00",
                    "same_day_booking": False, "cancel_cutoff_hours": 2}}
SERVICES = {
    "svc-ther": {"id": "svc-ther", "name": "Приём врача-терапевта участкового", "specialty": "Терапия",
                 "self_bookable": True, "paid": False, "requires_attachment": True},
    "svc-eye": {"id": "svc-eye", "name": "Приём врача-офтальмолога", "specialty": "Офтальмология",
                "self_bookable": True, "paid": False, "requires_attachment": False},
    "svc-xray": {"id": "svc-xray", "name": "Рентгенография", "specialty": "Рентгенология",
                 "self_bookable": False, "paid": False, "requires_attachment": False},
}
DOCTORS = {
    "doc-1": {"id": "doc-1", "full_name": "Иванова Анна Петровна", "specialty": "Терапия",
              "subdivision_id": "sd-1", "room": "101", "areas": ["1"], "service_ids": ["svc-ther"]},
    "doc-2": {"id": "doc-2", "full_name": "Петров Олег Ильич", "specialty": "Терапия",
              "subdivision_id": "sd-1", "room": "102", "areas": ["1"], "service_ids": ["svc-ther"]},
    "doc-3": {"id": "doc-3", "full_name": "Сидорова Вера Павловна", "specialty": "Офтальмология",
              "subdivision_id": "sd-1", "room": "201", "areas": [],
              "service_ids": ["svc-eye", "svc-xray"]},
}


class FakeCatalog:
    def __init__(self):
        self.org = dict(ORG)
        self.calls = 0

    def doctor_context(self, doctor_id, service_id, *, fresh=False):
        self.calls += 1
        doctor = DOCTORS.get(doctor_id)
        if doctor is None or service_id not in doctor["service_ids"]:
            return None
        return {"organization": self.org, "service": SERVICES[service_id], "doctor": doctor}

    def organization_services(self, organization_id):
        return list(SERVICES.values()) if organization_id == "o-1" else None


class FakeAuth:
    def __init__(self):
        self.patients: dict[str, dict] = {}
        self.consents: list[tuple] = []
        self.patient_calls = 0

    def add_patient(self, *, area: str | None = "1", attached: bool = True,
                    accepted: str | None = CONSENT) -> str:
        pid = str(uuid.uuid4())
        self.patients[pid] = {
            "id": pid, "full_name": "Кузнецов Иван Сергеевич", "last_name": "Кузнецов",
            "first_name": "Иван", "middle_name": "Сергеевич", "birth_date": "1980-05-01",
            "sex": "M", "phone": "+79870000000", "email": "patient@example.org",
            "policy": {"type": "oms_unified", "masked": "************9153"},
            "attachments": [{"organization_id": "o-1", "area": area}] if attached else [],
            "consent": {"current_version": CONSENT, "accepted_version": accepted}}
        return pid

    def patient(self, patient_id):
        self.patient_calls += 1
        return self.patients.get(patient_id)

    def claims(self, patient_id) -> dict:
        """What auth's ``patient_claims`` puts in this patient's token (internal-contracts.md)."""
        patient = self.patients.get(patient_id)
        if patient is None:
            return {}
        consent = patient["consent"]
        accepted = consent["accepted_version"]
        return {"attachments": [dict(a) for a in patient["attachments"]],
                "contact": {"email": patient["email"], "phone": patient["phone"],
                            "policy_last4": patient["policy"]["masked"][-4:]},
                "consent": accepted if accepted == consent["current_version"] else None}

    def accept_consent(self, patient_id, version, channel, ip, user_agent):
        from booking.domain.errors import ConsentRequired

        if version != CONSENT:
            raise ConsentRequired()
        self.consents.append((patient_id, version, channel))
        self.patients[patient_id]["consent"]["accepted_version"] = version


@pytest.fixture(scope="session")
def token_factory():
    """Signs RS256 tokens like auth does; returns (make_token, verifier)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jose import jwk, jwt

    from regcommon.jwt_verify import JwksCache, JwtVerifier

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = jwk.construct(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), "RS256")
    jwks = {"keys": [{**public.to_dict(), "kid": "test", "alg": "RS256", "use": "sig"}]}
    verifier = JwtVerifier(JwksCache(fetch=lambda: jwks), issuer="registratura-auth",
                           audience="registratura")

    def make(sub: str, role: str = "patient", organization_id: str | None = None,
             extra: dict | None = None) -> str:
        now = int(time.time())
        claims = {**(extra or {}), "iss": "registratura-auth", "aud": "registratura", "sub": sub,
                  "role": role, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 3600,
                  "name": "Тест"}
        if role != "patient":
            claims["organization_id"] = organization_id
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "test"})

    return make, verifier


class World:
    """A booking app over a migrated database, with its fakes and helpers."""

    def __init__(self, url: str, token_factory, *, migrated: bool = False):
        from regcommon.db import make_engine, migrate

        from booking.app import build_deps, create_app
        from booking.settings import BookingSettings

        if not migrated:
            migrate("booking", url)
        self.url = url
        self.settings = BookingSettings(database_url=url, idempotency_wait_seconds=5.0)
        self.engine = make_engine(url, pool_size=30)
        self.schedule, self.catalog, self.auth = FakeSchedule(), FakeCatalog(), FakeAuth()
        self.clock = Clock()
        self.deps = build_deps(self.settings, engine=self.engine, clock=self.clock,
                               peers={"schedule": self.schedule, "catalog": self.catalog,
                                      "auth": self.auth})
        self.make_token, verifier = token_factory
        self.app = create_app(self.settings, deps=self.deps, verifier=verifier)
        self._next_slot = 1000

    def slot(self, doctor_id: str = "doc-1", *, day: int = 1, minute: int = 0,
             service_ids=("svc-ther",), **kw) -> str:
        """A free slot ``day`` days after the clock's date, at 08:00 local + ``minute``."""
        self._next_slot += 1
        start = START_DAY_UTC + timedelta(days=day - 1, minutes=minute)
        return self.schedule.add_slot(str(self._next_slot), doctor_id, start,
                                      service_ids=service_ids, **kw)

    def headers(self, sub: str, role: str = "patient", org: str | None = "o-1",
                key: str | None = "auto", claims: bool = True) -> dict:
        """A patient's token carries auth's patient claims as they are now (``claims=False``:
        a token issued before the claims existed)."""
        extra = self.auth.claims(sub) if role == "patient" and claims else None
        headers = {"Authorization": f"Bearer {self.make_token(sub, role, org, extra)}"}
        if key == "auto":
            key = str(uuid.uuid4())
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def book(self, patient_id: str, slot_id: str, service_id: str = "svc-ther", *,
             key: str | None = "auto", role: str = "patient", sub: str | None = None, **extra):
        body = {"slot_id": slot_id, "service_id": service_id, "consent_version": CONSENT, **extra}
        if role != "patient":
            body["patient_id"] = patient_id
        client = self.app.test_client()
        return client.post("/v1/appointments", json=body,
                           headers=self.headers(sub or patient_id, role, key=key))

    def client(self):
        return self.app.test_client()

    def close(self):
        self.engine.dispose()


@pytest.fixture(scope="session")
def booking_pg_url(make_pg_database):
    """One migrated PostgreSQL database for the session; each test starts from empty tables."""
    from regcommon.db import migrate

    url = make_pg_database("booking")
    migrate("booking", url)
    return url


def _empty_tables(url: str) -> None:
    from sqlalchemy import create_engine, text

    from booking.adapters.tables import metadata

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables)))
    engine.dispose()


@pytest.fixture
def world(booking_pg_url, token_factory):
    _empty_tables(booking_pg_url)
    world = World(booking_pg_url, token_factory, migrated=True)
    yield world
    world.close()


@pytest.fixture
def sqlite_world(tmp_path, token_factory):
    world = World(f"sqlite:///{tmp_path / 'booking.sqlite3'}", token_factory)
    yield world
    world.close()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_world(request, booking_pg_url, tmp_path, token_factory):
    if request.param == "postgresql":
        _empty_tables(booking_pg_url)
        url = booking_pg_url
    else:
        url = f"sqlite:///{tmp_path / 'booking.sqlite3'}"
    world = World(url, token_factory, migrated=request.param == "postgresql")
    yield world
    world.close()


class FakeRecords:
    """Booking's records in memory, with the database's uniqueness rules: one answer per
    (actor, key), one answer naming an appointment, one active appointment per specialty."""

    def __init__(self):
        self.replies: dict[tuple[str, str], object] = {}
        self.appointments: dict[str, dict] = {}
        self.events: list[tuple[str, dict]] = []
        self.audit: list[dict] = []
        self.lock = threading.Lock()

    def claim_for_reconciler(self, appointment_id: str) -> None:
        """What the reconciler's claim on an abandoned take leaves."""
        from booking.ports import StoredReply

        self.replies[("reconciler", appointment_id)] = StoredReply("abandoned-take", None, {},
                                                                  appointment_id)

    def unit_of_work(self):
        return FakeUnitOfWork(self)

    def find_reply(self, actor_id, key):
        return self.replies.get((actor_id, key))

    def remember_reply(self, actor_id, key, request_hash, status, body):
        from booking.ports import StoredReply

        with self.lock:
            if (actor_id, key) in self.replies:
                return self.replies[(actor_id, key)]
            self.replies[(actor_id, key)] = StoredReply(request_hash, status, body, None)
        return None

    def appointment_exists(self, appointment_id):
        return appointment_id in self.appointments

    def release_past_specialty(self, patient_id, specialty, now):
        released = 0
        with self.lock:
            for row in self.appointments.values():
                if (row["patient_id"], row["specialty"], row["status"]) == \
                        (patient_id, specialty, "booked") and row["end_utc"] <= now \
                        and not row.get("specialty_released_at"):
                    row["specialty_released_at"] = now
                    released += 1
        return released


class FakeUnitOfWork:
    def __init__(self, records: FakeRecords):
        self.records = records
        self.replies, self.appointments, self.events, self.audit = {}, {}, [], []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.replies, self.appointments, self.events = {}, {}, []

    def add_reply(self, actor_id, key, request_hash, status, body, appointment_id):
        from booking.domain.errors import RecordConflict
        from booking.ports import StoredReply

        named = {r.appointment_id for r in self.records.replies.values() if r.appointment_id}
        if (actor_id, key) in self.records.replies or appointment_id in named:
            raise RecordConflict("idempotency_records")
        self.replies[(actor_id, key)] = StoredReply(request_hash, status, body, appointment_id)

    def add_appointment(self, row):
        from booking.domain.errors import DuplicateSpecialty

        for other in self.records.appointments.values():
            if (other["patient_id"], other["specialty"]) == (row["patient_id"], row["specialty"]) \
                    and other["status"] in ("pending", "booked") \
                    and not other.get("specialty_released_at"):
                raise DuplicateSpecialty()
        self.appointments[row["id"]] = dict(row)

    def add_event(self, event_type, data):
        self.events.append((event_type, data))

    def fulfil_waitlist(self, patient_id, organization_id, service_id):
        pass

    def add_audit(self, **entry):
        self.audit.append(entry)

    def commit(self):
        with self.records.lock:
            self.records.replies.update(self.replies)
            self.records.appointments.update(self.appointments)
            self.records.events.extend(self.events)
            self.records.audit.extend(self.audit)


class UnitWorld:
    """The book use case over fakes of every port: no database, no HTTP."""

    def __init__(self):
        from booking.context import Deps
        from booking.settings import BookingSettings

        self.schedule, self.catalog, self.auth = FakeSchedule(), FakeCatalog(), FakeAuth()
        self.records = FakeRecords()
        self.clock = Clock()
        self.deps = Deps(engine=None, schedule=self.schedule, catalog=self.catalog,
                         auth=self.auth, records=self.records, clock=self.clock,
                         settings=BookingSettings(database_url="sqlite://"))
        self._next_slot = 1000

    def slot(self, doctor_id: str = "doc-1", *, minute: int = 0, service_ids=("svc-ther",)):
        self._next_slot += 1
        return self.schedule.add_slot(str(self._next_slot), doctor_id,
                                      START_DAY_UTC + timedelta(minutes=minute),
                                      service_ids=service_ids)

    def patient_actor(self, patient_id: str, *, claims: bool = True):
        from booking.context import Actor
        from booking.inputs import patient_from_claims

        token = {"sub": patient_id, "role": "patient", "name": "Кузнецов Иван Сергеевич",
                 **(self.auth.claims(patient_id) if claims else {})}
        return Actor(id=patient_id, role="patient", name=token["name"],
                     patient=patient_from_claims(token))

    def book(self, actor, slot_id: str, service_id: str = "svc-ther", *, key: str | None = None,
             patient_id: str | None = None, consent: str = CONSENT):
        from booking import services
        from booking.context import ClientInfo
        from booking.inputs import BookRequest

        req = BookRequest(slot_id=slot_id, service_id=service_id, hold_id=None,
                          patient_id=patient_id, consent_version=consent)
        return services.book(self.deps, actor, req, key or str(uuid.uuid4()),
                             f"hash-{slot_id}-{service_id}", ClientInfo())


@pytest.fixture
def unit_world():
    return UnitWorld()
