"""The zips the rules ask for (`archive.package`, called by `submit`), and zips read back by `score` and
`score_files` exactly like the loose files they hold."""

import zipfile

import pytest

from biss_helpers import fourcol, tasks
from biss_helpers.tasks import archive, official
from biss_helpers.tasks.archive import DESCRIPTION, package, unzipped

from .test_official import written, wrong

ZIPPED = {"emit_a", "emit_b", "emotivita", "geolingit_a", "geolingit_b", "hodi_a", "hodi_b", "politicit",
          "wicita_1", "wicita_2"}


def test_the_tasks_whose_rules_ask_for_a_zip_have_one_named_for_the_team():
    assert {n for n, task in tasks.TASKS.items() if task.archive} == ZIPPED
    assert {tasks.get_task(n).archive.name for n in ZIPPED} == {"biss.zip"}
    assert {n for n in ZIPPED if tasks.get_task(n).archive.description} == {"wicita_1", "wicita_2"}


@pytest.mark.parametrize("name", sorted(set(tasks.TASKS) - ZIPPED))
def test_no_zip_where_the_rules_ask_for_none(name, tmp_path):
    task = tasks.get_task(name)
    gold = task.sample_paths("gold")
    examples = task.read(gold)
    files = task.write_submission([e.id for e in examples], [e.gold for e in examples], gold, tmp_path)
    assert package(task, files, tmp_path) is None and not list(tmp_path.glob("*.zip"))


@pytest.mark.parametrize("name", sorted(ZIPPED))
def test_a_zipped_submission_scores_exactly_like_its_loose_files(name, tmp_path):
    task = tasks.get_task(name)
    folder = tmp_path / "run"
    written(task, folder, wrong)
    files = sorted(p for p in folder.iterdir())
    zipped = package(task, files, folder)
    assert zipped == folder / "biss.zip"
    members = sorted(zipfile.ZipFile(zipped).namelist())
    assert members == sorted([p.name for p in files] + ([DESCRIPTION] if name.startswith("wicita") else []))
    gold = task.sample_paths("gold")
    assert task.score(zipped, gold) == task.score(folder, gold)
    assert official.score_files(name, zipped, gold) == official.score_files(name, folder, gold)


@pytest.mark.parametrize("name", sorted(ZIPPED))
def test_a_zip_without_the_expected_member_is_refused_naming_it(name, tmp_path):
    task = tasks.get_task(name)
    zipped = tmp_path / "biss.zip"
    with zipfile.ZipFile(zipped, "w") as handle:
        handle.writestr("notes.txt", "no run here\n")
    for scorer in (task.score, lambda *args: official.score_files(task, *args)):
        with pytest.raises(FileNotFoundError, match=rf"^{zipped}: .*\(members of the zip: notes.txt\)$"):
            scorer(zipped, task.sample_paths("gold"))


def test_submit_lists_the_zip_after_the_files_it_holds(tmp_path):
    task = tasks.get_task("hodi_a")
    gold = task.sample_paths("gold")
    report = tasks.submit("hodi_a", fourcol.encode(task, task.read(gold)), gold, tmp_path / "out")
    assert [p.name for p in report.files] == ["biss.A.run1", "biss.zip"]
    assert zipfile.ZipFile(report.files[-1]).namelist() == ["biss.A.run1"]
    # a one-file output: the zip goes beside it
    report = tasks.submit("hodi_a", fourcol.encode(task, task.read(gold)), gold, tmp_path / "f" / "my.A.run1")
    assert report.files == [tmp_path / "f" / "my.A.run1", tmp_path / "f" / "biss.zip"]
    acti = tasks.get_task("acti_a")
    gold = acti.sample_paths("gold")
    report = tasks.submit("acti_a", fourcol.encode(acti, acti.read(gold)), gold, tmp_path / "acti")
    assert [p.name for p in report.files] == ["biss_subtaskA.csv"]  # Kaggle takes the file itself


def test_subtasks_share_their_zip_and_another_task_cannot_join_it(tmp_path):
    for name in ("hodi_a", "hodi_b", "hodi_a"):  # again: the member is replaced, not added twice
        task = tasks.get_task(name)
        written(task, tmp_path)
        zipped = package(task, sorted(tmp_path.glob(f"*.{task.subtask}.run1")), tmp_path)
    assert sorted(zipfile.ZipFile(zipped).namelist()) == ["biss.A.run1", "biss.B.run1"]
    for name in ("hodi_a", "hodi_b"):
        task = tasks.get_task(name)
        assert task.score(zipped, task.sample_paths("gold"))[task.metric] == 1.0
    emotivita = tasks.get_task("emotivita")
    written(emotivita, tmp_path / "emotivita")
    files = list((tmp_path / "emotivita").iterdir())
    with pytest.raises(ValueError, match=rf"^{zipped}: already there and not emotivita's \(biss_helpers "
                                         r"biss_helpers.tasks.hodi\): write each task's submission"):
        package(emotivita, files, tmp_path)
    assert sorted(zipfile.ZipFile(zipped).namelist()) == ["biss.A.run1", "biss.B.run1"]  # untouched


def test_wicita_describes_each_subtask_in_one_line_and_the_same_files_give_the_same_zip(tmp_path):
    for name in ("wicita_1", "wicita_2", "wicita_1"):
        task = tasks.get_task(name)
        written(task, tmp_path)
        zipped = package(task, sorted(tmp_path.glob(f"{task.base}*.jsonl")), tmp_path)
    lines = zipfile.ZipFile(zipped).read(DESCRIPTION).decode().splitlines()
    assert [line.split(":")[0] for line in lines] == ["wicita_2", "wicita_1"]
    assert all("not an official EVALITA 2023 run" in line for line in lines)
    before = zipped.read_bytes()
    package(tasks.get_task("wicita_1"), sorted(tmp_path.glob("binary*.jsonl")), tmp_path)
    assert zipped.read_bytes() == before
    assert not list(tmp_path.glob(".*partial"))


def test_an_error_inside_a_zip_names_the_zip_and_the_member(tmp_path):
    task = tasks.get_task("hodi_a")
    zipped = tmp_path / "biss.zip"
    with zipfile.ZipFile(zipped, "w") as handle:
        handle.writestr("team/biss.A.run1", "id\thomotransphobic\n1\t7\n")  # a folder inside is fine
    with pytest.raises(ValueError, match=rf"^{zipped}: biss.A.run1, line 2: .*homotransphobic '7'"):
        task.score(zipped, task.sample_paths("gold"))


def test_a_broken_zip_or_two_members_of_one_name_are_refused(tmp_path):
    task = tasks.get_task("hodi_a")
    broken = tmp_path / "broken.zip"
    broken.write_text("not a zip")
    with pytest.raises(ValueError, match=rf"^{broken}: not a zip archive"):
        task.score(broken, task.sample_paths("gold"))
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as handle:
        handle.writestr("a/biss.A.run1", "id\thomotransphobic\n")
        handle.writestr("b/biss.A.run1", "id\thomotransphobic\n")
    with pytest.raises(ValueError, match=rf"^{twice}: two members are named 'biss.A.run1'"):
        task.score(twice, task.sample_paths("gold"))


def test_loose_files_and_folders_pass_through_and_the_temporary_folder_goes(tmp_path):
    with unzipped(tmp_path) as found:
        assert found == tmp_path
    zipped = tmp_path / "x.zip"
    with zipfile.ZipFile(zipped, "w") as handle:
        handle.writestr("__MACOSX/._a.csv", "resource fork")
        handle.writestr("a.csv", "id\n")
        handle.writestr("../../b.csv", "id\n")  # by its name alone: never outside the folder
        handle.writestr("c/..", "")
    with unzipped(zipped) as found:
        assert sorted(p.name for p in found.iterdir()) == ["a.csv", "b.csv"]
        assert not (found.parent / "b.csv").exists()
    assert not found.exists() and archive.is_zip(zipped) and not archive.is_zip(tmp_path)


@pytest.mark.parametrize("name", ["wicita_1", "wicita_2"])
def test_the_official_wicita_example_zip_scores_like_its_extracted_files(name, shared_dir):
    real, task = shared_dir / "evalita" / "real" / "wicita", tasks.get_task(name)
    gold = [real / "gold_truth" / task.base / file for file in ("test.jsonl", "test_eng.jsonl")]
    parts = official.score_files(name, real / "example_submission.zip", gold)
    assert parts == official.score_files(name, real / "example_submission", gold)
    assert list(parts) == [f"{task.base}.jsonl", f"{task.base}_eng.jsonl", official.COMBINED]
