"""FHIR ids derived from the services' ids, and back.

A FHIR id is ``[A-Za-z0-9\\-.]{1,64}``; catalog ids may also hold ``_`` and ``.``. An id is the
parts of the key joined by ``.``: a part made of letters, digits and ``-`` (every id the demo and
the region files use) stays as it is; any other part is written as ``-`` plus its UTF-8 in hex, and
no service id starts with ``-``, so decoding is unambiguous. The public routes are keyed by
organization, so every catalog-backed id starts with the organization's id.
"""
from __future__ import annotations

import re

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}\Z")
PLAIN_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*\Z")
HEX_PART = re.compile(r"-((?:[0-9a-f]{2})+)\Z")

# How many service ids each FHIR resource's id is made of.
PARTS = {
    "Organization": 1,         # organization
    "Location": (1, 2),        # organization (its main address), or organization.subdivision
    "HealthcareService": 2,    # organization.service
    "Practitioner": 2,         # organization.doctor
    "PractitionerRole": 2,     # organization.doctor
    "Schedule": 3,             # organization.doctor.service
    "Slot": 5,                 # organization.doctor.service.YYYYMMDD.slot
    "Appointment": 1,          # appointment (a UUID)
    "Patient": 1,              # patient (a UUID; referenced, not served)
}


def encode_part(value: str) -> str:
    value = str(value)
    if PLAIN_PART.match(value):
        return value
    return "-" + value.encode().hex()


def decode_part(part: str) -> str | None:
    if PLAIN_PART.match(part):
        return part
    found = HEX_PART.match(part)
    if not found:
        return None
    try:
        return bytes.fromhex(found.group(1)).decode()
    except UnicodeDecodeError:
        return None


def make_id(*parts: str) -> str:
    return ".".join(encode_part(p) for p in parts)


def split_id(resource_type: str, fhir_id: str) -> tuple[str, ...] | None:
    """The service ids behind ``fhir_id``, or None if it cannot be one of ours (a 404)."""
    if not FHIR_ID.match(fhir_id):
        return None
    parts = fhir_id.split(".")
    expected = PARTS[resource_type]
    if len(parts) not in (expected if isinstance(expected, tuple) else (expected,)):
        return None
    decoded = tuple(decode_part(p) for p in parts)
    return None if any(d is None for d in decoded) else decoded
