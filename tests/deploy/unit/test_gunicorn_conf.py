"""deploy/gunicorn.conf.py: settings from the environment, and multiprocess metrics housekeeping."""
from __future__ import annotations

import runpy
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from gunicorn.config import Config

# prometheus_client picks its value class (in-process or multiprocess files) once, when first
# imported; import it now so the environment these tests set does not leak into later tests.
import prometheus_client.values  # noqa: F401,E402

pytestmark = pytest.mark.unit

CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


@pytest.fixture
def load(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)

    def run(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return run


def test_bind_workers_and_threads_come_from_the_environment(load):
    conf = load(PORT="8123", WEB_CONCURRENCY="3", GUNICORN_THREADS="5")
    assert conf["bind"] == "0.0.0.0:8123"
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 5, "gthread")


def test_defaults_suit_a_small_container(load):
    conf = load()
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["workers"] == 2 and conf["threads"] == 4


def test_every_setting_is_one_gunicorn_knows(load):
    conf = load(PORT="8123")
    config = Config()
    # Plain lower-case values are meant as settings; hooks are kept when gunicorn knows their name.
    settings = {k: v for k, v in conf.items()
                if k in config.settings or (k.islower() and not k.startswith("_") and k != "annotations"
                                            and not callable(v) and not isinstance(v, ModuleType))}
    unknown = [k for k in settings if k not in config.settings]
    assert unknown == []
    for key, value in settings.items():
        config.set(key, value)  # gunicorn's own validators accept every value
    assert config.control_socket_disable is True
    assert config.accesslog is None
    assert config.address == [("0.0.0.0", 8123)]


def test_a_non_numeric_worker_count_fails_fast(load):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        load(WEB_CONCURRENCY="many")


def test_starting_wipes_metric_files_of_a_previous_run(load, tmp_path):
    conf = load()
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"stale")
    conf["on_starting"](None)
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_dead_workers_live_gauges_are_dropped(load, tmp_path):
    conf = load()
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "gauge_livesum_4242.db").write_bytes(b"")
    (folder / "gauge_livesum_4343.db").write_bytes(b"")
    (folder / "counter_4242.db").write_bytes(b"")
    conf["child_exit"](None, SimpleNamespace(pid=4242))
    assert sorted(p.name for p in folder.iterdir()) == ["counter_4242.db", "gauge_livesum_4343.db"]


def test_the_images_default_command_starts_the_service_it_was_built_for(load, monkeypatch):
    monkeypatch.delenv("REGISTRATURA_SERVICE", raising=False)
    assert "wsgi_app" not in load()
    conf = load(REGISTRATURA_SERVICE="booking")
    assert conf["wsgi_app"] == "booking.app:create_app()"
    config = Config()
    config.set("wsgi_app", conf["wsgi_app"])  # a setting gunicorn knows
    assert config.wsgi_app == "booking.app:create_app()"
