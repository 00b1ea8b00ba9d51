"""GPU-memory preflight for QLoRA: will this model, token budget and batch size fit the GPU?

The parameters are counted from the model's config on the meta device (nothing is downloaded or
allocated), turned into GiB per weight format, and added to what a QLoRA training step needs:
4-bit weights, LoRA adapters with their gradients and optimizer states, activations and logits.
`preflight` runs before training and, when the settings do not fit, recommends a smaller batch with
more gradient accumulation (the same effective batch), then shorter sequences.

>>> count = ParameterCount("made-up", linear=1_000_000_000, other=250_000_000, layers=16,
...                        hidden=2048, intermediate=8192, vocab=128256)
>>> print(format_table(weights_table(count)))
format               GiB
fp32                4.66
fp16/bf16           2.33
int8                1.86
nf4                 1.46
nf4 + double quant  1.41
>>> plan = estimate(count, max_tokens=384, batch_size=8)
>>> round(plan.logits, 2), plan.fits(T4_BUDGET_GB)
(5.14, True)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from . import env

GIB = 2**30
T4_BUDGET_GB = 13.0  # what a 15 GB T4 can safely use: 14.7 GiB visible, minus the CUDA context and slack
OVERHEAD_GB = 0.5  # CUDA context (cuBLAS, kernels) and allocator slack
MIN_TOKENS, TOKENS_STEP = 128, 64
NF4_BYTES = 0.5 + 4 / 64  # 4-bit codes + one fp32 absmax per block of 64 weights
NF4_DQ_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)  # absmax in 8 bit, one fp32 constant per 256 of them
# Per-token activations a LLaMA decoder layer keeps for its backward, counted in compute-dtype tensors:
# norms (their fp32 upcasts count twice), q/k/v, attention output, residuals and the copy LoRA dropout
# makes of each adapted projection's input: about 16 of hidden size; gate, up, act(gate), act(gate)*up:
# 4 of intermediate size. Attention is SDPA/flash: no tokens x tokens score matrix is kept.
ACTIVATIONS_PER_HIDDEN, ACTIVATIONS_PER_INTERMEDIATE = 16, 4
OPTIMIZER_STATE_BYTES = {"paged_adamw_8bit": 2, "adamw_8bit": 2, "adamw_bnb_8bit": 2,
                         "paged_adamw_32bit": 8, "adamw_torch": 8, "adamw_torch_fused": 8}


@dataclass
class ParameterCount:
    """`linear`: the nn.Linear weights bitsandbytes quantises (not the head); `other`: the rest (biases,
    embeddings, norms, an untied head). `linears`: (name suffix, in, out) per layer instance."""

    name: str
    linear: int
    other: int
    layers: int
    hidden: int
    intermediate: int
    vocab: int
    linears: list[tuple[str, int, int]] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return self.linear + self.other

    def lora_params(self, r: int = 16, targets=None) -> int:
        """r * (in + out) per adapted linear; `targets` None or "all-linear": every one of them."""
        if targets is None or targets == "all-linear":
            return sum(r * (n_in + n_out) for _, n_in, n_out in self.linears)
        wanted = {targets} if isinstance(targets, str) else set(targets)
        chosen = [(n_in, n_out) for suffix, n_in, n_out in self.linears if suffix in wanted]
        if self.linears and not chosen:
            known = sorted({suffix for suffix, _, _ in self.linears})
            raise ValueError(f"no linear layer of {self.name} is called {sorted(wanted)}; known: {known}")
        return sum(r * (n_in + n_out) for n_in, n_out in chosen)


def count_parameters(name_or_config) -> ParameterCount:
    """Count a model's parameters from its config (hub id, local folder or `PretrainedConfig`)."""
    from accelerate import init_empty_weights
    from torch import nn
    from transformers import AutoConfig, AutoModelForCausalLM, PretrainedConfig

    if isinstance(name_or_config, PretrainedConfig):
        config = copy.deepcopy(name_or_config)
        name = config.name_or_path or config.model_type
    else:  # offline, the stand-in's numbers come under its own name
        name, path = str(name_or_config), env.resolve_model(str(name_or_config))
        config = AutoConfig.from_pretrained(path)
        name = name if path == name else f"{Path(path).name} (offline stand-in for {name})"
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # a pre-quantised checkpoint: count the plain architecture
    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(config)
    # init_empty_weights re-creates every parameter on the meta device, which unties the output
    # head from the input embeddings: tie them again so that a tied matrix is counted once.
    model.tie_weights()
    head = model.get_output_embeddings()
    linears, quantised = [], set()
    for module_name, module in model.named_modules():
        if isinstance(module, nn.Linear) and module is not head:
            linears.append((module_name.rsplit(".", 1)[-1], module.in_features, module.out_features))
            quantised.add(id(module.weight))
    params = list(model.parameters())  # a shared (tied) parameter comes once
    linear = sum(p.numel() for p in params if id(p) in quantised)
    text = config.get_text_config()
    intermediate = getattr(text, "intermediate_size", None) or 4 * text.hidden_size
    return ParameterCount(name, linear, sum(p.numel() for p in params) - linear, text.num_hidden_layers,
                          text.hidden_size, intermediate, text.vocab_size, linears)


def weights_table(count: ParameterCount) -> list[dict]:
    """GiB of the weights per format. Loaded in 8 or 4 bit for training, the parameters that are not
    quantised (embeddings, norms, an untied head) are fp32: `prepare_model_for_kbit_training` casts
    them up, because their updates and the norms' sums lose too much in 16 bit. So the last row is
    the weights part of `estimate`."""
    formats = [("fp32", 4, 4), ("fp16/bf16", 2, 2), ("int8", 1, 4), ("nf4", NF4_BYTES, 4),
               ("nf4 + double quant", NF4_DQ_BYTES, 4)]
    return [{"format": name, "bytes_per_linear": linear, "bytes_per_other": other,
             "gb": (count.linear * linear + count.other * other) / GIB} for name, linear, other in formats]


def format_table(rows: list[dict]) -> str:
    """`weights_table` as text for a notebook print."""
    return "\n".join([f"{'format':18} {'GiB':>5}"] + [f"{r['format']:18} {r['gb']:5.2f}" for r in rows])


@dataclass(frozen=True)
class MemoryEstimate:
    """GiB needed by one QLoRA training step, part by part."""

    name: str
    max_tokens: int
    batch_size: int
    lora_params: int
    weights: float      # NF4 + double quant linear weights, the rest in fp32 (or the compute dtype)
    lora: float         # fp32 adapters + fp32 gradients + optimizer states
    activations: float
    logits: float
    overhead: float     # not seen by torch.cuda.max_memory_allocated

    @property
    def total(self) -> float:  # what the GPU must hold, CUDA context included
        return self.weights + self.lora + self.activations + self.logits + self.overhead

    def fits(self, budget_gb: float) -> bool:
        return self.total <= budget_gb

    def summary(self) -> str:
        parts = ("weights", "lora", "activations", "logits", "overhead", "total")
        head = (f"{self.name}: max_tokens {self.max_tokens}, batch {self.batch_size}, "
                f"{self.lora_params / 1e6:.1f}M LoRA parameters")
        return "\n".join([head] + [f"  {part:12} {getattr(self, part):6.2f} GiB" for part in parts])


def estimate(name_or_count, max_tokens: int, batch_size: int, lora_r: int = 16, targets=None,
             gradient_checkpointing: bool = True, optimizer: str = "paged_adamw_8bit",
             compute_bytes: int = 2, upcast_other: bool = True) -> MemoryEstimate:
    """Memory of one QLoRA step for a model (anything `count_parameters` takes, or its count). With
    `upcast_other`, unquantised parameters are fp32, as `prepare_model_for_kbit_training` makes them."""
    if optimizer not in OPTIMIZER_STATE_BYTES:
        raise ValueError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZER_STATE_BYTES)}")
    count = name_or_count if isinstance(name_or_count, ParameterCount) else count_parameters(name_or_count)
    tokens = batch_size * max_tokens
    lora_params = count.lora_params(lora_r, targets)
    per_layer = tokens * (ACTIVATIONS_PER_HIDDEN * count.hidden
                          + ACTIVATIONS_PER_INTERMEDIATE * count.intermediate) * compute_bytes
    if gradient_checkpointing:  # each layer's input is kept; one layer at a time is recomputed
        activations = count.layers * tokens * count.hidden * compute_bytes + per_layer
    else:
        activations = count.layers * per_layer
    # Logits in the compute dtype, their fp32 upcast in the loss, the fp32 log-softmax and its
    # gradient: with Llama 3's 128k vocabulary this is the largest part of all.
    logits = tokens * count.vocab * (compute_bytes + 4 + 4 + 4)
    return MemoryEstimate(
        count.name, max_tokens, batch_size, lora_params,
        weights=(count.linear * NF4_DQ_BYTES + count.other * (4 if upcast_other else compute_bytes)) / GIB,
        lora=lora_params * (4 + 4 + OPTIMIZER_STATE_BYTES[optimizer]) / GIB,
        activations=activations / GIB, logits=logits / GIB, overhead=OVERHEAD_GB)


@dataclass
class Preflight:
    """`estimate` is for the settings asked for and `fits` says whether they fit the budget;
    batch_size, grad_accum and max_tokens are the recommended settings (the asked ones when they fit,
    also when nothing fits), `recommended` their estimate (None when nothing fits)."""

    estimate: MemoryEstimate
    budget_gb: float
    fits: bool
    batch_size: int
    grad_accum: int
    max_tokens: int
    recommended: MemoryEstimate | None
    verdict: str


def default_budget_gb() -> float:
    """Free memory of the current GPU, or `T4_BUDGET_GB` (a T4's usable share) without one."""
    import torch

    return torch.cuda.mem_get_info()[0] / GIB if torch.cuda.is_available() else T4_BUDGET_GB


def preflight(model, max_tokens: int, batch_size: int, grad_accum: int = 1, budget_gb: float | None = None,
              longest: int | None = None, **estimate_kwargs) -> Preflight:
    """Check the settings against the budget, recommend ones that fit, and print a short report.
    Call it before loading the model: the default budget is the GPU memory free now. `longest`, the
    longest training row in tokens, is as short as a recommended `max_tokens` can go (a row longer
    than `max_tokens` is refused, never cut); without it, `MIN_TOKENS`."""
    count = model if isinstance(model, ParameterCount) else count_parameters(model)
    budget = default_budget_gb() if budget_gb is None else budget_gb
    asked = found = estimate(count, max_tokens, batch_size, **estimate_kwargs)
    effective, batch, tokens = batch_size * grad_accum, batch_size, max_tokens
    while not found.fits(budget) and batch > 1:  # halve the batch, keep the effective batch
        batch = max(d for d in range(1, batch // 2 + 1) if effective % d == 0)
        found = estimate(count, tokens, batch, **estimate_kwargs)
    floor = min(max_tokens, max(MIN_TOKENS, longest or 0))
    while not found.fits(budget) and tokens > floor:
        tokens = max(floor, tokens - TOKENS_STEP)
        found = estimate(count, tokens, batch, **estimate_kwargs)
    if asked.fits(budget):
        verdict = f"fits: {asked.total:.2f} of {budget:.2f} GiB"
    elif found.fits(budget):
        verdict = (f"does not fit ({asked.total:.2f} > {budget:.2f} GiB): use batch_size={batch}, "
                   f"grad_accum={effective // batch} (same effective batch {effective}), "
                   f"max_tokens={tokens}: {found.total:.2f} GiB")
        if tokens < max_tokens and not longest:  # with `longest`, every row fits the shorter length
            verdict += (f"; trim the training files to {tokens} tokens (lengths.trim_inputs, notebook 02): "
                        "a longer row is refused, never cut")
    else:  # no recommendation: the settings asked for come back
        verdict = (f"DOES NOT FIT: even batch_size=1 and max_tokens={tokens} need {found.total:.2f} GiB, "
                   f"more than the {budget:.2f} GiB budget. Use a smaller model"
                   + (f", or rows shorter than {longest} tokens (notebook 02)." if longest else "."))
        batch, tokens, found = batch_size, max_tokens, None
    result = Preflight(asked, budget, asked.fits(budget), batch, effective // batch, tokens, found, verdict)
    print(asked.summary())
    print(f"  {'budget':12} {budget:6.2f} GiB\n{verdict}")
    print(f"settings: batch_size={result.batch_size} grad_accum={result.grad_accum} "
          f"max_tokens={result.max_tokens}")
    return result
