"""Validation of the resources the FHIR API produces against the HL7 definitions.

fhir.resources (8.x, pydantic 2) has no R4 (4.0.1) module: its 6.x line did, on pydantic 1, which
cannot live beside the services' pydantic 2. Its ``R4B`` models are generated from the R4B (4.3.0)
StructureDefinitions, which keep R4's definitions of every resource served here (R4B changed the
medication-definition and subscription resources). The models check element names, cardinality,
types and primitive formats; what they leave out and R4's JSON rules require is checked here:
no empty arrays or objects, no nulls, ids of at most 64 characters, and the codes of the required
bindings the API emits (R4 value sets, copied from the specification).
"""
from __future__ import annotations

import importlib

R4_REQUIRED_CODES = {  # (resourceType, element) -> the R4 value set's codes
    ("Slot", "status"): {"busy", "free", "busy-unavailable", "busy-tentative",
                         "entered-in-error"},
    ("Appointment", "status"): {"proposed", "pending", "booked", "arrived", "fulfilled",
                                "cancelled", "noshow", "entered-in-error", "checked-in",
                                "waitlist"},
    ("Location", "status"): {"active", "suspended", "inactive"},
    ("Location", "mode"): {"instance", "kind"},
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch",
                         "batch-response", "history", "searchset", "collection"},
    ("CapabilityStatement", "status"): {"draft", "active", "retired", "unknown"},
    ("CapabilityStatement", "kind"): {"instance", "capability", "requirements"},
    ("CapabilityStatement", "fhirVersion"): {"4.0.0", "4.0.1"},
}
PARTICIPANT_STATUS = {"accepted", "declined", "tentative", "needs-action"}
PARTICIPANT_REQUIRED = {"required", "optional", "information-only"}
ISSUE_SEVERITY = {"fatal", "error", "warning", "information"}


def _json_rules(value, path: str) -> None:
    assert value is not None, f"{path}: null is not allowed in FHIR JSON"
    if isinstance(value, dict):
        assert value, f"{path}: empty object"
        for key, item in value.items():
            _json_rules(item, f"{path}.{key}")
    elif isinstance(value, list):
        assert value, f"{path}: empty array"
        for index, item in enumerate(value):
            _json_rules(item, f"{path}[{index}]")
    elif isinstance(value, str):
        assert value.strip() or value == "", f"{path}: whitespace-only string"


def _codes(resource: dict) -> None:
    kind = resource["resourceType"]
    for (rtype, element), allowed in R4_REQUIRED_CODES.items():
        if rtype == kind and element in resource:
            assert resource[element] in allowed, f"{kind}.{element}={resource[element]!r}"
    if kind == "Appointment":
        for participant in resource["participant"]:
            assert participant["status"] in PARTICIPANT_STATUS
            assert participant.get("required", "required") in PARTICIPANT_REQUIRED
    if kind == "OperationOutcome":
        for issue in resource["issue"]:
            assert issue["severity"] in ISSUE_SEVERITY
    if "id" in resource:
        assert 1 <= len(resource["id"]) <= 64, resource["id"]


def validate(resource: dict):
    """Validates ``resource`` (a Bundle: with every entry) and returns the parsed model."""
    kind = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
    model = getattr(module, kind).model_validate(resource)
    _json_rules(resource, kind)
    _codes(resource)
    for entry in resource.get("entry", []) if kind == "Bundle" else ():
        validate(entry["resource"])
        if "id" in entry["resource"]:
            assert entry["fullUrl"].endswith(f"/{entry['resource']['resourceType']}/"
                                             f"{entry['resource']['id']}")
        else:
            assert entry["fullUrl"].startswith("urn:uuid:")
    return model
