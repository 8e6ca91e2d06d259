"""Every service and role of docs/internal-contracts.md appears in every place that runs it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

EXPECTED_ROLES = {
    "catalog", "schedule", "auth", "booking", "tickets", "gateway", "schedule-worker",
    "schedule-relay", "booking-relay", "booking-consumer", "tickets-consumer", "tickets-worker",
    "tickets-beat", "esia-emulator",
}


def edit(path: Path, old: str, new: str, regex: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(old, new, text, count=1, flags=re.M | re.S) if regex else text.replace(old, new, 1)
    assert changed != text, f"test setup: {old!r} not found in {path}"
    path.write_text(changed, encoding="utf-8")


def test_the_process_table_names_every_role(deploy_inventory):
    assert {role.name for role in deploy_inventory.roles()} == EXPECTED_ROLES


def test_every_role_appears_in_every_place(deploy_inventory):
    assert deploy_inventory.inventory_problems() == []


def test_a_role_missing_from_compose_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "compose.yaml", r"^  booking-relay:\n.*?(?=^  \S)", "", regex=True)
    assert "compose: no service 'booking-relay'" in deploy_inventory.inventory_problems(repo_copy)


def test_a_role_started_before_its_migrations_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "compose.yaml",
         "      tickets-migrate:\n        condition: service_completed_successfully\n",
         "      tickets-migrate:\n        condition: service_started\n")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert any("must wait for tickets-migrate" in p for p in problems)


def test_a_database_missing_from_the_compose_postgres_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "postgres" / "init-databases.sh", "tickets ", "")
    assert any("does not create tickets" in p for p in deploy_inventory.inventory_problems(repo_copy))


def test_a_dev_only_emulator_outside_the_dev_profile_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "compose.yaml", "    profiles: [dev]\n", "")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert "compose: esia-emulator must be only in the dev profile" in problems


def test_a_missing_autoscaler_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "k8s" / "base" / "schedule.yaml",
         r"^---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: schedule-relay\n.*?(?=^---)",
         "", regex=True)
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert problems == ["kubernetes: no HorizontalPodAutoscaler schedule-relay"]


def test_a_missing_disruption_budget_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "k8s" / "base" / "gateway.yaml",
         r"^---\napiVersion: policy/v1\nkind: PodDisruptionBudget\n.*?(?=^---)", "", regex=True)
    assert deploy_inventory.inventory_problems(repo_copy) == ["kubernetes: no PodDisruptionBudget gateway"]


def test_a_deployment_running_the_wrong_command_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "k8s" / "base" / "booking.yaml", "        - relay\n", "        - relax\n")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert any("Deployment booking-relay does not run" in p for p in problems)


def test_a_service_file_left_out_of_the_base_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "k8s" / "base" / "kustomization.yaml", "  - tickets.yaml\n", "")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert "kubernetes: no Deployment tickets-worker" in problems
    assert "kubernetes: no migration Job tickets-migrate" in problems


def test_an_image_missing_from_an_overlay_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "k8s" / "overlays" / "production" / "kustomization.yaml",
         r"^  - \{name: registratura/auth,.*?\n", "", regex=True)
    assert deploy_inventory.inventory_problems(repo_copy) == ["production overlay: no image for auth"]


def test_a_missing_dockerfile_is_reported(deploy_inventory, repo_copy):
    (repo_copy / "deploy" / "Dockerfile").unlink()
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert "no Dockerfile for the images (deploy/Dockerfile)" in problems


def test_a_service_whose_image_compose_does_not_build_is_reported(deploy_inventory, repo_copy):
    edit(repo_copy / "deploy" / "compose.yaml", "SERVICE: catalog, SOURCE: services/catalog",
         "SERVICE: catalog, SOURCE: services/schedule")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert problems == ["no image build for catalog (deploy/Dockerfile with SERVICE=catalog "
                        "SOURCE=services/catalog in compose)"]


def test_a_new_service_folder_must_be_deployed_everywhere(deploy_inventory, repo_copy):
    (repo_copy / "services" / "payments").mkdir()
    (repo_copy / "services" / "payments" / "pyproject.toml").write_text("", encoding="utf-8")
    problems = deploy_inventory.inventory_problems(repo_copy)
    for expected in ("no image build for payments (deploy/Dockerfile with SERVICE=payments "
                     "SOURCE=services/payments in compose)",
                     "compose: no service 'payments'", "kubernetes: no Deployment payments",
                     "kubernetes: no HorizontalPodAutoscaler payments",
                     "dev overlay: no image for payments"):
        assert expected in problems


def test_a_role_missing_from_the_launcher_is_reported(deploy_inventory, repo_copy):
    (repo_copy / "tools").mkdir(exist_ok=True)
    names = sorted(EXPECTED_ROLES - {"tickets-beat"}) + ["tickets-cron"]
    (repo_copy / "tools" / "stack.py").write_text(f"PROCESSES = {names!r}\n", encoding="utf-8")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert problems == ["tools/stack.py: PROCESSES has no 'tickets-beat'",
                        "tools/stack.py: PROCESSES has 'tickets-cron', unknown to docs/internal-contracts.md"]


def test_a_launcher_process_running_the_wrong_command_is_reported(deploy_inventory, repo_copy):
    (repo_copy / "tools").mkdir(exist_ok=True)
    (repo_copy / "tools" / "stack.py").write_text(
        "from dataclasses import dataclass\n\n"
        "@dataclass\nclass Proc:\n    name: str\n    argv: list\n\n"
        f"NAMES = {sorted(EXPECTED_ROLES)!r}\n"
        "DEFAULT_PORTS = {}\n\n"
        "def processes(ports):\n"
        "    return [Proc(n, ['/venv/bin/python', '-m', 'booking', 'relay'] if n == 'booking-relay'\n"
        "                 else ['/venv/bin/python', '-m', 'booking', 'nothing']) for n in NAMES]\n\n"
        "PROCESSES = [p.name for p in processes(DEFAULT_PORTS)]\n", encoding="utf-8")
    problems = deploy_inventory.inventory_problems(repo_copy)
    assert not any("booking-relay" in p for p in problems)
    assert "tools/stack.py: booking-consumer does not run 'python -m booking consume'" in problems
