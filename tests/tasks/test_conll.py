"""Token-per-line files: sentences, IO/IOB2 tags, mentions and line-aligned writing (tasks.conll)."""

import pytest

from biss_helpers.tasks import conll
from biss_helpers.tasks.files import FormatError

from .common import write


def test_sentences_with_their_first_line_tokens_and_tags(tmp_path):
    path = write(tmp_path / "WN_dev.tsv", "Alcide\tB-PER\nDe\tI-PER\nGasperi\tI-PER\nnacque\tO\n\n"
                                          "A\tO\nTrento\tB-LOC\n\n\n\nFine\tO\n")
    found = conll.sentences(path)
    assert found == [(1, ["Alcide", "De", "Gasperi", "nacque"], ["B-PER", "I-PER", "I-PER", "O"]),
                     (6, ["A", "Trento"], ["O", "B-LOC"]),
                     (11, ["Fine"], ["O"])]
    first, tokens, tags = found[0]
    assert [tokens[a:b] for a, b, _ in conll.mentions(tags)] == [["Alcide", "De", "Gasperi"]]


def test_bom_crlf_whitespace_separators_and_no_final_newline(tmp_path):
    path = write(tmp_path / "x.tsv", "\ufeffA\tB-PER\r\nb\t I-PER \r\n\r\n \t \r\nC\tO")
    assert conll.sentences(str(path)) == [(1, ["A", "b"], ["B-PER", "I-PER"]), (5, ["C"], ["O"])]


def test_a_blind_file_has_tokens_only(tmp_path):
    path = write(tmp_path / "blind.tsv", "Mario\nRossi\n\nRoma\n")
    assert conll.sentences(path) == [(1, ["Mario", "Rossi"], None), (4, ["Roma"], None)]


@pytest.mark.parametrize("text, line, fields", [
    ("A\tO\nB\n", 2, ["B"]),                     # a token alone in a tagged file
    ("A\nB\tO\n", 2, ["B", "O"]),                # a tag in a blind file
    ("A\tO\n\nB\tO\tX\n", 3, ["B", "O", "X"]),   # a third column
    ("A\tO\tX\n", 1, ["A", "O", "X"]),
    ("A\tO\n\tO\n", 2, ["", "O"]),               # an empty token
    ("A\tO\n \tO\n", 2, [" ", "O"]),
])
def test_malformed_lines_name_file_and_line(tmp_path, text, line, fields):
    path = write(tmp_path / "x.tsv", text)
    with pytest.raises(FormatError) as error:
        conll.sentences(path)
    assert str(error.value) == (f"{path}, line {line}: expected token<TAB>tag (or a token alone in a blind "
                                f"file) as on the first line, found {fields!r}")


@pytest.mark.parametrize("text", ["", "\n\n", " \n\t\n"])
def test_a_file_without_sentences_is_an_error(tmp_path, text):
    path = write(tmp_path / "x.tsv", text)
    with pytest.raises(FormatError) as error:
        conll.sentences(path)
    assert str(error.value) == f"{path}: no sentence: the file is empty"


def test_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no.tsv: no such file$"):
        conll.sentences(tmp_path / "no.tsv")


def test_check_tag_gets_the_raw_tag_path_and_line(tmp_path):
    path = write(tmp_path / "x.tsv", "A\tO\n\nB\tb-per \nC\tXYZ\n")
    seen = []

    def check(raw, where, line):
        seen.append((raw, where, line))
        if raw.strip().upper() not in ("O", "B-PER"):
            raise FormatError(where, line, f"unknown tag {raw!r}")
        return raw.strip().upper()

    with pytest.raises(FormatError) as error:
        conll.sentences(path, check_tag=check)
    assert str(error.value) == f"{path}, line 4: unknown tag 'XYZ'"
    assert seen == [("O", path, 1), ("b-per ", path, 3), ("XYZ", path, 4)]
    write(path, "A\tO\n\nB\tb-per \n")
    assert conll.sentences(path, check_tag=check) == [(1, ["A"], ["O"]), (3, ["B"], ["B-PER"])]


@pytest.mark.parametrize("tags, expected", [
    (["PER", "PER", "O", "LOC"], ["B-PER", "I-PER", "O", "B-LOC"]),                    # IO (KIND)
    (["PER", "LOC", "LOC"], ["B-PER", "B-LOC", "I-LOC"]),
    (["I-PER", "I-PER", "B-PER"], ["B-PER", "I-PER", "B-PER"]),                        # a stray I- opens
    (["O", "I-LOC", "B-LOC", "LOC"], ["O", "B-LOC", "B-LOC", "I-LOC"]),
    (["B-PER", "I-ORG", "ORG"], ["B-PER", "B-ORG", "I-ORG"]),
    (["B-PER", "I-PER", "O", "B-ORG"], ["B-PER", "I-PER", "O", "B-ORG"]),              # IOB2 unchanged
    ([], []),
])
def test_iob2(tags, expected):
    assert conll.iob2(tags) == expected
    assert conll.iob2(expected) == expected


@pytest.mark.parametrize("tags, found", [
    (["B-PER", "I-PER", "I-PER", "O"], [(0, 3, "PER")]),
    (["B-PER", "B-PER", "I-PER"], [(0, 1, "PER"), (1, 3, "PER")]),      # touching mentions stay two
    (["B-PER", "I-LOC", "O"], [(0, 1, "PER"), (1, 2, "LOC")]),           # an I- of another type opens one
    (["O", "I-ORG", "I-ORG"], [(1, 3, "ORG")]),
    (["O", "B-LOC"], [(1, 2, "LOC")]),
    (["O", "O"], []),
    ([], []),
])
def test_mentions(tags, found):
    assert conll.mentions(tags) == found


def test_io_tags_cannot_separate_touching_mentions():
    assert conll.mentions(conll.iob2(["PER", "PER", "O", "PER"])) == [(0, 2, "PER"), (3, 4, "PER")]


def test_write_like_keeps_tokens_blank_lines_and_line_ends(tmp_path):
    reference = write(tmp_path / "blind.tsv", "Mario\r\nRossi\r\n\r\nA\r\nRoma\r\n")
    out = conll.write_like(reference, tmp_path / "run.tsv", [["B-PER", "I-PER"], ["O", "B-LOC"]])
    assert out == tmp_path / "run.tsv"
    assert out.read_bytes() == b"Mario\tB-PER\r\nRossi\tI-PER\r\n\r\nA\tO\r\nRoma\tB-LOC\r\n"
    assert [tags for _, _, tags in conll.sentences(out)] == [["B-PER", "I-PER"], ["O", "B-LOC"]]


def test_write_like_replaces_old_tags_and_keeps_odd_blank_lines(tmp_path):
    reference = write(tmp_path / "gold.tsv", "\ufeffA\tB-PER\n  \nB\tO\nC\tO")
    out = conll.write_like(reference, tmp_path / "run.tsv", [["O"], ["B-LOC", "I-LOC"]])
    assert out.read_text(encoding="utf-8") == "A\tO\n\nB\tB-LOC\nC\tI-LOC"
    assert conll.sentences(out) == [(1, ["A"], ["O"]), (3, ["B", "C"], ["B-LOC", "I-LOC"])]


@pytest.mark.parametrize("tags, message", [
    ([["O", "O"]], r"x.tsv, line 4: sentence 2 has no tags \(only 1 tag lists given\)$"),
    ([["O", "O"], ["O"], ["O"]], r"x.tsv: 3 tag lists for 2 sentences$"),
    ([["O"], ["O"]], r"x.tsv, line 2: more tokens than the 1 tags of sentence 1$"),
    ([["O", "O", "O"], ["O"]], r"x.tsv, line 3: the sentence ends with 1 tags left over$"),
    ([["O", "O"], ["O", "O"]], r"x.tsv: 2 tag lists for 2 sentences, the last with 1 tags left over$"),
])
def test_write_like_needs_one_tag_per_token_and_keeps_the_earlier_file(tmp_path, tags, message):
    reference = write(tmp_path / "x.tsv", "A\nB\n\nC")
    out = write(tmp_path / "run.tsv", "earlier\n")
    with pytest.raises(ValueError, match=message):
        conll.write_like(reference, out, tags)
    assert out.read_text() == "earlier\n"
