"""Submission files on disk: where a one-file submission goes, how a scorer finds it again, and the
zip archive that the rules of some tasks ask for.

    write_submission --> the official files --package--> biss.zip, where the rules ask for one
    score(biss.zip | folder | file) --unzipped--> a folder of the zip's members --> the task's reader

Archives (``Task.archive``): EMit, EmotivITA and HODI ask for ``TeamName.zip``; GeoLingIt for its runs
zipped; PoliticIT's CodaLab for a zip; WiC-ITA's scorer opens only a zip, with a ``description.txt``
beside the runs. The other tasks take loose files. Subtasks of one task share their zip (EMit A and
B runs go in one ``biss.zip``), so `package` adds to a zip it wrote for the same task file, and
refuses to mix another task's files into one (write each task's submission to its own folder).

>>> import tempfile
>>> from biss_helpers.tasks import get_task
>>> task, folder = get_task("emotivita"), Path(tempfile.mkdtemp())
>>> gold = task.sample_paths("gold")
>>> examples = task.read(gold)
>>> files = task.write_submission([e.id for e in examples], [e.gold for e in examples], gold, folder)
>>> zipped = package(task, files, folder)
>>> zipped.name, zipfile.ZipFile(zipped).namelist()
('biss.zip', ['biss_SubtaskB_unconstrained_run1.csv'])
>>> task.score(zipped, gold) == task.score(folder, gold)
True
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DESCRIPTION = "description.txt"
_STAMP = (1980, 1, 1, 0, 0, 0)  # the zip's earliest date: the same files give the same bytes


@dataclass(frozen=True)
class Archive:
    """The zip a task's rules ask its submission files to be sent in: the zip's name, and whether a
    ``description.txt`` (one line per subtask saying what the run is) goes in it too (WiC-ITA)."""

    name: str
    description: bool = False


def as_paths(paths: Sequence[str | Path] | str | Path) -> list[Path]:
    """One path or many, as a list of `Path`; each must exist."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    found = [Path(p) for p in items]
    for path in found:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
    if not found:
        raise ValueError("no file given")
    return found


def submission_file(path: str | Path, official_name: str) -> Path:
    """Where a one-file submission goes: `path` itself, or `path`/`official_name` when `path` is a
    folder (an existing one, or a name without a suffix)."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        return path / official_name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def find_submission(path: str | Path, pattern: str) -> Path:
    """The submission file: `path` itself, or the one file in folder `path` matching `pattern`."""
    path = Path(path)
    if path.is_file():
        return path
    matches = sorted(path.glob(pattern)) if path.is_dir() else []
    if len(matches) != 1:
        raise FileNotFoundError(f"{path}: expected one submission file matching {pattern!r}, "
                                f"found {len(matches)}")
    return matches[0]


def describe(task) -> str:
    """The ``description.txt`` line of `task`'s run: what it is, honestly.

    >>> from biss_helpers.tasks import get_task
    >>> describe(get_task("wicita_1"))[:60]
    'wicita_1: WiC-ITA subtask 1: same meaning or not. Answers of'
    """
    return (f"{task.name}: {task.title}. Answers of an instruction-tuned language model, decoded and "
            f"written by biss_helpers: a BISS course exercise, not an official EVALITA 2023 run.")


def package(task, files: Sequence[str | Path], folder: str | Path) -> Path | None:
    """Zip the written submission `files` (by their names) into ``task.archive`` inside `folder`, as
    the task's rules ask, with WiC-ITA's ``description.txt``; returns the zip, or None where the rules
    ask for no zip. A zip of that name written for a sibling subtask keeps its other members (EMit A
    and B share one); one holding another task's files is refused rather than overwritten. `task`: a
    task or its name."""
    from .official import as_task

    task = as_task(task)
    if task.archive is None:
        return None
    target, tag = Path(folder) / task.archive.name, f"biss_helpers {type(task).__module__}".encode()
    members: dict[str, bytes] = {}
    if target.exists():
        with _open(target) as old:
            if old.comment != tag:
                said = old.comment.decode(errors="replace") or "a zip biss_helpers did not write"
                raise ValueError(f"{target}: already there and not {task.name}'s ({said}): write each "
                                 f"task's submission to its own folder")
            members = {info.filename: old.read(info) for info in old.infolist()}
    for file in map(Path, files):
        members[file.name] = file.read_bytes()
    if task.archive.description:
        lines = members.get(DESCRIPTION, b"").decode("utf-8", errors="replace").splitlines()
        kept = [line for line in lines if line.strip() and not line.startswith(f"{task.name}:")]
        members[DESCRIPTION] = "\n".join([*kept, describe(task)]).encode() + b"\n"
    _write_zip(target, members, tag)
    return target


def _write_zip(target: Path, members: dict[str, bytes], comment: bytes) -> None:
    from .. import outputs

    # `outputs.replace`: written beside the target and renamed over it, so an interrupted run leaves
    # the old zip whole.
    with outputs.replace(target, binary=True) as handle, \
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = comment
        for name in sorted(members):
            archive.writestr(zipfile.ZipInfo(name, _STAMP), members[name], zipfile.ZIP_DEFLATED)


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path}: not a zip archive ({error})") from None


def is_zip(path: str | Path) -> bool:
    """`path` is a zip archive to be unpacked: a file named ``*.zip`` or holding a zip."""
    path = Path(path)
    return path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path))


@contextmanager
def unzipped(submission: str | Path) -> Iterator[Path]:
    """`submission` itself, or for a zip (`is_zip`) a temporary folder holding its members by their
    names alone (a folder inside the zip does not matter). An error raised while that folder is
    read names the zip and the member, not the temporary folder; where no member is what the task
    reads, the error lists the members.

    >>> with unzipped("runs") as found:
    ...     found
    PosixPath('runs')
    """
    path = Path(submission)
    if not is_zip(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="biss-zip-") as folder:
        names = _extract(path, Path(folder))
        try:
            yield Path(folder)
        except FileNotFoundError as error:  # the task's reader found no member it reads
            raise FileNotFoundError(f"{_named(error, folder, path)} (members of the zip: "
                                    f"{', '.join(names) or 'none'})") from None
        except Exception as error:
            error.args = (_named(error, folder, path),)  # the same error, about the zip
            raise


def _named(error: Exception, folder: str, path: Path) -> str:
    return str(error).replace(f"{folder}{os.sep}", f"{path}: ").replace(folder, str(path))


def _extract(path: Path, folder: Path) -> list[str]:
    names: list[str] = []
    with _open(path) as archive:
        for info in archive.infolist():
            name, macos = re.split(r"[\\/]", info.filename)[-1], "__MACOSX/" in info.filename
            if info.is_dir() or name in ("", ".", "..") or name.startswith("._") or macos:
                continue  # folders (never a way out of the temporary one), and macOS's resource forks
            if name in names:
                raise ValueError(f"{path}: two members are named {name!r} (in different folders of the "
                                 f"zip): which one is the run?")
            names.append(name)
            (folder / name).write_bytes(archive.read(info))
    return names
