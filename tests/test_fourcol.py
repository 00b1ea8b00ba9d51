"""The 4-column format (id, task, input, target): reading, writing, errors naming the line."""

import pytest

from biss_helpers import fourcol
from biss_helpers.tasks.files import FormatError

TUTORIAL_STYLE = (
    "1\tgeolingit_a\tNon ho capito se i boni indossano le birkenstock\tMarche\n"
    "2\tacti_a\tIl vaccino è un piano per controllarci tutti\tsì\r\n"
    "3\thaspeede\t@user Che bella giornata [URL]\tno\n"
    "\n"
    "4\twicita_1\tfrase uno [SEP] frase due\taffare differente\n"
)


def test_write_flattens_and_read_round_trips(tmp_path):
    rows = [fourcol.Row("a 1", "acti_a", "riga uno\nriga\tdue  ", "cospirazione"),
            fourcol.Row("007", "acti_b", "testo", "")]
    assert fourcol.write(tmp_path / "x.tsv", rows) == 2
    back = fourcol.read(tmp_path / "x.tsv")
    assert back == [fourcol.Row("a 1", "acti_a", "riga uno riga due", "cospirazione"),
                    fourcol.Row("007", "acti_b", "testo", "")]
    assert (tmp_path / "x.tsv").read_text().count("\t") == 6


def test_reads_the_tutorial_layout(tmp_path):
    path = tmp_path / "train_100.txt"
    path.write_bytes(TUTORIAL_STYLE.encode("utf-8"))
    known = ["geolingit_a", "acti_a", "haspeede", "wicita_1"]
    rows = fourcol.read(path, known=known)
    assert [r.id for r in rows] == ["1", "2", "3", "4"]
    assert rows[1].target == "sì" and fourcol.counts(rows)["acti_a"] == 1


def test_unknown_task_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("1\tacti_a\tciao\tno\n2\ttask_sconosciuto\tciao\tno\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"x.tsv, line 2: unknown task 'task_sconosciuto'; known"):
        fourcol.read(path)


@pytest.mark.parametrize("line, problem", [("1\tacti_a\n", "found 2"),
                                            ("1\tacti_a\ta\tb\tc\n", "found 5"),
                                            ("\tacti_a\ttesto\tno\n", "empty id")])
def test_malformed_rows_name_the_line(tmp_path, line, problem):
    path = tmp_path / "x.tsv"
    path.write_text("1\tacti_a\tok\tno\n" + line, encoding="utf-8")
    with pytest.raises(FormatError, match=f"line 2: .*{problem}"):
        fourcol.read(path)


def test_a_bad_row_leaves_the_earlier_file_whole(tmp_path):
    path = tmp_path / "rows.tsv"
    good = [fourcol.Row(str(i), "acti_a", f"testo {i}", "cospirazione") for i in range(4)]
    assert fourcol.write(path, good) == 4
    with pytest.raises(ValueError, match=r"rows.tsv: row 5 \(id ''\) has an empty id$"):
        fourcol.write(path, good + [fourcol.Row("", "acti_a", "x", "y")] + good)
    assert fourcol.read(path) == good and sorted(p.name for p in tmp_path.iterdir()) == ["rows.tsv"]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "rows.tsv"
    path.write_bytes("1\tacti_a\tciao\tsì\n".encode("latin-1"))
    with pytest.raises(FormatError, match=r"rows.tsv, line 1: not UTF-8 \(byte 0xec at column 16\)"):
        fourcol.read(path)
