"""Command line of the auth service: `python -m auth <command>`."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from regcommon.cli import add_migrate_command


def _settings():
    from .settings import AuthSettings

    return AuthSettings()


def _context(settings):
    from .app import build_context

    _engine, keys, ctx = build_context(settings)
    return keys, ctx


def _echo(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group()
def cli():
    """Registratura auth service."""


add_migrate_command(cli, "auth", _settings)


@cli.command("rotate-keys")
def rotate_keys():
    """Create a new signing key; it signs from now on (instances pick it up within seconds)."""
    keys, _ctx = _context(_settings())
    kid = keys.add_key()
    _echo({"active_kid": kid, "keys": keys.list_keys()})


# A key id is base64url and may start with "-": take it as the argument, not as an option.
@cli.command("retire-key", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
def retire_key(kid):
    """Remove a key from the JWKS: tokens it signed stop working."""
    keys, _ctx = _context(_settings())
    if not keys.retire(kid):
        raise click.ClickException(f"no active key {kid}")
    _echo({"retired": kid, "keys": keys.list_keys()})


@cli.command("list-keys")
def list_keys():
    keys, _ctx = _context(_settings())
    _echo(keys.list_keys())


@cli.command("create-staff")
@click.option("--login", required=True)
@click.option("--role", type=click.Choice(["registrar", "admin"]), required=True)
@click.option("--organization-id", default=None)
@click.option("--full-name", default=None)
def create_staff(login, role, organization_id, full_name):
    """Create a staff account; the password comes from AUTH_STAFF_PASSWORD or a prompt."""
    from . import seed

    password = os.environ.get("AUTH_STAFF_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("password must be at least 8 characters")
    _keys, ctx = _context(_settings())
    try:
        created = seed.create_staff(ctx, login=login, password=password, role=role,
                                    organization_id=organization_id,
                                    full_name=full_name or login)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not created:
        raise click.ClickException(f"login {login} already exists")
    click.echo(f"staff {login} ({role}) created")


@cli.command("deactivate-staff")
@click.option("--login", required=True)
def deactivate_staff(login):
    """Deactivate a staff account: it cannot log in, and its tokens stop working at once."""
    from .staff_accounts import deactivate_staff as deactivate

    _keys, ctx = _context(_settings())
    staff_id = deactivate(ctx, login)
    if staff_id is None:
        raise click.ClickException(f"no staff login {login}")
    _echo({"deactivated": staff_id})


@cli.command("unlock-staff")
@click.option("--login", required=True)
def unlock_staff(login):
    """Lift the login limits of a staff login (every address), e.g. after a colleague's typos."""
    from .services import unlock_staff_login

    _keys, ctx = _context(_settings())
    _echo({"login": login, "unlocked_keys": unlock_staff_login(ctx, login)})


@cli.command()
@click.option("--days", type=click.IntRange(1, 365), default=2, show_default=True)
def purge(days):
    """Delete old login attempts, calm lockout rows, expired revocations and ESIA states."""
    from .housekeeping import purge_old_records

    _keys, ctx = _context(_settings())
    _echo(purge_old_records(ctx, days))


@cli.command("esia-emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8009, show_default=True)
def esia_emulator(host, port):
    """Run the local ESIA emulator (embedded/dev only; refuses in production)."""
    from werkzeug.serving import run_simple

    from .esia_emulator import create_app

    run_simple(host, port, create_app(), threaded=True)


def _refuse_in_production(settings) -> None:
    if settings.is_production:
        raise click.ClickException("demo data is refused in production (REGISTRATURA_MODE)")


@cli.command("seed-demo")
@click.option("--region", "region_file", type=click.Path(exists=True, dir_okay=False),
              default=None, help="region file; its first organization gets the patients")
def seed_demo(region_file):
    """Demo staff and fictional patients (embedded mode only)."""
    from . import seed

    settings = _settings()
    _refuse_in_production(settings)
    organization_id = "o-0001"
    if region_file:
        region = json.loads(Path(region_file).read_text(encoding="utf-8"))
        ids = [o.get("id") for o in region.get("organizations", [])]
        if ids and organization_id not in ids:
            organization_id = ids[0]
    _keys, ctx = _context(settings)
    patients = seed.seed_demo(ctx, organization_id=organization_id)
    _echo({"staff": [{k: s[k] for k in ("login", "password", "role", "organization_id")}
                     for s in seed.DEMO_STAFF],
           "patients": patients, "organization_id": organization_id})


@cli.command("seed-bench-patients")
@click.option("--count", type=click.IntRange(1, 2_000_000), required=True)
@click.option("--organization-id", default="o-0001")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
def seed_bench_patients(count, organization_id, out):
    """N distinct valid patients for the rush benchmark; login data written to OUT (JSON)."""
    from . import seed

    settings = _settings()
    _refuse_in_production(settings)
    _keys, ctx = _context(settings)
    seed.seed_bench_patients(ctx, count, organization_id, Path(out))
    click.echo(f"{count} patients created; login data in {out}")


def main() -> None:
    cli(prog_name="python -m auth")


if __name__ == "__main__":
    sys.exit(main())
