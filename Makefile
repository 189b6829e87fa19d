# SafeCity — the two commands a newcomer needs: `make up` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: up test install lint types bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Create .venv, install, migrate var/safecity.sqlite3, load demo data, serve :8000.
up: $(STAMP)
	$(BIN)/safecity up --host 127.0.0.1 --port 8000

## The whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch backends).
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	@for b in bench/[a-z]*.py; do echo "== $$b"; $(BIN)/python "$$b" --quick | tail -n 1; done

## Re-extract translatable strings and compile them (needs GNU gettext).
messages: $(STAMP)
	cd src/safecity && ../../$(BIN)/safecity makemessages -l vi -l en --no-obsolete --ignore "static/ninja/*"
	cd src/safecity && ../../$(BIN)/safecity compilemessages

clean:
	rm -rf $(VENV) var/test-* .pytest_cache .mypy_cache .ruff_cache
