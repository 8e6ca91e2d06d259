"""Worker duties and the bulk commands: hold expiry, day opening, idempotent import/generation."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from regcommon.db import make_engine
from schedule.adapters.directory import OrgSettingsProvider
from schedule.adapters.tables import doctor_days, outbox, slots
from schedule.generation import generate
from schedule.worker import expire_holds, open_days

pytestmark = pytest.mark.integration


def count(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_expired_holds_return_slots_to_the_free_count(pg_url, make_app, now, patient):
    app = make_app(pg_url)
    engine = app.extensions["engine"]
    client = app.test_client()
    items = client.get("/v1/doctors/doc-000001/slots?service_id=svc-0001-01&date=2026-12-03")
    slot = next(i["id"] for i in items.json["items"] if i["bookable"])
    assert client.post(f"/v1/slots/{slot}/hold", headers=patient()).status_code == 201
    free_before = count(engine, slots, slots.c.status == "free")
    assert expire_holds(engine, now + timedelta(seconds=10)) == 0
    assert expire_holds(engine, now + timedelta(seconds=301)) == 1
    assert count(engine, slots, slots.c.status == "free") == free_before + 1
    with engine.connect() as conn:
        free = conn.execute(select(doctor_days.c.free).where(
            doctor_days.c.doctor_id == "doc-000001",
            doctor_days.c.date == datetime(2026, 12, 3).date())).scalar_one()
    assert free == 18


def test_a_new_day_opens_at_day_opens_at_once(pg_url):
    engine = make_engine(pg_url)
    orgs = OrgSettingsProvider(engine, None)
    before = datetime(2026, 12, 2, 1, 59, tzinfo=timezone.utc)  # 06:59 local, Dec 2
    generate(engine, orgs, now=before)
    assert open_days(engine, orgs, before) == 0
    at_seven = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)
    assert open_days(engine, orgs, at_seven) == 1  # doc-000001 works on Dec 16
    assert open_days(engine, orgs, at_seven + timedelta(minutes=5)) == 0
    with engine.connect() as conn:
        payload = json.loads(conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "slots.opened")).scalar_one())
    assert payload["data"] == {"doctor_id": "doc-000001", "organization_id": "o-0001",
                               "date": "2026-12-16"}
    engine.dispose()


def test_generation_is_idempotent(pg_url, now):
    engine = make_engine(pg_url)
    before = count(engine, slots)
    assert before == 16 * 23 + 2 * 4  # 16 days of doc-1, two Mondays of doc-2
    result = generate(engine, OrgSettingsProvider(engine, None), now=now)
    assert result.slots == 0 and count(engine, slots) == before
    engine.dispose()


def test_import_and_generate_commands_work_end_to_end(make_pg_database, region_file,
                                                    monkeypatch):
    from schedule.__main__ import cli

    url = make_pg_database("sched_cli")
    monkeypatch.setenv("SCHEDULE_DATABASE_URL", url)
    monkeypatch.setenv("CATALOG_URL", "")
    runner = CliRunner()
    for args in (["migrate"], ["import", str(region_file)], ["generate", "--days", "3"]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert "generated" in result.output and " s" in result.output
    engine = make_engine(url)
    assert count(engine, doctor_days, doctor_days.c.doctor_id == "doc-000001") == 4
    again = runner.invoke(cli, ["generate", "--days", "3"], catch_exceptions=False)
    assert "generated 0 slots" in again.output
    engine.dispose()


def test_import_refuses_a_file_of_another_format(tmp_path, monkeypatch, sqlite_url):
    from schedule.__main__ import cli

    monkeypatch.setenv("SCHEDULE_DATABASE_URL", sqlite_url)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "other"}))
    result = CliRunner().invoke(cli, ["import", str(bad)])
    assert result.exit_code != 0 and "registratura-region/1" in result.output


@pytest.mark.parametrize("command", ["worker", "relay"])
def test_non_web_roles_serve_their_metrics_before_anything_else(command, monkeypatch):
    from regcommon import metrics
    from schedule.__main__ import cli

    class Served(Exception):
        pass

    def serve():  # stands in for the metrics HTTP server; stops the role right there
        raise Served()

    monkeypatch.setattr(metrics, "serve_from_env", serve)
    result = CliRunner().invoke(cli, [command])
    assert isinstance(result.exception, Served)


def test_holds_expired_longer_than_the_retention_are_deleted_newer_stay(pg_url, make_app, now, patient):
    from sqlalchemy import update

    from schedule.adapters.tables import holds
    from schedule.worker import prune_holds

    app = make_app(pg_url)
    engine = app.extensions["engine"]
    client = app.test_client()
    items = client.get("/v1/doctors/doc-000001/slots?service_id=svc-0001-01&date=2026-12-03")
    free = [i["id"] for i in items.json["items"] if i["bookable"]][:2]
    made = [client.post(f"/v1/slots/{slot}/hold", headers=patient()).json["hold_id"] for slot in free]
    with engine.begin() as conn:
        conn.execute(update(holds).where(holds.c.id == made[0])
                     .values(expires_at=now - timedelta(days=1, minutes=1)))
        conn.execute(update(holds).where(holds.c.id == made[1])
                     .values(expires_at=now - timedelta(hours=23)))
    assert prune_holds(engine, timedelta(days=1), now) == 1
    with engine.connect() as conn:
        left = set(conn.execute(select(holds.c.id)).scalars())
    assert made[0] not in left and made[1] in left
