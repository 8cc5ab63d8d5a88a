# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Node tools of the test suite (axe-core for the accessibility browser tests), from package-lock.json.
NODE_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The base of every link in e-mails and SMS: the address `make run` serves.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL
# Parallel test workers (pytest-xdist); `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
DOMAIN_APPS := core switches accounts programs training payouts helpdesk livechat telephony mail surveys reports

.PHONY: run test lint format migrate demo messages lock clean screenshots

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Site:         http://$(HOST):$(PORT)/"
	@echo "  Back office:  http://$(HOST):$(PORT)/admin/"
	@echo "  API docs:     http://$(HOST):$(PORT)/api/v1/docs"
	@echo "  Demo log-ins: the usernames printed above, password prakerja-demo"
	@echo ""
# The scheduler (routing, idle chats, auto-close) runs beside the server; Ctrl-C stops both,
# and the trap stops it when the server exits on its own.
	$(PY) manage.py scheduler & trap 'kill $$!' EXIT; \
	  $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --log-level warning \
	    --ws-max-size 16384

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (tests marked `postgres` then run
# only in that pass). REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 / REQUIRE_MAIL=1 turn skips into failures.
test: $(STAMP) lint
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(NODE_STAMP); \
	  else echo "npm not found: the accessibility (axe) browser tests will skip"; fi
	env -u TEST_DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	@echo "== pytest on SQLite"
	env -u TEST_DATABASE_URL $(PY) -m pytest -n $(PYTEST_WORKERS) $(if $(TEST_DATABASE_URL),-m "not postgres") $(PYTEST_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
	  echo "== pytest on PostgreSQL ($(TEST_DATABASE_URL))"; \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); \
	fi

# Every page at phone and desktop size into screenshots/ (a throwaway demo database; needs Chromium).
screenshots: $(STAMP)
	$(PY) scripts/screenshots.py --out screenshots

migrate: $(STAMP)
	$(PY) manage.py migrate

demo: $(STAMP)
	$(PY) manage.py seed_demo

# Extract and compile translations, one catalog per app (compiled .mo files are committed).
messages: $(STAMP)
	for app in $(DOMAIN_APPS); do \
	  (cd prakerja/$$app && mkdir -p locale && \
	   DJANGO_SETTINGS_MODULE=config.settings.test PYTHONPATH=$(CURDIR) $(CURDIR)/$(VENV)/bin/django-admin makemessages -l id --no-obsolete && \
	   DJANGO_SETTINGS_MODULE=config.settings.test PYTHONPATH=$(CURDIR) $(CURDIR)/$(VENV)/bin/django-admin makemessages -d djangojs -l id --no-obsolete && \
	   $(CURDIR)/$(VENV)/bin/django-admin compilemessages) || exit 1; \
	done

# Re-pin dependencies from pyproject.toml into requirements.lock.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --upgrade -o requirements.lock

clean:
	rm -rf $(VENV) staticfiles node_modules bench/lighthouse/node_modules
