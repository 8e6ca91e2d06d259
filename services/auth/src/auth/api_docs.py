"""What the auth views read by hand, for /openapi.json (see regcommon.openapi)."""
from __future__ import annotations

from regcommon.openapi import DATE, TEXT, body

from .domain.documents import IDENTITY_TYPES, POLICY_TYPES

CHANNEL = {"type": "string", "maxLength": 32}

INPUTS = {
    "POST /v1/auth/oms": {"body": body({
        "document_type": {"type": "string", "enum": list(POLICY_TYPES)},
        "policy_series": {"type": "string"}, "policy_number": {"type": "string"},
        "birth_date": DATE,
        "identity_document": body({"type": {"type": "string", "enum": list(IDENTITY_TYPES)},
                                   "number": {"type": "string"}}, ("type", "number"))},
        ("document_type", "policy_number"))},
    "POST /v1/auth/staff": {"body": body({"login": TEXT, "password": TEXT},
                                         ("login", "password"))},
    "POST /v1/consents": {"body": body({"version": TEXT, "session_id": {
        "type": "string", "maxLength": 128}, "channel": CHANNEL}, ("version",))},
    "POST /v1/consents/withdraw": {"body": body({"channel": CHANNEL})},
    "GET /v1/registry/patients": {"query": {"policy_number": TEXT, "last_name": TEXT,
                                            "birth_date": DATE}},
}
