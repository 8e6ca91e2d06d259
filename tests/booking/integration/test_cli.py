"""The service's commands (python -m booking ...)."""
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from booking.__main__ import cli

pytestmark = pytest.mark.integration


def test_migrate_creates_the_schema_from_the_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("BOOKING_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    assert {"appointments", "idempotency_records", "waitlist_entries", "audit_log", "outbox",
            "processed_events"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_reconcile_runs_one_round(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKING_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert CliRunner().invoke(cli, ["migrate"]).exit_code == 0
    result = CliRunner().invoke(cli, ["reconcile"])
    assert result.exit_code == 0, result.output


def test_every_role_has_a_command():
    assert {"migrate", "relay", "consume", "reconcile"} <= set(cli.commands)


@pytest.mark.parametrize("command", ["relay", "consume"])
def test_non_web_roles_serve_their_metrics_before_anything_else(command, monkeypatch):
    from regcommon import metrics

    class Served(Exception):
        pass

    def serve():  # stands in for the metrics HTTP server; stops the role right there
        raise Served()

    monkeypatch.setattr(metrics, "serve_from_env", serve)
    result = CliRunner().invoke(cli, [command])
    assert isinstance(result.exception, Served)
