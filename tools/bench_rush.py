"""The morning-rush benchmark: many pre-registered patients book slots of the newest open day
through the gateway API at once, on PostgreSQL and RabbitMQ.

    .venv/bin/python tools/bench_rush.py [--patients 2000] [--clients 64] [--scale 0.05]

Prints bookings/s, p50/p99 latency, the count of 409s, the resident memory of every web process,
and, checked in the databases once the queues drain: double-booked slots, booked appointments
whose slot is not taken by them, and booked appointments without a talon (each must be 0).
Figures, never assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grid import ADMIN_URL, fresh_databases  # noqa: E402
from stack import DEFAULT_PORTS, Stack, drop_vhost, free_port, fresh_vhost  # noqa: E402

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def session(pool: int) -> requests.Session:
    s = requests.Session()
    s.mount("http://", HTTPAdapter(pool_connections=pool, pool_maxsize=pool))
    return s


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and of its waited-for children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in fields[11:15]) / ticks


def stack_cpu(stack) -> dict[str, float]:
    """CPU seconds used so far by each process of the stack (master and its workers)."""
    out = {}
    for name, popen in stack.running.items():
        pids = [popen.pid] + children(popen.pid)
        out[name] = sum(cpu_seconds(pid) for pid in pids)
    out["postgres"] = sum(cpu_seconds(int(p.name)) for p in Path("/proc").iterdir()
                          if p.name.isdigit() and _comm(int(p.name)) == "postgres")
    out["rabbitmq"] = sum(cpu_seconds(int(p.name)) for p in Path("/proc").iterdir()
                          if p.name.isdigit() and _comm(int(p.name)) == "beam.smp")
    return out


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def scalar(url: str, sql: str):
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).all()
    engine.dispose()
    return value


def login_all(api: str, patients: list[dict], clients: int, consent: str | None) -> list[str]:
    """Log every patient in and, as the seed's consent step does before booking, accept the
    personal-data agreement (with --consent-at-booking the booking request records it instead)."""
    http = session(clients)

    def login(p):
        body = {"document_type": p["document_type"], "policy_number": p["policy_number"],
                "birth_date": p["birth_date"]}
        r = http.post(f"{api}/auth/oms", json=body, timeout=30)
        r.raise_for_status()
        token = r.json()["access_token"]
        if consent:
            accepted = http.post(f"{api}/consents", json={"version": consent, "channel": "portal"},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
            accepted.raise_for_status()
        return token

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(login, patients))


def target_slots(api: str, region: dict, org_id: str) -> tuple[str, list[tuple[str, str]]]:
    """The newest open day and its free slots among the services the patients may book."""
    http = session(8)
    pairs = []
    for org in region["organizations"]:
        services = {s["id"]: s for s in org["services"]}
        for doctor in org["doctors"]:
            for sid in doctor["service_ids"]:
                svc = services[sid]
                # Attachment-only services need the doctor's area too: leave them out.
                if svc["self_bookable"] and not svc["requires_attachment"]:
                    pairs.append((doctor["id"], sid))
                    break
    from datetime import date, timedelta

    frm, to = date.today().isoformat(), (date.today() + timedelta(days=20)).isoformat()
    newest = None
    for doctor, sid in pairs[:50]:
        days = http.get(f"{api}/doctors/{doctor}/days", params={"service_id": sid, "from": frm,
                                                               "to": to}).json()["items"]
        bookable = [d["date"] for d in days if d["bookable"]]
        if bookable:
            newest = max(newest or bookable[-1], bookable[-1])
    slots = []
    seen_specialty_slot = set()
    for doctor, sid in pairs:
        items = http.get(f"{api}/doctors/{doctor}/slots", params={"service_id": sid, "date": newest}).json()
        for slot in items.get("items", []):
            if slot["bookable"] and slot["id"] not in seen_specialty_slot:
                seen_specialty_slot.add(slot["id"])
                slots.append((slot["start"], slot["id"], sid))
    slots.sort()
    return newest, [(slot_id, sid) for _start, slot_id, sid in slots]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--profile", default="", help="py-spy the workers of this process during the rush")
    parser.add_argument("--consent-at-booking", action="store_true",
                        help="record the consent in the booking request, not before it")
    parser.add_argument("--verbose", action="store_true", help="print the queues while they drain")
    parser.add_argument("--window", type=int, default=200,
                        help="each patient picks among this many earliest free slots")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-rush-"))
    urls = fresh_databases("rush")
    broker = fresh_vhost(AMQP_URL, "rush")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    stack = Stack(work, ports=ports, database_urls=urls, broker_url=broker,
                  web_workers=args.web_workers)
    stack.prepare_dirs()
    stack.migrate()
    region_file = stack.demo_region(args.scale)
    stack.seed(region_file)
    region = json.loads(region_file.read_text())
    org_id = region["organizations"][0]["id"]
    patients_file = work / "patients.json"
    stack.run_step("auth", "seed-bench-patients", "--count", str(args.patients),
                   "--organization-id", org_id, "--out", str(patients_file), quiet=True)
    patients = json.loads(patients_file.read_text())["patients"]
    stack.start()
    api = stack.url("gateway") + "/api/v1"
    try:
        consent = requests.get(f"{api}/consent", timeout=10).json()["version"]
        t0 = time.perf_counter()
        tokens = login_all(api, patients, args.clients, None if args.consent_at_booking else consent)
        print(f"logged in {len(tokens)} patients in {time.perf_counter() - t0:.1f} s", flush=True)
        day, slots = target_slots(api, region, org_id)
        print(f"newest open day {day}: {len(slots)} free slots for {len(tokens)} patients", flush=True)

        pool_lock = threading.Lock()
        free = list(slots)
        latencies: list[float] = []
        outcomes: Counter = Counter()
        http = session(args.clients)

        def book(token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            for _attempt in range(20):
                with pool_lock:
                    if not free:
                        outcomes["no_slots_left"] += 1
                        return
                    # Patients crowd the morning: pick among the earliest free times left.
                    slot_id, service_id = free[random.randrange(min(args.window, len(free)))]
                body = {"slot_id": slot_id, "service_id": service_id, "consent_version": consent}
                started = time.perf_counter()
                r = http.post(f"{api}/appointments", json=body, timeout=30,
                              headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
                latencies.append(time.perf_counter() - started)
                outcomes[r.status_code] += 1
                if r.status_code >= 400:
                    outcomes[f"{r.status_code}:{r.json().get('error', {}).get('code')}"] += 1
                if r.status_code == 409 or r.status_code == 201:
                    with pool_lock:
                        if (slot_id, service_id) in free:
                            free.remove((slot_id, service_id))
                if r.status_code == 201:
                    return
                if r.status_code != 409:
                    return

        if args.profile:
            import subprocess as sp
            target = stack.running[args.profile].pid
            pids = children(target) or [target]
            profilers = [sp.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-r", "200", "--gil",
                                   "-d", "12", "-p", str(pid), "-f", "raw", "-o", f"/tmp/profile-{args.profile}-{pid}.txt"],
                                  stdout=sp.DEVNULL, stderr=sp.DEVNULL) for pid in pids]
        cpu_before = stack_cpu(stack)
        client_before = time.process_time()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as executor:
            list(executor.map(book, tokens))
        elapsed = time.perf_counter() - started
        cpu_after = stack_cpu(stack)
        client_cpu = time.process_time() - client_before
        booked = outcomes[201]
        lat = sorted(latencies)
        print(f"\nrush: {booked} bookings in {elapsed:.1f} s = {booked / elapsed:.0f} bookings/s "
              f"({len(lat) / elapsed:.0f} requests/s) at {args.clients} clients")
        print(f"latency p50 {statistics.median(lat) * 1000:.0f} ms, "
              f"p99 {lat[int(len(lat) * 0.99) - 1] * 1000:.0f} ms; outcomes {dict(outcomes)}")

        spent = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
        spent["load generator"] = client_cpu
        print("CPU seconds during the rush: " + ", ".join(
            f"{name} {sec:.1f}" for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]) if sec >= 0.1))
        for proc in stack.procs:
            if proc.port and proc.name in stack.running:
                master = stack.running[proc.name].pid
                rss = [rss_mib(pid) for pid in [master] + children(master)]
                print(f"rss {proc.name}: " + ", ".join(f"{r:.0f} MiB" for r in rss))

        # Let the relay, consumer and Celery workers drain, then check the databases.
        drain_started = time.time()
        while time.time() - drain_started < 300:
            booked_count = scalar(urls["booking"], "SELECT count(*) FROM appointments WHERE status='booked'")[0][0]
            ready = scalar(urls["tickets"], "SELECT count(*) FROM tickets WHERE status='ready'")[0][0]
            if ready >= booked_count:
                break
            if args.verbose:
                unpublished = scalar(urls["booking"], "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
                tickets_rows = scalar(urls["tickets"], "SELECT count(*) FROM tickets")[0][0]
                print(f"  +{time.time() - drain_started:.0f} s: outbox unpublished {unpublished}, "
                      f"tickets {tickets_rows}, ready {ready}", flush=True)
            time.sleep(2)
        print(f"talons: {ready} of {booked_count} ready {time.time() - drain_started:.0f} s after the rush")
        double = scalar(urls["booking"], "SELECT count(*) FROM (SELECT slot_id FROM appointments "
                        "WHERE status='booked' GROUP BY slot_id HAVING count(*) > 1) d")[0][0]
        booked_rows = dict(scalar(urls["booking"], "SELECT id, slot_id FROM appointments WHERE status='booked'"))
        taken = dict(scalar(urls["schedule"], "SELECT appointment_id, CAST(id AS TEXT) FROM slots "
                            "WHERE appointment_id IS NOT NULL"))
        no_slot = sum(1 for a, s in booked_rows.items() if taken.get(a) != str(s))
        tickets = {r[0] for r in scalar(urls["tickets"], "SELECT appointment_id FROM tickets WHERE status='ready'")}
        no_ticket = sum(1 for a in booked_rows if a not in tickets)
        print(f"double-booked slots: {double}; booked without their slot: {no_slot}; "
              f"booked without a talon: {no_ticket}")
    finally:
        stack.stop()
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for svc in urls:
                conn.execute(text(f'DROP DATABASE IF EXISTS "rush_{svc}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)
        if broker != AMQP_URL:
            drop_vhost(broker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
