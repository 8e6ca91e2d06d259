"""The gateway's OpenAPI document: the public /api/v1 paths of the routing table, and the FHIR
R4 read API's paths.

The shapes are the owners' business (each publishes its own /openapi.json); the gateway documents
which paths exist, their methods and who answers them.
"""
from __future__ import annotations

import re

from .fhir import find
from .fhir.api import KINDS
from .fhir.capability import openapi_paths
from .routing import ROUTES

PREFIX_PATHS = {  # prefix routes documented with a trailing path parameter
    r"registry/.+": "registry/{path}",
    r"admin/organizations(?:/.*)?": "admin/organizations/{path}",
    r"admin/doctors(?:/.*)?": "admin/doctors/{path}",
    r"admin/audit(?:/.*)?": "admin/audit/{path}",
}


def _openapi_path(template: str) -> tuple[str, list[str]]:
    template = PREFIX_PATHS.get(template, template)
    names: list[str] = []

    def name(_match) -> str:
        names.append("id" if not names else f"id{len(names) + 1}")
        return "{" + names[-1] + "}"

    path = re.sub(r"\{id\}", name, template)
    if "{path}" in path:
        names.append("path")
    return "/api/v1/" + path, names


def add_public_paths(spec: dict) -> dict:
    paths = {p: v for p, v in spec.get("paths", {}).items() if not p.startswith("/api/")}
    for route in ROUTES:
        path, params = _openapi_path(route.template)
        entry = paths.setdefault(path, {})
        for method in sorted(route.methods):
            entry[method.lower()] = {
                "summary": f"Served by the {route.service} service",
                "tags": [route.service],
                "parameters": [{"name": n, "in": "path", "required": True,
                                "schema": {"type": "string"}} for n in params],
                "responses": {"default": {"description": "As described in docs/api.md; errors "
                                                         "as {\"error\": {code, message}}"}},
            }
    paths.update(openapi_paths(KINDS, find.DOCS))
    spec["paths"] = paths
    return spec


def register(app) -> None:
    app.spec_processor(add_public_paths)
