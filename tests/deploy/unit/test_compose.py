"""deploy/compose.yaml is validated by the compose client itself (no engine needed)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "deploy" / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
ENGINES = {"postgres", "rabbitmq"}


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copytree(ROOT / "deploy" / "postgres", tmp_path / "postgres")
    text = COMPOSE.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in compose.yaml"
    path = tmp_path / "compose.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_compose_file_is_valid_with_and_without_the_dev_profile(deploy_checks, with_tool):
    problems, dev = with_tool(deploy_checks.compose_config, COMPOSE, ENV_EXAMPLE, ("dev",))
    assert problems == []
    problems, _ = with_tool(deploy_checks.compose_config, COMPOSE, ENV_EXAMPLE)
    assert problems == []
    profiled = {name: s["profiles"] for name, s in dev["services"].items() if s.get("profiles")}
    assert profiled == {"esia-emulator": ["dev"]}


def test_compose_client_rejects_an_unknown_option(deploy_checks, with_tool, tmp_path):
    path = broken_copy(tmp_path, "    restart: \"no\"\n", "    restart: \"no\"\n    replicas_please: 2\n")
    problems, _ = with_tool(deploy_checks.compose_config, path, ENV_EXAMPLE)
    assert any("replicas_please" in p for p in problems)


def test_compose_client_rejects_an_invalid_start_condition(deploy_checks, with_tool, tmp_path):
    path = broken_copy(tmp_path, "condition: service_completed_successfully",
                       "condition: when_it_feels_like_it")
    problems, _ = with_tool(deploy_checks.compose_config, path, ENV_EXAMPLE)
    assert any("when_it_feels_like_it" in p for p in problems)


def test_compose_client_rejects_a_dependency_on_a_missing_service(deploy_checks, with_tool, tmp_path):
    path = broken_copy(tmp_path, "      postgres:\n        condition: service_healthy\n",
                       "      postgresql:\n        condition: service_healthy\n")
    problems, _ = with_tool(deploy_checks.compose_config, path, ENV_EXAMPLE)
    assert problems and any("postgresql" in p for p in problems)


def test_the_stack_refuses_to_start_without_its_secrets(deploy_checks, with_tool, tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    problems, _ = with_tool(deploy_checks.compose_config, COMPOSE, empty)
    assert any("POSTGRES_PASSWORD" in p or "REGISTRATURA_INTERNAL_TOKEN" in p for p in problems)


@pytest.fixture(scope="module")
def config(deploy_checks, with_tool):
    problems, resolved = with_tool(deploy_checks.compose_config, COMPOSE, ENV_EXAMPLE, ("dev",))
    assert problems == []
    return resolved


def test_every_application_container_is_non_root_and_read_only(config):
    for name, service in config["services"].items():
        if name in ENGINES:
            continue
        assert service["user"] == "10001:10001", name
        assert service["read_only"] is True, name
        assert "ALL" in service["cap_drop"], name
        assert any(t.startswith("/tmp") for t in service["tmpfs"]), name


def test_roles_of_a_service_share_its_image_and_database(config):
    for name, service in config["services"].items():
        if name in ENGINES or name == "esia-emulator":
            continue
        owner = name.split("-")[0]
        assert service["image"].endswith(f"/{owner}:latest"), name
        source = "gateway" if owner == "gateway" else f"services/{owner}"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        args = service["build"]["args"]
        assert (args["SERVICE"], args["SOURCE"]) == (owner, source), name
        url = service["environment"][f"{owner.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and url.endswith(f"@postgres:5432/{owner}"), name
        assert service["environment"]["REGISTRATURA_MODE"] == "production", name


def test_only_the_gateway_and_the_dev_emulator_publish_ports(config):
    published = {name for name, service in config["services"].items() if service.get("ports")}
    assert published == {"gateway", "esia-emulator"}
