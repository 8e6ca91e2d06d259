"""The public API routing table."""
from __future__ import annotations

import pytest

from gateway.routing import MethodNotAllowed, resolve

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("method,path,service", [
    ("GET", "districts", "catalog"),
    ("GET", "organization-types", "catalog"),
    ("GET", "organizations", "catalog"),
    ("GET", "organizations/o-1/services/s-1/doctors", "catalog"),
    ("GET", "doctors/d-1", "catalog"),
    ("GET", "doctors/d-1/days", "schedule"),
    ("GET", "slots/17", "schedule"),
    ("GET", "doctors/d-1/slots", "schedule"),
    ("POST", "slots/17/hold", "schedule"),
    ("DELETE", "holds/h-1", "schedule"),
    ("GET", "consent", "auth"),
    ("POST", "auth/oms", "auth"),
    ("GET", "me", "auth"),
    ("POST", "registry/patients", "auth"),
    ("GET", "appointments", "booking"),
    ("POST", "appointments", "booking"),
    ("GET", "appointments/a-1/calendar.ics", "booking"),
    ("POST", "waitlist", "booking"),
    ("PUT", "admin/organizations/o-1/settings", "catalog"),
    ("POST", "admin/doctors/d-1/absences", "schedule"),
    ("GET", "admin/audit", "booking"),
    ("GET", "referrals", "booking"),
    ("POST", "registry/referrals", "booking"),
    ("POST", "registry/referrals/import", "booking"),
    ("DELETE", "registry/referrals/r-1", "booking"),
    ("GET", "registry/patients/p-1/referrals", "booking"),
    ("GET", "registry/patients/p-1", "auth"),
])
def test_each_public_path_belongs_to_its_owner(method, path, service):
    match = resolve(path, method)
    assert match.service == service
    assert match.upstream_path == "/v1/" + path


def test_the_talon_pdf_is_composed_by_the_gateway():
    match = resolve("appointments/a-1/ticket.pdf", "GET")
    assert match.special == "ticket_pdf" and match.params == ("a-1",)


def test_only_public_reads_of_catalog_and_schedule_are_cacheable():
    assert resolve("districts", "GET").cacheable
    assert resolve("doctors/d/days", "GET").cacheable
    assert not resolve("appointments", "GET").cacheable
    assert not resolve("me", "GET").cacheable


@pytest.mark.parametrize("path", ["nothing", "doctors/d-1/other", "admin/other", "registry/../me",
                                  "organizations//services", "appointments/a/b/c",
                                  "organizations/\x00", "organizations/o-1\nx"])
def test_unknown_paths_resolve_to_nothing(path):
    assert resolve(path, "GET") is None


def test_a_known_path_with_a_wrong_method_lists_the_allowed_ones():
    with pytest.raises(MethodNotAllowed) as raised:
        resolve("districts", "POST")
    assert raised.value.allowed == {"GET"}
