"""The ``biss`` command (also ``python -m biss_helpers``): argument handling only, every command is
one call into the library.

    biss offline-models   prepare the offline model zoo (run by `make test` and `make demo`)
    biss demo             Lab 1 end to end (`bert.run`): fine-tune, then print dev and test macro-F1
    biss info             what `env.setup` sees on this machine
    biss sync-notebooks   write the canonical setup cell and badges into notebooks/*.ipynb
    biss encode    --task TASK --input PATH [PATH ...] --output OUT.tsv
    biss mix       --output DIR [--official DIR] [--model ID] [settings]  (notebook 02: train/dev.tsv)
    biss decode    --task TASK --predictions PRED.tsv [--reference PATH ...] --output OUT
    biss evaluate  --task TASK --submission PATH --gold PATH [PATH ...]
    biss train     (--data DIR | --train F [--dev F]) --model ID [settings]   (notebook 03)

The options of `demo`, `mix` and `train` are the fields of their settings dataclasses
(`bert.ClassifierSettings`, `mix.MixSettings`, `training.TrainSettings` with `models.LoraSettings`
as ``--lora-*``), each field's comment its help: a new setting is one new field. train runs under
nohup, and under torchrun or accelerate launch on several GPUs with the same code. encode, mix,
decode, evaluate and train print one JSON object as their last line of output.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import io
import json
import os
import sys
import textwrap
import tokenize
import types
import typing
from pathlib import Path


def field_comments(cls) -> dict[str, str]:
    """Field name -> the comment at the end of its line in the class source (the option's help).

    >>> from biss_helpers.models import LoraSettings
    >>> field_comments(LoraSettings)["r"]
    'rank of the update: its capacity'
    """
    comments, name, depth = {}, None, 0
    source = textwrap.dedent(inspect.getsource(cls))  # a class defined inside a function too
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NL or token.type == tokenize.NEWLINE:
            name = None
        elif token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.NAME and name is None and depth == 0 and token.start[1] == 4:
            name = token.string
        elif token.type == tokenize.COMMENT and name:
            comments[name] = token.string.lstrip("# ").strip()
    return comments


def _optional(kind):
    """(the type inside ``X | None``, True) or (kind, False)."""
    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and len(args) == 2:
            return inner[0], True
    return kind, False


def _none_or(convert):
    def parse(text: str):
        return None if text.lower() in ("none", "all") else convert(text)

    parse.__name__ = convert.__name__  # argparse names the type in its error messages
    return parse


def add_settings(parser, cls, prefix: str = "") -> None:
    """One option per field of the settings dataclass `cls` (nested dataclasses as
    ``--<field>-<subfield>``): type, default and choices from the annotation, help from the comment."""
    hints, helps = typing.get_type_hints(cls), field_comments(cls)
    for field in dataclasses.fields(cls):
        kind, optional = _optional(hints[field.name])
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        if dataclasses.is_dataclass(kind):
            add_settings(parser, kind, f"{prefix}{field.name}_")
            continue
        options = {"dest": prefix + field.name, "default": default,
                   "help": f"{helps.get(field.name, '')} (default: {default})".strip()}
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is typing.Literal:
            options["choices"] = typing.get_args(kind)
        elif typing.get_origin(kind) is list:
            options.update(nargs="+", type=typing.get_args(kind)[0])
        else:
            options["type"] = _none_or(kind) if optional else kind
        parser.add_argument("--" + (prefix + field.name).replace("_", "-"), **options)


def read_settings(args, cls, prefix: str = ""):
    """The dataclass `cls` filled from the options `add_settings` made."""
    hints, values = typing.get_type_hints(cls), {}
    for field in dataclasses.fields(cls):
        kind, _ = _optional(hints[field.name])
        nested = dataclasses.is_dataclass(kind)
        values[field.name] = (read_settings(args, kind, f"{prefix}{field.name}_") if nested
                              else getattr(args, prefix + field.name))
    return cls(**values)


def parser() -> argparse.ArgumentParser:
    from .bert import ClassifierSettings
    from .mix import MixSettings
    from .prompts import STYLES
    from .training import TrainSettings

    main = argparse.ArgumentParser(prog="biss", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("offline-models", help="prepare the offline model zoo")
    add_settings(commands.add_parser("demo", help="Lab 1 end to end, printing dev and test macro-F1"),
                 ClassifierSettings)
    commands.add_parser("info", help="print what env.setup sees")
    commands.add_parser("sync-notebooks", help="canonical setup cell and badges in notebooks/")
    encode = commands.add_parser("encode", help="official EVALITA file(s) -> 4-column file")
    encode.add_argument("--task", required=True)
    encode.add_argument("--input", required=True, nargs="+")
    encode.add_argument("--output", required=True)
    mix = commands.add_parser("mix", help="the multi-task training mix -> train.tsv and dev.tsv")
    mix.add_argument("--output", required=True, help="folder for train.tsv and dev.tsv")
    mix.add_argument("--official", help="folder of official files (a task without them: its sample)")
    mix.add_argument("--model", default="unsloth/Llama-3.2-1B-Instruct", help="whose tokenizer counts")
    mix.add_argument("--max-tokens", type=int, default=TrainSettings.max_tokens,
                     help="prompt + answer + EOS: longer inputs are trimmed")
    mix.add_argument("--prompt-style", default=TrainSettings.prompt_style, choices=STYLES)
    add_settings(mix, MixSettings)
    decode = commands.add_parser("decode", help="4-column completions -> official submission")
    decode.add_argument("--task", required=True)
    decode.add_argument("--predictions", required=True)
    decode.add_argument("--reference", nargs="+")
    decode.add_argument("--output", required=True)
    evaluate = commands.add_parser("evaluate", help="score a submission against gold file(s)")
    evaluate.add_argument("--task", required=True)
    evaluate.add_argument("--submission", required=True)
    evaluate.add_argument("--gold", required=True, nargs="+")
    train = commands.add_parser("train", help="QLoRA training on 4-column files (notebook 03)")
    rows = train.add_mutually_exclusive_group(required=True)
    rows.add_argument("--data", help="folder with train.tsv and dev.tsv (notebook 02, `biss mix`)")
    rows.add_argument("--train", help="a 4-column training file")
    train.add_argument("--dev", help="a 4-column dev file, with --train")
    train.add_argument("--model", required=True, help="hub id or local folder")
    train.add_argument("--quantization", default="4bit", choices=["4bit", "8bit", "none"])
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    add_settings(train, TrainSettings)
    return main


def run(args) -> dict:
    """The command's one library call; its result is the JSON line."""
    from . import fourcol, mix, models, tasks, training

    if args.command == "encode":
        task = tasks.get_task(args.task)
        examples = task.read(args.input)
        written = fourcol.write(args.output, fourcol.encode(task, examples))
        print(f"{task.name}: {written} rows ({sum(e.gold is not None for e in examples)} with gold) "
              f"-> {args.output}")
        return {"task": task.name, "rows": written}
    if args.command == "mix":
        settings = read_settings(args, mix.MixSettings)
        train_rows, dev_rows = mix.workshop(models.load_tokenizer(args.model), args.max_tokens,
                                            args.prompt_style, args.official, settings)
        paths = mix.write_files(args.output, train_rows, dev_rows)
        return {"train": len(train_rows), "dev": len(dev_rows), "tasks": len(fourcol.counts(train_rows)),
                "files": [str(p) for p in paths]}
    if args.command == "decode":
        report = tasks.submit(args.task, args.predictions, args.reference, args.output)
        print(report.summary())
        return {"task": report.task, "rows": report.rows, "unparsed": report.unparsed,
                "unplaced": len(report.unplaced)}
    if args.command == "evaluate":
        return {"task": args.task, **tasks.get_task(args.task).score(args.submission, args.gold)}
    if args.data and args.dev:
        raise ValueError("--dev goes with --train: --data reads DIR/train.tsv and DIR/dev.tsv")
    if args.data:
        train_rows, dev_rows = mix.read_files(args.data)
    else:
        train_rows, dev_rows = fourcol.read(args.train), fourcol.read(args.dev) if args.dev else []
    quantization = None if args.quantization == "none" else args.quantization
    result = training.fine_tune(args.model, train_rows, dev_rows, read_settings(args, training.TrainSettings),
                                quantization, args.resume)
    return result.summary()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in ("encode", "mix", "decode", "evaluate", "train"):
        try:
            result = run(args)
        except (KeyError, ValueError, FileNotFoundError) as error:
            # a clear one-line message (file, line, problem), not a traceback
            message = error.args[0] if isinstance(error, KeyError) else str(error)
            print(f"biss {args.command}: {message}", file=sys.stderr)
            return 2
        if int(os.environ.get("RANK", 0)) == 0:  # under torchrun, one JSON line, from the main process
            print(json.dumps(result, ensure_ascii=False))
    elif args.command == "offline-models":
        from . import tiny, zoo

        zoo.prepare()
        tiny.tokenizer("llama")  # trains in a second; proves `tokenizers` and the corpus work
    elif args.command == "demo":
        from . import bert

        bert.run(read_settings(args, bert.ClassifierSettings))
    elif args.command == "info":
        from . import env

        env.setup()
    else:
        from . import notebooks

        for name, changed in notebooks.sync_all(Path.cwd()).items():
            print(f"{name}: {'updated' if changed else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
