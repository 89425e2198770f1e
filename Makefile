# One entry point. `make demo` and `make test` work on a fresh clone: they create .venv/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# The ASGI `events` process (job event streams); without nginx, events_url names it.
EVENTS_PORT ?= $(shell echo $$(($(PORT) + 1)))
EVENTS := VPR_EVENTS_BASE_URL=http://localhost:$(EVENTS_PORT)
UVICORN := $(BIN)/uvicorn careervp.asgi:application --lifespan off --no-access-log \
	--timeout-graceful-shutdown 5 --host 0.0.0.0 --port $(EVENTS_PORT)

.PHONY: install demo serve serve-aws test lint format migrate bench soak bundle clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

## The main job end to end on embedded defaults (SQLite, ORM broker, local files, rules).
demo: install
	$(BIN)/python scripts/demo.py

# Ctrl-C signals the terminal's whole foreground group, but a non-interactive shell starts its
# background jobs with SIGINT ignored (runserver would run on), so the recipe's shell passes it
# on as SIGTERM, to its own jobs only, once, and waits for them: the prompt comes back when every
# server has stopped. (`kill 0` signalled the shell itself too, re-entering its trap until bash
# overflowed its stack: "Segmentation fault".) Also on SIGTERM to make, and when the recipe ends.
# Then it dies of the SIGINT itself, so make reports the usual "Interrupt".
STOP_JOBS := stop() { trap "" INT TERM; kill $$(jobs -p) 2>/dev/null; wait; }; \
	trap 'stop; trap - INT; kill -INT $$$$' INT; trap stop TERM EXIT

## Web server, events server (EVENTS_PORT, default PORT+1) and one worker until Ctrl-C.
serve: migrate
	$(STOP_JOBS); \
	$(BIN)/python manage.py qcluster & \
	$(EVENTS) $(UVICORN) & \
	$(EVENTS) $(BIN)/python manage.py runserver 0.0.0.0:$(PORT) --noreload & \
	wait

## The same, through SQS and S3 served by a local moto server (no AWS account needed).
MOTO_PORT ?= 5005
AWS_LOCAL := AWS_ENDPOINT_URL=http://127.0.0.1:$(MOTO_PORT) AWS_ACCESS_KEY_ID=local \
	AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 QUEUE_BACKEND=sqs RESULTS_STORAGE=s3 \
	VPR_SQS_WAIT_SECONDS=5
serve-aws: migrate
	$(STOP_JOBS); mkdir -p var; \
	$(BIN)/moto_server -H 127.0.0.1 -p $(MOTO_PORT) > var/moto.log 2>&1 & \
	until $(BIN)/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$(MOTO_PORT)/moto-api/')" 2>/dev/null; \
	do kill -0 $$! 2>/dev/null || { echo "moto server exited: see var/moto.log" >&2; exit 1; }; sleep 0.3; done; \
	$(AWS_LOCAL) $(BIN)/python manage.py setup_aws_resources && \
	{ $(AWS_LOCAL) $(BIN)/python manage.py qcluster & \
	  $(AWS_LOCAL) $(EVENTS) $(UVICORN) & \
	  $(AWS_LOCAL) $(EVENTS) $(BIN)/python manage.py runserver 0.0.0.0:$(PORT) --noreload & \
	  wait; }

## The whole test suite (uses DATABASE_URL when set, SQLite otherwise).
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks against local PostgreSQL (BENCH_PG_URL), gunicorn and moto; ~15 min; bench/README.md.
bench: install
	$(BIN)/python -m bench.run_all

## Soak: 2,000 jobs through gunicorn + qcluster + moto, 5% Claude faults (PostgreSQL).
soak: install
	$(BIN)/python -m tests.reliability.soak --jobs $(or $(SOAK_JOBS),2000) --fault-rate $(or $(SOAK_FAULT_RATE),0.05)

## The Elastic Beanstalk source bundle of HEAD, under var/bundle/ (docs/deploy.md).
bundle:
	scripts/build_bundle.sh

clean:
	rm -rf var/ .pytest_cache .ruff_cache
