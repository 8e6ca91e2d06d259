"""Prometheus metrics that stay correct with several gunicorn workers.

When ``PROMETHEUS_MULTIPROC_DIR`` is set (by the process launcher), every worker writes its samples
to that folder and ``/metrics`` aggregates them; otherwise the process registry is used.
"""
from __future__ import annotations

import os

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "endpoint", "status"])
LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency",
                    ["service", "method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


def observe_request(service: str, method: str, endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(service, method, endpoint, str(status)).inc()
    LATENCY.labels(service, method, endpoint).observe(seconds)


def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return Counter(name, doc, list(labels))


def gauge(name: str, doc: str, labels: tuple[str, ...] = (), mode: str = "livesum") -> Gauge:
    """A gauge; ``mode`` says how several processes' values combine ("livesum", "livemax"...)."""
    return Gauge(name, doc, list(labels), multiprocess_mode=mode)


# Plumbing gauges every relay and consumer keeps up to date (several replicas report the same
# outbox or queue, so the largest value is the true one).
OUTBOX_LAG = gauge("registratura_outbox_lag_seconds", "Age of the oldest unpublished outbox event",
                   ("service",), mode="livemax")
OUTBOX_PENDING = gauge("registratura_outbox_pending_events", "Outbox events not yet published",
                       ("service",), mode="livemax")
QUEUE_DEPTH = gauge("registratura_queue_depth_messages", "Messages waiting in a broker queue",
                    ("queue",), mode="livemax")


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def serve_from_env() -> None:
    """Non-web roles (relays, consumers, workers): serve this process's metrics on $METRICS_PORT.

    A no-op when the variable is unset (``make run``)."""
    port = os.environ.get("METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        start_http_server(int(port))
