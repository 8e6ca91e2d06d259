"""Organization, Location, HealthcareService, Practitioner, PractitionerRole: read and search.

The catalog's public routes are keyed by organization, so a search names its organization (or
ids, which carry it); a region-wide search of doctors would walk every organization and is
refused as too costly.
"""
from __future__ import annotations

from . import data, mapping, params
from .ids import split_id
from .kinds import (ID_PARAM, Context, Kind, SearchParam, by_ids, match_code, match_identifier,
                    reference_param, scope_ids)
from .params import Query

HL7 = "http://hl7.org/fhir/SearchParameter/"
SCOPE_MESSAGE = "Укажите организацию (organization) или id ресурса (_id)"


def _string_param(doc: str, getter, definition: str | None = None) -> SearchParam:
    return SearchParam("string", doc, lambda r, m, v: params.string_matches(m, v, *getter(r)),
                       modifiers=("contains", "exact"), definition=definition)


def _org_scope(query: Query, *ref_params: tuple[str, tuple[str, ...]]) -> list[str]:
    """The organizations a search is about: from its references and its ``_id`` values."""
    orgs: list[str] = []
    for name, types in ref_params:
        orgs += [key[1] for key in scope_ids(query, name, types)]
    return list(dict.fromkeys(orgs))


# --- Organization ---------------------------------------------------------------------------

def read_organization(fhir_id: str, _ctx: Context) -> dict | None:
    parts = split_id("Organization", fhir_id)
    org = data.organization(parts[0]) if parts else None
    return mapping.organization(org) if org else None


def organization_candidates(query: Query, ctx: Context) -> list[dict]:
    if query.get("_id"):
        return by_ids(read_organization, query, ctx)
    names = [params.split_values(value) for _modifier, value in query.get("name")]
    # The catalog's q matches names and addresses: it narrows, the name filter decides.
    text = names[0][0] if len(names) == 1 and len(names[0]) == 1 else None
    return [mapping.organization(org) for org in data.organizations(text)]


ORGANIZATION = Kind(read_organization, organization_candidates, {
    "_id": ID_PARAM,
    "identifier": SearchParam("token", "Идентификатор организации в каталоге (o-0001)",
                              match_identifier, definition=HL7 + "Organization-identifier"),
    "name": _string_param("Название или краткое название",
                          lambda r: [r.get("name"), *r.get("alias", [])],
                          HL7 + "Organization-name"),
})


# --- Location -------------------------------------------------------------------------------

def _locations(org: dict) -> list[dict]:
    return [mapping.main_location(org)] + [mapping.subdivision_location(org, sd)
                                           for sd in org.get("subdivisions", [])]


def read_location(fhir_id: str, _ctx: Context) -> dict | None:
    parts = split_id("Location", fhir_id)
    org = data.organization(parts[0]) if parts else None
    if org is None:
        return None
    return next((loc for loc in _locations(org) if loc["id"] == fhir_id), None)


def _org_resources(query: Query, ctx: Context, read, build, *ref_params) -> list[dict]:
    orgs = _org_scope(query, *ref_params)
    if not orgs and not query.get("_id"):
        raise params.too_costly(SCOPE_MESSAGE)
    if not orgs:
        return by_ids(read, query, ctx)
    found: list = []
    for org_id in orgs:
        found += build(org_id)
    return found


def location_candidates(query: Query, ctx: Context) -> list[dict]:
    def build(org_id):
        org = data.organization(org_id)
        return _locations(org) if org else []
    return _org_resources(query, ctx, read_location, build, ("organization", ("Organization",)))


def _managing(resource: dict) -> list:
    return [resource["managingOrganization"]]


LOCATION = Kind(read_location, location_candidates, {
    "_id": ID_PARAM,
    "organization": reference_param("organization", "Организация", _managing, ("Organization",),
                                    HL7 + "Location-organization"),
    "name": _string_param("Название", lambda r: [r.get("name")], HL7 + "Location-name"),
})


# --- HealthcareService ----------------------------------------------------------------------

def _services_of(org_id: str) -> list[dict]:
    org = data.organization(org_id)
    return [mapping.healthcare_service(org, s) for s in data.services(org_id)] if org else []


def read_healthcare_service(fhir_id: str, _ctx: Context) -> dict | None:
    parts = split_id("HealthcareService", fhir_id)
    if parts is None:
        return None
    return next((s for s in _services_of(parts[0]) if s["id"] == fhir_id), None)


def healthcare_service_candidates(query: Query, ctx: Context) -> list[dict]:
    return _org_resources(query, ctx, read_healthcare_service, _services_of,
                          ("organization", ("Organization",)))


HEALTHCARE_SERVICE = Kind(read_healthcare_service, healthcare_service_candidates, {
    "_id": ID_PARAM,
    "organization": reference_param("organization", "Организация",
                                    lambda r: [r["providedBy"]], ("Organization",),
                                    HL7 + "HealthcareService-organization"),
    "name": _string_param("Название услуги", lambda r: [r.get("name")],
                          HL7 + "HealthcareService-name"),
    "identifier": SearchParam("token", "Идентификатор услуги в каталоге", match_identifier,
                              definition=HL7 + "HealthcareService-identifier"),
    "service-type": SearchParam("token", "Код услуги", match_code(lambda r: r.get("type", [])),
                                definition=HL7 + "HealthcareService-service-type"),
})


# --- Practitioner and PractitionerRole ------------------------------------------------------

def _practitioners_of(org_id: str) -> list[dict]:
    return [mapping.practitioner(org_id, doctor)
            for doctor, _sids in data.org_doctors(org_id).values()]


def _roles_of(org_id: str) -> list[dict]:
    org = data.organization(org_id)
    if org is None:
        return []
    return [mapping.practitioner_role(org, doctor, sids)
            for doctor, sids in data.org_doctors(org_id).values()]


def _read_in_org(kind: str, build):
    def read(fhir_id: str, _ctx: Context) -> dict | None:
        parts = split_id(kind, fhir_id)
        if parts is None:
            return None
        return next((r for r in build(parts[0]) if r["id"] == fhir_id), None)
    return read


read_practitioner = _read_in_org("Practitioner", _practitioners_of)
read_practitioner_role = _read_in_org("PractitionerRole", _roles_of)


def practitioner_candidates(query: Query, ctx: Context) -> list[dict]:
    return _org_resources(query, ctx, read_practitioner, _practitioners_of,
                          ("organization", ("Organization",)))


def practitioner_role_candidates(query: Query, ctx: Context) -> list[dict]:
    return _org_resources(query, ctx, read_practitioner_role, _roles_of,
                          ("organization", ("Organization",)), ("practitioner", ("Practitioner",)),
                          ("service", ("HealthcareService",)))


PRACTITIONER = Kind(read_practitioner, practitioner_candidates, {
    "_id": ID_PARAM,
    "identifier": SearchParam("token", "Идентификатор врача в каталоге (doc-000001)",
                              match_identifier, definition=HL7 + "Practitioner-identifier"),
    "name": _string_param("Фамилия, имя или отчество (или ФИО целиком)",
                          lambda r: [r["name"][0]["text"], r["name"][0].get("family"),
                                     *r["name"][0].get("given", [])],
                          HL7 + "Practitioner-name"),
    # Not a standard Practitioner parameter: the catalog lists doctors by organization.
    "organization": reference_param(
        "organization", "Организация, где работает врач (обязательна без _id)",
        lambda r: [mapping.reference("Organization", r["id"].split(".")[0])],
        ("Organization",)),
})

PRACTITIONER_ROLE = Kind(read_practitioner_role, practitioner_role_candidates, {
    "_id": ID_PARAM,
    "organization": reference_param("organization", "Организация", lambda r: [r["organization"]],
                                    ("Organization",), HL7 + "PractitionerRole-organization"),
    "practitioner": reference_param("practitioner", "Врач", lambda r: [r["practitioner"]],
                                    ("Practitioner",), HL7 + "PractitionerRole-practitioner"),
    "service": reference_param("service", "Услуга", lambda r: r.get("healthcareService", []),
                               ("HealthcareService",), HL7 + "PractitionerRole-service"),
    "identifier": SearchParam("token", "Идентификатор врача в каталоге", match_identifier,
                              definition=HL7 + "PractitionerRole-identifier"),
})
