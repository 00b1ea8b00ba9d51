"""PoliticIT (politicit): the synthetic sample, chunks of tweets per author, truth files, the
per-author submission (majority vote, ExtremITA ids), malformed files, the decoder."""

import collections
import re

import pytest

from biss_helpers.tasks import politicit
from biss_helpers.tasks.files import FormatError

T = politicit.POLITICIT
HEADER = "label,gender,ideology_binary,ideology_multiclass"


def authors_of(examples):
    return list(dict.fromkeys(e.extra["author"] for e in examples))


def round_trip(gold, folder):
    """read -> encode -> decode(target) -> write_submission -> read_submission -> score."""
    examples = T.read(gold)
    decoded = [T.decode(T.encode(e).target, e) for e in examples]
    assert all(d.parsed for d in decoded)
    written = T.write_submission([e.id for e in examples], [d.prediction for d in decoded], gold, folder)
    truth = {e.extra["author"]: e.gold for e in examples}
    assert T.read_submission(folder) == truth
    return examples, written, T.score(folder, gold)


def test_sample_round_trip_is_perfect_per_author(tmp_path, capsys):
    examples, written, scores = round_trip(T.sample_paths("gold"), tmp_path)
    assert "80 tweets of 8 authors -> 17 examples" in capsys.readouterr().out
    assert [p.name for p in written] == ["biss_results_run1.csv"]
    lines = written[0].read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER and [line.split(",")[0] for line in lines[1:]] == authors_of(examples)
    assert scores == {"gender_macro_f1": 1.0, "ideology_binary_macro_f1": 1.0,
                      "ideology_multiclass_macro_f1": 1.0, "mean_macro_f1": 1.0}
    truth_only = T.sample_paths("gold")[1]  # the truth file alone is enough to score
    assert T.score(tmp_path, truth_only)["mean_macro_f1"] == 1.0


def test_sample_sizes_labels_and_format_pitfalls():
    sizes = {split: len(T.read(T.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 50, "dev": 16, "test": 17, "gold": 17}
    train = T.read(T.sample_paths("train"))
    people = {e.extra["author"]: e.gold for e in train}
    assert len(people) == 10 and all(len(a) == 32 for a in people)
    assert collections.Counter(g[0] for g in people.values()) == {"female": 5, "male": 5}
    assert set(g[2] for g in people.values()) == set(politicit.VALUES["ideology_multiclass"])
    assert all(politicit.SIDE_OF[g[2]] == g[1] for g in people.values())
    tweets, blind, truth = (p.read_text(encoding="utf-8") for p in (T.sample_paths("train")[0],
                                                                      *T.sample_paths("gold")))
    assert tweets.startswith('"label","gender","ideology_binary","ideology_multiclass","tweet"\n')
    assert blind.startswith('"label","tweet"\n') and "\r" not in blind
    assert truth.startswith(HEADER + "\n") and not truth.endswith("\n")
    gold = T.read(T.sample_paths("gold"))
    assert any("\n" in t for e in gold for t in e.fields["tweets"])  # an embedded newline
    assert [line.split(",")[0] for line in truth.splitlines()[1:]] != authors_of(gold)
    assert all("\n" not in T.encode(e).input and "[SEP]" in T.encode(e).input for e in gold)


def test_every_tweet_lands_in_one_chunk_of_its_author(tmp_path):
    rows = ['"label","tweet"'] + [f'"{a}","{a} {k}"' for k in range(11) for a in ("aa", "bb")]
    path = tmp_path / "blind.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    examples = T.read(path)
    assert [e.id for e in examples] == ["aa#0", "aa#1", "aa#2", "bb#0", "bb#1", "bb#2"]
    assert [len(e.fields["tweets"]) for e in examples] == [4, 4, 3, 4, 4, 3]
    assert examples[1].fields["tweets"] == ["aa 4", "aa 5", "aa 6", "aa 7"]  # interleaved file
    assert examples[3].source == f"{path}, line 3" and all(e.gold is None for e in examples)
    assert {T.group(e) for e in examples} == {"aa", "bb"}


def test_majority_vote_and_extremita_ids(tmp_path):
    path = tmp_path / "blind.csv"
    path.write_text('"label","tweet"\n' + "".join(f'"a","t{k}"\n' for k in range(15)), encoding="utf-8")
    left, right = ("female", "left", "left"), ("male", "right", "moderate_right")
    mixed = ("male", "left", "moderate_left")
    T.write_submission(["a#0", "a#1", "a#2"], [left, right, right], path, tmp_path / "chunks")
    assert T.read_submission(tmp_path / "chunks") == {"a": right}
    # ExtremITA: the author id once per chunk; the multiclass votes tie three ways: the first chunk's
    T.write_submission(["a", "a", "a"], [right, mixed, left], path, tmp_path / "ties")
    assert T.read_submission(tmp_path / "ties") == {"a": ("male", "left", "moderate_right")}
    with pytest.raises(ValueError, match="1 of the 3 ids of .*blind.csv have no prediction: 'a#1'"):
        T.write_submission(["a#0", "a#2"], [left, left], path, tmp_path / "x")
    with pytest.raises(ValueError, match=r"per chunk; 1 ids do not match: 'zz' \(1 for 0 chunks\)$"):
        T.write_submission(["a", "a", "a", "zz"], [left] * 4, path, tmp_path / "y")
    with pytest.raises(ValueError, match="not a .gender, binary, multiclass. prediction"):
        T.write_submission(["a", "a", "a"], [left, left, ("male", "left", "centre")], path, tmp_path / "z")


@pytest.mark.parametrize("ids, problem", [
    (["a"] * 6, r"1 ids do not match: 'a' \(6 for 3 chunks\)$"),  # copies flip the vote
    (["a"] * 2, r"1 ids do not match: 'a' \(2 for 3 chunks\)$"),  # a chunk row deleted
    (["a", "a", "a#2"], r"^chunk ids \('a#2'\) and author ids \('a'\) are mixed: use one kind$"),
])
def test_author_ids_must_cover_each_chunk_once(tmp_path, ids, problem):
    path = tmp_path / "blind.csv"
    path.write_text('"label","tweet"\n' + "".join(f'"a","t{k}"\n' for k in range(15)), encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        T.write_submission(ids, [("female", "left", "left")] * len(ids), path, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def write(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ('"label","gender","ideology_binary","ideology_multiclass","tweet"\n"a","male","left","left","x"\n'
     '"a","male","left","moderate_left","y"\n', "line 3: labels of author 'a' change"),
    ('"label","gender","ideology_binary","ideology_multiclass","tweet"\n"a","man","left","left","x"\n',
     "line 2: unknown gender 'man'"),
    ('"label","gender","ideology_binary","ideology_multiclass","tweet"\n"a","male","","left","x"\n',
     "line 2: some of gender, ideology_binary, ideology_multiclass are empty"),
    ('"label","gender","tweet"\n"a","male","x"\n"b","male"\n', "line 3: expected 3 fields"),
    ('"label";"tweet"\n"a";"x"\n', "line 1: missing column(s) 'label', 'tweet'; the header has "
     "['label;\"tweet\"'] (the header seems separated by semicolons: wrong delimiter?)"),
    ('"label","text"\n"a","x"\n', "line 1: missing column(s) 'tweet'"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(FormatError, match=re.escape(f"bad.csv, {message}")):
        T.read(path)


def test_truth_files_are_checked(tmp_path):
    tweets = write(tmp_path, '"label","gender","ideology_binary","ideology_multiclass","tweet"\n'
                             '"a","male","left","left","x"\n', "tweets.csv")
    truth = write(tmp_path, f"{HEADER}\na,female,left,left\n", "truth.csv")
    with pytest.raises(FormatError, match=r"tweets.csv, line 2: labels .* disagree with .*truth.csv, line 2"):
        T.read([tweets, truth])
    twice = write(tmp_path, f"{HEADER}\na,male,left,left\na,male,left,left\n", "twice.csv")
    with pytest.raises(FormatError, match="twice.csv, line 3: author 'a' repeated"):
        T.read([tweets, twice])
    with pytest.raises(ValueError, match="a truth file alone holds nothing to encode"):
        T.read(truth)
    blind = write(tmp_path, '"label","tweet"\n"b","y"\n', "blind.csv")
    with pytest.raises(ValueError, match="no gold labels for author 'b'"):
        T.score(tmp_path, [blind, truth])


@pytest.mark.parametrize("text, expected", [
    ("donna sinistra centrosinistra", ("female", "left", "moderate_left")),   # ExtremITA
    ("UOMO DESTRA CENTRODESTRA", ("male", "right", "moderate_right")),        # case
    ("Dònna, sinistrà; sinistra!", ("female", "left", "left")),                # accents, punctuation
    ("Secondo me è una donna di destra, anzi di centro-destra.", ("female", "right", "moderate_right")),
    ("uomo sinistar centrosinisra", ("male", "left", "moderate_left")),       # typos
    ("female right moderate_right", ("female", "right", "moderate_right")),   # official labels
    ("uomo sinistra destra", ("male", "left", "right")),                      # disagreeing: both kept
    ("uomo centrodestra", ("male", "right", "moderate_right")),               # one word: both fields
    ("la ministra di destra è una donna", ("female", "right", "right")),      # no typo if a word is there
])
def test_decoder_is_tolerant(text, expected):
    assert T.decode(text) == politicit.Decoded(expected, True)


@pytest.mark.parametrize("text, expected", [
    ("boh", politicit.FALLBACK), ("", politicit.FALLBACK), ("sì", politicit.FALLBACK),
    ("donna", ("female", "left", "moderate_left")),                # ideology missing: fallback
    ("destra centrodestra", ("male", "right", "moderate_right")),  # gender missing: fallback
])
def test_unparsed_fields_take_the_fallback(text, expected):
    assert T.decode(text) == politicit.Decoded(expected, False)
    assert T.show(T.decode(text).prediction) == ",".join(expected)


def real_file(shared_dir, name):
    found = sorted((shared_dir / "evalita/real").glob(f"**/{name}"))
    if not found:
        pytest.skip(f"no real {name} in ../shared")
    return found[0]


def test_real_development_files_round_trip(shared_dir, tmp_path):
    tweets = real_file(shared_dir, "development.csv")
    truth = real_file(shared_dir, "development_test.csv")
    examples = T.read(tweets)
    assert len(authors_of(examples)) == 48 and len(examples) == 48 * 8
    assert sum(len(e.fields["tweets"]) for e in examples) == 1920
    _, written, scores = round_trip([tweets, truth], tmp_path)
    assert scores["mean_macro_f1"] == 1.0 and T.score(tmp_path, truth)["mean_macro_f1"] == 1.0
    official = truth.read_text(encoding="utf-8-sig").splitlines()
    mine = written[0].read_text(encoding="utf-8").splitlines()
    assert mine[0] == official[0] == HEADER and sorted(mine[1:]) == sorted(official[1:])
