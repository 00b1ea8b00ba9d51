import subprocess
import sys
from pathlib import Path

import pytest

from biss_helpers import env, zoo


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True),
                                             ("0", False), ("", False), ("no", False)])
def test_offline_reads_the_one_variable(monkeypatch, value, expected):
    monkeypatch.setenv("BISS_OFFLINE", value)
    assert env.offline() is expected


def test_is_colab_looks_at_loaded_modules(monkeypatch):
    assert not env.is_colab()
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert env.is_colab()


def test_a_colab_runtime_without_a_gpu_stops_with_the_way_to_a_t4(monkeypatch):
    env.require_gpu()                                   # not Colab: a CPU is fine (offline labs)
    monkeypatch.setitem(sys.modules, "google.colab", object())
    with pytest.raises(RuntimeError, match=r"no GPU.*Runtime > Change runtime type > .*T4 GPU"):
        env.require_gpu("QLoRA training")
    from biss_helpers import models

    with pytest.raises(RuntimeError, match="Change runtime type"):   # before anything is loaded
        models.load_model("unsloth/Llama-3.2-1B-Instruct")


def test_online_ids_pass_through(online):
    assert env.resolve_model("dbmdz/bert-base-italian-xxl-cased") == "dbmdz/bert-base-italian-xxl-cased"


def test_offline_maps_hub_ids_and_says_so(offline, capsys):
    path = env.resolve_model("dbmdz/bert-base-italian-xxl-cased")
    assert Path(path) == zoo.minilm_dir()
    assert "dbmdz/bert-base-italian-xxl-cased -> minilm" in capsys.readouterr().out
    assert Path(env.resolve_model("meta-llama/Llama-3.2-1B-Instruct")) == zoo.smollm2_dir()
    assert Path(env.resolve_model("smollm2")) == zoo.smollm2_dir()


def test_offline_unknown_id_lists_the_offline_models(offline):
    with pytest.raises(ValueError) as error:
        env.resolve_model("someone/unknown-model")
    message = str(error.value)
    assert "someone/unknown-model" in message
    assert "minilm" in message and "smollm2" in message
    assert "dbmdz/bert-base-italian-xxl-cased" in message


def test_local_folders_pass_through_in_both_modes(offline, tmp_path):
    assert env.resolve_model(str(tmp_path)) == str(tmp_path)


def test_every_stand_in_points_at_a_zoo_model():
    assert set(env.STAND_INS) == set(zoo.OFFLINE_MODELS)
    ids = [i for group in env.STAND_INS.values() for i in group]
    assert len(ids) == len(set(ids)), "a hub id may stand for one offline model only"


def test_setup_seeds_and_reports(capsys):
    import torch

    runtime = env.setup(seed=7)
    first = torch.rand(3)
    env.setup(seed=7)
    assert torch.equal(first, torch.rand(3))
    out = capsys.readouterr().out
    assert "precision: fp32" in out and "transformers" in out
    assert runtime.device == "cpu" and runtime.precision == env.precision() == "fp32"


def test_importing_the_package_is_light():
    code = ("import sys, biss_helpers, biss_helpers.env, biss_helpers.zoo, biss_helpers.bert, "
            "biss_helpers.sentences, biss_helpers.plots, biss_helpers.tiny, biss_helpers.cli, "
            "biss_helpers.notebooks, biss_helpers.tasks, biss_helpers.fourcol, biss_helpers.mix, "
            "biss_helpers.lengths, biss_helpers.prompts, biss_helpers.metrics, biss_helpers.download, "
            "biss_helpers.models, biss_helpers.collate, biss_helpers.training, biss_helpers.memory; "
            "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'scipy', 'matplotlib') "
            "if m in sys.modules]; "
            "print(heavy); assert not heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_only_the_known_bitsandbytes_notice_is_dropped():
    import logging

    env.quiet_libraries()
    env.quiet_libraries()                                   # once is enough: no second filter
    logger = logging.getLogger(env.KERNELS_LOGGER)
    assert logger.filters.count(env._not_kernels_notice) == 1

    def record(msg):
        return logging.LogRecord(env.KERNELS_LOGGER, logging.WARNING, "ops.py", 1, msg, (None,), None)

    assert not logger.filter(record(env.KERNELS_NOTICE + ": %s. Please make sure ..."))
    assert logger.filter(record("anything else bitsandbytes says: %s"))
