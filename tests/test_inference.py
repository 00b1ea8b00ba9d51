"""Lab 2.3 (`inference`): every task's rows answered by the tiny model (closed tasks scored, the rest
generated), the predictions file that ``biss decode`` reads, the runs found in the course folder, and
``biss predict``: its refusals before a model loads, and one run with a saved adapter."""

import json
import os
import shutil
import time

import pytest
import torch

from biss_helpers import (
    cli,
    fourcol,
    generation,
    inference,
    models,
    prompts,
    scoring,
    tiny,
    training,
    workshop,
)
from biss_helpers.tasks import TASKS, get_task
from biss_helpers.tasks.base import flatten

pytestmark = pytest.mark.usefixtures("one_thread")

CLOSED = sorted(name for name, task in TASKS.items() if task.choices() is not None)
OPEN = sorted(name for name, task in TASKS.items() if task.choices() is None)
CONTEXT = 1024   # the tiny LLaMA's 256 positions are too few for some tasks' prompts (rope: any number works)


@pytest.fixture(scope="module")
def model(tok):
    """An untrained tiny LLaMA that babbles: an untrained model with tied embeddings repeats the last
    token of the prompt (a newline: empty answers), so its output layer gets weights of its own."""
    model = tiny.llama(tok, seed=5)
    generator = torch.Generator().manual_seed(5)
    model.lm_head.weight = torch.nn.Parameter(torch.randn(model.lm_head.weight.shape, generator=generator))
    model.config.tie_word_embeddings = False
    model.config.max_position_embeddings = CONTEXT
    return model.eval()


def dev_rows(name: str, n: int = 2) -> list[fourcol.Row]:
    task = get_task(name)
    return fourcol.encode(task, task.read(task.sample_paths("dev")))[:n]


@pytest.fixture(scope="module")
def rows() -> list[fourcol.Row]:
    """Two dev rows of every task of the registry."""
    return [row for name in TASKS for row in dev_rows(name)]


@pytest.fixture(scope="module")
def answered(model, tok, rows):
    return inference.predict(model, tok, rows, generation.GenerationSettings(batch_size=8, max_new_tokens=8),
                             progress=False)


# --- modes and choices ---------------------------------------------------------------------------

def test_closed_tasks_are_scored_and_open_ones_generated():
    assert {"haspeede", "emit_b", "politicit", "geolingit_a"} <= set(CLOSED)
    assert {"nermud", "emit_a", "geolingit_b", "clinkart"} <= set(OPEN)
    for name in CLOSED:
        assert inference.mode_of(name) == inference.mode_of(name, "score") == "scored"
        assert inference.mode_of(name, "generate") == "generated"
    for name in OPEN:
        assert inference.mode_of(name) == inference.mode_of(name, "generate") == "generated"
        with pytest.raises(ValueError, match=f"^{name} is an open task.*cannot be scored"):
            inference.mode_of(name, "score")
    with pytest.raises(ValueError, match="unknown mode 'best'"):
        inference.mode_of("haspeede", "best")
    with pytest.raises(KeyError, match="unknown task 'nope'"):
        inference.mode_of("nope")


@pytest.mark.parametrize("name", CLOSED)
def test_the_choices_of_a_closed_task_are_distinct_and_decode_back(name):
    task = get_task(name)
    choices = task.choices()
    assert len(choices) >= 2 and len(set(choices)) == len(choices)
    predictions = []
    for choice in choices:
        decoded = task.decode(choice)
        assert decoded.parsed, choice
        assert task.verbalise(decoded.prediction) == choice     # the round trip
        predictions.append(decoded.prediction)
    assert len(set(map(repr, predictions))) == len(choices)
    golds = {row.target for split in ("train", "dev") for row in fourcol.encode(
        task, task.read(task.sample_paths(split))) if row.target}
    assert golds and golds <= set(choices)                    # every gold answer can be scored


# --- checking the rows ----------------------------------------------------------------------------

def test_rows_that_cannot_be_answered_are_named():
    inference.check_rows([fourcol.Row("1", "haspeede", "Che bella giornata", "")])
    with pytest.raises(ValueError, match="^dev.tsv: no row to answer"):
        inference.check_rows([], "dev.tsv")
    good = fourcol.Row("1", "haspeede", "ciao", "")
    with pytest.raises(ValueError, match=r"^the rows, row 2 \(id 'x9'\): unknown task 'nope'"):
        inference.check_rows([good, fourcol.Row("x9", "nope", "ciao", "")])
    inference.check_rows([good, fourcol.Row("4", "acti_a", "  ", "")], "dev.tsv")  # no input: answered


def test_a_row_with_no_input_is_answered_from_the_prompt_without_an_input_section(model, tok):
    rows = [fourcol.Row("1", "haspeede", "", ""), fourcol.Row("2", "nermud", "", "")]
    done = inference.predict(model, tok, rows, generation.GenerationSettings(max_new_tokens=4),
                             progress=False)
    assert [r.id for r in done.rows] == ["1", "2"] and done.modes == ["scored", "generated"]
    assert done.rows[0].target in ("odio", "non_odio")
    assert "### Input:" not in prompts.row_prompt(rows[0], "alpaca", tok)


# --- predict ----------------------------------------------------------------------------------------

def test_every_task_is_answered_in_the_order_of_the_rows(answered, rows):
    assert len(answered.rows) == len(rows) == 2 * len(TASKS)
    for given, done in zip(rows, answered.rows, strict=True):
        assert (done.id, done.task, done.input) == (given.id, given.task, given.input)
    assert answered.modes == [inference.mode_of(row.task) for row in rows]
    scored = [i for i, row in enumerate(rows) if row.task in CLOSED]
    assert sorted(answered.scored) == scored
    for i in scored:
        result = answered.scored[i]
        assert answered.rows[i].target == result.label in get_task(rows[i].task).choices()
        assert list(result.probabilities) == get_task(rows[i].task).choices()
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    summary = answered.summary()
    assert summary["rows"] == len(rows) and summary["scored"] == len(scored)
    assert summary["generated"] == len(rows) - len(scored) and answered.seconds > 0


def test_predict_answers_as_scoring_and_generation_do(model, tok, rows, answered):
    settings = generation.GenerationSettings(batch_size=8, max_new_tokens=8)
    texts = [prompts.row_prompt(row, "alpaca", tok) for row in rows]
    todo = [i for i, row in enumerate(rows) if row.task in OPEN]
    written = generation.generate(model, tok, [texts[i] for i in todo], settings, 8)
    assert [answered.rows[i].target for i in todo] == written
    assert any(written)
    for name in ("emit_b", "politicit"):
        mine = [i for i, row in enumerate(rows) if row.task == name]
        scored = scoring.score_labels(model, tok, [texts[i] for i in mine], get_task(name).choices())
        assert [answered.rows[i].target for i in mine] == [s.label for s in scored]


def test_generate_mode_writes_every_answer_and_score_mode_refuses_open_tasks(model, tok):
    closed = dev_rows("haspeede") + dev_rows("emit_b")
    settings = generation.GenerationSettings(mode="generate", max_new_tokens=6)
    done = inference.predict(model, tok, closed, settings, progress=False)
    assert done.modes == ["generated"] * 4 and done.scored == {}
    texts = [prompts.row_prompt(row, "alpaca", tok) for row in closed]
    assert [row.target for row in done.rows] == generation.generate(model, tok, texts, settings, 6)
    score = generation.GenerationSettings(mode="score")
    scored = inference.predict(model, tok, closed, score, progress=False)
    assert scored.modes == ["scored"] * 4 and sorted(scored.scored) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="^nermud is an open task"):
        inference.predict(model, tok, closed + dev_rows("nermud"), score, progress=False)


def test_budgets_per_task_bound_the_generated_answers(model, tok):
    rows = dev_rows("nermud") + dev_rows("emit_a")
    word = tok(" di", add_special_tokens=False)["input_ids"][0]
    handle = model.get_output_embeddings().register_forward_hook(
        lambda module, args, out: torch.where(torch.arange(out.shape[-1]) == word, 0.0, -1e4).expand_as(out))
    try:
        done = inference.predict(model, tok, rows, budgets={"nermud": 3}, progress=False)
    finally:
        handle.remove()
    assert [len(row.target.split()) for row in done.rows] == [3, 3, 64, 64]   # a task without one: 64


def test_a_prompt_longer_than_the_context_is_named_before_any_answer(tok, rows):
    short = tiny.llama(tok, seed=6)                                 # 256 positions
    lengths = {row.id: len(prompts.token_ids(prompts.row_prompt(row, "alpaca", tok), tok))
               for row in dev_rows("langlearn")}
    first = dev_rows("langlearn")[0]
    assert lengths[first.id] >= 256
    given = dev_rows("haspeede") + [first]
    with pytest.raises(ValueError, match=rf"^dev.tsv, row 3 \(id '{first.id}', langlearn\): the prompt has "
                                         rf"{lengths[first.id]} tokens.*holds 256"):
        inference.predict(short, tok, given, progress=False, source="dev.tsv")


def test_a_closed_row_with_no_room_for_its_labels_is_named(tok):
    short = tiny.llama(tok, seed=6)
    words = " ".join(tiny.corpus()).split()
    row = next(fourcol.Row("long", "haspeede", " ".join(words[:n]), "") for n in range(1, len(words))
               if len(prompts.token_ids(prompts.row_prompt(
                   fourcol.Row("", "haspeede", " ".join(words[:n]), ""), "alpaca", tok), tok)) >= 252)
    with pytest.raises(ValueError, match=r"row 2 \(id 'long', haspeede\)"):
        inference.predict(short, tok, dev_rows("haspeede", 1) + [row], progress=False, source="dev.tsv")


def test_the_playground_answers_one_text(model, tok):
    prompt, said, scored = inference.answer(model, tok, "haspeede", "Che bella giornata")
    assert prompt.endswith("### Input:\nChe bella giornata\n### Risposta:\n")
    assert said == scored.label and said in ("odio", "non_odio")
    prompt, said, scored = inference.answer(model, tok, "nermud", "Mario Rossi vive a Roma",
                                            generation.GenerationSettings(max_new_tokens=5))
    assert scored is None and isinstance(said, str) and "Mario Rossi vive a Roma" in prompt


# --- the predictions file and decode ----------------------------------------------------------------

@pytest.fixture(scope="module")
def written(answered, rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("predictions")
    fourcol.write(folder / "rows.tsv", rows)
    assert inference.write(folder / inference.PREDICTIONS, answered) == len(rows)
    return folder


def test_the_predictions_file_holds_the_rows_with_the_completions(written, answered):
    back = fourcol.read(written / inference.PREDICTIONS)
    assert back == [fourcol.Row(r.id, r.task, r.input, flatten(r.target)) for r in answered.rows]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_the_predictions_decode_for_every_task(name, written, capsys):
    output = written / f"{name}.tsv"
    code = cli.main(["decode", "--task", name, "--predictions", str(written / inference.PREDICTIONS),
                     "--reference", str(written / "rows.tsv"), "--output", str(output)])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and out["task"] == name and out["rows"] == 2
    if name in CLOSED:
        assert out["unparsed"] == 0                               # a scored answer is always a label
    assert len(output.read_text(encoding="utf-8").splitlines()) == 2


# --- runs in the course folder ------------------------------------------------------------------------

def fake_run(root, name: str, model: str, finished: bool = True, age: float = 0.0):
    folder = root / "lab2.2" / name
    (folder / "adapter").mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"model": model}), encoding="utf-8")
    if finished:
        result = folder / training.RESULT
        result.write_text("{}", encoding="utf-8")
        moment = time.time() - age
        os.utime(result, (moment, moment))
    return folder


def test_finished_runs_newest_first_and_of_the_model_asked(tmp_path):
    root = tmp_path / "course"
    old = fake_run(root, "llama-old", "m/Llama", age=300)
    new = fake_run(root, "llama-new", "m/Llama", age=10)
    fake_run(root, "llama-running", "m/Llama", finished=False)
    qwen = fake_run(root, "qwen", "m/Qwen", age=100)
    assert inference.finished_runs(root=root) == [new, qwen, old]
    assert inference.finished_runs("m/Llama", root) == [new, old]
    assert inference.finished_runs("m/Mistral", root) == []
    assert inference.find_adapter("m/Llama", root) == new / "adapter"
    assert inference.find_adapter("m/Qwen", root) == qwen / "adapter"
    assert inference.find_adapter("m/Mistral", root) is None
    assert inference.find_adapter("m/Llama", tmp_path / "empty") is None


# --- biss predict -----------------------------------------------------------------------------------

@pytest.fixture
def no_model(monkeypatch):
    """A refusal must come before any model loads."""
    def loaded(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(models, "load_adapter", loaded)


def refused(capsys, argv) -> str:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("biss predict: "), err
    return err


def test_predict_refuses_before_a_model_loads(tmp_path, monkeypatch, capsys, no_model):
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "rows.tsv"
    fourcol.write(good, dev_rows("haspeede"))
    out = str(tmp_path / "pred.tsv")
    assert "give an adapter" in refused(capsys, ["predict", "--input", str(good), "--output", out])
    assert "no finished run of m/Llama" in refused(capsys, ["predict", "--model", "m/Llama", "--input",
                                                            str(good), "--output", out])
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\thaspeede\tciao\t\n2\tnope\tciao\t\n", encoding="utf-8")
    err = refused(capsys, ["predict", "--adapter", "a", "--input", str(bad), "--output", out])
    assert f"{bad}, line 2: unknown task 'nope'" in err
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n", encoding="utf-8")
    assert f"{empty}: no row to answer" in refused(
        capsys, ["predict", "--adapter", "a", "--input", str(empty), "--output", out])
    (tmp_path / "file.txt").write_text("x")
    under_a_file = str(tmp_path / "file.txt" / "p.tsv")
    assert "is a file, not a folder" in refused(
        capsys, ["predict", "--adapter", "a", "--input", str(good), "--output", under_a_file])
    assert "is a folder" in refused(capsys, ["predict", "--adapter", "a", "--input", str(good),
                                             "--output", str(tmp_path)])
    assert "GenerationSettings.batch_size = 0" in refused(
        capsys, ["predict", "--adapter", "a", "--input", str(good), "--output", out, "--batch-size", "0"])
    assert not (tmp_path / "pred.tsv").exists()


def test_an_adapter_folder_without_an_adapter_is_refused(tmp_path, capsys):
    rows_file = tmp_path / "rows.tsv"
    fourcol.write(rows_file, dev_rows("haspeede"))
    (tmp_path / "run").mkdir()
    err = refused(capsys, ["predict", "--adapter", str(tmp_path / "run"), "--input", str(rows_file),
                           "--output", str(tmp_path / "pred.tsv")])
    assert "not an adapter folder" in err and "adapter_config.json" in err


def test_score_mode_with_an_open_task_is_refused_before_a_model_loads(tmp_path, capsys, no_model):
    rows_file = tmp_path / "rows.tsv"
    fourcol.write(rows_file, dev_rows("nermud"))
    err = refused(capsys, ["predict", "--adapter", "a", "--input", str(rows_file), "--output",
                           str(tmp_path / "pred.tsv"), "--mode", "score"])
    assert "nermud is an open task" in err


@pytest.fixture(scope="module")
def adapter(tok, tmp_path_factory):
    """A tiny base model saved like a hub model, and a LoRA adapter on it (random, so it matters)."""
    folder = tmp_path_factory.mktemp("adapter")
    base = tiny.llama(tok, seed=7)
    base.config.max_position_embeddings = CONTEXT
    base.save_pretrained(folder / "base")
    tok.save_pretrained(folder / "base")
    model, tokenizer = models.load_model(str(folder / "base"), quantization=None, training=False)
    model = models.add_lora(model, models.LoraSettings(r=4, dropout=0.0))
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    model.save_pretrained(folder / "adapter")
    tokenizer.save_pretrained(folder / "adapter")
    return folder, model.eval(), tokenizer


def test_cli_predict_with_a_saved_adapter(adapter, tmp_path, capsys):
    folder, model, tokenizer = adapter
    rows = dev_rows("haspeede") + dev_rows("nermud") + dev_rows("emit_b") + dev_rows("emit_a", 1)
    rows_file, output = tmp_path / "rows.tsv", tmp_path / "out" / "pred.tsv"
    fourcol.write(rows_file, rows)
    code = cli.main(["predict", "--adapter", str(folder / "adapter"), "--input", str(rows_file),
                     "--output", str(output), "--batch-size", "4"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["rows"] == 7 and summary["scored"] == 4 and summary["generated"] == 3
    assert summary["output"] == str(output)
    done = fourcol.read(output)
    assert [(r.id, r.task, r.input) for r in done] == [(r.id, r.task, r.input) for r in rows]
    # the adapter answers as the model it was saved from does, and it matters
    expected = inference.predict(model, tokenizer, rows, generation.GenerationSettings(batch_size=4),
                                 progress=False)
    assert done == [fourcol.Row(r.id, r.task, r.input, flatten(r.target)) for r in expected.rows]
    with model.disable_adapter():
        base = inference.predict(model, tokenizer, rows, generation.GenerationSettings(batch_size=4),
                                 progress=False)
    assert [r.target for r in base.rows] != [r.target for r in expected.rows]


def test_cli_predict_finds_the_latest_run_of_a_model(adapter, tmp_path, monkeypatch, capsys):
    folder, model, tokenizer = adapter
    monkeypatch.chdir(tmp_path)                       # the course folder: tmp_path/runs
    run = fake_run(tmp_path / "runs", "tiny-1", str(folder / "base"))
    (run / "adapter").rmdir()
    shutil.copytree(folder / "adapter", run / "adapter")
    # the adapter names a base that is not here (a hub id, offline): --model says where it is
    config = run / "adapter" / "adapter_config.json"
    settings = json.loads(config.read_text(encoding="utf-8"))
    config.write_text(json.dumps({**settings, "base_model_name_or_path": "nobody/tiny-nowhere"}),
                      encoding="utf-8")
    rows = dev_rows("haspeede")
    fourcol.write(tmp_path / "rows.tsv", rows)
    code = cli.main(["predict", "--model", str(folder / "base"), "--input", "rows.tsv",
                     "--output", "pred.tsv", "--max-new-tokens", "4"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["scored"] == 2
    expected = inference.predict(model, tokenizer, rows, progress=False)
    assert fourcol.read(tmp_path / "pred.tsv") == expected.rows


def test_without_a_finished_run_a_stand_in_adapter_is_trained_and_then_found(base_dir, tmp_path, capsys):
    model_name = str(base_dir / "model")
    train_rows, _ = workshop.read_files(base_dir)
    adapter = inference.adapter_for(model_name, train_rows, root=tmp_path, steps=2)
    said = capsys.readouterr().out
    assert "no finished run of" in said and "stand-in adapter for 2 steps on 8 rows" in said
    assert (adapter / "adapter_config.json").is_file() and adapter.parent.parent == tmp_path / "lab2.2"
    assert inference.find_adapter(model_name, tmp_path) == adapter   # a run like any other
    assert inference.adapter_for(model_name, train_rows, root=tmp_path, steps=2) == adapter
    assert "the latest finished run" in capsys.readouterr().out
