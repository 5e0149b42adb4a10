# Modig portal. `make run` and `make test` are the two commands in README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
BOOTSTRAP_VERSION := 5.3.8
AXE_VERSION := 4.10.3
# Debian packages: WeasyPrint (Pango, HarfBuzz), translations (gettext), PDF checks (poppler),
# browser tests (Chromium), fonts for PDFs.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	gettext poppler-utils chromium

.PHONY: run dev test bench worker beat lint typecheck format vendor system-deps migrate messages check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 eller senare krävs (hittade %s)." % sys.version.split()[0])'

$(VENV)/.installed: requirements.txt | check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

system-deps:
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	else \
		echo "Kör som root (eller: sudo apt-get install -y $(APT_PACKAGES))"; \
	fi

messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv -v 0; \
	else echo "msgfmt saknas (apt-get install gettext): engelska översättningar kompileras inte"; fi

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --no-input -v 0

run: $(VENV)/.installed messages migrate
	$(PY) manage.py seed_demo --if-empty
	@echo
	@echo "Modig-portalen: http://127.0.0.1:8000  (SQLite, Celery i eager-läge)"
	@echo "Demoanvändare, lösenord modig-demo-2019:"
	@echo "  programledare   programledare"
	@echo "  lokal.ale       lokal projektledare, Ale (1440)"
	@echo "  ombud.molndal   digitaliseringsombud, Mölndal (1481)"
	@echo "  samordnare      samordnare (rapporter)"
	@echo
	$(PY) manage.py runserver 127.0.0.1:8000

# For developers: the same, with DEBUG on (Django's debug pages, template reloading).
dev: $(VENV)/.installed messages migrate
	$(PY) manage.py seed_demo --if-empty
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev messages
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# Every benchmark in bench/ in one run on PostgreSQL (not part of `make test`): seeds the bench
# database with seed_demo --scale $(SCALE) unless it holds that scale, writes
# bench/results/latest.json and prints the ratios with the budgets met / not met. See README.
SCALE ?= 10
BENCH_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/modig_bench)
bench: $(VENV)/.installed messages
	$(PY) bench/run.py --scale $(SCALE) --database $(BENCH_DATABASE_URL) $(BENCH_ARGS)

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A modig worker --loglevel=INFO --concurrency=2

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A modig beat --loglevel=INFO

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Types only, no tests: mypy with django-stubs over the apps (config in pyproject.toml).
typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Third-party front-end files from the npm registry, pinned, copied with their licences and
# committed (no CDN at run time). htmx is served from django-htmx's own static files.
vendor:
	rm -rf static/vendor/bootstrap tests/e2e/vendor && mkdir -p static/vendor/bootstrap tests/e2e/vendor
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent bootstrap@$(BOOTSTRAP_VERSION) axe-core@$(AXE_VERSION) >/dev/null \
	 && tar xzf bootstrap-$(BOOTSTRAP_VERSION).tgz && mkdir axe && tar xzf axe-core-$(AXE_VERSION).tgz -C axe \
	 && cp package/dist/css/bootstrap.min.css package/dist/css/bootstrap.min.css.map \
	       package/dist/js/bootstrap.bundle.min.js package/dist/js/bootstrap.bundle.min.js.map \
	       package/LICENSE $(CURDIR)/static/vendor/bootstrap/ \
	 && cp axe/package/axe.min.js axe/package/LICENSE $(CURDIR)/tests/e2e/vendor/ \
	 && rm -rf $$tmp
	echo "bootstrap $(BOOTSTRAP_VERSION) from the npm registry" > static/vendor/bootstrap/VERSION
	echo "axe-core $(AXE_VERSION) from the npm registry" > tests/e2e/vendor/VERSION

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache
