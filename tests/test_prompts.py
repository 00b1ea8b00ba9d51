"""The prompt: ExtremITA's Alpaca layout, the chat template, the prompt of a 4-column row."""

import copy

import pytest

from biss_helpers import fourcol, prompts, tasks, tiny


def test_alpaca_prompt_has_the_extremita_layout():
    with_input = prompts.build_prompt("Istruzione qui.", "Un input.")
    assert with_input.endswith("### Istruzione:\nIstruzione qui.\n### Input:\nUn input.\n### Risposta:\n")
    assert with_input.startswith(prompts.HEADER_WITH_INPUT + "\n")
    without = prompts.build_prompt("Solo istruzione.")
    assert "### Input:" not in without and without.startswith(prompts.HEADER_NO_INPUT + "\n")


def test_the_decoders_know_the_markers_of_both_prompt_styles():
    """tasks/ may not import prompts: its copy of the markers, by which an echoed prompt is told
    from an answer, must be in the prompts written here."""
    from biss_helpers.tasks import base

    for prompt in (prompts.alpaca("x", "y"), prompts.alpaca("x")):
        assert all(m in prompt for m in base.ALPACA_MARKERS if m != "### Input:"), prompt
    assert all(m in prompts.alpaca("x", "y") for m in base.ALPACA_MARKERS)
    chat = prompts.build_prompt("x", "y", style="chat", tokenizer=tiny.tokenizer("llama"))
    assert any(m in chat for m in base.CHAT_MARKERS)


def test_chat_prompt_uses_the_tokenizer_template():
    tok = tiny.tokenizer("llama")
    text = prompts.build_prompt("Istruzione.", "Input.", style="chat", tokenizer=tok)
    assert text == "<|im_start|>user\nIstruzione.\n\nInput.<|im_end|>\n<|im_start|>assistant\n"
    with pytest.raises(ValueError, match="chat template"):
        prompts.build_prompt("x", style="chat")
    with pytest.raises(ValueError, match="unknown prompt style"):
        prompts.build_prompt("x", style="llama2")


def test_row_prompt_takes_the_instruction_from_the_registry_and_can_swap_the_input():
    row = fourcol.Row("7", "acti_a", "Il vaccino ci controlla", "cospirazione")
    instruction = tasks.get_task("acti_a").instruction
    assert prompts.row_prompt(row) == prompts.build_prompt(instruction, "Il vaccino ci controlla")
    assert prompts.row_prompt(row, input="") == prompts.build_prompt(instruction)
    tok = tiny.tokenizer("llama")
    chat = prompts.row_prompt(row, "chat", tok)
    assert chat == prompts.build_prompt(instruction, row.input, style="chat", tokenizer=tok)
    with pytest.raises(KeyError, match="unknown task 'nope'"):
        prompts.row_prompt(fourcol.Row("1", "nope", "x", ""))


def test_special_tokens_are_added_only_where_the_text_has_none():
    """One BOS either way: the tokenizer adds it to Alpaca text, a chat template writes its own."""
    tok = copy.deepcopy(tiny.tokenizer("llama"))   # the tiny tokenizer is shared: change a copy
    tok.chat_template = "{{ bos_token }}" + tok.chat_template   # like Llama 3's template
    row = fourcol.Row("7", "haspeede", "Che bella giornata", "non_odio")
    for style in prompts.STYLES:
        text = prompts.row_prompt(row, style, tok)
        ids = tok(text, add_special_tokens=prompts.adds_special_tokens(style))["input_ids"]
        assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1, style
    doubled = tok(prompts.row_prompt(row, "chat", tok), add_special_tokens=True)["input_ids"]
    assert doubled.count(tok.bos_token_id) == 2   # what adding them to chat text would train
    with pytest.raises(ValueError, match="unknown prompt style"):
        prompts.adds_special_tokens("llama2")


def test_the_english_alpaca_and_phi3_layouts():
    assert prompts.build_prompt("Name a colour.", "", "alpaca_en") == (
        prompts.HEADER_EN_NO_INPUT + "\n\n### Instruction:\nName a colour.\n\n### Response:\n")
    assert prompts.build_prompt("Translate.", "Ciao", "alpaca_en").endswith(
        "### Instruction:\nTranslate.\n\n### Input:\nCiao\n\n### Response:\n")
    phi3 = prompts.build_prompt("Translate.", "Ciao", "phi3")
    assert phi3 == "<|user|>\nTranslate.\n\nCiao\n<|assistant|>\n"
    assert prompts.build_prompt("Translate.", "", "phi3") == "<|user|>\nTranslate.\n<|assistant|>\n"


def test_every_style_goes_through_build_prompt_and_only_chat_skips_the_special_tokens():
    tok = tiny.tokenizer("llama")
    written = {style: prompts.build_prompt("Istruzione.", "Input.", style, tok) for style in prompts.STYLES}
    assert len(set(written.values())) == len(prompts.STYLES)
    assert all("Istruzione." in text and "Input." in text for text in written.values())
    assert [s for s in prompts.STYLES if not prompts.adds_special_tokens(s)] == ["chat"]


def test_a_row_with_its_own_instruction_uses_it():
    from biss_helpers.instructions import Record

    record = Record("a-1", "alpaca", "Name a colour.", "", "Blue")
    assert prompts.row_prompt(record, "phi3") == "<|user|>\nName a colour.\n<|assistant|>\n"
