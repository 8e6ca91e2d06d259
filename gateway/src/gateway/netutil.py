"""Small request helpers: the client address and safe redirect targets."""
from __future__ import annotations

from urllib.parse import urlsplit


def client_ip(remote_addr: str | None, forwarded_for: str | None, trust_proxy: bool) -> str:
    """The caller's address: the socket peer, or the first X-Forwarded-For hop behind a proxy."""
    if trust_proxy and forwarded_for:
        first = forwarded_for.split(",")[0].strip()
        if first:
            return first[:64]
    return (remote_addr or "")[:64]


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything pointing elsewhere falls back to ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target
