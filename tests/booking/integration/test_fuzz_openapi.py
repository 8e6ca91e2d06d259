"""The booking service's published OpenAPI document, fuzzed with and without a token
(tools/fuzzing.py), over a real PostgreSQL database with fake peers."""
import uuid

import pytest
import schemathesis

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]


def test_booking_document_survives_fuzzing(world, openapi_fuzz):
    patient = world.auth.add_patient()
    assert world.book(patient, world.slot()).status_code == 201

    patient_headers = world.headers(patient, key=None)

    def as_patient():  # booking and rescheduling need an Idempotency-Key of their own
        return {**patient_headers, "Idempotency-Key": str(uuid.uuid4())}

    admin = world.headers("admin-1", "admin", org=None, key=None)

    schema = schemathesis.openapi.from_wsgi("/openapi.json", world.app)
    assert openapi_fuzz("booking", schema, {"": as_patient, "/v1/admin/": admin}) == []
