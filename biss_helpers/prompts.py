"""Prompt templates: the Italian Alpaca template of ExtremITA/Camoscio, or the model's own chat
template. One function, `build_prompt`, for both.

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

STYLES = ("alpaca", "chat")

HEADER_WITH_INPUT = ("Di seguito è riportata un'istruzione che descrive un task, insieme ad un input "
                     "che fornisce un contesto più ampio. Scrivete una risposta che completi "
                     "adeguatamente la richiesta.")
HEADER_NO_INPUT = ("Di seguito è riportata un'istruzione che descrive un task. Scrivete una risposta "
                   "che completi adeguatamente la richiesta.")


def alpaca(instruction: str, input: str = "") -> str:
    """The ExtremITA/Camoscio prompt, ending where the answer starts."""
    if input.strip():
        return (f"{HEADER_WITH_INPUT}\n### Istruzione:\n{instruction}\n### Input:\n{input}\n"
                "### Risposta:\n")
    return f"{HEADER_NO_INPUT}\n### Istruzione:\n{instruction}\n### Risposta:\n"


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

    ``style="alpaca"``: the Italian Alpaca template (no tokenizer needed).
    ``style="chat"``: the tokenizer's chat template with the generation prompt appended, so
    the answer follows as the assistant's turn (the tokenizer must have a chat template).
    """
    if style == "alpaca":
        return alpaca(instruction, input)
    if style != "chat":
        raise ValueError(f"unknown prompt style {style!r}: use one of {', '.join(STYLES)}")
    if tokenizer is None or not getattr(tokenizer, "chat_template", None):
        raise ValueError("style='chat' needs a tokenizer with a chat template "
                         "(base models have none: use style='alpaca')")
    return tokenizer.apply_chat_template(messages(instruction, input, system), tokenize=False,
                                         add_generation_prompt=True)
