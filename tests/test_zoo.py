import pytest
import torch

from biss_helpers import zoo


def test_minilm_is_a_real_bert_that_classifies():
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = zoo.minilm_dir()
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=3)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert model.config.model_type == "bert" and model.config.num_hidden_layers == 6
    logits = model(**tokenizer(["una frase", "un'altra frase"], padding=True, return_tensors="pt")).logits
    assert logits.shape == (2, 3)
    # Pretrained, not random: similar sentences get closer [CLS]-free mean embeddings.
    base = model.base_model
    def embed(text):
        out = base(**tokenizer(text, return_tensors="pt")).last_hidden_state
        return torch.nn.functional.normalize(out.mean(1), dim=-1)
    cat, kitten, stock = embed("a cat sleeps"), embed("a kitten is sleeping"), embed("stock markets fell")
    assert (cat @ kitten.T).item() > (cat @ stock.T).item() + 0.2


def test_smollm2_plain_copy_equals_the_gguf_weights():
    from transformers import AutoModelForCausalLM

    folder = zoo.smollm2_dir()
    plain = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16)
    gguf = zoo.smollm2_gguf()
    original = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                    dtype=torch.float32)
    assert type(plain).__name__ == "LlamaForCausalLM"
    expected = original.state_dict()
    for name, tensor in plain.state_dict().items():
        assert torch.equal(tensor, expected[name].to(torch.bfloat16)), name


def test_smollm2_answers_a_question():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = zoo.smollm2_dir()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    assert tokenizer.chat_template and tokenizer.eos_token == "<|im_end|>"
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True, return_tensors="pt", return_dict=True)
    output = model.generate(**prompt, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(output[0, prompt["input_ids"].shape[1]:], skip_special_tokens=True)
    assert "Paris" in answer


def test_missing_package_and_unknown_name_are_clear():
    with pytest.raises(ModuleNotFoundError, match="make install"):
        zoo._package_dir("no_such_package_here", "no-such-package")
    with pytest.raises(KeyError, match="minilm"):
        zoo.path("gpt-17")


def test_prepare_is_atomic(tmp_path, monkeypatch):
    # A crash half-way must not leave a folder that looks prepared. The GGUF's 135M weights are not
    # needed for that: a tiny LLaMA stands in for what the GGUF reader returns (16 s saved).
    from biss_helpers import tiny

    tok = tiny.tokenizer("llama")
    monkeypatch.setattr("transformers.AutoTokenizer.from_pretrained", lambda *a, **k: tok)
    monkeypatch.setattr("transformers.AutoModelForCausalLM.from_pretrained", lambda *a, **k: tiny.llama(tok))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("transformers.LlamaForCausalLM.save_pretrained", explode)
    target = tmp_path / "smollm2"
    with pytest.raises(RuntimeError):
        zoo.prepare_smollm2(target)
    assert not (target / "config.json").exists()


def test_the_smollm2_copy_is_a_plain_model_that_any_quantization_can_load():
    import json

    config = json.loads((zoo.path("smollm2") / "config.json").read_text(encoding="utf-8"))
    # the GGUF entry would make transformers refuse a BitsAndBytesConfig (QLoRA in Lab 2.2)
    assert "quantization_config" not in config and config["model_type"] == "llama"
