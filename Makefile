# jobatlas developer entry points. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench services browser clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The main job: the web app on the embedded SQLite default.
run: install
	$(VENV)/bin/jobatlas serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium; a downloaded browser never works here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: browser tests will be skipped"; }

# PostgreSQL at 127.0.0.1:5432 is part of the suite; start the local cluster when it is down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true

lint: install
	$(VENV)/bin/ruff check src tests bench

test: install browser services lint
	$(VENV)/bin/pytest

# The web benchmarks drive gunicorn with wrk, a separate load process (Debian package).
bench: install services
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq wrk >/dev/null) || echo "wrk could not be installed: web benchmarks will fail"
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache build dist
