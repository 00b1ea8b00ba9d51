"""Shared test set-up: never touch the network, and keep runs out of the source tree."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# A stray hub id would otherwise hang for ~40 s before failing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def offline(monkeypatch):
    """Offline mode on, whatever the caller's environment says."""
    monkeypatch.setenv("BISS_OFFLINE", "1")


@pytest.fixture
def online(monkeypatch):
    monkeypatch.delenv("BISS_OFFLINE", raising=False)


@pytest.fixture(scope="session")
def shared_dir():
    """`../shared` beside the project (real EVALITA files, tests only); skip when absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project")
    return SHARED


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory):
    """A tiny LLaMA with a few seconds of pretraining, saved like a hub model (``model/``), plus the
    training files of a small mix of three tasks (``train.tsv``, ``dev.tsv``)."""
    from biss_helpers import mix, tiny, workshop
    from biss_helpers.tasks import sources

    folder = tmp_path_factory.mktemp("tiny")
    tok = tiny.tokenizer("llama")
    model = tiny.llama(tok)
    tiny.pretrain(model, tok, steps=100)
    model.save_pretrained(folder / "model")
    tok.save_pretrained(folder / "model")
    pool = sources.load_samples(["haspeede", "acti_a", "emit_a"], "train")
    built = mix.build(pool, mix.MixSettings(per_task=30, dev_fraction=0.2))
    workshop.write_files(folder, built.train, built.dev)
    return folder


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models gain nothing from threads, and lose much to them on a busy machine (use it with
    ``pytestmark = pytest.mark.usefixtures("one_thread")``)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tok():
    """The tiny LLaMA tokenizer (`biss_helpers.tiny`)."""
    from biss_helpers import tiny

    return tiny.tokenizer("llama")


def bench_module(name: str):
    """``bench/NAME.py`` imported as a module, for its functions."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_bench(name: str, *args: str) -> dict:
    """``bench/NAME.py ARGS`` run as a user runs it (offline, GPUs hidden): its one stdout line, parsed."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "BISS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout  # progress goes to stderr
    return json.loads(lines[0])
