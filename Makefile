# Two entry points do all set-up on a fresh machine with Python 3.11:
#   make run   - install, then materialize today's partition on the embedded emulator and print the tables
#   make test  - install, then run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The instance lives in dagster_home/ (telemetry off; see its dagster.yaml), so runs made
# by `make run` show up in `make dev`.
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

.PHONY: run test dev bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/spotify-assets run $(if $(DATE),--date $(DATE))

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

dev: $(STAMP)
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf $(VENV) data
	git clean -fdX dagster_home
