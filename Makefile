# Two commands on a fresh machine: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_HINT := PostgreSQL leg skipped: CREDENCE_TEST_POSTGRES_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)

DEBIAN_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 openjdk-17-jre-headless
# axe-core checks every page's accessibility in the browser tests (tests/web/test_layout_browser.py): from the
# npm registry, once, at install time, into the git-ignored venv; nothing is fetched when the tests run. npm
# comes with Node.js; Debian's npm package is installed only when there is no npm at all.
AXE_VERSION := 4.11.0
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-packages run test test-sqlite test-postgres check bench clean messages

install: $(STAMP) system-packages $(AXE)

# Debian's chromium drives the browser tests (Playwright never downloads a browser of its own here);
# Noto CJK renders Chinese names; Pango and HarfBuzz are what WeasyPrint draws the PDF reports with; Java 17
# runs Spark, the rating's third engine (tests/rating/test_spark.py, credence rate --engine spark).
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

$(AXE): | $(STAMP)
	@command -v npm >/dev/null || { echo "installing Debian packages: npm"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q npm; }
	npm install --no-audit --no-fund --no-save --silent --prefix $(VENV)/node axe-core@$(AXE_VERSION)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Builds the demo registry into ./credence.db the first time (an existing store is kept), then serves it.
# The Debian packages are needed here too: the credit reports it serves are PDFs drawn with Pango and Noto CJK.
run: $(STAMP) system-packages
	$(BIN)/credence db upgrade
	$(BIN)/credence demo --if-empty
	$(BIN)/credence serve --demo --host 127.0.0.1 --port 8000

# lint-imports holds the layers contract in pyproject.toml: imports go down only (docs/architecture.md).
check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

# The two legs at once, each on a core of its own (each is one process, and the machine has two): the suite's
# time is that of its slower leg. make prints each leg's output whole when it ends; either failing fails the
# target, after the other has ended.
test: check
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Adds the strings marked for translation that no catalog holds yet to one area's catalogs, in both languages
# (src/credence/i18n/locale/{zh,en}/LC_MESSAGES/$(AREA).po); translate the Chinese by hand. PATHS, relative to
# src/credence, limits it to some files. tests/test_i18n.py fails while any string is missing.
messages: $(STAMP)
	@test -n "$(AREA)" || { echo "usage: make messages AREA=name [PATHS='web/templates/x.html ...']"; exit 2; }
	$(BIN)/python -m credence.i18n.catalogs $(AREA) $(PATHS)

test-sqlite: $(STAMP) system-packages $(AXE)
	$(BIN)/pytest

test-postgres: $(STAMP) system-packages $(AXE)
	@if [ -n "$$CREDENCE_TEST_POSTGRES_URL" ]; then \
		CREDENCE_TEST_BACKEND=postgres $(BIN)/pytest; \
	else \
		echo "$(PG_HINT)"; \
	fi

bench: $(STAMP) system-packages
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_ingest.py --side-by-side 1000000
	$(BIN)/python benchmarks/bench_ingest.py --side-by-side 1000000 10000000
	$(BIN)/python benchmarks/bench_rating.py
	$(BIN)/python benchmarks/bench_log.py --verify
	$(BIN)/python benchmarks/bench_lookup.py
	$(BIN)/python benchmarks/bench_access.py
	$(BIN)/python benchmarks/bench_linkage.py
	$(BIN)/python benchmarks/bench_screening.py
	$(BIN)/python benchmarks/bench_export.py
	$(BIN)/python benchmarks/bench_checks.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
