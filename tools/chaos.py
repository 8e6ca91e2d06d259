"""`make chaos`: the whole stack under a steady booking load while, one at a time, its servers and
processes really fail; a checker then reads the history of answers against the databases.

    .venv/bin/python tools/chaos.py [--short] [--only rabbitmq,postgres,...]

Faults (the full run's durations; ``--short`` is the CI version run by tests/chaos):
  rabbitmq        RabbitMQ stopped (``rabbitmqctl stop_app``) for 60 s, then started again
  postgres        PostgreSQL restarted (fast shutdown: every session is cut)
  tickets-worker  the Celery worker SIGKILLed while talons render, restarted as a supervisor would
  booking         the booking web service SIGKILLed mid-request, restarted as a supervisor would
  schedule        the schedule web service frozen (SIGSTOP) for 30 s: it accepts, never answers

PostgreSQL and RabbitMQ are private servers of this run (tools/chaos_servers.py), so the faults
hit nobody else on the machine. Prints figures per fault; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chaos_check import Checker, Verdict  # noqa: E402
from chaos_load import Load, free_slots  # noqa: E402
from chaos_servers import PrivatePostgres, PrivateRabbit  # noqa: E402
from stack import DEFAULT_PORTS, SERVICES, Stack, free_port  # noqa: E402

FAULTS = ["rabbitmq", "postgres", "tickets-worker", "booking", "schedule"]
SETTLE_BOUND = 60.0  # half-done bookings must be settled within this (issue 11)
# Celery's own INFO lines in the worker's log: a render task received and not yet finished.
TASK_RECEIVED = re.compile(r"Task tickets\.render_ticket\[([0-9a-f-]+)\] received")
TASK_FINISHED = re.compile(r"Task tickets\.render_ticket\[([0-9a-f-]+)\] (?:succeeded|failed|retry|raised)")


@dataclass
class Durations:
    rabbit_down: float = 60.0
    schedule_frozen: float = 30.0
    calm: float = 10.0  # steady load between faults
    patients: int = 4000
    clients: int = 3
    pace: float = 1.0  # each client waits this long between two patients (about 2 bookings/s)
    scale: float = 0.05


SHORT = Durations(rabbit_down=10.0, schedule_frozen=10.0, calm=3.0, patients=1000, scale=0.02)


@dataclass
class FaultResult:
    name: str
    started: float
    ended: float
    answered: int = 0
    created: int = 0
    errors: Counter = field(default_factory=Counter)
    recovery: float | None = None
    left: dict = field(default_factory=dict)
    settled_in: float | None = None  # pending appointments and slots to release
    talons_in: float | None = None  # booked appointments without a ready talon
    verdict: Verdict | None = None
    note: str = ""

    def lines(self) -> list[str]:
        v = self.verdict
        errors = ", ".join(f"{k} x{n}" for k, n in sorted(self.errors.items())) or "none"
        recovery = "n/a" if self.recovery is None else f"{self.recovery:.1f} s"
        settled, talons = (("not settled" if t is None else f"{t:.1f} s") for t in (self.settled_in, self.talons_in))
        return [f"== {self.name}: fault lasted {self.ended - self.started:.1f} s" + (f" ({self.note})" if self.note else ""),
                f"   requests answered {self.answered}, booked (201) {self.created}",
                f"   errors: {errors}",
                f"   time to recover (first 201 after the fault): {recovery}",
                f"   left to reconcile when it ended: {self.left}; bookings settled in {settled}, "
                f"talons ready in {talons}",
                f"   lost {len(v.lost)}, duplicated {len(v.duplicated)}, leaked slots {len(v.leaked)}, "
                f"unsettled {v.unsettled}" + ("" if v.ok else f"\n   DETAILS {v.lost[:5]} {v.duplicated[:5]} "
                                                           f"{v.leaked[:5]}")]


class ChaosRun:
    def __init__(self, durations: Durations, work: Path, log=print):
        self.d, self.work, self.log = durations, work, log
        self.pg = PrivatePostgres()
        self.rabbit = PrivateRabbit(work)
        self.stack: Stack | None = None
        self.load: Load | None = None
        self.checker: Checker | None = None
        self.results: list[FaultResult] = []

    # --- setup and teardown ------------------------------------------------------------------
    def setup(self) -> None:
        self.log(f"[chaos] {time.strftime('%H:%M:%S')} starting private PostgreSQL and RabbitMQ…")
        self.pg.start()
        self.rabbit.start()
        admin = create_engine(self.pg.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for svc in SERVICES:
                conn.execute(text(f'CREATE DATABASE "{svc}"'))
        admin.dispose()
        urls = {svc: self.pg.admin_url.rsplit("/", 1)[0] + f"/{svc}" for svc in SERVICES}
        ports = {name: free_port() for name in DEFAULT_PORTS}
        self.stack = Stack(self.work / "stack", ports=ports, database_urls=urls,
                           broker_url=self.rabbit.url, web_workers=1,
                           extra_env={"SCHEDULE_MAX_HOLDS_PER_CLIENT": "100",
                                      "AUTH_ACCESS_TOKEN_TTL": "7200"})
        self.stack.prepare_dirs()
        self.log("[chaos] migrating and loading the demo region…")
        self.stack.migrate()
        region_file = self.stack.demo_region(self.d.scale)
        self.stack.seed(region_file)
        region = json.loads(region_file.read_text())
        patients_file = self.work / "patients.json"
        self.stack.run_step("auth", "seed-bench-patients", "--count", str(self.d.patients),
                            "--organization-id", region["organizations"][0]["id"],
                            "--out", str(patients_file), quiet=True)
        self.stack.start(timeout=180)
        api = self.stack.url("gateway") + "/api/v1"
        consent = requests.get(f"{api}/consent", timeout=30).json()["version"]
        patients = json.loads(patients_file.read_text())["patients"]
        slots = free_slots(api, region)
        self.log(f"[chaos] {len(patients)} patients, {len(slots)} free slots")
        self.checker = Checker(urls)
        self.load = Load(api, patients, slots, consent, clients=self.d.clients, pace=self.d.pace)

    def teardown(self) -> None:
        for step in (lambda: self.load and self.load.stop(), lambda: self.stack and self.stack.stop(),
                     lambda: self.checker and self.checker.dispose(), self.rabbit.stop, self.pg.stop):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - tear down everything we can
                self.log(f"[chaos] teardown step failed: {exc}")

    # --- faults ------------------------------------------------------------------------------
    def _group(self, name: str) -> int:
        return self.stack.running[name].pid

    def _kill_and_restart(self, name: str) -> None:
        """SIGKILL the process group, start it again at once (a supervisor's restart)."""
        popen = self.stack.running[name]
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()
        proc = next(p for p in self.stack.procs if p.name == name)
        self.stack.start_proc(proc)
        if proc.port:
            self.stack.wait_ready(120)

    @staticmethod
    def _wait_for(condition, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not condition():
            time.sleep(0.02)

    def _rendering_since(self, offset: int):
        """A check that a talon task is running in the Celery worker now: one its log has as
        received after ``offset`` and not yet as finished (so the kill lands mid-render)."""
        path = self.stack.var_dir / "log" / "tickets-worker.log"

        def running() -> bool:
            with open(path, "rb") as log:
                log.seek(offset)
                tail = log.read().decode(errors="replace")
            received = set(TASK_RECEIVED.findall(tail))
            return bool(received - set(TASK_FINISHED.findall(tail)))
        return running

    def inject(self, name: str) -> str:
        """Make the fault happen; returns what was caught in the middle of it."""
        if name == "rabbitmq":
            self.rabbit.stop_app()
            time.sleep(self.d.rabbit_down)
            self.rabbit.start_app()
            return f"stopped for {self.d.rabbit_down:.0f} s"
        if name == "postgres":
            self._wait_for(lambda: self.load.in_flight > 0)
            in_flight = self.load.in_flight
            self.pg.restart()
            return f"{in_flight} bookings in flight"
        if name == "tickets-worker":
            rendering = self._rendering_since(
                (self.stack.var_dir / "log" / "tickets-worker.log").stat().st_size)
            self._wait_for(rendering, timeout=30)
            rendering = rendering()
            self._kill_and_restart("tickets-worker")
            return "killed mid-render" if rendering else "no talon was rendering"
        if name == "booking":
            self._wait_for(lambda: self.load.in_flight > 0)  # mid-request
            in_flight = self.load.in_flight
            self._kill_and_restart("booking")
            return f"{in_flight} bookings in flight at the kill"
        if name == "schedule":
            group = self._group("schedule")
            os.killpg(group, signal.SIGSTOP)
            try:
                time.sleep(self.d.schedule_frozen)
            finally:
                os.killpg(group, signal.SIGCONT)
            return f"frozen for {self.d.schedule_frozen:.0f} s"
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")

    # --- one fault, measured and checked -------------------------------------------------------
    def run_fault(self, name: str) -> FaultResult:
        time.sleep(self.d.calm)
        result = FaultResult(name, time.time(), 0.0)
        self.log(f"[chaos] {time.strftime('%H:%M:%S')} fault: {name}")
        result.note = self.inject(name)
        result.ended = time.time()
        return self._settle_and_check(result, since=result.started, wait_recovery=True)

    def final_check(self) -> FaultResult:
        """The load stopped: everything answered must settle, then one check over all of it."""
        self.load.stop()
        result = FaultResult("after the load stopped", time.time(), time.time())
        return self._settle_and_check(result, since=0.0, wait_recovery=False)

    def _settle_and_check(self, result: FaultResult, *, since: float, wait_recovery: bool) -> FaultResult:
        """Wait (up to twice the bound) until what was half-done at the fault's end is settled
        and the bookings succeed again, then tally the answers and run the checker."""
        ended_at = datetime.fromtimestamp(result.ended, timezone.utc)
        result.left = self._unsettled(ended_at)
        while time.time() < result.ended + 2 * SETTLE_BOUND:
            left = self._unsettled(ended_at)
            now = time.time() - result.ended
            if result.settled_in is None and not (left.get("pending", 1) + left.get("slot_release_due", 1)
                                                  + left.get("take_unrecorded", 1)):
                result.settled_in = now
            if result.talons_in is None and left.get("booked_without_talon", 1) == 0:
                result.talons_in = now
            firsts = [a.answered for a in self.load.answers(result.ended) if a.status == 201
                      and a.sent >= result.ended]
            if firsts and result.recovery is None:
                result.recovery = min(firsts) - result.ended
            recovered = result.recovery is not None or not wait_recovery or self.load.exhausted()
            if result.settled_in is not None and result.talons_in is not None and recovered:
                break
            time.sleep(1)
        answers = self.load.answers(since)
        result.answered = sum(1 for a in answers if a.status)
        result.created = sum(1 for a in answers if a.status == 201)
        result.errors = Counter(f"{a.status}:{a.code}" for a in answers if a.status != 201)
        result.verdict = self.checker.check(self.load.answers(), ended_at)
        self.results.append(result)
        for line in result.lines():
            self.log(line)
        return result

    def _unsettled(self, before: datetime) -> dict:
        try:
            return self.checker.unsettled(before)
        except Exception as exc:  # noqa: BLE001 - the database may still be coming back
            return {"unreadable": type(exc).__name__}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the CI version: shorter outages, fewer patients")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults to inject")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    run = ChaosRun(SHORT if args.short else Durations(), work, log=lambda m: print(m, flush=True))

    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        run.setup()
        run.load.start()
        for name in args.only.split(","):
            run.run_fault(name.strip())
        run.final_check()
    except KeyboardInterrupt:
        print("[chaos] interrupted", file=sys.stderr)
    finally:
        run.teardown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
