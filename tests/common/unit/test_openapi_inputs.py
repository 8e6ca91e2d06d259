"""Inputs that views parse by hand are published in /openapi.json (regcommon.openapi)."""
import pytest
from pydantic_settings import SettingsConfigDict

from regcommon.openapi import DATE, add_inputs, body, document_inputs
from regcommon.settings import ServiceSettings
from regcommon.web import create_base_app

pytestmark = pytest.mark.unit


class _Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore", populate_by_name=True)
    service_name: str = "demo"


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(tmp_path))
    app = create_base_app(__name__, _Settings(), "Demo", configure_logs=False)

    @app.get("/days/<doctor_id>")
    def days(doctor_id):
        return {"items": []}

    @app.post("/holds")
    def hold():
        return {}, 201

    return app


def test_query_parameters_and_bodies_are_added_to_their_operations(app):
    document_inputs(app, {
        "GET /days/{doctor_id}": {"query": {"from": DATE, "to": DATE}, "required_query": ["from"]},
        "POST /holds": {"body": body({"session_id": {"type": "string"}}, ("session_id",))},
    })
    spec = app.test_client().get("/openapi.json").get_json()
    parameters = spec["paths"]["/days/{doctor_id}"]["get"]["parameters"]
    query = [p for p in parameters if p["in"] == "query"]
    assert [(p["name"], p["required"], p["schema"]) for p in query] == [
        ("from", True, DATE), ("to", False, DATE)]
    hold = spec["paths"]["/holds"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert hold["required"] == ["session_id"] and "session_id" in hold["properties"]


def test_inputs_of_an_operation_that_does_not_exist_are_refused():
    with pytest.raises(ValueError, match="GET /nowhere"):
        add_inputs({"paths": {"/days": {"get": {}}}}, {"GET /nowhere": {"query": {"x": DATE}}})


def test_an_earlier_spec_processor_still_runs(app):
    @app.spec_processor
    def _title(spec):
        spec["info"]["title"] = "Renamed"
        return spec

    document_inputs(app, {"POST /holds": {"body": body({})}})
    spec = app.test_client().get("/openapi.json").get_json()
    assert spec["info"]["title"] == "Renamed"
    assert "requestBody" in spec["paths"]["/holds"]["post"]
