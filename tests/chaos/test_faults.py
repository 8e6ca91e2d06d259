"""The short version of `make chaos` (tools/chaos.py --short): the stack on private PostgreSQL and
RabbitMQ servers under a steady booking load; each test injects one real fault and then checks the
history of answers against the databases (see tools/chaos_check.py for the invariants)."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import chaos  # noqa: E402
import chaos_servers  # noqa: E402

pytestmark = pytest.mark.chaos


@pytest.fixture(scope="module")
def chaos_run(tmp_path_factory):
    missing = chaos_servers.available()
    if missing:
        message = f"cannot run private PostgreSQL/RabbitMQ servers here ({missing})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; CI=true makes this a failure", pytrace=False)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("chaos")
    run = chaos.ChaosRun(chaos.SHORT, work, log=lambda _message: None)
    try:
        run.setup()
        run.load.start()
        yield run
        final = run.final_check()
        assert final.verdict.ok, final.lines()
    finally:
        run.teardown()
        shutil.rmtree(work, ignore_errors=True)


def _assert_survived(result: chaos.FaultResult) -> None:
    report = "\n".join(result.lines())
    verdict = result.verdict
    assert not verdict.lost, report  # every 201: booked, holding its slot, one ready talon
    assert not verdict.duplicated, report  # no slot twice, no patient twice
    assert not verdict.leaked, report  # no slot held for an appointment that is not booked
    # Half-done bookings settled within the bound (issue 11); talons ready (not lost, above).
    assert result.settled_in is not None and result.settled_in <= chaos.SETTLE_BOUND, report
    assert result.recovery is not None, report  # bookings succeed again after the fault
    # During an outage the answer is a clear 503 in the envelope, never a 500 or a bare page.
    unclear = {k for k in result.errors if k.startswith("5") and not k.startswith("503:")}
    assert not unclear, report
    assert not any(k.endswith("not_an_envelope") for k in result.errors), report


@pytest.mark.parametrize("fault", chaos.FAULTS)
def test_bookings_survive_the_fault(chaos_run, fault):
    _assert_survived(chaos_run.run_fault(fault))
