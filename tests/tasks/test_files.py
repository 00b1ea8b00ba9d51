"""Reading and writing official tables and JSON Lines, with errors naming file and line (tasks.files)."""

import re
from pathlib import Path

import pytest

from biss_helpers.tasks import files
from biss_helpers.tasks.files import FormatError, Record

from .common import write


def read(path, *args, **kwargs):
    return [(row.line, dict(row)) for row in files.read_table(path, *args, **kwargs)]


def raises(path, message, *args, **kwargs):
    """read_table's FormatError, whose message must be exactly `path`, then `message`."""
    with pytest.raises(FormatError) as error:
        files.read_table(path, *args, **kwargs)
    assert str(error.value) == f"{path}{message}"


def test_quoted_newlines_crlf_and_bom_report_where_each_record_starts(tmp_path):
    path = write(tmp_path / "t.csv", '\ufeffid,text\r\n1,"a\r\nb"\r\n2,c\r\n3,"x\ny\nz"\r\n4,"w ""q"""')
    assert read(path, ["id", "text"]) == [(2, {"id": "1", "text": "a\r\nb"}), (4, {"id": "2", "text": "c"}),
                                          (5, {"id": "3", "text": "x\ny\nz"}),
                                          (8, {"id": "4", "text": 'w "q"'})]


def test_rows_carry_path_line_and_source(tmp_path):
    path = write(tmp_path / "t.csv", "id,text\n1,a\n")
    [row] = files.read_table(str(path), ["id", "text"])
    assert isinstance(row, Record) and (row.path, row.line, row.source) == (path, 2, f"{path}, line 2")


def test_blank_lines_hold_no_row_but_count_as_lines(tmp_path):
    path = write(tmp_path / "t.csv", "id,text\n\n1,a\n\n\n2,b\n\n")
    assert read(path, ["id", "text"]) == [(3, {"id": "1", "text": "a"}), (6, {"id": "2", "text": "b"})]


def test_header_names_are_stripped_and_extra_columns_dropped(tmp_path):
    path = write(tmp_path / "t.csv", " id , text ,notes\n1,a,n\n")
    assert read(path, ["id"], ["text"]) == [(2, {"id": "1", "text": "a"})]


def test_optional_columns_may_be_missing_or_empty(tmp_path):
    path = write(tmp_path / "t.csv", "id,text,label\n1,a,\n2,b,1\n")
    assert read(path, ["id", "text"], ["label", "extra"]) == [(2, {"id": "1", "text": "a", "label": ""}),
                                                            (3, {"id": "2", "text": "b", "label": "1"})]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(str(tmp_path / 'no.csv'))}: no such file$"):
        files.read_table(tmp_path / "no.csv", ["id"])


def test_empty_file(tmp_path):
    raises(write(tmp_path / "t.csv", ""), ": the file is empty", ["id"])


def test_missing_column_names_the_header(tmp_path):
    raises(write(tmp_path / "t.csv", "id,txt\n1,a\n"), ", line 1: missing column(s) 'text', 'label'; "
           "the header has ['id', 'txt']", ["id", "text", "label"])


@pytest.mark.parametrize("header, delimiter, name", [
    ("id\ttext", ",", "tabs"), ("id;text", ",", "semicolons"), ("id,text", "\t", "commas"),
    ("id;text", "\t", "semicolons"),
])
def test_wrong_delimiter_gets_a_hint(tmp_path, header, delimiter, name):
    path = write(tmp_path / "t.csv", f"{header}\n1{header[2]}a\n")
    raises(path, f", line 1: missing column(s) 'id', 'text'; the header has [{header!r}] (the header "
           f"seems separated by {name}: wrong delimiter?)", ["id", "text"], delimiter=delimiter)


def test_no_hint_without_another_delimiter(tmp_path):
    raises(write(tmp_path / "t.csv", "id text\n"), ", line 1: missing column(s) 'id'; the header has "
           "['id text']", ["id"])


def test_bad_csv_in_the_header(tmp_path):
    with pytest.raises(FormatError, match=r"t.csv, line 1: not valid CSV in the header \("):
        files.read_table(write(tmp_path / "t.csv", '"id,text\n1,a\n'), ["id"])


@pytest.mark.parametrize("body, line, found", [("1,a,b\n", 2, 3), ("1,a\n2\n", 3, 1),
                                               ('1,"a\nb"\n2,"c\nd",e\n', 4, 3)])
def test_wrong_field_count_names_the_record_start(tmp_path, body, line, found):
    raises(write(tmp_path / "t.csv", "id,text\n" + body), f", line {line}: expected 2 fields as in the "
           f"header ['id', 'text'], found {found} (truncated row or stray delimiter?)", ["id", "text"])


@pytest.mark.parametrize("body, line, column", [("1,a\n2, \n", 3, "text"), ('1,"a\nb"\n,c\n', 4, "id"),
                                                ('1,"  "\n', 2, "text")])
def test_empty_required_value(tmp_path, body, line, column):
    raises(write(tmp_path / "t.csv", "id,text\n" + body), f", line {line}: empty {column!r}", ["id", "text"])


def test_empty_optional_value_is_allowed(tmp_path):
    path = write(tmp_path / "t.csv", "id,text\n1,\n")
    assert read(path, ["id"], ["text"]) == [(2, {"id": "1", "text": ""})]


@pytest.mark.parametrize("body, line", [('1,a\n2,"open\n3,c\n', 3),        # unterminated quote
                                        ('1,"a\nb"x\n', 2),                # text after a closing quote
                                        ('1,a\n2,"x\ny"z\n3,c\n', 3)])      # the same, a record later
def test_invalid_csv_names_the_record_start(tmp_path, body, line):
    with pytest.raises(FormatError) as error:
        files.read_table(write(tmp_path / "t.csv", "id,text\n" + body), ["id", "text"])
    assert str(error.value).startswith(f"{tmp_path / 't.csv'}, line {line}: not valid CSV (")


def test_unquoted_files_keep_quotes_as_plain_characters(tmp_path):
    path = write(tmp_path / "t.tsv", 'id\ttext\n1\t"a"b "c\n2\t"\n')
    assert read(path, ["id", "text"], delimiter="\t", quoted=False) == [(2, {"id": "1", "text": '"a"b "c'}),
                                                                        (3, {"id": "2", "text": '"'})]
    with pytest.raises(FormatError, match="line 2: not valid CSV"):
        files.read_table(path, ["id", "text"], delimiter="\t")


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_write_then_read_round_trips(tmp_path, delimiter):
    rows = [["1", 'a "quoted" word', "c,d;e\tf"], ["2", "two\nlines", "crlf\r\ninside"], ["3", "è ✓ 😀", "x"]]
    path = files.write_table(tmp_path / "sub" / "t.csv", ["id", "text", "more"], rows, delimiter=delimiter)
    assert path == tmp_path / "sub" / "t.csv" and path.read_bytes().endswith(b"\n")
    back = files.read_table(path, ["id", "text", "more"], delimiter=delimiter)
    assert [[row["id"], row["text"], row["more"]] for row in back] == rows
    assert [row.line for row in back] == [2, 3, 6]  # a quoted CRLF is one line break


def test_write_uses_lf_minimal_quoting_and_optional_header(tmp_path):
    path = files.write_table(tmp_path / "t.csv", ["Id", "Expected"], [["0", 1], ["1", "a,b"]])
    assert path.read_bytes() == b'Id,Expected\n0,1\n1,"a,b"\n'
    path = files.write_table(tmp_path / "n.tsv", None, [["0", 1], ["1", 0]], delimiter="\t", quoted=False)
    assert path.read_bytes() == b"0\t1\n1\t0\n"


def test_jsonl_round_trip_with_lines(tmp_path):
    objects = [{"id": 1, "text": "è\nriga"}, {"id": "2", "text": "", "extra": [1, None]}]
    path = files.write_jsonl(tmp_path / "sub" / "t.jsonl", objects)
    assert path.read_text(encoding="utf-8") == '{"id": 1, "text": "è\\nriga"}\n' \
                                               '{"id": "2", "text": "", "extra": [1, null]}\n'
    back = files.read_jsonl(path, ["id", "text"])
    assert [dict(row) for row in back] == objects and [row.line for row in back] == [1, 2]
    assert back[1].source == f"{path}, line 2"


def test_jsonl_skips_blank_lines_and_a_bom(tmp_path):
    path = write(tmp_path / "t.jsonl", '\ufeff{"id": 1}\n\n   \n{"id": 2}')
    rows = files.read_jsonl(path, ["id"])
    assert [(row.line, dict(row)) for row in rows] == [(1, {"id": 1}), (4, {"id": 2})]


@pytest.mark.parametrize("text, required, message", [
    ('{"id": 1}\n{"id": 2\n', ["id"], "line 2: not valid JSON (Expecting ',' delimiter)"),
    ('{"id": 1}\n\n[1, 2]\n', ["id"], "line 3: expected a JSON object"),
    ('"id"\n', [], "line 1: expected a JSON object"),
    ('{"id": 1, "text": "a"}\n{"other": 2}\n', ["id", "text"], "line 2: missing key(s) 'id', 'text'"),
])
def test_jsonl_errors_name_file_and_line(tmp_path, text, required, message):
    path = write(tmp_path / "t.jsonl", text)
    with pytest.raises(FormatError) as error:
        files.read_jsonl(path, required)
    assert str(error.value) == f"{path}, {message}"


def test_format_error_without_a_line_names_the_file_only():
    assert str(FormatError("a.csv", 3, "bad")) == "a.csv, line 3: bad"
    assert str(FormatError(Path("a.csv"), None, "bad")) == "a.csv: bad"
    assert isinstance(FormatError("a.csv", 1, "x"), ValueError)


ROW = Record({"label": " 1 ", "empty": "  ", "score": " -2.5 ", "comma": "3,5"}, Path("dir/gold.csv"), 7)


def test_parse_label():
    assert files.parse_label(ROW, "label", ["0", "1"]) == "1"
    assert files.parse_label(ROW, "empty", ["0", "1"]) is None
    assert files.parse_label(ROW, "absent", ["0", "1"]) is None
    with pytest.raises(FormatError) as error:
        files.parse_label(ROW, "label", ["yes", "no"])
    assert str(error.value) == "dir/gold.csv, line 7: unknown label '1'; expected one of 'yes', 'no'"


def test_parse_float():
    assert files.parse_float(ROW, "score") == -2.5
    assert files.parse_float(ROW, "empty") is None and files.parse_float(ROW, "absent") is None
    with pytest.raises(FormatError) as error:
        files.parse_float(ROW, "comma")
    assert str(error.value) == "dir/gold.csv, line 7: comma '3,5' is not a number"


@pytest.mark.parametrize("reader", [
    lambda path: files.read_table(path, ["id", "text"]),
    lambda path: files.read_jsonl(path, ["id"]),
    files.read_text,
])
def test_a_file_that_is_not_utf8_names_file_line_and_byte(tmp_path, reader):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,text\n1,ciao\n2,perché\n".encode("latin-1"))
    with pytest.raises(FormatError) as error:
        reader(path)
    assert str(error.value) == (f"{path}, line 3: not UTF-8 (byte 0xe9 at column 8): save the file "
                                "as UTF-8")


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(FormatError, match=f"^{re.escape(str(tmp_path))}: is a folder, not a file$"):
        files.read_table(tmp_path, ["id"])


@pytest.mark.parametrize("key", ["null", '""', '"  "', "true", "[1]", "1.5"])
def test_jsonl_ids_must_be_strings_or_integers(tmp_path, key):
    path = write(tmp_path / "x.jsonl", '{"id": "a"}\n{"id": ' + key + "}\n")
    with pytest.raises(FormatError) as error:
        files.read_jsonl(path, ["id"])
    assert str(error.value).startswith(f"{path}, line 2: id ") and "is not an id" in str(error.value)
    assert [row["id"] for row in files.read_jsonl(write(tmp_path / "ok.jsonl", '{"id": 7}\n'), ["id"])] == [7]


def test_unquoted_write_round_trips_backslashes_and_quotes(tmp_path):
    rows = [["1", 'a "quoted" word'], ["2", r"C:\path\to"], ["3", ""]]
    path = files.write_table(tmp_path / "x.tsv", ["id", "text"], rows, delimiter="\t", quoted=False)
    back = files.read_table(path, ["id"], ["text"], delimiter="\t", quoted=False)
    assert [[row["id"], row["text"]] for row in back] == rows


@pytest.mark.parametrize("bad", ["a\tb", "a\nb", "a\rb"])
def test_unquoted_write_refuses_what_it_cannot_hold_and_keeps_the_earlier_file(tmp_path, bad):
    path = files.write_table(tmp_path / "x.tsv", None, [["1", "old"]], delimiter="\t", quoted=False)
    with pytest.raises(ValueError, match=r"x.tsv: row 2 has a delimiter or line break inside"):
        files.write_table(path, None, [["1", "ok"], ["2", bad]], delimiter="\t", quoted=False)
    assert path.read_text() == "1\told\n" and sorted(p.name for p in tmp_path.iterdir()) == ["x.tsv"]


def test_writers_refuse_a_folder_as_file(tmp_path):
    with pytest.raises(ValueError, match="is a folder: give a file name$"):
        files.write_table(tmp_path, None, [["1"]])


def test_jsonl_with_an_unreadable_number_names_the_line(tmp_path):
    path = write(tmp_path / "x.jsonl", '{"id": 1}\n{"id": ' + "9" * 5000 + "}\n")
    with pytest.raises(FormatError, match=r"x.jsonl, line 2: not readable JSON \(Exceeds the limit"):
        files.read_jsonl(path, ["id"])
