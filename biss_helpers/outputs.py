"""Every file the package writes goes through here, so that no file is ever half-written.

`replace` writes to a temporary file in the destination's folder and renames it over the
destination only once everything is written: a rename within one folder is atomic, so an
interrupted or failed command (Ctrl-C, a bad row halfway, a full disk, a Colab session that dies)
leaves the earlier file as it was and nothing under the final name. 4-column files, submissions,
predictions and scoreboards all use it.

`check_file` and `check_folder` look at an output path before any work starts: a command that
would fail to write after ten minutes of decoding or training says so at once.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.tsv"
>>> _ = write_text(path, "complete\\n")
>>> try:
...     with replace(path) as handle:
...         _ = handle.write("half of it")
...         raise KeyboardInterrupt
... except KeyboardInterrupt:
...     pass
>>> path.read_text(), sorted(p.name for p in path.parent.iterdir())
('complete\\n', ['out.tsv'])
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replace(path: str | Path, newline: str = "", binary: bool = False) -> Iterator:
    """A UTF-8 text handle (`binary`: a bytes one, e.g. for a zip) whose content becomes `path`
    when the block ends without an error.

    Missing parent folders are created; `newline=""` writes line endings as given."""
    path = check_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = {} if binary else {"encoding": "utf-8", "newline": newline}
    handle = tempfile.NamedTemporaryFile("wb" if binary else "w", **text, dir=path.parent,
                                         prefix=f".{path.name}.", suffix=".partial", delete=False)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # on disk before the rename: a crash cannot leave it empty
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # the mode of a plainly created file, not 0600
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write `text` to `path` atomically (see `replace`); returns the path."""
    with replace(path) as handle:
        handle.write(text)
    return Path(path)


def _writable_parent(path: Path, what: str) -> None:
    """The nearest existing folder above `path` must be a writable folder."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{what} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {path}: the folder {parent} is not writable")


def check_file(path: str | Path, what: str = "output") -> Path:
    """`path` as a `Path` if a file can be written there: not a folder, not under a file, in a
    writable folder. Otherwise a ValueError saying which.

    >>> check_file(tempfile.gettempdir())
    Traceback (most recent call last):
    ...
    ValueError: output ... is a folder: give a file name
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder: give a file name")
    _writable_parent(path, what)
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{what} {path} is read-only")
    return path


def check_folder(path: str | Path, what: str = "output folder") -> Path:
    """`path` as a `Path` if it is, or can become, a writable folder. Otherwise a ValueError.

    >>> check_folder(__file__)
    Traceback (most recent call last):
    ...
    ValueError: output folder ... is a file: give a folder
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file: give a folder")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"{what} {path} is not writable")
    else:
        _writable_parent(path, what)
    return path
