"""The whole course in one command: ``biss pipeline [--config FILE]`` (and ``make demo``, offline).

    encode (the workshop mix) -> train (LoRA) -> predict (fine-tuned, its untuned base, a baseline)
        -> decode (official submissions of the test files) -> score (dev scoreboard, test files)

Every artefact goes into one run folder (default ``COURSE/pipeline/<model>-<time>``)::

    data/train.tsv, dev.tsv, test.tsv   the rows (test: each task's test file(s), encoded)
    train/                              checkpoints, adapter/, result.json
    predictions/finetuned.tsv, base.tsv, baseline.tsv (dev) and test.tsv (fine-tuned)
    submissions/<task>/                 official files, zipped where the task asks
    scores/test.json                    each test file scored as the organisers score it
    scoreboard.json, scoreboard.md      dev: fine-tuned against base against baseline

The base model answers with the adapter switched off (`disable_adapter`): the same weights, prompts
and decoding, so the difference is the fine-tuning alone. The test files are the bundled samples'
blind test files (synthetic: a check that every submission is complete and scores, not a result);
their gold files score them. The settings file is TOML: top-level keys are `PipelineSettings` fields,
tables ``[mix]``, ``[train]`` (with ``[train.lora]``) and ``[generation]`` their settings classes.

>>> settings = read_config(None)
>>> settings.model, settings.train.batch_size, settings.generation.batch_size
('unsloth/Llama-3.2-1B-Instruct', 8, 16)
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from . import course, fourcol, outputs
from .generation import GenerationSettings
from .mix import MixSettings
from .settings import check, from_mapping, whole
from .training import TrainSettings

STAGES = ("encode", "train", "predict", "decode", "score")


@dataclass
class PipelineSettings:
    model: str = "unsloth/Llama-3.2-1B-Instruct"  # the base model: hub id or folder
    quantization: Literal["auto", "4bit", "8bit", "none"] = "auto"  # auto: 4-bit on a GPU, none on a CPU
    official: str | None = None      # folder of official training files (default: the course's data/)
    test: bool = True                # also answer the samples' test files and write official submissions
    dev_loss: bool = True            # dev loss while training (early stopping, best checkpoint); off:
                                     # train every step and keep the last (each pass over dev costs time)
    resamples: int = 1000            # bootstrap draws for the intervals (0: none)
    output: str | None = None        # the run folder (default: COURSE/pipeline/<model>-<time>)
    mix: MixSettings = field(default_factory=MixSettings)
    train: TrainSettings = field(default_factory=TrainSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)

    def __post_init__(self):
        check(self, resamples=whole(0))


def read_config(path: str | Path | None) -> PipelineSettings:
    """The settings of a TOML file (None: the workshop defaults); unknown keys are refused."""
    if path is None:
        return PipelineSettings()
    try:
        values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not a TOML settings file ({error})") from None
    return from_mapping(PipelineSettings, values, str(path))


@dataclass
class Result:
    run_dir: Path
    board: object                      # scoreboard.Board of the dev rows
    test: dict[str, dict] = field(default_factory=dict)  # task -> score_files result
    seconds: float = 0.0

    def summary(self) -> dict:
        """The last line of ``biss pipeline``."""
        systems = self.board.systems
        tasks = {name: {"metric": entry.metric, **{s: systems[s].tasks[name].value for s in systems}}
                 for name, entry in systems["finetuned"].tasks.items()}
        return {"base_macro": systems["base"].macro, "finetuned_macro": systems["finetuned"].macro,
                "baseline_macro": systems["baseline"].macro, "tasks": tasks,
                "test_files_scored": sum(len(v) for v in self.test.values()),
                "run_dir": str(self.run_dir), "seconds": round(self.seconds, 1)}


class _Stages:
    """Prints each stage as it starts and ends, with the time it took."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self, name: str, what: str) -> None:
        print(f"\n[{STAGES.index(name) + 1}/{len(STAGES)} {name}] {what} "
              f"({time.perf_counter() - self.start:.0f} s since the start)", flush=True)


def run_folder(settings: PipelineSettings) -> Path:
    if settings.output:
        return Path(settings.output)
    short = settings.model.rstrip("/").rsplit("/", 1)[-1].lower()
    return course.path("pipeline", f"{short}-{time.strftime('%Y%m%d-%H%M%S')}")


def blind_rows(names) -> tuple[list[fourcol.Row], dict[str, tuple[list[Path], list[Path]]]]:
    """The rows of each task's sample test file(s), and task -> (test files, gold files).

    >>> rows, files = blind_rows(["haspeede"])
    >>> len(rows), [path.name for path in files["haspeede"][1]]
    (16, ['test_textual_gold.csv'])
    """
    from .tasks import get_task

    rows, files = [], {}
    for name in names:
        task = get_task(name)
        blind, gold = task.sample_paths("test"), task.sample_paths("gold")
        rows += fourcol.encode(task, task.read(blind))
        files[name] = (blind, gold)
    return rows, files


def run(settings: PipelineSettings | None = None) -> Result:
    """Every stage, in order, into one run folder (see the module's docstring)."""
    from . import env, evaluation, inference, models, scoreboard, training, workshop

    settings = settings or PipelineSettings()
    stage, folder = _Stages(), run_folder(settings)
    outputs.check_folder(folder, "the run folder")
    env.setup(settings.train.seed)
    quantization = None if settings.quantization == "none" else settings.quantization
    if quantization == "auto":  # bitsandbytes' CPU kernels are slow: 4-bit where a GPU is
        import torch

        quantization = "4bit" if torch.cuda.is_available() else None
    stage("encode", f"the workshop mix for {settings.model} -> {folder / 'data'}")
    tokenizer = models.load_tokenizer(settings.model)
    official = settings.official or course.path("data")
    data = workshop.build(settings.mix, tokenizer, settings.train.max_tokens, settings.train.prompt_style,
                          official)
    print(data.line())
    workshop.write(folder / "data", data)
    tests, files = blind_rows(fourcol.counts(data.dev)) if settings.test else ([], {})
    if tests:
        fourcol.write(folder / "data" / "test.tsv", tests)
        print(f"test: {len(tests)} rows of the samples' test files of {len(files)} tasks")

    stage("train", f"LoRA on {len(data.train)} rows ({'4-bit base' if quantization else 'unquantised base'})")
    train_settings = replace(settings.train, output_dir=str(folder / "train"))
    trained = training.fine_tune(settings.model, data.train, data.dev if settings.dev_loss else [],
                                 train_settings, quantization)
    print(json.dumps(trained.summary()))

    stage("predict", f"{len(data.dev)} dev rows twice (fine-tuned, base) and {len(tests)} test rows")
    model, tokenizer = models.load_adapter(str(trained.adapter_dir), quantization, base=settings.model)
    budgets = inference.budgets(data.train, tokenizer, settings.generation)
    answered = {"finetuned": inference.predict(model, tokenizer, data.dev, settings.generation, budgets,
                                               source="dev.tsv")}
    answered["base"] = inference.predict_base(model, tokenizer, data.dev, settings.generation, budgets,
                                              source="dev.tsv")
    if tests:
        answered["test"] = inference.predict(model, tokenizer, tests, settings.generation, budgets,
                                             source="test.tsv")
    predicted = {name: result.rows for name, result in answered.items()}
    predicted["baseline"] = scoreboard.baseline(data.train, data.dev)
    for name, rows in predicted.items():
        fourcol.write(folder / "predictions" / f"{name}.tsv", rows)
    print(", ".join(f"{name}: {len(r.rows)} rows in {r.seconds:.0f} s" for name, r in answered.items()))

    stage("decode", f"official submissions of {len(files)} tasks -> {folder / 'submissions'}")
    test_scores = {}
    for name, (blind, gold) in files.items():
        report = _submit(name, predicted["test"], blind, folder / "submissions" / name)
        print(report.summary())
        test_scores[name] = (report.files, gold)

    stage("score", "dev rows: fine-tuned, base, baseline; test files as the organisers score them")
    systems = {name: evaluation.score(predicted[name], data.dev, settings.resamples, settings.train.seed)
               for name in ("finetuned", "base", "baseline")}
    board = scoreboard.Board(systems)
    board.write(folder)
    print(board.markdown())
    scored = {name: _score_test(name, found, gold) for name, (found, gold) in test_scores.items()}
    outputs.write_text(folder / "scores" / "test.json", json.dumps(scored, indent=1) + "\n")
    return Result(folder, board, scored, time.perf_counter() - stage.start)


def _submit(name, rows, reference, output):
    from .tasks import submit

    return submit(name, [row for row in rows if row.task == name], reference, output)


def _score_test(name: str, files: list[Path], gold: list[Path]) -> dict:
    """The task's submission (its zip where it has one, else its folder) scored per gold file."""
    from .tasks import official

    zipped = [f for f in files if f.suffix == ".zip"]
    return official.score_files(name, zipped[0] if zipped else files[0].parent, gold)
