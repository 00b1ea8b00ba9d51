"""Loading for QLoRA: LoRA targets per architecture, only adapters train, 4 bit on a CPU, tokenizers."""

import pytest
import torch

from biss_helpers import models, tiny, zoo

LLAMA_LIKE = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FUSED_QKV = ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"]
SMALL = dict(vocab_size=128, hidden_size=32, num_attention_heads=4, num_hidden_layers=2)


def tiny_model(kind):
    import transformers as t

    configs = {
        "llama": lambda: t.LlamaConfig(intermediate_size=64, num_key_value_heads=2, **SMALL),
        "mistral": lambda: t.MistralConfig(intermediate_size=64, num_key_value_heads=2, **SMALL),
        "qwen2": lambda: t.Qwen2Config(intermediate_size=64, num_key_value_heads=2, **SMALL),
        "falcon": lambda: t.FalconConfig(new_decoder_architecture=False, **SMALL),
        "gpt_neox": lambda: t.GPTNeoXConfig(intermediate_size=64, **SMALL),
    }
    torch.manual_seed(0)
    return t.AutoModelForCausalLM.from_config(configs[kind]())


@pytest.mark.parametrize("kind, expected", [("llama", LLAMA_LIKE), ("mistral", LLAMA_LIKE),
                                            ("qwen2", LLAMA_LIKE), ("falcon", FUSED_QKV),
                                            ("gpt_neox", FUSED_QKV)])
def test_lora_finds_every_projection_and_only_adapters_train(kind, expected, capsys):
    model = tiny_model(kind)
    assert sorted(models.lora_targets(model)) == sorted(expected)
    model = models.add_lora(model, models.LoraSettings(r=4, alpha=8))
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_A" in name or "lora_B" in name for name in trainable)
    adapted = {name.split(".lora_")[0].rsplit(".", 1)[-1] for name in trainable}
    assert adapted == set(expected)                   # every target got an adapter, nothing else
    assert "lm_head" not in " ".join(trainable)
    assert "trainable of" in capsys.readouterr().out
    loss = model(input_ids=torch.tensor([[1, 2, 3, 4]]), labels=torch.tensor([[1, 2, 3, 4]])).loss
    loss.backward()
    assert all(p.grad is not None for n, p in model.named_parameters() if "lora_B" in n)


def test_named_targets_are_used_as_given():
    model = models.add_lora(tiny_model("llama"), models.LoraSettings(r=4, targets=["q_proj", "v_proj"]))
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert {name.split(".lora_")[0].rsplit(".", 1)[-1] for name in trainable} == {"q_proj", "v_proj"}


def test_a_fresh_adapter_changes_nothing_until_trained():
    model = tiny_model("llama")
    ids = torch.tensor([[5, 6, 7]])
    before = model(input_ids=ids).logits
    after = models.add_lora(model, models.LoraSettings(r=4))(input_ids=ids).logits
    assert torch.allclose(before, after)             # B starts at zero: W + BA = W


def test_quantization_config_is_qlora():
    config = models.quantization_config("4bit")
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant
    assert config.bnb_4bit_compute_dtype == torch.float32   # this machine has no GPU
    assert models.quantization_config(None) is None
    with pytest.raises(ValueError, match="quantization"):
        models.quantization_config("3bit")


def test_pad_token_is_distinct_from_eos_where_the_vocabulary_allows(offline):
    from transformers import AutoTokenizer

    smol = AutoTokenizer.from_pretrained(zoo.path("smollm2"))
    assert smol.pad_token == smol.eos_token                    # as published
    models.setup_tokenizer(smol, "left")
    assert smol.pad_token != smol.eos_token and smol.padding_side == "left"
    own = models.setup_tokenizer(tiny.tokenizer("llama"))
    assert own.pad_token == "<pad>" and own.padding_side == "right"


def test_a_tokenizer_with_nothing_spare_pads_with_eos_and_says_so(capsys):
    from tokenizers import Tokenizer
    from tokenizers import models as tmodels
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(tmodels.WordLevel({"a": 0, "</s>": 1}, unk_token="a"))
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="</s>")
    models.setup_tokenizer(tok)
    assert tok.pad_token == "</s>" and "padding with EOS" in capsys.readouterr().out


@pytest.fixture(scope="module")
def smollm2_4bit():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BISS_OFFLINE", "1")
        model, tokenizer = models.load_model("HuggingFaceTB/SmolLM2-135M-Instruct", "4bit")
    return models.add_lora(model, models.LoraSettings(r=8)), tokenizer


def test_the_4bit_path_trains_and_generates_on_cpu(smollm2_4bit):
    import bitsandbytes as bnb

    model, tokenizer = smollm2_4bit
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    trainable, total = models.trainable_parameters(model)
    assert 100e6 < total < 200e6 and 0 < trainable < 0.05 * total   # ~135M, counted unpacked
    batch = tokenizer(["La capitale d'Italia è Roma."], return_tensors="pt")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    model.train()
    for _ in range(4):
        loss = model(**batch, labels=batch["input_ids"]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    model.eval()
    out = model.generate(**batch, max_new_tokens=3, do_sample=False)
    assert out.shape[1] == batch["input_ids"].shape[1] + 3


def test_eight_bit_on_a_cpu_is_a_clear_error(offline):
    with pytest.raises(ValueError, match="8-bit loading needs a GPU"):
        models.load_model("HuggingFaceTB/SmolLM2-135M-Instruct", "8bit")
