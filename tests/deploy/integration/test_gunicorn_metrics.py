"""A real gunicorn with deploy/gunicorn.conf.py and several workers: /metrics counts every request
served by any worker, the probe sees the server, and gunicorn's own log lines are JSON."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
APP = '''
import os
from regcommon.settings import ServiceSettings
from regcommon.web import create_base_app


def create_app():
    app = create_base_app(__name__, ServiceSettings(service_name="probe"), "probe")

    @app.get("/hit")
    def hit():
        return {"pid": os.getpid()}

    return app
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
        return answer.read()


@pytest.fixture
def server(tmp_path):
    (tmp_path / "probeapp.py").write_text(APP, encoding="utf-8")
    port = free_port()
    # Workers are recycled every 5 requests: the answers come from many processes, most of them
    # gone by the time /metrics is read, which is what the multiprocess folder must survive.
    env = dict(os.environ, PORT=str(port), WEB_CONCURRENCY="2", GUNICORN_THREADS="2",
               GUNICORN_MAX_REQUESTS="5",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), REGISTRATURA_SERVICE="probe",
               REGISTRATURA_VAR_DIR=str(tmp_path / "var"), REGISTRATURA_MODE="embedded")
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "--config", str(DEPLOY / "gunicorn.conf.py"),
                             "--pythonpath", str(tmp_path), "probeapp:create_app()"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    probe = [sys.executable, str(DEPLOY / "probe.py"), "http", "/healthz"]
    deadline = time.monotonic() + 30
    while subprocess.run(probe, env=env, capture_output=True).returncode != 0:
        assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)
    yield port, proc, tmp_path / "gunicorn.log"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


def test_metrics_add_up_the_requests_of_every_worker(server):
    port, _, _ = server
    with ThreadPoolExecutor(max_workers=4) as pool:
        pids = [json.loads(body)["pid"] for body in pool.map(lambda _: get(port, "/hit"), range(30))]
    assert len(set(pids)) >= 3, "workers were not recycled"
    text = get(port, "/metrics").decode()
    counted = sum(float(v) for v in re.findall(
        r'^http_requests_total\{[^}]*endpoint="/hit"[^}]*status="200"[^}]*\} (\S+)$', text, flags=re.M))
    assert counted == len(pids)
    assert "http_request_duration_seconds_bucket" in text


def test_the_probe_fails_when_nothing_listens(tmp_path):
    env = dict(os.environ, PORT=str(free_port()), PROBE_TIMEOUT_SECONDS="1")
    done = subprocess.run([sys.executable, str(DEPLOY / "probe.py"), "http", "/healthz"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "unreachable" in done.stderr


def test_gunicorn_logs_json_lines_naming_the_service(server):
    _, _, log = server
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines if "gunicorn" in line]
    assert entries and all(e["service"] == "probe" for e in entries)
    assert any("Listening at" in e["msg"] for e in entries)
