"""The whole pipeline offline with tiny settings (SmolLM2-135M, two tasks, a few steps): every
artefact in its run folder, the official submissions written and scored per file, and a scoreboard
where the fine-tuned model beats its untuned base (the same model with the adapter off: equal scores
would mean the adapter was never used). A randomly initialised tiny LLaMA cannot show that: it scores
the shortest label highest before and after a few hundred steps."""

import json

import pytest

from biss_helpers import fourcol, generation, mix, pipeline, training


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("BISS_OFFLINE", "1")  # the offline SmolLM2, whatever the caller's environment says
    settings = pipeline.PipelineSettings(
        model="unsloth/Llama-3.2-1B-Instruct", quantization="none", resamples=100, dev_loss=False,
        output=str(tmp_path_factory.mktemp("pipeline") / "run"),
        mix=mix.MixSettings(tasks=["nermud"], per_task=None, dev_fraction=0.3),
        train=training.TrainSettings(max_steps=4, batch_size=2, grad_accum=1, learning_rate=2e-3,
                                     max_tokens=256, logging_steps=2, checkpointing=False),
        generation=generation.GenerationSettings(batch_size=16))
    yield pipeline.run(settings)
    patch.undo()


def test_every_stage_leaves_its_artefacts(result):
    run = result.run_dir
    for name in ("data/train.tsv", "data/dev.tsv", "data/test.tsv", "train/adapter/adapter_config.json",
                 "predictions/finetuned.tsv", "predictions/base.tsv", "predictions/baseline.tsv",
                 "predictions/test.tsv", "scoreboard.json", "scoreboard.md", "scores/test.json"):
        assert (run / name).is_file(), name
    dev = fourcol.read(run / "data" / "dev.tsv")
    for name in ("finetuned", "base", "baseline"):
        assert [r.id for r in fourcol.read(run / "predictions" / f"{name}.tsv")] == [r.id for r in dev]
    assert sorted(p.name for p in (run / "submissions" / "nermud").iterdir()) == [
        "biss_ADG_test.tsv", "biss_FIC_test.tsv", "biss_WN_test.tsv"]


def test_test_files_are_scored_per_file(result):
    scored = json.loads((result.run_dir / "scores" / "test.json").read_text())
    assert list(scored) == ["nermud"]
    assert list(scored["nermud"]) == ["WN", "FIC", "ADG", "combined (ours)"]


def test_finetuned_beats_its_base_and_the_summary_is_the_last_line(result):
    summary = result.summary()
    assert {"base_macro", "finetuned_macro", "tasks", "run_dir", "seconds"} <= set(summary)
    assert summary["finetuned_macro"] > summary["base_macro"]
    assert list(summary["tasks"]) == ["nermud"]
    json.dumps(summary)


def test_config_file_round_trip_and_unknown_keys(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('model = "x"\nresamples = 10\n[train]\nmax_steps = 3\n[train.lora]\nr = 4\n')
    settings = pipeline.read_config(path)
    assert (settings.model, settings.resamples) == ("x", 10)
    assert (settings.train.max_steps, settings.train.lora.r) == (3, 4)
    path.write_text("[train]\nsteps = 3\n")
    with pytest.raises(ValueError, match=r"run.toml \[train\]: unknown setting 'steps'"):
        pipeline.read_config(path)
    path.write_text("resamples = -1\n")
    with pytest.raises(ValueError, match="resamples"):
        pipeline.read_config(path)


def test_the_demo_settings_file_reads():
    from importlib import resources

    demo = pipeline.read_config(resources.files("biss_helpers") / "data" / "pipeline" / "demo.toml")
    assert demo.train.max_steps > 0 and demo.test
