"""tools/fuzzing.py finds what it is meant to find: a small app that breaks every rule once."""
import sys
from pathlib import Path

import pytest
import schemathesis
from flask import Flask, Response, jsonify, request

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
import fuzzing  # noqa: E402

pytestmark = pytest.mark.unit

ITEMS = {"200": {"description": "ok", "content": {"application/json": {"schema": {
    "type": "object", "required": ["items"], "properties": {"items": {"type": "array"}}}}}}}
PDF = {"200": {"description": "a talon", "content": {"application/pdf": {}}}}


def envelope(status: int, code: str, message: str = "Ошибка"):
    return jsonify({"error": {"code": code, "message": message}}), status


def broken_app() -> Flask:
    app = Flask("broken")
    answers = {
        "/ok": lambda: ({"items": []}, 200),
        "/down": lambda: envelope(503, "service_unavailable"),
        "/boom": lambda: envelope(500, "internal_error"),
        "/bare": lambda: ({"detail": "нет"}, 404),
        "/html": lambda: Response("<h1>Bad Request</h1>", 400, mimetype="text/html"),
        "/trace": lambda: envelope(400, "bad_request", 'Traceback (most recent call last):\n'
                                                       '  File "/app/x.py", line 3'),
        "/drift": lambda: ({"items": "не список"}, 200),
        "/talon.pdf": lambda: Response(b"%PDF-1.4", 200, mimetype="application/pdf"),
        "/secret": lambda: ({"items": []}, 200) if request.headers.get("X-Token") == "t"
        else envelope(403, "forbidden"),
    }
    for path, answer in answers.items():
        app.add_url_rule(path, path, answer)
    spec = {"openapi": "3.0.3", "info": {"title": "broken", "version": "1"}, "paths": {
        path: {"get": {"responses": PDF if path.endswith(".pdf") else ITEMS}} for path in answers}}
    app.add_url_rule("/openapi.json", "spec", lambda: spec)
    return app


@pytest.fixture(scope="module")
def tally():
    found = fuzzing.Tally()
    schema = schemathesis.openapi.from_wsgi("/openapi.json", broken_app())
    fuzzing.fuzz_document("broken", schema, {"": {"X-Token": "t"}}, found, examples=3)
    return found


def failed(tally, path: str) -> set[str]:
    return {check for (_doc, operation, check) in tally.examples if operation == f"GET {path}"}


def test_every_operation_is_called_with_and_without_the_token(tally):
    assert len(tally.operations) == 9
    assert tally.requests == 18


@pytest.mark.parametrize("path, checks", [
    ("/ok", set()), ("/down", set()), ("/talon.pdf", set()), ("/secret", set()),
    ("/boom", {"not_a_server_error"}),
    ("/bare", {"error_envelope"}),
    ("/html", {"error_envelope", "json_body"}),
    ("/trace", {"no_stack_trace"}),
    ("/drift", {"response_schema_conformance"}),
])
def test_each_broken_rule_is_caught_by_its_check(tally, path, checks):
    assert failed(tally, path) == checks


def test_the_figures_name_every_failing_check(tally):
    text = "\n".join(tally.lines())
    assert "9 operations in 1 documents (broken), 18 requests" in text
    for check in ("not_a_server_error", "error_envelope", "json_body", "no_stack_trace",
                  "response_schema_conformance"):
        assert f"  {check}: " in text
