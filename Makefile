# Two entry points for a fresh machine: `make demo` and `make test`.

VENV   := .venv
PYTHON := python3
# Touched after a successful install; pyproject.toml changing makes it stale.
STAMP  := $(VENV)/.cgcompile-installed
MARIADBD := /usr/sbin/mariadbd

.PHONY: setup mariadb demo test

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $@

# Debian's mariadb-server for the tests; they start their own server, so the system
# service is not started (scripts/apt_install.sh). Needs root or sudo.
mariadb:
	@if [ -x $(MARIADBD) ]; then \
	    echo "mariadb-server present: $$($(MARIADBD) --version)"; \
	else \
	    scripts/apt_install.sh mariadb-server mariadb-client; \
	fi

demo: setup
	$(VENV)/bin/cgcompile demo

# Any non-zero pytest exit fails the target, including 5 (no tests collected).
test: setup mariadb
	$(VENV)/bin/pytest -q
