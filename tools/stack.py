"""Start the whole Registratura stack as local processes (the `make run` supervisor).

The same code starts the stack for the end-to-end tests, pointed at PostgreSQL and RabbitMQ on
free ports instead of the embedded default (SQLite files and a filesystem broker under var/).

    python tools/stack.py run [--scale 0.05]     # migrate, load the demo region, start, supervise
    python tools/stack.py seed [--scale 0.05]    # only migrate and load the demo region

With ``REGISTRATURA_DATABASE_URL`` (a PostgreSQL server URL, e.g.
``postgresql+psycopg://root@127.0.0.1:5432/``) every service gets its own database on that server,
``registratura_<service>`` (``REGISTRATURA_DATABASE_PREFIX`` changes the prefix), created when
missing; with ``REGISTRATURA_BROKER_URL`` (``amqp://``)
events go through that broker instead of the filesystem one.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent

SERVICES = ["catalog", "schedule", "auth", "booking", "tickets", "gateway"]
DATABASE_PREFIX = "registratura"
DEFAULT_PORTS = {"gateway": 8000, "catalog": 8001, "schedule": 8002, "auth": 8003,
                 "booking": 8004, "tickets": 8005, "esia": 8009}


@dataclass
class Proc:
    """One long-running process of the stack."""

    name: str
    service: str
    argv: list[str]
    port: int | None = None
    workers: int = 1
    env: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WebServer:
    """How the web roles are served: gunicorn's worker class, processes and threads per process
    (the gateway mostly waits on the services behind it, so it gets more threads)."""

    worker_class: str = "gthread"
    workers: int = 2
    threads: int = 4
    gateway_threads: int = 8

    def threads_of(self, service: str) -> int:
        return self.gateway_threads if service == "gateway" else self.threads


def gunicorn(app: str, port: int, workers: int, threads: int, worker_class: str = "gthread") -> list[str]:
    concurrency = (["--threads", str(threads)] if worker_class == "gthread" else
                   ["--worker-connections", str(threads)] if worker_class == "gevent" else [])
    return [str(BIN / "gunicorn"), "--no-control-socket", "-k", worker_class,
            "-w", str(workers), *concurrency, "-b", f"127.0.0.1:{port}",
            "--graceful-timeout", "5", "--timeout", "60",
            # Long search queries in Cyrillic are percent-encoded six bytes a letter.
            "--limit-request-line", "8190", app]


def processes(ports: dict[str, int], web_workers: int = 2, web: WebServer | None = None) -> list[Proc]:
    """Every process of the stack: one web server per service, then the workers."""
    web = web or WebServer(workers=web_workers)
    # Each worker's database pool holds one connection per request thread (regcommon.db).
    web_procs = [Proc(svc, svc, gunicorn(f"{svc}.app:create_app()", ports[svc], web.workers,
                                         web.threads_of(svc), web.worker_class),
                      ports[svc], web.workers, {"GUNICORN_THREADS": str(web.threads_of(svc))})
                 for svc in SERVICES]
    esia = Proc("esia-emulator", "auth", gunicorn("auth.esia_emulator:create_app()", ports["esia"], 1, 4),
                ports["esia"])
    # Background roles run at a lower CPU priority so that, on one machine, a burst of talons
    # and notifications never slows the request path (in a cluster they get their own nodes).
    nice = ["nice", "-n", "10"]
    module = nice + [PYTHON, "-m"]
    celery = nice + [str(BIN / "celery"), "-A", "tickets.worker:celery_app"]
    workers = [
        Proc("schedule-worker", "schedule", module + ["schedule", "worker"]),
        Proc("schedule-relay", "schedule", module + ["schedule", "relay"]),
        Proc("booking-relay", "booking", module + ["booking", "relay"]),
        Proc("booking-consumer", "booking", module + ["booking", "consume"]),
        Proc("tickets-consumer", "tickets", module + ["tickets", "consume"]),
        # A node name of its own: two stacks on one broker must not fight over the pidbox queue.
        Proc("tickets-worker", "tickets", celery + ["worker", "--loglevel", "INFO", "--concurrency", "2",
                                                    "--without-gossip", "--without-mingle",
                                                    "-n", f"tickets-{uuid.uuid4().hex[:8]}@%h"]),
        Proc("tickets-beat", "tickets", celery + ["beat", "--loglevel", "INFO"]),
    ]
    return web_procs + [esia] + workers


# Every role, by name: deploy checks compare this list with the images, compose and Kubernetes.
PROCESSES = [p.name for p in processes(DEFAULT_PORTS)]


def fresh_vhost(amqp: str, prefix: str) -> str:
    """A RabbitMQ vhost of its own for one run (tests, benchmarks), so queues of parallel runs
    never mix; the URL unchanged where the server cannot be administered from here."""
    if not amqp.startswith("amqp://guest:guest@127.0.0.1") or not shutil.which("rabbitmqctl"):
        return amqp
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        for args in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
            subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)
    except (subprocess.SubprocessError, OSError):
        return amqp
    return amqp.rstrip("/") + "/" + name


def drop_vhost(amqp: str) -> None:
    """Delete a vhost made by :func:`fresh_vhost` (and its queues); the default one is kept."""
    name = amqp.rstrip("/").rsplit("/", 1)[-1]
    if "@" in name or not name or not shutil.which("rabbitmqctl"):
        return
    subprocess.run(["rabbitmqctl", "delete_vhost", name], capture_output=True, timeout=60)


def service_database_urls(server_url: str, prefix: str = DATABASE_PREFIX) -> dict[str, str]:
    """Each service's database on the server of ``server_url``: ``<prefix>_<service>``."""
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    return {svc: server.set(database=f"{prefix}_{svc}").render_as_string(hide_password=False)
            for svc in SERVICES}


def create_databases(urls: dict[str, str], *, fresh: bool = False) -> list[str]:
    """Create the databases of ``urls`` that do not exist yet (with ``fresh``, drop and create
    every one anew); returns the names created. Connects to the server's ``postgres`` database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ProgrammingError

    names = [make_url(url).database for url in urls.values()]
    admin_url = make_url(next(iter(urls.values()))).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    created = []
    try:
        with admin.connect() as conn:
            for name in names:
                if fresh:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)"))
                elif conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}).first():
                    continue
                try:
                    conn.execute(text(f"CREATE DATABASE {quote(name)}"))
                except ProgrammingError as exc:  # made meanwhile by another run: as good
                    if "already exists" not in str(exc):
                        raise
                    continue
                created.append(name)
    finally:
        admin.dispose()
    return created


def drop_databases(urls: dict[str, str]) -> None:
    """Drop the databases of ``urls`` (benchmarks clean up after themselves)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(next(iter(urls.values()))).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as conn:
            for url in urls.values():
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote(make_url(url).database)} WITH (FORCE)"))
    finally:
        admin.dispose()


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The stack's processes with one environment: start, wait until ready, stop."""

    def __init__(self, var_dir: Path, *, ports: dict[str, int] | None = None,
                 database_urls: dict[str, str] | None = None, broker_url: str = "",
                 extra_env: dict[str, str] | None = None, web_workers: int = 2,
                 web: WebServer | None = None):
        self.var_dir = Path(var_dir)
        self.ports = dict(ports or DEFAULT_PORTS)
        self.database_urls = database_urls or {}
        self.broker_url = broker_url
        self.extra_env = extra_env or {}
        self.web = web or WebServer(workers=web_workers)
        self.web_workers = self.web.workers
        self.procs: list[Proc] = processes(self.ports, web=self.web)
        self.running: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {}

    # --- environment -------------------------------------------------------------------------
    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self, service: str | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "REGISTRATURA_MODE": "embedded",
            "REGISTRATURA_VAR_DIR": str(self.var_dir),
            "REGISTRATURA_BROKER_URL": self.broker_url,
            "PYTHONUNBUFFERED": "1",
        })
        for svc in SERVICES:
            env[f"{svc.upper()}_URL"] = self.url(svc)
            if svc in self.database_urls:
                env[f"{svc.upper()}_DATABASE_URL"] = self.database_urls[svc]
        env["AUTH_ESIA_URL"] = self.url("esia")
        env["GATEWAY_PUBLIC_URL"] = self.url("gateway")
        env["AUTH_ESIA_REDIRECT_URIS"] = self.url("gateway") + "/auth/esia/callback"
        env["BOOKING_PUBLIC_URL"] = self.url("gateway")
        env["TICKETS_PORTAL_URL"] = self.url("gateway")
        env["ESIA_EMULATOR_PUBLIC_URL"] = self.url("esia")
        if service:
            metrics_dir = self.var_dir / "metrics" / service
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        env.update(self.extra_env)
        return env

    def prepare_dirs(self) -> None:
        for sub in ("db", "log", "broker/data", "broker/control", "broker/processed",
                    "outbox/email", "outbox/sms", "celery"):
            (self.var_dir / sub).mkdir(parents=True, exist_ok=True)
        metrics = self.var_dir / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        for svc in SERVICES:
            (metrics / svc).mkdir(parents=True, exist_ok=True)

    # --- one-shot steps ----------------------------------------------------------------------
    def run_step(self, service: str, *args: str, quiet: bool = False) -> str:
        cmd = [PYTHON, "-m", service, *args]
        result = subprocess.run(cmd, env=self.env(), cwd=REPO, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"step failed: {' '.join(args)} ({service})\n{result.stdout[-2000:]}"
                               f"\n{result.stderr[-4000:]}")
        if not quiet and result.stdout.strip():
            print(result.stdout.strip())
        return result.stdout

    def migrate(self) -> None:
        for svc in SERVICES:
            self.run_step(svc, "migrate", quiet=True)

    def seed(self, region_file: Path) -> None:
        self.run_step("catalog", "import", str(region_file), quiet=True)
        self.run_step("schedule", "import", str(region_file), quiet=True)
        self.run_step("schedule", "generate", quiet=True)
        self.run_step("auth", "seed-demo", "--region", str(region_file), quiet=True)

    def demo_region(self, scale: float, seed: int = 56) -> Path:
        out = self.var_dir / f"demo-region-{scale}.json"
        if not out.exists():
            self.run_step("catalog", "demo", "--scale", str(scale), "--seed", str(seed),
                          "--out", str(out), quiet=True)
        return out

    # --- processes ---------------------------------------------------------------------------
    def start_proc(self, proc: Proc, env_overrides: dict[str, str] | None = None) -> None:
        log = open(self.var_dir / "log" / f"{proc.name}.log", "ab")
        workdir = self.var_dir / "celery" if proc.name == "tickets-beat" else REPO
        env = {**self.env(proc.service), **proc.env, **(env_overrides or {})}
        self.running[proc.name] = subprocess.Popen(proc.argv, env=env, cwd=workdir,
                                                   stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True)
        log.close()

    def restart(self, name: str, env_overrides: dict[str, str] | None = None,
                timeout: float = 10.0) -> None:
        """Stop one process and start it again, optionally with other settings (failure tests)."""
        popen = self.running[name]
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGTERM)
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait()
        self.start_proc(next(p for p in self.procs if p.name == name), env_overrides)

    def start(self, timeout: float = 90.0) -> None:
        busy = [f"{p.name} ({p.port})" for p in self.procs if p.port and port_in_use(p.port)]
        if busy:
            raise RuntimeError("ports already in use: " + ", ".join(busy) +
                               " (is another Registratura still running? stop it first)")
        self.prepare_dirs()
        for proc in self.procs:
            self.start_proc(proc)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {p.name: p for p in self.procs if p.port}
        while pending and time.monotonic() < deadline:
            for name, proc in list(pending.items()):
                if self.running[name].poll() is not None:
                    raise RuntimeError(f"{name} exited at start:\n{self.log_tail(name)}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/readyz", timeout=2) as r:
                        if r.status == 200:
                            pending.pop(name)
                except OSError:
                    pass
            time.sleep(0.3)
        if pending:
            raise RuntimeError("not ready in time: " + ", ".join(pending) + "\n" +
                               "\n".join(self.log_tail(n) for n in pending))
        for name, popen in self.running.items():
            if popen.poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.var_dir / "log" / f"{name}.log"
        if not path.exists():
            return f"({name}: no log)"
        text = path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {name} ---\n" + "\n".join(text)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to every process group at once, then SIGKILL to whatever is left."""
        alive = {n: p for n, p in self.running.items() if p.poll() is None}
        for popen in alive.values():
            try:
                os.killpg(popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for popen in alive.values():
            try:
                popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                popen.wait()

    def supervise(self) -> None:
        """Restart a process that died (at most 5 times each), until interrupted."""
        by_name = {p.name: p for p in self.procs}
        while True:
            time.sleep(1)
            for name, popen in list(self.running.items()):
                if popen.poll() is None:
                    continue
                count = self.restarts.get(name, 0) + 1
                self.restarts[name] = count
                print(f"[stack] {name} exited with {popen.returncode}; "
                      + ("restarting" if count <= 5 else "giving up"), file=sys.stderr)
                print(self.log_tail(name, 10), file=sys.stderr)
                if count <= 5:
                    time.sleep(min(2 ** count, 10))
                    self.start_proc(by_name[name])
                else:
                    self.running.pop(name)


def _without_password(url: str) -> str:
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)


def _region_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def seed_once(stack: Stack, scale: float, *, target: str = "sqlite", fresh: bool = False) -> None:
    """Migrate, then load the demo region unless this very region is already in ``target`` (the
    databases' home); ``fresh`` databases (just created) are always loaded."""
    stack.prepare_dirs()
    print("[stack] applying migrations…")
    stack.migrate()
    region = stack.demo_region(scale)
    marker = stack.var_dir / "seeded.json"
    loaded = {"region": _region_digest(region), "target": target}
    if not fresh and marker.exists() and \
            {k: json.loads(marker.read_text()).get(k) for k in loaded} == loaded:
        print("[stack] demo region already loaded")
        return
    print(f"[stack] loading the demo region (scale {scale})…")
    stack.seed(region)
    marker.write_text(json.dumps({**loaded, "scale": scale}))


def stack_from_env(var_dir: Path, environ=os.environ) -> tuple[Stack, str, bool]:
    """The stack of ``make run``: SQLite files and the filesystem broker, or the servers named by
    ``REGISTRATURA_DATABASE_URL`` / ``REGISTRATURA_BROKER_URL``. Returns the stack, where its data
    lives, and whether a database had to be created."""
    server = environ.get("REGISTRATURA_DATABASE_URL", "").strip()
    broker = environ.get("REGISTRATURA_BROKER_URL", "").strip()
    urls, target, created = {}, "sqlite", []
    if server:
        from sqlalchemy.engine import make_url

        urls = service_database_urls(server, environ.get("REGISTRATURA_DATABASE_PREFIX")
                                     or DATABASE_PREFIX)
        target = make_url(server).render_as_string(hide_password=True)
        created = create_databases(urls)
        if created:
            print("[stack] created databases: " + ", ".join(created))
    return Stack(var_dir, database_urls=urls, broker_url=broker), target, bool(created)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "seed"])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("DEMO_SCALE", "0.05")))
    parser.add_argument("--var", default=os.environ.get("REGISTRATURA_VAR_DIR", str(REPO / "var")))
    args = parser.parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    try:
        stack, target, fresh = stack_from_env(Path(args.var))
        seed_once(stack, args.scale, target=target, fresh=fresh)
    except (RuntimeError, OSError, ValueError, SQLAlchemyError) as exc:
        print(f"[stack] {exc}", file=sys.stderr)
        return 1
    if args.command == "seed":
        return 0

    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        print("[stack] starting services…")
        stack.start()
        print("\n[stack] Registratura is running:")
        for proc in stack.procs:
            where = f"http://127.0.0.1:{proc.port}" if proc.port else "(worker)"
            print(f"  {proc.name:<18} {where}")
        print(f"\n  Web UI: {stack.url('gateway')}/\n  Data:   {target}"
              f"\n  Broker: {_without_password(stack.broker_url) or 'filesystem (var/broker)'}\n  Logs:   {stack.var_dir / 'log'}/\n"
              "  Stop:   Ctrl+C\n", flush=True)
        stack.supervise()
    except KeyboardInterrupt:
        print("\n[stack] stopping…")
    except RuntimeError as exc:
        print(f"[stack] {exc}", file=sys.stderr)
        stack.stop()
        return 1
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
