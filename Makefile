# Two entry points for a fresh machine: `make demo` and `make test`.

VENV   := .venv
PYTHON := python3
# Touched after a successful install; pyproject.toml or the lock changing makes it stale.
STAMP  := $(VENV)/.cgcompile-installed
MARIADBD := /usr/sbin/mariadbd

.PHONY: setup mariadb chromium java demo test lock

setup: $(STAMP)

# The locked versions first, then the project alone: pip resolves nothing itself.
$(STAMP): pyproject.toml requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -r requirements.lock
	$(VENV)/bin/python -m pip install -q --no-deps -e .
	touch $@

# Re-resolve pyproject.toml's dependencies in a throwaway venv and write the lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q '.[test]'
	{ echo "# The exact versions make setup installs (pip install -r requirements.lock, then the"; \
	  echo "# project itself with --no-deps). Regenerate with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude cgcompile; } > requirements.lock
	rm -rf .lock-venv

# Debian's mariadb-server for the tests; they start their own server, so the system
# service is not started (scripts/apt_install.sh). Needs root or sudo.
mariadb:
	@if [ -x $(MARIADBD) ]; then \
	    echo "mariadb-server present: $$($(MARIADBD) --version)"; \
	else \
	    scripts/apt_install.sh mariadb-server mariadb-client; \
	fi

# Java for the Spark tests (pyspark runs a JVM; docs/spark.md): Debian's OpenJDK 17.
java:
	@if command -v java >/dev/null 2>&1; then \
	    echo "java present: $$(java -version 2>&1 | head -1)"; \
	else \
	    scripts/apt_install.sh openjdk-17-jre-headless; \
	fi

# A real browser for the report page's test (tests/test_report.py).
chromium:
	@if command -v chromium >/dev/null 2>&1; then \
	    echo "chromium present"; \
	else \
	    scripts/apt_install.sh chromium; \
	fi

demo: setup
	$(VENV)/bin/cgcompile demo

# Any non-zero pytest exit fails the target, including 5 (no tests collected).
test: setup mariadb chromium java
	$(VENV)/bin/pytest -q --durations=15
