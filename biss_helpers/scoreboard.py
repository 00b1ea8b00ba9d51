"""The scoreboard: systems side by side on the same gold rows (the fine-tuned model, its untuned base
with the same prompts and decoding, and a baseline that never reads the input), task by task, with
intervals, the paired difference fine-tuned minus base, and the best published EVALITA 2023 score
where the task's overview paper gives one. Written as JSON and as a Markdown table.

The baseline answers every row of a task with one answer learnt from the training rows: the most
frequent training answer (labels, label sets, "no entity"), or the mean of the numbers for the
tasks scored by a correlation or a distance (DisCoTex 2, EmotivITA, GeoLingIt B, WiC-ITA 2).

>>> from biss_helpers.fourcol import Row
>>> train = [Row("1", "haspeede", "a", "odio"), Row("2", "haspeede", "b", "odio"),
...          Row("3", "haspeede", "c", "non_odio"), Row("4", "discotex_2", "d", "2"),
...          Row("5", "discotex_2", "e", "3")]
>>> [row.target for row in baseline(train, train)]
['odio', 'odio', 'odio', '2.50', '2.50']
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from . import fourcol, outputs
from .evaluation import Scores, difference
from .tasks import get_task

MEAN_TASKS = ("discotex_2", "emotivita", "geolingit_b", "wicita_2")  # numbers: the baseline is the mean


@dataclass(frozen=True)
class Published:
    value: float
    what: str
    source: str


# The best EVALITA 2023 score per task, where its overview paper states it (its abstract, for EMit).
# The other overviews' results tables could not be read here: no number is given for them rather
# than one from memory.
_EMIT = ("Araque et al., EMit at EVALITA 2023: Overview of the Categorical Emotion Detection in Italian "
         "Social Media Task, CEUR-WS Vol-3473 (2023), abstract")
PUBLISHED = {
    "emit_a": Published(0.6028, "macro-F1, in-domain test (out-of-domain: 0.4977)", _EMIT),
    "emit_b": Published(0.6459, "macro-F1, in-domain test (out-of-domain: 0.3223)", _EMIT),
}


def baseline(train_rows, rows) -> list[fourcol.Row]:
    """`rows` answered by the baseline learnt from `train_rows` (a ValueError names a task of
    `rows` with no training row: it has no baseline)."""
    answers = {}
    for name in dict.fromkeys(row.task for row in rows):
        mine = [row.target for row in train_rows if row.task == name and row.target]
        if not mine:
            raise ValueError(f"no training row of task {name}: it has no baseline answer")
        if name in MEAN_TASKS:
            task = get_task(name)
            values = [task.decode(t).prediction for t in mine]
            mean = [sum(v) / len(values) for v in zip(*[v if isinstance(v, tuple) else (v,) for v in values],
                                                      strict=True)]
            answers[name] = " ".join(f"{m:.2f}" for m in mean)
        else:
            answers[name] = Counter(mine).most_common(1)[0][0]
    return [fourcol.Row(row.id, row.task, row.input, answers[row.task]) for row in rows]


@dataclass
class Board:
    """Scores of several systems on the same gold rows, keyed by system name (first: the one
    compared, e.g. ``finetuned``; `against`: the one it is compared with, e.g. ``base``)."""

    systems: dict[str, Scores]
    against: str = "base"

    def rows(self) -> list[dict]:
        """One dict per task (and the macro): metric, each system's value and interval, the
        difference first minus `against` with its paired interval, the published best."""
        first = next(iter(self.systems))
        delta = difference(self.systems[first], self.systems[self.against]) \
            if self.against in self.systems and self.against != first else {}
        table = []
        for name in [*self.systems[first].tasks, "macro"]:
            row = {"task": name}
            for system, scores in self.systems.items():
                if name == "macro":
                    row["metric"] = "macro"
                    row[system], row[f"{system}_interval"] = scores.macro, scores.macro_interval
                else:
                    entry = scores.tasks[name]
                    row["metric"], row[system] = entry.metric, entry.value
                    row[f"{system}_interval"] = entry.interval
                    row[f"{system}_unparsed"] = entry.unparsed
            if name in delta:
                row["difference"] = delta[name]["difference"]
                row["difference_interval"] = delta[name].get("interval")
            if name in PUBLISHED:
                row["published_best"] = PUBLISHED[name].value
            table.append(row)
        return table

    def markdown(self) -> str:
        systems = list(self.systems)
        head = ["task", "metric", *systems, *(["difference (95% interval)"] if len(systems) > 1 else []),
                "published best"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.rows():
            cells = [row["task"], row["metric"]]
            for system in systems:
                value, span = row.get(system), row.get(f"{system}_interval")
                cells.append("" if value is None else f"{value:.4f}" + (f" [{span[0]:.3f}, {span[1]:.3f}]"
                                                                         if span else ""))
            if len(systems) > 1:
                span = row.get("difference_interval")
                cells.append("" if "difference" not in row else f"{row['difference']:+.4f}"
                             + (f" [{span[0]:+.3f}, {span[1]:+.3f}]" if span else ""))
            cells.append(f"{row['published_best']:.4f}" if "published_best" in row else "")
            lines.append("| " + " | ".join(cells) + " |")
        if PUBLISHED:
            lines.append("")
            lines += [f"Published best, {name}: {p.value} ({p.what}); {p.source}."
                      for name, p in PUBLISHED.items()]
        return "\n".join(lines) + "\n"

    def write(self, folder) -> list:
        """``scoreboard.json`` and ``scoreboard.md`` in `folder`; returns their paths."""
        from pathlib import Path

        folder = Path(folder)
        record = {"systems": {name: s.summary() for name, s in self.systems.items()}, "rows": self.rows()}
        json_path, md_path = folder / "scoreboard.json", folder / "scoreboard.md"
        outputs.write_text(json_path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        outputs.write_text(md_path, self.markdown())
        return [json_path, md_path]
