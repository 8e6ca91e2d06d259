"""A client that forges its address (X-Forwarded-For through the gateway, X-Client-IP straight to
auth) is still counted as the one address it connects from: the per-address login limit holds.

Each attack connects from its own loopback address (127.0.0.2, 127.0.0.3) so that the limit it
trips does not lock out the other tests, which talk from 127.0.0.1.
"""
from __future__ import annotations

import itertools

import pytest
import requests
from requests.adapters import HTTPAdapter

from auth.domain.documents import luhn_valid

pytestmark = pytest.mark.e2e

ADDRESS_LIMIT = 20  # AUTH_ADDRESS_MAX_FAILURES, the default the stack runs with
_numbers = itertools.count(10**12 + 700_000)


class FromAddress(HTTPAdapter):
    """Connections made from one local source address."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", FromAddress(address))
    return session


def unknown_policy() -> str:
    prefix = "58" + str(next(_numbers)).zfill(13)
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


def failed_logins(session, url: str, forged_header: str, attempts: int,
                  appended: str = "") -> list[int]:
    statuses = []
    for n in range(attempts):
        body = {"document_type": "oms_unified", "policy_number": unknown_policy(),
                "birth_date": "1980-01-01"}
        forged = f"198.51.{n // 250}.{n % 250 + 1}" + appended
        response = session.post(url, json=body, timeout=10, headers={forged_header: forged})
        statuses.append(response.status_code)
    return statuses


def test_rotating_x_forwarded_for_through_the_gateway_still_hits_429(stack):
    # The stack's gateway trusts one proxy hop, as behind the Kubernetes ingress: this request
    # plays the ingress, which appends the address it saw (192.0.2.50) to what the client wrote.
    session = session_from("127.0.0.2")
    statuses = failed_logins(session, stack.url("gateway") + "/api/v1/auth/oms",
                             "X-Forwarded-For", ADDRESS_LIMIT + 1, appended=", 192.0.2.50")
    assert statuses == [401] * ADDRESS_LIMIT + [429]


def test_rotating_x_client_ip_straight_to_auth_still_hits_429(stack):
    session = session_from("127.0.0.3")
    statuses = failed_logins(session, stack.url("auth") + "/v1/auth/oms",
                             "X-Client-IP", ADDRESS_LIMIT + 1)
    assert statuses == [401] * ADDRESS_LIMIT + [429]
