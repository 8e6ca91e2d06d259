"""Large-data check of slot generation and the day grid (not a test: it takes a while).

    .venv/bin/python services/schedule/bench_grid.py postgresql+psycopg://root@127.0.0.1/bench \
        --doctors 3000

Fills the (migrated, preferably empty) database with a synthetic clinic network, generates the
horizon in bulk, then times the day-grid use case: it must stay a single indexed query on
doctor_days however many slots the region has.
"""
from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
from datetime import date, timedelta

from regcommon.db import make_engine, migrate
from schedule.adapters.directory import DoctorDirectory, OrgSettingsProvider
from schedule.adapters.uow import SqlSlotStore
from schedule.generation import generate
from schedule.importer import import_region
from schedule.services import Schedule

log = logging.getLogger("bench_grid")


def synthetic_region(doctors: int, per_org: int = 60) -> dict:
    week = {d: (["08:00", "14:00"] if i % 2 else ["14:00", "20:00"]) for i, d in
            enumerate(("mon", "tue", "wed", "thu", "fri", "sat"))}
    orgs = []
    for o in range(0, doctors, per_org):
        org_id = f"o-{o // per_org:04d}"
        orgs.append({"id": org_id, "settings": {"booking_horizon_days": 14},
                     "doctors": [{"id": f"doc-{n:06d}", "service_ids": [f"svc-{org_id}"],
                                  "schedule": {"slot_minutes": 15, "week": week,
                                               "breaks": [["11:00", "11:15"]],
                                               "quota": {"reception_percent": 20}}}
                                 for n in range(o, min(o + per_org, doctors))]})
    return {"format": "registratura-region/1", "timezone": "Asia/Yekaterinburg",
            "organizations": orgs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--doctors", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    migrate("schedule", args.url)
    engine = make_engine(args.url)
    started = time.perf_counter()
    region = synthetic_region(args.doctors)
    import_region(engine, region)
    log.info("import: %d doctors in %.1f s", args.doctors, time.perf_counter() - started)
    orgs = OrgSettingsProvider(engine, None)
    result = generate(engine, orgs)
    log.info("generate: %d slots, %d doctor-days in %.1f s", result.slots, result.days,
             result.elapsed)
    schedule = Schedule(SqlSlotStore(engine), DoctorDirectory(engine, ttl=30), orgs)
    today = date.today()
    timings = []
    for _ in range(args.queries):
        org = random.choice(region["organizations"])
        doctor = random.choice(org["doctors"])
        t0 = time.perf_counter()
        schedule.days(doctor["id"], doctor["service_ids"][0], today, today + timedelta(days=20))
        timings.append(time.perf_counter() - t0)
    timings.sort()
    log.info("day grid: median %.2f ms, p95 %.2f ms, %.0f queries/s on one thread",
             statistics.median(timings) * 1000, timings[int(len(timings) * 0.95)] * 1000,
             len(timings) / sum(timings))


if __name__ == "__main__":
    main()
