"""The generic part of a search: what each resource type offers, and filtering by parameters.

A search fetches the candidates the parameters imply (an organization, a schedule...), then keeps
those that match every parameter (repeated parameters are ANDed, comma-separated values ORed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Callable

from . import params
from .ids import split_id
from .params import Query


@dataclass(frozen=True)
class Context:
    token: str | None
    zone: tzinfo          # the region's zone (settings.timezone)
    grid_days: int        # the default period of a slot search
    now: datetime


@dataclass(frozen=True)
class SearchParam:
    type: str                                  # FHIR search parameter type
    doc: str
    match: Callable[[dict, str | None, str], bool]
    modifiers: tuple = ()
    definition: str | None = None              # the canonical SearchParameter, if standard
    # Refuses a malformed value (a FhirError) before anything is fetched.
    check: Callable[[str | None, str], object] | None = None


@dataclass(frozen=True)
class Kind:
    read: Callable[[str, Context], dict | None]
    candidates: Callable[[Query, Context], list[dict]]
    params: dict = field(default_factory=dict)
    needs_token: bool = False


def search(kind: Kind, query: Query, ctx: Context) -> list[dict]:
    for name, pairs in query.values.items():
        check = kind.params[name].check
        for modifier, value in pairs if check else ():
            for one in [value] if kind.params[name].type == "date" else params.split_values(value):
                check(modifier, one)
    found = kind.candidates(query, ctx)
    for name, pairs in query.values.items():
        param = kind.params[name]
        for modifier, value in pairs:
            options = [value] if param.type == "date" else params.split_values(value)
            found = [r for r in found if any(param.match(r, modifier, v) for v in options)]
    return found


def by_ids(kind_read: Callable[[str, Context], dict | None], query: Query, ctx: Context
           ) -> list[dict]:
    """The resources named by ``_id`` (the only candidates when no other scope is given)."""
    found = []
    for _modifier, value in query.get("_id"):
        for fhir_id in params.split_values(value):
            resource = kind_read(fhir_id, ctx)
            if resource is not None and resource not in found:
                found.append(resource)
    return found


def scope_ids(query: Query, name: str, types: tuple[str, ...]) -> list[tuple]:
    """The service ids behind the references of parameter ``name`` (unknown ones dropped)."""
    keys = []
    for modifier, value in query.get(name):
        for one in params.split_values(value):
            ref_type, fhir_id = params.reference(name, one, types, modifier)
            parts = split_id(ref_type, fhir_id)
            if parts is not None and parts not in keys:
                keys.append((ref_type, *parts))
    return keys


# --- matchers shared by the resource types --------------------------------------------------

def match_id(resource: dict, _modifier, value: str) -> bool:
    return resource["id"] == value


def match_identifier(resource: dict, _modifier, value: str) -> bool:
    system, code = params.token(value)
    return any(i.get("value") == code and (system is None or i.get("system") == system)
               for i in resource.get("identifier", []))


def reference_param(name: str, doc: str, getter: Callable[[dict], list], types: tuple[str, ...],
                    definition: str | None = None) -> SearchParam:
    def match(resource: dict, modifier, value: str) -> bool:
        ref_type, fhir_id = params.reference(name, value, types, modifier)
        return f"{ref_type}/{fhir_id}" in [r.get("reference") for r in getter(resource)]

    return SearchParam("reference", doc, match, modifiers=types, definition=definition,
                       check=lambda modifier, value: params.reference(name, value, types, modifier))


def match_code(getter: Callable[[dict], list]):
    """A token against the codings of CodeableConcepts."""
    def match(resource: dict, _modifier, value: str) -> bool:
        system, code = params.token(value)
        return any(c.get("code") == code and (system is None or c.get("system") == system)
                   for concept in getter(resource) for c in concept.get("coding", []))
    return match


def date_param(name: str, doc: str, getter: Callable[[dict], str],
               definition: str | None = None) -> SearchParam:
    """A date parameter against an instant; a date alone is a day at the instant's own offset."""
    def match(resource: dict, _modifier, value: str) -> bool:
        moment = datetime.fromisoformat(getter(resource))
        return params.date_filter(name, value, moment.tzinfo).matches(moment)

    return SearchParam("date", doc, match, definition=definition,
                       check=lambda _modifier, value: params.date_filter(name, value, timezone.utc))


ID_PARAM = SearchParam("token", "Логический id ресурса", match_id,
                       definition="http://hl7.org/fhir/SearchParameter/Resource-id")
