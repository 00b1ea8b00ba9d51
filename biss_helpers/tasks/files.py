"""Reading and writing the official files: CSV/TSV tables and JSON Lines, with errors that name
the file, the line and the problem.

Real EVALITA files hold quoted fields with embedded newlines, CRLF line endings, a missing final
newline, a byte-order mark, or (DisCoTex blind files) no quoting at all. A line-by-line split gets
these wrong; `read_table` uses the csv module and reports the line where each record *starts*.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = path.write_text('id,text,label\\r\\n1,"due\\nrighe",0\\r\\n', encoding="utf-8")
>>> [(row.line, row["text"]) for row in read_table(path, ["id", "text"], ["label"])]
[(2, 'due\\nrighe')]
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # essays and clinical cases are long fields


class FormatError(ValueError):
    """A file that does not follow its official format: the message names file, line, problem."""

    def __init__(self, path, line: int | None, problem: str):
        where = f"{path}, line {line}" if line else f"{path}"
        super().__init__(f"{where}: {problem}")


class Record(dict):
    """A table row: column -> value, plus the file and the line where the record starts."""

    def __init__(self, values: dict, path: Path, line: int):
        super().__init__(values)
        self.path, self.line = path, line

    @property
    def source(self) -> str:
        return f"{self.path}, line {self.line}"


def _delimiter_hint(header_line: str, delimiter: str) -> str:
    for other, name in (("\t", "tabs"), (",", "commas"), (";", "semicolons")):
        if other != delimiter and other in header_line:
            return f" (the header seems separated by {name}: wrong delimiter?)"
    return ""


def read_table(path: str | Path, required: Sequence[str], optional: Sequence[str] = (),
               delimiter: str = ",", quoted: bool = True) -> list[Record]:
    """Rows of a table with a header line, in file order.

    `required` columns must be in the header and non-empty in every row (except the id being
    checked by the caller); `optional` columns may be missing from the header (then absent from
    the rows) or empty. A row with too few or too many fields is an error naming its line.
    `quoted=False` reads a file whose fields are not CSV-quoted (a ``"`` is a plain character).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting, strict=True)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise FormatError(path, None, "the file is empty") from None
        except csv.Error as error:
            raise FormatError(path, 1, f"not valid CSV in the header ({error})"
                              f"{_delimiter_hint(first_line, delimiter)}") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise FormatError(path, 1, f"missing column(s) {', '.join(map(repr, missing))}; the "
                              f"header has {header}{_delimiter_hint(first_line, delimiter)}")
        keep = [c for c in (*required, *optional) if c in header]
        rows, line = [], reader.line_num + 1
        try:
            for record in reader:
                start, line = line, reader.line_num + 1
                if not record or record == [""]:
                    continue  # a blank line (e.g. a final empty line) holds no row
                if len(record) != len(header):
                    raise FormatError(path, start, f"expected {len(header)} fields as in the header "
                                      f"{header}, found {len(record)} (truncated row or stray "
                                      f"delimiter?)")
                values = dict(zip(header, record, strict=True))
                for column in required:
                    if not values[column].strip():
                        raise FormatError(path, start, f"empty {column!r}")
                rows.append(Record({c: values[c] for c in keep}, path, start))
        except csv.Error as error:
            raise FormatError(path, line, f"not valid CSV ({error})") from None
    return rows


def read_jsonl(path: str | Path, required: Sequence[str]) -> list[Record]:
    """Objects of a JSON Lines file, in order; each must have the `required` keys."""
    path = Path(path)
    rows = []
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise FormatError(path, number, f"not valid JSON ({error.msg})") from None
            if not isinstance(value, dict):
                raise FormatError(path, number, "expected a JSON object")
            missing = [k for k in required if k not in value]
            if missing:
                raise FormatError(path, number, f"missing key(s) {', '.join(map(repr, missing))}")
            rows.append(Record(value, path, number))
    return rows


def write_table(path: str | Path, header: Sequence[str] | None, rows: Sequence[Sequence],
                delimiter: str = ",", quoted: bool = True) -> Path:
    """Write a table (LF line endings, minimal quoting unless `quoted=False`); `header=None`
    writes no header line. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quoting=quoting, lineterminator="\n",
                            escapechar=None if quoted else "\\")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: str | Path, objects: Sequence[dict]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for value in objects:
            handle.write(json.dumps(value, ensure_ascii=False) + "\n")
    return path


def parse_label(row: Record, column: str, allowed: Sequence[str]) -> str | None:
    """`row[column]` stripped, checked against `allowed`; None when the column is absent or empty
    (a blind file). An unknown label is an error naming the line."""
    value = (row.get(column) or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise FormatError(row.path, row.line, f"unknown {column} {value!r}; expected one of "
                          f"{', '.join(map(repr, allowed))}")
    return value


def parse_float(row: Record, column: str) -> float | None:
    """`row[column]` as a float, None when absent or empty; anything else names the line."""
    value = (row.get(column) or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise FormatError(row.path, row.line, f"{column} {value!r} is not a number") from None
