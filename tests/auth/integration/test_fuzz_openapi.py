"""The auth service's published OpenAPI document, fuzzed with and without a token
(tools/fuzzing.py), on PostgreSQL with the demo patients and staff."""
import pytest
import schemathesis

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

INTERNAL = {"X-Internal-Token": "test-internal"}  # make_app's internal_token
EXAMPLES = 8  # per operation, mode and variant in the short run: staff logins hash (argon2)


def test_auth_document_survives_fuzzing(seeded, helpers, openapi_fuzz):
    client = seeded.test_client()

    def patient() -> dict:
        response = client.post("/v1/auth/oms", json=helpers.login_body())
        return helpers.bearer(response.get_json()["access_token"])

    staff_response = client.post("/v1/auth/staff",
                                 json={"login": "registrar", "password": "registrar-demo"})
    staff = helpers.bearer(staff_response.get_json()["access_token"])
    # A logout revokes its token: it gets a token of its own each time, the others keep theirs.
    credentials = {"": patient(), "/v1/auth/logout": patient, "/v1/registry/": staff,
                   "/internal/": INTERNAL}
    schema = schemathesis.openapi.from_wsgi("/openapi.json", seeded)
    assert openapi_fuzz("auth", schema, credentials, examples=EXAMPLES) == []
