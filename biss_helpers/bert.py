"""Lab 1: fine-tune a BERT-style encoder for sentence classification, the right way.

Train on train, pick the epoch and stop early on dev (its loss), and touch test once at the end. Everything
is seeded. Works with any encoder `AutoModelForSequenceClassification` knows (BERT, RoBERTa,
XLM-R, DistilBERT, ...); offline the hub id is replaced by all-MiniLM-L6-v2 (see `env`).

>>> from biss_helpers import bert, sentences
>>> settings = bert.ClassifierSettings(model="dbmdz/bert-base-italian-xxl-cased")
>>> data = sentences.load("topics_it")
>>> model, tokenizer = bert.load_encoder(settings.model, data.labels)  # doctest: +SKIP
>>> run = bert.fine_tune(model, tokenizer, data, settings)            # doctest: +SKIP
>>> bert.evaluate(run.model, tokenizer, data.test, settings.max_length).macro_f1  # doctest: +SKIP
0.9...
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import env, monitor
from .settings import check, not_negative, positive, share, whole

OFFLINE_LEARNING_RATE = 5e-4  # the offline MiniLM's: its dev loss turns up within 8 epochs


@dataclass
class ClassifierSettings:
    """Workshop defaults: a few minutes on a Colab T4 with bert-base, about a minute on a CPU
    with the offline MiniLM. Each field is also an option of ``biss lab1``."""

    model: str = "dbmdz/bert-base-italian-xxl-cased"  # hub id or local folder of the encoder
    data: str = "tweet_sentiment_it"  # a dataset name (sentences.load) or a folder of train/dev/test
    max_length: int = 128             # tokens per sentence; longer ones are cut
    epochs: int = 8                   # at most: early stopping usually ends sooner
    batch_size: int = 16              # sentences per step
    learning_rate: float = 5e-5       # peak learning rate, after warm-up
    weight_decay: float = 0.01        # AdamW's decoupled weight decay
    warmup: float = 0.1               # share of the training steps
    patience: int = 2                 # epochs without a lower dev loss before stopping
    seed: int = 42                    # head initialisation, data order, dropout
    output_dir: str = "runs/lab1"     # checkpoints of the run

    def __post_init__(self):
        check(self, max_length=whole(8), epochs=whole(1), batch_size=whole(1), learning_rate=positive,
              weight_decay=not_negative, warmup=share, patience=whole(1), seed=whole(0))


@dataclass
class FineTuned:
    model: object
    history: list[dict]  # one row per epoch: train_loss, dev_loss, dev_macro_f1
    best_epoch: int
    seconds: float
    peak_gpu_gb: float | None


@dataclass
class Scores:
    macro_f1: float
    accuracy: float
    predictions: list[str]
    report: str
    confusion: object = field(repr=False)  # rows: gold label, columns: predicted


def load_encoder(name: str, labels):
    """Tokenizer and `AutoModelForSequenceClassification` for `labels` (a fresh, random head)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = env.resolve_model(name)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)})
    return model, tokenizer


def encode(tokenizer, sentences, label2id, max_length: int) -> list[dict]:
    """Token ids plus the label id for each sentence; padding is left to the collator."""
    encoded = tokenizer([s.text for s in sentences], truncation=True, max_length=max_length)
    rows = [dict(zip(encoded.keys(), values, strict=True)) for values in zip(*encoded.values(), strict=True)]
    for row, sentence in zip(rows, sentences, strict=True):
        row["labels"] = label2id[sentence.label]
    return rows


def dev_metrics(prediction):
    """The Trainer's `compute_metrics`: dev macro-F1 and accuracy from (logits, gold label ids)."""
    from sklearn.metrics import accuracy_score, f1_score

    logits, gold = prediction
    predicted = logits.argmax(-1)
    return {"macro_f1": f1_score(gold, predicted, average="macro"),
            "accuracy": accuracy_score(gold, predicted)}


def training_arguments(settings: ClassifierSettings):
    """The `TrainingArguments` of Lab 1 (notebook 01 builds the same by hand): evaluate and save
    every epoch, keep the epoch with the lowest dev loss, linear decay after warm-up, fp16 on a T4."""
    import torch
    from transformers import TrainingArguments

    precision = env.precision()
    return TrainingArguments(
        output_dir=settings.output_dir, num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size, per_device_eval_batch_size=2 * settings.batch_size,
        learning_rate=settings.learning_rate, weight_decay=settings.weight_decay,
        warmup_steps=settings.warmup, lr_scheduler_type="linear",
        eval_strategy="epoch", save_strategy="epoch", logging_strategy="epoch",
        load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False,
        save_total_limit=1, save_only_model=True, seed=settings.seed, data_seed=settings.seed,
        fp16=precision == "fp16", bf16=precision == "bf16", report_to="none",
        dataloader_pin_memory=torch.cuda.is_available())


def trainer(model, tokenizer, data, settings: ClassifierSettings):
    """The `Trainer` of Lab 1 (notebook 01 builds the same by hand): the sentences tokenized (padding
    left to the collator, batch by batch), dev scored every epoch, early stopping on the dev loss."""
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer

    label2id = model.config.label2id
    return Trainer(
        model=model, args=training_arguments(settings), processing_class=tokenizer,
        train_dataset=encode(tokenizer, data.train, label2id, settings.max_length),
        eval_dataset=encode(tokenizer, data.dev, label2id, settings.max_length),
        data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=dev_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=settings.patience)])


def scaled(settings: ClassifierSettings) -> ClassifierSettings:
    """`settings` for this machine: offline, the stand-in of a hub model (MiniLM: small, English-only,
    240 sample sentences) learns at `OFFLINE_LEARNING_RATE`, where the hub models' 5e-5 would barely
    move it in 8 epochs; it says so. Online, or with a local model folder, unchanged."""
    if not env.offline() or Path(settings.model).is_dir() or settings.learning_rate >= OFFLINE_LEARNING_RATE:
        return settings
    print(f"offline: the stand-in learns at {OFFLINE_LEARNING_RATE:g}, not {settings.learning_rate:g}")
    return replace(settings, learning_rate=OFFLINE_LEARNING_RATE)


def fine_tune(model, tokenizer, data, settings: ClassifierSettings) -> FineTuned:
    """Train with the `trainer` (offline: `scaled` first): evaluate on dev after every epoch, keep
    the epoch with the lowest dev loss, stop after `settings.patience` epochs without a lower one.
    Dev macro-F1 is reported too; on a small dev set it moves in steps of one sentence."""
    import torch

    built = trainer(model, tokenizer, data, scaled(settings))
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    built.train()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
    history = monitor.epoch_history(built.state.log_history)
    best = min(history, key=lambda row: row["dev_loss"])["epoch"]
    built.model.eval()
    return FineTuned(built.model, history, best, seconds, peak)


def _batches(tokenizer, texts, max_length, batch_size, device):
    texts = list(texts)
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(texts[start:start + batch_size], truncation=True, padding=True,
                          max_length=max_length, return_tensors="pt")
        yield batch.to(device)


def predict(model, tokenizer, texts, max_length: int = 128, batch_size: int = 64) -> list[str]:
    """Predicted label for each text, in order."""
    import torch

    model.eval()
    labels = []
    with torch.no_grad():
        for batch in _batches(tokenizer, texts, max_length, batch_size, model.device):
            ids = model(**batch).logits.argmax(-1).tolist()
            labels += [model.config.id2label[i] for i in ids]
    return labels


def evaluate(model, tokenizer, sentences, max_length: int = 128) -> Scores:
    """Macro-F1, accuracy, a classification report and the confusion matrix on `sentences`."""
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    gold = [s.label for s in sentences]
    predicted = predict(model, tokenizer, [s.text for s in sentences], max_length)
    return Scores(
        macro_f1=f1_score(gold, predicted, labels=names, average="macro", zero_division=0),
        accuracy=accuracy_score(gold, predicted), predictions=predicted,
        report=classification_report(gold, predicted, labels=names, digits=3, zero_division=0),
        confusion=confusion_matrix(gold, predicted, labels=names))


def sentence_vectors(model, tokenizer, texts, max_length: int = 128, batch_size: int = 64):
    """The [CLS] vector of the last layer for each text (what the classification head reads),
    as a NumPy array of shape (len(texts), hidden_size)."""
    import numpy as np
    import torch

    model.eval()
    chunks = []
    with torch.no_grad():
        for batch in _batches(tokenizer, texts, max_length, batch_size, model.device):
            hidden = model.base_model(**batch).last_hidden_state
            chunks.append(hidden[:, 0].float().cpu().numpy())
    return np.concatenate(chunks)


def save(model, tokenizer, folder) -> list[str]:
    """`save_pretrained` (safetensors, no pickles) for model and tokenizer; returns the files."""
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return sorted(p.name for p in folder.iterdir())


def run(settings: ClassifierSettings | None = None) -> dict:
    """Lab 1 end to end, as notebook 01 runs it (`make lab1`, `bench/lab1_finetune.py`): dev and test
    macro-F1, the test score of the majority baseline, training time, peak GPU memory, the device."""
    from . import metrics, sentences

    settings = settings or ClassifierSettings()
    runtime = env.setup(settings.seed)
    data = sentences.load(settings.data)
    print(data.summary())
    model, tokenizer = load_encoder(settings.model, data.labels)
    tuned = fine_tune(model, tokenizer, data, settings)
    dev, test = (evaluate(tuned.model, tokenizer, part, settings.max_length)
                 for part in (data.dev, data.test))
    majority = sentences.majority_label(data.train)
    baseline = metrics.macro_f1([s.label for s in data.test], [majority] * len(data.test))
    print(f"kept epoch {tuned.best_epoch} of {len(tuned.history)} (lowest dev loss), {tuned.seconds:.0f} s "
          f"of training\ndev macro-F1 {dev.macro_f1:.3f} | test macro-F1 {test.macro_f1:.3f} | test "
          f"majority baseline {baseline:.3f}")
    return {"dev_macro_f1": dev.macro_f1, "test_macro_f1": test.macro_f1, "test_majority_macro_f1": baseline,
            "train_seconds": tuned.seconds, "peak_gpu_gb": tuned.peak_gpu_gb, "best_epoch": tuned.best_epoch,
            "device": runtime.gpu or "cpu", "offline": runtime.offline}


def load(folder):
    """Reload what `save` wrote: (model in eval mode, tokenizer)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    return model, AutoTokenizer.from_pretrained(folder)
