"""The morning-rush benchmark: pre-registered patients book through the gateway API at once, on
PostgreSQL and RabbitMQ, and the same bookings are made again below the web tier for comparison.

    .venv/bin/python tools/bench_rush.py [--patients 1500] [--clients 64] [--scale 0.05]
        [--variant both|contention|throughput] [--profile booking,schedule] [--worker-class ...]

Two variants, each with its own patients:

- contention: everyone books the newest open day, picking among the earliest free times left
  (as at 07:00: many 409s);
- throughput: each booking is a random free time of a random bookable day of a random doctor.

For each variant it prints bookings/s, p50/p99 and outcomes of the full path, then of the same
slots booked on copies of the databases taken before the rush: by the one-hop floor (the same SQL
behind one Flask endpoint, tools/rush_floor.py) and by the raw SQL transaction (psycopg, no web
server), and the ratios between them, measured in the same run so that they survive a noisy
machine. Then the peak resident memory of every web process, and, checked in the databases once
the queues drain: double-booked slots, booked appointments whose slot is not taken by them, and
booked appointments without a talon (each must be 0). Figures, never assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rush_floor  # noqa: E402
from bench_grid import ADMIN_URL, fresh_databases  # noqa: E402
from benchlib import (BIN_GUNICORN, Picker, Profiles, add_web_server_args, describe,  # noqa: E402
                      print_cpu, print_memory, report, rush, stack_cpu, web_server)
from stack import (DEFAULT_PORTS, Stack, drop_databases, drop_vhost, free_port,  # noqa: E402
                   fresh_vhost, service_database_urls)

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
VARIANTS = ("contention", "throughput")
FLOORS = ("floor", "raw")


def session(pool: int) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.mount("http://", HTTPAdapter(pool_connections=pool, pool_maxsize=pool))
    return s


def rows(url: str, sql: str, params: dict | None = None) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params or {}).all()
    finally:
        engine.dispose()


def post_retrying(http, url: str, **kwargs) -> requests.Response:
    """POST, retried on the 503 a client is told to retry after (auth, busy hashing the login
    burst, can answer late: the gateway then fails closed and the login times out upstream)."""
    for _attempt in range(10):
        response = http.post(url, timeout=60, **kwargs)
        if response.status_code != 503:
            break
        time.sleep(float(response.headers.get("Retry-After", "1")))
    response.raise_for_status()
    return response


def login_all(api: str, patients: list[dict], clients: int, consent: str | None) -> list[str]:
    """Log every patient in and, as the seed's consent step does before booking, accept the
    personal-data agreement (with --consent-at-booking the booking request records it instead)."""
    http = session(clients)

    def login(p):
        body = {"document_type": p["document_type"], "policy_number": p["policy_number"],
                "birth_date": p["birth_date"]}
        token = post_retrying(http, f"{api}/auth/oms", json=body).json()["access_token"]
        if consent:
            # Book with the token the consent answers (its ``consent`` claim says so), as the
            # portal does: the login token would make booking record the consent in auth again.
            accepted = post_retrying(http, f"{api}/consents",
                                     json={"version": consent, "channel": "portal"},
                                     headers={"Authorization": f"Bearer {token}"})
            token = accepted.json()["access_token"]
        return token

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(login, patients))


def bookable_pairs(region: dict) -> list[tuple[str, str]]:
    """(doctor, service) a patient of o-0001 may book online: self-bookable, no attachment."""
    pairs = []
    for org in region["organizations"]:
        services = {s["id"]: s for s in org["services"]}
        for doctor in org["doctors"]:
            for sid in doctor["service_ids"]:
                if services[sid]["self_bookable"] and not services[sid]["requires_attachment"]:
                    pairs.append((doctor["id"], sid))
                    break
    return pairs


def bookable_days(http, api: str, doctor: str, service: str) -> list[str]:
    frm, to = date.today().isoformat(), (date.today() + timedelta(days=20)).isoformat()
    days = http.get(f"{api}/doctors/{doctor}/days", params={"service_id": service, "from": frm,
                                                           "to": to}, timeout=30).json()["items"]
    return [d["date"] for d in days if d["bookable"]]


def free_slots(http, api: str, doctor: str, service: str, day: str) -> list[tuple[str, str, str]]:
    items = http.get(f"{api}/doctors/{doctor}/slots", params={"service_id": service, "date": day},
                     timeout=30).json().get("items", [])
    return [(s["start"], s["id"], service) for s in items if s["bookable"]]


def contention_slots(api: str, pairs: list) -> tuple[str, list[tuple[str, str]]]:
    """The newest open day and all its free times, earliest first."""
    http = session(8)
    newest = max(max(days) for days in (bookable_days(http, api, d, s) for d, s in pairs[:50]) if days)
    found = {}
    for doctor, sid in pairs:
        for start, slot_id, service in free_slots(http, api, doctor, sid, newest):
            found.setdefault(slot_id, (start, slot_id, service))
    return newest, [(slot_id, service) for _s, slot_id, service in sorted(found.values())]


def spread_slots(api: str, pairs: list, wanted: int, rng: random.Random) -> list[tuple[str, str]]:
    """Free times of random bookable days of random doctors, about ``wanted`` of them, shuffled."""
    http = session(8)
    found: dict[str, tuple[str, str]] = {}
    for doctor, sid in rng.sample(pairs, len(pairs)):
        days = bookable_days(http, api, doctor, sid)
        if days:
            for _start, slot_id, service in free_slots(http, api, doctor, sid, rng.choice(days)):
                found[slot_id] = (slot_id, service)
        if len(found) >= wanted:
            break
    chosen = list(found.values())
    rng.shuffle(chosen)
    return chosen


def full_path(api: str, tokens: list[str], consent: str, clients: int):
    http = session(clients)

    def attempt(index: int, slot_id: str, service_id: str) -> int:
        r = http.post(f"{api}/appointments", timeout=60,
                      json={"slot_id": slot_id, "service_id": service_id, "consent_version": consent},
                      headers={"Authorization": f"Bearer {tokens[index]}",
                               "Idempotency-Key": str(uuid.uuid4())})
        return r.status_code

    return attempt


def check_connection_limit(clients: int) -> None:
    """The raw SQL phase opens two connections per client beside the stack's pools (about 80):
    say so before the run rather than fail in its last phase."""
    import psycopg

    with psycopg.connect(rush_floor.libpq(ADMIN_URL)) as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
    needed = 2 * clients + 100
    if limit < needed:
        sys.exit(f"PostgreSQL allows {limit} connections; this run needs about {needed} "
                 f"(2 per client for the raw SQL phase, ~100 for the stack): "
                 f"ALTER SYSTEM SET max_connections = {needed} and restart it, or pass fewer --clients")


def raw_sql(urls: dict[str, str]):
    """Attempts on the raw SQL transaction: each client thread keeps its own two connections."""
    import psycopg

    local = threading.local()
    opened: list = []

    def attempt(_index: int, slot_id: str, service_id: str) -> int:
        if not hasattr(local, "tx"):
            conns = [psycopg.connect(rush_floor.libpq(urls[svc]), autocommit=True)
                     for svc in ("schedule", "booking")]
            opened.extend(conns)
            local.tx = [rush_floor.psycopg_tx(conn) for conn in conns]
        return 201 if rush_floor.book(*local.tx, int(slot_id), service_id) else 409

    attempt.close = lambda: [conn.close() for conn in opened]
    return attempt


def start_floor(urls: dict[str, str], web, work: Path) -> tuple[subprocess.Popen, str]:
    """The one-hop floor app under gunicorn with the stack's worker model."""
    port = free_port()
    env = {**os.environ, "RUSH_FLOOR_SCHEDULE_URL": urls["schedule"],
           "RUSH_FLOOR_BOOKING_URL": urls["booking"], "GUNICORN_THREADS": str(web.threads)}
    log = open(work / "floor.log", "ab")
    server = subprocess.Popen([str(BIN_GUNICORN), "--no-control-socket", "-k", web.worker_class,
                               "-w", str(web.workers), "--threads", str(web.threads),
                               "-b", f"127.0.0.1:{port}", "rush_floor:create_app()"],
                              cwd=Path(__file__).resolve().parent, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return server, url
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the floor app did not start:\n" + (work / "floor.log").read_text()[-2000:])


def one_hop(url: str, clients: int):
    http = session(clients)

    def attempt(_index: int, slot_id: str, service_id: str) -> int:
        return http.post(url + "/book", json={"slot_id": slot_id, "service_id": service_id},
                         timeout=60).status_code

    return attempt


def copies_for_floors(urls: dict[str, str], prefix: str) -> dict[str, dict[str, str]]:
    """Copies of the freshly seeded schedule and booking databases for the floors (made while no
    process holds them, before the stack starts); their bookings never reach the broker."""
    copies = {}
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for floor in FLOORS:
            for variant in VARIANTS:
                copy = service_database_urls(ADMIN_URL, f"{prefix}{floor}{variant[0]}")
                chosen = {svc: copy[svc] for svc in ("schedule", "booking")}
                for svc, url in chosen.items():
                    name, source = url.rsplit("/", 1)[-1], urls[svc].rsplit("/", 1)[-1]
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
                copies[f"{floor}-{variant}"] = chosen
    admin.dispose()
    return copies


def consistency(urls: dict[str, str], verbose: bool) -> None:
    """Wait for the talons, then count what must be 0."""
    drain_started = time.time()
    while time.time() - drain_started < 300:
        booked = rows(urls["booking"], "SELECT count(*) FROM appointments WHERE status='booked'")[0][0]
        ready = rows(urls["tickets"], "SELECT count(*) FROM tickets WHERE status='ready'")[0][0]
        if ready >= booked:
            break
        if verbose:
            unpublished = rows(urls["booking"], "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
            print(f"  +{time.time() - drain_started:.0f} s: outbox unpublished {unpublished}, "
                  f"ready {ready} of {booked}", flush=True)
        time.sleep(2)
    print(f"\ntalons: {ready} of {booked} ready {time.time() - drain_started:.0f} s after the rush")
    double = rows(urls["booking"], "SELECT count(*) FROM (SELECT slot_id FROM appointments "
                  "WHERE status='booked' GROUP BY slot_id HAVING count(*) > 1) d")[0][0]
    booked_rows = dict(rows(urls["booking"], "SELECT id, slot_id FROM appointments WHERE status='booked'"))
    taken = dict(rows(urls["schedule"], "SELECT appointment_id, CAST(id AS TEXT) FROM slots "
                      "WHERE appointment_id IS NOT NULL"))
    no_slot = sum(1 for a, s in booked_rows.items() if taken.get(a) != str(s))
    tickets = {r[0] for r in rows(urls["tickets"], "SELECT appointment_id FROM tickets WHERE status='ready'")}
    no_ticket = sum(1 for a in booked_rows if a not in tickets)
    print(f"double-booked slots: {double}; booked without their slot: {no_slot}; "
          f"booked without a talon: {no_ticket}")


def run_variant(variant: str, ctx: dict, tokens: list[str], args) -> None:
    """The full path, then the one-hop floor and the raw transaction on the same slots."""
    stack, api, pairs = ctx["stack"], ctx["api"], ctx["pairs"]
    if variant == "contention":
        day, slots = contention_slots(api, pairs)
        window = args.window
        print(f"\n== contention: newest open day {day}, {len(slots)} free times for "
              f"{len(tokens)} patients, each picking among the {window} earliest left", flush=True)
    else:
        slots = spread_slots(api, pairs, 4 * len(tokens), random.Random(7))
        window = len(slots)
        print(f"\n== throughput: {len(slots)} free times of random bookable days of random doctors "
              f"for {len(tokens)} patients", flush=True)
    profiles = Profiles(stack, [n for n in args.profile.split(",") if n], 12, ctx["work"])
    before, client_before = stack_cpu(stack), time.process_time()
    full = rush(full_path(api, tokens, ctx["consent"], args.clients), len(tokens),
                Picker(slots, window), args.clients)
    report("full path through the gateway", full, args.clients)
    print_cpu(before, stack_cpu(stack), {"load generator": time.process_time() - client_before},
              per=full["booked"], unit="booking")
    profiles.summary()

    copies = ctx["copies"]
    raw = raw_sql(copies[f"raw-{variant}"])
    try:
        raw_result = rush(raw, len(tokens), Picker(slots, window), args.clients)
    finally:
        raw.close()
    report("raw SQL transaction (psycopg)", raw_result, args.clients)
    server, url = start_floor(copies[f"floor-{variant}"], stack.web, ctx["work"])
    try:
        floor = rush(one_hop(url, args.clients), len(tokens), Picker(slots, window), args.clients)
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)
    report("one-hop floor (Flask + SQLAlchemy)", floor, args.clients)
    print(f"ratios ({variant}): full path / one-hop floor {full['rate'] / max(floor['rate'], 1e-9):.2f}, "
          f"full path / raw SQL {full['rate'] / max(raw_result['rate'], 1e-9):.2f}, "
          f"one-hop floor / raw SQL {floor['rate'] / max(raw_result['rate'], 1e-9):.2f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1500, help="per variant")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--variant", choices=("both",) + VARIANTS, default="both")
    parser.add_argument("--profile", default="", help="py-spy these web roles during the rush")
    parser.add_argument("--consent-at-booking", action="store_true",
                        help="record the consent in the booking request, not before it")
    parser.add_argument("--verbose", action="store_true", help="print the queues while they drain")
    parser.add_argument("--window", type=int, default=200,
                        help="contention: each patient picks among this many earliest free slots")
    add_web_server_args(parser)
    args = parser.parse_args()
    variants = VARIANTS if args.variant == "both" else (args.variant,)

    check_connection_limit(args.clients)
    work = Path(tempfile.mkdtemp(prefix="bench-rush-"))
    # A name of its own: other checkouts may run the benchmark on the same server meanwhile.
    prefix = f"rush{uuid.uuid4().hex[:6]}"
    urls = fresh_databases(prefix)
    broker = fresh_vhost(AMQP_URL, "rush")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    stack = Stack(work, ports=ports, database_urls=urls, broker_url=broker, web=web_server(args))
    copies: dict = {}
    try:
        stack.prepare_dirs()
        stack.migrate()
        region_file = stack.demo_region(args.scale)
        stack.seed(region_file)
        region = json.loads(region_file.read_text())
        patients_file = work / "patients.json"
        stack.run_step("auth", "seed-bench-patients", "--count", str(args.patients * len(variants)),
                       "--organization-id", region["organizations"][0]["id"], "--out",
                       str(patients_file), quiet=True)
        patients = json.loads(patients_file.read_text())["patients"]
        copies = copies_for_floors(urls, prefix)
        stack.start()
        print(f"web server: {describe(stack.web)}", flush=True)
        api = stack.url("gateway") + "/api/v1"
        consent = requests.get(f"{api}/consent", timeout=30).json()["version"]
        t0 = time.perf_counter()
        tokens = login_all(api, patients, args.clients, None if args.consent_at_booking else consent)
        print(f"logged in {len(tokens)} patients in {time.perf_counter() - t0:.1f} s", flush=True)
        ctx = {"stack": stack, "api": api, "pairs": bookable_pairs(region), "consent": consent,
               "copies": copies, "work": work}
        for number, variant in enumerate(variants):
            run_variant(variant, ctx, tokens[number * args.patients:(number + 1) * args.patients], args)
        print()
        print_memory(stack)
        consistency(urls, args.verbose)
    finally:
        stack.stop()
        drop_databases(urls)
        for chosen in copies.values():
            drop_databases(chosen)
        shutil.rmtree(work, ignore_errors=True)
        if broker != AMQP_URL:
            drop_vhost(broker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
