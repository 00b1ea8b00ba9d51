"""Padding and training speed: length-grouped batches versus random ones, one JSON line.

    python bench/padding.py [--batch-size 8] [--batches 5] [--seed 42]

Builds the workshop training mix as notebook 02 does (sample files, 384 tokens, SmolLM2 tokenizer)
and, when ../shared/evalita/real exists beside the project, the mix of the real EVALITA files too.
It compares the batches the Trainer's ``group_by_length`` sampler draws (`collate.trainer_batches`,
what `training.train` uses) with random batches padded to their longest row (the BISS-2024 /
alpaca-lora way): the padding fraction over a whole epoch, and the useful-token
throughput (non-padding tokens per second of forward+backward of SmolLM2-135M, float32, CPU)
timed on `--batches` batches of each kind drawn at random with a fixed seed, from the real mix when
there is one ("data" says which). Target: grouped padding under 10%, throughput at least 1.5x
random. Progress goes to stderr, the JSON line to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "evalita" / "real"
MAX_TOKENS = 384
MODEL = "SmolLM2-135M-Instruct"


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def tokenized_mix(tokenizer, real: bool) -> tuple[list[dict], int]:
    """The training examples of the sample mix (or the real one) and how many rows were too long."""
    from biss_helpers import collate, workshop

    # The loaders print what they read: stdout is kept for the JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        rows = workshop.build(None, tokenizer, MAX_TOKENS, official=REAL if real else None).train
    # Rows of quoting tasks over the limit are left whole by trim_inputs; a trainer cannot take them.
    examples, report = collate.tokenize(rows, tokenizer, MAX_TOKENS, too_long="skip")
    return examples, len(report.skipped)


def padding(sizes: list[int], batch_size: int, seed: int) -> tuple[dict, dict]:
    """Both batch lists over one epoch, and their padding fractions."""
    from biss_helpers import collate

    # grad_accum 2, the Colab default: the sampler sorts mega-batches of optimizer steps.
    lists = {"grouped": collate.trainer_batches(sizes, batch_size, grad_accum=2, seed=seed),
             "random": collate.random_batches(len(sizes), batch_size, seed)}
    pad = {k: collate.padding_fraction(batches, sizes) for k, batches in lists.items()}
    return lists, {"rows": len(sizes), "pad_fraction_grouped": round(pad["grouped"], 4),
                   "pad_fraction_random": round(pad["random"], 4),
                   "throughput_ratio_from_padding": round((1 - pad["grouped"]) / (1 - pad["random"]), 3)}


def throughput(examples: list[dict], lists: dict, k: int, seed: int, pad_id: int) -> dict:
    """Non-padding tokens per second of forward+backward on `k` random batches of each list."""
    import torch
    from transformers import AutoModelForCausalLM

    from biss_helpers import collate, zoo

    model = AutoModelForCausalLM.from_pretrained(zoo.path("smollm2"), dtype=torch.float32).train()
    collator = collate.Collator(pad_id)
    sizes = [len(e["input_ids"]) for e in examples]

    def step(batch: list[int]) -> tuple[float, float, int, int]:
        inputs = collator([examples[i] for i in batch])
        start, cpu = time.perf_counter(), time.process_time()
        model(**inputs).loss.backward()
        model.zero_grad(set_to_none=True)
        return (time.perf_counter() - start, time.process_time() - cpu, int(inputs["attention_mask"].sum()),
                inputs["input_ids"].numel())

    # The same seed on lists of the same length: the same positions in each epoch's order.
    picks = {name: random.Random(seed).sample(batches, min(k, len(batches)))
             for name, batches in lists.items()}
    # Warm-up on the shortest batch: first-call costs without a minute of a 384-token batch.
    step(min(lists["grouped"], key=lambda b: len(b) * max(sizes[i] for i in b)))
    spent = {name: [0.0, 0.0, 0, 0] for name in picks}
    # Grouped and random in turns, so a slow spell of a shared machine hits both alike.
    for n, pair in enumerate(zip(picks["grouped"], picks["random"], strict=True), 1):
        for name, batch in zip(picks, pair, strict=True):
            took = step(batch)
            spent[name] = [a + b for a, b in zip(spent[name], took, strict=True)]
            log(f"{name} {n}/{len(picks[name])}: {took[3]} positions, {took[2]} tokens, {took[0]:.1f} s")
    speed = {name: useful / seconds for name, (seconds, _, useful, _) in spent.items()}
    wall, cpu = (sum(s[i] for s in spent.values()) for i in (0, 1))
    if cpu < 0.8 * wall * torch.get_num_threads():
        log("other processes shared the cores: the timings are noisy, run again on a quiet machine")
    return {"batches_timed": len(picks["grouped"]),
            "pad_fraction_timed_grouped": round(1 - spent["grouped"][2] / spent["grouped"][3], 4),
            "pad_fraction_timed_random": round(1 - spent["random"][2] / spent["random"][3], 4),
            "throughput_grouped_tokens_per_s": round(speed["grouped"], 1),
            "throughput_random_tokens_per_s": round(speed["random"], 1),
            "throughput_ratio": round(speed["grouped"] / speed["random"], 3),
            # Well under 1: another process held a core, and the threads stalled waiting on each other.
            "cpu_share": round(cpu / (wall * torch.get_num_threads()), 2)}


def main(argv: list[str] | None = None) -> dict:
    """Run the bench, print its JSON line and return the same result as a dict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=8, help="the Colab default")
    parser.add_argument("--batches", type=int, default=5, help="batches of each kind to time")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    began = time.perf_counter()

    import torch
    from transformers import AutoTokenizer

    from biss_helpers import zoo

    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(zoo.path("smollm2"))
    mixes = {}
    for name in ["sample"] + (["real"] if REAL.is_dir() else []):
        log(f"building the {name} mix ...")
        examples, skipped = tokenized_mix(tokenizer, name == "real")
        lists, stats = padding([len(e["input_ids"]) for e in examples], args.batch_size, args.seed)
        mixes[name] = (examples, lists, {**stats, "skipped_too_long": skipped})
        log(f"{name}: {stats}")
    data = list(mixes)[-1]
    examples, lists, headline = mixes.pop(data)
    headline.update(throughput(examples, lists, args.batches, args.seed, tokenizer.pad_token_id))
    result = {"bench": "padding", "data": data, "model": MODEL, "device": f"cpu ({threads} threads)",
              "batch_size": args.batch_size, "seed": args.seed, **headline,
              "target_met": headline["pad_fraction_grouped"] < 0.10 and headline["throughput_ratio"] >= 1.5,
              **{name: stats for name, (_, _, stats) in mixes.items()},
              "seconds": round(time.perf_counter() - began, 1)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
