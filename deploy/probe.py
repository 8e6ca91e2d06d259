"""Container health probe shipped in every image as /app/probe.py (standard library only).

    python /app/probe.py http [PATH]   web roles: GET http://127.0.0.1:$PORT/PATH (default /healthz)
    python /app/probe.py deps          non-web roles: the database and the broker accept TCP
    python /app/probe.py alive         non-web roles: the main process is not stopped or a zombie

Exit status 0 means healthy; anything else is printed to stderr for `docker inspect` and
`kubectl describe`. Kept tiny because probes run every few seconds in every pod.
"""
from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT = float(os.environ.get("PROBE_TIMEOUT_SECONDS", "2"))
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671}


def check_http(path: str = "/healthz") -> None:
    port = os.environ.get("PORT", "8000")
    url = f"http://127.0.0.1:{port}{path if path.startswith('/') else '/' + path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - fixed host
            if not 200 <= answer.status < 300:
                raise RuntimeError(f"{url} answered {answer.status}")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{url} answered {exc.code}") from exc
    except OSError as exc:
        raise RuntimeError(f"{url} unreachable: {exc}") from exc


def dependency_urls(environ=os.environ) -> list[str]:
    """The database and broker URLs this container was given (names end in _DATABASE_URL)."""
    names = sorted(k for k in environ if k.endswith("_DATABASE_URL") or k == "REGISTRATURA_BROKER_URL")
    return [environ[k] for k in names if environ[k]]


def endpoint(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None  # sqlite:// or filesystem:// have nothing to connect to
    return parts.hostname, parts.port or DEFAULT_PORTS[scheme]


def check_deps() -> None:
    for url in dependency_urls():
        target = endpoint(url)
        if target is None:
            continue
        try:
            socket.create_connection(target, timeout=TIMEOUT).close()
        except OSError as exc:
            raise RuntimeError(f"{target[0]}:{target[1]} unreachable: {exc}") from exc


def check_alive(status_file: str = "/proc/1/status") -> None:
    with open(status_file, encoding="ascii") as status:
        for line in status:
            if line.startswith("State:"):
                state = line.split()[1]
                if state in ("Z", "T", "X"):
                    raise RuntimeError(f"main process state is {state}")
                return
    raise RuntimeError("main process state unknown")


def main(argv: list[str]) -> int:
    checks = {"http": check_http, "deps": check_deps, "alive": check_alive}
    if not argv or argv[0] not in checks:
        sys.stderr.write(__doc__ or "")
        return 2
    try:
        checks[argv[0]](*argv[1:])
    except (RuntimeError, OSError, TypeError) as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
