"""bench/gpu.py: the shapes are Llama 3.2's, the line it prints without a GPU, and its --smoke run
(the GPU code path end to end: save, preflight, 4-bit load, LoRA, `training.train`, on the CPU)."""

import math

from tests.conftest import bench_module, run_bench


def test_shapes_have_the_parameters_of_llama_3_2():
    from transformers import LlamaConfig

    from biss_helpers import memory

    shapes = bench_module("gpu").SHAPES
    # The model cards' counts: 1.24B and 3.21B, embeddings tied to the output head.
    for name, parameters in (("1b", 1_235_814_400), ("3b", 3_212_749_824)):
        config = LlamaConfig(**shapes[name][1])
        assert config.rope_parameters["rope_type"] == "llama3" and config.rope_parameters["rope_theta"] == 5e5
        assert memory.count_parameters(config).total == parameters, name


def test_without_a_gpu_it_says_it_skipped():
    assert run_bench("gpu") == {"bench": "gpu", "skipped": "no CUDA GPU"}


def test_smoke_runs_the_gpu_code_path_on_the_cpu():
    line = run_bench("gpu", "--smoke", "--steps", "3")
    assert line["bench"] == "gpu" and line["model"] == "tiny" and not {"skipped", "error"} & set(line)
    settings = [line[key] for key in ("steps", "steps_asked", "batch_size", "grad_accum", "max_tokens")]
    assert settings == [3, 3, 2, 2, 384]
    assert line["gpu"] is None and line["precision"] == "fp32" and line["optimizer"] == "adamw_torch"
    assert line["measured_peak_gb"] is None and line["estimate_over_measured"] is None  # no CUDA memory
    parts = line["estimate_parts_gb"]
    assert line["estimate_allocated_gb"] == round(line["estimate_total_gb"] - parts["overhead"], 3) > 0
    assert line["lora_parameters"] == 2 * 16 * 2048  # 2 layers, r=16, in+out of the 7 projections: 2048
    assert line["tokens_per_second"] > 0 and line["tokens_per_second_after_warmup"] > 0
    assert math.isclose(line["seconds_per_step"], 2 * 2 * 384 / line["tokens_per_second"], rel_tol=0.01)
    assert line["padding_fraction"] == [0.0]  # every row exactly max_tokens
    assert math.isfinite(line["first_loss"]) and math.isfinite(line["last_loss"])
    assert line["versions"]["torch"] != "-" and line["date"]
