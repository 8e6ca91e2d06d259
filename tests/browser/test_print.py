"""What people expect of the talon (issue 13): the booked page offers «Печать талона» and «Добавить
в календарь»; the printed talon fits one page, A5 or A4, both as Chromium prints the print page and
as the tickets service renders the PDF."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import requests
from icalendar import Calendar

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def patient(api):
    return h.own_patient(api, "Крылова Алевтина Константиновна", "1939-04-22", "F")


@pytest.fixture()
def booked(api, patient):
    service, _, _, free = h.find_day(api, min_free=1, last_service=True, last_day=True)
    headers = h.patient_headers(api, patient["policy_number"], patient["birth_date"])
    appointment = h.book(api, headers, service, free[0])
    yield appointment
    h.cancel_appointment_as(api, patient, appointment["id"])


def _pdf_facts(path: Path) -> dict:
    """pdfinfo's "Pages" and "Page size" of a PDF file."""
    facts = {}
    for line in subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        key, _, value = line.partition(":")
        facts[key.strip()] = value.strip()
    return facts


def _pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())


def test_the_printed_talon_fits_one_page_of_a5_and_of_a4(page, base, patient, booked, tmp_path):
    h.patient_login(page, base, patient, next_path=f"/appointments/{booked['id']}/talon")
    assert page.locator("#print-ticket").inner_text() == "Печать талона"
    assert "Добавить в календарь" in page.locator("#download-ics").inner_text()
    with page.expect_download() as download:
        page.click("#download-ics")
    events = list(Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT"))
    assert len(events) == 1
    assert events[0].decoded("DTSTART") == datetime.fromisoformat(
        booked["start"].replace("Z", "+00:00"))
    page.click("#print-ticket")
    page.wait_for_selector("#talon-print")
    for paper in ("A5", "A4"):
        target = tmp_path / f"talon-{paper}.pdf"
        page.pdf(path=str(target), format=paper)
        facts = _pdf_facts(target)
        assert facts["Pages"] == "1", f"the talon takes {facts['Pages']} {paper} pages"
        printed = _pdf_text(target)
        assert booked["ticket"]["number"] in printed and patient["full_name"] in printed
        # Only the talon is printed: the buttons of the screen stay off the paper.
        assert "Назад к талону" not in printed and "В начало" not in printed
        # The printed page as an image beside the screenshots, to look at.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(target),
                        str(ARTIFACTS / f"print-talon-{paper}")], check=True)


def test_the_talon_pdf_of_the_tickets_service_is_one_page(api, patient, booked, tmp_path):
    headers = h.patient_headers(api, patient["policy_number"], patient["birth_date"])
    answer = h.wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(
        requests.get(f"{api}/appointments/{booked['id']}/ticket.pdf", headers=headers,
                     timeout=h.TIMEOUT)), timeout=60, what="the talon PDF")
    target = tmp_path / "ticket.pdf"
    target.write_bytes(answer.content)
    facts = _pdf_facts(target)
    assert facts["Pages"] == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(target),
                    str(ARTIFACTS / "ticket-pdf")], check=True)
    width, height = (float(v) for v in facts["Page size"].split(" pts")[0].split(" x "))
    # A5 (420 × 595 pt) or A4 (595 × 842 pt), portrait.
    assert (round(width), round(height)) in ((420, 595), (595, 842)), facts["Page size"]
