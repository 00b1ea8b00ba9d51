"""LangLearn (langlearn): order codes of both datasets, pair TSVs with their essay XMLs, blind
test files, reversed pairs for training, one submission file per dataset, the decoder."""

import collections
import re

import pytest

from biss_helpers.tasks import langlearn
from biss_helpers.tasks.base import Decoded
from biss_helpers.tasks.files import FormatError

from . import common

T = langlearn.LANGLEARN
HEADER = "Essay_1\tEssay_2\tOrder_1\tOrder_2"


def round_trip(gold, folder):
    return common.round_trip(T, gold, folder)


def test_order_codes_sort_chronologically():
    def key(code):
        return langlearn.order_key(code)[1]

    assert sorted(["2_1", "1_10", "1_6", "1_2"], key=key) == ["1_2", "1_6", "1_10", "2_1"]
    assert sorted(["F17", "SU18", "W18", "S17", "su17", "F18", "S18", "W2019"], key=key) == [
        "S17", "su17", "F17", "W18", "S18", "SU18", "F18", "W2019"]
    assert langlearn.order_key(" 1_4 ") == ("CItA", (1, 4))
    assert langlearn.order_key("F20") == ("COWS-L2H", (2020, 3))
    assert [langlearn.order_key(c) for c in ("X17", "1-4", "F", "")] == [None] * 4


def test_sample_round_trip_writes_one_file_per_dataset(tmp_path):
    examples, written, scores = round_trip(T.sample_paths("gold"), tmp_path)
    assert [p.name for p in written] == ["Test_CItA.tsv", "Test_COWS-L2H.tsv"]
    assert scores == {"macro_f1": 1.0, "accuracy": 1.0}
    for path, dataset in zip(written, ("CItA", "COWS-L2H"), strict=True):
        lines = path.read_text(encoding="utf-8").splitlines()
        gold_lines = T.sample_paths("gold")[0 if dataset == "CItA" else 2].read_text().splitlines()
        assert lines[0] == HEADER + "\tPred"
        assert [line.rsplit("\t", 1)[0] for line in lines[1:]] == gold_lines[1:]
        mine = [e for e in examples if e.extra["dataset"] == dataset]
        assert [int(line[-1]) for line in lines[1:]] == [e.gold for e in mine]


def test_sample_sizes_balance_and_pitfalls():
    sizes = {split: len(T.read(T.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    for split in ("train", "dev", "gold"):
        examples = T.read(T.sample_paths(split))
        assert collections.Counter((e.extra["dataset"], e.gold) for e in examples) == {
            (d, g): sizes[split] // 4 for d in ("CItA", "COWS-L2H") for g in (0, 1)}
    xml = T.sample_paths("train")[1].read_text(encoding="utf-8")
    assert xml.startswith("<dataset>\n<doc id=") and "<?xml" not in xml
    gold = T.read(T.sample_paths("gold"))
    texts = [e.fields["essay_1"] for e in gold] + [e.fields["essay_2"] for e in gold]
    assert any(t.startswith("\n\n") for t in texts) and any(t.endswith("\n\n\n\n") for t in texts)
    assert any(".  " in t for t in texts)
    dev = T.read(T.sample_paths("dev"))  # an entity: &amp; in the XML, & in the text
    assert "Sole &amp; Luna" in T.sample_paths("dev")[1].read_text(encoding="utf-8")
    assert any('"Sole & Luna"' in e.fields["essay_1"] + e.fields["essay_2"] for e in dev)
    # one essay id is used by both datasets: the ids carry the dataset
    shared = {e.extra["row"][0] for e in gold if e.extra["dataset"] == "CItA"} & {
        r for e in gold if e.extra["dataset"] == "COWS-L2H" for r in e.extra["row"][:2]}
    assert shared and len({e.id for e in gold}) == 16
    assert all(re.fullmatch(r"(CItA|COWS-L2H)-\d+-\d+", e.id) for e in gold)


def test_blind_test_files_and_their_submission(tmp_path):
    blind, gold = T.read(T.sample_paths("test")), T.read(T.sample_paths("gold"))
    assert all(e.gold is None for e in blind) and [e.id for e in blind] == [e.id for e in gold]
    for e in blind:  # official test layout: the two time points, earlier first
        first, second = (langlearn.order_key(c)[1] for c in e.extra["row"][2:])
        assert first <= second
    assert [T.encode(e).target for e in blind] == [""] * 16
    written = T.write_submission([e.id for e in blind], [1] * 16, T.sample_paths("test"), tmp_path)
    for path, test in zip(written, (T.sample_paths("test")[0], T.sample_paths("test")[2]), strict=True):
        assert path.name == test.name
        assert path.read_text(encoding="utf-8") == "".join(
            line + ("\tPred\n" if i == 0 else "\t1\n")
            for i, line in enumerate(test.read_text(encoding="utf-8").splitlines()))


def test_augment_reverses_labelled_pairs_in_the_same_group():
    train = T.read(T.sample_paths("train"))
    reversed_ = T.augment(train)
    assert len(reversed_) == len(train) and T.augment(T.read(T.sample_paths("test"))) == []
    for e, r in zip(train, reversed_, strict=True):
        assert r.id == e.id + "-reversed" and r.gold == 1 - e.gold and T.group(r) == T.group(e)
        assert (r.fields["essay_1"], r.fields["essay_2"]) == (e.fields["essay_2"], e.fields["essay_1"])
        assert r.extra["row"] == [e.extra["row"][i] for i in (1, 0, 3, 2)]
    groups = {s: {T.group(e) for e in T.read(T.sample_paths(s))} for s in ("train", "dev", "gold")}
    assert len(groups["train"]) == 8 and not groups["train"] & (groups["dev"] | groups["gold"])
    assert {T.stratum(e) for e in train} == {"CItA-0", "CItA-1", "COWS-L2H-0", "COWS-L2H-1"}


def files(tmp_path, tsv, xml='<dataset>\n<doc id="1">uno</doc>\n<doc id="2">due</doc>\n</dataset>',
          name="Training_CItA.tsv"):
    (tmp_path / name).write_text(tsv, encoding="utf-8")
    (tmp_path / "Essays_CItA.xml").write_text(xml, encoding="utf-8")
    return [tmp_path / name, tmp_path / "Essays_CItA.xml"]


@pytest.mark.parametrize("tsv, xml, message", [
    (f"{HEADER}\n1\t2\t1_1\t1_2\n1\t3\t1_1\t2_2\n", None,
     "Training_CItA.tsv, line 3: essay '3' is in no CItA"),
    (f"{HEADER}\n1\t2\t1_1\tF17\n", None,
     "Training_CItA.tsv, line 2: Order_2 'F17' is not a CItA order code"),
    ("Essay_1\tEssay_2\tOrder_1\n1\t2\t1_1\n", None,
     "Training_CItA.tsv, line 1: missing column(s) 'Order_2'"),
    (HEADER.replace("\t", ",") + "\n1,2,1_1,1_2\n", None, "line 1: missing column(s) 'Essay_1', 'Essay_2', "
     "'Order_1', 'Order_2'; the header has ['Essay_1,Essay_2,Order_1,Order_2'] (the header seems separated "
     "by commas: wrong delimiter?)"),
    (f"{HEADER}\n1\t2\t1_1\t1_2\n2\t1\t1_2\n", None, "Training_CItA.tsv, line 3: expected 4 fields"),
    (f"{HEADER}\n1\t2\t1_1\t1_2\n", '<dataset>\n<doc id="1">uno\n<doc id="2">due</doc></dataset>',
     "Essays_CItA.xml, line 2: a <doc> without an id=\"...\" or without its </doc>"),
    (f"{HEADER}\n1\t2\t1_1\t1_2\n", '<dataset>\n<doc id="1">uno</doc>\n<doc id="1">bis</doc></dataset>',
     "Essays_CItA.xml, line 3: essay id '1' repeated"),
    (f"{HEADER}\n1\t2\t1_1\t1_2\n", "<docs>uno</docs>", "Essays_CItA.xml, line 1: no <dataset> root"),
])
def test_malformed_files_name_file_and_line(tmp_path, tsv, xml, message):
    paths = files(tmp_path, tsv) if xml is None else files(tmp_path, tsv, xml)
    with pytest.raises(FormatError, match=re.escape(message)):
        T.read(paths)


def test_datasets_come_from_file_names_or_codes(tmp_path):
    tsv = f"{HEADER}\n2\t1\t2_1\t1_5\n1\t2\t1_5\t1_5\n"
    paths = files(tmp_path, tsv, name="pairs.tsv")
    examples = T.read(paths)  # "pairs.tsv": dataset from the codes; the XML is named CItA
    assert [(e.id, e.gold) for e in examples] == [("CItA-2-1", 1), ("CItA-1-2", 0)]
    assert T.group(examples[0]) == T.group(examples[1]) == "CItA-1"
    (tmp_path / "Essays_CItA.xml").rename(tmp_path / "essays.xml")  # unnamed XML: serves both
    assert len(T.read([tmp_path / "pairs.tsv", tmp_path / "essays.xml"])) == 2
    (tmp_path / "odd.tsv").write_text(f"{HEADER}\n1\t2\tQ1\tQ2\n", encoding="utf-8")
    with pytest.raises(FormatError, match="odd.tsv, line 2: cannot tell the dataset"):
        T.read([tmp_path / "odd.tsv", tmp_path / "essays.xml"])
    twice = files(tmp_path, f"{HEADER}\n1\t2\t1_1\t1_2\n1\t2\t1_1\t1_2\n")
    assert [e.id for e in T.read(twice)] == ["CItA-1-2", "CItA-1-2#2"]


def test_read_submission_accepts_extremita_label_column(tmp_path):
    (tmp_path / "Test_CItA.tsv").write_text(f"{HEADER}\tLabel\n1\t2\t1_1\t1_2\t1\n", encoding="utf-8")
    assert T.read_submission(tmp_path) == {"CItA-1-2": 1}
    (tmp_path / "Test_CItA.tsv").write_text(f"{HEADER}\n1\t2\t1_1\t1_2\n", encoding="utf-8")
    with pytest.raises(FormatError, match="Test_CItA.tsv, line 2: Pred '' is not 0 or 1"):
        T.read_submission(tmp_path)
    with pytest.raises(FileNotFoundError, match="no submission file"):
        T.read_submission(tmp_path / "empty")


@pytest.mark.parametrize("text, expected", [
    ("corretto", 0), ("incorretto", 1),                      # ExtremITA
    ("Sì", 0), ("no", 1), ("si.", 0),                        # BISS-2024 binary answers
    ("INCORRETTO!", 1), ("Corretto.", 0),                    # case, punctuation
    ("La risposta è: incorretto", 1), ("direi corretto", 0),  # surrounding text
    ("coretto", 0), ("incoretto", 1),                        # typos
    ("non corretto", 1), ("non in ordine", 1), ("sono in ordine", 0), ("ordine inverso", 1),
])
def test_decoder_is_tolerant(text, expected):
    assert T.decode(text) == Decoded(expected, True)


@pytest.mark.parametrize("text", ["", "boh", "forse", "???", "il testo 2"])
def test_garbage_decodes_to_the_fallback(text):
    assert T.decode(text) == Decoded(0, False)


def real_files(shared_dir, *names):
    found = []
    for name in names:
        matches = sorted((shared_dir / "evalita/real").glob(f"**/{name}"))
        if not matches:
            pytest.skip(f"no real {name} in ../shared")
        found.append(matches[0])
    return found


@pytest.mark.parametrize("tsv, xml, pairs, essays", [
    ("Training_CItA.tsv", "Essays_CItA.xml", 2366, 839),
    ("Train_COWS-L2H.tsv", "Essays_COWS-L2H.xml", 1009, 1426),
])
def test_real_training_files_round_trip(shared_dir, tmp_path, tsv, xml, pairs, essays):
    paths = real_files(shared_dir, tsv, xml)
    assert len(langlearn.read_essays(paths[1])) == essays
    examples, written, scores = round_trip(paths, tmp_path)
    assert len(examples) == pairs and scores == {"macro_f1": 1.0, "accuracy": 1.0}
    assert {e.gold for e in examples} <= {0}  # training pairs are in chronological order
    lines = written[0].read_text(encoding="utf-8").splitlines()
    assert [line.rsplit("\t", 1)[0] for line in lines] == paths[0].read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("tsv, xml, pairs, essays", [
    ("Test_CItA.tsv", "Essays_Test_CItA.xml", 307, 278),
    ("Test_COWS-L2H.tsv", "Essays_Test_COWS-L2H.xml", 320, 471),
])
def test_real_blind_test_files(shared_dir, tmp_path, tsv, xml, pairs, essays):
    paths = real_files(shared_dir, tsv, xml)
    assert len(langlearn.read_essays(paths[1])) == essays
    examples = T.read(paths)
    assert len(examples) == pairs and all(e.gold is None for e in examples)
    written = T.write_submission([e.id for e in examples], [0] * pairs, paths, tmp_path)
    assert [p.name for p in written] == [tsv]
    lines = written[0].read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER + "\tPred" and all(line.endswith("\t0") for line in lines[1:])
    assert [line[:-2] for line in lines[1:]] == paths[0].read_text(encoding="utf-8").splitlines()[1:]
