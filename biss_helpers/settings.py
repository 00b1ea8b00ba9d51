"""The settings dataclasses (`training.TrainSettings`, `models.LoraSettings`, `mix.MixSettings`,
`bert.ClassifierSettings`): the rules that check them, and the command-line options made from them.

Checked before work starts: a batch size of 0 or a negative learning rate is refused in a second,
when the dataclass is made, not after the model has loaded (15-30 s here, minutes on Colab) or deep
inside the Trainer as a ZeroDivisionError. Each class calls `check` from its ``__post_init__`` with
one rule per field; a rule takes the value and returns what is wrong with it, or None.

As options: `add_settings` makes one option per field (``grad_accum`` is ``--grad-accum``, a nested
``lora.r`` is ``--lora-r``), its type and choices from the annotation, its help from the comment at
the end of the field's line; `read_settings` fills the dataclass back, so a new setting is one field.

>>> from dataclasses import dataclass
>>> @dataclass
... class Run:
...     steps: int = 10
...     rate: float = 1e-4
...     def __post_init__(self):
...         check(self, steps=whole(1), rate=positive)
>>> Run(steps=0)
Traceback (most recent call last):
...
ValueError: Run.steps = 0: must be a whole number >= 1
>>> Run(rate=float("nan"))
Traceback (most recent call last):
...
ValueError: Run.rate = nan: must be a finite number > 0
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import io
import math
import textwrap
import tokenize
import types
import typing
from collections.abc import Callable

Rule = Callable[[object], "str | None"]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def whole(low: int, also: tuple = ()) -> Rule:
    """An integer >= `low`, or one of the values `also` (None for "no limit", -1 for "unset")."""
    def rule(value):
        if any(type(value) is type(v) and value == v for v in also):
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= low:
            return None
        return f"must be a whole number >= {low}" + (f" (or {', '.join(map(repr, also))})" if also else "")
    return rule


def positive(value) -> str | None:
    """A finite number > 0 (learning rates, epochs, scales)."""
    return None if _number(value) and value > 0 else "must be a finite number > 0"


def not_negative(value) -> str | None:
    """A finite number >= 0 (weight decay)."""
    return None if _number(value) and value >= 0 else "must be a finite number >= 0"


def share(value) -> str | None:
    """A fraction of a whole, 0 <= x < 1 (warm-up, dev share, dropout)."""
    return None if _number(value) and 0 <= value < 1 else "must be a share: 0 <= x < 1"


def probability(value) -> str | None:
    """A probability mass, 0 < x <= 1 (top-p sampling: 1 keeps every token)."""
    return None if _number(value) and 0 < value <= 1 else "must be a probability: 0 < x <= 1"


def check(settings, **rules: Rule) -> None:
    """Apply each rule to the field of `settings` it is named after, and to every field annotated
    ``Literal[...]`` its choices; the first failure is a ValueError naming the class, the field, its
    value and the rule."""
    for field in dataclasses.fields(settings):
        kind = typing.get_type_hints(type(settings))[field.name]
        if typing.get_origin(kind) is typing.Literal and field.name not in rules:
            rules[field.name] = _one_of(typing.get_args(kind))
    for name, rule in rules.items():
        value = getattr(settings, name)
        problem = rule(value)
        if problem:
            raise ValueError(f"{type(settings).__name__}.{name} = {value!r}: {problem}")


def _one_of(choices: tuple) -> Rule:
    return lambda value: None if value in choices else f"must be one of {', '.join(map(repr, choices))}"


def field_comments(cls) -> dict[str, str]:
    """Field name -> the comment at the end of its line in the class source (the option's help).

    >>> from biss_helpers.models import LoraSettings
    >>> field_comments(LoraSettings)["r"]
    'rank of the update: its capacity'
    """
    comments, name, depth = {}, None, 0
    source = textwrap.dedent(inspect.getsource(cls))  # a class defined inside a function too
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NL or token.type == tokenize.NEWLINE:
            name = None
        elif token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.NAME and name is None and depth == 0 and token.start[1] == 4:
            name = token.string
        elif token.type == tokenize.COMMENT and name:
            comments[name] = token.string.lstrip("# ").strip()
    return comments


def _optional(kind):
    """(the type inside ``X | None``, True) or (kind, False)."""
    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and len(args) == 2:
            return inner[0], True
    return kind, False


def _none_or(convert):
    def parse(text: str):
        return None if text.lower() in ("none", "all") else convert(text)

    parse.__name__ = convert.__name__  # argparse names the type in its error messages
    return parse


def add_settings(parser, cls, prefix: str = "") -> None:
    """One option per field of the settings dataclass `cls` (nested dataclasses as
    ``--<field>-<subfield>``): type, default and choices from the annotation, help from the comment."""
    hints, helps = typing.get_type_hints(cls), field_comments(cls)
    for field in dataclasses.fields(cls):
        kind, optional = _optional(hints[field.name])
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        if dataclasses.is_dataclass(kind):
            add_settings(parser, kind, f"{prefix}{field.name}_")
            continue
        options = {"dest": prefix + field.name, "default": default,
                   "help": f"{helps.get(field.name, '')} (default: {default})".strip()}
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is typing.Literal:
            options["choices"] = typing.get_args(kind)
        elif typing.get_origin(kind) is list:
            options.update(nargs="+", type=typing.get_args(kind)[0])
        else:
            options["type"] = _none_or(kind) if optional else kind
        parser.add_argument("--" + (prefix + field.name).replace("_", "-"), **options)


def read_settings(args, cls, prefix: str = ""):
    """The dataclass `cls` filled from the options `add_settings` made."""
    hints, values = typing.get_type_hints(cls), {}
    for field in dataclasses.fields(cls):
        kind, _ = _optional(hints[field.name])
        nested = dataclasses.is_dataclass(kind)
        values[field.name] = (read_settings(args, kind, f"{prefix}{field.name}_") if nested
                              else getattr(args, prefix + field.name))
    return cls(**values)


def from_mapping(cls, values: dict, where: str = "the settings"):
    """The dataclass `cls` from a mapping (a settings file's table), nested dataclasses from nested
    tables; an unknown key is an error naming `where` and the keys that exist.

    >>> from biss_helpers.models import LoraSettings
    >>> from_mapping(LoraSettings, {"r": 8}).r
    8
    >>> from_mapping(LoraSettings, {"rank": 8}, "demo.toml [lora]")
    Traceback (most recent call last):
    ...
    ValueError: demo.toml [lora]: unknown setting 'rank'; known: r, alpha, dropout, targets
    """
    hints, known = typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls)}
    unknown = [key for key in values if key not in known]
    if unknown:
        raise ValueError(f"{where}: unknown setting {unknown[0]!r}; known: {', '.join(known)}")
    filled = {}
    for key, value in values.items():
        kind, _ = _optional(hints[key])
        if dataclasses.is_dataclass(kind):
            if not isinstance(value, dict):
                raise ValueError(f"{where}: {key} must be a table of settings, not {value!r}")
            value = from_mapping(kind, value, f"{where} [{key}]")
        filled[key] = value
    return cls(**filled)


def negative_values(argv: list[str]) -> list[str]:
    """``--option -2e-4`` as ``--option=-2e-4``: argparse takes a value that starts with ``-`` and
    is not a plain decimal for an option, and would answer "expected one argument".

    >>> negative_values(["train", "--learning-rate", "-2e-4", "--epochs", "1"])
    ['train', '--learning-rate=-2e-4', '--epochs', '1']
    """
    glued: list[str] = []
    for item in argv:
        previous = glued[-1] if glued else ""
        if item.startswith("-") and previous.startswith("--") and "=" not in previous:
            try:
                float(item)
            except ValueError:
                pass
            else:
                glued[-1] = f"{previous}={item}"
                continue
        glued.append(item)
    return glued
