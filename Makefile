# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
# Another interpreter gets its own venv: `make test PYTHON=python3.13 VENV=.venv-3.13` (see .ci/run).
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint types unit install browser r php bench soak clean transcript mutants

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/fake-redcap serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

# The browser test drives Debian's Chromium; install it when it is missing and we may (root + apt).
browser:
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and chromium-driver for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# The R examples (docs/other-languages-and-ci.md) run with Debian's R, RCurl and httr; installed the same way.
r:
	@if ! Rscript -e 'library(RCurl); library(httr)' >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing r-base-core, r-cran-rcurl and r-cran-httr for the R examples"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-base-core r-cran-rcurl r-cran-httr >/dev/null; \
	fi

# PHPCap's integration suite (tests/test_phpcap_integration.py) runs with Debian's PHP, its curl extension
# and phpunit; installed the same way.
php:
	@if ! { command -v php && command -v phpunit && php -m | grep -qx curl; } >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing php-cli, php-curl and phpunit for PHPCap's integration suite"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends php-cli php-curl php-xml php-mbstring phpunit >/dev/null; \
	fi

unit: $(STAMP) browser r php
	$(BIN)/pytest -n 2

test: lint types unit

# The transcript of the suite against the fake that `make test` replays (tests/test_transcript.py): write
# it again when the fake's answers change on purpose.
transcript: $(STAMP)
	rm -rf tests/transcripts/fake-15.7.6
	$(BIN)/pytest -q -p no:xdist -p no:cacheprovider contract_tests --transcript tests/transcripts/fake-15.7.6

# The mutation test (tests/support/mutation.py): every mutant of tests/support/mutants.py applied to a copy
# of the fake, the contract suite alone run against it; fails below a 95 % kill rate. Minutes, not seconds.
mutants: $(STAMP)
	$(BIN)/python -m tests.support.mutation

# Every benchmark, each figure printed with its ratio to a baseline (see benchmarks/RESULTS.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# The long reliability runs: the 60 s load test, 200 slow clients, 20 s of concurrency, thousands of
# model-based steps.
# Each file in its own process, so the load test's memory readings start clean.
soak: $(STAMP)
	SOAK=1 $(BIN)/pytest -q -s -p no:xdist tests/test_soak.py
	SOAK=1 $(BIN)/pytest -q -s -p no:xdist tests/test_slow_clients.py
	SOAK=1 $(BIN)/pytest -q -s -p no:xdist tests/test_concurrency.py
	SOAK=1 $(BIN)/pytest -q -s -p no:xdist tests/test_model_based.py
	SOAK=1 $(BIN)/pytest -q -s -p no:xdist tests/test_storage.py -k resets_beside

clean:
	rm -rf $(VENV) .venv-3.* .mypy_cache .pytest_cache .ruff_cache .hypothesis
