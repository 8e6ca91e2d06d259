"""Every error of every service has the api.md shape, in Russian, with a stable code."""
import pytest
from apiflask import Schema
from apiflask.fields import Integer, String
from pydantic_settings import SettingsConfigDict

from regcommon.errors import ApiError
from regcommon.settings import ServiceSettings
from regcommon.web import add_readiness_check, create_base_app, idempotency_key

pytestmark = pytest.mark.unit


class _Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore", populate_by_name=True)
    service_name: str = "demo"


class _Body(Schema):
    name = String(required=True)
    age = Integer()


@pytest.fixture()
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(tmp_path))
    app = create_base_app(__name__, _Settings(), "Demo", configure_logs=False)

    @app.post("/things")
    @app.input(_Body)
    def make_thing(json_data):
        return {"name": json_data["name"]}, 201

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    @app.get("/conflict")
    def conflict():
        raise ApiError(409, "slot_unavailable", "Время уже занято")

    @app.post("/keyed")
    def keyed():
        return {"key": idempotency_key(required=True)}

    return app.test_client()


def test_unknown_path_is_json_404(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_validation_errors_name_the_field_in_russian(client):
    response = client.post("/things", json={"age": "x"})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"]["name"] == "Обязательное поле"
    assert error["fields"]["age"] == "Должно быть целым числом"


def test_malformed_json_is_a_client_error_not_a_500(client):
    response = client.post("/things", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "error" in response.json


def test_unexpected_exception_hides_details(client):
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)


def test_domain_errors_keep_their_code(client):
    response = client.get("/conflict")
    assert response.status_code == 409
    assert response.json == {"error": {"code": "slot_unavailable", "message": "Время уже занято"}}


def test_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"


def test_idempotency_key_must_be_present_and_a_uuid(client):
    assert client.post("/keyed").json["error"]["code"] == "idempotency_key_required"
    bad = client.post("/keyed", headers={"Idempotency-Key": "nope"})
    assert bad.status_code == 422
    good = client.post("/keyed", headers={"Idempotency-Key": "0b6f4b2c-7a70-4f1b-9a53-5d2bb1c5b7a1"})
    assert good.json["key"] == "0b6f4b2c-7a70-4f1b-9a53-5d2bb1c5b7a1"


def test_readiness_reports_failing_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(tmp_path))
    app = create_base_app(__name__, _Settings(), "Demo", configure_logs=False)

    def broken():
        raise ConnectionError("db down")

    add_readiness_check(app, "database", broken)
    response = app.test_client().get("/readyz",
                                     headers={"X-Internal-Token": "embedded-internal-token"})
    assert response.status_code == 503
    assert "database" in response.json["failures"]
    # Without the internal token: the status, no details of the failure.
    public = app.test_client().get("/readyz")
    assert public.status_code == 503 and public.json == {"status": "unavailable"}


def test_production_settings_refuse_missing_database_url(monkeypatch):
    monkeypatch.setenv("REGISTRATURA_MODE", "production")
    monkeypatch.setenv("REGISTRATURA_INTERNAL_TOKEN", "x" * 32)
    with pytest.raises(ValueError, match="DEMO_DATABASE_URL"):
        _Settings()


def test_openapi_document_is_served(client):
    assert client.get("/openapi.json").json["info"]["title"] == "Demo"


def test_control_characters_in_paths_and_parameters_are_refused_before_any_query(client):
    assert client.get("/things/%00").status_code == 404
    response = client.get("/healthz?q=a%00b")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"q": "Недопустимые символы"}


def test_openapi_documents_errors_in_the_envelope_they_are_answered_in(client):
    """The fuzz's schema check holds error answers to what /openapi.json says of them."""
    spec = client.get("/openapi.json").get_json()
    invalid = spec["paths"]["/things"]["post"]["responses"]["422"]["content"]["application/json"]
    name = invalid["schema"]["$ref"].rsplit("/", 1)[-1]
    documented = spec["components"]["schemas"][name]
    assert documented["required"] == ["error"]
    assert documented["properties"]["error"]["required"] == ["code", "message"]
    answer = client.post("/things", json={}).get_json()
    assert set(answer) == {"error"} and {"code", "message"} <= set(answer["error"])


def test_a_nul_anywhere_in_a_json_body_is_refused_before_any_query(client):
    """PostgreSQL refuses NUL in text: the fuzzer's staff login with one in the login was a 500."""
    response = client.post("/things", data='{"name": "a\\u0000b", "x": [{"y": "\\u0000"}]}',
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert response.json["error"]["fields"] == {"name": "Недопустимые символы",
                                                "x": "Недопустимые символы"}
    fine = client.post("/things", json={"name": "Иванова \\u0000 в тексте"})
    assert fine.status_code == 201  # an escaped backslash is text, not a NUL
