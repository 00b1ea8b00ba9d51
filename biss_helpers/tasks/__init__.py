"""The EVALITA 2023 tasks: one file per task, one interface (`base.Task`), one registry.

>>> from biss_helpers import tasks
>>> tasks.get_task("acti_a").title
'ACTI subtask A: conspiratorial or not'
>>> tasks.get_task("acti_c")
Traceback (most recent call last):
...
KeyError: "unknown task 'acti_c'; known tasks: acti_a, acti_b, ..."

`sources` says where a task's examples come from (the samples, or the official files under a
folder); `submit` turns a predictions file into the official submission (and the zip its rules ask
for: `archive.package`); `official.score_files` scores it as the organisers report results, per gold
file or domain. Every module here imports only the standard library at import time; metrics load
scikit-learn and SciPy when a score is computed.
"""

from __future__ import annotations

from . import (
    acti,
    clinkart,
    discotex,
    emit,
    emotivita,
    geolingit,
    haspeede,
    hodi,
    langlearn,
    multifakedetective,
    nermud,
    politicit,
    wicita,
)
from .base import Decoded, Encoded, Example, Task

# The registry: task key -> task. The keys are those of the public BISS-2024 tutorial files.
TASKS: dict[str, Task] = {
    "acti_a": acti.ACTI_A,
    "acti_b": acti.ACTI_B,
    "clinkart": clinkart.CLINKART,
    "discotex_1": discotex.DISCOTEX_1,
    "discotex_2": discotex.DISCOTEX_2,
    "emit_a": emit.EMIT_A,
    "emit_b": emit.EMIT_B,
    "emotivita": emotivita.EMOTIVITA,
    "geolingit_a": geolingit.GEOLINGIT_A,
    "geolingit_b": geolingit.GEOLINGIT_B,
    "haspeede": haspeede.HASPEEDE,
    "hodi_a": hodi.HODI_A,
    "hodi_b": hodi.HODI_B,
    "langlearn": langlearn.LANGLEARN,
    "multifakedetective": multifakedetective.MULTIFAKEDETECTIVE,
    "nermud": nermud.NERMUD,
    "politicit": politicit.POLITICIT,
    "wicita_1": wicita.WICITA_1,
    "wicita_2": wicita.WICITA_2,
}


def get_task(name: str) -> Task:
    """The task registered as `name`; an unknown name raises a KeyError listing the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}") from None


# Where examples come from, and where answers go: both use the registry above.
from . import archive, official, sources, submission  # noqa: E402
from .archive import package  # noqa: E402
from .official import score_files  # noqa: E402
from .submission import SubmissionReport, submit  # noqa: E402

__all__ = ["TASKS", "Decoded", "Encoded", "Example", "SubmissionReport", "Task", "archive", "get_task",
           "official", "package", "score_files", "sources", "submission", "submit"]
