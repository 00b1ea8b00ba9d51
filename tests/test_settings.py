"""Settings checked when they are made (settings): every settings dataclass refuses impossible values
naming the class, the field and the value. Their options: tests/test_cli.py."""

import math

import pytest

from biss_helpers import bert, generation, mix, models, training
from biss_helpers import settings as checks


@pytest.mark.parametrize("value, ok", [(1, True), (7, True), (0, False), (-3, False), (1.5, False),
                                       (True, False), (None, False)])
def test_whole(value, ok):
    assert (checks.whole(1)(value) is None) == ok


def test_whole_also_takes_the_values_named():
    assert checks.whole(1, also=(None,))(None) is None
    assert checks.whole(1, also=(None,))(0) == "must be a whole number >= 1 (or None)"
    assert checks.whole(1, also=(-1,))(-1) is None and checks.whole(1, also=(-1,))(True) is not None
    assert checks.whole(1, also=(-1,))(-2) == "must be a whole number >= 1 (or -1)"


@pytest.mark.parametrize("value, ok", [(2e-4, True), (3, True), (0, False), (-2e-4, False),
                                       (math.nan, False), (math.inf, False), ("1", False)])
def test_positive(value, ok):
    assert (checks.positive(value) is None) == ok


@pytest.mark.parametrize("value, ok", [(0, True), (0.05, True), (0.999, True), (1, False), (-0.1, False),
                                       (math.nan, False)])
def test_share(value, ok):
    assert (checks.share(value) is None) == ok


@pytest.mark.parametrize("cls, field, value", [
    (training.TrainSettings, "batch_size", 0), (training.TrainSettings, "grad_accum", 0),
    (training.TrainSettings, "learning_rate", -2e-4), (training.TrainSettings, "eval_steps", 0),
    (training.TrainSettings, "logging_steps", 0), (training.TrainSettings, "warmup", 1.5),
    (training.TrainSettings, "patience", 0), (training.TrainSettings, "max_tokens", 0),
    (training.TrainSettings, "max_steps", -5),
    (models.LoraSettings, "r", 0), (models.LoraSettings, "dropout", 1.0), (models.LoraSettings, "alpha", 0),
    (mix.MixSettings, "per_task", 0), (mix.MixSettings, "dev_fraction", 1.0), (mix.MixSettings, "seed", -1),
    (bert.ClassifierSettings, "batch_size", 0), (bert.ClassifierSettings, "weight_decay", -0.1),
    (bert.ClassifierSettings, "epochs", 0),
    (training.TrainSettings, "prompt_style", "alpacca"), (training.TrainSettings, "scheduler", "step"),
    (generation.GenerationSettings, "mode", "scored"), (generation.GenerationSettings, "prompt_style", None),
])
def test_every_settings_class_refuses_impossible_values(cls, field, value):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}\.{field} = {value!r}: must be"):
        cls(**{field: value})


def test_defaults_pass():
    for cls in (training.TrainSettings, models.LoraSettings, mix.MixSettings, bert.ClassifierSettings,
                generation.GenerationSettings):
        cls()


def test_a_literal_field_takes_only_its_choices():
    with pytest.raises(ValueError, match="^GenerationSettings.mode = 'scored': must be one of 'auto', "
                                         "'generate', 'score'$"):
        generation.GenerationSettings(mode="scored")
    assert generation.GenerationSettings(mode="score").mode == "score"


def test_training_needs_epochs_or_steps():
    with pytest.raises(ValueError, match=r"^TrainSettings.epochs = -1: must be a finite number > 0$"):
        training.TrainSettings(epochs=-1, max_steps=-1)
    message = r"^TrainSettings.max_steps = 0: must be a whole number >= 1 \(or -1\)$"
    with pytest.raises(ValueError, match=message):
        training.TrainSettings(max_steps=0)
    assert training.TrainSettings(epochs=0, max_steps=10).max_steps == 10  # steps decide: epochs unused


def test_lora_targets_are_names():
    with pytest.raises(ValueError, match=r"^LoraSettings.targets = \[''\]: give layer names, or None$"):
        models.LoraSettings(targets=[""])
