import re

import pytest

from biss_helpers import bert, monitor, sentences, tiny
from biss_helpers.sentences import Sentence

from .conftest import ROOT


def test_encode_truncates_and_maps_labels():
    tok = tiny.tokenizer("bert")
    rows = bert.encode(tok, [Sentence("1", "una frase " * 50, "b"), Sentence("2", "corta", "a")],
                       {"a": 0, "b": 1}, max_length=16)
    assert [len(r["input_ids"]) for r in rows][0] == 16
    assert [r["labels"] for r in rows] == [1, 0]
    assert set(rows[1]) >= {"input_ids", "attention_mask", "labels"}


def test_epoch_history_joins_train_and_dev_rows():
    log = [{"loss": 1.2, "epoch": 1.0}, {"eval_loss": 1.0, "eval_macro_f1": 0.5,
                                         "eval_accuracy": 0.6, "epoch": 1.0},
           {"loss": 0.8, "epoch": 2.0}, {"eval_loss": 0.9, "eval_macro_f1": 0.7,
                                         "eval_accuracy": 0.8, "epoch": 2.0},
           {"train_runtime": 3.0, "epoch": 2.0}]
    assert monitor.epoch_history(log) == [
        {"epoch": 1, "train_loss": 1.2, "dev_loss": 1.0, "dev_macro_f1": 0.5, "dev_accuracy": 0.6},
        {"epoch": 2, "train_loss": 0.8, "dev_loss": 0.9, "dev_macro_f1": 0.7, "dev_accuracy": 0.8}]


def test_fine_tune_keeps_the_lowest_dev_loss_epoch_and_reloads_identically(tmp_path):
    data = sentences.load("topics_it")
    tok = tiny.tokenizer("bert")
    model = tiny.bert(tok, labels=data.labels)
    settings = bert.ClassifierSettings(epochs=4, patience=4, learning_rate=2e-3, batch_size=32,
                                       max_length=48, output_dir=str(tmp_path / "run"))
    run = bert.fine_tune(model, tok, data, settings)
    assert [row["epoch"] for row in run.history] == [1, 2, 3, 4]
    assert run.history[-1]["train_loss"] < run.history[0]["train_loss"]
    best = min(run.history, key=lambda row: row["dev_loss"])   # the loss is smooth; F1 moves in steps
    assert run.best_epoch == best["epoch"]
    # The model handed back is the kept epoch's, not the last one's.
    dev = bert.evaluate(run.model, tok, data.dev, settings.max_length)
    assert dev.macro_f1 == pytest.approx(best["dev_macro_f1"])

    files = bert.save(run.model, tok, tmp_path / "saved")
    assert "model.safetensors" in files and not [f for f in files if f.endswith(".bin")]
    reloaded, reloaded_tok = bert.load(tmp_path / "saved")
    texts = [s.text for s in data.test]
    assert bert.predict(reloaded, reloaded_tok, texts, 48) == bert.predict(run.model, tok, texts, 48)


def test_sentence_vectors_are_the_cls_position():
    import torch

    tok = tiny.tokenizer("bert")
    model = tiny.bert(tok).eval()
    vectors = bert.sentence_vectors(model, tok, ["uno", "due tre quattro"], batch_size=1)
    batch = tok(["due tre quattro"], return_tensors="pt")
    with torch.no_grad():
        expected = model.base_model(**batch).last_hidden_state[0, 0]
    assert vectors.shape == (2, model.config.hidden_size)
    assert torch.allclose(torch.from_numpy(vectors[1]), expected, atol=1e-5)


def test_unknown_model_offline_is_a_clear_error(offline):
    with pytest.raises(ValueError, match="no offline model stands in for 'nobody/bert'"):
        bert.load_encoder("nobody/bert", ("a", "b"))


def test_lab1_run_beats_the_baseline_and_matches_the_readme(offline, tmp_path):
    """The README's `make lab1` numbers, reproduced with the real offline encoder (MiniLM)."""
    scores = bert.run(bert.ClassifierSettings(output_dir=str(tmp_path)))
    assert scores["test_macro_f1"] > scores["test_majority_macro_f1"] + 0.4
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"dev macro-F1 (\d\.\d{3}) \| test macro-F1 (\d\.\d{3})", readme)
    assert found, "the README must show the numbers `make lab1` prints"
    # Same library versions and seed give the same numbers; the margin covers other CPUs.
    assert scores["dev_macro_f1"] == pytest.approx(float(found[1]), abs=0.03)
    assert scores["test_macro_f1"] == pytest.approx(float(found[2]), abs=0.03)


def test_the_notebook_s_arguments_are_the_helper_s():
    settings = bert.ClassifierSettings(output_dir="runs/x", epochs=3, learning_rate=3e-5)
    args = bert.training_arguments(settings)
    assert args.num_train_epochs == 3 and args.learning_rate == 3e-5
    assert args.per_device_train_batch_size == 16
    assert args.metric_for_best_model == "eval_loss" and not args.greater_is_better
    assert args.load_best_model_at_end and args.eval_strategy.value == args.save_strategy.value == "epoch"


def test_offline_the_stand_in_of_a_hub_model_learns_faster_and_says_so(offline, tmp_path, capsys):
    hub = bert.ClassifierSettings(model="dbmdz/bert-base-italian-xxl-cased")
    assert bert.scaled(hub).learning_rate == bert.OFFLINE_LEARNING_RATE
    assert "offline: the stand-in learns at 0.0005" in capsys.readouterr().out
    local = bert.ClassifierSettings(model=str(tmp_path))        # a folder of one's own: as given
    assert bert.scaled(local) == local
