"""The long fuzz run of every OpenAPI document (``make fuzz``): the fuzz tests with many more
examples per operation; the figures (operations, requests, failures by check) are printed at the
end by tests/conftest.py.

    python tools/fuzz.py [--examples 200] [pytest args...]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200,
                        help="examples per operation, generation mode and token variant")
    args, pytest_args = parser.parse_known_args(argv)
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "-m", "fuzz", "-p", "no:randomly", "-q",
               *(pytest_args or ["tests"])]
    return subprocess.call(command, cwd=REPO, env=env)


if __name__ == "__main__":
    sys.exit(main())
