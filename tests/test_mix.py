"""The multi-task mix: leak-free grouped splits, stratification, sampling, augmentation on the train
side only, seeded shuffles, the training files and the workshop mix. Checked on every registered
task's synthetic sample (tasks registered later are covered too) and on small in-memory tasks shaped
like PoliticIT, LangLearn and WiC."""

from collections import Counter

import pytest

from biss_helpers import mix, tasks
from biss_helpers.tasks import Example, Task, sources


class Toy(Task):
    """Examples grouped by ``fields["group"]``, stratified by gold; `augment` adds one reversed copy
    per training example (ids end in ``~r``), like LangLearn's reversed pairs."""

    name, title, instruction, metric = "toy", "toy task", "Rispondi con a, b o c.", "accuracy"

    def __init__(self, name="toy", augmenting=True):
        self.name, self.augmenting = name, augmenting

    def format_input(self, example):
        return example.fields["text"]

    def verbalise(self, gold):
        return str(gold)

    def group(self, example):
        return example.fields["group"]

    def stratum(self, example):
        return None if example.gold is None else str(example.gold)

    def augment(self, examples):
        if not self.augmenting:
            return []
        return [Example(e.id + "~r", {**e.fields, "text": e.fields["text"][::-1]}, e.gold) for e in examples]


def authors(n_authors=12, per_author=5, labels="ab"):
    """PoliticIT-like: every author writes `per_author` texts, with one label per author."""
    return [Example(f"{a}-{i}", {"group": f"author{a}", "text": f"testo {a} {i}"}, labels[a % len(labels)])
            for a in range(n_authors) for i in range(per_author)]


def pairs(n=20):
    """LangLearn-like: each pair and its reverse share a group but have opposite labels."""
    out = []
    for p in range(n):
        out.append(Example(f"{p}", {"group": f"pair{p}", "text": f"prima {p} poi"}, "a"))
        out.append(Example(f"{p}r", {"group": f"pair{p}", "text": f"poi {p} prima"}, "b"))
    return out


def identities(examples):
    return Counter(id(e) for e in examples)


def check_split(task, examples, train, dev):
    assert identities(train) + identities(dev) == identities(examples)  # every example once
    assert not mix.leaks(task, train, dev)
    if len({task.group(e) for e in examples}) >= 2:
        assert dev
    strata = Counter(task.stratum(e) for e in examples)
    on_train = {task.stratum(e) for e in train}
    assert {s for s, n in strata.items() if n >= 2} <= on_train


# --- every registered task, on its synthetic sample ----------------------------------------------

def sample_examples(name):
    task = tasks.get_task(name)
    try:
        found = sources.load([name])[name]
    except FileNotFoundError:
        pytest.skip(f"{name}: no synthetic sample yet")
    return task, found


@pytest.mark.parametrize("name", sorted(tasks.TASKS))
@pytest.mark.parametrize("fraction", [0.1, 0.25])
def test_split_of_every_task_sample_is_grouped_complete_and_stratified(name, fraction):
    task, examples = sample_examples(name)
    for seed in (0, 42):
        train, dev = mix.split(task, examples, fraction, seed)
        check_split(task, examples, train, dev)
        assert (train, dev) == mix.split(task, examples, fraction, seed)


@pytest.mark.parametrize("name", sorted(tasks.TASKS))
def test_build_of_every_task_augments_only_the_train_side(name):
    task, examples = sample_examples(name)
    settings = mix.MixSettings(per_task=40, dev_fraction=0.25, seed=7, tasks=[name])
    built = mix.build({name: examples}, settings)
    picked = mix.sample(examples, 40, task, 7)
    train, dev = mix.split(task, picked, 0.25, 7)
    extra = task.augment(train)
    assert [r.id for r in built.dev] == [e.id for e in dev]
    assert Counter(r.id for r in built.train) == Counter(e.id for e in train + extra)
    expected = mix.TaskReport(name, len(examples), len(picked), len(train), len(dev), len(extra))
    assert built.report == [expected]
    assert not {task.group(e) for e in extra} & {task.group(e) for e in dev}  # derived rows stay out of dev


# --- split on in-memory tasks --------------------------------------------------------------------

def test_authors_never_span_train_and_dev():
    task, examples = Toy(), authors()
    train, dev = mix.split(task, examples, 0.25, 42)
    check_split(task, examples, train, dev)
    assert len(dev) == 15 and {e.gold for e in dev} == {"a", "b"}  # 3 whole authors, both labels


def test_pair_and_reverse_stay_together():
    task, examples = Toy(), pairs()
    train, dev = mix.split(task, examples, 0.2, 1)
    check_split(task, examples, train, dev)
    assert set(Counter(e.fields["group"] for e in dev).values()) == {2}


def test_rare_label_stays_on_the_train_side():
    task = Toy()
    examples = [Example(str(i), {"group": str(i), "text": "x"}, "a") for i in range(30)]
    examples += [Example(r, {"group": r, "text": "y"}, label) for r, label in (("r1", "b"), ("r2", "c"))]
    for seed in range(10):
        train, dev = mix.split(task, examples, 0.5, seed)
        check_split(task, examples, train, dev)
        assert {"b", "c"} <= {e.gold for e in train}


def test_tiny_task_still_gets_a_dev_example_and_one_group_gets_none():
    task = Toy()
    two = [Example("1", {"group": "g1", "text": "x"}, "a"), Example("2", {"group": "g2", "text": "x"}, "a")]
    train, dev = mix.split(task, two, 0.1, 0)
    assert len(train) == 1 and len(dev) == 1
    one_group = [Example(str(i), {"group": "g", "text": "x"}, "a") for i in range(5)]
    assert mix.split(task, one_group, 0.5, 0) == (one_group, [])
    assert mix.split(task, two, 0.0, 0) == (two, [])
    with pytest.raises(ValueError, match="dev_fraction"):
        mix.split(task, two, 1.0, 0)


def test_split_keeps_input_order_and_depends_on_the_seed():
    task, examples = Toy(), authors(n_authors=30, per_author=1)
    train, dev = mix.split(task, examples, 0.3, 3)
    position = {id(e): i for i, e in enumerate(examples)}
    assert [position[id(e)] for e in train] == sorted(position[id(e)] for e in train)
    assert len({tuple(e.id for e in mix.split(task, examples, 0.3, s)[1]) for s in range(5)}) > 1


def test_leaks_finds_a_shared_group():
    task, examples = Toy(), authors(n_authors=3)
    assert mix.leaks(task, examples[:7], examples[7:]) == {"author1"}


# --- sample ----------------------------------------------------------------------------------------

def test_sample_takes_n_stratified_whole_groups():
    task = Toy()
    examples = authors(n_authors=20, per_author=4, labels="aaab")  # 75% a, 25% b
    picked = mix.sample(examples, 40, task, 42)
    assert len(picked) == 40
    assert Counter(e.gold for e in picked) == {"a": 30, "b": 10}
    assert sorted(Counter(e.fields["group"] for e in picked).values())[:3] == [2, 2, 4]  # one cut per label
    assert picked == mix.sample(examples, 40, task, 42)
    assert picked != mix.sample(examples, 40, task, 43)


def test_sample_cuts_a_group_only_to_fill_the_last_places():
    task = Toy()
    picked = mix.sample(authors(n_authors=6, per_author=10, labels="a"), 25, task, 0)
    sizes = sorted(Counter(e.fields["group"] for e in picked).values())
    assert len(picked) == 25 and sizes == [5, 10, 10]


def test_sample_with_fewer_available_takes_all_and_the_report_says_so(monkeypatch):
    task = Toy()
    monkeypatch.setitem(tasks.TASKS, "toy", task)
    examples = authors(n_authors=4, per_author=2)
    assert mix.sample(examples, 100, task, 0) == examples
    built = mix.build({"toy": examples}, mix.MixSettings(per_task=100))
    assert built.report[0].available == built.report[0].sampled == 8
    assert "all available: fewer than 100" in built.summary()


# --- build ------------------------------------------------------------------------------------------

def test_build_mixes_tasks_augments_train_only_and_is_seeded(monkeypatch):
    one, two = Toy("toy_one"), Toy("toy_two", augmenting=False)
    monkeypatch.setitem(tasks.TASKS, "toy_one", one)
    monkeypatch.setitem(tasks.TASKS, "toy_two", two)
    data = {"toy_one": authors(n_authors=30, per_author=2), "toy_two": pairs(25)}
    settings = mix.MixSettings(per_task=40, dev_fraction=0.25, seed=5)
    built = mix.build(data, settings)
    one_report, two_report = built.report
    assert (one_report.sampled, one_report.train + one_report.dev) == (40, 40)
    assert one_report.augmented == one_report.train and two_report.augmented == 0
    assert len(built.train) == 2 * one_report.train + two_report.train
    assert len(built.dev) == one_report.dev + two_report.dev
    assert not any(r.id.endswith("~r") for r in built.dev)
    dev_groups = {r.id.split("-")[0] for r in built.dev if r.task == "toy_one"}
    train_groups = {r.id.removesuffix("~r").split("-")[0] for r in built.train if r.task == "toy_one"}
    assert not dev_groups & train_groups
    order = [r.task for r in built.train]
    assert sum(a != b for a, b in zip(order, order[1:], strict=False)) > 5  # shuffled across tasks
    assert built.train == mix.build(data, settings).train
    assert built.train != mix.build(data, mix.MixSettings(per_task=40, dev_fraction=0.25, seed=6)).train
    table = built.summary()
    assert "toy_one" in table and "toy_two" in table and f"train rows: {len(built.train)}" in table


def test_build_selects_tasks_and_refuses_unlabelled_or_missing(monkeypatch):
    monkeypatch.setitem(tasks.TASKS, "toy", Toy())
    data = {"toy": authors(n_authors=4)}
    assert mix.build(data, mix.MixSettings(tasks=[])).train == []
    with pytest.raises(KeyError, match="no examples given for task 'acti_a'"):
        mix.build(data, mix.MixSettings(tasks=["acti_a"]))
    blind = {"toy": [Example("1", {"group": "g", "text": "x"}, None, "blind.csv, line 2")]}
    with pytest.raises(ValueError, match="'1'.*blind.csv, line 2.*no gold"):
        mix.build(blind)


def test_default_settings_are_the_workshop_ones():
    settings = mix.MixSettings()
    assert (settings.per_task, settings.dev_fraction, settings.seed, settings.tasks) == (100, 0.1, 42, None)
