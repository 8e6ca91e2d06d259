"""Fixtures of the deployment checks: the checker modules of deploy/ and a tool guard.

A check whose tool is missing is skipped (a failure under CI=true: see tests/conftest.py).
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def deploy_checks():
    return _load("registratura_deploy_checks", ROOT / "deploy" / "checks.py")


@pytest.fixture(scope="session")
def deploy_inventory():
    return _load("registratura_deploy_inventory", ROOT / "deploy" / "inventory.py")


@pytest.fixture(scope="session")
def deploy_network():
    return _load("registratura_deploy_network", ROOT / "deploy" / "network.py")


@pytest.fixture(scope="session")
def with_tool(deploy_checks):
    """Call a checker; a missing tool skips the test (tools/ensure_system.sh installs the tools)."""

    def call(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except deploy_checks.ToolMissing as exc:
            pytest.skip(f"deployment check tool missing: {exc}")

    return call


@pytest.fixture
def repo_copy(tmp_path):
    """The files the deployment checks read, copied so that a test can break them."""
    copy = tmp_path / "repo"
    (copy / "docs").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "internal-contracts.md", copy / "docs")
    shutil.copytree(ROOT / "deploy", copy / "deploy",
                    ignore=shutil.ignore_patterns("__pycache__", "secrets"))
    for project in [*ROOT.glob("services/*/pyproject.toml"), ROOT / "gateway" / "pyproject.toml"]:
        target = copy / project.parent.relative_to(ROOT)
        target.mkdir(parents=True)
        shutil.copy(project, target)
    if (ROOT / "tools" / "stack.py").exists():
        (copy / "tools").mkdir()
        shutil.copy(ROOT / "tools" / "stack.py", copy / "tools")
    return copy
