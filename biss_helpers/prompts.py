"""The prompt: the Italian Alpaca template of ExtremITA/Camoscio, the original English Alpaca one,
a Phi-3-style one, or the model's own chat template.

`build_prompt` writes any of them (`STYLES`) from an instruction and an input; `row_prompt` is the prompt of a
4-column row (its task's instruction from the registry, its input); `adds_special_tokens` says
whether the prompt is tokenized with the tokenizer's special tokens; `token_ids` tokenizes it.
Training (`collate`), length control (`lengths`) and generation all take the prompt from here, so
they always agree.

The Alpaca template is the one the public ExtremITA adapters were trained with, so their outputs
can be reproduced: a one-sentence header, then ``### Istruzione:``, ``### Input:`` (left out when
there is no input, with a shorter header) and ``### Risposta:``, each followed by a newline. The
answer comes right after ``### Risposta:\\n``.

>>> prompt = build_prompt("Il testo esprime odio? Rispondi odio o non_odio.", "Che bella giornata")
>>> prompt.startswith(HEADER_WITH_INPUT + chr(10))
True
>>> print(prompt[len(HEADER_WITH_INPUT) + 1:])
### Istruzione:
Il testo esprime odio? Rispondi odio o non_odio.
### Input:
Che bella giornata
### Risposta:
<BLANKLINE>
"""

from __future__ import annotations

STYLES = ("alpaca", "alpaca_en", "phi3", "chat")

HEADER_WITH_INPUT = ("Di seguito è riportata un'istruzione che descrive un task, insieme ad un input "
                     "che fornisce un contesto più ampio. Scrivete una risposta che completi "
                     "adeguatamente la richiesta.")
HEADER_NO_INPUT = ("Di seguito è riportata un'istruzione che descrive un task. Scrivete una risposta "
                   "che completi adeguatamente la richiesta.")


# Stanford Alpaca's own template (Taori et al., 2023), which Alpaca-LoRA and Dolly-in-Alpaca-format reuse.
HEADER_EN_WITH_INPUT = ("Below is an instruction that describes a task, paired with an input that provides "
                        "further context. Write a response that appropriately completes the request.")
HEADER_EN_NO_INPUT = ("Below is an instruction that describes a task. Write a response that appropriately "
                      "completes the request.")


def alpaca(instruction: str, input: str = "") -> str:
    """The ExtremITA/Camoscio prompt, ending where the answer starts."""
    if input.strip():
        return (f"{HEADER_WITH_INPUT}\n### Istruzione:\n{instruction}\n### Input:\n{input}\n"
                "### Risposta:\n")
    return f"{HEADER_NO_INPUT}\n### Istruzione:\n{instruction}\n### Risposta:\n"


def alpaca_en(instruction: str, input: str = "") -> str:
    """The English Alpaca prompt: header, then ``### Instruction:``, ``### Input:`` (left out when
    there is no input) and ``### Response:``, separated by blank lines.

    >>> alpaca_en("Name a colour.").splitlines()[-4:]
    ['### Instruction:', 'Name a colour.', '', '### Response:']
    """
    if input.strip():
        return (f"{HEADER_EN_WITH_INPUT}\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n"
                "### Response:\n")
    return f"{HEADER_EN_NO_INPUT}\n\n### Instruction:\n{instruction}\n\n### Response:\n"


def phi3(instruction: str, input: str = "") -> str:
    """A Phi-3-style prompt: the request in a ``<|user|>`` turn, the answer after ``<|assistant|>``.
    The turn markers are plain text here (a model that does not know them reads them as characters),
    so the format works with any tokenizer; the answer then ends with the model's own EOS.

    >>> phi3("Traduci in inglese.", "Buongiorno")
    '<|user|>\\nTraduci in inglese.\\n\\nBuongiorno\\n<|assistant|>\\n'
    """
    content = f"{instruction}\n\n{input}" if input.strip() else instruction
    return f"<|user|>\n{content}\n<|assistant|>\n"


def messages(instruction: str, input: str = "", system: str | None = None) -> list[dict]:
    """The same request as chat messages: instruction and input in one user turn.

    >>> messages("Traduci in inglese.", "Buongiorno")
    [{'role': 'user', 'content': 'Traduci in inglese.\\n\\nBuongiorno'}]
    """
    content = f"{instruction}\n\n{input}" if input.strip() else instruction
    turns = [{"role": "system", "content": system}] if system else []
    return turns + [{"role": "user", "content": content}]


def build_prompt(instruction: str, input: str = "", style: str = "alpaca", tokenizer=None,
                 system: str | None = None) -> str:
    """The text the model continues with its answer.

    ``style="alpaca"``: the Italian Alpaca template; ``"alpaca_en"``: the English one; ``"phi3"``:
    Phi-3-style turns (none of them needs a tokenizer). ``style="chat"``: the tokenizer's chat
    template with the generation prompt appended, so the answer follows as the assistant's turn
    (the tokenizer must have a chat template).
    """
    plain = {"alpaca": alpaca, "alpaca_en": alpaca_en, "phi3": phi3}
    if style in plain:
        return plain[style](instruction, input)
    if style != "chat":
        raise ValueError(f"unknown prompt style {style!r}: use one of {', '.join(STYLES)}")
    if tokenizer is None or not getattr(tokenizer, "chat_template", None):
        raise ValueError("style='chat' needs a tokenizer with a chat template "
                         "(base models have none: use style='alpaca')")
    return tokenizer.apply_chat_template(messages(instruction, input, system), tokenize=False,
                                         add_generation_prompt=True)


def row_prompt(row, style: str = "alpaca", tokenizer=None, input: str | None = None) -> str:
    """The prompt of a 4-column `row`: its task's instruction (from the registry) and its input, or
    `input` in its place (`lengths.trim_inputs` measures shorter inputs this way). A row that carries
    its own instruction (an `instructions.Record`) uses it.

    >>> from biss_helpers import fourcol
    >>> row = fourcol.Row("7", "haspeede", "Che bella giornata", "non_odio")
    >>> row_prompt(row).splitlines()[-3:]
    ['### Input:', 'Che bella giornata', '### Risposta:']
    """
    from .tasks import get_task

    text = row.input if input is None else input
    instruction = getattr(row, "instruction", None) or get_task(row.task).instruction
    return build_prompt(instruction, text, style=style, tokenizer=tokenizer)


def adds_special_tokens(style: str) -> bool:
    """Whether the prompt is tokenized with the tokenizer's special tokens (its BOS). Alpaca text
    gets them (so does every plain-text style), as in training; a chat template already writes its
    own into the text, so adding them again would count (and train) a double BOS.

    >>> adds_special_tokens("alpaca"), adds_special_tokens("phi3"), adds_special_tokens("chat")
    (True, True, False)
    """
    if style not in STYLES:
        raise ValueError(f"unknown prompt style {style!r}: use one of {', '.join(STYLES)}")
    return style != "chat"


def token_ids(prompt: str, tokenizer, add_special_tokens: bool = True) -> list[int]:
    """The prompt's token ids, as training and generation both feed it to the model. A tokenizer
    that ends every text with EOS would tell the model the prompt is over: that EOS is dropped.

    >>> from biss_helpers import tiny
    >>> tok = tiny.tokenizer("llama")
    >>> ids = token_ids("Ciao", tok)
    >>> ids[0] == tok.bos_token_id, tok.decode(ids[1:])
    (True, 'Ciao')
    """
    ids = tokenizer(prompt, add_special_tokens=add_special_tokens, verbose=False)["input_ids"]
    return ids[:-1] if ids and ids[-1] == tokenizer.eos_token_id else ids
