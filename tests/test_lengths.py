"""Length control: token counts of prompt and answer, per-task statistics, and input trimming that
never cuts an answer (checked with the tiny in-process LLaMA tokenizer, in seconds)."""

import pytest

from biss_helpers import lengths, prompts, tiny
from biss_helpers.fourcol import Row
from biss_helpers.tasks import get_task


@pytest.fixture(scope="module")
def tok():
    return tiny.tokenizer("llama")


def long_text(words: int, seed_word: str = "complotto") -> str:
    return " ".join(f"{seed_word} numero {i} dei vaccini e della Russia" for i in range(words))


def rows():
    return [
        Row("0", "acti_a", "Il vaccino è un piano segreto.", "cospirazione"),
        Row("1", "acti_a", long_text(60), "non_cospirazione"),
        Row("2", "acti_b", long_text(40, "Qanon"), "Terra Piatta"),
        Row("3", "acti_b", "Breve.", "Covid"),
        Row("4", "acti_a", "🙂😡 " * 120, "cospirazione"),  # multi-byte characters: no broken ones
        Row("5", "acti_b", long_text(30), " ".join(["Russia"] * 150)),  # the answer alone is too long
    ]


def test_prompt_lengths_count_prompt_and_answer_with_eos(tok):
    row = rows()[0]
    (length,) = lengths.prompt_lengths([row], tok)
    prompt = prompts.build_prompt(get_task("acti_a").instruction, row.input)
    assert length.prompt == len(tok(prompt)["input_ids"])  # BOS included, as in training
    assert length.target == len(tok(row.target, add_special_tokens=False)["input_ids"]) + 1
    assert length.total == length.prompt + length.target and (length.id, length.task) == ("0", "acti_a")


def test_chat_style_counts_the_template_without_a_second_bos(tok):
    row = rows()[3]
    (length,) = lengths.prompt_lengths([row], tok, style="chat")
    text = prompts.build_prompt(get_task("acti_b").instruction, row.input, style="chat", tokenizer=tok)
    assert text.startswith("<|im_start|>user")
    assert length.prompt == len(tok(text, add_special_tokens=False)["input_ids"])


def test_stats_per_task_and_overall():
    found = [lengths.RowLength(str(i), "a" if i < 20 else "b", i, 1) for i in range(1, 23)]
    table = lengths.stats(found)
    assert table["a"] == {"count": 19, "mean": 11.0, "median": 11, "p95": 20, "max": 20}
    assert table["b"]["count"] == 3 and table["b"]["max"] == 23
    assert table["all"]["count"] == 22 and table["all"]["p95"] == 22
    text = lengths.table(table)
    assert text.splitlines()[0].split() == ["task", "count", "mean", "median", "p95", "max"]
    assert "all" in text


@pytest.mark.parametrize("style", ["alpaca", "chat"])
def test_trim_fits_every_answer_and_touches_only_inputs(tok, style):
    before, max_tokens = rows(), 300
    after, report = lengths.trim_inputs(before, tok, max_tokens, style=style)
    assert [(r.id, r.task, r.target) for r in after] == [(r.id, r.task, r.target) for r in before]
    sizes = lengths.prompt_lengths(after, tok, style)
    for old, new, size in zip(before, after, sizes, strict=True):
        if new.id == "5":
            assert new == old  # flagged, kept as it was
        else:
            assert size.total <= max_tokens
            assert old.input.startswith(new.input) and "\ufffd" not in new.input
    assert after[0] == before[0] and after[3] == before[3]  # short rows untouched
    assert report.trimmed == {"acti_a": 2, "acti_b": 1}
    assert report.too_long == {"acti_b": ["5"]} and report.rows == {"acti_a": 3, "acti_b": 3}
    assert "answer cut even with an empty input: 5" in report.summary()


def test_trim_keeps_as_much_input_as_fits(tok):
    row = rows()[1]
    (trimmed,), report = lengths.trim_inputs([row], tok, 250)
    (size,) = lengths.prompt_lengths([trimmed], tok)
    assert 250 - 3 <= size.total <= 250  # token-exact: at most a token or two of slack
    kept = len(tok(trimmed.input, add_special_tokens=False)["input_ids"])
    assert report.tokens_cut["acti_a"] == len(tok(row.input, add_special_tokens=False)["input_ids"]) - kept


def test_trim_never_leaves_half_a_character(tok):
    """An emoji is several byte-level tokens: a cut between them must not leave a U+FFFD."""
    row = rows()[4]
    for budget in range(200, 216):
        (trimmed,), _ = lengths.trim_inputs([row], tok, budget)
        assert "\ufffd" not in trimmed.input and row.input.startswith(trimmed.input), budget


def test_trim_is_idempotent(tok):
    once, first = lengths.trim_inputs(rows(), tok, 200)
    twice, second = lengths.trim_inputs(once, tok, 200)
    assert twice == once and second.trimmed == {} and second.too_long == first.too_long


def test_budget_that_only_fits_the_bare_prompt_empties_the_input(tok):
    """Alpaca drops the whole ``### Input:`` section for an empty input, so a budget between the
    bare prompt and the prompt with one input token empties the input rather than flagging it."""
    row = rows()[1]
    bare = lengths.prompt_lengths([Row(row.id, row.task, "", row.target)], tok)[0].total
    (trimmed,), report = lengths.trim_inputs([row], tok, bare)
    assert trimmed.input == "" and report.trimmed == {"acti_a": 1} and not report.too_long
    (flagged,), report = lengths.trim_inputs([row], tok, bare - 1)
    assert flagged == row and report.too_long == {"acti_a": ["1"]} and not report.trimmed


def test_histogram_has_one_panel_per_task(tok):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig = lengths.histogram(lengths.prompt_lengths(rows(), tok), max_tokens=300)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 2 and titles[0].startswith("acti_a (3 rows, ")
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_inputs_that_answers_quote_are_never_cut(tok):
    """NERMuD's answer names tokens of its input: a cut input would teach quoting unseen text."""
    quoting = [Row("WN_dev-1", "nermud", long_text(60, "Roma"), "[LOC] Roma"),
               Row("0", "acti_a", "Breve.", "cospirazione")]
    trimmed, report = lengths.trim_inputs(quoting, tok, max_tokens=64)
    assert trimmed == quoting and report.quoting == {"nermud": ["WN_dev-1"]}
    assert "1 over the limit left whole (the answer quotes the input): WN_dev-1" in report.summary()


def test_suggest_max_length_covers_the_quantile_in_multiples_of_8():
    sizes = list(range(1, 101))  # 95% of these fit in 95 tokens
    assert lengths.suggest_max_length(sizes, coverage=0.95) == 96
    assert lengths.suggest_max_length([3, 4, 5]) == 8
    assert lengths.suggest_max_length([900] * 10, limit=512) == 512
