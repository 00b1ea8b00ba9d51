"""The batch cache (`kvcache.prefill`): each prompt gives the logits it has alone, a shared start is
read once, positions and masks count real tokens only."""

import pytest
import torch

from biss_helpers import fourcol, generation, kvcache, prompts, tiny
from biss_helpers.tasks import get_task

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model(tok):
    model = tiny.llama(tok)
    tiny.pretrain(model, tok, steps=20, batch_size=8)
    return model


def alpaca_prompts(tok) -> list[str]:
    """Alpaca prompts of three tasks: they share the template's header, a task's also its instruction."""
    texts = []
    for name, n in (("haspeede", 3), ("acti_a", 2), ("hodi_a", 2)):
        task = get_task(name)
        texts += [prompts.row_prompt(row, "alpaca", tok)
                  for row in fourcol.encode(task, task.read(task.sample_paths("dev")))[:n]]
    return texts


def test_prefill_reads_a_shared_start_once(model, tok, monkeypatch):
    texts = alpaca_prompts(tok)[:3]
    sequences = [prompts.token_ids(t, tok) for t in texts]
    fed = []
    forward = model.forward

    def counted(input_ids=None, **kwargs):
        fed.append(input_ids.shape[-1])
        return forward(input_ids=input_ids, **kwargs)

    monkeypatch.setattr(model, "forward", counted)
    with generation.serving(model):
        kvcache.prefill(model, sequences, tok.pad_token_id)
    ordered = sorted(sequences)
    shared = [0] + [kvcache.common_prefix([a, b]) for a, b in zip(ordered, ordered[1:], strict=False)]
    assert shared[1] > 10 and fed == [len(s) - k for s, k in zip(ordered, shared, strict=True)]


def test_prefill_gives_each_prompt_the_logits_it_has_alone(model, tok):
    texts = alpaca_prompts(tok)[:5] + ["Ciao"]
    sequences = [prompts.token_ids(t, tok) for t in texts]
    assert kvcache.common_prefix(sequences) == 1          # "Ciao" shares only the BOS
    for group in (sequences[:5], sequences):
        with generation.serving(model):
            _, logits, mask, position = kvcache.prefill(model, group, tok.pad_token_id)
            for row, ids in enumerate(group):
                alone = model(torch.tensor([ids])).logits[0, -1]
                torch.testing.assert_close(logits[row], alone, atol=1e-4, rtol=1e-4)
        assert position.tolist() == [len(ids) for ids in group]
        assert mask.sum(-1).tolist() == [len(ids) for ids in group]


def test_common_prefix():
    assert kvcache.common_prefix([[1, 2, 3]]) == 3
    assert kvcache.common_prefix([[1, 2, 3], [1, 2, 3]]) == 3
    assert kvcache.common_prefix([[4, 2], [1, 2]]) == 0
    assert kvcache.common_prefix([[1, 2, 3], [1, 2]]) == 2
