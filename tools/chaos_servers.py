"""Private PostgreSQL and RabbitMQ servers for the chaos run, on free ports of their own.

The chaos run stops and restarts its servers for real; the machine's shared servers (used by other
test runs at the same time) must never notice. So each run makes a PostgreSQL cluster in a
temporary directory (``initdb`` + ``pg_ctl``, trust authentication, as the ``postgres`` user when
run as root) and a second RabbitMQ node with its own name, ports, Mnesia directory and Erlang
cookie, and removes both at the end (also after a failure or Ctrl+C).
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from stack import free_port

def pg_bin() -> Path:
    """CHAOS_PG_BIN, else the newest Debian-packaged PostgreSQL."""
    if os.environ.get("CHAOS_PG_BIN"):
        return Path(os.environ["CHAOS_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
                   if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


def _rabbit_bin() -> Path:
    return Path(os.environ.get("CHAOS_RABBIT_BIN", "/usr/lib/rabbitmq/bin"))


def available() -> str:
    """Why private servers cannot be made here ('' when they can)."""
    pg, rabbit = pg_bin(), _rabbit_bin()
    missing = [str(p) for p in (pg / "initdb", pg / "pg_ctl", rabbit / "rabbitmq-server",
                                rabbit / "rabbitmqctl") if not p.exists()]
    return ("missing: " + ", ".join(missing)) if missing else ""


class PrivatePostgres:
    """A throwaway PostgreSQL cluster; ``restart`` is the fault, ``admin_url`` creates databases."""

    def __init__(self):
        # A directory of its own: the postgres user cannot enter a caller's private temp dir.
        self.root = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        self.data = self.root / "data"
        self.bin = pg_bin()
        self.port = free_port()
        self.admin_url = f"postgresql+psycopg://root@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, *argv: str, timeout: float = 120) -> None:
        cmd = list(argv)
        if os.geteuid() == 0:  # initdb refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv[:1])} failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                       "-w", "-t", "60", *extra, action)

    def start(self) -> None:
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._as_owner(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "root",
                       "-E", "UTF8", "--no-sync")
        # In postgresql.auto.conf, so that ``pg_ctl restart`` keeps them.
        settings = {"port": self.port, "unix_socket_directories": f"'{self.root}'",
                    "listen_addresses": "'127.0.0.1'", "fsync": "off", "max_connections": 300}
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write("".join(f"{name} = {value}\n" for name, value in settings.items()))
        self._pg_ctl("start")

    def restart(self) -> None:
        """Fast shutdown (every session is cut) and start again: an operator's restart."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._pg_ctl("stop", "-m", "immediate")
            except (subprocess.SubprocessError, RuntimeError):
                pass
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRabbit:
    """A second RabbitMQ node on this machine; ``stop_app``/``start_app`` make the outage."""

    def __init__(self, root: Path):
        self.root = root / "rabbit"
        self.bin = _rabbit_bin()
        self.node = f"chaos{secrets.token_hex(4)}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def env(self) -> dict[str, str]:
        return {**os.environ, "HOME": str(self.root / "home"), "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.root / "log"),
                "RABBITMQ_PID_FILE": str(self.root / "node.pid"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
                "RABBITMQ_ENABLED_PLUGINS": "",
                "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.root / "advanced.config")}

    def ctl(self, *args: str, timeout: float = 120) -> None:
        subprocess.run([str(self.bin / "rabbitmqctl"), "-n", self.node, *args], env=self.env(),
                       check=True, capture_output=True, timeout=timeout, cwd=self.root)

    def start(self) -> None:
        home = self.root / "home"
        for sub in ("mnesia", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        subprocess.run([str(self.bin / "rabbitmq-server"), "-detached"], env=self.env(),
                       check=True, capture_output=True, timeout=60, cwd=self.root)
        self.await_startup()

    def await_startup(self) -> None:
        deadline = time.monotonic() + 180
        while True:
            try:
                self.ctl("await_startup", "--timeout", "30", timeout=60)
                return
            except subprocess.SubprocessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.await_startup()

    def stop(self) -> None:
        try:
            self.ctl("stop", timeout=60)
        except (subprocess.SubprocessError, OSError):
            pid_file = self.root / "node.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().strip()), 9)
                except (ValueError, OSError):
                    pass
