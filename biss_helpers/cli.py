"""The ``biss`` command (also ``python -m biss_helpers``).

    biss offline-models   prepare the offline model zoo (run by `make test` and `make demo`)
    biss demo             Lab 1 end to end: fine-tune, then print dev and test macro-F1
    biss info             what `env.setup` sees on this machine
    biss sync-notebooks   write the canonical setup cell and badges into notebooks/*.ipynb
    biss encode    --task TASK --input PATH [PATH ...] --output OUT.tsv
    biss decode    --task TASK --predictions PRED.tsv [--reference PATH ...] --output OUT
    biss evaluate  --task TASK --submission PATH --gold PATH [PATH ...]
    biss train     --train train.tsv [--dev dev.tsv] --model ID --output DIR [settings]

train runs under nohup, and under torchrun or accelerate launch on several GPUs with the same code.

encode, decode and evaluate print one JSON object as their last line of output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def demo(model: str, data: str, output_dir: str) -> dict:
    """Lab 1 as one run with the settings of notebook 01: dev and test scores, the baseline,
    training time, peak GPU memory and the device."""
    from . import bert, env, sentences

    settings = bert.ClassifierSettings(model=model, data=data, output_dir=output_dir)
    runtime = env.setup(settings.seed)
    splits = sentences.load(settings.data)
    print(splits.summary())
    model_, tokenizer = bert.load_encoder(settings.model, splits.labels)
    run = bert.fine_tune(model_, tokenizer, splits, settings)
    from sklearn.metrics import f1_score

    majority = sentences.majority_label(splits.train)
    gold = [s.label for s in splits.test]
    scores = {
        "dev_macro_f1": bert.evaluate(run.model, tokenizer, splits.dev, settings.max_length).macro_f1,
        "test_macro_f1": bert.evaluate(run.model, tokenizer, splits.test, settings.max_length).macro_f1,
        "test_majority_macro_f1": f1_score(gold, [majority] * len(gold), average="macro"),
        "train_seconds": run.seconds, "peak_gpu_gb": run.peak_gpu_gb, "best_epoch": run.best_epoch,
        "device": runtime.gpu or "cpu", "offline": runtime.offline,
    }
    print(f"kept epoch {run.best_epoch} of {len(run.history)} (best dev macro-F1), "
          f"{run.seconds:.0f} s of training")
    print(f"dev macro-F1 {scores['dev_macro_f1']:.3f} | test macro-F1 {scores['test_macro_f1']:.3f}"
          f" | test majority baseline {scores['test_majority_macro_f1']:.3f}")
    return scores


def encode(task_name: str, inputs: list[str], output: str) -> dict:
    """Official file(s) -> the 4-column file (target empty where the input has no gold)."""
    from . import fourcol, tasks

    task = tasks.get_task(task_name)
    examples = task.read(inputs)
    written = fourcol.write(output, fourcol.encode(task, examples))
    labelled = sum(e.gold is not None for e in examples)
    print(f"{task.name}: {written} rows ({labelled} with gold) -> {output}")
    return {"task": task.name, "rows": written}


def decode(task_name: str, predictions: str, reference: list[str] | None, output: str) -> dict:
    """A 4-column file whose 4th column is the model's completion -> the official submission
    (with `reference`) or an ``id<TAB>prediction`` file. Rows of other tasks are skipped and
    counted; completions that do not parse get the task's fallback and are counted."""
    from . import fourcol, tasks

    task = tasks.get_task(task_name)
    rows = fourcol.read(predictions)
    mine = [row for row in rows if row.task == task.name]
    if len(mine) < len(rows):
        print(f"{predictions}: {len(rows) - len(mine)} rows of other tasks skipped "
              f"({', '.join(k for k in fourcol.counts(rows) if k != task.name)})")
    if not mine:
        raise ValueError(f"{predictions}: no row of task {task.name}")
    # Only tasks whose answers point into the input (tokens, offsets) need the examples here;
    # the others read the reference in `write_submission` alone (it may hold ids only).
    if task.needs_example and not reference:
        raise ValueError(f"{task.name} answers are placed in their input: give --reference (the "
                         f"official test or gold file)")
    examples = {e.id: e for e in task.read(reference)} if task.needs_example else {}
    unknown = [row.id for row in mine if task.needs_example and row.id not in examples]
    if unknown:
        raise ValueError(f"{predictions}: {len(unknown)} ids are not in the reference "
                         f"(first: {unknown[0]!r})")
    decoded = [task.decode(row.target, examples.get(row.id)) for row in mine]
    unparsed = sum(not d.parsed for d in decoded)
    unplaced = [piece for d in decoded for piece in d.unplaced]
    if unplaced:  # answers that quote text the input does not hold: left out, but never silently
        print(f"{task.name}: {len(unplaced)} answer parts are not in their input and were left out "
              f"(first: {unplaced[0]!r})")
    ids, values = [row.id for row in mine], [d.prediction for d in decoded]
    if reference:
        written = task.write_submission(ids, values, reference, output)
    else:
        from .tasks.files import write_table

        written = [write_table(output, None, [[i, task.show(v)] for i, v in zip(ids, values, strict=True)],
                               delimiter="\t", quoted=False)]
    print(f"{task.name}: {len(mine)} completions, {unparsed} did not parse (fallback "
          f"{task.show(task.fallback)!r}) -> {', '.join(map(str, written))}")
    return {"task": task.name, "rows": len(mine), "unparsed": unparsed}


def evaluate(task_name: str, submission: str, gold: list[str]) -> dict:
    """The official metric(s) of a submission against the gold file(s)."""
    from . import tasks

    task = tasks.get_task(task_name)
    return {"task": task.name, **task.score(submission, gold)}


def train(args) -> dict:
    """QLoRA training from the 4-column files: the settings of notebook 03, from the command line."""
    from . import env, fourcol, models, training

    settings = training.TrainSettings(
        output_dir=args.output, epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size,
        grad_accum=args.grad_accum, learning_rate=args.learning_rate, max_tokens=args.max_tokens,
        prompt_style=args.style, too_long=args.too_long, eval_steps=args.eval_steps,
        logging_steps=args.logging_steps, patience=args.patience, seed=args.seed,
        lora=models.LoraSettings(r=args.lora_r, alpha=args.lora_alpha))
    env.setup(settings.seed)
    train_rows = fourcol.read(args.train)
    dev_rows = fourcol.read(args.dev) if args.dev else []
    quantization = None if args.quantization == "none" else args.quantization
    model, tokenizer = models.load_model(args.model, quantization)
    model = models.add_lora(model, settings.lora)
    run = training.train(model, tokenizer, train_rows, dev_rows, settings, resume=args.resume)
    dev = [row["dev_loss"] for row in run.history if "dev_loss" in row]
    return {"adapter": str(run.adapter_dir), "best_step": run.best_step,
            "first_dev_loss": dev[0] if dev else None, "best_dev_loss": min(dev) if dev else None,
            "seconds": round(run.seconds, 1), "tokens_per_second": round(run.tokens_per_second, 1),
            "peak_gpu_gb": run.peak_gpu_gb, "padding_fraction": [round(f, 4) for f in run.padding]}


def _train_parser(commands) -> None:
    from .training import TrainSettings

    defaults = TrainSettings()
    run = commands.add_parser("train", help="QLoRA training on 4-column files (notebook 03)")
    run.add_argument("--train", required=True, help="4-column training file")
    run.add_argument("--dev", help="4-column dev file (evaluation, early stopping, best checkpoint)")
    run.add_argument("--model", required=True, help="hub id or local folder")
    run.add_argument("--output", required=True, help="checkpoints, then the adapter in OUTPUT/adapter")
    run.add_argument("--quantization", default="4bit", choices=["4bit", "8bit", "none"])
    run.add_argument("--resume", action="store_true", help="continue from the last checkpoint in OUTPUT")
    for name in ("epochs", "max_steps", "batch_size", "grad_accum", "learning_rate", "max_tokens",
                 "eval_steps", "logging_steps", "patience", "seed"):
        value = getattr(defaults, name)
        run.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    run.add_argument("--style", default=defaults.prompt_style, choices=["alpaca", "chat"])
    run.add_argument("--too-long", default=defaults.too_long, choices=["error", "skip"])
    run.add_argument("--lora-r", type=int, default=defaults.lora.r)
    run.add_argument("--lora-alpha", type=int, default=defaults.lora.alpha)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="biss", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("offline-models", help="prepare the offline model zoo")
    run_demo = commands.add_parser("demo", help="Lab 1 end to end, printing dev and test macro-F1")
    run_demo.add_argument("--model", default="dbmdz/bert-base-italian-xxl-cased")
    run_demo.add_argument("--data", default="tweet_sentiment_it")
    run_demo.add_argument("--output-dir", default="runs/demo")
    commands.add_parser("info", help="print what env.setup sees")
    commands.add_parser("sync-notebooks", help="canonical setup cell and badges in notebooks/")
    run_encode = commands.add_parser("encode", help="official EVALITA file(s) -> 4-column file")
    run_encode.add_argument("--task", required=True)
    run_encode.add_argument("--input", required=True, nargs="+")
    run_encode.add_argument("--output", required=True)
    run_decode = commands.add_parser("decode", help="4-column completions -> official submission")
    run_decode.add_argument("--task", required=True)
    run_decode.add_argument("--predictions", required=True)
    run_decode.add_argument("--reference", nargs="+")
    run_decode.add_argument("--output", required=True)
    run_evaluate = commands.add_parser("evaluate", help="score a submission against gold file(s)")
    run_evaluate.add_argument("--task", required=True)
    run_evaluate.add_argument("--submission", required=True)
    run_evaluate.add_argument("--gold", required=True, nargs="+")
    _train_parser(commands)
    args = parser.parse_args(argv)

    if args.command in ("encode", "decode", "evaluate", "train"):
        try:
            if args.command == "encode":
                result = encode(args.task, args.input, args.output)
            elif args.command == "decode":
                result = decode(args.task, args.predictions, args.reference, args.output)
            elif args.command == "train":
                result = train(args)
            else:
                result = evaluate(args.task, args.submission, args.gold)
        except (KeyError, ValueError, FileNotFoundError) as error:
            # a clear one-line message (file, line, problem), not a traceback
            message = error.args[0] if isinstance(error, KeyError) else str(error)
            print(f"biss {args.command}: {message}", file=sys.stderr)
            return 2
        if int(os.environ.get("RANK", 0)) == 0:  # under torchrun, one JSON line, from the main process
            print(json.dumps(result, ensure_ascii=False))
        return 0

    if args.command == "offline-models":
        from . import tiny, zoo

        zoo.prepare()
        tiny.tokenizer("llama")  # trains in a second; proves `tokenizers` and the corpus work
    elif args.command == "demo":
        demo(args.model, args.data, args.output_dir)
    elif args.command == "info":
        from . import env

        env.setup()
    elif args.command == "sync-notebooks":
        from . import notebooks

        root = Path.cwd()
        for path in sorted((root / "notebooks").glob("*.ipynb")):
            print(f"{path.name}: {'updated' if notebooks.sync(path, root) else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
