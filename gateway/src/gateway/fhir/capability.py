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


def capability_statement(kinds: dict, base_url: str, software_version: str, date: str) -> dict:
    resources = []
    for resource_type, kind in sorted(kinds.items()):
        entry = {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": _search_params(kind),
        }
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
