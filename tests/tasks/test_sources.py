"""Where examples come from: the package's synthetic samples, or official files found under a folder."""

import pytest

from biss_helpers import tasks
from biss_helpers.tasks import Task, sources


class Toy(Task):
    """A registered task without a synthetic sample."""

    name, title, instruction = "toy", "toy task", "Rispondi."


def test_load_samples_reads_registered_samples_and_names_a_missing_one(monkeypatch):
    with_sample = [n for n, t in tasks.TASKS.items() if all(p.is_file() for p in t.sample_paths("train"))
                   and t.sample_paths("train")]
    if with_sample:
        loaded = sources.load_samples(with_sample[:2], "train")
        assert list(loaded) == with_sample[:2] and all(loaded.values())
    monkeypatch.setitem(tasks.TASKS, "toy", Toy())
    with pytest.raises(FileNotFoundError, match="task 'toy' has no synthetic 'train' sample"):
        sources.load_samples(["toy"], "train")


def test_load_official_reads_found_files_and_falls_back_to_the_sample(tmp_path, capsys):
    task = tasks.get_task("haspeede")
    (tmp_path / "uploads" / "hs").mkdir(parents=True)
    official = tmp_path / "uploads" / "hs" / "training_textual.csv"
    official.write_bytes(task.sample_paths("gold")[0].read_bytes())
    found = sources.load_official(["haspeede", "acti_a"], tmp_path / "uploads")
    assert [e.id for e in found["haspeede"]] == [e.id for e in task.read(official)]
    acti = tasks.get_task("acti_a")
    sample = acti.read(acti.sample_paths("train")) + acti.read(acti.sample_paths("dev"))
    assert [e.id for e in found["acti_a"]] == [e.id for e in sample]
    out = capsys.readouterr().out
    assert f"haspeede: {len(found['haspeede'])} examples from training_textual.csv" in out
    assert "acti_a: no subtaskA_train.csv under" in out


def test_load_without_a_folder_joins_the_sample_train_and_dev_parts():
    task = tasks.get_task("wicita_1")
    found = sources.load(["wicita_1"])["wicita_1"]
    assert [e.id for e in found] == [e.id for e in task.read(task.sample_paths("train"))
                                     + task.read(task.sample_paths("dev"))]
    assert list(sources.load()) == list(tasks.TASKS)
