# Two entry points do all set-up on a fresh machine with Python 3.11:
#   make run   - install, then materialize today's partition on the embedded emulator and print the tables
#   make test  - install, then run the whole test suite
# and one to look at it: make dev - install, then `dg dev`: the Dagster UI on http://127.0.0.1:3000.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The instance lives in dagster_home/ (telemetry off; see its dagster.yaml), so runs made
# by `make run` show up in `make dev`.
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

.PHONY: run test dev bench install clean browser fonts dashboard postgres prod-smoke lock

# Installs are exactly requirements.lock (every package pinned, with hashes; the versions the
# tests ran with), by uv from PyPI (pinned; several times faster than pip), then the project
# itself without dependencies. After editing dependencies in pyproject.toml: make lock.
# --compile-bytecode: uv writes no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set (CI
# machines, Docker images) Python never writes them either, so every process (code server, each
# run's worker) would compile dagster & co. from source again: ~3.5 CPU s per process, measured.
UV_VERSION := 0.13.9
UV         := $(BIN)/uv
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements.lock
	$(UV) pip install --python $(BIN)/python --quiet --no-deps -e .
	touch $(STAMP)

# requirements.lock: the [dev] set make installs; deploy/requirements.lock: the runtime set the
# image installs, constrained to the same versions.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements.lock
	$(UV) pip compile pyproject.toml -c requirements.lock --python-version 3.11 --generate-hashes --quiet -o deploy/requirements.lock

install: $(STAMP)

run: $(STAMP) fonts
	$(BIN)/spotify-assets run $(if $(DATE),--date $(DATE))

test: $(STAMP) browser fonts postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production topology on this machine (Postgres, code server, daemon, webserver); see
# README "Deploying". `make test` runs it too (spotify_assets_tests/prod).
prod-smoke: $(STAMP) postgres
	$(BIN)/python -m spotify_assets_tests.prod.smoke

# Install Debian package $(1) where we may (root or passwordless sudo, apt-get); otherwise, or if
# that fails, print one line saying so and $(2), and go on. Used by browser, fonts and postgres.
define apt_install
if ! command -v apt-get >/dev/null 2>&1; then echo "notice: no $(1) and no apt-get; $(2)"; exit 0; fi; \
if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
else echo "notice: no $(1), and installing it needs root; $(2)"; exit 0; fi; \
echo "installing $(1) (apt-get)..."; \
{ $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1); } >/dev/null 2>&1 \
  || echo "notice: apt-get could not install $(1); $(2)"
endef

# The browser e2e test (spotify_assets_tests/e2e) drives a Chromium. With none found (and no
# CHROMIUM_PATH chosen), install Debian's where we may (root or passwordless sudo, apt-get);
# otherwise, or if that fails, print one line and go on: that test then skips and says why.
CHROMIUMS := chromium /usr/bin/chromium chromium-browser google-chrome google-chrome-stable
browser:
	@if [ -n "$$CHROMIUM_PATH" ]; then exit 0; fi; \
	for c in $(CHROMIUMS); do command -v $$c >/dev/null 2>&1 && exit 0; done; \
	$(call apt_install,chromium,the browser e2e test will skip)

# Charts and the dashboard draw Korean, Japanese and Chinese names: Debian's fonts-noto-cjk covers
# CJK and Hangul (DejaVu, bundled with matplotlib, the rest). Installed like chromium above; without
# it one line is printed, names in those scripts are drawn as boxes and the font test skips.
NOTO_CJK := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@if [ -f $(NOTO_CJK) ] || { command -v fc-list >/dev/null 2>&1 && fc-list | grep -q "Noto Sans CJK"; }; then exit 0; fi; \
	$(call apt_install,fonts-noto-cjk,CJK/Hangul names will be drawn as boxes)

# The trends dashboard (written by `make run`): prints its path and serves its folder on
# 127.0.0.1 (PORT=8765 by default; Ctrl-C stops). Opening the file directly works as well.
PORT ?= 8765
dashboard: $(STAMP)
	$(BIN)/spotify-assets dashboard --port $(PORT)

# The prod smoke test boots a throwaway cluster from Debian's PostgreSQL server binaries. With
# none found, install them the way `browser` installs Chromium; else one line, and it skips.
postgres:
	@if [ -n "$$PG_BIN_DIR" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	$(call apt_install,postgresql,the prod smoke test will skip)

# `dg dev`, Dagster's command for a project (`dagster dev` is superseded): webserver, daemon and
# this project's code server ([tool.dg] in pyproject.toml; no workspace file), over dagster_home/.
# VIRTUAL_ENV says which environment dg runs in: without an activated venv dg cannot tell that it
# is the project's own .venv and warns that they differ (a warning worth keeping for a real
# mismatch, so it is not suppressed in pyproject.toml).
dev: $(STAMP)
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/dg dev

clean:
	rm -rf $(VENV) data
	git clean -fdX dagster_home

# Lint, format and type checks (configuration in pyproject.toml); `make test` runs the same three
# through spotify_assets_tests/code, so CI fails on a finding.
.PHONY: lint
lint: $(STAMP)
	$(BIN)/ruff check spotify_assets spotify_assets_tests bench
	$(BIN)/ruff format --check spotify_assets spotify_assets_tests bench
	$(BIN)/mypy
