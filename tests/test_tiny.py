import pytest
import torch

from biss_helpers import tiny


def test_llama_tokenizer_round_trips_italian_and_has_distinct_specials():
    tok = tiny.tokenizer("llama")
    text = "Perché la città è così affollata? Caffè, però!"
    ids = tok(text)["input_ids"]
    assert ids[0] == tok.bos_token_id
    assert tok.decode(ids, skip_special_tokens=True) == text
    assert len({tok.pad_token_id, tok.eos_token_id, tok.bos_token_id}) == 3


def test_llama_tokenizer_chat_template():
    tok = tiny.tokenizer("llama")
    rendered = tok.apply_chat_template([{"role": "user", "content": "Ciao"}],
                                       add_generation_prompt=True, tokenize=False)
    assert rendered == "<|im_start|>user\nCiao<|im_end|>\n<|im_start|>assistant\n"


def test_bert_tokenizer_wraps_in_cls_and_sep():
    tok = tiny.tokenizer("bert")
    tokens = tok.convert_ids_to_tokens(tok("La Pizza")["input_ids"])
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert "pizza" in tok.decode(tok("La Pizza")["input_ids"])


def test_sizes_are_a_few_hundred_thousand_parameters():
    for model in (tiny.llama(), tiny.bert(labels=("a", "b", "c"))):
        count = sum(p.numel() for p in model.parameters())
        assert 100_000 < count < 1_000_000, (type(model).__name__, count)


def test_pretraining_makes_the_loss_fall():
    tok = tiny.tokenizer("llama")
    model = tiny.llama(tok)
    losses = tiny.pretrain(model, tok)  # 300 steps, a few seconds
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.5 * first, (first, last)


def test_tiny_bert_classifies_a_batch():
    tok = tiny.tokenizer("bert")
    model = tiny.bert(tok, labels=("x", "y"))
    batch = tok(["una frase", "due frasi lunghe"], padding=True, return_tensors="pt")
    out = model(**batch, labels=torch.tensor([0, 1]))
    assert out.logits.shape == (2, 2) and out.loss.item() > 0


def test_every_architecture_of_the_course_builds_and_predicts_its_vocabulary():
    tok = tiny.tokenizer("llama")
    for kind in tiny.ARCHITECTURES:
        model = tiny.causal_lm(kind, tok)
        logits = model(torch.tensor([[1, 2, 3]])).logits
        assert logits.shape == (1, 3, len(tok)), kind
    with pytest.raises(ValueError, match="unknown architecture"):
        tiny.causal_lm("mamba")
