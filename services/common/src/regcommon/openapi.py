"""Inputs that views parse by hand, added to the service's /openapi.json.

APIFlask documents what ``@input`` validates; the views that read ``request.args`` or the JSON
body themselves (to answer in the api.md envelope with Russian field messages) would otherwise
publish operations without parameters, and a fuzzer or a client could not know what to send.
"""
from __future__ import annotations

DATE = {"type": "string", "format": "date"}
TEXT = {"type": "string", "minLength": 1}


def add_inputs(spec: dict, inputs: dict) -> dict:
    """``spec`` with the parameters and bodies of ``inputs`` added (see ``document_inputs``)."""
    for key, described in inputs.items():
        method, path = key.split(" ", 1)
        operation = spec.get("paths", {}).get(path, {}).get(method.lower())
        if operation is None:  # a renamed route: its inputs would silently go undocumented
            raise ValueError(f"no operation {key} to document")
        required = set(described.get("required_query", ()))
        operation.setdefault("parameters", []).extend(
            {"name": name, "in": "query", "required": name in required, "schema": schema}
            for name, schema in described.get("query", {}).items())
        if "body" in described:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": described["body"]}}}
    return spec


def document_inputs(app, inputs: dict) -> None:
    """``inputs``: {"GET /v1/path/{id}": {"query": {name: schema}, "required_query": [names],
    "body": schema}} for the operations of ``app`` whose views parse their input by hand."""
    previous = getattr(app, "spec_callback", None)

    def process(spec: dict) -> dict:
        return add_inputs(previous(spec) if previous else spec, inputs)

    app.spec_processor(process)


def body(properties: dict, required: tuple[str, ...] = ()) -> dict:
    """A JSON object body schema."""
    return {"type": "object", "properties": properties, "required": list(required)}
