"""Tiny models built in-process in seconds, for unit tests and quick experiments.

A tokenizer is trained with `tokenizers` on the project's own Italian sentences (the Lab 1
sample), and a `LlamaConfig` or `BertConfig` of a few hundred thousand parameters is built on top.
They are real architectures, so every code path that loads a hub model also runs on them.

A freshly initialised LLaMA predicts uniformly; LoRA on top of it has nothing to adapt. `pretrain`
gives it a few seconds of next-token training first, so later fine-tuning shows a falling loss.

>>> tok = tokenizer("llama"); model = llama(tok)  # doctest: +SKIP
>>> losses = pretrain(model, tok)                 # doctest: +SKIP
>>> losses[-1] < losses[0]                        # doctest: +SKIP
True
"""

from __future__ import annotations

from functools import lru_cache

# The chat template of the tiny LLaMA: ChatML, as in SmolLM2 and Qwen.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def corpus() -> list[str]:
    """Every sentence of the bundled Italian sample (train, dev and test), in file order."""
    from . import sentences

    data = sentences.load("topics_it")
    return [s.text for split in (data.train, data.dev, data.test) for s in split]


@lru_cache(maxsize=2)
def tokenizer(kind: str = "llama", vocab_size: int = 1000):
    """A trained fast tokenizer: ``"llama"`` (byte-level BPE, <s> </s> <pad> and ChatML tokens,
    a chat template) or ``"bert"`` (lower-cased WordPiece with [CLS] [SEP] [PAD] [UNK] [MASK])."""
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    if kind == "llama":
        specials = ["<pad>", "<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
        core = Tokenizer(models.BPE(unk_token="<unk>"))
        core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        core.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        core.train_from_iterator(corpus(), trainer)
        core.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", core.token_to_id("<s>"))])
        names = dict(pad_token="<pad>", unk_token="<unk>", bos_token="<s>", eos_token="<|im_end|>")
    elif kind == "bert":
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        core = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        core.normalizer = normalizers.BertNormalizer(lowercase=True)
        core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        core.decoder = decoders.WordPiece()
        core.train_from_iterator(corpus(), trainers.WordPieceTrainer(  # progress would go to stdout
            vocab_size=vocab_size, special_tokens=specials, show_progress=False))
        cls, sep = core.token_to_id("[CLS]"), core.token_to_id("[SEP]")
        core.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
        names = dict(pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                     sep_token="[SEP]", mask_token="[MASK]")
    else:
        raise ValueError(f"unknown tiny tokenizer kind {kind!r}: use 'llama' or 'bert'")
    fast = PreTrainedTokenizerFast(tokenizer_object=core, model_max_length=256, **names)
    if kind == "llama":
        fast.chat_template = CHAT_TEMPLATE
    return fast


def llama(tok=None, seed: int = 0):
    """A LLaMA of about 280k parameters with `tok`'s vocabulary (randomly initialised)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = tok or tokenizer("llama")
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=96, intermediate_size=256, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id)
    return LlamaForCausalLM(config)


ARCHITECTURES = ("llama", "falcon", "qwen2", "gpt_neox")


def causal_lm(kind: str = "llama", tok=None, seed: int = 0):
    """A tiny randomly initialised causal LM of one of `ARCHITECTURES`, with `tok`'s vocabulary:
    the same families a participant may tune on Colab, each with its own layer names.

    >>> type(causal_lm("falcon")).__name__
    'FalconForCausalLM'
    """
    import torch
    from transformers import (
        FalconConfig,
        FalconForCausalLM,
        GPTNeoXConfig,
        GPTNeoXForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    if kind == "llama":
        return llama(tok, seed)
    tok = tok or tokenizer("llama")
    common = dict(vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                  bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(seed)
    if kind == "falcon":  # one fused query_key_value projection, multi-query attention
        return FalconForCausalLM(FalconConfig(**common, new_decoder_architecture=False, multi_query=True))
    if kind == "qwen2":
        return Qwen2ForCausalLM(Qwen2Config(**common, intermediate_size=128, num_key_value_heads=2,
                                            max_position_embeddings=256))
    if kind == "gpt_neox":  # Pythia's architecture: fused query_key_value, dense_h_to_4h, dense_4h_to_h
        return GPTNeoXForCausalLM(GPTNeoXConfig(**common, intermediate_size=128, max_position_embeddings=256))
    raise ValueError(f"unknown architecture {kind!r}: use one of {', '.join(ARCHITECTURES)}")


def bert(tok=None, labels: tuple[str, ...] = ("a", "b"), seed: int = 0):
    """A BERT sentence classifier of about 200k parameters (randomly initialised)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tok = tok or tokenizer("bert")
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tok), hidden_size=96, intermediate_size=192, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=256, pad_token_id=tok.pad_token_id,
        num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)})
    return BertForSequenceClassification(config)


def pretrain(model, tok, texts: list[str] | None = None, steps: int = 300, batch_size: int = 16,
             lr: float = 3e-3, seed: int = 0) -> list[float]:
    """Next-token training of a tiny causal LM on `texts` (default: the corpus). Returns the loss
    of every step; a few seconds on a CPU for the default sizes."""
    import torch

    texts = texts or corpus()
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        picked = torch.randint(len(texts), (batch_size,), generator=generator).tolist()
        batch = tok([texts[i] + tok.eos_token for i in picked], padding=True, truncation=True,
                    max_length=64, return_tensors="pt")
        labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    model.eval()
    return losses
