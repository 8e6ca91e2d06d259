"""Time the import of a whole demo region (scale 1) into a fresh, migrated database.

Usage: ``python services/catalog/bench_import.py postgresql+psycopg://root@127.0.0.1:5432/DB``
(the database must exist and be empty). Prints the time of the first import and of a re-import.
"""
from __future__ import annotations

import sys
import time

import click
from regcommon.db import make_engine, migrate

from catalog.demo.generator import generate_region
from catalog.adapters.importer import region_writer
from catalog.services import import_region


@click.command()
@click.argument("database_url")
@click.option("--scale", type=float, default=1.0, show_default=True)
def main(database_url: str, scale: float) -> None:
    started = time.perf_counter()
    region = generate_region(scale=scale, seed=56)
    doctors = sum(len(o["doctors"]) for o in region["organizations"])
    click.echo(f"generated {len(region['organizations'])} organizations, {doctors} doctors "
               f"in {time.perf_counter() - started:.2f} s")
    migrate("catalog", database_url)
    engine = make_engine(database_url)
    try:
        for label in ("first import", "re-import (no-op)"):
            result = import_region(region_writer(engine), region)
            click.echo(f"{label}: {result['elapsed_seconds']:.2f} s")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
