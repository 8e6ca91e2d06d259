"""Images: one Dockerfile for every service (deploy/Dockerfile, build arguments SERVICE, SOURCE,
PORT); hadolint plus our own image policy on it, and proof that both catch faults."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ["catalog", "schedule", "auth", "booking", "tickets", "gateway"]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def broken_copy(tmp_path: Path, old: str, new: str, count: int = 0) -> Path:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(old, text, flags=re.M), f"test setup: {old!r} not in the Dockerfile"
    path = tmp_path / "Dockerfile"
    path.write_text(re.sub(old, new, text, count=count, flags=re.M), encoding="utf-8")
    return path


def test_one_dockerfile_builds_every_image(deploy_checks):
    assert deploy_checks.dockerfiles() == [DOCKERFILE]
    assert not [p for p in ROOT.glob("**/Dockerfile") if ".venv" not in p.parts and p != DOCKERFILE]


def test_every_dockerfile_passes_hadolint(deploy_checks, with_tool):
    assert with_tool(deploy_checks.hadolint, deploy_checks.dockerfiles()) == []


def test_hadolint_rejects_a_latest_base_image(deploy_checks, with_tool, tmp_path):
    path = broken_copy(tmp_path, r"^FROM python:\S+ AS runtime$", "FROM python:latest AS runtime")
    problems = with_tool(deploy_checks.hadolint, [path])
    assert any("DL3007" in p for p in problems)


def test_hadolint_rejects_an_unpinned_pip_install(deploy_checks, with_tool, tmp_path):
    path = broken_copy(tmp_path, r"^WORKDIR /app$", "RUN pip install flask\nWORKDIR /app")
    problems = with_tool(deploy_checks.hadolint, [path])
    assert any("DL3013" in p for p in problems)


def test_every_dockerfile_follows_the_image_policy(deploy_checks):
    for path in deploy_checks.dockerfiles():
        assert deploy_checks.dockerfile_policy(path) == [], path


def test_policy_rejects_a_base_pinned_by_tag_only(deploy_checks, tmp_path):
    path = broken_copy(tmp_path, r"@sha256:[0-9a-f]{64}", "", count=1)
    assert any("pinned by digest" in p for p in deploy_checks.dockerfile_policy(path))


def test_policy_rejects_an_image_that_runs_as_root(deploy_checks, tmp_path):
    path = broken_copy(tmp_path, r"^USER 10001:10001$", "USER root")
    assert any("USER 10001" in p for p in deploy_checks.dockerfile_policy(path))


def test_policy_rejects_a_single_stage_image(deploy_checks, tmp_path):
    text = DOCKERFILE.read_text(encoding="utf-8")
    runtime = text[text.index("FROM python", text.index("AS builder")):]
    path = tmp_path / "Dockerfile"
    path.write_text(runtime.replace("--mount=type=bind,from=builder,source=/wheels,target=/wheels ", ""),
                    encoding="utf-8")
    assert any("multi-stage" in p for p in deploy_checks.dockerfile_policy(path))


def test_policy_rejects_an_image_without_healthcheck(deploy_checks, tmp_path):
    path = broken_copy(tmp_path, r"^HEALTHCHECK .*\n.*\n", "")
    assert any("HEALTHCHECK" in p for p in deploy_checks.dockerfile_policy(path))


def test_all_images_share_one_pinned_base(deploy_checks):
    bases = set()
    for path in deploy_checks.dockerfiles():
        bases |= set(re.findall(r"^FROM (\S+)", path.read_text(encoding="utf-8"), flags=re.M))
    assert len(bases) == 1, bases


def test_policy_rejects_a_dockerfile_fixed_to_one_service(deploy_checks, tmp_path):
    path = broken_copy(tmp_path, r"^ARG SERVICE$", "ENV SERVICE=booking")
    assert any("build argument SERVICE" in p for p in deploy_checks.dockerfile_policy(path))


def test_each_image_builds_only_its_own_service_with_the_constraints():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "COPY services/common/ services/common/" in text
    assert "COPY ${SOURCE}/ ${SOURCE}/" in text
    assert "--constraint constraints.txt" in text
    assert "REGISTRATURA_SERVICE=${SERVICE}" in text and "PORT=${PORT}" in text
    copies = re.findall(r"^COPY (\S+)", text, flags=re.M)
    assert copies == ["constraints.txt", "services/common/", "${SOURCE}/", "deploy/gunicorn.conf.py"]
    instructions = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert not any(f"services/{name}" in instructions for name in SERVICES)
