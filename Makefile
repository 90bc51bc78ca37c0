# The two quick-start commands: `make run` and `make test`. Both create .venv as needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint typecheck pytest soak clean bench bench-peers

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/python run.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

pytest: $(STAMP_TEST)
	$(BIN)/pytest -q

test: lint typecheck pytest

# Longer crash and stress loops; `make test` runs a short version of each.
soak: $(STAMP_TEST)
	MODEMBRIDGE_SOAK=1 $(BIN)/pytest -q -m soak

# Benchmarks against the simulated modem (docs/benchmarks.md); JSON results in build/bench/.
bench: $(STAMP_RUN)
	$(BIN)/python -m bench --out build/bench

# Figure 9: side by side with gammu-smsd and smstools3 (installed here when missing; their
# system services are left disabled so they never grab a real modem).
bench-peers: $(STAMP_RUN)
	@if ! command -v gammu-smsd >/dev/null || ! command -v smsd >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends gammu-smsd smstools && \
		{ systemctl disable --now gammu-smsd smstools >/dev/null 2>&1 || true; }; \
	fi
	$(BIN)/python -m bench.peers --json build/bench/fig9.json

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
