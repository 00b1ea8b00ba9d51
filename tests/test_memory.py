"""The GPU-memory preflight: counts on the meta device, estimates against loaded models, advice."""

import pytest
import torch

from biss_helpers import memory, monitor, tiny


def llama_config(hidden=2048, intermediate=8192, layers=16, heads=32, vocab=128256, tied=True):
    from transformers import LlamaConfig

    return LlamaConfig(hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=layers,
                       num_attention_heads=heads, num_key_value_heads=8, vocab_size=vocab,
                       tie_word_embeddings=tied)


@pytest.fixture(scope="module")
def llama_1b():
    return memory.count_parameters(llama_config())


def test_meta_count_equals_a_real_tiny_llama_with_tied_embeddings_once():
    model = tiny.llama(tiny.tokenizer("llama"))
    assert model.lm_head.weight is model.model.embed_tokens.weight
    count = memory.count_parameters(model.config)
    assert count.total == sum(p.numel() for p in model.parameters())
    linear = sum(m.weight.numel() for m in model.modules()
                 if isinstance(m, torch.nn.Linear) and m is not model.lm_head)
    assert count.linear == linear and count.linear > 0
    assert (count.layers, count.hidden, count.vocab) == (2, 96, len(tiny.tokenizer("llama")))
    assert len(count.linears) == 7 * 2 and ("q_proj", 96, 96) in count.linears
    untied = memory.count_parameters(model.config.__class__(**{**model.config.to_dict(),
                                                               "tie_word_embeddings": False}))
    assert untied.total == count.total + count.vocab * count.hidden and untied.linear == count.linear


def test_known_size_of_llama_3_2_1b(llama_1b):
    assert llama_1b.total == 1_235_814_400  # the published parameter count of Llama 3.2 1B
    assert llama_1b.other == 128256 * 2048 + 16 * 2 * 2048 + 2048  # embeddings and RMSNorms


def test_nf4_double_quant_estimate_matches_smollm2_loaded_in_4_bit(offline):
    pytest.importorskip("bitsandbytes")
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from biss_helpers import zoo

    count = memory.count_parameters("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert count.layers == 30 and count.vocab == 49152
    quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                      bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.float32)
    model = AutoModelForCausalLM.from_pretrained(zoo.path("smollm2"), quantization_config=quantization,
                                                 dtype=torch.float32, device_map="cpu")
    packed = [p for p in model.parameters() if hasattr(p, "quant_state")]
    assert count.linear == 2 * sum(p.numel() for p in packed)  # two 4-bit codes per stored byte
    assert count.other == sum(p.numel() for p in model.parameters() if not hasattr(p, "quant_state"))
    # On a CPU with an fp32 compute dtype the unquantised parameters stay fp32: 4 bytes each.
    estimated = memory.estimate(count, max_tokens=64, batch_size=1, compute_bytes=4).weights
    footprint = model.get_memory_footprint() / 2**30
    assert abs(estimated - footprint) / footprint < 0.10
    # get_memory_footprint leaves out the quantisation constants; with them the estimate is close.
    measured = monitor.measured_weights_gb(model)
    assert measured > footprint and abs(estimated - measured) / measured < 0.01


def test_lora_count_equals_peft_trainable_parameters():
    from peft import LoraConfig, get_peft_model

    model = tiny.llama(tiny.tokenizer("llama"))
    count = memory.count_parameters(model.config)
    peft_model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear",
                                                  task_type="CAUSAL_LM"))
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    assert count.lora_params(16) == trainable
    assert memory.estimate(count, 64, 1).lora_params == trainable
    assert 0 < count.lora_params(16, ["q_proj", "v_proj"]) < trainable
    with pytest.raises(ValueError, match="q_proj"):
        count.lora_params(16, ["query"])


def test_weights_table_orders_the_formats(llama_1b):
    rows = memory.weights_table(llama_1b)
    sizes = [row["gb"] for row in rows]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == pytest.approx(2 * sizes[1])
    assert sizes[0] == pytest.approx(llama_1b.total * 4 / 2**30)
    assert "nf4 + double quant" in memory.format_table(rows)


def test_logits_grow_linearly_with_batch_and_vocab(llama_1b):
    one, four = memory.estimate(llama_1b, 384, 1), memory.estimate(llama_1b, 384, 4)
    assert four.logits == pytest.approx(4 * one.logits)
    small = memory.count_parameters(llama_config(vocab=32064))
    assert memory.estimate(small, 384, 4).logits == pytest.approx(four.logits * 32064 / 128256)
    assert four.logits > four.weights + four.lora + four.activations  # the 128k vocabulary dominates


def test_options_change_the_parts_they_should(llama_1b):
    base = memory.estimate(llama_1b, 384, 8)
    assert memory.estimate(llama_1b, 384, 8, gradient_checkpointing=False).activations > 4 * base.activations
    assert memory.estimate(llama_1b, 384, 8, optimizer="adamw_torch").lora > base.lora
    assert memory.estimate(llama_1b, 384, 8, compute_bytes=4).activations > base.activations
    assert memory.estimate(llama_1b, 384, 8, upcast_other=False).weights < base.weights  # fp32 embeddings
    with pytest.raises(ValueError, match="paged_adamw_8bit"):
        memory.estimate(llama_1b, 384, 8, optimizer="lion")


def test_llama_1b_fits_at_batch_8_and_preflight_fixes_batch_64(llama_1b, capsys):
    assert memory.estimate(llama_1b, 384, 8).fits(memory.T4_BUDGET_GB)
    assert not memory.estimate(llama_1b, 384, 64).fits(memory.T4_BUDGET_GB)
    plan = memory.preflight(llama_1b, max_tokens=384, batch_size=64, grad_accum=1,
                            budget_gb=memory.T4_BUDGET_GB)
    assert not plan.fits and plan.recommended.fits(memory.T4_BUDGET_GB)
    assert plan.batch_size < 64 and plan.grad_accum > 1 and plan.batch_size * plan.grad_accum == 64
    assert plan.max_tokens == 384
    out = capsys.readouterr().out
    assert "does not fit" in out and f"batch_size={plan.batch_size}" in out
    same = memory.preflight(llama_1b, max_tokens=384, batch_size=8, grad_accum=2, budget_gb=13.0)
    assert same.fits and (same.batch_size, same.grad_accum, same.max_tokens) == (8, 2, 384)


def test_preflight_trims_sequences_when_batch_1_is_not_enough(llama_1b, capsys):
    budget = memory.estimate(llama_1b, 256, 1).total + 0.01
    plan = memory.preflight(llama_1b, max_tokens=512, batch_size=4, grad_accum=2, budget_gb=budget)
    assert (plan.batch_size, plan.grad_accum, plan.max_tokens) == (1, 8, 256)
    assert "trim the training files to 256 tokens" in capsys.readouterr().out   # collate never cuts


def test_a_model_that_cannot_fit_gets_a_clear_verdict(llama_1b, capsys):
    plan = memory.preflight(llama_1b, max_tokens=384, batch_size=8, budget_gb=1.0)
    assert not plan.fits and plan.recommended is None
    assert "DOES NOT FIT" in plan.verdict and "smaller model" in plan.verdict
    assert (plan.batch_size, plan.grad_accum, plan.max_tokens) == (8, 1, 384)
    assert "DOES NOT FIT" in capsys.readouterr().out


def test_default_budget_without_a_gpu_is_the_t4_one(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert memory.default_budget_gb() == memory.T4_BUDGET_GB == 13.0



def test_the_weights_table_counts_what_the_estimate_counts(llama_1b):
    # Loaded for QLoRA, embeddings and norms are fp32 (prepare_model_for_kbit_training): both agree.
    rows = {row["format"]: row["gb"] for row in memory.weights_table(llama_1b)}
    assert rows["nf4 + double quant"] == pytest.approx(memory.estimate(llama_1b, 384, 8).weights)
    assert rows["nf4"] > rows["nf4 + double quant"] > llama_1b.other * 4 / 2**30


def test_the_recommended_length_is_never_shorter_than_the_longest_row(llama_1b, capsys):
    budget = memory.estimate(llama_1b, 256, 1).total + 0.01   # fits only at 256 tokens
    plan = memory.preflight(llama_1b, max_tokens=512, batch_size=4, grad_accum=2, budget_gb=budget,
                            longest=300)
    assert plan.recommended is None and plan.max_tokens == 512      # 300 tokens do not fit: no advice
    assert "rows shorter than 300 tokens" in plan.verdict
    roomy = memory.estimate(llama_1b, 320, 1).total + 0.01
    plan = memory.preflight(llama_1b, max_tokens=512, batch_size=4, grad_accum=2, budget_gb=roomy,
                            longest=300)
    assert plan.max_tokens == 320 >= 300 and "trim" not in plan.verdict
    capsys.readouterr()
