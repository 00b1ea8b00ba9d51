"""PubTator-like files: CLinkaRT's format.

Documents separated by an empty line. Each is one line ``DOCID|t|TEXT`` (the whole text on one
line), then zero or more TAB-separated relation lines
``DOCID<TAB>REL<TAB>START-END<TAB>START-END[<TAB>TEXT1<TAB>TEXT2]``: 0-based, end-exclusive
character offsets into TEXT (CLinkaRT: the result, then the test). The two text columns are
optional; where present they must be what the offsets give. The columns are TABs (the organisers'
README example shows spaces: such a line is an error, with a hint). Blank lines, a BOM and CRLF
line ends are tolerated; a DOCID may head only one document. A file with no REL line at all is
blind (a test file): its documents have `relations` None.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "training.txt"
>>> _ = path.write_text("1|t|Hb 9 g/dl.\\n1\\tREL\\t3-9\\t0-2\\t9 g/dl\\tHb\\n\\n2|t|Nulla.\\n\\n")
>>> [(d.id, d.relations) for d in documents(path)]
[('1', [(3, 9, 0, 2)]), ('2', [])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .base import flatten
from .files import FormatError, open_text

_OFFSETS = re.compile(r"\s*(\d+)\s*-\s*(\d+)\s*")


@dataclass
class Document:
    id: str
    text: str
    relations: list[tuple[int, int, int, int]] | None  # (RS, RE, TS, TE); None in a blind file
    line: int


def _span(field: str, text: str, path: Path, line: int) -> tuple[int, int]:
    match = _OFFSETS.fullmatch(field)
    start, end = (int(match.group(1)), int(match.group(2))) if match else (0, -1)
    if not 0 <= start < end <= len(text):
        raise FormatError(path, line, f"offsets {field!r} are not start-end inside the text "
                          f"({len(text)} characters)")
    return start, end


def documents(path) -> list[Document]:
    """The documents of a CLinkaRT file, in order, with their relations sorted and de-duplicated."""
    path, docs, current, labelled = Path(path), {}, None, False
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            head, fields = line.split("|", 2), line.split("\t")
            if not line.strip():
                continue
            if len(head) == 3 and head[1] == "t" and "\t" not in head[0]:
                if head[0].strip() in docs:
                    raise FormatError(path, number, f"document {head[0].strip()!r} appears twice")
                current = docs[head[0].strip()] = Document(head[0].strip(), head[2], [], number)
                continue
            if current is None or len(fields) not in (4, 6) or fields[1] != "REL" \
                    or fields[0].strip() != current.id:
                raise FormatError(path, number, "expected DOCID|t|TEXT, or DOCID<TAB>REL<TAB>start-end"
                                  "<TAB>start-end[<TAB>result<TAB>test] of the document above it"
                                  + (" (spaces instead of TABs?)" if " REL " in line else ""))
            result, test = (_span(f, current.text, path, number) for f in fields[2:4])
            for (start, end), said in zip((result, test), fields[4:], strict=False):
                if flatten(current.text[start:end]) != flatten(said):
                    raise FormatError(path, number, f"offsets {start}-{end} give "
                                      f"{current.text[start:end]!r}, but the line says {said!r}")
            current.relations.append((*result, *test))
            labelled = True
    if not docs:
        raise FormatError(path, None, "no document (no DOCID|t|TEXT line)")
    for doc in docs.values():
        doc.relations = sorted(set(doc.relations)) if labelled else None
    return list(docs.values())


