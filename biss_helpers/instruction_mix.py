"""Many instruction sources into one training set: capped, cleaned of repeats, split 85/10/5.

`mix` takes the `instructions.Record` lists of several sources, caps each one (a seeded sample, so
one large source does not drown the others), leaves out records with no instruction or no answer
and repeats (the same instruction and input, ignoring case and spaces, across sources too), and
counts everything it leaves out. `split` shuffles with a seed and cuts train, dev and test; `write`
and `read` keep the split in the course folder as JSON lines.

>>> from biss_helpers.instructions import Record
>>> a = [Record("a-1", "a", "Name a colour.", "", "Blue"), Record("a-2", "a", "Say hi.", "", "Hi")]
>>> b = [Record("b-1", "b", "name a  COLOUR.", "", "Red")]
>>> records, report = mix({"a": a, "b": b})
>>> [r.id for r in records], report.duplicates
(['a-1', 'a-2'], ['b-1'])
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import outputs
from .instructions import Record, rows


@dataclass
class MixReport:
    read: dict[str, int] = field(default_factory=dict)        # source -> records given
    capped: dict[str, int] = field(default_factory=dict)      # source -> left out by its cap
    empty: list[str] = field(default_factory=list)            # ids with no instruction or no answer
    duplicates: list[str] = field(default_factory=list)       # ids of repeats of an earlier record
    kept: int = 0

    def summary(self) -> str:
        given, capped = sum(self.read.values()), sum(self.capped.values())
        sources = ", ".join(f"{name} {n}" for name, n in self.read.items())
        return (f"{given} records read ({sources}): {capped} over the caps, {len(self.empty)} empty, "
                f"{len(self.duplicates)} duplicates left out, {self.kept} kept")


def key(record: Record) -> tuple[str, str]:
    """What makes two records the same request: instruction and input, ignoring case and spaces."""
    return tuple(" ".join(text.casefold().split()) for text in (record.instruction, record.input))


def mix(sources: dict[str, Sequence[Record]], caps: int | dict[str, int] | None = None,
        seed: int = 42) -> tuple[list[Record], MixReport]:
    """One list from several sources: each source capped (a seeded sample, in file order), then
    records with an empty instruction or answer and repeats left out. Every record given is kept
    or counted in the report."""
    report, records, seen = MixReport(), [], set()
    for name, given in sources.items():
        cap = caps.get(name) if isinstance(caps, dict) else caps
        report.read[name] = len(given)
        chosen = sorted(random.Random(seed).sample(range(len(given)), cap)) if cap is not None and \
            cap < len(given) else range(len(given))
        report.capped[name] = len(given) - len(chosen)
        for record in (given[i] for i in chosen):
            if not record.instruction or not record.output:
                report.empty.append(record.id)
            elif key(record) in seen:
                report.duplicates.append(record.id)
            else:
                seen.add(key(record))
                records.append(record)
    if len({r.id for r in records}) != len(records):
        raise ValueError("two records have the same id: give each source its own name")
    report.kept = len(records)
    return records, report


@dataclass
class Split:
    train: list[Record]
    dev: list[Record]
    test: list[Record]

    def summary(self) -> str:
        return f"train {len(self.train)} | dev {len(self.dev)} | test {len(self.test)}"


def split(records: Sequence[Record], fractions: tuple[float, float, float] = (0.85, 0.10, 0.05),
          seed: int = 42) -> Split:
    """A seeded train/dev/test split: the records shuffled, then cut (dev and test at least one
    record each). The same records and seed always give the same split.

    >>> parts = split([Record(str(i), "x", "q", "", "a") for i in range(40)])
    >>> parts.summary()
    'train 34 | dev 4 | test 2'
    """
    if abs(sum(fractions) - 1) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions {fractions}: three shares that add up to 1")
    if len(records) < 3:
        raise ValueError(f"{len(records)} records: at least 3 to split into train, dev and test")
    order = list(records)
    random.Random(seed).shuffle(order)
    test = max(1, round(len(order) * fractions[2]))
    dev = max(1, round(len(order) * fractions[1]))
    return Split(order[dev + test:], order[:dev], order[dev:dev + test])


def write(folder: str | Path, parts: Split) -> dict[str, Path]:
    """The split as JSON lines (train.jsonl, dev.jsonl, test.jsonl) in `folder` (the course folder)."""
    written = {}
    for name in ("train", "dev", "test"):
        lines = "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in getattr(parts, name))
        written[name] = outputs.write_text(Path(folder) / f"{name}.jsonl", lines)
    return written


def read(folder: str | Path) -> Split:
    """The split `write` saved in `folder`."""
    parts = {}
    for name in ("train", "dev", "test"):
        path = Path(folder) / f"{name}.jsonl"
        parts[name] = [Record(**row) for _, row in rows(path, name)]
    return Split(**parts)


def fitting(records: Sequence[Record], tokenizer, max_tokens: int,
            style: str) -> tuple[list[Record], list[str]]:
    """(records whose prompt in `style` + answer + EOS fit in `max_tokens`, ids of those that do
    not): a long Dolly context is left out and named, never cut (TRL would cut its answer)."""
    from . import collate, prompts

    special = prompts.adds_special_tokens(style)
    kept, over = [], []
    for record in records:
        prompt = prompts.build_prompt(record.instruction, record.input, style, tokenizer)
        example = collate.encode_example(prompt, record.output, tokenizer, special)
        (kept if len(example["input_ids"]) <= max_tokens else over).append(record)
    return kept, [record.id for record in over]
