"""Lab 2.3: the adapter of notebook 03 answers 4-column rows, and the predictions file is written.

    COURSE/lab2.2/<run>/adapter --models.load_adapter--> model
    rows (id, task, input, gold) --predict--> rows (id, task, input, completion) --write--> predictions.tsv

`predict` answers every row in one of two ways. A closed-set task (its `Task.choices`: labels)
has its labels scored (`scoring`), so the answer is always a valid label and comes with each
label's probability; an open task (numbers, lists, spans, relations) generates (`generation`),
within its task's budget of new tokens. ``mode="generate"`` generates for every task (what the
predecessor did), ``"score"`` scores every row (an open task is then an error). The predictions
file keeps the rows' ids, tasks and inputs and puts the completion in the 4th column: notebook 05
(``biss decode``) turns it into each task's official submission.

>>> rows = [fourcol.Row("7", "haspeede", "Che bella giornata", "non_odio")]
>>> adapter = find_adapter("unsloth/Llama-3.2-1B-Instruct")    # doctest: +SKIP
>>> model, tokenizer = models.load_adapter(str(adapter))        # doctest: +SKIP
>>> predict(model, tokenizer, rows).rows                        # doctest: +SKIP
[Row(id='7', task='haspeede', input='Che bella giornata', target='non_odio')]
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import course, fourcol, generation, models, prompts, scoring, training
from .tasks import get_task

PREDICTIONS = "predictions.tsv"  # in COURSE/lab2.3: what notebook 04 writes and notebook 05 reads
BASE_PREDICTIONS = "predictions_base.tsv"  # beside it: the untuned base's answers to the same rows
QUICK_STEPS = 16  # a stand-in adapter's training steps when no run of notebook 03 has finished


@dataclass
class Predictions:
    rows: list[fourcol.Row]           # the input rows, the completion in place of the target
    modes: list[str]                  # per row: "scored" or "generated"
    scored: dict[int, scoring.Scored] = field(default_factory=dict)  # row index -> label probabilities
    seconds: float = 0.0

    def summary(self) -> dict:
        """The run in numbers (the JSON line of ``biss predict``)."""
        return {"rows": len(self.rows), "seconds": round(self.seconds, 1),
                "rows_per_second": round(len(self.rows) / self.seconds, 2) if self.seconds else None,
                "scored": self.modes.count("scored"), "generated": self.modes.count("generated")}


def budgets(train_rows, tokenizer, settings: generation.GenerationSettings | None = None) -> dict[str, int]:
    """Task -> new tokens allowed: its longest training answer (tokens + EOS) plus `margin`, at
    least 8 more; with `settings.max_new_tokens`, that number for every task.

    >>> from biss_helpers import fourcol, tiny
    >>> rows = [fourcol.Row("1", "haspeede", "x", "non_odio"), fourcol.Row("2", "haspeede", "y", "odio")]
    >>> budgets(rows, tiny.tokenizer("llama"))  # "non_odio": 6 tokens, + EOS, + a margin of 8
    {'haspeede': 15}
    """
    settings = settings or generation.GenerationSettings()
    longest: dict[str, int] = {}
    for row in train_rows:
        size = len(tokenizer(row.target, add_special_tokens=False)["input_ids"]) + 1
        longest[row.task] = max(longest.get(row.task, 0), size)
    if settings.max_new_tokens:
        return dict.fromkeys(longest, settings.max_new_tokens)
    return {task: n + max(8, math.ceil(n * settings.margin)) for task, n in longest.items()}


def finished_runs(model_name: str | None = None, root: str | Path | None = None) -> list[Path]:
    """The run folders in ``COURSE/lab2.2`` whose training finished (`training.RESULT`), of
    `model_name` if given, the most recent first."""
    found = []
    for result in course.path("lab2.2", root=root).glob(f"*/{training.RESULT}"):
        described = json.loads((result.parent / "run.json").read_text(encoding="utf-8"))
        if model_name is None or described.get("model") == model_name:
            found.append(result)
    return [r.parent for r in sorted(found, key=lambda r: r.stat().st_mtime, reverse=True)]


def find_adapter(model_name: str, root: str | Path | None = None) -> Path | None:
    """The adapter of the latest finished run of `model_name` in the course folder, or None."""
    runs = finished_runs(model_name, root)
    return runs[0] / "adapter" if runs else None


def adapter_for(model_name: str, train_rows, root: str | Path | None = None,
                steps: int = QUICK_STEPS) -> Path:
    """`find_adapter`, or, when notebook 03 has not finished a run of `model_name`, a stand-in
    trained for `steps` steps on `train_rows` (saying so: its answers are poor, but every cell of
    notebook 04 runs). It is a run like any other, in ``COURSE/lab2.2``."""
    found = find_adapter(model_name, root)
    if found:
        print(f"adapter: {found} (the latest finished run of {model_name})")
        return found
    settings = training.TrainSettings(max_steps=steps, batch_size=4, grad_accum=1, logging_steps=4)
    rows = train_rows[:steps * settings.batch_size]
    folder = training.run_folder(model_name, rows, [], settings, root=root)
    settings.output_dir = str(folder)
    print(f"no finished run of {model_name} in {folder.parent} ({course.MADE_BY['lab2.2']} makes one): "
          f"training a stand-in adapter for {steps} steps on {len(rows)} rows, so that this notebook "
          f"runs. Its answers are poor; run notebook 03 for real ones.")
    return training.fine_tune(model_name, rows, [], settings, resume=True).adapter_dir


def check_rows(rows, source: str = "the rows") -> None:
    """Rows to answer: some, each of a registry task; else an error naming the file (and row). An
    empty input is answered, as it was trained: the template's prompt without an input section (a
    text trimmed away, a tweet with no words)."""
    if not rows:
        raise ValueError(f"{source}: no row to answer (an empty file?)")
    for number, row in enumerate(rows, 1):
        try:
            get_task(row.task)
        except KeyError as error:
            raise ValueError(f"{source}, row {number} (id {row.id!r}): {error.args[0]}") from None


def predict(model, tokenizer, rows, settings: generation.GenerationSettings | None = None,
            budgets: dict[str, int] | None = None, progress: bool = True,
            source: str = "the rows") -> Predictions:
    """Answer every row (see the module's docstring), rows in the order given. `budgets`: task ->
    new tokens (`budgets` of the training rows); a task without one gets 64."""
    settings = settings or generation.GenerationSettings()
    check_rows(rows, source)
    texts = [prompts.row_prompt(row, settings.prompt_style, tokenizer) for row in rows]
    names = [f"{source}, row {n} (id {row.id!r}, {row.task})" for n, row in enumerate(rows, 1)]
    modes = [mode_of(row.task, settings.mode) for row in rows]
    answers = [""] * len(rows)
    scored: dict[int, scoring.Scored] = {}
    start = time.perf_counter()
    advance, close = generation.progress_bar(progress, len(rows), "answering")
    closed = [i for i, mode in enumerate(modes) if mode == "scored"]
    if closed:  # all tasks together: a batch mixes tasks, each prompt scored on its own task's labels
        found = scoring.score_choices(model, tokenizer, [texts[i] for i in closed],
                                      [get_task(rows[i].task).choices() for i in closed], settings, advance,
                                      [names[i] for i in closed])
        for i, result in zip(closed, found, strict=True):
            answers[i], scored[i] = result.label, result
    todo = [i for i, mode in enumerate(modes) if mode == "generated"]
    if todo:
        limits = [(budgets or {}).get(rows[i].task, settings.max_new_tokens or 64) for i in todo]
        for i, text in zip(todo, generation.generate(model, tokenizer, [texts[i] for i in todo], settings,
                                                      limits, advance, [names[i] for i in todo]),
                           strict=True):
            answers[i] = text
    close()
    done = [fourcol.Row(r.id, r.task, r.input, a) for r, a in zip(rows, answers, strict=True)]
    return Predictions(done, modes, scored, time.perf_counter() - start)


def predict_base(model, tokenizer, rows, settings: generation.GenerationSettings | None = None,
                 budgets: dict[str, int] | None = None, progress: bool = True,
                 source: str = "the rows") -> Predictions:
    """`predict` with the adapter switched off: the untuned base model, with the same prompts,
    decoding and budgets, so that a difference in the scores is the fine-tuning's alone."""
    with model.disable_adapter():
        return predict(model, tokenizer, rows, settings, budgets, progress, source)


def mode_of(task: str, mode: str = "auto") -> str:
    """"scored" or "generated": how `predict` answers a row of `task` in `mode`.

    >>> mode_of("haspeede"), mode_of("nermud"), mode_of("haspeede", "generate")
    ('scored', 'generated', 'generated')
    """
    closed = get_task(task).choices() is not None
    if mode == "score" and not closed:
        raise ValueError(f"{task} is an open task (its answers are not a few labels): it cannot be "
                         f"scored; use mode 'auto' (labels scored, the rest generated) or 'generate'")
    if mode not in ("auto", "generate", "score"):
        raise ValueError(f"unknown mode {mode!r}: use auto, generate or score")
    return "scored" if closed and mode != "generate" else "generated"


def read(name: str = PREDICTIONS, root: str | Path | None = None) -> list[fourcol.Row]:
    """A predictions file of notebook 04 (`PREDICTIONS` or `BASE_PREDICTIONS`) from the course
    folder; a missing one is an error saying what writes it."""
    path = course.path("lab2.3", name, root=root)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; {course.MADE_BY['lab2.3']} writes it")
    return fourcol.read(path)


def write(path: str | Path, predictions: Predictions) -> int:
    """The predictions file: 4 columns, the completion in the 4th (`fourcol.write`, atomic)."""
    return fourcol.write(path, predictions.rows)


def answer(model, tokenizer, task: str, text: str, settings: generation.GenerationSettings | None = None,
           budgets: dict[str, int] | None = None):
    """(prompt, answer, `scoring.Scored` or None) of one text for `task`: notebook 04's playground.

    >>> prompt, said, scored = answer(model, tokenizer, "haspeede", "Che bella giornata")  # doctest: +SKIP
    """
    settings = settings or generation.GenerationSettings()
    row = fourcol.Row("playground", task, text, "")
    result = predict(model, tokenizer, [row], settings, budgets, progress=False, source="the playground")
    prompt = prompts.row_prompt(row, settings.prompt_style, tokenizer)
    return prompt, result.rows[0].target, result.scored.get(0)


def run(input: str | Path, output: str | Path, settings: generation.GenerationSettings | None = None,
        adapter: str | None = None, model_name: str | None = None, train: str | Path | None = None,
        quantization: str | None = "auto", merge: bool = False) -> Predictions:
    """``biss predict``: the rows of the 4-column file `input` answered by `adapter` (default: the
    latest finished run of `model_name`), written to `output`; budgets from the training rows of
    `train`. The output, the rows (and their tasks against the mode) and the adapter are checked
    before a model loads."""
    from . import outputs

    settings = settings or generation.GenerationSettings()
    outputs.check_file(output, "--output")
    rows = fourcol.read(input)
    check_rows(rows, str(input))
    for row in rows:  # --mode score with an open task: refused now, not after the model loads
        mode_of(row.task, settings.mode)
    train_rows = fourcol.read(train) if train else []
    if adapter is None:
        if model_name is None:
            raise ValueError("give an adapter (a folder or hub id), or a model to use its latest run")
        adapter = find_adapter(model_name)
        if adapter is None:
            raise ValueError(f"no finished run of {model_name} in {course.path('lab2.2')}: give the adapter")
    model, tokenizer = models.load_adapter(str(adapter), quantization, merge=merge, base=model_name)
    per_task = budgets(train_rows, tokenizer, settings) if train_rows else None
    result = predict(model, tokenizer, rows, settings, per_task, source=str(input))
    write(output, result)
    return result
