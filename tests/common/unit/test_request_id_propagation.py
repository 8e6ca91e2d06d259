"""The request id of an incoming request travels with every call a service makes to another."""
import threading

import pytest
from flask import Flask, jsonify, request
from pydantic_settings import SettingsConfigDict
from werkzeug.serving import make_server

from regcommon.http import ServiceClient
from regcommon.settings import ServiceSettings
from regcommon.web import create_base_app

pytestmark = pytest.mark.unit


class _Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore", populate_by_name=True)
    service_name: str = "demo"


@pytest.fixture()
def downstream():
    seen = []
    app = Flask("downstream")

    @app.get("/echo")
    def echo():
        seen.append(request.headers.get("X-Request-ID"))
        return jsonify(ok=True)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_a_call_made_while_serving_a_request_carries_its_request_id(downstream, tmp_path, monkeypatch):
    url, seen = downstream
    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(tmp_path))
    app = create_base_app(__name__, _Settings(), "Demo", configure_logs=False)
    client = ServiceClient("downstream", url, timeout=2)

    @app.get("/work")
    def work():
        return {"status": client.get("/echo").status}

    response = app.test_client().get("/work", headers={"X-Request-ID": "req-42"})
    assert response.json == {"status": 200}
    assert response.headers["X-Request-ID"] == "req-42"
    assert seen == ["req-42"]
    # A request without an id gets a fresh one, also passed on.
    app.test_client().get("/work")
    assert seen[1] and seen[1] != "req-42"


def test_log_lines_written_while_serving_a_request_are_json_with_its_id(tmp_path, monkeypatch):
    import io
    import json
    import logging

    from regcommon.logs import JsonFormatter

    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(tmp_path))
    app = create_base_app(__name__, _Settings(), "Demo", configure_logs=False)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("demo"))
    logger = logging.getLogger("demo.view")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.get("/log")
    def log_something():
        logger.info("slot taken", extra={"slot_id": "17"})
        return {}

    try:
        app.test_client().get("/log", headers={"X-Request-ID": "req-7"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "req-7"
    assert line["service"] == "demo" and line["msg"] == "slot taken" and line["slot_id"] == "17"
