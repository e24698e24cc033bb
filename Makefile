# Reading Group — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test test-fast lint format serve-prod migrate demo clean backup restore bench bench-notify bench-imports

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Runtime packages only, for `make run`; the dev stamp implies it.
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py setup_demo --url http://$(HOST):$(PORT)/

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	bash scripts/test.sh

# The edit-test loop: SQLite only, no browser and no live servers.
test-fast: $(VENV)/.dev
	env -u DATABASE_URL $(PY) -m pytest -m "not browser and not live" $(ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Production-like serving (DEBUG off, gunicorn + WhiteNoise) on plain HTTP for local
# measurement. A real deployment sets SECRET_KEY and keeps the TLS defaults.
serve-prod: $(VENV)/.runtime
	DEBUG=false SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0 \
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	bash -c '$(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py migrate --noinput -v0 && \
	exec $(VENV)/bin/gunicorn readinggroup.wsgi --bind $(HOST):$(PORT) --workers $${WORKERS:-2} --access-logfile -'

# Back up / restore the configured database (DATABASE_URL, or the SQLite default).
backup: $(VENV)/.runtime
	$(PY) manage.py backup $(FILE)

restore: $(VENV)/.runtime
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/readinggroup-….dump"; exit 2; }
	$(PY) manage.py restore $(FILE)

# Load benchmark on a throwaway PostgreSQL: prints a table, writes bench/results.md.
bench: $(VENV)/.runtime
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/run.py
	$(PY) bench/micro.py

# send_notifications for 1,000 members in 20 clubs, to an SMTP server on 127.0.0.1.
bench-notify: $(VENV)/.dev
	$(PY) bench/notify.py

# Large imports (50,000 BibTeX entries, 100,000 arXiv ids) on SQLite and a throwaway PostgreSQL.
bench-imports: $(VENV)/.runtime
	$(PY) bench/imports.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache tests/artifacts
