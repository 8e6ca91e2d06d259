"""Command line of the catalog service: ``python -m catalog migrate | import FILE | demo``."""
from __future__ import annotations

import json
import sys

import click

from regcommon.cli import add_migrate_command

from .settings import CatalogSettings


@click.group()
def cli() -> None:
    """Registratura catalog service."""


add_migrate_command(cli, "catalog", CatalogSettings)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Validate a region file completely, then upsert it in one transaction."""
    from regcommon.db import make_engine

    from .adapters.importer import region_writer
    from .domain.region_file import RegionFileInvalid
    from .services import import_region

    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        click.echo(f"{path}: не удалось прочитать JSON: {exc}", err=True)
        sys.exit(2)
    engine = make_engine(CatalogSettings().database_url)
    try:
        result = import_region(region_writer(engine), document)
    except RegionFileInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{path}: ошибок — {len(exc.problems)}; ничего не изменено", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    counts = result["counts"]
    summary = ", ".join(
        f"{name} {c['total']} (+{c['inserted']}"
        + (f" ~{c['updated']}" if "updated" in c else f" -{c['deleted']}") + ")"
        for name, c in counts.items())
    click.echo(f"catalog: imported in {result['elapsed_seconds']:.2f} s: {summary}")


@cli.command()
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="1 is a whole region (~400 organizations, ~6,000 doctors)")
@click.option("--seed", type=int, default=56, show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True)
def demo(scale: float, seed: int, out_path: str) -> None:
    """Write a fictional, deterministic demo region file."""
    from .demo.generator import generate_region

    if not 0 < scale <= 10:
        raise click.BadParameter("scale must be in (0, 10]", param_hint="--scale")
    document = generate_region(scale=scale, seed=seed)
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    doctors = sum(len(o["doctors"]) for o in document["organizations"])
    click.echo(f"catalog: demo region written to {out_path}: {len(document['districts'])} "
               f"districts, {len(document['organizations'])} organizations, {doctors} doctors")


if __name__ == "__main__":
    cli()
