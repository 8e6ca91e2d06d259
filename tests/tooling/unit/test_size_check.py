"""tools/size_check.py: no module over 300 lines, no function over 60, in the services and the
gateway (migrations and benchmarks aside), and the check itself sees offenders."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
import size_check  # noqa: E402

pytestmark = pytest.mark.unit


def test_no_module_or_function_is_over_the_limits():
    assert [str(o) for o in size_check.offenders()] == []


def test_the_check_finds_long_modules_and_functions_and_skips_migrations(tmp_path):
    package = tmp_path / "services" / "demo" / "src" / "demo"
    (package / "migrations").mkdir(parents=True)
    body = "\n".join(f"        x = {n}" for n in range(60))
    (package / "long.py").write_text(
        f"class Thing:\n    @staticmethod\n    def method():\n{body}\n"
        + "\n" * 250, encoding="utf-8")
    (package / "short.py").write_text("def fine():\n    return 1\n", encoding="utf-8")
    (package / "migrations" / "0001_big.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (tmp_path / "services" / "demo" / "bench_big.py").write_text("x = 1\n" * 400)
    (tmp_path / "gateway").mkdir()
    found = [str(o) for o in size_check.offenders(tmp_path)]
    assert found == ["services/demo/src/demo/long.py: 313 lines (limit 300)",
                     "services/demo/src/demo/long.py:Thing.method: 62 lines (limit 60)"]
