# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install migrate messages bench-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=80.9"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade

# API on 127.0.0.1:8000 and the push dispatcher, side by side (see Procfile).
run: migrate
	@echo "API on http://127.0.0.1:8000 (docs at /docs); clinic console at http://127.0.0.1:8000/console/"
	@echo "No staff account yet? In another terminal: .venv/bin/flask --app wsgi companion demo"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# Refresh the gettext catalogs after adding or changing an N_("...") text; then translate the new entries.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-default-keywords --project aftercare-companion --version 1 --msgid-bugs-address aftercare@localhost -o companion/translations/messages.pot .
	$(BIN)/pybabel update -i companion/translations/messages.pot -d companion/translations --no-fuzzy-matching
	rm companion/translations/messages.pot

# nginx as the benchmarks' FCM sink (bench/README.md); they fall back to a Python sink without it.
bench-deps:
	apt-get install -y nginx-light
