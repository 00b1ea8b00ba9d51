"""Token-per-line (CoNLL-like) files and their tags: NERMuD's and KIND's format.

One ``token<TAB>tag`` per line (a token alone in a blind file), an empty line between sentences,
no header. IOB2 tags (``B-PER I-PER O``) mark where a mention begins; IO tags (``PER PER O``, the
KIND files) cannot tell two touching mentions of one type apart, and read as one.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "WN_dev.tsv"
>>> _ = path.write_text("Alcide\\tB-PER\\nDe\\tI-PER\\nGasperi\\tI-PER\\n\\nA\\tO\\nTrento\\tLOC\\n\\n")
>>> [(line, tokens, mentions(iob2(tags))) for line, tokens, tags in sentences(path)]
[(1, ['Alcide', 'De', 'Gasperi'], [(0, 3, 'PER')]), (5, ['A', 'Trento'], [(1, 2, 'LOC')])]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .. import outputs
from .files import FormatError, open_text


def _kind(tag: str) -> str:
    return tag[2:] if tag[:2] in ("B-", "I-") else tag


def iob2(tags: Iterable[str]) -> list[str]:
    """IO tags, or IOB2 with a stray ``I-`` that opens a mention, as IOB2.

    >>> iob2(["PER", "PER", "O", "I-LOC", "B-LOC", "LOC"])
    ['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-LOC']
    """
    out: list[str] = []
    for tag in tags:
        inside = tag[:2] != "B-" and bool(out) and out[-1] != "O" and out[-1][2:] == _kind(tag)
        out.append("O" if tag == "O" else f"{'I' if inside else 'B'}-{_kind(tag)}")
    return out


def mentions(tags: Iterable[str]) -> list[tuple[int, int, str]]:
    """(first token, end token, type) of each mention of IOB2 `tags`, in order."""
    found: list[list] = []
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and found and found[-1][1] == i and found[-1][2] == tag[2:]:
            found[-1][1] = i + 1
        elif tag != "O":
            found.append([i, i + 1, tag[2:]])
    return [(a, b, kind) for a, b, kind in found]


Sentence = tuple[int, list[str], list[str] | None]  # first line, tokens, tags (None: a blind file)


def sentences(path, check_tag: Callable[[str, Path, int], str] | None = None) -> list[Sentence]:
    """Each sentence of `path`, in order. `check_tag(raw, path, line)` returns the tag to keep
    or raises a FormatError (default: the raw tag, stripped)."""
    path, found, tokens, tags, first, width = Path(path), [], [], [], 0, 0
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            fields = raw.rstrip("\r\n").split("\t")
            if not "".join(fields).strip():
                if tokens:
                    found.append((first, tokens, tags if width == 2 else None))
                tokens, tags = [], []
                continue
            width = width or len(fields)
            if len(fields) != width or width > 2 or not fields[0].strip():
                raise FormatError(path, number, f"expected token<TAB>tag (or a token alone in a "
                                  f"blind file) as on the first line, found {fields!r}")
            first = first if tokens else number
            tokens.append(fields[0])
            if width == 2:
                tags.append(check_tag(fields[1], path, number) if check_tag else fields[1].strip())
    if tokens:
        found.append((first, tokens, tags if width == 2 else None))
    if not found:
        raise FormatError(path, None, "no sentence: the file is empty")
    return found


def write_like(reference: Path, target: Path, tags_by_sentence: Iterable[list[str]]) -> Path:
    """`reference` line by line with each token's tag from `tags_by_sentence`: the same tokens,
    empty lines and line endings, so a positional scorer lines them up. Each sentence needs exactly
    one tag per token and the file exactly one tag list per sentence: an error names the line."""
    sentences, out, at = [list(tags) for tags in tags_by_sentence], [], 0
    tags: list[str] = []  # the tags of the sentence being written, consumed from the front
    with open_text(reference) as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            token = line.split("\t")[0]
            if not token.strip():
                if tags:
                    raise ValueError(f"{reference}, line {number}: the sentence ends with "
                                     f"{len(tags)} tags left over")
                out.append(raw[len(line):] or "\n")  # an empty line stays one, spaces or not
                continue
            if not tags and (not out or not out[-1].split("\t")[0].strip()):  # a sentence starts
                if at == len(sentences):
                    raise ValueError(f"{reference}, line {number}: sentence {at + 1} has no tags "
                                     f"(only {len(sentences)} tag lists given)")
                tags, at = list(sentences[at]), at + 1
            if not tags:
                raise ValueError(f"{reference}, line {number}: more tokens than the "
                                 f"{len(sentences[at - 1])} tags of sentence {at}")
            out.append(f"{token}\t{tags.pop(0)}{raw[len(line):]}")
    if tags or at != len(sentences):
        raise ValueError(f"{reference}: {len(sentences)} tag lists for {at} sentences"
                         + (f", the last with {len(tags)} tags left over" if tags else ""))
    return outputs.write_text(target, "".join(out))
