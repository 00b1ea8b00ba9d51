"""Lab 1 speed and memory: fine-tune the notebook's encoder once and print one JSON line.

    python bench/lab1_finetune.py [--model ID] [--data NAME]

Offline (BISS_OFFLINE=1, as `make bench` runs it) this times MiniLM on the bundled sample on the
CPU; on a Colab T4 it times the notebook's default, bert-base-italian-xxl on Italian tweets, and
reports peak GPU memory. Progress goes to stderr, the JSON line to stdout.
"""

import argparse
import contextlib
import json
import sys
import tempfile

from biss_helpers import bert

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="dbmdz/bert-base-italian-xxl-cased")
parser.add_argument("--data", default="tweet_sentiment_it")
args = parser.parse_args()

with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(sys.stderr):
    scores = bert.run(bert.ClassifierSettings(model=args.model, data=args.data, output_dir=folder))
print(json.dumps({"bench": "lab1_finetune", "model": args.model, "data": args.data,
                  **{k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}}))
