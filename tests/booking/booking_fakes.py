"""Fakes of the booking service's peers (schedule, catalog, auth) and a test clock, shared by the
integration world (tests/booking/conftest.py) and the unit world (tests/booking/unit/conftest.py).
The fakes are race-free (a lock), like the real schedule."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

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
