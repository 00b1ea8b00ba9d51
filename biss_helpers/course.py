"""The course folder: where every notebook writes what it makes and reads what an earlier one made.

Each notebook runs in its own runtime (on Colab, a fresh machine each time), so nothing passes from
one to the next through a local path. On Colab the course folder is ``MyDrive/biss-tutorial`` on
Google Drive (mounted once, after a clear prompt), so it outlives the session; elsewhere it is
``runs/`` at the root of the checkout (or of the current folder outside one). Inside it:

    data/        official EVALITA files you put there (they win over every other source)
    biss2024/    the public BISS-2024 rows, downloaded (the default data on Colab)
    lab2/        notebook 02's train.tsv and dev.tsv, and sources.json (which data, how many rows)
    lab2.2/      notebook 03's runs: one folder per setting of the model (`training.run_folder`)
    lab2.3/      notebook 04's predictions.tsv: every dev row with the model's answer (and
                 predictions_base.tsv: the untuned base's answers to the same rows)
    lab2.4/      notebook 05's submissions/ (official files), scoreboard.json and scoreboard.md
    pipeline/    `biss pipeline` (`make demo`): one folder per run, every stage's artefacts

A missing input is never replaced silently: its error names what makes it (`MADE_BY`).

>>> import tempfile
>>> root = folder(tempfile.mkdtemp())
>>> path("lab2", root=root).relative_to(root).as_posix(), root.is_dir()
('lab2', True)
"""

from __future__ import annotations

from pathlib import Path

from . import env

DRIVE = Path("/content/drive")
ON_DRIVE = "MyDrive/biss-tutorial"  # the course folder, relative to the mounted Drive
MADE_BY = {  # a folder of the course folder that a notebook reads, and what makes it
    "lab2": "notebook 02 (02_evalita_task_encoding.ipynb) or `biss mix --output COURSE/lab2`",
    "lab2.2": "notebook 03 (03_qlora_llama_training.ipynb) or `biss train`",
    "lab2.3": "notebook 04 (04_inference.ipynb) or `biss predict --output COURSE/lab2.3/predictions.tsv`",
    "lab2.4": "notebook 05 (05_decoding_and_evaluation.ipynb)",
}


def checkout_root(start: str | Path | None = None) -> Path | None:
    """The root of the biss-tutorial checkout holding `start` (default: the current folder): the
    nearest folder with both ``biss_helpers/`` and ``notebooks/``; None outside a checkout. A
    notebook runs in ``notebooks/`` and the CLI at the root: both find the same ``runs/``."""
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "biss_helpers").is_dir() and (candidate / "notebooks").is_dir():
            return candidate
    return None


def mount_drive() -> Path:
    """Mount Google Drive on Colab (once per session: a mounted Drive is reused) and return it."""
    if not (DRIVE / "MyDrive").is_dir():
        print("The course folder lives on your Google Drive (MyDrive/biss-tutorial), so that what "
              "this notebook makes outlives the session and reaches the next notebook. Colab now "
              "asks you to allow access: choose your account and allow.")
        from google.colab import drive

        drive.mount(str(DRIVE))
    return DRIVE / "MyDrive"


def folder(root: str | Path | None = None) -> Path:
    """The course folder, created if needed: `root` if given; on Colab ``MyDrive/biss-tutorial``
    on Google Drive; elsewhere ``runs/`` in the checkout (`checkout_root`) or in the current folder."""
    if root is not None:
        course = Path(root)
    elif env.is_colab():
        course = mount_drive().parent / ON_DRIVE
    else:
        course = (checkout_root() or Path.cwd()) / "runs"
    course.mkdir(parents=True, exist_ok=True)
    return course


def path(*parts: str, root: str | Path | None = None) -> Path:
    """A path inside the course folder, e.g. ``path("lab2")`` for notebook 02's files."""
    return folder(root).joinpath(*parts)
