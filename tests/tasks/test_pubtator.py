"""PubTator-like files: documents, relations on exact offsets, blind files and errors (tasks.pubtator)."""

import pytest

from biss_helpers.tasks.files import FormatError
from biss_helpers.tasks.pubtator import Document, documents

from .common import write

TEXT = "Hb 9 g/dl, PCR 12 mg/l."  # results "9 g/dl" (3-9) and "12 mg/l" (15-22); tests "Hb" and "PCR"
EXPECTED = "expected DOCID|t|TEXT, or DOCID<TAB>REL<TAB>start-end<TAB>start-end[<TAB>result<TAB>test] " \
           "of the document above it"
DOC = f"1|t|{TEXT}\n"
OUTSIDE = "are not start-end inside the text (23 characters)"



def error_of(path):
    with pytest.raises(FormatError) as error:
        documents(path)
    return str(error.value)


def test_documents_relations_and_offsets_into_the_text(tmp_path):
    path = write(tmp_path / "training.txt", f"1|t|{TEXT}\n1\tREL\t15-22\t11-14\t12 mg/l\tPCR\n"
                                            "1\tREL\t3-9\t0-2\t9 g/dl\tHb\n\n2|t|Nulla da segnalare.\n\n")
    first, second = documents(path)
    assert first == Document("1", TEXT, [(3, 9, 0, 2), (15, 22, 11, 14)], 1)
    assert second == Document("2", "Nulla da segnalare.", [], 5)  # a labelled file: no relation is []
    assert [(TEXT[rs:re], TEXT[ts:te]) for rs, re, ts, te in first.relations] == [("9 g/dl", "Hb"),
                                                                                  ("12 mg/l", "PCR")]


def test_text_columns_are_optional_and_repeats_count_once(tmp_path):
    path = write(tmp_path / "training.txt", DOC + "1\tREL\t3-9\t0-2\n1\tREL\t 3 - 9 \t0-2\t9 g/dl\tHb\n"
                                                  "1\tREL\t3-9\t11-14\n")
    [doc] = documents(str(path))
    assert doc.relations == [(3, 9, 0, 2), (3, 9, 11, 14)]


def test_a_file_without_relations_is_blind(tmp_path):
    path = write(tmp_path / "test.txt", f"1|t|{TEXT}\n\n2|t|Altro.\n")
    assert [(d.id, d.relations, d.line) for d in documents(path)] == [("1", None, 1), ("2", None, 3)]


def test_bom_crlf_blank_lines_and_pipes_in_the_text(tmp_path):
    text = "Valori | t | ok: Hb 9"
    body = f"\ufeff\r\n 7 |t|{text}\r\n7\tREL\t20-21\t17-19\t9\tHb\r\n\r\n\r\n"
    path = write(tmp_path / "training.txt", body)
    [doc] = documents(path)
    assert (doc.id, doc.text, doc.relations, doc.line) == ("7", text, [(20, 21, 17, 19)], 2)


@pytest.mark.parametrize("body, line, problem", [
    ("1\tREL\t3-9\t0-2\n", 1, EXPECTED),                          # before any document
    (DOC + "1 REL 3-9 0-2\n", 2, EXPECTED + " (spaces instead of TABs?)"),
    (DOC + "2\tREL\t3-9\t0-2\n", 2, EXPECTED),                    # another document's id
    (DOC + "\n2|t|Altro.\n1\tREL\t3-9\t0-2\n", 4, EXPECTED),      # not the one above it
    (DOC + "1\tREL\t3-9\t0-2\t9 g/dl\n", 2, EXPECTED),            # one text column of two
    (DOC + "1\tRELATION\t3-9\t0-2\n", 2, EXPECTED),
    (DOC + "una riga qualsiasi\n", 2, EXPECTED),
    (DOC + "1\tREL\t3-9\t0-24\n", 2, f"offsets '0-24' {OUTSIDE}"),
    (DOC + "1\tREL\t9-3\t0-2\n", 2, f"offsets '9-3' {OUTSIDE}"),
    (DOC + "1\tREL\t3-3\t0-2\n", 2, f"offsets '3-3' {OUTSIDE}"),
    (DOC + "1\tREL\t3-9\tHb\n", 2, f"offsets 'Hb' {OUTSIDE}"),
    (DOC + "1\tREL\t3-9\t0-2\t9 g/dl\tPCR\n", 2, "offsets 0-2 give 'Hb', but the line says 'PCR'"),
    (DOC + "1\tREL\t3-8\t0-2\t9 g/dl\tHb\n", 2, "offsets 3-8 give '9 g/d', but the line says '9 g/dl'"),
    (DOC + "\n1|t|Di nuovo.\n", 3, "document '1' appears twice"),
])
def test_malformed_files_name_file_and_line(tmp_path, body, line, problem):
    path = write(tmp_path / "training.txt", body)
    assert error_of(path) == f"{path}, line {line}: {problem}"


@pytest.mark.parametrize("body", ["", "\n\n", " \r\n"])
def test_a_file_without_documents_is_an_error(tmp_path, body):
    path = write(tmp_path / "training.txt", body)
    assert error_of(path) == f"{path}: no document (no DOCID|t|TEXT line)"


def test_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="training.txt: no such file$"):
        documents(tmp_path / "training.txt")
