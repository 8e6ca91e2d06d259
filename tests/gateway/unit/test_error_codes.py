"""Error messages have one home: the service that raises the error.

The test reads every service's source (and regcommon's) for the error codes it can send, each with
the Russian message written next to it, and the gateway's UI and staff workspace for the codes
they act on: every code a service sends has a Russian message at its source, and the gateway keys
nothing on a code that no service sends (a dead code such as ``hold_expired``).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from regcommon.errors import STATUS_CODES

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("auth", "booking", "catalog", "schedule", "tickets")
CYRILLIC = re.compile("[\u0400-\u04ff]")
CODE = re.compile(r"^[a-z][a-z0-9_]*\Z")
# Calls that build an error envelope: (code position or fixed code, message position).
BUILDERS = {"ApiError": (1, 2), "answer": (1, 2), "NotFound": ("not_found", 0),
            "ValidationFailed": ("validation_failed", 1)}
DEFAULT_MESSAGE = {"NotFound": "Не найдено", "ValidationFailed": "Проверьте правильность"}


def _modules(*folders: Path):
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def _constants(tree: ast.Module) -> dict:
    """Module-level NAME = <literal> assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def _locals(tree: ast.Module) -> dict:
    """NAME = <expression> assignments inside functions (``message = A if staff else B``)."""
    return {node.targets[0].id: node.value for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)}


def _texts(node: ast.AST | None, constants: dict, local: dict | None = None) -> list[str] | None:
    """The message(s) an expression can be, when written in the source; None when computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and isinstance(constants.get(node.id), str):
        return [constants[node.id]]
    if isinstance(node, ast.Name) and local and node.id in local:
        return _texts(local.pop(node.id), constants, local)
    if isinstance(node, ast.JoinedStr):  # an f-string: its written parts
        return ["".join(part.value for part in node.values if isinstance(part, ast.Constant))]
    if isinstance(node, ast.IfExp):
        both = (_texts(node.body, constants, local), _texts(node.orelse, constants, local))
        return None if None in both else both[0] + both[1]
    return None


def _arg(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _from_calls(tree: ast.Module, constants: dict, sent: dict) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in BUILDERS:
            continue
        code_at, message_at = BUILDERS[name]
        if isinstance(code_at, int):
            code_node = _arg(node, code_at, "code")
            if not (isinstance(code_node, ast.Constant) and isinstance(code_node.value, str)):
                continue  # a code passed through (a relayed answer), not one this module words
            code = code_node.value
        else:
            code_node = _arg(node, 99, "code")
            code = code_node.value if isinstance(code_node, ast.Constant) else code_at
        message = _arg(node, message_at, "message")
        texts = [DEFAULT_MESSAGE[name]] if message is None and name in DEFAULT_MESSAGE \
            else _texts(message, constants, _locals(tree))
        sent.setdefault(code, []).extend(texts or [])


def _from_classes(tree: ast.Module, sent: dict) -> None:
    """Error classes that carry their code and message (booking's domain errors)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        attrs = {t.id: s.value.value for s in node.body if isinstance(s, ast.Assign)
                 for t in s.targets if isinstance(t, ast.Name)
                 and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)}
        if "code" in attrs and "message" in attrs:
            sent.setdefault(attrs["code"], []).append(attrs["message"])


def codes_sent() -> dict[str, list[str]]:
    """Every code a service can send → the messages written for it where it is raised."""
    sent: dict[str, list[str]] = {code: [message] for code, message in STATUS_CODES.values()}
    folders = [ROOT / "services" / "common" / "src" / "regcommon"]
    folders += [ROOT / "services" / name / "src" / name for name in SERVICES]
    trees = [tree for _path, tree in _modules(*folders)]
    constants = {name: value for tree in trees for name, value in _constants(tree).items()}
    for tree in trees:
        _from_calls(tree, constants, sent)
        _from_classes(tree, sent)
    return sent


def _is_code(node: ast.AST) -> bool:
    """``code``, ``x.code``, ``x["code"]`` or ``x.get("code")``."""
    if isinstance(node, ast.Name):
        return node.id == "code"
    if isinstance(node, ast.Attribute):
        return node.attr == "code"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "code"
    return (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get"
            and bool(node.args) and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "code")


def codes_the_gateway_keys_on() -> dict[str, str]:
    """Codes the UI and the staff workspace compare with or keep a text for → where."""
    keyed: dict[str, str] = {}
    gateway = ROOT / "gateway" / "src" / "gateway"
    for path, tree in _modules(gateway / "ui", gateway / "staff"):
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and _is_code(node.left):
                for other in node.comparators:
                    value = constants.get(other.id) if isinstance(other, ast.Name) else None
                    if value is None:
                        try:
                            value = ast.literal_eval(other)
                        except ValueError:
                            continue
                    for code in ([value] if isinstance(value, str) else value):
                        keyed[code] = path.name
        for name, value in constants.items():  # texts kept per code (MESSAGES, BOOKING_ERRORS)
            if name.endswith(("MESSAGES", "ERRORS", "HINTS")) and isinstance(value, dict):
                keyed.update({code: f"{path.name}:{name}" for code in value})
    return keyed


def test_the_walk_finds_the_codes_of_every_service():
    sent = codes_sent()
    for code in ("cancel_too_late", "slot_unavailable", "too_many_holds_for_day",
                 "authentication_failed", "duplicate_patient", "invalid_region_file",
                 "ticket_void", "template_missing", "idempotency_key_required", "not_found"):
        assert code in sent, code


def test_every_code_a_service_sends_has_a_russian_message_at_its_source():
    sent = codes_sent()
    for code, messages in sent.items():
        assert CODE.match(code), code
        assert messages, f"{code}: no message written where it is raised"
        for message in messages:
            assert message.strip() and CYRILLIC.search(message), (code, message)


def test_the_gateway_keys_on_no_code_that_no_service_sends():
    sent = codes_sent()
    keyed = codes_the_gateway_keys_on()
    assert "slot_unavailable" in keyed and "service_unavailable" in keyed  # the walk sees them
    dead = {code: where for code, where in keyed.items() if code not in sent}
    assert dead == {}
    for code in ("hold_expired", "cancel_cutoff_passed"):
        assert code not in sent and code not in keyed
