"""Internal endpoints: the talon as JSON, PDF and printable HTML; notifications; dead letters."""
import uuid

import pytest

from tickets import services
from tickets.app import create_app

pytestmark = pytest.mark.integration

TOKEN = {"X-Internal-Token": "test-internal-token"}


@pytest.fixture
def client(pg_context, tickets_settings):
    settings = tickets_settings(pg_context.settings.database_url, internal_token="test-internal-token")
    app = create_app(settings)
    yield app.test_client()
    app.extensions["engine"].dispose()


def booked(ctx, event_factory, run_jobs=None, **kwargs):
    event = event_factory(**kwargs)
    services.handle_event(ctx, event)
    if run_jobs:
        run_jobs(ctx)
    return event["data"]["appointment"]["id"]


def test_pdf_before_the_event_arrived_is_202_with_retry_after(client):
    response = client.get(f"/internal/tickets/{uuid.uuid4()}.pdf", headers=TOKEN)
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "1" and response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"status": "rendering"}


def test_pdf_while_rendering_is_202_then_200_once_rendered(client, pg_context, appointment_event, run_jobs):
    aid = booked(pg_context, appointment_event)
    assert client.get(f"/internal/tickets/{aid}.pdf", headers=TOKEN).status_code == 202
    run_jobs(pg_context)
    response = client.get(f"/internal/tickets/{aid}.pdf", headers=TOKEN)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF")


def test_ticket_json_has_number_status_and_verification_code(client, pg_context, appointment_event, run_jobs):
    aid = booked(pg_context, appointment_event, run_jobs)
    response = client.get(f"/internal/tickets/{aid}", headers=TOKEN)
    assert response.status_code == 200
    body = response.get_json()
    assert body["number"] == "0001-000123" and body["status"] == "ready"
    assert body["verification_code"] == services.verification_code("test-secret", "0001-000123")


def test_printable_html_is_served_without_caching(client, pg_context, appointment_event, run_jobs):
    aid = booked(pg_context, appointment_event, run_jobs)
    response = client.get(f"/internal/tickets/{aid}.html", headers=TOKEN)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Печать талона" in response.get_data(as_text=True)


def test_a_cancelled_appointments_talon_is_gone(client, pg_context, appointment_event, run_jobs):
    aid = booked(pg_context, appointment_event, run_jobs)
    services.handle_event(pg_context, appointment_event("appointment.cancelled", appointment_id=aid,
                                                        occurred_at="2026-11-26T00:00:00+00:00"))
    assert client.get(f"/internal/tickets/{aid}", headers=TOKEN).get_json()["status"] == "void"
    response = client.get(f"/internal/tickets/{aid}.pdf", headers=TOKEN)
    assert response.status_code == 410 and response.get_json()["error"]["code"] == "ticket_void"


def test_unknown_or_malformed_ids_are_404_in_the_error_shape(client):
    for path in (f"/internal/tickets/{uuid.uuid4()}", "/internal/tickets/not-a-uuid",
                 "/internal/tickets/not-a-uuid.html"):
        response = client.get(path, headers=TOKEN)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_internal_paths_require_the_service_token(client):
    response = client.get(f"/internal/tickets/{uuid.uuid4()}.pdf")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/internal/dead-letters", headers={"X-Internal-Token": "wrong"}).status_code == 403


def test_notifications_of_an_appointment_are_listed_with_masked_recipients(client, pg_context, appointment_event, run_jobs):
    aid = booked(pg_context, appointment_event, run_jobs)
    booked(pg_context, appointment_event, run_jobs)  # another appointment
    items = client.get(f"/internal/notifications?appointment_id={aid}", headers=TOKEN).get_json()["items"]
    assert sorted((i["channel"], i["kind"], i["status"], i["recipient"]) for i in items) == [
        ("email", "booked", "sent", "i***@example.org"), ("sms", "booked", "sent", "***0167")]
    assert all("address" not in item for item in items)
    bad = client.get("/internal/notifications?appointment_id=nope", headers=TOKEN)
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"appointment_id": "Должен быть UUID"}


def test_dead_letters_are_listed(client, pg_context):
    services.record_dead_letter(pg_context, services.RENDER_TASK, "t-1", ["a", 1], "OSError: boom")
    [item] = client.get("/internal/dead-letters", headers=TOKEN).get_json()["items"]
    assert item["task_name"] == services.RENDER_TASK and item["args"] == ["a", 1]


def test_readiness_pings_the_database(client):
    assert client.get("/readyz").status_code == 200
