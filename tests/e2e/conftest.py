"""Making the people of an e2e test through the public API: patients a registrar registers, staff
of any organization (the auth service's own create-staff command), logins, bookings."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import requests


def luhn_complete(fifteen_digits: str) -> str:
    """The sixteen-digit ЕНП whose last digit makes the Luhn sum of all sixteen come out right."""
    for check in "0123456789":
        digits = fifteen_digits + check
        total = 0
        for index, char in enumerate(reversed(digits)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable: one check digit always fits")


class People:
    """Staff, patients and their bookings, made through the gateway of a running stack."""

    def __init__(self, stack):
        self.stack = stack
        self.api = stack.url("gateway") + "/api/v1"

    def staff_token(self, login: str, password: str) -> str:
        response = requests.post(f"{self.api}/auth/staff", json={"login": login, "password": password},
                                 timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def new_registrar(self, organization_id: str) -> str:
        """A registrar of the organization, created with `python -m auth create-staff`; its token."""
        password = f"pw-{uuid.uuid4().hex}"
        self.stack.extra_env["AUTH_STAFF_PASSWORD"] = password
        login = f"reg-{uuid.uuid4().hex[:8]}"
        self.stack.run_step("auth", "create-staff", "--login", login, "--role", "registrar",
                            "--organization-id", organization_id, quiet=True)
        return self.staff_token(login, password)

    def register_patient(self, registrar_token: str, organization_id: str, **fields) -> dict:
        """A new patient of the organization, registered by its registrar; the registry's answer
        plus the "login" body that logs them in by policy and birth date."""
        policy = luhn_complete("56" + str(uuid.uuid4().int)[:13])
        body = {"last_name": "Тестова", "first_name": "Алла", "middle_name": "Игоревна",
                "birth_date": "1991-04-17", "sex": "F", "policy": {"type": "oms_unified", "number": policy},
                "identity_documents": [], "attachment": {"organization_id": organization_id}, **fields}
        created = requests.post(f"{self.api}/registry/patients", json=body, timeout=10,
                                headers=bearer(registrar_token))
        assert created.status_code == 201, created.text
        return {**created.json(), "login": {"document_type": "oms_unified", "policy_number": policy,
                                            "birth_date": body["birth_date"]}}

    def patient_token(self, login: dict) -> str:
        response = requests.post(f"{self.api}/auth/oms", json=login, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def free_slots(self, organization_id: str, *, skip: set[str] = frozenset()):
        """(service, doctor, [free slots]) of the organization's first self-bookable service."""
        today = date.today()
        for service in self._get(f"/organizations/{organization_id}/services"):
            if not service["self_bookable"] or service["requires_attachment"] \
                    or service.get("requires_referral"):
                continue
            for doctor in self._get(f"/organizations/{organization_id}/services/{service['id']}/doctors"):
                days = self._get(f"/doctors/{doctor['id']}/days", {
                    "service_id": service["id"], "from": today.isoformat(),
                    "to": (today + timedelta(days=15)).isoformat()})
                for day in (d for d in days if d["bookable"]):
                    free = [s for s in self._get(f"/doctors/{doctor['id']}/slots", {
                        "service_id": service["id"], "date": day["date"]})
                        if s["bookable"] and s["id"] not in skip]
                    if free:
                        return service, doctor, free
        raise AssertionError(f"no bookable slot in {organization_id}")

    def book(self, token: str, organization_id: str, *, skip: set[str] = frozenset()) -> dict:
        """Hold and book the first free slot of the organization; the appointment."""
        service, _doctor, free = self.free_slots(organization_id, skip=skip)
        for slot in free:
            hold = requests.post(f"{self.api}/slots/{slot['id']}/hold", timeout=10, headers=bearer(token),
                                 json={"session_id": uuid.uuid4().hex})
            if hold.status_code != 201:
                continue  # another test took it meanwhile
            consent = requests.get(f"{self.api}/consent", timeout=10).json()["version"]
            created = requests.post(f"{self.api}/appointments", timeout=30, json={
                "slot_id": slot["id"], "service_id": service["id"], "consent_version": consent,
                "hold_id": hold.json()["hold_id"]},
                headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())})
            assert created.status_code == 201, created.text
            return created.json()
        raise AssertionError("every free slot was taken meanwhile")

    def _get(self, path: str, params: dict | None = None) -> list[dict]:
        response = requests.get(self.api + path, params=params, timeout=10)
        assert response.status_code == 200, (path, response.text)
        return response.json()["items"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def people(stack) -> People:
    return People(stack)
