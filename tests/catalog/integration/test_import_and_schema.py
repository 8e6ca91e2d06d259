import copy
import json

import pytest
from click.testing import CliRunner
from regcommon.db import make_engine, migrate, migration_heads, schema_diff
from sqlalchemy import func, select, text

from catalog.__main__ import cli
from catalog.adapters.models import Doctor, DoctorArea, DoctorService, Organization, metadata
from catalog.adapters.importer import region_writer
from catalog.services import import_region

pytestmark = pytest.mark.integration

TABLES = ("districts", "organization_types", "organizations", "subdivisions", "services",
          "doctors", "doctor_services", "doctor_areas")


def table_counts(engine) -> dict:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def snapshot(engine) -> list:
    with engine.connect() as conn:
        return [list(conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))) for t in TABLES]


def test_migrations_have_a_single_head_and_match_the_models(make_pg_database):
    url = make_pg_database("catalog_schema")
    migrate("catalog", url)
    assert len(migration_heads("catalog", url)) == 1
    assert schema_diff("catalog", url, metadata) == []


def test_import_writes_everything_and_reimport_is_a_no_op(catalog_db, small_region):
    _url, engine = catalog_db
    counts = table_counts(engine)
    assert counts["organizations"] == len(small_region["organizations"])
    assert counts["doctors"] == sum(len(o["doctors"]) for o in small_region["organizations"])
    before = snapshot(engine)
    result = import_region(region_writer(engine), small_region)
    assert all(c["inserted"] == 0 and c.get("updated", 0) == 0 and c.get("deleted", 0) == 0
               for c in result["counts"].values())
    assert snapshot(engine) == before


def test_changed_entries_are_updated_and_links_follow_the_file(catalog_db, small_region):
    _url, engine = catalog_db
    changed = copy.deepcopy(small_region)
    org = changed["organizations"][1]
    org["name"] = "ГАУЗ «Переименованная поликлиника»"
    org["settings"]["booking_horizon_days"] = 21
    doctor = org["doctors"][0]
    doctor["room"] = "999"
    doctor["areas"] = ["77"]
    doctor["service_ids"] = [s["id"] for s in org["services"][:2]]
    result = import_region(region_writer(engine), changed)
    assert result["counts"]["organizations"]["updated"] == 1
    assert result["counts"]["doctors"]["updated"] == 1
    with engine.connect() as conn:
        stored = conn.execute(select(Organization).where(Organization.id == org["id"])).one()
        assert stored.name == org["name"] and stored.booking_horizon_days == 21
        assert "переименованная" in stored.search_text
        assert conn.execute(select(Doctor.room).where(Doctor.id == doctor["id"])).scalar() == "999"
        areas = conn.execute(select(DoctorArea.area).where(DoctorArea.doctor_id == doctor["id"]))
        assert [a for (a,) in areas] == ["77"]
        links = conn.execute(select(func.count()).select_from(DoctorService)
                             .where(DoctorService.doctor_id == doctor["id"])).scalar()
        assert links == 2
    import_region(region_writer(engine), small_region)  # leave the module's data as it was


def test_a_malformed_file_changes_nothing_and_the_command_fails(catalog_db, small_region,
                                                                tmp_path, monkeypatch):
    url, engine = catalog_db
    broken = copy.deepcopy(small_region)
    broken["organizations"][0]["name"] = "Новое имя, которое не должно попасть в базу"
    broken["organizations"][2]["doctors"][1]["service_ids"] = ["svc-x"]
    broken["organizations"][3]["timezone"] = "Mars/Olympus"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    before = snapshot(engine)
    monkeypatch.setenv("CATALOG_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert "organizations[2].doctors[1].service_ids[0]: неизвестная услуга 'svc-x'" in result.output
    assert "organizations[3].timezone" in result.output
    assert snapshot(engine) == before


def test_the_import_command_prints_time_and_counts(catalog_db, small_region, tmp_path,
                                                   monkeypatch):
    url, _engine = catalog_db
    path = tmp_path / "region.json"
    path.write_text(json.dumps(small_region, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("CATALOG_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported in" in result.output and "doctors" in result.output


def test_the_demo_command_writes_a_deterministic_file(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        result = CliRunner().invoke(cli, ["demo", "--scale", "0.05", "--seed", "7",
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text("utf-8"))["format"] == "registratura-region/1"


def test_sqlite_embedded_mode_imports_and_searches_cyrillic_case_insensitively(
        tmp_path, small_region):
    from catalog.adapters.repository import CatalogRepository
    from regcommon.db import make_sessionmaker

    url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    migrate("catalog", url)
    engine = make_engine(url)
    try:
        import_region(region_writer(engine), small_region)
        again = import_region(region_writer(engine), small_region)
        assert again["counts"]["doctors"]["inserted"] == 0
        repo = CatalogRepository(make_sessionmaker(engine))
        upper = repo.organizations(None, None, "ОРЕНБУРГ")
        assert upper and upper == repo.organizations(None, None, "оренбург")
        assert repo.organizations("d-001", "t-02", None)[0]["id"] == "o-0001"
    finally:
        engine.dispose()


def test_concurrent_imports_of_a_new_region_both_succeed(make_pg_database, small_region):
    from concurrent.futures import ThreadPoolExecutor

    url = make_pg_database("catalog_concurrent")
    migrate("catalog", url)
    engine = make_engine(url, pool_size=2)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda _: import_region(region_writer(engine), small_region), range(2)))
        inserted = sorted(r["counts"]["doctors"]["inserted"] for r in results)
        assert inserted == [0, sum(len(o["doctors"]) for o in small_region["organizations"])]
    finally:
        engine.dispose()
