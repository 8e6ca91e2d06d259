"""``python -m schedule <command>``: migrate, import, generate, worker, relay."""
from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta

import click

from regcommon import metrics
from regcommon.cli import add_migrate_command, settings_with_logs, stop_on_signals
from regcommon.db import make_engine

log = logging.getLogger("schedule")


def _settings():
    from .settings import ScheduleSettings

    return settings_with_logs(ScheduleSettings)


@click.group()
def cli() -> None:
    """Registratura schedule service."""


add_migrate_command(cli, "schedule", _settings)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_cmd(path: str) -> None:
    """Upsert organizations, doctors and templates from a region file."""
    from .importer import RegionFileInvalid, import_region

    settings = _settings()
    with open(path, encoding="utf-8") as fh:
        region = json.load(fh)
    try:
        result = import_region(make_engine(settings.database_url), region,
                               settings.default_timezone)
    except RegionFileInvalid as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"schedule: imported {result.organizations} organizations, {result.doctors} "
               f"doctors ({result.skipped_templates} invalid templates skipped)")


@cli.command()
@click.option("--days", type=click.IntRange(0, 120), default=None,
              help="Days ahead of today (default: each organization's horizon + 1).")
def generate(days: int | None) -> None:
    """Generate slots over the rolling horizon (idempotent)."""
    from .app import org_settings_provider
    from .generation import generate as run

    settings = _settings()
    engine = make_engine(settings.database_url)
    result = run(engine, org_settings_provider(settings, engine), days=days)
    click.echo(f"schedule: generated {result.slots} slots in {result.days} doctor-days "
               f"in {result.elapsed:.1f} s")


@cli.command()
def worker() -> None:
    """Expire holds, keep the horizon generated, open new days (slots.opened)."""
    metrics.serve_from_env()  # a non-web role: its metrics on $METRICS_PORT
    from .app import org_settings_provider
    from .worker import Worker

    settings = _settings()
    engine = make_engine(settings.database_url)
    loop = Worker(engine, org_settings_provider(settings, engine),
                  tick=settings.worker_tick_seconds,
                  generate_every=settings.generate_every_seconds,
                  hold_retention=timedelta(days=settings.hold_retention_days))
    stop_on_signals(loop.stop)
    log.info("schedule worker started")
    loop.run()


@cli.command()
def relay() -> None:
    """Publish the outbox to the event broker."""
    metrics.serve_from_env()  # a non-web role: its metrics on $METRICS_PORT
    from regcommon.cli import run_outbox_relay

    from .adapters.tables import outbox

    settings = _settings()
    run_outbox_relay("schedule", settings, make_engine(settings.database_url), outbox)


if __name__ == "__main__":
    sys.exit(cli())
