"""Small request helpers: the client address and safe redirect targets."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from regcommon.clientaddr import MAX_LENGTH, vouched_headers


def client_address() -> str:
    """The client's address: the socket peer, or as far into X-Forwarded-For as the configured
    trusted proxy hops reach (ProxyFix, installed by create_app, has already rewritten it)."""
    return (request.remote_addr or "")[:MAX_LENGTH]


def client_headers() -> dict[str, str]:
    """``X-Client-IP`` and its proof, for every call the gateway makes on a client's behalf
    (the public API, the UI, the staff workspace): the services believe no other."""
    settings = current_app.extensions.get("settings")
    return vouched_headers(getattr(settings, "internal_token", "") or "", client_address())


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything pointing elsewhere falls back to ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target
