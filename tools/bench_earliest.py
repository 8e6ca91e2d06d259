"""Benchmark: «Ближайшее свободное время» (``GET /api/v1/earliest-slots``) on the scale-1 region,
through the gateway with its micro-cache off.

    .venv/bin/python tools/bench_earliest.py [--scale 1] [--duration 15] [--connections 4]
        [--reuse] [--only region]

Imports the region as tools/bench_grid.py does (databases ``benchearliest_*``; ``--reuse`` keeps
them and skips the import next time), starts catalog, schedule, auth and the gateway with
``GATEWAY_MICROCACHE_TTL_SECONDS=0``, then loads the public endpoint with wrk for random
self-bookable services in three scopes: their organization, their district, the whole region,
and all three mixed. Prints requests/s, p50/p99 and CPU ms per request by process. Figures, never
assertions.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grid import ADMIN_URL, load_region, scalar, wrk  # noqa: E402
from benchlib import add_web_server_args, describe, print_cpu, stack_cpu, web_server  # noqa: E402
from stack import (DEFAULT_PORTS, Stack, create_databases, drop_databases, free_port,  # noqa: E402
                   service_database_urls)

PATH = "/api/v1/earliest-slots?service_id={service}&limit=5"


def offers(region: dict) -> list[tuple[str, str, str]]:
    """(service, organization, district) of every self-bookable service with doctors."""
    found = []
    for org in region["organizations"]:
        staffed = {sid for d in org["doctors"] for sid in d["service_ids"]}
        found += [(s["id"], org["id"], org["district_id"]) for s in org["services"]
                  if s["self_bookable"] and s["id"] in staffed]
    return found


def profiles_of(region: dict, count: int = 2000) -> dict[str, list[str]]:
    rng = random.Random(12)
    chosen = [rng.choice(offers(region)) for _ in range(count)]
    by_scope = {
        "organization": [PATH.format(service=s) + f"&organization_id={o}" for s, o, _d in chosen],
        "district": [PATH.format(service=s) + f"&district_id={d}" for s, _o, d in chosen],
        "region": [PATH.format(service=s) for s, _o, _d in chosen],
    }
    mixed = [rng.choice(list(by_scope.values()))[i] for i in range(count)]
    return {**by_scope, "mixed": mixed}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=12, help="seconds per profile")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", default="", help="run only the profiles containing this text")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the databases and region for the next run, reuse them if there")
    add_web_server_args(parser)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-earliest-"))
    urls = service_database_urls(ADMIN_URL, "benchearliest")
    create_databases(urls, fresh=not args.reuse)
    region_file = (Path(tempfile.gettempdir()) / f"benchearliest-region-{args.scale}.json"
                   if args.reuse else work / "region.json")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    stack = Stack(work, ports=ports, database_urls=urls, web=web_server(args),
                  extra_env={"GATEWAY_MICROCACHE_TTL_SECONDS": "0"})
    stack.prepare_dirs()
    load_region(stack, urls, args.scale, region_file, args.reuse)
    region = json.loads(region_file.read_text())
    print(f"region: {len(region['districts'])} districts, {len(region['organizations'])} "
          f"organizations, {sum(len(o['doctors']) for o in region['organizations'])} doctors; "
          f"slots {scalar(urls['schedule'], 'SELECT count(*) FROM slots')}", flush=True)
    stack.procs = [p for p in stack.procs if p.name in ("catalog", "schedule", "auth", "gateway")]
    stack.start()
    print(f"web server: {describe(stack.web)}; gateway micro-cache off", flush=True)
    try:
        profiles = profiles_of(region)
        # Unmeasured warm-up: every process's first requests read its snapshots (schedule's
        # doctor directory and settings, the gateway's catalog view); that start-up is not what
        # a search costs.
        warm = wrk(stack.url("gateway"), profiles["mixed"], 4, args.connections, work)
        print(f"warm-up: {warm['requests']} requests in 4 s (not counted)", flush=True)
        for name, paths in profiles.items():
            if args.only and args.only not in name:
                continue
            before = stack_cpu(stack)
            result = wrk(stack.url("gateway"), paths, args.duration, args.connections, work)
            print(f"{name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms, non-2xx {result['non_2xx']} "
                  f"({args.connections} connections, {args.duration} s)", flush=True)
            print_cpu(before, stack_cpu(stack), {}, per=result["requests"])
            if result["non_2xx"]:
                print(stack.log_tail("gateway", 8))
    finally:
        stack.stop()
        if not args.reuse:
            drop_databases(urls)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
