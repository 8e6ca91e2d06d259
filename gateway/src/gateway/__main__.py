"""Command line of the gateway: ``python -m gateway migrate``."""
from __future__ import annotations

import click
from regcommon.db import migrate as run_migrate

from .settings import GatewaySettings


@click.group()
def cli() -> None:
    """Registratura gateway."""


@cli.command()
def migrate() -> None:
    """Create or upgrade the sessions table."""
    run_migrate("gateway", GatewaySettings().database_url)
    click.echo("gateway: migrated")


if __name__ == "__main__":
    cli()
