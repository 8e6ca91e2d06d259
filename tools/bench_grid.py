"""Benchmark: import a region into PostgreSQL, then load the day grid and slot list through the
gateway.

    .venv/bin/python tools/bench_grid.py [--scale 1] [--duration 20] [--connections 32]

Prints: region size, import and slot-generation times, slots generated, database sizes, then for
each load profile requests/s and p50/p99 latency as measured by wrk (Debian package `wrk`).
PostgreSQL comes from TEST_POSTGRES_URL or the local default port. Figures, never assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import DEFAULT_PORTS, SERVICES, Stack, free_port  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


def fresh_databases(prefix: str) -> dict[str, str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    urls = {}
    with admin.connect() as conn:
        for svc in SERVICES:
            name = f"{prefix}_{svc}"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            urls[svc] = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return urls


def database_size(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
    engine.dispose()
    return size


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.1f} s", flush=True)
    return result, elapsed


WRK_SCRIPT = """
local paths = {}
local f = io.open("%s")
for line in f:lines() do paths[#paths + 1] = line end
f:close()
math.randomseed(%d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def wrk(url: str, paths: list[str], duration: int, connections: int, workdir: Path) -> dict:
    paths_file = workdir / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT % (paths_file, random.randint(1, 10**6)))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": pct(50), "p99_ms": pct(99),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-grid-"))
    urls = fresh_databases("bench")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    stack = Stack(work, ports=ports, database_urls=urls, web_workers=2)
    stack.prepare_dirs()
    stack.migrate()
    region_file = work / "region.json"
    timed(f"generate region (scale {args.scale})",
          lambda: stack.run_step("catalog", "demo", "--scale", str(args.scale), "--seed", "56",
                                 "--out", str(region_file), quiet=True))
    region = json.loads(region_file.read_text())
    doctors = [(d["id"], d["service_ids"][0]) for o in region["organizations"] for d in o["doctors"]
               if d["service_ids"]]
    print(f"region: {len(region['districts'])} districts, {len(region['organizations'])} organizations, "
          f"{len(doctors)} doctors")
    timed("catalog import", lambda: stack.run_step("catalog", "import", str(region_file), quiet=True))
    timed("schedule import", lambda: stack.run_step("schedule", "import", str(region_file), quiet=True))
    timed("slot generation", lambda: stack.run_step("schedule", "generate", quiet=True))
    engine = create_engine(urls["schedule"])
    with engine.connect() as conn:
        slots = conn.execute(text("SELECT count(*) FROM slots")).scalar()
    engine.dispose()
    print(f"slots generated: {slots}")
    for svc in ("catalog", "schedule"):
        print(f"database size {svc}: {database_size(urls[svc])}")

    stack.procs = [p for p in stack.procs if p.name in ("catalog", "schedule", "auth", "gateway")]
    stack.start()
    try:
        today = date.today()
        frm, to = today.isoformat(), (today + timedelta(days=13)).isoformat()
        gateway = stack.url("gateway")
        hot = random.Random(1).sample(doctors, min(100, len(doctors)))
        profiles = {
            "day grid, 100 popular doctors": [f"/api/v1/doctors/{d}/days?service_id={s}&from={frm}&to={to}"
                                              for d, s in hot],
            "day grid, every doctor": [f"/api/v1/doctors/{d}/days?service_id={s}&from={frm}&to={to}"
                                       for d, s in doctors],
            "slot list, 100 popular doctors": [
                f"/api/v1/doctors/{d}/slots?service_id={s}&date={(today + timedelta(days=i % 14)).isoformat()}"
                for i, (d, s) in enumerate(hot)],
        }
        for name, paths in profiles.items():
            result = wrk(gateway, paths, args.duration, args.connections, work)
            print(f"{name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms, non-2xx {result['non_2xx']} "
                  f"({args.connections} connections, {args.duration} s)", flush=True)
    finally:
        stack.stop()
        if not args.keep:
            admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for url in urls.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
