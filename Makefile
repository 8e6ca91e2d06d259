# Registratura: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := services/common services/catalog services/schedule services/auth services/booking services/tickets gateway
STAMP := $(VENV)/.installed

.PHONY: run test install seed bench-grid bench-rush chaos clean

install: $(STAMP)

$(STAMP): constraints.txt tests/requirements.txt deploy/requirements.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r tests/requirements.txt
	touch $(STAMP)

run: install
	$(PY) tools/stack.py run

seed: install
	$(PY) tools/stack.py seed

test: install
	$(PY) -m pytest

bench-grid: install
	$(PY) tools/bench_grid.py

bench-rush: install
	$(PY) tools/bench_rush.py

# Real faults under booking load on private servers; prints figures (docs/reliability.md).
chaos: install
	$(PY) tools/chaos.py

clean:
	rm -rf var test-artifacts
