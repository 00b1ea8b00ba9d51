"""The workshop's data: the best source per task, said in one line, and notebook 02's files that
notebook 03 reads (or builds, saying so, when they are missing)."""

import pytest

from biss_helpers import fourcol, lengths, mix, tasks, tiny, workshop


@pytest.fixture(scope="module")
def tok():
    return tiny.tokenizer("llama")


def test_offline_every_task_comes_from_its_sample_and_every_row_fits(tok, capsys):
    data = workshop.build(None, tok, max_tokens=384)
    assert set(data.origins) == set(tasks.TASKS) and set(data.origins.values()) == {"sample"}
    assert {r.task for r in data.train} == {r.task for r in data.dev} == set(tasks.TASKS)
    assert "the workshop mix: " in capsys.readouterr().out
    for row, length in zip(data.train, lengths.prompt_lengths(data.train, tok), strict=True):
        assert length.total <= 384 or tasks.TASKS[row.task].answer_quotes_input, row.id
    line = data.line()
    assert line.startswith("data: sample (19 tasks); rows per task (train/dev): acti_a ")
    assert "\n" not in line and line.count("/") >= 19


def test_official_files_in_the_course_folder_win_over_the_sample(tok, tmp_path):
    official = tmp_path / "data" / "haspeede"
    official.mkdir(parents=True)
    for path in tasks.get_task("haspeede").sample_paths("train"):
        (official / path.name).write_bytes(path.read_bytes())
    settings = mix.MixSettings(tasks=["haspeede", "acti_a"], per_task=20)
    data = workshop.build(settings, tok, official=tmp_path / "data")
    assert data.origins == {"haspeede": "official", "acti_a": "sample"}
    assert data.line().startswith("data: official (haspeede); sample (acti_a); rows per task")


def test_notebook_03_reads_notebook_02s_files_and_builds_them_when_missing(tok, tmp_path, capsys):
    settings = mix.MixSettings(tasks=["haspeede", "emit_a"], per_task=20)
    built = workshop.training_files(tok, settings=settings, root=tmp_path)
    out = capsys.readouterr().out
    assert "no train.tsv/dev.tsv" in out and "notebook 02" in out and "written to" in out
    assert workshop.read_files(tmp_path / "lab2") == (built.train, built.dev)
    again = workshop.training_files(tok, root=tmp_path)             # now they are there: read, not built
    out = capsys.readouterr().out
    assert "notebook 02's files in" in out and "no train.tsv" not in out
    assert (again.train, again.dev, again.origins) == (built.train, built.dev, built.origins)
    assert again.line() == built.line()


def test_files_without_sources_json_still_read(tmp_path):
    rows = [fourcol.Row("1", "haspeede", "Che bella giornata", "non_odio")]
    workshop.write_files(tmp_path, rows, rows)
    assert workshop.read(tmp_path).origins == {"haspeede": "unknown origin"}


def test_training_files_round_trip_and_a_missing_one_says_who_writes_it(tmp_path):
    built = mix.build(tasks.sources.load_samples(["haspeede"]), mix.MixSettings(per_task=None))
    paths = workshop.write_files(tmp_path / "lab2", built.train, built.dev)
    assert [p.name for p in paths] == ["train.tsv", "dev.tsv"]
    assert workshop.read_files(tmp_path / "lab2") == (built.train, built.dev)
    paths[1].unlink()
    with pytest.raises(FileNotFoundError, match="dev.tsv: no such file; notebook 02"):
        workshop.read_files(tmp_path / "lab2")


def test_reading_training_files_names_the_file_and_line_of_an_unknown_task(tmp_path):
    rows = [fourcol.Row("1", "haspeede", "ciao", "non_odio"), fourcol.Row("2", "acti_a", "x", "cospirazione")]
    workshop.write_files(tmp_path, rows, rows[:1])
    (tmp_path / "train.tsv").write_text("1\thaspeede\tciao\tnon_odio\n2\tnot_a_task\tx\ty\n")
    with pytest.raises(ValueError, match=r"train.tsv, line 2: unknown task 'not_a_task'"):
        workshop.read_files(tmp_path)


BISS_TRAIN = """\
1\thaspeede\tVia tutti, feccia!\todio
2\thaspeede\tChe bella giornata al mare\tnon_odio
3\tnermud\tFlor e Montani a Trento\t[PER] Flor Montani [LOC] Trento
4\tnermud\tNessuno qui\tnan
5\thodi_b\t"Dai ai ""mammi"" gay, malati"\tmalati
6\tnermud\tRoma e Milano\t[LOC] Zurigo
"""
BISS_DEV = """\
7\thaspeede\tViva la pizza\tnon_odio
8\tnermud\tAlcide a Roma\t[PER] Alcide [LOC] Roma
"""


@pytest.fixture
def online_with_biss(monkeypatch, tmp_path):
    """Online, with BISS-2024 files of our own behind file:// URLs (hashes pinned as for the real ones)."""
    from biss_helpers import download, env

    served = tmp_path / "served"
    served.mkdir()
    sources = []
    for name, text in (("train_100.txt", BISS_TRAIN), ("dev_100.txt", BISS_DEV)):
        (served / name).write_text(text, encoding="utf-8")
        sources.append(download.Source((served / name).as_uri(), download.sha256(served / name),
                                       download.BISS2024_TASKS, "Apache-2.0", name))
    monkeypatch.setattr(download, "BISS2024", sources)
    monkeypatch.setattr(env, "offline", lambda: False)
    monkeypatch.setattr(workshop.course, "folder", lambda root=None: tmp_path / "course")
    return tmp_path / "course"


def test_online_the_biss2024_rows_are_used_converted_and_the_unconvertible_ones_listed(online_with_biss, tok,
                                                                                      capsys):
    settings = mix.MixSettings(tasks=["haspeede", "nermud", "hodi_b", "clinkart"], per_task=100)
    data = workshop.build(settings, tok)
    out = capsys.readouterr().out
    assert data.origins == {"haspeede": "BISS-2024", "nermud": "BISS-2024", "hodi_b": "BISS-2024",
                            "clinkart": "sample"}
    assert (online_with_biss / "biss2024" / "train_100.txt").is_file()      # kept for the next session
    targets = {row.id: row.target for row in data.train if row.task != "clinkart"}
    assert targets == {"1": "odio", "2": "non_odio", "3": "[PER] Flor [PER] Montani [LOC] Trento",
                       "4": "nessuna", "5": "malati"}
    assert [row.input for row in data.train if row.id == "5"] == ['Dai ai "mammi" gay, malati']
    assert "6 (line 6: unplaced '[LOC] Zurigo')" in out                    # listed, not trained on
    assert {row.id for row in data.dev if row.task != "clinkart"} == {"7", "8"}
    assert "BISS-2024 (haspeede, nermud, hodi_b); sample (clinkart)" in data.line()


def test_the_audit_checks_the_files_as_written_and_names_a_leak(tmp_path, capsys):
    pool = tasks.sources.load_samples(["politicit", "langlearn", "haspeede"], "train")
    built = mix.build(pool, mix.MixSettings(per_task=40, dev_fraction=0.2))
    workshop.write_files(tmp_path, built.train, built.dev)
    counts = workshop.audit(tmp_path, pool)
    assert counts == {r.task: (r.train + r.augmented, r.dev) for r in built.report}
    assert "for 3 tasks no group on both sides" in capsys.readouterr().out
    # A dev pair's reverse on the train side: the leak the split avoids, written by hand.
    langlearn = tasks.get_task("langlearn")
    dev_pair = next(e for e in pool["langlearn"] if e.id in {row.id for row in built.dev})
    leaked = built.train + fourcol.encode(langlearn, langlearn.augment([dev_pair]))
    workshop.write_files(tmp_path, leaked, built.dev)
    with pytest.raises(ValueError, match=f"langlearn: group '{langlearn.group(dev_pair)}' has rows in both"):
        workshop.audit(tmp_path, pool)
    workshop.write_files(tmp_path, built.train + [built.dev[0]], built.dev)
    with pytest.raises(ValueError, match="is in both train.tsv and dev.tsv"):
        workshop.audit(tmp_path, pool)
