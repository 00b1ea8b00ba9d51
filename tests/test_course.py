"""The course folder: Google Drive on Colab (mounted once), ``runs/`` of the checkout elsewhere."""

import sys
import types

import pytest

from biss_helpers import course


def fake_colab(monkeypatch, tmp_path):
    """A Colab with a Drive whose `mount` creates MyDrive and counts its calls."""
    mounts = []

    def mount(where):
        mounts.append(where)
        (tmp_path / "drive" / "MyDrive").mkdir(parents=True, exist_ok=True)

    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mount)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(course, "DRIVE", tmp_path / "drive")
    return mounts


def test_on_colab_the_course_folder_is_on_drive_mounted_once_with_a_prompt(monkeypatch, tmp_path, capsys):
    mounts = fake_colab(monkeypatch, tmp_path)
    first, second = course.folder(), course.path("lab2")
    assert first == tmp_path / "drive" / "MyDrive" / "biss-tutorial" and first.is_dir()
    assert second == first / "lab2"
    assert mounts == [str(tmp_path / "drive")]                 # once, however many calls
    assert "Google Drive" in capsys.readouterr().out


@pytest.mark.parametrize("where", ["", "notebooks", "notebooks/deeper"])
def test_elsewhere_it_is_runs_at_the_root_of_the_checkout_wherever_the_notebook_runs(monkeypatch, tmp_path,
                                                                                      where):
    for name in ("biss_helpers", "notebooks/deeper"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(tmp_path / where)
    assert course.folder() == tmp_path / "runs" and (tmp_path / "runs").is_dir()


def test_outside_a_checkout_it_is_runs_in_the_current_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert course.checkout_root() is None and course.folder() == tmp_path / "runs"
