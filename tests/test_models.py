"""Loading for QLoRA: LoRA targets per architecture, only adapters train, 4 bit on a CPU, tokenizers."""

import warnings

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


def two_4bit_layers():
    """(LoRA model, its base): two 64 x 64 NF4 layers, y = l2(relu(l1(x))), with LoRA on both (B random,
    so every adapter has a gradient)."""
    import bitsandbytes as bnb
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    net = torch.nn.Sequential(*(bnb.nn.Linear4bit(64, 64, bias=False, compute_dtype=torch.float32)
                                for _ in range(2)))
    net.insert(1, torch.nn.ReLU())
    for layer in (net[0], net[2]):
        layer.weight = bnb.nn.Params4bit(torch.randn(64, 64) / 8, requires_grad=False, quant_type="nf4")
    net = net.to("cpu")                                                 # quantises
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["0", "2"],
                        init_lora_weights=False)
    return get_peft_model(net, config), net


def lora_gradients(model, x, y):
    model.train()
    model.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    return loss.item(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def fp32_gradients(model, net, x, y):
    """The same loss and LoRA gradients in plain fp32 torch, from the dequantised 4-bit weights."""
    from bitsandbytes.functional import dequantize_4bit

    lora = {n: p.detach().clone().requires_grad_() for n, p in model.named_parameters() if p.requires_grad}

    def layer(i, h):
        base = net[i].base_layer.weight
        a, b = (lora[f"base_model.model.{i}.lora_{k}.default.weight"] for k in "AB")
        return h @ dequantize_4bit(base.data, base.quant_state).T + 2.0 * (h @ a.T) @ b.T

    loss = ((layer(2, torch.relu(layer(0, x))) - y) ** 2).mean()
    loss.backward()
    return loss.item(), {n: p.grad for n, p in lora.items()}


def test_lora_gradients_through_4bit_layers_stay_right_after_an_evaluation_pass():
    # bitsandbytes' CPU fast path (AVX512-BF16 CPUs) repacked a weight on the first eval pass without
    # gradients, and training then ran through gemv_4bit, which has no backward: torch warned, the
    # first layer's LoRA gradients were off by 0.30 (of 0.49), l2's by 2e-3 (bf16). Now exact.
    from bitsandbytes.functional import has_avx512bf16

    model, net = two_4bit_layers()
    models.keep_4bit_trainable(model)
    x, y = torch.randn(3, 5, 64), torch.randn(3, 5, 64)
    want_loss, want = fp32_gradients(model, net, x, y)
    for rows in (x, x[:1, :1]):  # an evaluation batch, and one of a single token
        model.eval()
        with torch.no_grad():
            model(rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss, got = lora_gradients(model, x, y)
    assert max((got[n] - want[n]).abs().max().item() for n in want) < 1e-5
    assert loss == pytest.approx(want_loss, abs=1e-6)
    assert not [w for w in caught if "gemv_4bit" in str(w.message)]   # the warned path: not taken
    if not has_avx512bf16():
        return  # no fast path here to undo
    for layer in (net[0], net[2]):  # as bitsandbytes leaves a model loaded elsewhere
        layer.base_layer.support_avx512bf16_for_cpu = True
    model.eval()
    with torch.no_grad():
        model(x)
    assert net[0].base_layer.weight.quant_state.packing_format_for_cpu
    models.keep_4bit_trainable(model)             # add_lora does it: the weight goes back, unpacked
    assert not net[0].base_layer.weight.quant_state.packing_format_for_cpu
    want_loss, want = fp32_gradients(model, net, x, y)
    loss, got = lora_gradients(model, x, y)
    assert max((got[n] - want[n]).abs().max().item() for n in want) < 1e-5


def test_an_evaluation_pass_leaves_the_4bit_model_training_as_before(smollm2_4bit):
    model, tokenizer = smollm2_4bit
    batch = tokenizer(["Il gatto dorme sul divano."], return_tensors="pt")
    model.train()
    model.zero_grad()
    torch.manual_seed(0)                           # the same LoRA dropout
    model(**batch, labels=batch["input_ids"]).loss.backward()
    before = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.eval()
    with torch.no_grad():                          # what the Trainer's evaluation does
        model(**batch)
    model.train()
    model.zero_grad()
    torch.manual_seed(0)                           # the same LoRA dropout
    model(**batch, labels=batch["input_ids"]).loss.backward()
    assert all(torch.equal(p.grad, before[n]) for n, p in model.named_parameters() if p.requires_grad)
    assert not any(getattr(getattr(m.weight, "quant_state", None), "packing_format_for_cpu", False)
                   for m in model.modules() if hasattr(m, "support_avx512bf16_for_cpu"))
    model.zero_grad()


LOAD_QUIETLY = """
import sys, warnings
from biss_helpers import env, models, tiny
env.setup()
tok = tiny.tokenizer("llama")
tiny.llama(tok).save_pretrained(sys.argv[1]); tok.save_pretrained(sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model, _ = models.load_model(sys.argv[1], "4bit")
    models.add_lora(model, models.LoraSettings(r=4))
print("WARNED:", " | ".join(str(w.message) for w in caught))
"""


def test_loading_and_adapting_a_4bit_model_prints_no_library_notice(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", LOAD_QUIETLY, str(tmp_path / "tiny")], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "kernels-community" not in done.stderr + done.stdout          # bitsandbytes' notice
    warned = done.stdout.split("WARNED:")[1]
    assert "gradient_checkpointing" not in warned and "gemv_4bit" not in warned, warned
