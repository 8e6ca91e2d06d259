"""HTTP clients of schedule, catalog and auth (internal-contracts.md), over pooled
``ServiceClient``s with timeouts. Schedule calls are idempotent (keyed by the appointment id), so
POSTs to it may be retried."""
from __future__ import annotations

import threading
import time
from urllib.parse import quote

from regcommon.http import ServiceClient
from regcommon.snapshots import Renewed, catalog_contexts

from ..domain import errors
from ..ports import TakenSlot


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class HttpSchedule:
    def __init__(self, client: ServiceClient):
        self.client = client

    def get_slot(self, slot_id: str) -> dict | None:
        response = self.client.get(f"/internal/slots/{_seg(slot_id)}")
        if response.status == 404:
            return None
        if not response.ok:
            response.raise_as_api_error()
        return response.json()

    def take(self, slot_id: str, appointment_id: str, hold_id: str | None,
             channel: str) -> TakenSlot:
        body = {"appointment_id": appointment_id, "channel": channel}
        if hold_id:
            body["hold_id"] = hold_id
        response = self.client.post(f"/internal/slots/{_seg(slot_id)}/take", json=body,
                                    idempotent=True)
        if response.status == 404:
            raise errors.SlotNotFound()
        if response.status == 409:
            started = response.error().get("code") == "slot_started"
            raise errors.InThePast() if started else errors.SlotUnavailable()
        if not response.ok:
            response.raise_as_api_error()
        return TakenSlot.from_answer(response.json())

    def takes(self, *, since: str | None, after_id: str, older_than: float,
              limit: int) -> list[dict]:
        params = {"after_id": after_id, "older_than": older_than, "limit": limit}
        if since:
            params["since"] = since
        response = self.client.get("/internal/takes", params=params)
        if not response.ok:
            response.raise_as_api_error()
        return response.json().get("items", [])

    def release(self, slot_id: str, appointment_id: str) -> None:
        response = self.client.post(f"/internal/slots/{_seg(slot_id)}/release",
                                    json={"appointment_id": appointment_id}, idempotent=True)
        if not response.ok and response.status != 404:
            response.raise_as_api_error()

    def move(self, appointment_id: str, from_slot_id: str, to_slot_id: str, channel: str) -> dict:
        response = self.client.post(f"/internal/appointments/{_seg(appointment_id)}/move",
                                    json={"from_slot_id": from_slot_id, "to_slot_id": to_slot_id,
                                          "channel": channel}, idempotent=True)
        if response.status in (404, 409):
            raise errors.SlotUnavailable()
        if not response.ok:
            response.raise_as_api_error()
        return response.json()

    def slot_of(self, appointment_id: str) -> dict | None:
        response = self.client.get(f"/internal/appointments/{_seg(appointment_id)}/slot")
        if response.status == 404:
            return None
        if not response.ok:
            response.raise_as_api_error()
        return response.json()

    def day_slots(self, doctor_id: str, service_id: str, day: str) -> list[dict]:
        response = self.client.get(f"/v1/doctors/{_seg(doctor_id)}/slots",
                                   params={"service_id": service_id, "date": day})
        if not response.ok:
            return []
        return response.json().get("items", [])


class HttpCatalog:
    """Doctor contexts are read on every booking and change rarely. The whole region's comes in
    one call (``/internal/contexts``) and is kept ``ttl`` seconds; when it is stale one thread
    fetches the next while the others go on with the previous one. A doctor the snapshot does
    not know (a fresh import), or a catalog that has no such route, is asked one by one."""

    def __init__(self, client: ServiceClient, *, ttl: float = 60.0):
        self.client = client
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, dict | None]] = {}
        self._lock = threading.Lock()
        self._snapshot = Renewed(lambda: catalog_contexts(client), ttl=ttl,
                                 name="doctor contexts")

    def doctor_context(self, doctor_id: str, service_id: str, *,
                       fresh: bool = False) -> dict | None:
        """``fresh``: asked of the catalog now, past the snapshot and the cache, for a use case
        that acts on a setting the organization may just have changed (a no-show mark)."""
        if not fresh:
            snapshot = self._snapshot.current()
            if snapshot is not None and doctor_id in snapshot["doctors"]:
                return context_from(snapshot, doctor_id, service_id)
        return self._one_context(doctor_id, service_id, fresh=fresh)

    def _one_context(self, doctor_id: str, service_id: str, *,
                     fresh: bool = False) -> dict | None:
        key = (doctor_id, service_id)
        now = time.monotonic()
        hit = None if fresh else self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        response = self.client.get(f"/internal/doctors/{_seg(doctor_id)}/context",
                                   params={"service_id": service_id})
        if response.status == 404:
            value = None
        elif response.ok:
            value = response.json()
        else:
            response.raise_as_api_error()
        # A "no such doctor/service" answer is cached briefly: it may be a fresh import.
        with self._lock:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = (now + (self.ttl if value else 5.0), value)
        return value

    def organization_services(self, organization_id: str) -> list[dict] | None:
        response = self.client.get(f"/v1/organizations/{_seg(organization_id)}/services")
        if response.status == 404:
            return None
        if not response.ok:
            response.raise_as_api_error()
        return response.json().get("items", [])


def context_from(snapshot: dict, doctor_id: str, service_id: str) -> dict | None:
    """What ``/internal/doctors/{id}/context`` answers, built from the region's snapshot."""
    doctor = snapshot["doctors"].get(doctor_id)
    if doctor is None or service_id not in doctor.get("service_ids", ()):
        return None
    service = snapshot["services"].get(service_id)
    organization = snapshot["organizations"].get(doctor.get("organization_id"))
    if service is None or organization is None:
        return None
    return {"organization": dict(organization),
            "service": {k: v for k, v in service.items() if k != "organization_id"},
            "doctor": {k: v for k, v in doctor.items() if k != "organization_id"}}


class HttpAuth:
    def __init__(self, client: ServiceClient):
        self.client = client

    def patient(self, patient_id: str) -> dict | None:
        response = self.client.get(f"/internal/patients/{_seg(patient_id)}")
        if response.status in (404, 422):
            return None
        if not response.ok:
            response.raise_as_api_error()
        return response.json()

    def accept_consent(self, patient_id: str, version: str, channel: str, ip: str | None,
                       user_agent: str | None) -> None:
        response = self.client.post("/internal/consents", json={
            "patient_id": patient_id, "version": version, "channel": channel, "ip": ip,
            "user_agent": user_agent})
        if response.status == 422:
            raise errors.ConsentRequired()
        if not response.ok:
            response.raise_as_api_error()


def http_peers(settings) -> dict:
    def client(name: str, url: str) -> ServiceClient:
        return ServiceClient(name, url, timeout=settings.http_timeout_seconds,
                             internal_token=settings.internal_token, pool_size=64)

    return {
        "schedule": HttpSchedule(client("schedule", settings.schedule_url)),
        "catalog": HttpCatalog(client("catalog", settings.catalog_url),
                               ttl=settings.catalog_cache_seconds),
        "auth": HttpAuth(client("auth", settings.auth_url)),
    }
