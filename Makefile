# Registratura: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := services/common services/catalog services/schedule services/auth services/booking services/tickets gateway
STAMP := $(VENV)/.installed
# axe-core for the browser tests' accessibility checks (npm registry, locked version); `make run`
# needs only Python, so it depends on the Python install alone.
AXE_DIR := tests/browser
AXE_STAMP := $(AXE_DIR)/node_modules/.installed

.PHONY: run test system install seed fuzz chaos bench-grid bench-rush bench-earliest clean

install: $(STAMP) $(AXE_STAMP)

$(STAMP): constraints.txt tests/requirements.txt deploy/requirements.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r tests/requirements.txt
	touch $(STAMP)

$(AXE_STAMP): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	cd $(AXE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE_STAMP)

run: $(STAMP)
	$(PY) tools/stack.py run

seed: $(STAMP)
	$(PY) tools/stack.py seed

# What the suite needs from the system (browser, PDF tools, servers); see tools/ensure_system.sh.
system:
	@bash tools/ensure_system.sh

# Any non-zero pytest exit fails make, 5 (no test collected) included. PYTEST_ARGS: a subset.
test: system install
	$(PY) -m pytest $(PYTEST_ARGS)

fuzz: $(STAMP)
	$(PY) tools/fuzz.py $(if $(EXAMPLES),--examples $(EXAMPLES))

bench-grid: $(STAMP)
	$(PY) tools/bench_grid.py

bench-rush: $(STAMP)
	$(PY) tools/bench_rush.py

# «Ближайшее свободное время» on the scale-1 region through the gateway, micro-cache off.
bench-earliest: $(STAMP)
	$(PY) tools/bench_earliest.py

# Real faults under booking load on private servers; prints figures (docs/reliability.md).
chaos: $(STAMP)
	$(PY) tools/chaos.py

clean:
	rm -rf var test-artifacts
