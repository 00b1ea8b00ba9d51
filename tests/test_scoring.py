"""Label scoring (`scoring`): the numbers of a full forward pass per label, with the prompt computed
once; always one of the labels; the label greedy generation writes where the model is sure."""

import pytest
import torch

from biss_helpers import fourcol, generation, prompts, scoring, tiny
from biss_helpers.tasks import get_task

pytestmark = pytest.mark.usefixtures("one_thread")

# Of 3 to 7 tokens, and "direzione" is the start of "direzione_argomento": only the EOS tells them apart.
LABELS = ["direzione", "direzione_argomento", "argomento", "non_specificato"]


def classify_prompts() -> list[str]:
    """Eight prompts with one start in common (so the shared prefix is computed once)."""
    corpus = tiny.corpus()
    return [f"Classifica il testo.\nTesto: {corpus[i]}\nRisposta:\n" for i in range(0, 80, 10)]


TARGETS = [LABELS[i % len(LABELS)] for i in range(8)]


@pytest.fixture(scope="module")
def trained(tok):
    """A tiny LLaMA fine-tuned (answer tokens and EOS only) to answer each prompt with its label."""
    model = tiny.llama(tok, seed=3)
    sequences, targets = [], []
    for text, label in zip(classify_prompts(), TARGETS, strict=True):
        prompt = prompts.token_ids(text, tok)
        answer = tok(label, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        sequences.append(prompt + answer)
        targets.append([-100] * len(prompt) + answer)
    width = max(map(len, sequences))
    ids = torch.tensor([s + [tok.pad_token_id] * (width - len(s)) for s in sequences])
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences])
    labels = torch.tensor([t + [-100] * (width - len(t)) for t in targets])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    torch.manual_seed(0)
    model.train()
    for _ in range(60):
        model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    return model


@pytest.fixture(scope="module")
def fresh(tok):
    return tiny.llama(tok, seed=4)


def alpaca_prompts(tok) -> list[str]:
    texts = []
    for name in ("emit_b", "haspeede", "acti_a"):
        task = get_task(name)
        rows = fourcol.encode(task, task.read(task.sample_paths("dev")))[:2]
        texts += [prompts.row_prompt(row, "alpaca", tok) for row in rows]
    return texts


def brute_force(model, tok, text: str, labels) -> torch.Tensor:
    """Each label's log-probability from a full forward pass of prompt + label + EOS."""
    prompt = prompts.token_ids(text, tok)
    scores = []
    for label in labels:
        answer = tok(label, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        with torch.no_grad():
            logits = model(torch.tensor([prompt + answer])).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        scores.append(sum(logp[len(prompt) - 1 + j, t].item() for j, t in enumerate(answer)))
    return torch.tensor(scores)


@pytest.mark.parametrize("which", ["trained", "fresh"])
def test_scores_equal_a_full_forward_pass_of_every_label(which, request, tok):
    model = request.getfixturevalue(which)
    texts = classify_prompts()[:5] + alpaca_prompts(tok)
    labels = [*LABELS, "odio", "sì"]   # "sì" is one token, EOS aside
    sizes = {len(tok(label, add_special_tokens=False)["input_ids"]) for label in labels}
    assert sizes == {1, 3, 7}
    expected = torch.stack([brute_force(model, tok, t, labels) for t in texts])
    sequences = [prompts.token_ids(t, tok) for t in texts]
    ids = scoring.label_ids(tok, labels, tok.eos_token_id)
    with generation.serving(model):
        got = scoring.choice_likelihoods(model, sequences, [ids] * len(sequences), tok.pad_token_id)
    got = torch.stack(got)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-5)
    scored = scoring.score_labels(model, tok, texts, labels, generation.GenerationSettings(batch_size=3))
    for result, row in zip(scored, expected, strict=True):
        wanted = torch.softmax(row, dim=0).tolist()
        assert list(result.probabilities) == labels
        assert list(result.probabilities.values()) == pytest.approx(wanted, abs=1e-4)
        assert result.label == labels[int(row.argmax())]
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)


def test_the_label_of_a_sure_model_is_the_one_greedy_generation_writes(trained, tok):
    texts = classify_prompts()
    written = generation.generate(trained, tok, texts, max_new_tokens=12)
    assert written == TARGETS                 # "direzione" then EOS, where the longer label was not
    scored = scoring.score_labels(trained, tok, texts, LABELS)
    assert [s.label for s in scored] == written
    assert all(s.probabilities[s.label] > 0.9 for s in scored)
    # "direzione" is the likeliest start of "direzione_argomento": without its EOS the short label
    # would take the long one's prompts
    long = [i for i, t in enumerate(TARGETS) if t == "direzione_argomento"]
    assert all(scored[i].probabilities["direzione"] < 0.1 for i in long)


def test_the_answer_is_always_a_label_and_the_order_is_kept(fresh, tok):
    texts = classify_prompts() + alpaca_prompts(tok)
    labels = get_task("emit_b").choices()
    scored = scoring.score_labels(fresh, tok, texts, labels, generation.GenerationSettings(batch_size=4))
    assert len(scored) == len(texts)
    for result in scored:
        assert result.label in labels and set(result.probabilities) == set(labels)
        assert result.label == max(result.probabilities, key=result.probabilities.get)
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert all(0 <= p <= 1 for p in result.probabilities.values())
    four, one = generation.GenerationSettings(batch_size=4), generation.GenerationSettings(batch_size=1)
    backwards = scoring.score_labels(fresh, tok, texts[::-1], labels, four)
    one = scoring.score_labels(fresh, tok, texts, labels, one)
    for a, b, c in zip(scored, backwards[::-1], one, strict=True):
        assert a.label == b.label == c.label
        assert list(a.probabilities.values()) == pytest.approx(list(b.probabilities.values()), abs=1e-5)
        assert list(a.probabilities.values()) == pytest.approx(list(c.probabilities.values()), abs=1e-5)
    shown = repr(scored[0])
    assert shown.startswith(f"Scored({scored[0].label!r}; {scored[0].label}: ")


def test_labels_with_the_same_tokens_are_refused(fresh, tok):
    with pytest.raises(ValueError, match="two labels have the same tokens"):
        scoring.score_labels(fresh, tok, ["Il gatto"], ["odio", "non_odio", "odio"])
    with pytest.raises(ValueError, match="no labels"):
        scoring.score_labels(fresh, tok, ["Il gatto"], [])


def test_a_prompt_with_no_room_for_the_longest_label_is_refused(fresh, tok):
    words = " ".join(tiny.corpus()).split()
    text = next(" ".join(words[:n]) for n in range(1, len(words))
                if len(prompts.token_ids(" ".join(words[:n]), tok)) >= 252)
    with pytest.raises(ValueError, match="^prompt 2: .*holds 256"):
        scoring.score_labels(fresh, tok, ["Il gatto", text], LABELS)   # 7 label tokens + EOS do not fit
    [fits] = scoring.score_labels(fresh, tok, [text], ["sì", "no"])
    assert fits.label in ("sì", "no")


def test_more_labels_than_rows_are_scored_one_prompt_at_a_time(fresh, tok, monkeypatch):
    labels = [f"classe {i}" for i in range(70)]
    assert len(labels) > scoring.ROWS
    texts = classify_prompts()[:3]
    sizes = []
    hook = fresh.register_forward_hook(lambda module, args, kwargs, out: sizes.append(
        (kwargs.get("input_ids") if kwargs.get("input_ids") is not None else args[0]).shape[0]),
        with_kwargs=True)
    try:
        scored = scoring.score_labels(fresh, tok, texts, labels)
    finally:
        hook.remove()
    assert max(sizes) == len(labels)   # one prompt's 70 label rows per pass: a prompt is never split
    for text, result in zip(texts, scored, strict=True):
        wanted = torch.softmax(brute_force(fresh, tok, text, labels), dim=0).tolist()
        assert list(result.probabilities.values()) == pytest.approx(wanted, abs=1e-4)
        assert result.label in labels
    monkeypatch.setattr(scoring, "ROWS", 10_000)     # all prompts in one pass: the same numbers
    together = scoring.score_labels(fresh, tok, texts, labels)
    for a, b in zip(scored, together, strict=True):
        assert a.label == b.label
        assert list(a.probabilities.values()) == pytest.approx(list(b.probabilities.values()), abs=1e-5)


def test_a_batch_holds_at_most_rows_label_rows(fresh, tok):
    labels = [f"classe {i}" for i in range(12)]
    sizes = []
    hook = fresh.register_forward_hook(lambda module, args, kwargs, out: sizes.append(
        (kwargs.get("input_ids") if kwargs.get("input_ids") is not None else args[0]).shape[0]),
        with_kwargs=True)
    try:
        scored = scoring.score_labels(fresh, tok, classify_prompts(), labels)
    finally:
        hook.remove()
    assert len(scored) == 8 and max(sizes) == (scoring.ROWS // len(labels)) * len(labels)


def test_prompts_of_different_tasks_share_a_batch_each_with_its_own_labels(fresh, tok):
    texts = alpaca_prompts(tok)
    two, four = ["odio", "non_odio"], LABELS
    choices = [two if i % 2 else four for i in range(len(texts))]
    mixed = scoring.score_choices(fresh, tok, texts, choices, generation.GenerationSettings(batch_size=16))
    for i, (text, labels) in enumerate(zip(texts, choices, strict=True)):
        assert set(mixed[i].probabilities) == set(labels) and mixed[i].label in labels
        expected = torch.softmax(brute_force(fresh, tok, text, labels), dim=-1)
        torch.testing.assert_close(torch.tensor([mixed[i].probabilities[label] for label in labels]),
                                   expected, atol=1e-4, rtol=1e-4)
