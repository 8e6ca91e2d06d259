"""The catalog's published OpenAPI document, fuzzed with and without a token (tools/fuzzing.py)."""
import pytest
import schemathesis

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

INTERNAL = {"X-Internal-Token": "catalog-test-internal-token"}  # conftest.INTERNAL_TOKEN


def test_catalog_document_survives_fuzzing(app, make_token, openapi_fuzz):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    patient = {"Authorization": f"Bearer {make_token('patient')}"}
    admin = {"Authorization": f"Bearer {make_token('admin')}"}
    credentials = {"": patient, "/v1/admin/": admin, "/internal/": INTERNAL}
    assert openapi_fuzz("catalog", schema, credentials) == []
