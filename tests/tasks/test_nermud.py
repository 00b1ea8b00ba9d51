"""NERMuD (nermud): IOB2 and KIND IO files, mentions placed back on exact tokens, the line-aligned
submission, the official token-level scorer and entity F1, on the sample and the real files."""


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biss_helpers import fourcol, tasks
from biss_helpers.tasks import Example, nermud
from biss_helpers.tasks.files import FormatError

from . import common

T = nermud.NERMUD
DOMAINS = ("WN", "FIC", "ADG")


def sentence(text, tags=None):
    tokens = text.split()
    return Example("WN_dev-1", {"tokens": tokens}, tags)


def test_sample_round_trip_is_perfect_and_line_aligned(tmp_path):
    examples, written, scores = common.round_trip(T, T.sample_paths("gold"), tmp_path / "run")
    assert scores["macro_f1"] == scores["micro_f1"] == scores["entity_f1"] == 1.0
    assert [p.name for p in written] == [f"biss_{d}_test.tsv" for d in DOMAINS]
    for blind, mine in zip(T.sample_paths("test"), written, strict=True):
        theirs = blind.read_text(encoding="utf-8").split("\n")
        ours = mine.read_text(encoding="utf-8").split("\n")
        assert [line.split("\t")[0] for line in ours] == theirs  # same tokens, same empty lines


def test_sample_has_the_pitfalls():
    train = T.read(T.sample_paths("train"))
    targets = [T.encode(e).target for e in train]
    assert "nessuna" in targets
    assert "[ORG] Roma [ORG] Lazio [LOC] Roma" in targets  # one word, two occurrences, two types
    assert any("(" in e.fields["tokens"] and "+" in e.fields["tokens"] for e in train)


@pytest.mark.parametrize("domain", DOMAINS)
def test_real_test_file_submitted_against_the_blind_file(domain, shared_dir, tmp_path):
    """The official way: decode against *_test_nolabel.tsv, score against *_test.tsv."""
    real = shared_dir / "evalita" / "real" / "nermud"
    gold, blind = real / f"{domain}_test.tsv", real / f"{domain}_test_nolabel.tsv"
    folder = tmp_path / "run"
    report = tasks.submit("nermud", fourcol.encode(T, T.read(gold)), [blind], folder)
    assert report.unparsed == 0 and not report.unplaced
    scores = T.score(folder, gold)
    assert scores["macro_f1"] == scores["entity_f1"] == 1.0
    ours = (folder / f"biss_{domain}_test.tsv").read_text(encoding="utf-8").split("\n")
    assert [line.split("\t")[0] for line in ours] == blind.read_text(encoding="utf-8").split("\n")
    theirs = gold.read_text(encoding="utf-8").split("\n")
    # lines differ only where the gold opens a mention with I- (read as B-; the scorer strips both)
    changed = [(a.split("\t")[1], b.split("\t")[1]) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert all(b.startswith("I-") and a == "B-" + b[2:] for a, b in changed)


def test_kind_io_file_reads_as_iob2_and_round_trips(tmp_path):
    path = tmp_path / "wikinews_test.tsv"
    path.write_text("Mario\tPER\nRossi\tPER\na\tO\nNew\tLOC\nYork\tLOC\n\nIl\tO\nPD\tORG\n\n",
                    encoding="utf-8")
    first, second = T.read(path)
    assert first.id == "wikinews_test-1" and first.gold == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"]
    assert T.encode(first).target == "[PER] Mario Rossi [LOC] New York" and second.gold == ["O", "B-ORG"]
    _, [written], scores = common.round_trip(T, path, tmp_path / "run")
    assert scores["macro_f1"] == 1.0 and written.name == "biss_wikinews_test.tsv"


def test_tags_are_normalised_and_checked(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("A\tI-PER\nB\ti-per|extra\nC\tI-LOC\n\n", encoding="utf-8")
    assert T.read(path)[0].gold == ["B-PER", "I-PER", "B-LOC"]  # as the scorer: prefix-blind, | cut
    for body, problem in (("A\tB-MISC\n", "line 1: unknown tag 'B-MISC'"),
                          ("A\tO\nB\tO\textra\n", "line 2: expected token<TAB>tag"),
                          ("A\tO\nB\n", "line 2: expected token<TAB>tag"), ("\n\n", "no sentence")):
        path.write_text(body, encoding="utf-8")
        with pytest.raises(FormatError, match=problem):
            T.read(path)


def test_repeated_words_get_the_right_occurrence():
    s = sentence("Roma batte Roma e la Roma di Roma", ["B-ORG", "O", "O", "O", "O", "B-ORG", "O", "B-LOC"])
    # order alone would take the 2nd Roma; #2 counts the occurrences still untagged
    assert T.encode(s).target == "[ORG] Roma [ORG] Roma #2 [LOC] Roma"
    assert T.decode(T.encode(s).target, s).prediction == s.gold
    plain = T.decode("[ORG] Roma [ORG] Roma [LOC] Roma", s).prediction
    assert plain == ["B-ORG", "O", "B-ORG", "O", "O", "B-LOC", "O", "O"]  # in order, one tag per token


def test_mentions_at_the_edges_adjacent_and_with_pattern_characters():
    s = sentence("Napoli ( + 2 % ) Mario Luigi * Torino", ["B-LOC", "O", "O", "O", "O", "O", "B-PER",
                                                        "B-PER", "O", "B-LOC"])
    target = T.encode(s).target
    assert target == "[LOC] Napoli [PER] Mario [PER] Luigi [LOC] Torino"
    assert T.decode(target, s).prediction == s.gold
    tags = T.decode("[ORG] ( + 2 % ) [PER] *", s).prediction
    assert tags[1:6] == ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG"] and tags[8] == "B-PER"


def test_answers_the_model_gets_wrong():
    s = sentence("Alcide De Gasperi scrive a Pietro Nenni",
                 ["B-PER", "I-PER", "I-PER", "O", "O", "B-PER", "I-PER"])
    spaced = T.decode("[per] alcide de gasperi, [PER] PietroNenni", s)  # case, no space, comma
    assert spaced.prediction == s.gold and spaced.parsed and not spaced.unplaced
    mangled = T.decode("[PER] Alcide De Gaspari [LOC] Parigi [PER]", s)
    assert mangled.prediction[:3] == ["B-PER", "I-PER", "I-PER"]  # the nearest spelling
    assert mangled.unplaced == ("[LOC] Parigi", "[PER]")  # invented, and empty
    twice = T.decode("[PER] Pietro Nenni [ORG] Nenni", s)  # the tokens are taken: not tagged twice
    assert twice.prediction[5:] == ["B-PER", "I-PER"] and twice.unplaced == ("[ORG] Nenni",)
    assert T.decode("Nessuna entità.", s) == T.decode("nessuna", s) and T.decode("nessuna", s).parsed
    for garbage in ("", "Alcide", "[XYZ] Alcide"):
        assert T.decode(garbage, s) == nermud.Decoded(["O"] * 7, False)


def test_decode_needs_the_sentence(tmp_path):
    with pytest.raises(ValueError, match="pass the example"):
        T.decode("[PER] Mario")
    rows = [fourcol.Row("WN_test-1", "nermud", "x", "[PER] Mario")]
    with pytest.raises(ValueError, match="nermud answers are placed in their input: give the reference"):
        tasks.submit("nermud", rows, None, tmp_path / "o")


def test_scorer_matches_hand_counts_and_refuses_misaligned_files(tmp_path):
    gold = tmp_path / "WN_test.tsv"
    gold.write_text("Mario\tB-PER\nRossi\tI-PER\na\tO\nRoma\tB-LOC\n\nFIAT\tB-ORG\n", encoding="utf-8")
    mine = tmp_path / "run" / "biss_WN_test.tsv"
    mine.parent.mkdir()
    mine.write_text("Mario\tB-PER\nRossi\tB-PER\na\tO\nRoma\tB-ORG\n\nFIAT\tO\n", encoding="utf-8")
    scores = T.score(tmp_path / "run", gold)
    # tokens: PER 2/2 right; LOC missed (and ORG wrongly); ORG missed -> micro P 2/3, R 2/4
    assert (scores["micro_precision"], scores["micro_recall"], scores["f1_PER"]) == (0.6667, 0.5, 1.0)
    assert scores["entity_f1"] == 0.0  # Mario Rossi split in two: no entity exactly right
    mine.write_text("Mario\tO\nRossi\tO\na\tO\n\nFIAT\tO\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: 3 tokens with tags, where .* has 4"):
        T.score(tmp_path / "run", gold)


@settings(max_examples=150, deadline=None)
@given(tokens=st.lists(st.sampled_from(["Roma", "roma", "(", "+", "De", "Gasperi", "l'", "*", "a"]),
                       min_size=1, max_size=12),
       answer=st.lists(st.sampled_from(["[PER]", "[LOC]", "[", "]", "Roma", "(", "+*", "l'a", "De", "#2",
                                        "nessuna", " ", ","]), max_size=15).map("".join))
def test_any_answer_keeps_one_valid_tag_per_token(tokens, answer):
    decoded = T.decode(answer, Example("x-1", {"tokens": tokens}))
    tags = decoded.prediction
    assert len(tags) == len(tokens) and nermud.iob2(tags) == tags  # valid IOB2, nothing added or lost


def test_extremita_nan_is_no_entity():
    s = sentence("Piove sul bagnato .")
    assert T.decode("nan", s) == nermud.Decoded(["O"] * 4, True) == T.decode("NaN", s)
    assert T.decode("nano", s) == nermud.Decoded(["O"] * 4, False)  # only the word itself


def test_extremita_mentions_of_one_type_after_one_tag_are_split():
    s = sentence("Da Roma le Autorità Militari Alleate scrivono allo Stato italiano e a Roma")
    decoded = T.decode("[ORG] Autorità Militari Alleate Stato italiano [LOC] Roma Roma", s)
    assert decoded.prediction == ["O", "B-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "O", "O", "B-ORG",
                                  "I-ORG", "O", "O", "B-LOC"]
    assert decoded.parsed and not decoded.unplaced
    # re-encoded, the course's target says the same thing, one tag per mention
    assert T.target(Example("x", s.fields, decoded.prediction)) == (
        "[LOC] Roma [ORG] Autorità Militari Alleate [ORG] Stato italiano [LOC] Roma")


def test_extremita_groups_by_type_and_repeats_a_name():
    s = sentence("Ferri parla , Neri tace , e Ferri torna a Trento da Ferri")
    decoded = T.decode("[PER] Ferri Neri Ferri Ferri [LOC] Trento", s)
    assert [i for i, t in enumerate(decoded.prediction) if t == "B-PER"] == [0, 3, 7, 12]
    assert decoded.prediction[10] == "B-LOC" and not decoded.unplaced


def test_a_quote_the_sentence_holds_whole_stays_one_mention():
    s = sentence("Lo Stato e lo Stato italiano")
    tags = T.decode("[ORG] Stato italiano", s).prediction
    assert tags == ["O", "O", "O", "O", "B-ORG", "I-ORG"]  # not "Stato" (1) + "italiano" (5)
    s = sentence("Mario Rossi e Rossi Mario")
    assert T.decode("[PER] Rossi Mario", s).prediction == ["O", "O", "O", "B-PER", "I-PER"]


def test_split_words_the_sentence_lacks_are_unplaced_and_typos_still_win():
    s = sentence("Ferri e Neri a Trento")
    partly = T.decode("[PER] Ferri Zorro Neri [LOC] Trento", s)
    assert partly.prediction == ["B-PER", "O", "B-PER", "O", "B-LOC"]
    assert partly.unplaced == ("[PER] Zorro",)
    s = sentence("Alcide De Gasperi e Pietro Nenni")
    # "Alcide De" is in the sentence, "Gaspari" is not: one mangled mention, not a split one
    assert T.decode("[PER] Alcide De Gaspari", s).prediction == ["B-PER", "I-PER", "I-PER", "O", "O", "O"]


def test_example_from_text_splits_the_input_on_single_spaces():
    example = T.example_from_text("train_3", "Il dr. Bassi a Verona .", "train_100.txt, line 4")
    assert example.fields == {"tokens": ["Il", "dr.", "Bassi", "a", "Verona", "."]}
    assert (example.id, example.gold, example.source) == ("train_3", None, "train_100.txt, line 4")
    assert T.decode("[PER] dr. Bassi [LOC] Verona", example).prediction == [
        "O", "B-PER", "I-PER", "O", "B-LOC", "O"]
