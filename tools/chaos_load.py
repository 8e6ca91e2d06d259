"""The chaos run's steady booking load: patients book through the gateway's public API.

Each client thread takes a patient who has not booked yet and a free slot, and sends
``POST /api/v1/appointments`` with an Idempotency-Key, as the web UI does: on a 5xx, a 409
``request_in_progress`` or no answer it retries with the same key (up to ``retry_for`` seconds),
on a 409 for a taken slot it takes another slot with a new key. A patient books once (so two
active appointments of one patient are a duplicate), and one whose outcome stayed unknown is not
used again. Every answer goes to the history that the checker reads.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import date, timedelta

import requests

from bench_rush import session as http_session
from chaos_check import Answer

RETRY_CODES = {"request_in_progress"}
TAKEN_CODES = {"slot_unavailable", "slot_not_found"}


def free_slots(api: str, region: dict, days: int = 14) -> list[tuple[str, str]]:
    """Free slots of self-bookable services without attachment, across the next ``days`` days."""
    http, found = http_session(4), []
    today = date.today()
    for org in region["organizations"]:
        services = {s["id"]: s for s in org["services"]}
        for doctor in org["doctors"]:
            sid = next((s for s in doctor["service_ids"] if services[s]["self_bookable"]
                        and not services[s]["requires_attachment"]), None)
            if sid is None:
                continue
            listed = http.get(f"{api}/doctors/{doctor['id']}/days", timeout=30, params={
                "service_id": sid, "from": today.isoformat(),
                "to": (today + timedelta(days=days)).isoformat()}).json()["items"]
            for day in (d["date"] for d in listed if d["bookable"]):
                slots = http.get(f"{api}/doctors/{doctor['id']}/slots", timeout=30,
                                 params={"service_id": sid, "date": day}).json()["items"]
                found += [(s["id"], sid) for s in slots if s["bookable"]]
    random.shuffle(found)
    return found


class Load:
    def __init__(self, api: str, patients: list[dict], slots: list[tuple[str, str]], consent: str, *,
                 clients: int = 3, pace: float = 1.0, retry_for: float = 90.0):
        self.api, self.patients, self.consent = api, patients, consent
        self.slots = list(slots)
        self.clients, self.pace, self.retry_for = clients, pace, retry_for
        self.history: list[Answer] = []
        self.booked_patients: set[int] = set()
        self._next_patient = 0
        self.in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.http = http_session(clients)

    # --- shared pools ------------------------------------------------------------------------
    def _take_patient(self) -> int | None:
        with self._lock:
            if self._next_patient >= len(self.patients):
                return None
            self._next_patient += 1
            return self._next_patient - 1

    def _take_slot(self) -> tuple[str, str] | None:
        with self._lock:
            return self.slots.pop() if self.slots else None

    def exhausted(self) -> bool:
        with self._lock:
            return self._next_patient >= len(self.patients) or not self.slots

    # --- one request -------------------------------------------------------------------------
    def _login(self, patient: int) -> str | None:
        """The patient's OMS login (a failed one goes to the history and skips the patient)."""
        p = self.patients[patient]
        body = {k: p[k] for k in ("document_type", "policy_number", "birth_date")}
        sent = time.time()
        try:
            r = self.http.post(f"{self.api}/auth/oms", json=body, timeout=30)
            if r.status_code == 200:
                return r.json()["access_token"]
            code = f"login:{r.status_code}"
        except requests.RequestException as exc:
            code = f"login:{type(exc).__name__}"
        with self._lock:
            self.history.append(Answer(sent, time.time(), 0, code, "", patient, ""))
        return None

    def _send(self, token: str, patient: int, slot_id: str, service_id: str, key: str) -> Answer:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        body = {"slot_id": slot_id, "service_id": service_id, "consent_version": self.consent}
        sent = time.time()
        with self._lock:
            self.in_flight += 1
        try:
            r = self.http.post(f"{self.api}/appointments", json=body, headers=headers, timeout=30)
        except requests.RequestException as exc:
            return Answer(sent, time.time(), 0, type(exc).__name__, key, patient, slot_id)
        finally:
            with self._lock:
                self.in_flight -= 1
        code, appointment = "", ""
        try:
            payload = r.json()
            if r.status_code == 201:
                appointment = payload["id"]
            else:
                code = payload["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = "not_an_envelope"
        return Answer(sent, time.time(), r.status_code, code, key, patient, slot_id, appointment)

    def _book(self, patient: int) -> None:
        """Book one slot for the patient, retrying one key through faults like a browser would."""
        token = self._login(patient)
        while token and not self._stop.is_set():
            taken = self._take_slot()
            if taken is None:
                return
            slot_id, service_id = taken
            key, first = str(uuid.uuid4()), time.time()
            while not self._stop.is_set():
                answer = self._send(token, patient, slot_id, service_id, key)
                with self._lock:
                    self.history.append(answer)
                if answer.status == 201:
                    with self._lock:
                        self.booked_patients.add(patient)
                    return
                if answer.status == 409 and answer.code in TAKEN_CODES:
                    break  # the slot went to someone else: another slot, another key
                retry = answer.status == 0 or answer.status >= 500 or answer.code in RETRY_CODES
                if not retry or time.time() - first > self.retry_for:
                    return  # a definite refusal, or given up: this patient is not used again
                time.sleep(0.5)

    def _client(self) -> None:
        while not self._stop.is_set():
            patient = self._take_patient()
            if patient is None:
                return
            self._book(patient)
            self._stop.wait(self.pace)

    # --- control -----------------------------------------------------------------------------
    def start(self) -> None:
        self._threads = [threading.Thread(target=self._client, daemon=True, name=f"load-{i}")
                         for i in range(self.clients)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def answers(self, since: float = 0.0, until: float = float("inf")) -> list[Answer]:
        with self._lock:
            return [a for a in self.history if since <= a.answered < until]
