"""Benchmark: the CPU one booking costs inside booking, and one take inside schedule, in-process.

    .venv/bin/python tools/bench_hot_path.py [--only booking|take] [--n 600] [--profile]

No servers and no network hop: each service's Flask app through its test client, over a fresh
PostgreSQL database (``TEST_DATABASE_URL``'s server, else 127.0.0.1:5432), booking with the test
suite's fake peers (schedule, catalog, auth), schedule over the test suite's one-clinic region.
So the figure is the service's own work per request (routing, the rules, SQLAlchemy, psycopg),
steady on a shared machine where the full rush (tools/bench_rush.py) is not. Prints CPU and
wall milliseconds per operation; ``--profile`` adds cProfile's top functions. Figures, never
assertions.
"""
from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import pstats
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def conftest(service: str):
    """The service's test conftest as a module (its fakes and app builders)."""
    spec = importlib.util.spec_from_file_location(f"{service}_conftest",
                                                  REPO / "tests" / service / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def fresh_database(prefix: str):
    server = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://root@127.0.0.1:5432/postgres"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(label: str, operations: list, profile: bool) -> None:
    """Run each zero-argument operation once; print CPU and wall ms per operation."""
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for operation in operations:
        operation()
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label}: {len(operations)} in-process, {1000 * cpu / len(operations):.2f} ms CPU, "
          f"{1000 * wall / len(operations):.2f} ms wall each{' (under cProfile)' if profile else ''}")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def bench_booking(n: int, profile: bool) -> None:
    conf = conftest("booking")
    with fresh_database("benchhot_booking") as url:
        world = conf.World(url, conf.token_factory.__wrapped__())
        try:
            client = world.app.test_client()

            def booking(patient, slot, headers):
                def run():
                    answer = client.post("/v1/appointments", headers=headers, json={
                        "slot_id": slot, "service_id": "svc-ther",
                        "consent_version": conf.CONSENT})
                    assert answer.status_code == 201, answer.json
                return run

            # Tokens are signed before the clock starts: signing is auth's cost, not booking's.
            jobs = []
            for minute in range(n + 50):
                patient = world.auth.add_patient()
                jobs.append(booking(patient, world.slot("doc-1", minute=minute),
                                    world.headers(patient)))
            for warm in jobs[:50]:
                warm()
            measure("booking POST /v1/appointments", jobs[50:], profile)
        finally:
            world.close()


def bench_take(n: int, profile: bool) -> None:
    conf = conftest("schedule")
    with fresh_database("benchhot_schedule") as url:
        conf.seeded(url)
        app = conf.build_app(url, conf.signing.__wrapped__())
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                ids = [row[0] for row in conn.execute(text(
                    "SELECT id FROM slots WHERE status = 'free' AND channel IN ('any', 'portal') "
                    "AND start_utc > :after ORDER BY id"), {"after": conf.NOW.replace(hour=23)})]
            client = app.test_client()

            def take(slot_id):
                def run():
                    answer = client.post(f"/internal/slots/{slot_id}/take", headers=conf.INTERNAL,
                                         json={"appointment_id": str(uuid.uuid4()),
                                               "channel": "portal"})
                    assert answer.status_code == 200, answer.json
                return run

            jobs = [take(slot_id) for slot_id in ids[:n + 50]]
            for warm in jobs[:50]:
                warm()
            measure("schedule POST /internal/slots/{id}/take", jobs[50:], profile)
        finally:
            app.extensions["engine"].dispose()
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("booking", "take"))
    parser.add_argument("--n", type=int, default=600, help="measured operations (takes: at most "
                                                            "the region's free slots)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.only in (None, "booking"):
        bench_booking(args.n, args.profile)
    if args.only in (None, "take"):
        bench_take(args.n, args.profile)


if __name__ == "__main__":
    main()
