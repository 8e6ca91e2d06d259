"""Fuzz a published OpenAPI document with schemathesis and count what breaks.

Every operation of the document is called with generated valid and invalid input, once per
credential variant (no token, and the token the route asks for), and every answer goes through
the checks below. Failures are collected, not raised at the first one, so that one run gives the
figures by check; the caller asserts that there are none.

The checks (each a schemathesis check function):
- ``not_a_server_error``: no 5xx, except a 503 in the error envelope with a documented code
  (a dependency that is down);
- ``error_envelope``: every 4xx/5xx is api.md's {"error": {"code", "message", ...}};
- ``json_body``: every answer with a body is JSON, unless the operation documents another type
  (talons as PDF/HTML, .ics) or the path is FHIR's (``application/fhir+json``, OperationOutcome);
- ``no_stack_trace``: no Python traceback, exception repr or library internals in any body;
- ``response_schema_conformance`` (schemathesis): the body matches the documented schema.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

DEFAULT_EXAMPLES = 15
DOWN_DEPENDENCY_CODES = {"service_unavailable", "esia_unavailable"}  # internal-contracts.md
FHIR_PREFIX = "/fhir/"
TRACE_PATTERNS = re.compile("|".join([
    r"Traceback \(most recent call last\)",
    r'File "[^"]+", line \d+',
    r"<class '[\w.]+'>",
    r"\b(?:sqlalchemy|psycopg|werkzeug|apiflask|marshmallow)\.\w",
    r"site-packages",
    r"\b[A-Z]\w*(?:Error|Exception)\((?:'|\")",
]))
Headers = dict[str, str]
CredentialChooser = Callable[[str, str], "Headers | None"]  # (method, path) -> headers; None: skip


def examples_per_operation(short: int = DEFAULT_EXAMPLES) -> int:
    """``FUZZ_EXAMPLES`` for the long run (``make fuzz``), else the short deterministic size."""
    return int(os.environ.get("FUZZ_EXAMPLES") or short)


class FuzzFailure(AssertionError):
    """One of our checks failed on an answer."""


def _body_text(response) -> str:
    return response.content.decode("utf-8", "replace") if response.content else ""


def _content_type(response) -> str:
    values = response.headers.get("content-type") or [""]
    return values[0].split(";")[0].strip().lower()


def not_a_server_error(ctx, response, case) -> None:
    if response.status_code < 500:
        return
    if response.status_code == 503 and _error_code(response) in DOWN_DEPENDENCY_CODES:
        return
    raise FuzzFailure(f"server error {response.status_code}")


def _error_code(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def error_envelope(ctx, response, case) -> None:
    if response.status_code < 400 or case.path.startswith(FHIR_PREFIX):
        return
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        raise FuzzFailure(f"{response.status_code} outside the error envelope") from None
    code, message = error.get("code"), error.get("message")
    if not (isinstance(code, str) and re.fullmatch(r"[a-z][a-z0-9_]*", code)
            and isinstance(message, str) and message):
        raise FuzzFailure(f"{response.status_code} envelope lacks a snake_case code or a message")


def _documented_media_types(case, status: int) -> set[str]:
    documented = case.operation.definition.raw.get("responses", {})
    entry = documented.get(str(status)) or documented.get("default") or {}
    return set((entry.get("content") or {}).keys())


def json_body(ctx, response, case) -> None:
    if not response.content or case.path.startswith(FHIR_PREFIX):
        return
    media = _content_type(response)
    if response.status_code < 400:
        others = _documented_media_types(case, response.status_code) - {"application/json"}
        if media in others or media.split("/")[-1] in _path_suffix(case.path):
            return
    if media != "application/json":
        raise FuzzFailure(f"{response.status_code} answered as {media or 'no content type'}")
    try:
        json.loads(response.content)
    except ValueError:
        raise FuzzFailure(f"{response.status_code} body is not JSON") from None


def _path_suffix(path: str) -> set[str]:
    """A talon's or a calendar's documented format, from the path (``.pdf``, ``.html``...)."""
    suffix = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return {"pdf": {"pdf"}, "html": {"html"}, "ics": {"calendar"}}.get(suffix, set())


def no_stack_trace(ctx, response, case) -> None:
    found = TRACE_PATTERNS.search(_body_text(response))
    if found:
        raise FuzzFailure(f"{response.status_code} body leaks {found.group(0)!r}")


CHECKS = [not_a_server_error, error_envelope, json_body, no_stack_trace,
          response_schema_conformance]


@dataclass
class Tally:
    """Counts of one or more fuzz runs: operations, requests, failures by check."""

    operations: set = field(default_factory=set)
    requests: int = 0
    by_check: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)  # (document, operation, check) -> first failure

    def record(self, document: str, operation: str, check: str, detail: str) -> None:
        self.by_check[check] += 1
        self.examples.setdefault((document, operation, check), detail)

    def failures_of(self, document: str) -> list[str]:
        return [f"{op} [{check}]: {detail}" for (doc, op, check), detail in self.examples.items()
                if doc == document]

    def lines(self) -> list[str]:
        documents = sorted({doc for doc, _ in self.operations})
        out = [f"fuzz: {len(self.operations)} operations in {len(documents)} documents "
               f"({', '.join(documents)}), {self.requests} requests, "
               f"{sum(self.by_check.values())} failures"]
        out += [f"  {check}: {count}" for check, count in sorted(self.by_check.items())]
        out += [f"  {doc} {op} [{check}]: {detail}"
                for (doc, op, check), detail in sorted(self.examples.items())]
        return out


def _describe(case, response, failure: BaseException) -> str:
    sent = f"{case.method.upper()} {case.formatted_path}"
    if case.query:
        sent += f" query={case.query!r}"
    if case.body is not NOT_SET:
        sent += f" body={case.body!r}"[:300]
    title = getattr(failure, "title", None) or str(failure)
    return f"{title.splitlines()[0][:200]} <- {sent[:400]} -> {response.status_code}"


def _check_answer(document: str, case, response, headers: Headers, tally: Tally) -> None:
    label = f"{case.method.upper()} {case.path}"
    for check in CHECKS:
        try:
            case.validate_response(response, checks=[check], headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                tally.record(document, label, check.__name__, _describe(case, response, failure))
        except (FuzzFailure, Failure) as failure:
            tally.record(document, label, check.__name__, _describe(case, response, failure))


def fuzz_document(document: str, schema, rules: dict, tally: Tally, *,
                  examples: int = DEFAULT_EXAMPLES, **call_kwargs) -> list[str]:
    """Fuzz every operation of ``schema`` without a token and with the one ``rules`` give for
    its path (see ``with_and_without_token``); the failures found.

    ``call_kwargs`` go to ``Case.call`` (``base_url`` for a live server; WSGI schemas call their
    app in-process); ``examples`` per operation, mode and variant in the short run.
    """
    examples = examples_per_operation(examples)
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations.add((document, f"{operation.method.upper()} {operation.path}"))
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if _negatable(operation)
                                             else [])
        for chooser in with_and_without_token(rules).values():
            for mode in modes:
                _fuzz_operation(document, operation, mode, chooser, tally, examples, call_kwargs)
    return tally.failures_of(document)


def _negatable(operation) -> bool:
    """Whether invalid input can be made: a body, a query or header parameter, or a path
    parameter with constraints (any string is a valid plain string path parameter, and
    hypothesis would spend thousands of tries to find that out)."""
    raw = operation.definition.raw
    parameters = raw.get("parameters", [])
    return "requestBody" in raw or any(
        p.get("in") != "path" or set(p.get("schema", {})) - {"type"} or
        p.get("schema", {}).get("type") != "string" for p in parameters)


def _fuzz_operation(document, operation, mode, chooser: CredentialChooser, tally: Tally,
                    examples: int, call_kwargs: dict) -> None:
    @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        headers = chooser(case.method.upper(), case.path)
        if headers is None:
            return
        response = case.call(headers=headers, **call_kwargs)
        tally.requests += 1
        _check_answer(document, case, response, headers, tally)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to make invalid: an operation without parameters or body


def with_and_without_token(rules: dict[str, "Headers | Callable[[], Headers]"]
                           ) -> dict[str, CredentialChooser]:
    """Two credential variants: "anonymous" (no headers) and "token": the headers of the longest
    path prefix in ``rules`` ("" for every other path); a callable is asked anew per request."""

    def token(_method: str, path: str) -> Headers:
        prefix = max((p for p in rules if path.startswith(p)), key=len, default=None)
        chosen = rules[prefix] if prefix is not None else {}
        return dict(chosen() if callable(chosen) else chosen)

    return {"anonymous": lambda _method, _path: {}, "token": token}
