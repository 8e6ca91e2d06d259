"""Benchmark: import a region into PostgreSQL, then load the day grid and slot list through the
gateway.

    .venv/bin/python tools/bench_grid.py [--scale 1] [--duration 20] [--connections 32]
        [--cache-seconds 0] [--reuse] [--profile gateway,schedule] [--worker-class gthread ...]

Prints: region size, import and slot-generation times, slots generated, database sizes, then for
each load profile requests/s and p50/p99 latency as measured by wrk (Debian package `wrk`).
The gateway's micro-cache is off unless ``--cache-seconds`` says otherwise, so every request
crosses the gateway hop and reads schedule. ``--reuse`` keeps the region's databases
(``benchgrid_*``) between runs and skips the import when they are already filled.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import Profiles, add_web_server_args, describe, print_cpu, stack_cpu, web_server  # noqa: E402
from stack import (DEFAULT_PORTS, Stack, create_databases, drop_databases, free_port,  # noqa: E402
                   service_database_urls)

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


def fresh_databases(prefix: str) -> dict[str, str]:
    """Empty databases ``<prefix>_<service>`` on the benchmark's server (dropped first)."""
    urls = service_database_urls(ADMIN_URL, prefix)
    create_databases(urls, fresh=True)
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
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "requests": requests, "p50_ms": pct(50), "p99_ms": pct(99),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def load_region(stack: Stack, urls: dict[str, str], scale: float, region_file: Path,
                reuse: bool) -> None:
    """Generate the region and import it with its slots, timing each step; with ``reuse``, only
    when the databases do not hold that region's slots yet."""
    stack.migrate()
    if reuse and region_file.exists() and scalar(urls["schedule"], "SELECT count(*) FROM slots"):
        print("region already imported (--reuse)")
        return
    timed(f"generate region (scale {scale})",
          lambda: stack.run_step("catalog", "demo", "--scale", str(scale), "--seed", "56",
                                 "--out", str(region_file), quiet=True))
    timed("catalog import", lambda: stack.run_step("catalog", "import", str(region_file), quiet=True))
    timed("schedule import", lambda: stack.run_step("schedule", "import", str(region_file), quiet=True))
    timed("slot generation", lambda: stack.run_step("schedule", "generate", quiet=True))


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def profiles_of(doctors: list, today: date) -> dict[str, tuple[str, list[str]]]:
    """Each load profile: the service it is sent to and its request paths."""
    frm, to = today.isoformat(), (today + timedelta(days=13)).isoformat()
    hot = random.Random(1).sample(doctors, min(100, len(doctors)))
    every = [f"/v1/doctors/{d}/days?service_id={s}&from={frm}&to={to}" for d, s in doctors]
    return {
        "day grid, every doctor": ("gateway", ["/api" + path for path in every]),
        # The same requests straight to schedule: what the gateway hop adds is the difference.
        "day grid, every doctor, schedule alone": ("schedule", every),
        "day grid, 100 popular doctors": ("gateway", [
            f"/api/v1/doctors/{d}/days?service_id={s}&from={frm}&to={to}" for d, s in hot]),
        "slot list, 100 popular doctors": ("gateway", [
            f"/api/v1/doctors/{d}/slots?service_id={s}&date={(today + timedelta(days=i % 14)).isoformat()}"
            for i, (d, s) in enumerate(hot)]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--cache-seconds", type=float, default=0.0,
                        help="the gateway's micro-cache of anonymous reads (0: off)")
    parser.add_argument("--only", default="", help="run only the load profiles containing this text")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the databases and region for the next run, reuse them if there")
    parser.add_argument("--profile", default="", help="py-spy these web roles, e.g. gateway,schedule")
    add_web_server_args(parser)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-grid-"))
    urls = service_database_urls(ADMIN_URL, "benchgrid")
    create_databases(urls, fresh=not args.reuse)
    region_file = (Path(tempfile.gettempdir()) / f"benchgrid-region-{args.scale}.json" if args.reuse
                   else work / "region.json")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    stack = Stack(work, ports=ports, database_urls=urls, web=web_server(args),
                  extra_env={"GATEWAY_MICROCACHE_TTL_SECONDS": str(args.cache_seconds)})
    stack.prepare_dirs()
    load_region(stack, urls, args.scale, region_file, args.reuse)
    region = json.loads(region_file.read_text())
    doctors = [(d["id"], d["service_ids"][0]) for o in region["organizations"] for d in o["doctors"]
               if d["service_ids"]]
    print(f"region: {len(region['districts'])} districts, {len(region['organizations'])} organizations, "
          f"{len(doctors)} doctors; slots {scalar(urls['schedule'], 'SELECT count(*) FROM slots')}")
    for svc in ("catalog", "schedule"):
        print(f"database size {svc}: {database_size(urls[svc])}")

    stack.procs = [p for p in stack.procs if p.name in ("catalog", "schedule", "auth", "gateway")]
    stack.start()
    print(f"web server: {describe(stack.web)}; gateway micro-cache {args.cache_seconds:g} s", flush=True)
    try:
        for name, (target, paths) in profiles_of(doctors, date.today()).items():
            if args.only and args.only not in name:
                continue
            profiles = Profiles(stack, [n for n in args.profile.split(",") if n],
                                max(1, args.duration - 2), work)
            before = stack_cpu(stack)
            result = wrk(stack.url(target), paths, args.duration, args.connections, work)
            print(f"{name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms, non-2xx {result['non_2xx']} "
                  f"({args.connections} connections, {args.duration} s)", flush=True)
            print_cpu(before, stack_cpu(stack), {}, per=result["requests"])
            if result["non_2xx"]:
                print(stack.log_tail(target, 8))
            profiles.summary()
    finally:
        stack.stop()
        if not args.reuse:
            drop_databases(urls)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
