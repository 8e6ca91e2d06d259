"""The CapabilityStatement at /fhir/R4/metadata, built from the table of resource types."""
from __future__ import annotations

FHIR_VERSION = "4.0.1"
PAGING_PARAMS = [
    {"name": "_count", "type": "number",
     "documentation": "Сколько ресурсов на странице (по умолчанию 50, не больше 500)"},
    {"name": "_offset", "type": "number",
     "documentation": "С какого по счёту совпадения начинать страницу (ссылки next/previous)"},
]


def _search_params(kind) -> list[dict]:
    found = []
    for name, param in kind.params.items():
        entry = {"name": name, "type": param.type, "documentation": param.doc}
        if param.definition:
            entry["definition"] = param.definition
        found.append(entry)
    return found + PAGING_PARAMS


def capability_statement(kinds: dict, base_url: str, software_version: str, date: str,
                         operations: dict | None = None) -> dict:
    """``operations``: resource type -> [(name, canonical definition)]."""
    resources = []
    for resource_type, kind in sorted(kinds.items()):
        entry = {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": _search_params(kind),
        }
        found = [{"name": name, "definition": definition}
                 for name, definition in (operations or {}).get(resource_type, [])]
        if found:
            entry["operation"] = found
        if kind.needs_token:
            entry["documentation"] = ("Только записи самого пациента, с его токеном "
                                      "(Authorization: Bearer); чужая запись — 404")
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "Регистратура",
        "kind": "instance",
        "software": {"name": "Registratura gateway", "version": software_version},
        "implementation": {"description": "FHIR R4: расписание врачей и записи на приём (только "
                                          "чтение)", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": ("Чтение и поиск; ошибки — OperationOutcome. Идентификаторы "
                              "составлены из идентификаторов каталога через точку, начиная с "
                              "организации."),
            "security": {"cors": False, "description": "Записи на приём: Bearer-токен из "
                                                       "POST /api/v1/auth/oms"},
            "resource": resources,
        }],
    }


def _operation(summary: str, parameters: list[dict], answer: str) -> dict:
    fhir_json = {"application/fhir+json": {"schema": {"type": "object"}}}
    return {"get": {
        "summary": summary, "tags": ["fhir"], "parameters": parameters,
        "responses": {"200": {"description": answer, "content": fhir_json},
                      "default": {"description": "OperationOutcome", "content": fhir_json}}}}


def _query(docs: dict) -> list[dict]:
    return [{"name": name, "in": "query", "required": False, "schema": {"type": "string"},
             "description": doc} for name, doc in docs.items()]


def openapi_paths(kinds: dict, find_docs: dict) -> dict:
    """The FHIR paths for the gateway's OpenAPI document (the shapes are FHIR R4's)."""
    paths = {"/fhir/R4/metadata": _operation("FHIR CapabilityStatement", [],
                                             "CapabilityStatement"),
             "/fhir/R4/Appointment/$find": _operation(
                 "Earliest free times as proposed Appointments (FHIR R4)",
                 _query({**find_docs, "_count": "Сколько предложений (по умолчанию 10)"}),
                 "Bundle (searchset) of proposed Appointments")}
    for resource_type, kind in sorted(kinds.items()):
        query = _query({p["name"]: p["documentation"] for p in _search_params(kind)})
        paths[f"/fhir/R4/{resource_type}"] = _operation(
            f"Search {resource_type} (FHIR R4)", query, "Bundle (searchset)")
        paths[f"/fhir/R4/{resource_type}/{{id}}"] = _operation(
            f"Read {resource_type} (FHIR R4)",
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            resource_type)
    return paths
