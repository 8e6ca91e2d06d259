"""The client's address as a service believes it, and the key the rate limits count it under.

Only the gateway knows who the client is: it resolves ``X-Forwarded-For`` as far as its
configured trusted proxy hops allow (werkzeug's ProxyFix) and passes the result on in
``X-Client-IP``. A service believes that header only when the caller proves it knows the internal
token: either the token itself (``X-Internal-Token``, service-to-service calls) or
``X-Client-IP-Proof``, an HMAC of the address under the token. The proof vouches for this one
address without handing the token, and with it the /internal/ routes, to a call that is proxied
with the client's own rights. Anyone else's ``X-Client-IP`` is ignored: the socket peer counts.
See docs/security.md.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app, request

CLIENT_IP_HEADER = "X-Client-IP"
PROOF_HEADER = "X-Client-IP-Proof"
INTERNAL_TOKEN_HEADER = "X-Internal-Token"
MAX_LENGTH = 64
# An IPv6 subscriber gets at least a /64 and picks any address inside it at will.
IPV6_PREFIX = 64


def address_proof(internal_token: str, address: str) -> str:
    return hmac.new(internal_token.encode(), b"client-ip:" + address.encode(),
                    hashlib.sha256).hexdigest()


def vouched_headers(internal_token: str, address: str) -> dict[str, str]:
    """The headers with which the gateway passes the client's address on to a service."""
    address = address[:MAX_LENGTH]
    headers = {CLIENT_IP_HEADER: address}
    if internal_token:
        headers[PROOF_HEADER] = address_proof(internal_token, address)
    return headers


def _equal(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def presents_internal_token(internal_token: str) -> bool:
    """Whether this request carries the internal token (a call from one of our services)."""
    return _equal(request.headers.get(INTERNAL_TOKEN_HEADER, ""), internal_token)


def client_address(internal_token: str | None = None) -> str:
    """The address of the client behind this request (the settings' internal token by default)."""
    if internal_token is None:
        internal_token = current_app.extensions["settings"].internal_token
    claimed = (request.headers.get(CLIENT_IP_HEADER) or "").strip()[:MAX_LENGTH]
    if claimed:
        proof = request.headers.get(PROOF_HEADER, "")
        if (internal_token and _equal(proof, address_proof(internal_token, claimed))) or \
                presents_internal_token(internal_token):
            return claimed
    return (request.remote_addr or "unknown")[:MAX_LENGTH]


def rate_limit_key(address: str) -> str:
    """What a per-address limit counts: an IPv4 address, or the /64 of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return (address or "unknown")[:MAX_LENGTH]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)
