# The two commands: `make build` (set up, then build the warehouse) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test lint clean

$(BIN)/coopwh: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $@

build: $(BIN)/coopwh  ## set up and build the warehouse into warehouse/
	$(BIN)/coopwh build

test: $(BIN)/coopwh  ## set up and run every test
	$(BIN)/pytest

lint: $(BIN)/coopwh
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

clean:
	rm -rf warehouse .cache
