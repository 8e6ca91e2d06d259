"""The tickets service's published OpenAPI document (internal routes only), fuzzed with and
without the internal token (tools/fuzzing.py)."""
import pytest
import schemathesis

from tickets.app import create_app

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

INTERNAL = {"X-Internal-Token": "test-internal-token"}


def test_tickets_document_survives_fuzzing(pg_context, tickets_settings, appointment_event,
                                           openapi_fuzz):
    from tickets import services

    settings = tickets_settings(pg_context.settings.database_url,
                                internal_token=INTERNAL["X-Internal-Token"])
    services.handle_event(pg_context, appointment_event())
    app = create_app(settings)
    try:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
        assert openapi_fuzz("tickets", schema, {"": INTERNAL}) == []
    finally:
        app.extensions["engine"].dispose()
