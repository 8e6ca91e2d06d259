"""FHIR OperationOutcome errors and searchset Bundles (pure)."""
from __future__ import annotations

from urllib.parse import urlencode

# HTTP status -> the OperationOutcome issue type (R4 IssueType, a required binding).
ISSUE_TYPES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               405: "not-supported", 406: "not-supported", 409: "conflict", 410: "deleted",
               422: "processing", 429: "throttled", 502: "transient", 503: "transient",
               504: "timeout"}


class FhirError(Exception):
    """An error answered as an OperationOutcome (``message`` is for people, in Russian)."""

    def __init__(self, status: int, message: str, issue_type: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.issue_type = issue_type or ISSUE_TYPES.get(status, "exception")
        self.headers = headers or {}

    def resource(self) -> dict:
        return operation_outcome(self.issue_type, self.message)


def operation_outcome(issue_type: str, message: str, severity: str = "error") -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": issue_type, "details": {"text": message}}]}


def bad_parameter(_name: str, message: str) -> FhirError:
    """A malformed or unknown search parameter (the message names it)."""
    return FhirError(400, message, "invalid")


def searchset(resources: list[dict], *, base_url: str, resource_type: str, query: list,
              offset: int, count: int, full_url=None) -> dict:
    """One page of ``resources`` (all the matches, in order) with self/first/previous/next links.

    ``query`` is the search's own parameters as (name, value) pairs, paging excluded;
    ``full_url`` names resources that have no id of their own.
    """
    total = len(resources)
    page = resources[offset:offset + count]

    def link(relation: str, page_offset: int) -> dict:
        params = [*query, ("_count", str(count)), ("_offset", str(page_offset))]
        return {"relation": relation,
                "url": f"{base_url}/{resource_type}?{urlencode(params)}"}

    links = [link("self", offset), link("first", 0)]
    if offset > 0 and count > 0:
        links.append(link("previous", max(0, offset - count)))
    if count > 0 and offset + count < total:
        links.append(link("next", offset + count))
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if page:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"fullUrl": full_url(r) if full_url else
                            f"{base_url}/{r['resourceType']}/{r['id']}",
                            "resource": r, "search": {"mode": "match"}} for r in page]
    return bundle
