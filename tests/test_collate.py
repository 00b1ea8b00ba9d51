"""Training examples and batches: the -100 mask, one EOS, nothing of the answer cut, grouping."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from biss_helpers import collate, fourcol, prompts, tiny
from biss_helpers.collate import IGNORE

ROWS = [
    fourcol.Row("1", "haspeede", "Che bella giornata a Roma", "non_odio"),
    fourcol.Row("2", "acti_a", "Il vaccino contiene un microchip, svegliatevi!", "cospirazione"),
    fourcol.Row("3", "emit_b", "Che rabbia!", "rabbia"),
]


@pytest.fixture(scope="module")
def tok():
    return tiny.tokenizer("llama")


def answer_part(example):
    return [label for label in example["labels"] if label != IGNORE]


def test_prompt_is_masked_and_the_answer_with_one_eos_is_the_target(tok):
    examples, report = collate.tokenize(ROWS, tok, max_tokens=256)
    assert report.rows == report.kept == 3 and not report.skipped
    for row, example in zip(ROWS, examples, strict=True):
        prompt = prompts.row_prompt(row, "alpaca", tok)
        prompt_ids = tok(prompt)["input_ids"]
        n = len(prompt_ids)
        assert example["input_ids"][:n] == prompt_ids
        assert example["labels"][:n] == [IGNORE] * n
        target = answer_part(example)
        assert target == example["input_ids"][n:]          # every answer token is a target
        assert target.count(tok.eos_token_id) == 1 and target[-1] == tok.eos_token_id
        assert tok.decode(target[:-1]) == row.target        # the whole answer, nothing cut


def test_without_prompt_masking_every_token_is_a_target(tok):
    [example], _ = collate.tokenize(ROWS[:1], tok, 256, mask_prompt=False)
    assert example["labels"] == example["input_ids"]


def test_an_answer_that_already_ends_in_eos_gets_no_second_one(tok):
    example = collate.encode_example("Domanda:\n", "sì" + tok.eos_token, tok)
    assert answer_part(example).count(tok.eos_token_id) == 1


def test_chat_style_adds_no_second_bos(tok):
    [example], _ = collate.tokenize(ROWS[:1], tok, 256, style="chat")
    assert example["input_ids"].count(tok.bos_token_id) == 0  # the template writes none for this tokenizer
    assert tok.decode(example["input_ids"]).startswith("<|im_start|>user\n")


def test_padding_is_masked_and_the_eos_stays_a_target_even_when_eos_pads(tok):
    examples, _ = collate.tokenize(ROWS, tok, 256)
    for pad_id in (tok.pad_token_id, tok.eos_token_id):
        batch = collate.Collator(pad_id)(examples)
        longest = max(len(e["input_ids"]) for e in examples)
        assert batch["input_ids"].shape == batch["labels"].shape == (3, longest)
        for i, example in enumerate(examples):
            n = len(example["input_ids"])
            assert batch["attention_mask"][i].tolist() == [1] * n + [0] * (longest - n)
            assert batch["labels"][i, n:].eq(IGNORE).all()
            assert batch["input_ids"][i, n:].eq(pad_id).all()
            assert (batch["labels"][i] == tok.eos_token_id).sum() == 1


def test_pad_to_multiple_of(tok):
    examples, _ = collate.tokenize(ROWS, tok, 256)
    assert collate.Collator(tok.pad_token_id, 64)(examples)["input_ids"].shape[1] % 64 == 0


def test_a_row_that_does_not_fit_is_an_error_naming_it_never_cut(tok):
    long_row = fourcol.Row("lungo-7", "haspeede", "parola " * 400, "odio")
    with pytest.raises(collate.TooLongError, match=r"haspeede lungo-7: \d+ tokens") as error:
        collate.tokenize(ROWS + [long_row], tok, max_tokens=240)
    assert "1 of 4 rows" in str(error.value) and "trim_inputs" in str(error.value)


def test_a_too_long_answer_is_reported_with_its_answer_length(tok):
    row = fourcol.Row("9", "nermud", "Roma", " ".join(["[LOC] Roma"] * 200))
    with pytest.raises(collate.TooLongError, match=r"answer \+ EOS \d+"):
        collate.tokenize([row], tok, max_tokens=128)


def test_skipping_lists_every_row_left_out(tok):
    long_row = fourcol.Row("lungo-7", "haspeede", "parola " * 400, "odio")
    examples, report = collate.tokenize(ROWS + [long_row], tok, 240, too_long="skip")
    assert len(examples) == report.kept == 3 and report.rows == 4
    full = collate.encode_example(prompts.row_prompt(long_row, "alpaca", tok), "odio", tok)
    assert report.skipped == [f"haspeede lungo-7 ({len(full['input_ids'])} tokens)"]
    assert "left out" in report.summary()


def test_empty_data_and_unlabelled_rows_are_clear_errors(tok):
    with pytest.raises(ValueError, match="empty"):
        collate.tokenize([], tok, 256)
    with pytest.raises(ValueError, match="row 2 .*empty target"):
        collate.tokenize([ROWS[0], fourcol.Row("x", "haspeede", "testo", "")], tok, 256)
    with pytest.raises(ValueError, match="too_long"):
        collate.tokenize(ROWS, tok, 256, too_long="cut")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=1, max_size=300), st.integers(1, 16), st.integers(1, 4),
       st.integers(0, 9))
def test_trainer_batches_use_every_row_once_longest_first(sizes, batch_size, grad_accum, seed):
    batches = collate.trainer_batches(sizes, batch_size, grad_accum, seed)
    assert sorted(i for b in batches for i in b) == list(range(len(sizes)))
    assert all(len(b) == batch_size for b in batches[:-1]) and 0 < len(batches[-1]) <= batch_size
    assert max(sizes[i] for i in batches[0]) == max(sizes)   # the longest batch comes first
    assert batches == collate.trainer_batches(sizes, batch_size, grad_accum, seed)  # seeded


def test_trainer_grouping_cuts_padding_against_random_batches():
    import random

    rng = random.Random(0)
    sizes = [rng.choice([rng.randint(40, 90), rng.randint(200, 380)]) for _ in range(1000)]
    grouped = collate.padding_fraction(collate.trainer_batches(sizes, 8, grad_accum=2), sizes)
    at_random = collate.padding_fraction(collate.random_batches(len(sizes), 8), sizes)
    assert grouped < 0.05 < 0.25 < at_random


def test_trainer_batches_are_what_the_trainer_sampler_yields():
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler

    sizes = [5, 50, 7, 48, 30, 6, 49, 31, 8, 29, 51] * 5
    sampler = LengthGroupedSampler(3 * 2, lengths=sizes, generator=torch.Generator().manual_seed(7))
    order = list(sampler)
    assert collate.trainer_batches(sizes, 3, grad_accum=2, seed=7) == [order[i:i + 3]
                                                                       for i in range(0, len(order), 3)]


def test_padding_fraction_by_hand():
    assert collate.padding_fraction([[0, 1]], [2, 4]) == pytest.approx(0.25)  # 2 pads in 8 positions
    assert collate.padding_fraction([[0], [1]], [2, 4]) == 0.0


def test_from_scratch_masks_all_padding_but_the_first_end_token():
    inputs, targets = collate.from_scratch([[1, 2, 3, 4], [5, 6], [7, 8, 9]], end_id=0)
    assert inputs == [[1, 2, 3, 4], [5, 6, 0, 0], [7, 8, 9, 0]]
    assert targets == [[2, 3, 4, 0], [6, 0, IGNORE, IGNORE], [8, 9, 0, IGNORE]]
    # an end token inside an answer is a token like any other: only the padding is found by position
    _, [target] = collate.from_scratch([[1, 0, 2]], end_id=0)
    assert target == [0, 2, 0]


def test_from_scratch_with_the_prompt_masked_trains_what_the_course_collator_trains(tok):
    """The course's labels are not shifted (the model shifts them); the from-scratch targets are:
    the course's labels from position 1 on are the from-scratch targets."""
    rows = [fourcol.Row("1", "haspeede", "Che bella giornata", "non_odio"),
            fourcol.Row("2", "haspeede", "Oggi piove a Roma, che noia questa pioggia", "odio")]
    examples, _ = collate.tokenize(rows, tok, max_tokens=256)
    batch = collate.Collator(tok.pad_token_id)(examples)
    ids = [e["input_ids"][:-1] for e in examples]                   # prompt + answer, without the EOS
    prompt_lengths = [e["labels"].count(IGNORE) for e in examples]
    inputs, targets = collate.from_scratch(ids, tok.eos_token_id, prompt_lengths)
    assert batch["labels"][:, 1:].tolist() == targets
    real = batch["attention_mask"][:, :-1].bool()
    assert batch["input_ids"][:, :-1][real].tolist() == torch.tensor(inputs)[real].tolist()
