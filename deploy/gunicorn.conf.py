"""Gunicorn settings shared by every web role (the images copy this file to /app/gunicorn.conf.py).

Everything is read from the environment so that compose and Kubernetes tune a role without
rebuilding: ``PORT``, ``WEB_CONCURRENCY`` (worker processes), ``GUNICORN_THREADS``,
``GUNICORN_TIMEOUT``, ``GUNICORN_MAX_REQUESTS``, ``LOG_LEVEL``.

Prometheus: with several worker processes each one keeps its own counters, so the samples are
written to ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` (regcommon.metrics) adds them up. The
folder is wiped when the master starts (stale files of a previous run would be counted again) and
a dead worker's live gauges are dropped in ``child_exit``. The variable is set here, not in the
image, so the non-web roles of the same image (relays, consumers, Celery) keep the plain
in-process registry.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc
    if value < 0:
        raise SystemExit(f"{name} must not be negative, got {raw!r}")
    return value


os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/prometheus-multiproc")
MULTIPROC_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])

# The image's default command names no app: the service's own (an app given on the command
# line, as compose and Kubernetes do, takes precedence).
if os.environ.get("REGISTRATURA_SERVICE"):
    wsgi_app = f"{os.environ['REGISTRATURA_SERVICE']}.app:create_app()"
bind = f"0.0.0.0:{_int_env('PORT', 8000)}"
workers = max(1, _int_env("WEB_CONCURRENCY", 2))
threads = max(1, _int_env("GUNICORN_THREADS", 4))
# The workers size their database pools by it (one connection per thread, regcommon.db).
os.environ["GUNICORN_THREADS"] = str(threads)
worker_class = "gthread"
timeout = _int_env("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow for ever; the jitter keeps them
# from restarting together.
max_requests = _int_env("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# Long search queries in Cyrillic are percent-encoded six bytes a letter: allow the maximum line.
limit_request_line = 8190
# The root file system is read-only in Kubernetes: worker heartbeats go to memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No control socket: it would be written under $HOME (read-only, and useless in a container).
control_socket_disable = True

# The apps log one JSON object per request themselves; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "regcommon.logs.JsonFormatter",
            "service": os.environ.get("REGISTRATURA_SERVICE", "gunicorn"),
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json",
                    "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": loglevel.upper()},
}


def on_starting(server) -> None:
    """Start every run with an empty metrics folder (files of dead pids would be summed again)."""
    MULTIPROC_DIR.mkdir(parents=True, exist_ok=True)
    # Empty it rather than remove it: the folder may be a mounted volume.
    for entry in MULTIPROC_DIR.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def child_exit(server, worker) -> None:
    """Drop the live gauges of a worker that exited (recycled, crashed or timed out)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
