"""The schedule's published OpenAPI document, fuzzed with and without a token (tools/fuzzing.py)."""
import pytest
import schemathesis

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]


def test_schedule_document_survives_fuzzing(pg_url, make_app, token, internal, openapi_fuzz):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", make_app(pg_url))
    patient = {"Authorization": f"Bearer {token('patient', None)}"}
    registrar = {"Authorization": f"Bearer {token('registrar', 'o-0001')}"}
    credentials = {"": patient, "/v1/admin/": registrar, "/internal/": internal}
    assert openapi_fuzz("schedule", schema, credentials) == []
