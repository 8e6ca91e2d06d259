"""The suite's skip policy (tests/conftest.py), run on a small suite of its own: every run ends with
one line per skip reason, and under CI=true a skip is a failure."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

SKIPPING_SUITE = '''
import pytest

@pytest.fixture(scope="session")
def server():
    pytest.skip("the server is not reachable")

def test_one(server):
    pass

def test_two(server):
    pass

def test_tool():
    pytest.skip("the tool is missing")

def test_runs():
    pass
'''


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(ROOT_CONFTEST.read_text(encoding="utf-8"))
    return pytester


def test_skips_are_summed_up_one_line_per_reason(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    suite.makepyfile(SKIPPING_SUITE)
    result = suite.runpytest_subprocess()
    result.assert_outcomes(passed=1, skipped=3)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*= skipped tests, by reason =*",
                                 "2 skipped: the server is not reachable",
                                 "1 skipped: the tool is missing",
                                 "*= 1 passed, 3 skipped in *"])


def test_under_ci_every_skip_fails_the_run_and_is_summed_up(suite, monkeypatch):
    monkeypatch.setenv("CI", "true")
    suite.makepyfile(SKIPPING_SUITE)
    result = suite.runpytest_subprocess()
    # A skip in a fixture becomes an error of the test's setup, one in the test body a failure.
    result.assert_outcomes(passed=1, errors=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skipped, and CI=true makes a skip a failure: the tool is missing*"])
    result.stdout.fnmatch_lines(["2 skipped, failed under CI=true: the server is not reachable",
                                 "1 skipped, failed under CI=true: the tool is missing"])


def test_under_ci_a_skipped_module_fails_too(suite, monkeypatch):
    monkeypatch.setenv("CI", "true")
    suite.makepyfile('import pytest\npytest.skip("no tool", allow_module_level=True)\n'
                     'def test_never():\n    pass\n')
    result = suite.runpytest_subprocess()
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*CI=true makes a skip a failure: no tool*"])


def test_a_server_url_where_nothing_answers_skips_its_tests(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:1/postgres")
    suite.makepyfile("def test_needs_postgres(postgres_admin_url):\n    pass\n")
    result = suite.runpytest_subprocess()
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["1 skipped: PostgreSQL at 127.0.0.1:1 (TEST_POSTGRES_URL) is not reachable*"])


def test_a_run_without_skips_says_so(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    suite.makepyfile("def test_runs():\n    pass\n")
    result = suite.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*= no test was skipped =*"])
