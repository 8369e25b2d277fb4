# Newsroom: `make run` to try it, `make test` to test it. Nothing else is needed
# on a machine with Python 3.11 and make.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev browser-deps serve bench lint clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

# The background worker runs beside the server; when the server stops (Ctrl-C)
# the shell's trap stops the worker too, and a worker that dies leaves the server be.
WITH_WORKER = $(PY) manage.py run_worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM;

## Set up (virtualenv, migrations, sample stories, an admin user) and serve on http://$(HOST):$(PORT)/ with a worker
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_stories fixtures/
	$(PY) manage.py ensure_admin
	export DJANGO_DEBUG=1; $(WITH_WORKER) $(PY) manage.py runserver $(HOST):$(PORT)

## Production-like on one machine: DEBUG off, hashed static files served by whitenoise, gunicorn, a worker.
serve: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	export DJANGO_DEBUG=0; $(WITH_WORKER) $(VENV)/bin/gunicorn --config gunicorn.conf.py newsroom.wsgi

## The whole test suite, browser tests included (they install Chromium when they can).
test: install-dev browser-deps
	$(PY) -m pytest

# Debian's Chromium for Playwright (a browser download does not work here) and
# axe-core for the accessibility checks. Failure is not fatal: the browser
# tests then skip and say why.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will skip"; \
	  else echo "warning: chromium is not installed; browser tests will skip"; fi; }
	@test -f var/node/node_modules/axe-core/axe.min.js || { \
	  command -v npm >/dev/null 2>&1 && mkdir -p var/node && \
	  npm install --silent --no-audit --no-fund --prefix var/node axe-core@4.10.3 >/dev/null \
	    || echo "warning: could not install axe-core; accessibility checks will skip"; }

## Benchmarks (a few minutes, longer the first time: the Wagtail peer is set up once in /tmp);
## BENCH_STORIES=100000 make bench for the full scale, BENCH_ONLY=pages for one group.
bench: install-dev
	@{ command -v wrk >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1; } || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null && \
	  { service nginx stop >/dev/null 2>&1 || true; }; } || \
	  echo "warning: wrk or nginx is not installed; page load measures will be skipped"
	$(PY) bench/run.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles
