"""No personal data in the logs (issue 11.6): after a patient is registered, logs in by policy
(and fails once), books, gets the talon, cancels, and the reception finds and edits them, no log
line at INFO or above of any process of the stack holds their policy number, birth date (in any
of its written forms), document number, phone, e-mail, full name or surname."""
from __future__ import annotations

import json
import random
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e

LEVELS_BELOW_INFO = {"debug", "trace", "notset"}


def _patient_body(organization_id: str) -> dict:
    rng = random.Random(uuid.uuid4().int)
    syllables = ["бо", "ре", "ща", "лю", "ты", "мка", "зе", "ви"]
    surname = "Скрыт" + "".join(rng.choice(syllables) for _ in range(3)) + "ова"
    return {"last_name": surname, "first_name": "Евлампия", "middle_name": "Тихоновна",
            "birth_date": f"19{rng.randrange(40, 99)}-0{rng.randrange(1, 9)}-{rng.randrange(10, 28)}",
            "sex": "F", "phone": f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)}-"
                                 f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
            "email": f"{surname.lower()[:3]}x{rng.randrange(10**6)}@example.org",
            "identity_documents": [{"type": "passport",
                                    "number": f"{rng.randrange(10, 99)} {rng.randrange(10, 99)} "
                                              f"{rng.randrange(100000, 999999)}"}],
            "attachment": {"organization_id": organization_id}}


def _secrets(patient: dict, body: dict) -> dict[str, str]:
    """Every written form of every personal value that must never reach a log line."""
    year, month, day = body["birth_date"].split("-")
    document = body["identity_documents"][0]["number"]
    return {
        "policy": patient["login"]["policy_number"],
        "birth_date_iso": body["birth_date"], "birth_date_dashes": f"{day}-{month}-{year}",
        "birth_date_dots": f"{day}.{month}.{year}",
        "document": document, "document_digits": document.replace(" ", ""),
        "phone": body["phone"], "phone_digits": "".join(c for c in body["phone"] if c.isdigit()),
        "email": body["email"], "full_name": patient["full_name"], "surname": body["last_name"],
    }


def _at_info_or_above(line: str) -> bool:
    """JSON lines say their level; any other line (a process's own output) counts as INFO."""
    try:
        record = json.loads(line)
    except ValueError:
        return True
    if not isinstance(record, dict):
        return True
    level = str(record.get("level") or record.get("levelname") or "info").lower()
    return level not in LEVELS_BELOW_INFO


def _flow(people, stack, body: dict) -> dict:
    api = people.api
    registrar = people.staff_token("registrar", "registrar-demo")
    patient = people.register_patient(registrar, "o-0001", **body)
    failed = requests.post(f"{api}/auth/oms", timeout=10, json={
        **patient["login"], "birth_date": "2001-01-01"})
    assert failed.status_code == 401, failed.text
    token = people.patient_token(patient["login"])
    appointment = people.book(token, "o-0001")
    mine = {"Authorization": f"Bearer {token}"}
    for _ in range(60):
        talon = requests.get(f"{api}/appointments/{appointment['id']}/ticket.pdf", headers=mine, timeout=10)
        if talon.status_code == 200:
            break
        time.sleep(1)
    assert talon.status_code == 200, "the talon was not rendered in time"
    cancelled = requests.post(f"{api}/appointments/{appointment['id']}/cancel", headers=mine, timeout=10)
    assert cancelled.status_code == 200, cancelled.text
    staff = {"Authorization": f"Bearer {registrar}"}
    by_name = requests.get(f"{api}/registry/patients", params={"last_name": body["last_name"]},
                           headers=staff, timeout=10)
    assert [p["id"] for p in by_name.json()["items"]] == [patient["id"]], by_name.text
    by_policy = requests.get(f"{api}/registry/patients", headers=staff, timeout=10, params={
        "policy_number": patient["login"]["policy_number"], "birth_date": body["birth_date"]})
    assert by_policy.status_code == 200 and by_policy.json()["items"], by_policy.text
    edited = requests.put(f"{api}/registry/patients/{patient['id']}", headers=staff, timeout=10, json={
        **body, "policy": {"type": "oms_unified", "number": patient["login"]["policy_number"]},
        "middle_name": "Тихоновна"})
    assert edited.status_code == 200, edited.text
    return {**patient, "appointment_id": appointment["id"]}


def test_no_log_line_at_info_or_above_holds_the_patients_personal_data(stack, people):
    body = _patient_body("o-0001")
    patient = _flow(people, stack, body)
    time.sleep(2)  # the consumers and workers log the talon's and the cancel's events last
    secrets = _secrets(patient, body)
    logs = sorted((stack.var_dir / "log").glob("*.log"))
    assert len(logs) >= 10, logs  # every service and worker of the stack writes here
    leaks, traced = [], 0
    for path in logs:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            traced += patient["appointment_id"] in line
            found = [name for name, value in secrets.items() if value in line]
            if found and _at_info_or_above(line):
                leaks.append((path.name, number, found, line[:300]))
    # The flow did reach these files: its appointment (an id, not personal data) is logged.
    assert traced, "no log line names the flow's appointment: the grep read the wrong logs"
    assert leaks == [], f"{len(leaks)} log lines hold personal data: {leaks[:10]}"
