"""ExtremITA's 4-column rows in the course's verbalisation (tasks.extremita): every structured form
converts, a row that cannot is listed and never dropped, and the real BISS-2024 train_100.txt."""

from biss_helpers import fourcol
from biss_helpers.tasks import extremita

# A tiny sample in the style of the BISS-2024 files (id, task, input, ExtremITA's target), written
# for these tests: a few rows of each form ExtremITA's targets take, and what the course says instead.
SAMPLE = """\
b1\tnermud\tPiove forte stamattina .\tnan
b2\tnermud\tIl Comitato Olimpico e la Lega Nuoto a Torino .\t[ORG] Comitato Olimpico Lega Nuoto [LOC] Torino
b3\tnermud\tBruni saluta Verdi , poi Bruni parte per Genova .\t[PER] Bruni Verdi Bruni [LOC] Genova
b4\tnermud\tLa Banca Agricola di Cuneo apre .\t[ORG] Banca Agricola di Cuneo
h1\thodi_b\tChe bella giornata al mare\tnan
h2\thodi_b\tEcco i soliti froci, sempre in piazza: che schifo!\tsoliti froci che schifo
h3\thodi_b\tsei proprio un frocio di merda\tfrocio di merda
c1\tclinkart\tHb 9,5 g/dl e PCR 12 mg/l.\t[BREL] 9,5 g/dl [SEP] Hb [EREL] [BREL] 12 mg/l [SEP] PCR [EREL]
c2\tclinkart\tEsame obiettivo nella norma.\t[NOREL]
p1\tpoliticit\tOggi in aula per la scuola pubblica\tdonna sinitra centrosinitra
d1\tdiscotex_1\tTre frasi di fila. [SEP] Una frase dopo.\tCoerente
d2\tdiscotex_2\tTre frasi di fila. [SEP] Una frase dopo.\t3.42
w1.noun.1\twicita_1\tUn buon affare . [sep] Affari esteri .\taffare differente
w1.noun.1\twicita_2\tUn buon affare . [sep] Affari esteri .\taffare 1.5
e1\temit_a\tBuongiorno a tutti\tnan
v1\temotivita\tChe bella notizia!\t3.5 3.6 3.5
g1\tgeolingit_b\tAnnamo a magnà\t41.8 12.5
"""
COURSE = {
    "b1": "nessuna", "b2": "[ORG] Comitato Olimpico [ORG] Lega Nuoto [LOC] Torino",
    "b3": "[PER] Bruni [PER] Verdi [PER] Bruni [LOC] Genova", "b4": "[ORG] Banca Agricola di Cuneo",
    "h1": "nessuna", "h2": "soliti froci [gap] che schifo", "h3": "frocio di merda",
    "c1": "[risultato] 9,5 g/dl [esame] Hb [risultato] 12 mg/l [esame] PCR", "c2": "nessuna",
    "p1": "donna sinistra centrosinistra", "d1": "coerente", "d2": "3.42", "w1.noun.1": None,
    "e1": "nessuna", "v1": "3.50 3.60 3.50", "g1": "41.80 12.50",
}
# Rows no decoder can read, or whose parts are not in the input.
BAD = """\
x1\tnermud\tRoma è bella .\t[PER] Zorro
x2\tacti_a\tIl vaccino ci controlla\tboh
x3\thodi_b\tsiete tutti froci\tfroci zzz
"""


def sample_rows(text):
    return [fourcol.Row(*line.split("\t")) for line in text.splitlines()]


def test_every_form_converts_to_the_course_verbalisation():
    rows = sample_rows(SAMPLE)
    result = extremita.convert(rows)
    assert result.not_converted == [] and len(result.rows) == len(rows)
    assert [(r.id, r.task, r.input) for r in result.rows] == [(r.id, r.task, r.input) for r in rows]
    targets = {(r.id, r.task): r.target for r in result.rows}
    assert targets.pop(("w1.noun.1", "wicita_1")) == "differente"
    assert targets.pop(("w1.noun.1", "wicita_2")) == "1.5"
    assert {key: target for (key, _), target in targets.items()} == \
        {key: target for key, target in COURSE.items() if target is not None}
    assert result.summary().splitlines()[:3] == ["nermud: 4 of 4 converted", "hodi_b: 3 of 3 converted",
                                                 "clinkart: 2 of 2 converted"]


def test_a_row_that_does_not_convert_is_listed_not_dropped():
    result = extremita.convert(sample_rows(SAMPLE) + sample_rows(BAD)
                               + [fourcol.Row("x4", "acti_c", "testo", "sì")])
    counts = {name: (c.rows, c.converted, len(c.not_converted)) for name, c in result.tasks.items()}
    assert counts["nermud"] == (5, 4, 1) and counts["hodi_b"] == (4, 3, 1)
    assert counts["acti_a"] == (1, 0, 1) and counts["acti_c"] == (1, 0, 1)
    assert all(rows == converted + listed for rows, converted, listed in counts.values())
    assert [(m.row.id, m.where, m.why) for m in result.not_converted] == [
        ("x1", "row 18", "unplaced '[PER] Zorro'"), ("x3", "row 20", "unplaced 'zzz'"),
        ("x2", "row 19", "unparsed 'boh'"),
        ("x4", "row 21", "unknown task 'acti_c'; known tasks: acti_a, acti_b, clinkart, discotex_1, "
                         "discotex_2, emit_a, emit_b, emotivita, geolingit_a, geolingit_b, haspeede, hodi_a, "
                         "hodi_b, langlearn, multifakedetective, nermud, politicit, wicita_1, wicita_2")]
    lines = result.summary().splitlines()
    assert lines[0] == "nermud: 4 of 5 converted; not converted: x1 (row 18: unplaced '[PER] Zorro')"
    assert "acti_a: 0 of 1 converted; not converted: x2 (row 19: unparsed 'boh')" in lines
    assert len(lines) == len(result.tasks)


def test_an_empty_target_is_listed_and_the_summary_names_at_most_ten_rows():
    rows = [fourcol.Row(str(n), "haspeede", "ciao", "" if n % 2 else "boh") for n in range(24)]
    result = extremita.convert(rows)
    [line] = result.summary().splitlines()
    assert line.startswith("haspeede: 0 of 24 converted; not converted: 0 (row 1: unparsed 'boh'), "
                           "1 (row 2: unparsed: empty target), ")
    assert line.endswith(", and 14 more") and len(result.not_converted) == 24


def test_a_file_is_read_and_rows_are_named_by_line(tmp_path):
    path = tmp_path / "train_100.txt"
    path.write_text(SAMPLE.replace("h1\t", "\nh1\t") + BAD, encoding="utf-8")  # a blank line before h1
    result = extremita.convert(path)
    assert result.source == str(path) and len(result.rows) == len(COURSE) + 1
    assert [(m.row.id, m.where) for m in result.not_converted] == [
        ("x1", "line 19"), ("x3", "line 21"), ("x2", "line 20")]


def test_the_real_biss_train_file_converts_nearly_whole(shared_dir):
    path = shared_dir / "evalita" / "real" / "biss2024" / "train_100.txt"
    rows = fourcol.read(path)
    result = extremita.convert(path)
    # every row is converted or listed, per task
    assert {name: count.rows for name, count in result.tasks.items()} == fourcol.counts(rows)
    assert all(c.rows == c.converted + len(c.not_converted) for c in result.tasks.values())
    assert len(result.rows) + len(result.not_converted) == len(rows) == 1667
    assert len(result.rows) == 1667 and not result.not_converted   # every row, once read unquoted
    # inputs kept as they are, without the file's CSV quoting (223 lines quote a field holding a quote)
    originals = {(r.id, r.task, extremita.unquote(r.input)) for r in rows}
    assert all((r.id, r.task, r.input) in originals for r in result.rows)
    assert sum(r.input != extremita.unquote(r.input) for r in rows) > 100
    targets = [r.target for r in result.rows]
    assert "nan" not in targets and not any("sinitra" in t for t in targets)
    assert {r.target for r in result.rows if r.task == "discotex_1"} == {"coerente"}
    assert {r.target for r in result.rows if r.task == "wicita_1"} <= {"uguale", "differente"}
