"""Atomic outputs (outputs): a file appears complete or not at all, and output paths are checked
before any work starts."""

import os

import pytest

from biss_helpers import outputs


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_completed_write_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "out.tsv"
    outputs.write_text(path, "first\n")
    outputs.write_text(path, "second\n")
    assert path.read_text() == "second\n" and listing(path.parent) == ["out.tsv"]


@pytest.mark.parametrize("interruption", [ValueError("bad row 5"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_earlier_file_and_no_partial_one(tmp_path, interruption):
    path = outputs.write_text(tmp_path / "out.tsv", "complete\n")
    with pytest.raises(type(interruption)):
        with outputs.replace(path) as handle:
            handle.write("row 1\nrow 2\n")
            raise interruption
    assert path.read_text() == "complete\n" and listing(tmp_path) == ["out.tsv"]


def test_a_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with outputs.replace(tmp_path / "new.tsv") as handle:
            handle.write("half")
            raise ValueError
    assert listing(tmp_path) == []


def test_the_written_file_has_the_mode_of_a_plain_file(tmp_path):
    path = outputs.write_text(tmp_path / "out.tsv", "x")
    plain = tmp_path / "plain"
    plain.write_text("x")
    assert os.stat(path).st_mode == os.stat(plain).st_mode


def test_line_endings_are_written_as_given(tmp_path):
    path = outputs.write_text(tmp_path / "crlf.txt", "a\r\nb\n")
    assert path.read_bytes() == b"a\r\nb\n"


def test_check_file_refuses_a_folder_and_a_path_under_a_file(tmp_path):
    with pytest.raises(ValueError, match=f"^--output {tmp_path} is a folder: give a file name$"):
        outputs.check_file(tmp_path, "--output")
    blocker = outputs.write_text(tmp_path / "file.txt", "x")
    with pytest.raises(ValueError, match=f"file.txt/sub/out.tsv: {blocker} is a file, not a folder$"):
        outputs.check_file(blocker / "sub" / "out.tsv")
    deeper = tmp_path / "new" / "deeper" / "out.tsv"
    assert outputs.check_file(deeper) == deeper
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_check_folder_refuses_a_file(tmp_path):
    blocker = outputs.write_text(tmp_path / "file.txt", "x")
    with pytest.raises(ValueError, match=f"^output folder {blocker} is a file: give a folder$"):
        outputs.check_folder(blocker)
    with pytest.raises(ValueError, match="is a file, not a folder$"):
        outputs.check_folder(blocker / "runs")
    assert outputs.check_folder(tmp_path / "runs") == tmp_path / "runs"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_places_are_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    outputs.write_text(locked / "old.tsv", "x")
    locked.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="is not writable"):
            outputs.check_file(locked / "out.tsv")
        with pytest.raises(ValueError, match="is not writable"):
            outputs.check_folder(locked)
    finally:
        locked.chmod(0o700)
