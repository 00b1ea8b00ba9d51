"""General instruction data: four public formats read into one schema, mixed, deduplicated, split.

Every instruction dataset says the same thing (do this, with this input, the answer is that) in
its own shape:

- Alpaca (``tatsu-lab/alpaca``): a JSON list of ``{instruction, input, output}``;
- Dolly (``databricks/databricks-dolly-15k``): JSON lines of ``{instruction, context, response,
  category}``, the context being Alpaca's input;
- Natural Instructions v2: one file per task, its ``Definition`` the instruction of all its
  ``Instances`` (``{id, input, output: [accepted answers]}``); on the Hub, flat rows of
  ``{definition, inputs, targets}``;
- Unnatural Instructions: one instruction with a few ``instances`` ``{input, constraints, output}``.

Each reader turns one of them into `Record` ``(id, source, instruction, input, output)``, with an
error naming the record and the missing field; `load` gets a source by name (the Hub on Colab, the
project's sample offline). `instruction_mix` then mixes, deduplicates and splits them.

>>> rows = [{"instruction": "Name a colour.", "input": "", "output": "Blue"}]
>>> [record] = alpaca(rows)
>>> record
Record(id='alpaca-1', source='alpaca', instruction='Name a colour.', input='', output='Blue')
>>> dolly([{"instruction": "Name a colour.", "context": "", "response": "Red"}])[0].output
'Red'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import env

SAMPLES = Path(__file__).parent / "data" / "instructions"


@dataclass(frozen=True)
class Record:
    id: str            # unique in a mix: source and number ("dolly-17") or the dataset's own id
    source: str        # which dataset it came from
    instruction: str
    input: str         # "" when the instruction says it all
    output: str        # the reference answer

    # Training and inference name a row by its task and read its answer from `target`: a source
    # plays the part of an EVALITA task, so `training.train` and `inference.budgets` take records.
    @property
    def task(self) -> str:
        return self.source

    @property
    def target(self) -> str:
        return self.output


def rows(data, what: str) -> list[tuple[str, dict]]:
    """(where, row) pairs from a .json list, a .jsonl file, or rows already loaded (the Hub's)."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            found = []
            for number, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        found.append((f"{path.name} line {number}", json.loads(line)))
                    except json.JSONDecodeError as error:
                        raise ValueError(f"{path.name} line {number}: not JSON ({error.msg})") from None
            return found
        loaded = json.loads(text)
        rows = loaded if isinstance(loaded, list) else [loaded]
        return [(f"{path.name} record {n}", row) for n, row in enumerate(rows, 1)]
    return [(f"{what} row {n}", row) for n, row in enumerate(data, 1)]


def _field(row, key: str, where: str, shape: str):
    if not isinstance(row, dict):
        raise ValueError(f"{where}: not an object ({shape})")
    if key not in row:
        raise ValueError(f"{where}: no {key!r} field ({shape})")
    return row[key]


def _text(row, key: str, where: str, shape: str) -> str:
    value = _field(row, key, where, shape)
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key!r} is {type(value).__name__}, not text ({shape})")
    return value.strip()


def alpaca(data, source: str = "alpaca") -> list[Record]:
    """Records of Alpaca JSON: a path (a .json list or .jsonl) or rows ``{instruction, input, output}``."""
    shape = "an Alpaca record has instruction, input, output"
    return [Record(f"{source}-{n}", source, _text(row, "instruction", where, shape),
                   _text(row, "input", where, shape), _text(row, "output", where, shape))
            for n, (where, row) in enumerate(rows(data, source), 1)]


def dolly(data, source: str = "dolly") -> list[Record]:
    """Records of Dolly JSONL ``{instruction, context, response, category}``: the context is the input."""
    shape = "a Dolly record has instruction, context, response, category"
    return [Record(f"{source}-{n}", source, _text(row, "instruction", where, shape),
                   _text(row, "context", where, shape), _text(row, "response", where, shape))
            for n, (where, row) in enumerate(rows(data, source), 1)]


def natural_instructions(data, source: str = "natural-instructions") -> list[Record]:
    """Records of Natural Instructions: task files (``Definition`` + ``Instances``, each instance's
    first accepted output is the answer) or the Hub's flat rows ``{definition, inputs, targets}``."""
    records = []
    for where, row in rows(data, source):
        if isinstance(row, dict) and "Instances" in row:
            shape = "a task file has Definition and Instances of {id, input, output}"
            definition = _field(row, "Definition", where, shape)
            definition = " ".join(definition) if isinstance(definition, list) else str(definition)
            for n, instance in enumerate(_field(row, "Instances", where, shape), 1):
                at = f"{where}, instance {n}"
                answers = _field(instance, "output", at, shape)
                answers = answers if isinstance(answers, list) else [answers]
                if not answers or not isinstance(answers[0], str):
                    raise ValueError(f"{at}: 'output' holds no answer ({shape})")
                identifier = str(instance.get("id") or f"{source}-{len(records) + 1}")
                records.append(Record(identifier, source, definition.strip(),
                                      _text(instance, "input", at, shape), answers[0].strip()))
        else:
            shape = "a flat Natural Instructions row has definition, inputs, targets"
            identifier = str(row.get("id") or f"{source}-{len(records) + 1}") if isinstance(row, dict) else ""
            records.append(Record(identifier, source, _text(row, "definition", where, shape),
                                  _text(row, "inputs", where, shape), _text(row, "targets", where, shape)))
    return records


def unnatural(data, source: str = "unnatural-instructions") -> list[Record]:
    """Records of Unnatural Instructions: one per instance of each ``{instruction, instances}``
    record; an instance's constraints ("None." when it has none) are added to the instruction."""
    shape = "an Unnatural Instructions record has instruction and instances of {input, constraints, output}"
    records = []
    for number, (where, row) in enumerate(rows(data, source), 1):
        instruction = _text(row, "instruction", where, shape)
        for n, instance in enumerate(_field(row, "instances", where, shape), 1):
            at = f"{where}, instance {n}"
            constraints = str(instance.get("constraints") or "").strip() if isinstance(instance, dict) else ""
            full = instruction if constraints in ("", "None", "None.") else f"{instruction} {constraints}"
            records.append(Record(f"{source}-{number}.{n}", source, full, _text(instance, "input", at, shape),
                                  _text(instance, "output", at, shape)))
    return records


@dataclass(frozen=True)
class Source:
    hub: str          # the dataset on the Hub (Colab)
    read: object      # the reader of its format
    sample: str       # the project-written file in its format (offline)


SOURCES = {
    "alpaca": Source("tatsu-lab/alpaca", alpaca, "alpaca.json"),
    "dolly": Source("databricks/databricks-dolly-15k", dolly, "dolly.jsonl"),
    "natural-instructions": Source("Muennighoff/natural-instructions", natural_instructions,
                                   "natural_instructions_task.json"),
    "unnatural-instructions": Source("mrm8488/unnatural-instructions-core", unnatural, "unnatural.jsonl"),
}


def load(name: str, limit: int | None = 1000, seed: int = 42) -> list[Record]:
    """The records of a source of `SOURCES`: on Colab, `limit` rows drawn from the Hub dataset
    (streamed, shuffled in a buffer: natural-instructions alone has 5 million); offline, the
    project-written sample in the same format (all of it), said out loud."""
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}: use one of {', '.join(SOURCES)}")
    source = SOURCES[name]
    if env.offline():
        records = source.read(SAMPLES / source.sample, name)
        print(f"offline: {name} is the project's sample in the format of {source.hub} "
              f"({len(records)} records, biss_helpers/data/instructions/{source.sample})")
        return records
    from datasets import load_dataset

    stream = load_dataset(source.hub, split="train", streaming=True).shuffle(seed=seed, buffer_size=10_000)
    return source.read(list(stream.take(limit) if limit else stream), source.hub)
