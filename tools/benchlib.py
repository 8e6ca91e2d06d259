"""What the benchmarks share: the web-server options, the rush driver, process figures read from
/proc (CPU, memory), and py-spy profiles summarised as their top frames."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stack import WebServer

PY_SPY = Path(sys.executable).parent / "py-spy"
BIN_GUNICORN = Path(sys.executable).parent / "gunicorn"


def add_web_server_args(parser: argparse.ArgumentParser) -> None:
    default = WebServer()
    parser.add_argument("--worker-class", default=default.worker_class,
                        choices=["gthread", "sync", "gevent"])
    parser.add_argument("--web-workers", type=int, default=default.workers)
    parser.add_argument("--threads", type=int, default=default.threads)
    parser.add_argument("--gateway-threads", type=int, default=default.gateway_threads)


def web_server(args) -> WebServer:
    return WebServer(args.worker_class, args.web_workers, args.threads, args.gateway_threads)


def describe(web: WebServer) -> str:
    return (f"{web.worker_class}, {web.workers} workers, {web.threads} threads "
            f"({web.gateway_threads} in the gateway)")


# --- the rush driver ------------------------------------------------------------------------------

class Picker:
    """The free times left, shared by every client: each picks one at random among the first
    ``window`` (the earliest, when sorted so), and forgets it once taken or refused."""

    def __init__(self, slots: list[tuple[str, str]], window: int):
        self.free = list(slots)
        self.window = window
        self.lock = threading.Lock()

    def pick(self) -> tuple[str, str] | None:
        with self.lock:
            if not self.free:
                return None
            return self.free[random.randrange(min(self.window, len(self.free)))]

    def gone(self, slot: tuple[str, str]) -> None:
        with self.lock:
            if slot in self.free:
                self.free.remove(slot)


def rush(attempt, bookers: int, picker: Picker, clients: int) -> dict:
    """``bookers`` patients book one time each, ``clients`` at once, trying another time after a
    409. ``attempt(index, slot_id, service_id)`` returns the HTTP status of one try."""
    latencies: list[float] = []
    outcomes: Counter = Counter()

    def one_patient(index: int) -> None:
        for _try in range(20):
            slot = picker.pick()
            if slot is None:
                outcomes["no_slots_left"] += 1
                return
            started = time.perf_counter()
            status = attempt(index, *slot)
            latencies.append(time.perf_counter() - started)
            outcomes[status] += 1
            if status in (201, 409):
                picker.gone(slot)
            if status != 409:
                return

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        list(executor.map(one_patient, range(bookers)))
    elapsed = time.perf_counter() - started
    lat = sorted(latencies) or [0.0]
    return {"booked": outcomes[201], "seconds": elapsed, "rate": outcomes[201] / elapsed,
            "requests": len(latencies), "p50": statistics.median(lat) * 1000,
            "p99": lat[max(0, int(len(lat) * 0.99) - 1)] * 1000, "outcomes": dict(outcomes)}


def report(label: str, result: dict, clients: int) -> None:
    print(f"{label}: {result['booked']} bookings in {result['seconds']:.1f} s = "
          f"{result['rate']:.0f} bookings/s ({result['requests'] / result['seconds']:.0f} requests/s) "
          f"at {clients} clients; p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms; "
          f"outcomes {result['outcomes']}", flush=True)


# --- /proc ---------------------------------------------------------------------------------------

def _status_mib(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mib(pid: int) -> float:
    return _status_mib(pid, "VmRSS")


def peak_rss_mib(pid: int) -> float:
    """The largest resident size the process ever had (VmHWM)."""
    return _status_mib(pid, "VmHWM")


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


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def stack_cpu(stack) -> dict[str, float]:
    """CPU seconds used so far by each process of the stack (master and its workers), and by
    PostgreSQL and RabbitMQ as a whole (shared with whatever else runs on the machine)."""
    out = {}
    for name, popen in stack.running.items():
        pids = [popen.pid] + children(popen.pid)
        out[name] = sum(cpu_seconds(pid) for pid in pids)
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    out["postgres"] = sum(cpu_seconds(pid) for pid in pids if _comm(pid) == "postgres")
    out["rabbitmq"] = sum(cpu_seconds(pid) for pid in pids if _comm(pid) == "beam.smp")
    return out


def print_cpu(before: dict[str, float], after: dict[str, float], extra: dict[str, float],
              per: int = 0, unit: str = "request") -> None:
    """CPU seconds by process between two :func:`stack_cpu` readings (and milliseconds per
    ``unit`` when ``per`` of them were served): a figure that load from elsewhere inflates less
    than throughput."""
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    spent.update(extra)
    ranked = [(name, sec) for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]) if sec >= 0.1]
    print("CPU seconds: " + ", ".join(f"{name} {sec:.1f}" for name, sec in ranked))
    if per:
        print(f"CPU ms per {unit}: " + ", ".join(f"{name} {1000 * sec / per:.2f}" for name, sec in ranked
                                                 if name not in ("postgres", "rabbitmq")))


def web_pids(stack) -> dict[str, list[int]]:
    """Master and worker pids of every web role that runs."""
    return {proc.name: [stack.running[proc.name].pid] + children(stack.running[proc.name].pid)
            for proc in stack.procs if proc.port and proc.name in stack.running}


def print_memory(stack) -> None:
    """Resident memory now and at its peak, per web process (master first, then workers)."""
    for name, pids in web_pids(stack).items():
        print(f"memory {name}: " + ", ".join(
            f"{rss_mib(pid):.0f} MiB (peak {peak_rss_mib(pid):.0f})" for pid in pids))


# --- py-spy --------------------------------------------------------------------------------------

class Profiles:
    """py-spy on every worker of the named web roles for ``seconds``; :meth:`summary` afterwards."""

    def __init__(self, stack, names: list[str], seconds: int, out_dir: Path):
        self.files: dict[str, list[Path]] = {}
        self.spies: list[subprocess.Popen] = []
        if not names:
            return
        if not PY_SPY.exists():
            print(f"py-spy is not installed in {PY_SPY.parent}: no profiles", file=sys.stderr)
            return
        for name in names:
            pid = stack.running[name].pid
            for worker in children(pid) or [pid]:
                out = out_dir / f"profile-{name}-{worker}.txt"
                self.files.setdefault(name, []).append(out)
                self.spies.append(subprocess.Popen(
                    [str(PY_SPY), "record", "--gil", "-r", "100", "-d", str(seconds), "-p", str(worker),
                     "-f", "raw", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def summary(self, top: int = 12) -> None:
        for spy in self.spies:
            spy.wait()
        for name, files in self.files.items():
            own, total, samples = Counter(), Counter(), 0
            for path in files:
                if path.exists():
                    samples += top_frames(path.read_text(), own, total)
            if not samples:
                continue
            print(f"\nprofile {name} ({samples} samples holding the GIL; % own / with callees, "
                  "past the server and framework spine):")
            for frame, count in [kv for kv in total.most_common() if not _spine(kv[0])][:top]:
                print(f"  {100 * own[frame] / samples:5.1f} / {100 * count / samples:5.1f}  {frame}")
            print("  top own time: " + "; ".join(
                f"{frame} {100 * count / samples:.1f}" for frame, count in own.most_common(top)))


def top_frames(collapsed: str, own: Counter, total: Counter) -> int:
    """Add one py-spy raw (collapsed stacks) file to ``own`` (leaf) and ``total`` (anywhere on
    the stack) counts by function; returns its sample count. Idle workers' waits are left out."""
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        if any(idle in frames[-1] for idle in ("wait (threading", "select (selectors", "accept (",
                                               "sleep (", "_worker (concurrent")):
            continue
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    return samples


SPINE = ("(threading.py)", "(concurrent/", "(gunicorn/arbiter.py)", "(gunicorn/app/", "(<module>",
         "Flask.wsgi_app", "Flask.__call__", "Flask.full_dispatch_request",
         "Flask.dispatch_request", "ThreadWorker.handle ", "ThreadWorker.init_process",
         "ThreadWorker.run ")


def _spine(frame: str) -> bool:
    """Frames every request passes through (thread pool, gunicorn's loop, Flask's dispatch)."""
    return any(part in frame for part in SPINE)


def _short(frame: str) -> str:
    """``handle (gunicorn/workers/gthread.py:123)`` -> ``handle (gunicorn/workers/gthread.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"
