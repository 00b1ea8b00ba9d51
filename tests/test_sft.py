"""TRL's SFTTrainer next to the course's Trainer: the same tokens trained, the same start, its limits."""

from dataclasses import replace

import pytest

from biss_helpers import collate, models, recipe, sft, tiny, training
from biss_helpers.instructions import Record

pytestmark = pytest.mark.usefixtures("one_thread")

PAIRS = [("gatto", "cat"), ("cane", "dog"), ("", "one"), ("casa rossa", "red house"), ("sole", "sun"),
         ("mare", "sea")]
RECORDS = [Record(f"a-{i}", "alpaca", f"Traduci in inglese la parola numero {i}.", text, answer)
           for i, (text, answer) in enumerate(PAIRS)]


@pytest.fixture
def tok():
    return models.setup_tokenizer(tiny.tokenizer.__wrapped__("llama"))


def settings(tmp_path, style="alpaca_en", **changes):
    given = dict(output_dir=str(tmp_path / "run"), prompt_style=style, max_steps=2, batch_size=2,
                 grad_accum=1, learning_rate=1e-2, eval_steps=2, checkpointing=False,
                 lora=models.LoraSettings(r=4, alpha=8, dropout=0.0))
    return recipe.TrainSettings(**(given | changes))


def test_the_dataset_holds_the_course_prompts_and_the_bare_answers():
    ds = sft.dataset(RECORDS[:1], "phi3")
    assert ds[0] == {"prompt": "<|user|>\nTraduci in inglese la parola numero 0.\n\ngatto\n<|assistant|>\n",
                     "completion": "cat"}


def test_the_config_carries_every_course_setting_not_trls_defaults(tmp_path):
    ours = settings(tmp_path)
    theirs = sft.config(ours)
    expected = recipe.arguments(ours)
    for name in ("learning_rate", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
                 "lr_scheduler_type", "eval_steps", "bf16", "fp16", "gradient_checkpointing", "seed"):
        assert getattr(theirs, name) == getattr(expected, name), name
    assert theirs.completion_only_loss and not theirs.packing and theirs.max_length == ours.max_tokens


@pytest.mark.parametrize("style", ["alpaca_en", "alpaca", "phi3"])
def test_trl_trains_exactly_the_tokens_the_course_collate_trains(tmp_path, tok, style):
    from trl import SFTTrainer

    model = models.add_lora(tiny.llama(tok), models.LoraSettings(r=4, alpha=8))
    ours = settings(tmp_path, style)
    trainer = SFTTrainer(model=model, args=sft.config(ours, False),
                         train_dataset=sft.dataset(RECORDS, style, tok), processing_class=tok)
    examples, _ = collate.tokenize(RECORDS, tok, ours.max_tokens, style)
    assert sft.differences(trainer.train_dataset, examples) == []
    # and the check can fail: the same examples with the prompt trained too differ everywhere
    unmasked, _ = collate.tokenize(RECORDS, tok, ours.max_tokens, style, mask_prompt=False)
    assert sft.differences(trainer.train_dataset, unmasked) == list(range(len(RECORDS)))


def test_a_chat_templated_prompt_gets_a_second_bos_from_trl_where_the_tokenizer_adds_one(tmp_path, tok):
    from trl import SFTTrainer

    trainer = SFTTrainer(model=models.add_lora(tiny.llama(tok), models.LoraSettings(r=4, alpha=8)),
                         args=sft.config(settings(tmp_path, "chat"), False),
                         train_dataset=sft.dataset(RECORDS, "chat", tok), processing_class=tok)
    examples, _ = collate.tokenize(RECORDS, tok, 384, "chat")
    assert sft.differences(trainer.train_dataset, examples) == list(range(len(RECORDS)))
    for theirs, ours in zip(trainer.train_dataset, examples, strict=True):
        assert theirs["input_ids"] == [tok.bos_token_id] + ours["input_ids"]


def test_trl_cuts_answers_and_drops_rows_silently_where_the_course_refuses_them(tmp_path, tok):
    from trl import SFTTrainer

    examples, _ = collate.tokenize(RECORDS, tok, 512, "alpaca_en")
    prompt_lengths = [e["labels"].count(collate.IGNORE) for e in examples]
    limit = min(prompt_lengths) + 1                       # room for one answer token of the shortest
    short = replace(settings(tmp_path), max_tokens=limit)
    with pytest.raises(collate.TooLongError, match="answer is never cut"):
        collate.tokenize(RECORDS, tok, short.max_tokens, "alpaca_en")
    trainer = SFTTrainer(model=models.add_lora(tiny.llama(tok), models.LoraSettings(r=4, alpha=8)),
                         args=sft.config(short, False), train_dataset=sft.dataset(RECORDS, "alpaca_en", tok),
                         processing_class=tok)
    kept = [len(row["input_ids"]) for row in trainer.train_dataset]
    assert len(kept) == prompt_lengths.count(min(prompt_lengths)) < len(RECORDS)   # the others: dropped
    assert kept == [limit] * len(kept)                    # and the answers of those kept: cut to one token
    with pytest.raises(ValueError, match=f"TRL kept {len(kept)} examples of {len(RECORDS)}"):
        sft.differences(trainer.train_dataset, examples)


def test_both_trainers_start_from_the_same_dev_loss_and_stay_close(tmp_path, tok, monkeypatch):
    monkeypatch.delenv("BISS_OFFLINE", raising=False)   # the run as given, no offline scale
    tiny_model = tiny.llama(tok)
    tiny.pretrain(tiny_model, tok, steps=40)
    ours = settings(tmp_path, max_steps=4)

    def fresh():
        import copy

        from biss_helpers import env

        env.seed_everything(ours.seed)
        return models.add_lora(copy.deepcopy(tiny_model), ours.lora)

    run = training.train(fresh(), tok, RECORDS[:4], RECORDS[4:], ours)
    trainer, history = sft.train(fresh(), tok, RECORDS[:4], RECORDS[4:],
                                 replace(ours, output_dir=str(tmp_path / "trl")), stop_after=2)
    course = [row["dev_loss"] for row in run.history if "dev_loss" in row]
    trl = [row["dev_loss"] for row in history if "dev_loss" in row]
    assert trainer.state.global_step == 2 and len(trl) == 2
    assert trl[0] == pytest.approx(course[0], rel=1e-4)        # same tokens, same model: the same loss
    assert trl[1] == pytest.approx(course[1], rel=0.05) and trl[1] < trl[0]
