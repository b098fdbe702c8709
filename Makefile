# The two commands: `make run` (set up and serve) and `make test` (everything, SQLite and PostgreSQL).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
export TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run serve setup install assets translations test test-deps chromium bench bench-data mutate clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pybabel -q compile -d webapp/translations

# Re-extract the UI strings (babel.cfg) and merge them into webapp/translations/*/LC_MESSAGES/messages.po.
translations: $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations

# Front-end: bpmn-js, dmn-js, the properties panel and the web font from the npm registry, bundled by
# esbuild into webapp/static/dist (git-ignored). npm ci runs again only when the lock file changed.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	node frontend/build.mjs

setup: install assets
	$(FLASK) calendar seed
	$(FLASK) processes load
	$(FLASK) demo seed

run: setup
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production: gunicorn (WORKERS, default one per core, at least 2; THREADS per worker, default 4) on 127.0.0.1:5000 (BIND) plus WORKER_PROCS (default 1)
# `engine worker` processes against DATABASE_URL; Ctrl-C stops them all. No demo data (see README).
serve: install assets
	$(BIN)/python -m webapp.serve

chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: install assets chromium
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m tests.bench
	@if [ -n "$(SCALE)" ]; then $(BIN)/python -m tests.bench_scale; fi

# A realistic PostgreSQL data set of N cases (COPY; tests/bench_data.py) in DATABASE_URL, else the database
# `bench` on 127.0.0.1:5432; `make bench SCALE=1` then measures the p95 of user requests on it.
N ?= 100000
bench-data: install
	nice -n 10 $(BIN)/python -m tests.bench_data --n $(N)

# Mutation testing of the guarantee modules ([tool.mutmut] in pyproject.toml; slow, not part of `make test`).
# One module: make mutate MUTANTS='engine.history*'. Prints the mutants that no test killed.
MUTANTS ?=
mutate: install
	$(BIN)/pip install -q -e '.[test,mutate]'
	$(BIN)/mutmut run $(MUTANTS) || true
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules webapp/static/dist mutants
