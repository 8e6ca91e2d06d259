"""Set-up shortcuts of the browser tests of the cabinet and the staff workspace.

The flows under test are driven in the browser; what only prepares them (a patient of our own, an
appointment to look at) goes through the public API, which is quicker and leaves the browser
steps to what a person really does.
"""
from __future__ import annotations

import random
import time
import uuid
from datetime import date, timedelta

import requests
from auth.domain.documents import luhn_valid  # the check the registry itself applies

ORGANIZATION = "o-0001"
REGISTRAR = ("registrar", "registrar-demo")
ADMIN = ("admin", "admin-demo")
TIMEOUT = 15


def new_enp() -> str:
    """A fresh 16-digit ЕНП with a valid check digit (random: tests never collide)."""
    prefix = "56" + "".join(random.choice("0123456789") for _ in range(13))
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


def bad_check_digit(enp: str) -> str:
    """The same number with a wrong last digit."""
    return enp[:-1] + str((int(enp[-1]) + 1) % 10)


def staff_token(api: str, login_password: tuple[str, str]) -> str:
    login, password = login_password
    answer = requests.post(f"{api}/auth/staff", json={"login": login, "password": password},
                           timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def register_patient(api: str, token: str, *, last_name: str, first_name: str,
                     middle_name: str, birth_date: str, sex: str, email: str | None = None,
                     phone: str | None = None, attached: bool = True) -> dict:
    """A patient of our own (attached to the demo organization unless ``attached`` is false),
    with its login data."""
    enp = new_enp()
    body = {"last_name": last_name, "first_name": first_name, "middle_name": middle_name,
            "birth_date": birth_date, "sex": sex, "phone": phone, "email": email,
            "policy": {"type": "oms_unified", "number": enp}, "identity_documents": [],
            "attachment": {"organization_id": ORGANIZATION, "area": "1"} if attached else None}
    answer = requests.post(f"{api}/registry/patients", json=body, timeout=TIMEOUT,
                           headers={"Authorization": f"Bearer {token}",
                                    "Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "policy_number": enp, "birth_date": birth_date,
            "full_name": f"{last_name} {first_name} {middle_name}"}


def own_patient(api: str, full_name: str, birth_date: str, sex: str) -> dict:
    """A patient registered by the demo registrar for one test module only: nobody else books
    for them. ``full_name`` is "Фамилия Имя Отчество"."""
    last_name, first_name, middle_name = full_name.split()
    return register_patient(api, staff_token(api, REGISTRAR), last_name=last_name,
                            first_name=first_name, middle_name=middle_name,
                            birth_date=birth_date, sex=sex)


def patient_headers(api: str, policy_number: str, birth_date: str) -> dict:
    answer = requests.post(f"{api}/auth/oms", timeout=TIMEOUT, json={
        "document_type": "oms_unified", "policy_number": policy_number, "birth_date": birth_date})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def self_bookable_services(api: str, organization_id: str = ORGANIZATION) -> list[dict]:
    services = requests.get(f"{api}/organizations/{organization_id}/services",
                            timeout=TIMEOUT).json()["items"]
    return [s for s in services if s["self_bookable"] and not s["requires_attachment"]
            and not s.get("paid") and not s.get("requires_referral")]


def free_slots(api: str, doctor_id: str, service_id: str, day: str) -> list[dict]:
    slots = requests.get(f"{api}/doctors/{doctor_id}/slots", timeout=TIMEOUT,
                         params={"service_id": service_id, "date": day}).json()["items"]
    return [s for s in slots if s["bookable"]]


def bookable_days(api: str, doctor_id: str, service_id: str, days: int = 13) -> list[str]:
    today = date.today()
    found = requests.get(f"{api}/doctors/{doctor_id}/days", timeout=TIMEOUT, params={
        "service_id": service_id, "from": today.isoformat(),
        "to": (today + timedelta(days=days)).isoformat()}).json()["items"]
    return [d["date"] for d in found if d["bookable"]]


def find_day(api: str, *, min_free: int = 3, last_service: bool = False,
             last_day: bool = False, skip_doctors=()) -> tuple[dict, dict, str, list[dict]]:
    """(service, doctor, day, free slots) of a portal-bookable day with ``min_free`` free times.

    ``last_service``/``last_day`` walk from the end of the lists: other tests take the first
    bookable time they find, so the far end is where a test disturbs nobody else.
    """
    services = self_bookable_services(api)
    for service in (reversed(services) if last_service else services):
        doctors = requests.get(f"{api}/organizations/{ORGANIZATION}/services/{service['id']}"
                               "/doctors", timeout=TIMEOUT).json()["items"]
        for doctor in doctors:
            if doctor["id"] in skip_doctors:
                continue
            days = bookable_days(api, doctor["id"], service["id"])
            for day in (reversed(days) if last_day else days):
                free = free_slots(api, doctor["id"], service["id"], day)
                if len(free) >= min_free:
                    return service, doctor, day, free
    raise AssertionError("no portal-bookable day with enough free times in the demo organization")


def book(api: str, headers: dict, service: dict, slot: dict) -> dict:
    consent = requests.get(f"{api}/consent", timeout=TIMEOUT).json()["version"]
    answer = requests.post(f"{api}/appointments", timeout=TIMEOUT, json={
        "slot_id": slot["id"], "service_id": service["id"], "consent_version": consent},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.text
    return answer.json()


def appointment(api: str, headers: dict, appointment_id: str) -> dict:
    answer = requests.get(f"{api}/appointments/{appointment_id}", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def cancel_appointment_as(api: str, patient: dict, appointment_id: str) -> None:
    """Cancel through the public API with the patient's own login (tests clean up after them)."""
    headers = patient_headers(api, patient["policy_number"], patient["birth_date"])
    answer = requests.post(f"{api}/appointments/{appointment_id}/cancel", headers=headers,
                           timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text


def wait_for(check, *, timeout: float = 30.0, every: float = 0.5, what: str = "condition"):
    """Poll ``check()`` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def dmy(iso_day: str, separator: str = "-") -> str:
    """YYYY-MM-DD → ДД-ММ-ГГГГ, as the patient login form asks (``"."``: as dates are shown)."""
    year, month, day = iso_day.split("-")
    return f"{day}{separator}{month}{separator}{year}"


def patient_login(page, base: str, patient: dict, next_path: str = "/cabinet") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#policy_number", patient["policy_number"])
    page.fill("#birth_date", dmy(patient["birth_date"]))
    page.click("#login-submit")
    page.wait_for_url(f"**{next_path}*")


def staff_login(page, base: str, login_password: tuple[str, str]) -> None:
    login, password = login_password
    page.goto(f"{base}/staff/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#logout-button")
