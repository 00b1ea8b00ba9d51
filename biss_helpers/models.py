"""Loading a causal LM for QLoRA: 4-bit NF4 weights, LoRA adapters, a tokenizer set up right.

QLoRA (Dettmers et al., 2023) freezes the base model in 4-bit NormalFloat (NF4), also quantises
the quantisation constants (double quantisation), computes in 16 bit, and trains only small
low-rank adapters (LoRA) added to every linear projection. The compute dtype follows the hardware
(`env.precision`): fp16 on a T4, bf16 on an A100 or newer, fp32 on a CPU, where bitsandbytes runs
the same 4-bit code path, so what the tests check here is what runs on Colab.

>>> model, tokenizer = load_model("unsloth/Llama-3.2-1B-Instruct")  # doctest: +SKIP
>>> model = add_lora(model, LoraSettings(r=16))                      # doctest: +SKIP
LoRA r=16 alpha=32 on q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj: ...
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import env
from .settings import check, positive, share, whole

QUANTIZATIONS = ("4bit", "8bit", None)
# Tokens that are never a training target and can pad (tried in this order) when a tokenizer's pad
# token is missing or equal to EOS: Llama 3's reserved pad, common pad names, then the unknown token.
PAD_CANDIDATES = ("<|finetune_right_pad_id|>", "<|pad|>", "<pad>", "[PAD]", "<|endoftext|>")


@dataclass
class LoraSettings:
    """The workshop defaults: rank 16, alpha 32 (a scale of alpha / r = 2), every linear layer."""

    r: int = 16                       # rank of the update: its capacity
    alpha: int = 32                   # the update is scaled by alpha / r
    dropout: float = 0.05             # dropout on the adapters' input while training
    targets: list[str] | None = None  # layer names to adapt; none given: every linear projection

    def __post_init__(self):
        check(self, r=whole(1), alpha=positive, dropout=share)
        if self.targets is not None and not all(isinstance(t, str) and t for t in self.targets):
            raise ValueError(f"LoraSettings.targets = {self.targets!r}: give layer names, or None")


def compute_dtype():
    """fp16 on a T4, bf16 where the GPU really has it, fp32 on a CPU."""
    import torch

    return {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[env.precision()]


def quantization_config(quantization: str | None = "4bit"):
    """The `BitsAndBytesConfig` of QLoRA (NF4 + double quantisation) or of 8-bit loading."""
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, got {quantization!r}")
    if quantization is None:
        return None
    from transformers import BitsAndBytesConfig

    if quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=compute_dtype())


def setup_tokenizer(tokenizer, padding_side: str = "right"):
    """A pad token distinct from EOS where the vocabulary has one (a pad equal to EOS makes the
    usual collators mask every EOS, and the model never learns to stop), and the padding side:
    right for training, left for batched generation (the answer must follow the prompt)."""
    eos = tokenizer.eos_token
    if tokenizer.pad_token is None or tokenizer.pad_token == eos:
        vocab = tokenizer.get_vocab()
        found = next((t for t in PAD_CANDIDATES if t in vocab and t != eos), None)
        found = found or (tokenizer.unk_token if tokenizer.unk_token not in (None, eos) else None)
        if found:
            tokenizer.pad_token = found
        else:  # no spare token: EOS pads, which `collate` handles (labels never come from pad ids)
            tokenizer.pad_token = eos
            print(f"tokenizer: no token distinct from EOS can pad; padding with EOS ({eos!r})")
    tokenizer.padding_side = padding_side
    return tokenizer


def load_tokenizer(name: str, padding_side: str = "right"):
    """The tokenizer of a hub id or local folder (offline: the stand-in of `env`), set up by
    `setup_tokenizer`: what `load_model` gives, without the model (counting tokens needs no more)."""
    from transformers import AutoTokenizer

    path = env.resolve_model(name)
    _check_folder(path, "tokenizer_config.json", "tokenizer")
    return setup_tokenizer(AutoTokenizer.from_pretrained(path), padding_side)


def _check_folder(path: str, needed: str, what: str) -> None:
    # A local folder without the file fails deep inside transformers with an unrelated message.
    if Path(path).is_dir() and not (Path(path) / needed).is_file():
        raise ValueError(f"{path}: a folder with no {needed}, so no {what} to load (a typo, or a "
                         f"run that has not saved yet?)")


def load_model(name: str, quantization: str | None = "4bit", training: bool = True,
               gradient_checkpointing: bool = True):
    """(model, tokenizer) for a hub id or local folder (offline: the stand-in of `env`).

    With `training`, the model is made ready for k-bit training (norms in fp32, input gradients
    for checkpointing) and the tokenizer pads on the right; otherwise on the left, for generation.
    ``quantization="auto"``: 4-bit on a GPU, none on a CPU (bitsandbytes' CPU kernels are slow).
    """
    env.quiet_libraries()  # where `setup` was not called (a script): before bitsandbytes loads
    import torch
    from transformers import AutoModelForCausalLM

    env.require_gpu("loading a model for training" if training else "generating")  # Colab only
    path = env.resolve_model(name)  # a local folder comes back unchanged: resolved (and said) once
    _check_folder(path, "config.json", "model")
    tokenizer = load_tokenizer(path, "right" if training else "left")
    dtype = compute_dtype()
    if quantization == "auto":
        quantization = "4bit" if torch.cuda.is_available() else None
    if quantization == "8bit" and not torch.cuda.is_available():
        raise ValueError("8-bit loading needs a GPU with bitsandbytes; on a CPU use '4bit' or None")
    device = int(os.environ.get("LOCAL_RANK", 0)) if torch.cuda.is_available() else "cpu"  # torchrun: its GPU
    model = AutoModelForCausalLM.from_pretrained(
        path, quantization_config=quantization_config(quantization), dtype=dtype, device_map={"": device})
    model.config.pad_token_id = tokenizer.pad_token_id
    if training:
        keep_4bit_trainable(model)
        if quantization:  # norms and embeddings to fp32, every base weight frozen
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        if gradient_checkpointing:
            # Keep one tensor per layer and recompute the rest in the backward pass. The reentrant
            # variant warns and breaks with frozen inputs; this call also makes the embeddings'
            # output require gradients, which checkpointing of a frozen model needs.
            model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False  # the cache is useless in training and clashes with checkpointing
    else:
        model.eval()
    return model, tokenizer


def lora_targets(model) -> list[str]:
    """Names (last part) of the linear layers to adapt: every linear projection inside the
    network, whatever the architecture calls them (q_proj ... down_proj in LLaMA, Mistral and
    Qwen; query_key_value, dense, dense_h_to_4h, dense_4h_to_h in Falcon and GPT-NeoX), never the
    output head. Quantised layers (bitsandbytes' Linear4bit, Linear8bitLt) count as linear."""
    import torch

    head = model.get_output_embeddings()
    names = []
    for full, module in model.named_modules():
        if module is head or not isinstance(module, torch.nn.Linear) or "lora_" in full:
            continue  # not linear, the head, or an adapter already there
        short = full.rsplit(".", 1)[-1]
        if short not in names:
            names.append(short)
    if not names:
        raise ValueError(f"{type(model).__name__}: no linear layer found to put LoRA on")
    return names


def trainable_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts. A 4-bit weight packs two values in a byte: counted as
    the values it holds, so the total matches the model card."""
    trainable = total = 0
    for parameter in model.parameters():
        n = parameter.numel() * (1 if getattr(parameter, "quant_state", None) is None else 2)  # Params4bit
        total += n
        trainable += n if parameter.requires_grad else 0
    return trainable, total


def keep_4bit_trainable(model):
    """`model` with bitsandbytes' CPU inference fast path off in every 4-bit layer (undone where it ran).
    On an AVX512-BF16 CPU, a pass in eval mode without gradients (the Trainer's evaluation, generation)
    repacks the weights for a bf16 kernel, `gemv_4bit`, until a checkpoint save unpacks them; training
    passes in between run through it, and it has no backward ("gemv_4bit: an autograd kernel was not
    registered"): no gradient flows through the frozen weights, LoRA gradients below the top are wrong."""
    for module in (m for m in model.modules() if hasattr(m, "support_avx512bf16_for_cpu")):  # Linear4bit
        module.support_avx512bf16_for_cpu = False
        state = getattr(module.weight, "quant_state", None)
        if getattr(state, "packing_format_for_cpu", False):  # bitsandbytes' own inverse (best effort:
            # scales were rounded to bf16), from the layer's module: the package never imports bitsandbytes
            unpack = sys.modules[type(module).__module__]._convert_weight_packed_for_cpu_inverse
            module.weight.data, module.weight.quant_state = unpack(module.weight.data, state)
    return model


@contextmanager
def _peft_wrapping():
    # peft 0.21.2's PeftModel.__init__ reads `model.is_gradient_checkpointing`, which transformers 5.23
    # deprecates (FutureWarning "... Use `is_activation_checkpointing`"): peft's call, not ours.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
        yield


def add_lora(model, settings: LoraSettings | None = None):
    """The model with LoRA adapters on `settings.targets` (default: `lora_targets`); everything
    else frozen. Prints what was adapted and how many parameters train."""
    from peft import LoraConfig, get_peft_model

    settings = settings or LoraSettings()
    targets = settings.targets or lora_targets(model)
    config = LoraConfig(r=settings.r, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=targets, bias="none", task_type="CAUSAL_LM")
    with _peft_wrapping():
        model = get_peft_model(keep_4bit_trainable(model), config)
    trainable, total = trainable_parameters(model)
    print(f"LoRA r={settings.r} alpha={settings.alpha} on {', '.join(targets)}: "
          f"{trainable:,} trainable of {total:,} parameters ({100 * trainable / total:.2f}%)")
    return model


def load_adapter(adapter: str, quantization: str | None = "auto", training: bool = False,
                 merge: bool = False, base: str | None = None):
    """(model with a trained adapter, tokenizer). `adapter`: a folder `training.train` saved (e.g.
    ``COURSE/lab2.2/<run>/adapter``) or a hub id; its config names the base model, loaded as in
    training (or `base`, a hub id or folder of the same model). ``quantization="auto"``: 4-bit on a
    GPU, unquantised on a CPU, where bitsandbytes' 4-bit inference kernel computes in bf16 and its
    results change with the batch (a row alone and in a batch: logits 0.26 apart, measured here).

    `merge`: the adapter is added into a 16-bit copy of the base (one weight per layer again, so
    no LoRA cost per token), for serving. The adapter was trained on the 4-bit base, so the merged
    model's answers can differ a little from those of the model that was evaluated.
    """
    from peft import PeftConfig, PeftModel
    from transformers import AutoTokenizer

    if Path(adapter).is_dir() and not (Path(adapter) / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{Path(adapter) / 'adapter_config.json'}: not an adapter folder (a run "
                                f"saves its adapter in RUN/adapter when training ends)")
    base = base or PeftConfig.from_pretrained(adapter).base_model_name_or_path
    model, tokenizer = load_model(base, None if merge else quantization, training=False)  # "auto" there
    model = keep_4bit_trainable(model) if training else model
    with _peft_wrapping():
        model = PeftModel.from_pretrained(model, adapter, is_trainable=training)
    if merge:
        model = model.merge_and_unload()
        print(f"adapter merged into a {compute_dtype()} copy of {base}: faster per token; its answers can "
              f"differ a little from those of the 4-bit model the adapter was trained on")
    if Path(adapter, "tokenizer_config.json").is_file():  # the tokenizer saved with the run
        tokenizer = setup_tokenizer(AutoTokenizer.from_pretrained(adapter), "right" if training else "left")
    return model, tokenizer
