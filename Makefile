# Two commands for a fresh machine (Python 3.10+, pip and make are all it needs):
#   make run    install into .venv and run the pipeline on the bundled sample corpus
#   make test   install into .venv and run the test suite (what CI runs)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PyTorch first and pinned: unpinned, pip would pull a CUDA build of several GB.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.discourse-installed

.PHONY: install run test test-fast lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/discourse run --input data/raw --output data/processed \
		--codes data/hand_codes/bundled_sample/codes.csv

test: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data/processed/*.parquet data/processed/*.json data/processed/*.csv
