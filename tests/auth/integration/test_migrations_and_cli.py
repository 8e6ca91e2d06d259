import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from regcommon.db import migration_heads, schema_diff

from auth.__main__ import cli
from auth.adapters.tables import metadata, patients, staff

pytestmark = pytest.mark.integration


def test_single_alembic_head_and_models_match_postgresql(pg_url):
    assert len(migration_heads("auth", pg_url)) == 1
    assert schema_diff("auth", pg_url, metadata) == []


def test_models_match_sqlite_too(sqlite_url):
    assert schema_diff("auth", sqlite_url, metadata) == []


def test_migrate_command_upgrades_an_empty_database(make_pg_database, monkeypatch):
    url = make_pg_database("authcli")
    monkeypatch.setenv("AUTH_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    assert schema_diff("auth", url, metadata) == []


def test_seed_demo_prints_people_and_is_repeatable(pg_url, monkeypatch, tmp_path):
    monkeypatch.setenv("AUTH_DATABASE_URL", pg_url)
    region = tmp_path / "region.json"
    region.write_text(json.dumps({"organizations": [{"id": "o-0001"}, {"id": "o-0002"}]}))
    first = CliRunner().invoke(cli, ["seed-demo", "--region", str(region)])
    assert first.exit_code == 0, first.output
    printed = json.loads(first.output)
    assert printed["organization_id"] == "o-0001"
    kinds = {p["document_type"] for p in printed["patients"]}
    assert kinds == {"oms_unified", "oms_old", "temporary_certificate"}
    assert CliRunner().invoke(cli, ["seed-demo"]).exit_code == 0
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(patients)).scalar() == 5
        assert conn.execute(select(func.count()).select_from(staff)).scalar() == 2
    engine.dispose()


def test_demo_data_is_refused_in_production(pg_url, monkeypatch, tmp_path):
    monkeypatch.setenv("AUTH_DATABASE_URL", pg_url)
    monkeypatch.setenv("REGISTRATURA_MODE", "production")
    monkeypatch.setenv("REGISTRATURA_INTERNAL_TOKEN", "x" * 32)
    monkeypatch.setenv("AUTH_KEY_ENCRYPTION_SECRET", "e" * 32)
    monkeypatch.setenv("AUTH_POLICY_KEY_SECRET", "p" * 32)
    result = CliRunner().invoke(cli, ["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
    bench = CliRunner().invoke(cli, ["seed-bench-patients", "--count", "3",
                                     "--out", str(tmp_path / "b.json")])
    assert bench.exit_code != 0


def test_bench_patients_are_distinct_valid_and_can_log_in(pg_url, monkeypatch, tmp_path, make_app):
    from auth.domain.documents import normalize_unified_policy

    monkeypatch.setenv("AUTH_DATABASE_URL", pg_url)
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["seed-bench-patients", "--count", "300",
                                      "--organization-id", "o-0001", "--out", str(out)])
    assert result.exit_code == 0, result.output
    logins = json.loads(out.read_text())["patients"]
    assert len(logins) == 300 and len({p["policy_number"] for p in logins}) == 300
    assert all(normalize_unified_policy(p["policy_number"]) for p in logins)
    sample = logins[123]
    response = make_app(pg_url).test_client().post("/v1/auth/oms", json={
        "document_type": "oms_unified", "policy_number": sample["policy_number"],
        "birth_date": sample["birth_date"]})
    assert response.status_code == 200


def test_create_staff_takes_the_password_from_the_environment(pg_url, monkeypatch, make_app):
    monkeypatch.setenv("AUTH_DATABASE_URL", pg_url)
    monkeypatch.setenv("AUTH_STAFF_PASSWORD", "long-enough-pass")
    result = CliRunner().invoke(cli, ["create-staff", "--login", "Reg2", "--role", "registrar",
                                      "--organization-id", "o-0002"])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["create-staff", "--login", "reg2", "--role", "admin"])
    assert again.exit_code != 0
    no_org = CliRunner().invoke(cli, ["create-staff", "--login", "reg3", "--role", "registrar"])
    assert no_org.exit_code != 0
    response = make_app(pg_url).test_client().post("/v1/auth/staff", json={
        "login": "reg2", "password": "long-enough-pass"})
    assert response.status_code == 200 and response.get_json()["staff"]["role"] == "registrar"


def test_health_and_readiness(pg_url, make_app):
    client = make_app(pg_url).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json()["status"] == "ready"
    assert client.get("/openapi.json").status_code == 200
    assert client.delete("/v1/auth/oms").status_code == 405


def test_purge_forgets_old_attempts_but_keeps_recent_ones(seeded, helpers, seeded_url,
                                                          monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from regcommon.db import utcnow

    from auth.adapters.tables import login_attempts

    client = seeded.test_client()
    client.post("/v1/auth/oms", json=helpers.login_body(birth="1985-03-15"))
    client.post("/v1/auth/oms", json=helpers.login_body(policy=helpers.unknown_policy()))
    engine = seeded.extensions["auth_engine"]
    with engine.begin() as conn:
        conn.execute(update(login_attempts).where(login_attempts.c.id == select(
            func.min(login_attempts.c.id)).scalar_subquery()).values(
            created_at=utcnow() - timedelta(days=3)))
    monkeypatch.setenv("AUTH_DATABASE_URL", seeded_url)
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["login_attempts"] == 1
    with engine.connect() as conn:
        # Two attempts, each counted under three keys (policy + address, policy, address).
        assert conn.execute(select(func.count()).select_from(login_attempts)).scalar() == 5


def test_embedded_app_started_before_migration_makes_its_key_on_first_use(tmp_path, make_app):
    from regcommon.db import migrate

    url = f"sqlite:///{tmp_path / 'late.sqlite3'}"
    app = make_app(url)
    migrate("auth", url)
    kid, _pem = app.extensions["auth_keys"].current()
    assert [k["kid"] for k in app.test_client().get("/.well-known/jwks.json").get_json()["keys"]] == [kid]
