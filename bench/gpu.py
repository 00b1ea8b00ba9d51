"""QLoRA training memory and speed of the Lab 2.2 model shapes on a GPU: one JSON line per model.

    python bench/gpu.py [--models 1b,3b] [--steps 20] [--batch-size 8 --grad-accum 2 --max-tokens 384]
    python bench/gpu.py --smoke    # the same code on the CPU: a tiny Llama, 2 steps of batch 2

For each model it builds a randomly initialised Llama with the exact shape of Llama 3.2 1B Instruct
(the Colab default) or 3B Instruct (`SHAPES`: nothing is downloaded), saves it in fp16 with a
word-level tokenizer of the model's vocabulary size, and runs what notebook 03 runs on that folder:
`memory.preflight` (before loading), `models.load_model(folder, "4bit")` (NF4 + double quantisation,
compute dtype from `env.precision`), `models.add_lora` with `LoraSettings()` and `training.train`
(the lab's Trainer, collator, length-grouped sampler and monitor) for `--steps` optimizer steps at
`TrainSettings()` (batch 8, accumulation 2, 384 tokens, 2e-4), without a dev set. The rows are the
worst case for memory: every one exactly `--max-tokens` tokens (no padding), the Alpaca prompt of a
task around random vocabulary ids, a one-token answer. The line compares the preflight estimate
without the CUDA context (``total - overhead``, as notebook 03 does) with the measured
`torch.cuda.max_memory_allocated()`, and gives tokens per second: over all steps (what the lab
reports) and after the first logged step (warm-up left out). A CUDA out-of-memory error is a result
too: that model's line has ``"error"`` and the peak reached, and the next model runs. Without a CUDA
GPU it prints one line saying it skipped and exits 0 (``--smoke`` hides the GPUs and runs the tiny
shape; ``--models tiny`` runs it on a GPU). Progress goes to stderr, the JSON lines to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROPE_LLAMA3 = {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 8192}
# The config.json of meta-llama/Llama-3.2-{1B,3B}-Instruct (and of the unsloth mirrors the notebook
# uses), less the token ids, which come from the tokenizer built here.
COMMON = {"vocab_size": 128256, "intermediate_size": 8192, "num_key_value_heads": 8, "rope_theta": 500000.0,
          "rope_scaling": ROPE_LLAMA3, "tie_word_embeddings": True, "max_position_embeddings": 131072,
          "rms_norm_eps": 1e-5, "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
          "initializer_range": 0.02}
SHAPES = {
    "1b": ("Llama 3.2 1B Instruct", {**COMMON, "hidden_size": 2048, "num_hidden_layers": 16,
                                     "num_attention_heads": 32, "head_dim": 64}),
    "3b": ("Llama 3.2 3B Instruct", {**COMMON, "hidden_size": 3072, "num_hidden_layers": 28,
                                     "num_attention_heads": 24, "head_dim": 128}),
    # --smoke: the same code in seconds on a CPU (or `--models tiny` on a GPU)
    "tiny": ("tiny Llama", {**COMMON, "vocab_size": 1024, "intermediate_size": 256, "hidden_size": 128,
                            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                            "head_dim": 32}),
}
SPECIALS = ("<|begin_of_text|>", "<|eot_id|>", "<|finetune_right_pad_id|>", "<unk>")
TASK = "haspeede"  # the rows' prompt: this task's instruction, Alpaca style as in the lab


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def word_tokenizer(vocab_size: int):
    """A word-level tokenizer of exactly `vocab_size` tokens: Llama 3's BOS, EOS (eot) and pad, an
    unknown token (every word of the prompt template), then the words w0, w1, ...: one token each,
    so a text of n such words is n tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(SPECIALS)}
    vocab.update({f"w{i}": len(SPECIALS) + i for i in range(vocab_size - len(SPECIALS))})
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A $B",
        special_tokens=[("<|begin_of_text|>", vocab["<|begin_of_text|>"])])
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
        pad_token="<|finetune_right_pad_id|>", unk_token="<unk>", model_max_length=131072)


def random_rows(tokenizer, count: int, max_tokens: int, settings, seed: int) -> list:
    """`count` rows of task `TASK`, each exactly `max_tokens` tokens as the lab tokenizes them
    (prompt + answer + EOS): the template, random words as input, a random word as answer."""
    from biss_helpers import collate, fourcol, prompts

    words = [f"w{i}" for i in range(len(tokenizer) - len(SPECIALS))]
    probe = fourcol.Row("probe", TASK, words[0], words[1])
    prompt = prompts.row_prompt(probe, settings.prompt_style, tokenizer)
    fixed = len(collate.encode_example(prompt, probe.target, tokenizer,
                                       prompts.adds_special_tokens(settings.prompt_style))["input_ids"]) - 1
    if fixed >= max_tokens:
        raise ValueError(f"max_tokens={max_tokens}: the prompt template alone takes {fixed + 1} tokens")
    rng = random.Random(seed)
    rows = [fourcol.Row(str(i), TASK, " ".join(rng.choices(words, k=max_tokens - fixed)), rng.choice(words))
            for i in range(count)]
    examples, _ = collate.tokenize(rows, tokenizer, max_tokens, settings.prompt_style, settings.mask_prompt)
    lengths = {len(e["input_ids"]) for e in examples}
    assert lengths == {max_tokens}, f"rows of {sorted(lengths)} tokens, not {max_tokens}"
    return rows


def save_random_model(config_dict: dict, folder: Path, tokenizer, seed: int) -> int:
    """A randomly initialised Llama of the shape `config_dict` in fp16, saved like a hub model
    (built on the GPU when there is one: minutes less than on the CPU). Returns its parameters."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(**config_dict, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float16)
    parameters = sum(p.numel() for p in model.parameters())
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return parameters


def logging_steps(steps: int, most: int) -> int:
    """The largest divisor of `steps` up to `most` and half the steps: the last step is logged, and
    so is one before it (tokens per second after warm-up)."""
    return max(d for d in range(1, max(1, min(most, steps // 2)) + 1) if steps % d == 0)


def steady_speed(history: list[dict], tokens_per_step: int) -> float | None:
    """Tokens per second between the first and the last logged step. The monitor logs the mean
    speed since the start, and every step here has the same tokens, so the seconds up to a logged
    step are its tokens over its speed."""
    logged = [row for row in history if row.get("tokens_per_second")]
    if len(logged) < 2:
        return None
    first, last = logged[0], logged[-1]
    tokens = [row["step"] * tokens_per_step for row in (first, last)]
    seconds = [t / row["tokens_per_second"] for t, row in zip(tokens, (first, last), strict=True)]
    return (tokens[1] - tokens[0]) / (seconds[1] - seconds[0]) if seconds[1] > seconds[0] else None


def device_info() -> dict:
    import torch

    from biss_helpers import env

    if not torch.cuda.is_available():
        return {"gpu": None, "capability": None, "gpu_memory_gb": None, "precision": env.precision()}
    capability = "sm_{}{}".format(*torch.cuda.get_device_capability(0))
    return {"gpu": torch.cuda.get_device_name(0), "capability": capability, "precision": env.precision(),
            "gpu_memory_gb": round(torch.cuda.get_device_properties(0).total_memory / 2**30, 2)}


def bench(name: str, steps: int, batch_size: int, grad_accum: int, max_tokens: int, seed: int) -> dict:
    """One model shape: build, save, preflight, load in 4 bit, LoRA, train; the JSON line's dict."""
    import torch

    from biss_helpers import env, memory, models, monitor, training

    title, config_dict = SHAPES[name]
    result = {"bench": "gpu", "model": name, "shape": title, **device_info(), "steps_asked": steps,
              "batch_size": batch_size, "grad_accum": grad_accum, "max_tokens": max_tokens}
    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp:
        folder = Path(tmp) / "model"
        # Without a dev set eval_steps only sets the checkpoint interval: one, after the last step.
        every = logging_steps(steps, training.TrainSettings.logging_steps)
        settings = training.TrainSettings(output_dir=str(Path(tmp) / "run"), max_steps=steps,
                                          batch_size=batch_size, grad_accum=grad_accum, max_tokens=max_tokens,
                                          logging_steps=every, eval_steps=steps, seed=seed)
        began = time.perf_counter()
        tokenizer = word_tokenizer(config_dict["vocab_size"])
        result["parameters"] = save_random_model(config_dict, folder, tokenizer, seed)
        log(f"{name}: {result['parameters']:,} parameters saved in {time.perf_counter() - began:.0f} s")
        optimizer = training.arguments(settings, has_dev=False).optim
        # As notebook 03 calls it (compute in 16 bit on a GPU), with the run's own optimizer.
        check = memory.preflight(str(folder), max_tokens, batch_size, grad_accum,
                                 compute_bytes=4 if env.precision() == "fp32" else 2,
                                 optimizer=getattr(optimizer, "value", optimizer))
        estimate = check.estimate
        result.update({
            "optimizer": getattr(optimizer, "value", str(optimizer)), "lora_parameters": estimate.lora_params,
            "estimate_total_gb": round(estimate.total, 3),
            "estimate_allocated_gb": round(estimate.total - estimate.overhead, 3),
            "estimate_parts_gb": {part: round(getattr(estimate, part), 3)
                                  for part in ("weights", "lora", "activations", "logits", "overhead")},
            "preflight_budget_gb": round(check.budget_gb, 2), "preflight_fits": check.fits,
            "fits_t4_budget": estimate.fits(memory.T4_BUDGET_GB)})
        env.seed_everything(seed)
        rows = random_rows(tokenizer, steps * batch_size * grad_accum, max_tokens, settings, seed)
        try:
            model, tokenizer = models.load_model(str(folder), "4bit")
            result["weights_loaded_gb"] = round(monitor.measured_weights_gb(model), 3)
            model = models.add_lora(model, models.LoraSettings())
            run = training.train(model, tokenizer, rows, None, settings)
        except torch.cuda.OutOfMemoryError as error:  # a result too: the estimate said it would fit?
            result.update({"error": "CUDA out of memory", "detail": str(error).splitlines()[0],
                           "measured_peak_gb": round(torch.cuda.max_memory_allocated() / 2**30, 3)})
            run = model = None
        if run is not None:
            tokens_per_step = batch_size * grad_accum * max_tokens  # no padding: every row is max_tokens
            steady = steady_speed(run.history, tokens_per_step)
            losses = [row["train_loss"] for row in run.history if "train_loss" in row]
            peak = run.peak_gpu_gb
            result.update({
                "steps": run.history[-1]["step"] if run.history else None,
                "measured_peak_gb": round(peak, 3) if peak is not None else None,
                "measured_reserved_gb": (round(torch.cuda.max_memory_reserved() / 2**30, 3)
                                         if torch.cuda.is_available() else None),
                "estimate_over_measured": (round((estimate.total - estimate.overhead) / peak, 3)
                                           if peak else None),
                "tokens_per_second": round(run.tokens_per_second, 1),
                "seconds_per_step": (round(tokens_per_step / run.tokens_per_second, 3)
                                     if run.tokens_per_second else None),
                "tokens_per_second_after_warmup": round(steady, 1) if steady else None,
                "seconds_per_step_after_warmup": round(tokens_per_step / steady, 3) if steady else None,
                "train_seconds": round(run.seconds, 1), "first_loss": losses[0] if losses else None,
                "last_loss": losses[-1] if losses else None, "padding_fraction": run.padding})
        del run, model
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    result.update({"data": f"random ids, every row {max_tokens} tokens (Alpaca prompt of {TASK}, no padding)",
                   "seed": seed, "date": datetime.date.today().isoformat(),
                   "versions": env.library_versions(), "seconds": round(time.perf_counter() - began, 1)})
    return result


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the bench, print a JSON line per model (or the skip line) and return the same dicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="1b,3b", help=f"comma-separated, of {', '.join(SHAPES)}")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps (default 20; --smoke 2)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the lab's (8; --smoke 2)")
    parser.add_argument("--grad-accum", type=int, default=None, help="default: the lab's (2)")
    parser.add_argument("--max-tokens", type=int, default=None, help="default: the lab's (384)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--smoke", action="store_true",
                        help="the tiny shape on the CPU (GPUs hidden), 2 steps of batch 2: tests the code")
    args = parser.parse_args(argv)
    names = ["tiny"] if args.smoke else [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in SHAPES]
    if unknown or not names:
        parser.error(f"--models: unknown {unknown or names}; known: {', '.join(SHAPES)}")
    if args.smoke:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # before torch looks for a GPU

    import torch

    from biss_helpers import training

    if not args.smoke and not torch.cuda.is_available():
        result = {"bench": "gpu", "skipped": "no CUDA GPU"}
        print(json.dumps(result), flush=True)
        return [result]
    if args.smoke:  # a tiny model gains nothing from threads, and they stall on a shared machine
        torch.set_num_threads(1)
    lab = training.TrainSettings()
    steps = args.steps or (2 if args.smoke else 20)
    batch_size = args.batch_size or (2 if args.smoke else lab.batch_size)
    grad_accum, max_tokens = args.grad_accum or lab.grad_accum, args.max_tokens or lab.max_tokens
    results = []
    for name in names:
        with contextlib.redirect_stdout(sys.stderr):  # the package and the Trainer print progress
            result = bench(name, steps, batch_size, grad_accum, max_tokens, args.seed)
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    main()
