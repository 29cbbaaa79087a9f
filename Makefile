# Two commands: `make run` serves the demo portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: run test install messages lint format bench drill clean-db screenshots

run: install .env messages
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_issues
	$(PY) manage.py seed_demo_commitments
	$(PY) manage.py seed_demo_rooms
	$(PY) manage.py seed_demo_notices
	$(PY) manage.py seed_demo_api
	$(PY) manage.py seed_demo_polls
	$(PY) manage.py seed_demo_meetings
	$(PY) manage.py seed_demo_imports
	@echo "Serving the portal at http://$(HOST)/ (Ctrl-C stops it)"
	@# The periodic work (escalation, reminders, notice delivery, the mail and notification
	@# sweeps, daily digests) runs beside the server,
	@# as celery beat would in production; both stop together.
	@trap 'kill 0' INT TERM EXIT; $(PY) manage.py run_periodic_tasks & $(PY) manage.py runserver $(HOST)

test: install .env messages
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(INSTALLED)

$(PY):
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment. On Debian or Ubuntu: sudo apt-get install python3-venv"; exit 1; }

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# Local settings for development: DEBUG on and a generated secret key. Production never uses
# this file; it sets real environment variables (docs/deploy.md).
.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env for local development."

messages: install
	$(PY) manage.py compile_catalogues

lint: install .env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Forget the local SQLite database and demo data; the next `make run` builds them again.
clean-db:
	rm -f var/portal.sqlite3 var/portal.sqlite3-wal var/portal.sqlite3-shm

# Refresh the pictures in README.md and docs/ from the browser tests, so they stay current.
# Chinese text needs a CJK font on the machine: apt-get install fonts-wqy-microhei
screenshots: install .env messages
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest tests/browser -q

# Latency, throughput and queries per page on a full-size district, on the local PostgreSQL
# (database portal_bench) and Redis; writes docs/benchmarks.md. Reads, issue submission (text,
# then one photo), the district dashboard, each beside the machine's own limits measured in the
# same run (/healthz under the same gunicorn, each page's bare SQL replayed with psycopg,
# PostgreSQL's single-row commit rate); then the points ledger, a notice fanned out to 30,000
# residents by a real Celery worker, and a community's workbook of 10,000 and of 100,000
# households (bench/imports.py). About fifteen minutes on two idle cores. Smaller or shorter:
# make bench BENCH_ARGS="--issues 50000 --run-time 15s --import-households 10000"
# Options (worker class, rates, pages, another database): python -m bench.run --help
bench: install .env messages
	$(PY) -m bench.run $(BENCH_ARGS)

# Fault drills, each on its own PostgreSQL cluster and Redis server started on free ports (so the
# machine's shared services are never stopped): backup and restore, Redis stopped under load,
# Celery workers killed mid-task, PostgreSQL stopped hard. Writes docs/drills.md; about fifteen
# minutes. Some: make drill DRILL_ARGS="--only backup,worker"
drill: install .env messages
	$(PY) -m drills.run $(DRILL_ARGS)
