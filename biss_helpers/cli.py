"""The ``biss`` command (also ``python -m biss_helpers``): argument handling only, every command is
one call into the library.

    biss offline-models   prepare the offline model zoo (run by `make test` and `make demo`)
    biss pipeline  [--config FILE]   encode, train, predict, decode, score: the course in one run
                   (`make demo`: offline, on the bundled samples); its last line is one JSON object
    biss lab1             Lab 1 end to end (`bert.run`): fine-tune, then print dev and test macro-F1
    biss info             what `env.setup` sees on this machine
    biss sync-notebooks   write the canonical setup cell and badges into notebooks/*.ipynb and README.md
    biss release   --version vX.Y.Z --repo OWNER/NAME [--check]   (`make release`, after the tests)
    biss encode    --task TASK --input PATH [PATH ...] --output OUT.tsv
    biss mix       --output DIR [--official DIR] [--model ID] [settings]  (notebook 02: train/dev.tsv)
    biss decode    --task TASK --predictions PRED.tsv [--reference PATH ...] --output OUT
    biss evaluate  --task TASK --submission PATH --gold PATH [PATH ...]   (one score per gold file or
                   domain, as the organisers report them; a submission zip reads too)
    biss score     --predictions PRED.tsv --gold ROWS.tsv [--resamples N] [--seed N]   (4-column files:
                   every task decoded and scored, with bootstrap intervals; notebook 05)
    biss train     (--data DIR | --train F [--dev F]) --model ID [settings]   (notebook 03)
    biss predict   (--adapter DIR|ID | --model ID) --input ROWS.tsv --output PRED.tsv [--train F]
                   [--mode auto|generate|score] [settings]   (notebook 04: a predictions file)

The options of `lab1`, `mix`, `train` and `predict` are the fields of their settings dataclasses
(`bert.ClassifierSettings`, `mix.MixSettings`, `training.TrainSettings` with `models.LoraSettings`
as ``--lora-*``, `generation.GenerationSettings`), each field's comment its help: a new setting is
one new field. train runs under nohup, and under torchrun or accelerate launch on several GPUs with
the same code. encode, mix, decode, evaluate, score, train, predict and pipeline print one JSON
object as their last line of output. A bad argument or input ends any command with exit 2 and one
line naming the file (and line or id), before a model loads; files are written whole or not at all
(`outputs`), so an earlier output survives a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .settings import add_settings, negative_values, read_settings


def parser() -> argparse.ArgumentParser:
    from .bert import ClassifierSettings
    from .generation import GenerationSettings
    from .mix import MixSettings
    from .prompts import STYLES
    from .training import TrainSettings

    main = argparse.ArgumentParser(prog="biss", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("offline-models", help="prepare the offline model zoo")
    add_settings(commands.add_parser("lab1", help="Lab 1 end to end, printing dev and test macro-F1"),
                 ClassifierSettings)
    pipeline = commands.add_parser("pipeline", help="encode, train, predict, decode and score in one run "
                                   "folder (make demo)")
    pipeline.add_argument("--config", help="a TOML settings file (default: the workshop settings)")
    commands.add_parser("info", help="print what env.setup sees")
    commands.add_parser("sync-notebooks", help="canonical setup cell and badges in notebooks/ and README")
    release = commands.add_parser("release", help="point notebooks and README at a new tag, commit, tag")
    release.add_argument("--version", required=True, help="the new tag, vMAJOR.MINOR.PATCH")
    release.add_argument("--repo", required=True, help="the GitHub repository, owner/name")
    release.add_argument("--check", action="store_true",
                         help="only check the version, the repository, that the tree is clean and "
                              "that the tag is new; change nothing")
    encode = commands.add_parser("encode", help="official EVALITA file(s) -> 4-column file")
    encode.add_argument("--task", required=True)
    encode.add_argument("--input", required=True, nargs="+")
    encode.add_argument("--output", required=True)
    mix = commands.add_parser("mix", help="the multi-task training mix -> train.tsv and dev.tsv")
    mix.add_argument("--output", required=True, help="folder for train.tsv and dev.tsv")
    mix.add_argument("--official", help="folder of official files (a task without them: BISS-2024 rows "
                     "online, its sample offline)")
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
    score = commands.add_parser("score", help="score 4-column predictions against 4-column gold rows")
    score.add_argument("--predictions", required=True, help="4-column file, the completion in the 4th column")
    score.add_argument("--gold", required=True, help="4-column file, the gold target in the 4th column")
    score.add_argument("--resamples", type=int, default=1000, help="bootstrap draws (0: no intervals)")
    score.add_argument("--seed", type=int, default=0, help="seed of the bootstrap draws")
    train = commands.add_parser("train", help="QLoRA training on 4-column files (notebook 03)")
    rows = train.add_mutually_exclusive_group(required=True)
    rows.add_argument("--data", help="folder with train.tsv and dev.tsv (notebook 02, `biss mix`)")
    rows.add_argument("--train", help="a 4-column training file")
    train.add_argument("--dev", help="a 4-column dev file, with --train")
    train.add_argument("--model", required=True, help="hub id or local folder")
    train.add_argument("--quantization", default="4bit", choices=["4bit", "8bit", "none"])
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    add_settings(train, TrainSettings)
    predict = commands.add_parser("predict", help="a trained adapter answers 4-column rows (notebook 04)")
    predict.add_argument("--adapter", help="adapter folder or hub id (default: the latest finished run "
                         "of --model in the course folder)")
    predict.add_argument("--model", help="the base model, hub id or folder (default: the one the "
                         "adapter's config names)")
    predict.add_argument("--input", required=True, help="4-column rows to answer (e.g. dev.tsv)")
    predict.add_argument("--output", required=True, help="the predictions file: the rows, each "
                         "completion in the 4th column")
    predict.add_argument("--train", help="the training rows: each task's longest answer sets its "
                         "budget of new tokens (without it: --max-new-tokens, or 64)")
    predict.add_argument("--quantization", default="auto", choices=["auto", "4bit", "8bit", "none"],
                         help="auto: 4-bit on a GPU, none on a CPU")
    predict.add_argument("--merge", action="store_true", help="merge the adapter into a 16-bit base")
    add_settings(predict, GenerationSettings)
    return main


def run(args) -> dict:
    """The command's one library call; its result is the JSON line."""
    from . import fourcol, mix, models, outputs, tasks, training, workshop

    if args.command == "predict":
        from . import generation, inference

        settings = read_settings(args, generation.GenerationSettings)
        quantization = None if args.quantization == "none" else args.quantization
        result = inference.run(args.input, args.output, settings, args.adapter, args.model, args.train,
                               quantization, args.merge)
        return {**result.summary(), "output": args.output}

    if args.command == "encode":
        task = tasks.get_task(args.task)
        outputs.check_file(args.output, "--output")  # before reading: a bad path costs no work
        examples = task.read(args.input)
        written = fourcol.write(args.output, fourcol.encode(task, examples))
        print(f"{task.name}: {written} rows ({sum(e.gold is not None for e in examples)} with gold) "
              f"-> {args.output}")
        return {"task": task.name, "rows": written}
    if args.command == "mix":
        settings = read_settings(args, mix.MixSettings)
        outputs.check_folder(args.output, "--output")
        data = workshop.build(settings, models.load_tokenizer(args.model), args.max_tokens,
                              args.prompt_style, args.official)
        paths = workshop.write(args.output, data)
        print(data.line())
        return {"train": len(data.train), "dev": len(data.dev), "tasks": len(fourcol.counts(data.train)),
                "files": [str(p) for p in paths]}
    if args.command == "decode":
        report = tasks.submit(args.task, args.predictions, args.reference, args.output)
        print(report.summary())
        return {"task": report.task, "rows": report.rows, "unparsed": report.unparsed,
                "unplaced": len(report.unplaced)}
    if args.command == "evaluate":
        from .tasks import official

        scores = official.score_files(args.task, args.submission, args.gold)
        print(official.table(args.task, scores))
        return {"task": args.task, "metric": tasks.get_task(args.task).metric, "files": scores}
    if args.command == "score":
        from . import evaluation

        if args.resamples < 0:
            raise ValueError(f"--resamples {args.resamples}: give 0 (no intervals) or more")
        result = evaluation.score(args.predictions, args.gold, args.resamples, args.seed)
        print(result.table())
        return result.summary()
    if args.command == "pipeline":
        from . import pipeline

        result = pipeline.run(pipeline.read_config(args.config))
        return result.summary()
    settings = read_settings(args, training.TrainSettings)  # checked first: before any file is read
    if args.data and args.dev:
        raise ValueError("--dev goes with --train: --data reads DIR/train.tsv and DIR/dev.tsv")
    if args.data:
        train_rows, dev_rows = workshop.read_files(args.data)
    else:
        train_rows, dev_rows = fourcol.read(args.train), fourcol.read(args.dev) if args.dev else []
    quantization = None if args.quantization == "none" else args.quantization
    result = training.fine_tune(args.model, train_rows, dev_rows, settings, quantization, args.resume)
    return result.summary()


def _other(args) -> None:
    """The commands that print as they go and end with no JSON line."""
    if args.command == "offline-models":
        from . import tiny, zoo

        zoo.prepare()
        tiny.tokenizer("llama")  # trains in a second; proves `tokenizers` and the corpus work
    elif args.command == "lab1":
        from . import bert

        bert.run(read_settings(args, bert.ClassifierSettings))
    elif args.command == "info":
        from . import env

        env.setup()
    elif args.command == "release":
        from . import release

        if args.check:
            release.check(Path.cwd(), args.version, args.repo)
            print(f"ready to release {args.repo}@{args.version}")
            return
        changed = release.publish(Path.cwd(), args.version, args.repo)
        for name in changed:
            print(f"{name}: updated")
        print(f"{'committed and' if changed else 'nothing to commit;'} tagged {args.version}; "
              f"put both on GitHub: git push origin HEAD {args.version}")
    else:
        from . import notebooks

        for name, changed in notebooks.sync_all(Path.cwd()).items():
            print(f"{name}: {'updated' if changed else 'up to date'}")


def main(argv: list[str] | None = None) -> int:
    """Run one command. A mistake in the arguments or the input files (a bad value, path, row or
    id, a file the OS refuses) ends with exit 2 and one line naming it, never a traceback."""
    args = parser().parse_args(negative_values(sys.argv[1:] if argv is None else argv))
    result = None
    try:
        if args.command in ("encode", "mix", "decode", "evaluate", "score", "train", "predict", "pipeline"):
            result = run(args)
        else:
            _other(args)
    except (KeyError, ValueError, OSError) as error:
        if isinstance(error, KeyError):
            message = error.args[0]
        elif isinstance(error, OSError) and error.filename:  # raised by the OS: say which path
            message = f"{error.filename}: {error.strerror or error}"
        else:
            message = str(error)
        print(f"biss {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the files are whole or untouched, so say so, not a traceback
        print(f"biss {args.command}: interrupted; no file was left half-written"
              + (" (continue with --resume)" if args.command == "train" else ""), file=sys.stderr)
        return 130
    if result is not None and int(os.environ.get("RANK", 0)) == 0:  # under torchrun: the main process
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
