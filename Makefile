# 11Tutors backend. `make run` serves the API on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: the suite is CPU-bound and CI machines have two cores.
PYTEST_ARGS ?= -n 2

.PHONY: run serve-prod backup restore test lint format migrate lock schema clean help bench bench-scale messages fuzz load

help:
	@echo "make run     - install, migrate, load starter data, serve on http://$(HOST):$(PORT)"
	@echo "make serve-prod - the production stack on $(HOST):$(PORT): migrate, collectstatic, gunicorn, Celery worker and beat (DATABASE_URL, REDIS_URL: local PostgreSQL and Redis)"
	@echo "make backup  - pg_dump DATABASE_URL to BACKUP (default backups/<date>.dump)"
	@echo "make restore BACKUP=FILE - pg_restore FILE into DATABASE_URL (replaces what is there)"
	@echo "make test    - install, then run the whole test suite on 2 workers (DATABASE_URL selects PostgreSQL; PYTEST_ARGS overrides)"
	@echo "make lint    - ruff lint and format check, and the import contract (apps import only the apps below them)"
	@echo "make format  - ruff format and autofix"
	@echo "make lock    - re-resolve requirements/*.in into the pinned requirements/*.txt"
	@echo "make schema  - write the OpenAPI schema to schema.yml"
	@echo "make messages - extract the translatable strings into locale/<language>/LC_MESSAGES/django.po and compile the .mo files (no GNU gettext needed)"
	@echo "make fuzz    - the schema conformance fuzzing at length: FUZZ_EXAMPLES (60) cases per operation, role and mode, random seed"
	@echo "make bench   - load-test gunicorn on PostgreSQL with wrk; writes bench/results/<date>.md"
	@echo "make load    - mixed traffic, 64 connections for 2 min against gunicorn on PostgreSQL (+ Redis); writes bench/results/<date>-load.md"
	@echo "make bench-scale - list/detail cost at 1x, 10x and 100x the data; writes bench/results/<date>-scale.md"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

migrate: $(VENV)/.base-installed
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_universities
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

serve-prod: $(VENV)/.base-installed
	$(BIN)/python deploy/serve_prod.py --bind $(HOST):$(PORT)

# Backups: PostgreSQL's custom format (compressed, restorable table by table). docs/deployment.md.
BACKUP_STAMP := $(shell date -u +%Y%m%d-%H%M%S)
BACKUP ?= backups/11tutors-$(BACKUP_STAMP).dump

backup:
	@test -n "$(DATABASE_URL)" || { echo "DATABASE_URL (the database to back up) is required" >&2; exit 2; }
	@mkdir -p "$(dir $(BACKUP))"
	@pg_dump --format=custom --no-owner --no-privileges --file="$(BACKUP)" --dbname="$(DATABASE_URL)"
	@echo "backup written to $(BACKUP)"

restore:
	@test -n "$(DATABASE_URL)" || { echo "DATABASE_URL (the database to restore into) is required" >&2; exit 2; }
	@test -f "$(BACKUP)" || { echo "BACKUP=FILE (an existing make backup file) is required" >&2; exit 2; }
	@pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$(DATABASE_URL)" "$(BACKUP)"
	@echo "restored $(BACKUP) into the database of DATABASE_URL"

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The CI run of eleven_tutors/tests/test_openapi_conformance.py sends 4 derandomized cases per
# operation, role and mode; this one many more, with a new random seed each time.
FUZZ_EXAMPLES ?= 60
fuzz: $(VENV)/.dev-installed
	CONFORMANCE_EXAMPLES=$(FUZZ_EXAMPLES) CONFORMANCE_RANDOM=1 $(BIN)/python -m pytest $(PYTEST_ARGS) eleven_tutors/tests/test_openapi_conformance.py

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

load: $(VENV)/.dev-installed
	$(BIN)/python bench/load.py $(LOAD_ARGS)

bench-scale: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py --scale $(BENCH_ARGS)

# Message catalogs (core/catalogs.py): new strings are added untranslated, gone ones dropped,
# translations kept; then every catalog is compiled. Translate the new entries and commit .po and .mo.
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py messages

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: $(VENV)/.dev-installed
	$(BIN)/pip install --quiet uv
	cd requirements && ../$(BIN)/uv pip compile --quiet --python-version 3.11 base.in -o base.txt
	cd requirements && ../$(BIN)/uv pip compile --quiet --python-version 3.11 dev.in -o dev.txt

schema: $(VENV)/.dev-installed
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file schema.yml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache
