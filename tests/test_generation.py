"""Batched generation (`generation`): the same answers as transformers' own ``generate`` one prompt at a
time, in the order given, only the completion, budgets that fit the context, settings checked."""

from contextlib import contextmanager

import pytest
import torch

from biss_helpers import fourcol, generation, inference, prompts, tiny
from biss_helpers.generation import GenerationSettings
from biss_helpers.tasks import get_task

pytestmark = pytest.mark.usefixtures("one_thread")

BUDGETS = [3, 17, 5, 30, 1, 12, 8, 25, 2, 20]   # one per prompt: rows finish at different steps


@pytest.fixture(scope="module")
def model(tok):
    """A tiny LLaMA after a few seconds of pretraining: it writes corpus-like words, and EOS after some."""
    model = tiny.llama(tok)
    tiny.pretrain(model, tok, steps=40, batch_size=8)
    return model


@pytest.fixture(scope="module")
def fresh(tok):
    """An untrained tiny LLaMA, for the tests that force its next token."""
    return tiny.llama(tok, seed=1)


def plain_prompts() -> list[str]:
    """Ten corpus sentence starts of 2 to 8 words: they share only the BOS."""
    corpus = tiny.corpus()
    return [" ".join(corpus[i].split()[: 2 + i % 7]) for i in range(0, 50, 5)]


def alpaca_prompts(tok) -> list[str]:
    """Ten Alpaca prompts of four tasks: they share the template's header, some also an instruction."""
    texts = []
    for name, n in (("haspeede", 3), ("acti_a", 3), ("acti_b", 2), ("hodi_a", 2)):
        task = get_task(name)
        rows = fourcol.encode(task, task.read(task.sample_paths("dev")))[:n]
        texts += [prompts.row_prompt(row, "alpaca", tok) for row in rows]
    return texts


def one_at_a_time(model, tok, texts, budgets):
    """transformers' greedy ``generate``, one prompt at a time: (answers, which ended with EOS)."""
    stops = generation.stop_ids(model, tok)
    answers, stopped = [], []
    for text, budget in zip(texts, budgets, strict=True):
        ids = torch.tensor([prompts.token_ids(text, tok)])
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                 max_new_tokens=budget, eos_token_id=stops, pad_token_id=tok.pad_token_id)
        new = out[0, ids.shape[1]:].tolist()
        assert len(new) <= budget
        stopped.append(new[-1] in stops)
        answers.append(generation.cut(tok.decode(new, skip_special_tokens=True)))
    return answers, stopped


@contextmanager
def forced(model, token_id: int):
    """The model's next token is always `token_id` (a hook on its output layer)."""
    def hook(module, args, output):
        logits = torch.full_like(output, -1e4)
        logits[..., token_id] = 0.0
        return logits

    handle = model.get_output_embeddings().register_forward_hook(hook)
    try:
        yield model
    finally:
        handle.remove()


@pytest.mark.parametrize("kind", ["plain", "alpaca"])
def test_batched_greedy_equals_transformers_one_prompt_at_a_time(model, tok, kind):
    texts = plain_prompts() if kind == "plain" else alpaca_prompts(tok)
    expected, stopped = one_at_a_time(model, tok, texts, BUDGETS)
    if kind == "plain":  # the comparison covers both ends: an EOS and a spent budget
        assert any(stopped) and not all(stopped), stopped
    assert len({len(prompts.token_ids(t, tok)) for t in texts}) > 3    # lengths differ: sorting matters
    got = generation.generate(model, tok, texts, GenerationSettings(batch_size=3), BUDGETS)
    assert got == expected
    assert any(got) and len(set(got)) > 1


def test_the_answers_keep_the_order_of_the_prompts_whatever_the_batches(model, tok):
    texts = plain_prompts()
    first = generation.generate(model, tok, texts, GenerationSettings(batch_size=3), BUDGETS)
    backwards = generation.generate(model, tok, texts[::-1], GenerationSettings(batch_size=3), BUDGETS[::-1])
    assert backwards == first[::-1]
    for size in (1, 4, 16):
        assert generation.generate(model, tok, texts, GenerationSettings(batch_size=size), BUDGETS) == first
    assert generation.generate(model, tok, [texts[3]], max_new_tokens=BUDGETS[3]) == [first[3]]
    assert generation.generate(model, tok, []) == []


def test_batches_are_cut_from_the_prompts_in_token_order(model, tok, monkeypatch):
    """Neighbours in token order share their start (read once) and, for one task, their budget."""
    seen = []
    batch = generation._batch

    def recorded(model, tokenizer, sequences, limits, *rest):
        seen.append([list(s) for s in sequences])
        return batch(model, tokenizer, sequences, limits, *rest)

    monkeypatch.setattr(generation, "_batch", recorded)
    texts = plain_prompts() + alpaca_prompts(tok)
    generation.generate(model, tok, texts, GenerationSettings(batch_size=3), BUDGETS + BUDGETS)
    assert [len(b) for b in seen] == [3] * 6 + [2]
    assert [s for b in seen for s in b] == sorted(prompts.token_ids(t, tok) for t in texts)


def test_a_completion_is_only_the_new_text_never_the_prompt(model, tok):
    for texts in (plain_prompts(), alpaca_prompts(tok)):
        answers = generation.generate(model, tok, texts, max_new_tokens=12)
        for text, answer in zip(texts, answers, strict=True):
            assert text not in answer and not answer.startswith(text.split()[0] + " " + text.split()[1])
            assert "### Risposta:" not in answer and "Di seguito è riportata" not in answer


def test_each_prompt_writes_exactly_its_budget_when_nothing_stops_it(fresh, tok):
    word = tok(" di", add_special_tokens=False)["input_ids"]
    assert len(word) == 1
    with forced(fresh, word[0]):
        answers = generation.generate(fresh, tok, plain_prompts(), GenerationSettings(batch_size=3), BUDGETS)
    assert [a.split() for a in answers] == [["di"] * n for n in BUDGETS]


def test_a_model_that_writes_eos_at_once_answers_the_empty_string(fresh, tok):
    with forced(fresh, tok.eos_token_id):
        assert generation.generate(fresh, tok, plain_prompts(), GenerationSettings(batch_size=3),
                                   BUDGETS) == [""] * len(BUDGETS)
        assert generation.generate(fresh, tok, alpaca_prompts(tok)[:2], max_new_tokens=50) == ["", ""]


def test_every_eos_of_the_model_stops_an_answer(fresh, tok):
    other = tok(" e", add_special_tokens=False)["input_ids"][0]   # a word, not a special token
    saved = fresh.generation_config.eos_token_id
    fresh.generation_config.eos_token_id = [other, tok.eos_token_id]
    try:
        assert generation.stop_ids(fresh, tok) == sorted({other, tok.eos_token_id})
        with forced(fresh, other):
            assert generation.generate(fresh, tok, ["Il gatto", "Oggi"], max_new_tokens=9) == ["", ""]
        assert len(tok(" e", add_special_tokens=False)["input_ids"]) == 1
    finally:
        fresh.generation_config.eos_token_id = saved
    fresh.generation_config.eos_token_id = None
    try:
        assert generation.stop_ids(fresh, tok) == [tok.eos_token_id]
    finally:
        fresh.generation_config.eos_token_id = saved


def test_the_text_after_a_new_template_section_is_cut():
    assert generation.cut(" odio\n### Istruzione:\nDi seguito") == "odio"
    assert generation.cut("  non_odio  ") == "non_odio"
    assert generation.cut("\n### Input:\nx") == ""
    assert generation.cut("a ### b") == "a ### b"   # only a new line that starts a section
    assert generation.cut("### Idiom: odio") == ""     # a heading as the first line, too


def test_budgets_are_the_longest_answer_plus_a_margin_of_8_tokens_at_least(tok):
    long = "[PER] Mario Rossi [LOC] Roma [ORG] Comune di Roma " * 4
    rows = [fourcol.Row("1", "haspeede", "x", "odio"), fourcol.Row("2", "haspeede", "y", "non_odio"),
            fourcol.Row("3", "nermud", "z", long), fourcol.Row("4", "nermud", "w", "[PER] Mario")]

    def size(text):
        return len(tok(text, add_special_tokens=False)["input_ids"]) + 1   # + EOS

    n = size(long)
    assert n > 40                                                         # a margin of over 8 tokens
    assert inference.budgets(rows, tok) == {"haspeede": size("non_odio") + 8, "nermud": n + -(-n // 4)}
    half = inference.budgets(rows, tok, GenerationSettings(margin=0.5))
    assert half == {"haspeede": size("non_odio") + 8, "nermud": n + -(-n // 2)}
    assert inference.budgets(rows, tok, GenerationSettings(max_new_tokens=5)) == {"haspeede": 5, "nermud": 5}
    assert inference.budgets([], tok) == {}


def test_fit_shortens_budgets_to_the_context_and_names_a_prompt_that_fills_it():
    assert generation.fit([10, 90], 20, 100) == [20, 10]
    assert generation.fit([10, 90], [5, 3], 100) == [5, 3]
    assert generation.fit([10, 500], [5, 30], None) == [5, 30]
    assert generation.fit([99], 20, 100) == [1]
    with pytest.raises(ValueError, match=r"^prompt 2: the prompt has 100 tokens.*holds 100"):
        generation.fit([10, 100], 20, 100)
    with pytest.raises(ValueError, match=r"^dev.tsv, row 1 \(id '7'\): the prompt has 120"):
        generation.fit([120], 20, 100, names=["dev.tsv, row 1 (id '7')"])
    with pytest.raises(ValueError, match="2 budgets for 3 prompts"):
        generation.fit([1, 2, 3], [4, 5], 100)


def long_text(tok, at_least: int) -> str:
    """Corpus sentences joined until the prompt has `at_least` tokens."""
    words = " ".join(tiny.corpus()).split()
    for n in range(1, len(words)):
        text = " ".join(words[:n])
        if len(prompts.token_ids(text, tok)) >= at_least:
            return text
    raise AssertionError("the corpus is too short")


def test_a_prompt_that_fills_the_context_is_an_error_naming_it(fresh, tok):
    assert generation.context(fresh) == 256
    long = long_text(tok, 300)
    with pytest.raises(ValueError, match=r"^prompt 1: the prompt has \d+ tokens.*holds 256"):
        generation.generate(fresh, tok, [long], max_new_tokens=4)
    with pytest.raises(ValueError, match="^prompt 2: "):
        generation.generate(fresh, tok, ["Il gatto", long, "Oggi"], max_new_tokens=4)
    n = len(prompts.token_ids("Il gatto", tok))
    fresh.config.max_position_embeddings = n   # exactly full: no room for one token
    try:
        with pytest.raises(ValueError, match=f"^prompt 1: the prompt has {n} tokens"):
            generation.generate(fresh, tok, ["Il gatto"], max_new_tokens=1)
        fresh.config.max_position_embeddings = n + 1
        assert len(generation.generate(fresh, tok, ["Il gatto"], max_new_tokens=5)) == 1
    finally:
        fresh.config.max_position_embeddings = 256


def test_a_budget_that_would_overflow_the_context_is_shortened(fresh, tok, capsys):
    text = long_text(tok, 246)
    n = len(prompts.token_ids(text, tok))
    assert 246 <= n < 256
    word = tok(" di", add_special_tokens=False)["input_ids"][0]
    with forced(fresh, word):
        answers = generation.generate(fresh, tok, ["Il gatto", text], max_new_tokens=20)
    assert "1 of 2 budgets shortened to fit in the model's context of 256 tokens" in capsys.readouterr().out
    assert [len(a.split()) for a in answers] == [20, 256 - n]


def test_sampling_with_a_seed_is_reproducible(model, tok):
    texts = plain_prompts()
    sampled = GenerationSettings(do_sample=True, seed=7, temperature=1.0, top_p=0.95, batch_size=3)
    first = generation.generate(model, tok, texts, sampled, max_new_tokens=15)
    assert generation.generate(model, tok, texts, sampled, max_new_tokens=15) == first
    other = GenerationSettings(do_sample=True, seed=8, temperature=1.0, top_p=0.95, batch_size=3)
    assert generation.generate(model, tok, texts, other, max_new_tokens=15) != first
    greedy = generation.generate(model, tok, texts, max_new_tokens=15)
    assert first != greedy
    # a tiny top_p keeps only the likeliest token: a draw from one token is the greedy answer
    narrow = GenerationSettings(do_sample=True, seed=7, top_p=1e-6, batch_size=3)
    assert generation.generate(model, tok, texts, narrow, max_new_tokens=15) == greedy


def test_serving_puts_the_model_back_as_it_was(tok):
    model = tiny.llama(tok, seed=2)
    model.train()
    with generation.serving(model) as served:
        assert served is model and not model.training and torch.is_inference_mode_enabled()
    assert model.training and not torch.is_inference_mode_enabled()
    model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    with pytest.raises(RuntimeError, match="boom"), generation.serving(model):
        assert not model.is_activation_checkpointing and not model.training
        raise RuntimeError("boom")
    assert model.is_activation_checkpointing and model.training
    generation.generate(model, tok, ["Il gatto"], max_new_tokens=3)
    assert model.is_activation_checkpointing and model.training
    model.activation_checkpointing_disable()
    model.eval()
    with generation.serving(model):
        pass
    assert not model.training


@pytest.mark.parametrize("field, value", [("batch_size", 0), ("top_p", 2), ("top_p", -0.1), ("top_p", 0),
                                          ("temperature", 0), ("max_new_tokens", 0), ("seed", -1),
                                          ("margin", 0), ("batch_size", 2.5)])
def test_settings_refuse_bad_values(field, value):
    with pytest.raises(ValueError, match=f"GenerationSettings.{field} = "):
        GenerationSettings(**{field: value})


def test_settings_defaults_are_greedy_and_automatic():
    settings = GenerationSettings()
    assert settings.mode == "auto" and not settings.do_sample and settings.max_new_tokens is None
    assert GenerationSettings(max_new_tokens=None, top_p=0.5).top_p == 0.5
    assert GenerationSettings(top_p=1.0).top_p == 1.0  # 1: no nucleus cut, every token may be drawn


def test_a_budget_below_one_token_is_refused_naming_the_prompt(model, tok):
    with pytest.raises(ValueError, match="prompt 1: a budget of 0 new tokens"):
        generation.generate(model, tok, ["Il gatto", "Oggi"], max_new_tokens=[0, 5])


def test_an_end_of_text_token_the_tokenizer_has_stops_answers_even_when_it_is_not_its_eos(fresh):
    """A base model ends documents with <|endoftext|> (Falcon, GPT-NeoX) or a chat model a turn with
    <|im_end|>, whatever EOS its tokenizer names: the answer must end there too."""
    tok = tiny.tokenizer.__wrapped__("llama")  # a copy: the cached tokenizer stays as it is
    tok.eos_token = "</s>"                       # its <|im_end|> is now only a special token
    end = tok.convert_tokens_to_ids("<|im_end|>")
    saved, fresh.generation_config.eos_token_id = fresh.generation_config.eos_token_id, None
    try:
        assert generation.stop_ids(fresh, tok) == sorted({end, tok.eos_token_id})
        with forced(fresh, end):
            assert generation.generate(fresh, tok, ["Il gatto", "Oggi"], max_new_tokens=9) == ["", ""]
    finally:
        fresh.generation_config.eos_token_id = saved


def test_a_phi3_style_next_turn_is_cut():
    assert generation.cut("blue\n<|user|>\nAnd now?") == "blue"
    assert generation.cut("blue<|end|>") == "blue"
