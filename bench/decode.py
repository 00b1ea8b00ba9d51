"""Decoding cost of hostile completions, for every task: one JSON line.

    python bench/decode.py [--size 1000000] [--seed 42]

Decodes, with each of the 19 tasks, completions no model should write but a broken one may: one
endless token (``"x" * size``), `size` characters of random words, a 400-digit number, regular
expression metacharacters and NUL bytes, and the task's longest gold target (of its sample gold
examples) repeated to `size` characters, plain and with a typo in every word (the structured
decoders' worst case: every piece parses, or must be looked for by edit distance). Tasks whose
answers are placed in their input get the example (the
first one for the garbage). Target: under one second for the slowest
(task, completion). Per-task times go to stderr, the JSON line
``{"slowest_task", "slowest_seconds", "limit_chars"}`` to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import string
import sys
import time


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def typos(text: str) -> str:
    """Every word of 4+ letters with its last two swapped (near, never equal); markers kept."""
    return " ".join(w[:-2] + w[-1] + w[-2] if len(w) >= 4 and w.isalpha() else w for w in text.split(" "))


def completions(size: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    words, length = [], 0
    while length < size:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 12))))
        length += len(words[-1]) + 1
    return {"one_token": "x" * size, "random_words": " ".join(words)[:size], "digits_400": "9" * 400,
            "metacharacters": (r".*+?()[]{}|\^$" + "\x00") * (size // 15)}


def repeated(target: str, size: int) -> dict[str, str]:
    """`target` over and over, plain and with typos, `size` characters."""
    text = ((target + " ") * (size // (len(target) + 1) + 1))[:size]
    return {"target_repeated": text, "target_with_typos": typos(text)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters of the long completions")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from biss_helpers import tasks
    from biss_helpers.tasks.base import ANSWER_LIMIT

    hostile, slowest = completions(args.size, args.seed), ("", "", 0.0)
    for name, task in tasks.TASKS.items():
        with contextlib.redirect_stdout(sys.stderr):  # readers may print what they read
            examples = task.read(task.sample_paths("gold"))
        # the first example for the garbage; the one with the longest target for its repetitions
        richest = max(examples, key=lambda e: len(task.encode(e).target))
        runs = [(kind, text, examples[0]) for kind, text in hostile.items()]
        longest = repeated(task.encode(richest).target, args.size)
        runs += [(kind, text, richest) for kind, text in longest.items()]
        times = {}
        for kind, text, example in runs:
            began = time.perf_counter()
            task.decode(text, example if task.decode_needs_example else None)
            times[kind] = time.perf_counter() - began
            if times[kind] > slowest[2]:
                slowest = (name, kind, times[kind])
        log(f"{name:<20}", " ".join(f"{k} {v:.3f}s" for k, v in times.items()))
    log(f"slowest: {slowest[0]} on {slowest[1]}, {slowest[2]:.3f}s")
    result = {"slowest_task": slowest[0], "slowest_seconds": round(slowest[2], 3),
              "limit_chars": ANSWER_LIMIT}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
