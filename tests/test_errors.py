"""Error analysis: confusion counts, worst numbers, entity and relation errors by type."""

from biss_helpers import errors
from biss_helpers.evaluation import Answer


def answer(task, gold, value, parsed=True):
    return Answer("1", task, "x", str(gold), str(value), gold, value, parsed)


def test_confusion_counts_gold_rows_against_predicted_columns():
    labels, counts = errors.confusion([answer("haspeede", 1, 1), answer("haspeede", 1, 0),
                                       answer("haspeede", 0, 0)])
    assert labels == ["non_odio", "odio"] and counts == [[1, 0], [1, 1]]


def test_worst_sorts_by_distance_in_the_task_unit():
    found = errors.worst([answer("emotivita", (3.0, 3.0, 3.0), (3.0, 3.0, 4.5)),
                          answer("emotivita", (3.0, 3.0, 3.0), (1.0, 1.0, 1.0))], 1)
    assert found[0][0] == 2.0
    km = errors.worst([answer("geolingit_b", (45.46, 9.19), (41.90, 12.50))])[0][0]
    assert 470 < km < 485


def test_entity_errors_by_type():
    gold = ["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"]
    mine = ["B-PER", "O", "O", "B-ORG", "B-LOC", "B-ORG"]
    found = errors.entity_errors([answer("nermud", gold, mine)])
    assert found["PER"]["wrong boundary"] == 1 and found["LOC"]["wrong type"] == 1
    assert found["ORG"]["right"] == 1 and found["LOC"]["spurious"] == 1


def test_relation_errors():
    gold = [(0, 2, 5, 7), (10, 12, 14, 16), (20, 22, 24, 26)]
    mine = [(0, 2, 5, 7), (10, 12, 30, 32), (40, 41, 42, 43)]
    counts = errors.relation_errors([answer("clinkart", gold, mine)])
    assert dict(counts) == {"right": 1, "half right": 1, "missed": 1, "spurious": 1}


def test_mistakes_shows_wrong_answers_only():
    shown = errors.mistakes([answer("haspeede", 1, 1), answer("haspeede", 1, 0, parsed=False)])
    assert len(shown) == 1 and "did not parse" in shown[0]
