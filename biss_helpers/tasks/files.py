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
import io
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import outputs

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


def read_text(path: str | Path) -> str:
    """The text of a UTF-8 file (a byte-order mark dropped, line endings kept as they are). A file
    in another encoding is refused naming the line of its first bad byte: decoding it with a guess
    would change every accented letter of the texts, silently.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "latin1.tsv"
    >>> _ = path.write_bytes("id\\ttext\\n1\\tperché\\n".encode("latin-1"))
    >>> read_text(path)
    Traceback (most recent call last):
    ...
    biss_helpers.tasks.files.FormatError: .../latin1.tsv, line 2: not UTF-8 (byte 0xe9 at column 8)...
    """
    path = Path(path)
    if path.is_dir():
        raise FormatError(path, None, "is a folder, not a file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        raise FormatError(path, data.count(b"\n", 0, error.start) + 1,
                          f"not UTF-8 (byte 0x{data[error.start]:02x} at column "
                          f"{error.start - line_start + 1}): save the file as UTF-8") from None


def open_text(path: str | Path) -> io.StringIO:
    """`read_text` as a file handle, line endings untranslated (what the csv module wants)."""
    return io.StringIO(read_text(path), newline="")


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
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    with open_text(path) as handle:
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
    with open_text(path) as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise FormatError(path, number, f"not valid JSON ({error.msg})") from None
            except ValueError as error:  # e.g. an integer of more than 4,300 digits
                raise FormatError(path, number, f"not readable JSON ({error})") from None
            if not isinstance(value, dict):
                raise FormatError(path, number, "expected a JSON object")
            missing = [k for k in required if k not in value]
            if missing:
                raise FormatError(path, number, f"missing key(s) {', '.join(map(repr, missing))}")
            key = value.get("id", "")
            # a null or empty id would become "None" or "" and be matched to the wrong row
            if "id" in required and (isinstance(key, bool) or not isinstance(key, (str, int))
                                     or not str(key).strip()):
                raise FormatError(path, number, f"id {json.dumps(key)} is not an id: expected a "
                                  f"non-empty string or an integer")
            rows.append(Record(value, path, number))
    return rows


def write_table(path: str | Path, header: Sequence[str] | None, rows: Sequence[Sequence],
                delimiter: str = ",", quoted: bool = True) -> Path:
    """Write a table atomically (LF line endings, minimal quoting); `header=None` writes no header
    line. `quoted=False` writes every field as it is, as `read_table(quoted=False)` reads it back: a
    field holding the delimiter or a line break cannot be written so and is an error naming its row.
    Returns the path."""
    path = Path(path)
    lines = [] if header is None else [list(header)]
    lines += [[str(value) for value in row] for row in rows]
    with outputs.replace(path) as handle:
        if quoted:
            csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(lines)
            return path
        for number, fields in enumerate(lines, start=1):
            bad = next((f for f in fields if delimiter in f or "\n" in f or "\r" in f), None)
            if bad is not None:
                raise ValueError(f"{path}: row {number} has a delimiter or line break inside "
                                 f"{bad[:60]!r}, which an unquoted file cannot hold")
            handle.write(delimiter.join(fields) + "\n")
    return path


def write_jsonl(path: str | Path, objects: Sequence[dict]) -> Path:
    """One JSON object a line, UTF-8 as it is, written atomically."""
    with outputs.replace(path) as handle:
        for value in objects:
            handle.write(json.dumps(value, ensure_ascii=False) + "\n")
    return Path(path)


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


def parse_float(row: Record, column: str, low: float = float("-inf"),
                high: float = float("inf")) -> float | None:
    """`row[column]` as a float, None when absent or empty. Text that is no number, nan, an
    infinity or a value outside [`low`, `high`] is a FormatError naming file, line and column.

    >>> row = Record({"V": " 5.5 ", "A": "nan", "D": "6"}, Path("gold.csv"), 3)
    >>> parse_float(row, "V", 1, 5.5), parse_float(row, "X")
    (5.5, None)
    >>> for column in "AD":
    ...     try:
    ...         parse_float(row, column, 1, 5.5)
    ...     except FormatError as error:
    ...         print(error)
    gold.csv, line 3: A 'nan' is not a finite number
    gold.csv, line 3: D '6' is outside the range [1, 5.5]
    """
    value = (row.get(column) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise FormatError(row.path, row.line, f"{column} {value!r} is not a number") from None
    if not math.isfinite(number):  # float() reads "nan", "inf", "1e999": no scorer can use them
        raise FormatError(row.path, row.line, f"{column} {value!r} is not a finite number")
    if not low <= number <= high:
        raise FormatError(row.path, row.line, f"{column} {value!r} is outside the range [{low:g}, {high:g}]")
    return number
