"""Command line of the gateway: ``python -m gateway migrate``."""
from __future__ import annotations

import click
from regcommon.cli import add_migrate_command

from .settings import GatewaySettings


@click.group()
def cli() -> None:
    """Registratura gateway."""


add_migrate_command(cli, "gateway", GatewaySettings)


if __name__ == "__main__":
    cli()
