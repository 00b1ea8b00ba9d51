"""GeoLingIt (geolingit_a, geolingit_b): the synthetic sample, the official positional scorer, malformed
files, decoders; real files are checked when ../shared holds some (none was public)."""

import collections

import pytest

from biss_helpers import metrics
from biss_helpers.tasks import geolingit
from biss_helpers.tasks.files import FormatError

from .common import write

A, B = geolingit.GEOLINGIT_A, geolingit.GEOLINGIT_B


def round_trip(task, gold, folder):
    """read -> encode -> decode(target) -> write_submission -> read_submission -> score."""
    examples = task.read(gold)
    decoded = [task.decode(task.encode(e).target, e) for e in examples]
    assert all(d.parsed for d in decoded)
    written = task.write_submission([e.id for e in examples], [d.prediction for d in decoded], gold, folder)
    assert list(task.read_submission(folder)) == [e.id for e in examples]
    return examples, written, task.score(folder, gold)


def official_eval(subtask, gold, prediction):
    """eval.py of dhfbk/geolingit-evalita2023, restated: skip line 1, pair lines by position, read
    columns 3 (and 4) by index."""
    golds, preds = [], []
    with open(gold, encoding="utf-8") as g, open(prediction, encoding="utf-8") as p:
        for number, (line_g, line_p) in enumerate(zip(g, p, strict=False)):
            if number:
                golds.append(line_g.rstrip("\n").split("\t")[2:])
                preds.append(line_p.rstrip("\n").split("\t")[2:])
    if subtask == "a":
        return metrics.macro_f1([g[0] for g in golds], [p[0] for p in preds])
    return metrics.mean_haversine_km([tuple(map(float, g)) for g in golds],
                                     [tuple(map(float, p)) for p in preds])


def test_sample_round_trip_a_is_perfect_and_official(tmp_path):
    examples, [written], scores = round_trip(A, A.sample_paths("gold"), tmp_path)
    assert written.name == "biss.standard.a.1.tsv" and scores == {"macro_f1": 1.0, "accuracy": 1.0}
    assert [e.id for e in examples] == [str(i) for i in range(14222, 14238)]
    assert official_eval("a", A.sample_paths("gold")[0], written) == 1.0


def test_sample_round_trip_b_is_under_one_km_and_official(tmp_path):
    examples, [written], scores = round_trip(B, B.sample_paths("gold"), tmp_path)
    assert written.name == "biss.standard.b.1.tsv" and scores["mean_distance_km"] < 1.0
    assert official_eval("b", B.sample_paths("gold")[0], written) == pytest.approx(scores["mean_distance_km"])
    assert {B.encode(e).target.count(".") for e in examples} == {2}
    assert all(len(part.split(".")[1]) == 2 for e in examples for part in B.encode(e).target.split())


def test_sample_is_balanced_shared_and_unquoted():
    splits = ("train", "dev", "test", "gold")
    sizes = {(t.name, s): len(t.read(t.sample_paths(s))) for t in (A, B) for s in splits}
    assert set(sizes.values()) == {48, 16} and sizes[("geolingit_a", "train")] == 48
    train_a, train_b = A.read(A.sample_paths("train")), B.read(B.sample_paths("train"))
    assert [(e.id, e.fields) for e in train_a] == [(e.id, e.fields) for e in train_b]  # shared ids and texts
    counts = collections.Counter(e.gold for e in train_a)
    assert len(counts) == 16 and set(counts.values()) == {3}
    assert {"Emilia Romagna", "Friuli-Venezia Giulia", "Trentino-Alto Adige", "Marche"} <= set(counts)
    blind = A.read(A.sample_paths("test"))
    assert blind[0].id == "14222" and any(e.fields["text"].startswith('"') for e in blind)
    assert A.sample_paths("test") == B.sample_paths("test")
    for a, b in zip(train_a, train_b, strict=True):
        capital = geolingit.REGIONS[a.gold]
        assert metrics.haversine_km(capital, b.gold) < 200, (a.gold, b.gold)


def test_blind_submission_keeps_the_test_layout(tmp_path):
    blind = A.read(A.sample_paths("test"))
    for task in (A, B):
        guesses = [task.decode("???").prediction] * len(blind)
        [written] = task.write_submission([e.id for e in reversed(blind)], guesses, task.sample_paths("test"),
                                          tmp_path / task.name)
        lines = written.read_text(encoding="utf-8").split("\n")
        assert lines[0] == "\t".join(["id", "text", *task.gold_columns]) and lines[-1] == ""
        rows = [line.split("\t") for line in lines[1:-1]]
        assert [r[:2] for r in rows] == [[e.id, e.fields["text"]] for e in blind]  # test order, texts kept
        assert all(len(r) == 2 + len(task.gold_columns) for r in rows)
    assert rows[0][2:] == ["41.9", "12.5"]


def test_points_off_the_earth_are_refused_in_submissions(tmp_path):
    path = write(tmp_path / "biss.standard.b.1.tsv", "id\ttext\tlatitude\tlongitude\n1\tx\t41.9\t12.5\n"
                                                     "2\ty\t4223\t12.5\n")
    message = r"b\.1\.tsv, line 3: latitude '4223' is outside the range \[-90, 90\]"
    with pytest.raises(FormatError, match=message):
        B.read_submission(path)
    blind = B.read(B.sample_paths("test"))
    with pytest.raises(ValueError, match=r"\(nan, 12\.5\) is not a \(latitude, longitude\) point"):
        B.write_submission([e.id for e in blind], [(float("nan"), 12.5)] * len(blind), B.sample_paths("test"),
                           tmp_path / "out")


def test_scores_refuse_a_reordered_submission(tmp_path):
    gold = A.sample_paths("gold")[0]
    lines = gold.read_text(encoding="utf-8").split("\n")
    (tmp_path / "biss.standard.a.1.tsv").write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]))
    with pytest.raises(ValueError, match="row 2 has id '14223'.*pairs rows by position"):
        A.score(tmp_path, gold)
    (tmp_path / "biss.standard.a.1.tsv").write_text("id\tregion\ttext\n14222\tLazio\tx\n")
    with pytest.raises(FormatError, match="line 1: header .* in this order"):
        A.read_submission(tmp_path)


def test_macro_f1_averages_over_the_regions_present(tmp_path):
    gold = A.sample_paths("gold")[0]
    examples = A.read(gold)
    predicted = [e.gold for e in examples]
    predicted[0] = "Veneto" if predicted[0] != "Veneto" else "Lazio"
    A.write_submission([e.id for e in examples], predicted, gold, tmp_path)
    expected = official_eval("a", gold, tmp_path / "biss.standard.a.1.tsv")
    assert A.score(tmp_path, gold)["macro_f1"] == expected and 0.9 < expected < 1.0


def test_any_spelling_of_a_region_reads_as_the_official_one(tmp_path):
    path = tmp_path / "dev_a.tsv"
    path.write_text("id\ttext\tregion\n1\ta\tEmilia-Romagna\n2\tb\tTrentino Alto Adige\n3\tc\tfriuli venezia "
                    "giulia\n4\td\tValle d'Aosta\n5\te \"f\tUmbria\n", encoding="utf-8")
    assert [e.gold for e in A.read(path)] == ["Emilia Romagna", "Trentino-Alto Adige",
                                              "Friuli-Venezia Giulia", "Valle d'Aosta", "Umbria"]
    assert A.read(path)[4].fields["text"] == 'e "f'


@pytest.mark.parametrize("task, text, message", [
    (A, "id\tregion\n1\tLazio\n", "line 1: missing column(s) 'text'"),
    (A, "id\ttext\tregion\n1\tciao\tLazio\n2\tciao\tAtlantide\n", "line 3: unknown region 'Atlantide'"),
    (A, "id\ttext\tregion\n1\tciao\tLazio\n2\tciao\n", "line 3: expected 3 fields"),
    (A, "id,text,region\n1,ciao,Lazio\n", "commas: wrong delimiter?"),
    (A, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\t12.5\n", "line 1: a subtask B file"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\t12.5\n2\tciao\tnord\t12.5\n",
     "line 3: latitude 'nord' is not a number"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\t\n", "line 2: latitude and longitude must be both"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\t12.5\n2\tciao\t4223\t12.5\n",
     "line 3: latitude '4223' is outside the range [-90, 90]"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\t-181\n", "line 2: longitude '-181' is outside the"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\tnan\t12.5\n", "line 2: latitude 'nan' is not a finite"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\tinf\n", "line 2: longitude 'inf' is not a finite"),
    (B, "id\ttext\tlatitude\tlongitude\n1\tciao\t41.9\t12.5\t7\n", "line 2: expected 4 fields"),
    (B, "id\ttext\tregion\n1\tciao\tLazio\n", "line 1: a subtask A file"),
])
def test_malformed_files_name_file_and_line(tmp_path, task, text, message):
    path = tmp_path / "train.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        task.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


@pytest.mark.parametrize("text, region", [
    ("Lombardia", "Lombardia"), ("[regione] Lombardia [geo] 45.46 9.15", "Lombardia"),  # ours, ExtremITA
    ("Marche", "Marche"),                                                                # BISS-2024
    ("lombardia", "Lombardia"), ("SICILIA!", "Sicilia"), ("Emilia-Romagna", "Emilia Romagna"),
    ("Friuli Venezia Giulia", "Friuli-Venezia Giulia"), ("Trentino Alto Adige", "Trentino-Alto Adige"),
    ("Valle d’Aosta", "Valle d'Aosta"), ("Vallée d'Aoste", "Valle d'Aosta"),
    ("Südtirol", "Trentino-Alto Adige"), ("Venezia Giulia", "Friuli-Venezia Giulia"), ("Sicily", "Sicilia"),
    ("Il tweet viene dalla Puglia, direi.", "Puglia"), ("Regione: Toscana", "Toscana"),
    ("Lombrdia", "Lombardia"), ("[regione] Sardgna [geo] 39.22 9.12", "Sardegna"),            # typos
])
def test_decode_a_is_tolerant(text, region):
    d = A.decode(text)
    assert (d.prediction, d.parsed) == (region, True)


@pytest.mark.parametrize("text, point", [
    ("45.46 9.19", (45.46, 9.19)), ("[regione] Lombardia [geo] 45.46 9.15", (45.46, 9.15)),
    ("45,46 9,19", (45.46, 9.19)), ("lat 45.46, lon 9.19.", (45.46, 9.19)), ("9.19 45.46", (45.46, 9.19)),
    ("47.5 6", (47.5, 6.0)), ("35 19", (35.0, 19.0)),                    # the box's corners
    ("Sicilia", geolingit.REGIONS["Sicilia"]), ("[regione] Lazio [geo]", geolingit.REGIONS["Lazio"]),
])
def test_decode_b_is_tolerant(text, point):
    d = B.decode(text)
    assert (d.prediction, d.parsed) == (point, True)


@pytest.mark.parametrize("text", ["48.9 9.1", "36.0 21.0", "34.9 12", "45.46 5.9", "9.1 48.9", "4546 919",
                                  "[regione] Lombardia [geo] 4223 9.19", "45.46 " + "9" * 400])
def test_coordinates_off_italy_are_unparsed_never_clipped(text):
    assert B.decode(text) == geolingit.Decoded(B.fallback, False)


@pytest.mark.parametrize("garbage", ["", "   ", "boh", "#@!?", "\x00\t\n", "1234", "1000 2000", "-45 -9",
                                     "[geo] zz", "1" * 400 + " 5", "45.46 9e999", "1e2 9.19"])
def test_garbage_decodes_to_the_fallback(garbage):
    assert [(d.prediction, d.parsed) for d in (A.decode(garbage), B.decode(garbage))] == [
        ("Lazio", False), ((41.9, 12.5), False)]


# Real files: none was public when this was written (see the geolingit module docstring); any TSV under
# ../shared/evalita/real/geolingit* is checked, sorted by its header: region (A), latitude (B) or blind.
def real_files(shared_dir, kind):
    found = []
    for path in sorted((shared_dir / "evalita/real").glob("geolingit*/**/*.tsv")):
        header = path.read_text(encoding="utf-8-sig").split("\n", 1)[0].rstrip("\r").split("\t")
        if kind == ("a" if "region" in header else "b" if "latitude" in header else ""):
            found.append(path)
    if not found:
        pytest.skip(f"no real GeoLingIt file of kind {kind!r} in ../shared")
    return found


@pytest.mark.parametrize("task", [A, B])
def test_real_labelled_files_round_trip(task, shared_dir, tmp_path):
    for number, path in enumerate(real_files(shared_dir, task.subtask)):
        examples, [written], scores = round_trip(task, path, tmp_path / str(number))
        assert len(examples) == len(path.read_text(encoding="utf-8").strip("\n").split("\n")) - 1
        assert scores[task.metric] == 1.0 if task is A else scores[task.metric] < 1.0
        assert official_eval(task.subtask, path, written) == pytest.approx(scores[task.metric])


def test_real_blind_test_gets_both_submissions(shared_dir, tmp_path):
    for path in real_files(shared_dir, ""):
        blind = A.read(path)
        assert blind and all(e.gold is None for e in blind)
        for task in (A, B):
            [written] = task.write_submission([e.id for e in blind], [task.fallback] * len(blind), path,
                                              tmp_path / task.name)
            ids = [line.split("\t")[0] for line in written.read_text(encoding="utf-8").splitlines()[1:]]
            assert ids == [e.id for e in blind]
