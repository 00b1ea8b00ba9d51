"""The ``biss`` command (also ``python -m biss_helpers``).

    biss offline-models   prepare the offline model zoo (run by `make test` and `make demo`)
    biss demo             Lab 1 end to end: fine-tune, then print dev and test macro-F1
    biss info             what `env.setup` sees on this machine
    biss sync-notebooks   write the canonical setup cell and badges into notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)

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
