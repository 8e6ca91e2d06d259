"""The demo region is loaded once per place the data lives: a second `make run` on the same
databases skips it, new (just created) databases or another target get it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
import stack as stack_mod  # noqa: E402

pytestmark = pytest.mark.unit


class RecordingStack(stack_mod.Stack):
    """A stack whose one-shot steps only record that they ran."""

    def __init__(self, var_dir: Path):
        super().__init__(var_dir)
        self.steps: list[str] = []

    def migrate(self) -> None:
        self.steps.append("migrate")

    def demo_region(self, scale: float, seed: int = 56) -> Path:
        region = self.var_dir / "region.json"
        region.write_text(f'{{"scale": {scale}}}')
        return region

    def seed(self, region_file: Path) -> None:
        self.steps.append("seed")


def test_a_second_run_on_the_same_data_only_migrates(tmp_path):
    first, second = RecordingStack(tmp_path), RecordingStack(tmp_path)
    stack_mod.seed_once(first, 0.05, target="postgresql://pg/", fresh=True)
    stack_mod.seed_once(second, 0.05, target="postgresql://pg/", fresh=False)
    assert first.steps == ["migrate", "seed"]
    assert second.steps == ["migrate"]


@pytest.mark.parametrize("target, fresh", [("sqlite", False), ("postgresql://pg/", True)])
def test_other_or_new_databases_are_loaded_again(tmp_path, target, fresh):
    stack_mod.seed_once(RecordingStack(tmp_path), 0.05, target="postgresql://pg/", fresh=True)
    again = RecordingStack(tmp_path)
    stack_mod.seed_once(again, 0.05, target=target, fresh=fresh)
    assert again.steps == ["migrate", "seed"]


def test_without_the_variables_the_stack_stays_embedded(tmp_path):
    running, target, fresh = stack_mod.stack_from_env(tmp_path, {})
    assert (target, fresh, running.database_urls, running.broker_url) == ("sqlite", False, {}, "")
