# `make run` serves the demo at http://127.0.0.1:8080; `make test` runs the test suite.
# Both create .venv and install the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := run.py
PG_PORT ?= 54329
PG_DIR ?= /tmp/registry-pg
# The suite runs in one process per core (pytest-xdist); `make test PYTEST_WORKERS=0` runs it in one.
PYTEST_WORKERS ?= auto

.PHONY: run test test-pg serve serve-cluster db translations lint bench bench-load clean fuzz

$(BIN)/activate: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

translations: $(BIN)/activate
	$(BIN)/pybabel -q compile -d translations

db: $(BIN)/activate translations
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask init
	$(BIN)/flask seed-demo

run: db
	$(BIN)/flask run --host 127.0.0.1 --port 8080

serve: db
	$(BIN)/gunicorn --workers 4 --bind 127.0.0.1:8080 run:app

# The production topology on this machine: PostgreSQL, Redis, two app instances (:8081, :8082) and
# two background workers (jobs, outbox, the daily reminders); see tools/cluster.py.
serve-cluster: $(BIN)/activate translations
	bash tools/serve_cluster.sh

test: $(BIN)/activate translations
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# The same suite against a real PostgreSQL server started on 127.0.0.1:$(PG_PORT).
# .ci/postgres installs PostgreSQL (apt) when missing; the cluster is removed afterwards.
test-pg: $(BIN)/activate translations
	PG_PORT=$(PG_PORT) PG_DIR=$(PG_DIR) bash .ci/postgres start
	TEST_DATABASE_URL=postgresql://registry@127.0.0.1:$(PG_PORT)/registry_test $(BIN)/pytest -n $(PYTEST_WORKERS); \
	  status=$$?; PG_PORT=$(PG_PORT) PG_DIR=$(PG_DIR) bash .ci/postgres stop; exit $$status

lint: $(BIN)/activate
	$(BIN)/ruff check .

bench: $(BIN)/activate
	$(BIN)/python bench/list_pages.py

# The load test (bench/load.py): LOAD_DATABASE_URL names a prepared PostgreSQL bench database.
.venv-load/bin/locust: requirements-load.txt
	test -d .venv-load || $(PYTHON) -m venv .venv-load
	.venv-load/bin/pip install --quiet -r requirements-load.txt
	touch $@

bench-load: $(BIN)/activate translations .venv-load/bin/locust
	$(BIN)/python bench/load.py --database-url "$(LOAD_DATABASE_URL)"

clean:
	rm -rf $(VENV) instance/*.db

# Fuzz the JSON API (schemathesis, in its own virtualenv) as every demo role; any 5xx fails.
.venv-fuzz/bin/st: requirements-fuzz.txt
	test -d .venv-fuzz || $(PYTHON) -m venv .venv-fuzz
	.venv-fuzz/bin/pip install --quiet -r requirements-fuzz.txt
	touch $@

fuzz: $(BIN)/activate translations .venv-fuzz/bin/st
	bash tools/fuzz_api.sh
