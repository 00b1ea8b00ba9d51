"""Multiple choice two ways, log-likelihood of the letters and generation: one JSON line.

    python bench/judge.py [--model HUB_ID_OR_FOLDER] [--questions FILE.jsonl] [--style chat]

The model is SmolLM2-135M-Instruct (offline, ``BISS_OFFLINE=1``: the local copy of the zoo),
unquantised, for inference. The questions are the project's bilingual sample
(`multiple_choice.sample`: 16 Italian, 16 English) or a JSONL file of the same shape. Both paths
use the model's chat template (``--style chat``: it is an instruct model) and batches of 16:

- ``loglik_*``: `multiple_choice.score`, the likeliest option letter (letter + EOS after the prompt);
- ``generate_*``: `multiple_choice.generate`, greedy text (8 new tokens) parsed by `parse_letter`.

``*_valid`` counts the answers that are an option letter, ``*_by_language`` the accuracy per
language, ``generate_unparsed_examples`` shows what the model wrote instead of a letter. Each
path is warmed up on one question first, so ``*_seconds`` times the work and not the first call's
set-up. On a CPU, ``cpu_share`` is the CPU time of the timed parts over their wall time times the
threads: well under 1, another process shared the cores and the seconds mean little. The exit
code is 1 (after the line is printed) when the log-likelihood path left a question without a
valid letter, which it never should. Progress and the package's notices go to stderr, the JSON
line to stdout. `run(model_name=..., questions=...)` is the same from Python (a local folder,
e.g. a tiny test model, as `model_name`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

# bench/ is the script's folder, so its sibling imports as a module (stdout kept for the JSON line)
from generation import stdout_to_stderr

MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


def measure(model, tokenizer, questions, style: str = "chat", batch_size: int = 16,
            max_new_tokens: int = 8) -> dict:
    """Both paths on `questions` with a loaded model: the bench's numbers."""
    import torch

    from biss_helpers import multiple_choice as mc

    mc.score(model, tokenizer, questions[:1], style, batch_size)  # warm-up: first-call set-up untimed
    mc.generate(model, tokenizer, questions[:1], style, batch_size, max_new_tokens=1)
    cpu = time.process_time()
    scored = mc.score(model, tokenizer, questions, style, batch_size)
    print(f"log-likelihood: {scored.summary()}", file=sys.stderr)
    written = mc.generate(model, tokenizer, questions, style, batch_size, max_new_tokens)
    print(f"generation:     {written.summary()}", file=sys.stderr)
    # Well under 1: another process shared the cores, and the seconds mean little.
    share = (time.process_time() - cpu) / ((scored.seconds + written.seconds) * torch.get_num_threads())
    result: dict = {"bench": "judge", "questions": len(questions)}
    for key, found in (("loglik", scored), ("generate", written)):
        result.update({f"{key}_accuracy": round(found.accuracy, 4), f"{key}_seconds": round(found.seconds, 2),
                       f"{key}_valid": found.valid,
                       f"{key}_by_language": {k: round(v, 4) for k, v in found.by_language().items()}})
    unparsed = [text for text, letter in zip(written.texts, written.letters, strict=True) if letter is None]
    result["generate_unparsed_examples"] = unparsed[:3]  # what the model wrote instead of a letter
    result.update({"style": style, "cpu_share": round(share, 2) if model.device.type == "cpu" else None})
    return result


def run(model_name: str = MODEL, questions=None, style: str = "chat", batch_size: int = 16,
        max_new_tokens: int = 8, threads: int | None = None) -> dict:
    """Load `model_name` (a hub id or a local folder) and measure it on `questions` (a list of
    `multiple_choice.Question`, a JSONL path, or None: the bundled sample)."""
    import torch

    from biss_helpers import models
    from biss_helpers import multiple_choice as mc

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    threads = threads or cores
    torch.set_num_threads(threads)
    if questions is None:
        questions = mc.sample()
    elif isinstance(questions, str | os.PathLike):
        questions = mc.read(questions)
    model, tokenizer = models.load_model(model_name, quantization=None, training=False)
    result = measure(model, tokenizer, list(questions), style, batch_size, max_new_tokens)
    result.update({"model": model_name, "device": str(model.device), "threads": threads})
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print its JSON line; 1 when a scored answer is not a valid letter, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=MODEL, help="hub id or local folder (default: %(default)s)")
    parser.add_argument("--questions", default=None, help="a questions JSONL file (default: the sample)")
    parser.add_argument("--style", default="chat", choices=("alpaca", "alpaca_en", "phi3", "chat"))
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: every core; 1 on a machine another process keeps busy)")
    args = parser.parse_args(argv)
    with stdout_to_stderr():  # the package prints what it loads
        result = run(args.model, args.questions, args.style, args.batch_size, args.max_new_tokens,
                     args.threads)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result["loglik_valid"] == result["questions"] else 1


if __name__ == "__main__":
    sys.exit(main())
