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
        out = {k: v for k, v in slot.items() if not k.endswith("_utc")}
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
        from booking.domain.errors import SlotUnavailable

        self._check("take")
        with self.lock:
            slot = self.slots.get(slot_id)
            if slot is None or (slot["status"] != "free" and slot["appointment_id"] != appointment_id):
                raise SlotUnavailable()
            if slot["appointment_id"] != appointment_id and not self._channel_allows(slot, channel):
                raise SlotUnavailable()
            slot.update(status="taken", appointment_id=appointment_id)
        if self.take_lands_then_times_out:
            raise UpstreamUnavailable("schedule", "timeout after take")
        return self._view(slot)

    def release(self, slot_id, appointment_id):
        self._check("release")
        with self.lock:
            slot = self.slots.get(slot_id)
            if slot and slot["appointment_id"] == appointment_id:
                slot.update(status="free", appointment_id=None)

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
            source.update(status="free", appointment_id=None)
            target.update(status="taken", appointment_id=appointment_id)
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

    def doctor_context(self, doctor_id, service_id):
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
        return self.patients.get(patient_id)

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

    def make(sub: str, role: str = "patient", organization_id: str | None = None) -> str:
        now = int(time.time())
        claims = {"iss": "registratura-auth", "aud": "registratura", "sub": sub, "role": role,
                  "jti": uuid.uuid4().hex, "iat": now, "exp": now + 3600, "name": "Тест"}
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
                key: str | None = "auto") -> dict:
        headers = {"Authorization": f"Bearer {self.make_token(sub, role, org)}"}
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
