"""bench/generation.py --smoke: the whole bench on a tiny in-process Llama with an untrained LoRA
adapter (transformers' own generate one prompt at a time, `generation.generate` in batches, label
scoring of the closed-set prompts), on 8 prompts of the workshop mix, in seconds on the CPU."""


from tests.conftest import bench_module, run_bench

KEYS = {"bench", "model", "device", "threads", "data", "prompts", "picked", "batch_size", "budget_tokens",
        "new_tokens_sequential", "sequential_s", "batched_s", "speedup", "identical_outputs", "all_identical",
        "differing", "closed_prompts", "batched_closed_s", "scoring_s", "scoring_speedup", "valid_label_rate",
        "generated_valid_label_rate", "closed_identical_across_batches", "cpu_share", "targets", "meets",
        "seed", "date", "versions", "seconds"}


def test_smoke_compares_batched_generation_and_scoring_with_one_prompt_at_a_time():
    line = run_bench("generation", "--smoke")
    assert set(line) == KEYS
    assert line["bench"] == "generation" and line["device"] == "cpu" and line["threads"] >= 1
    assert line["prompts"] == len(line["picked"]) == len(set(line["picked"])) == 8
    # round-robin over the tasks: 8 prompts, 8 different tasks
    assert len({name.split(":")[0] for name in line["picked"]}) == 8
    # greedy: the batches write what one prompt at a time writes
    assert line["identical_outputs"] == line["prompts"] and line["all_identical"] and line["differing"] == []
    assert 0 < line["closed_prompts"] <= line["prompts"]
    assert line["closed_identical_across_batches"] == line["closed_prompts"]
    assert line["valid_label_rate"] == 1.0 and 0 <= line["generated_valid_label_rate"] <= 1
    assert 0 < line["new_tokens_sequential"] <= line["budget_tokens"]
    for key in ("sequential_s", "batched_s", "speedup", "batched_closed_s", "scoring_s", "scoring_speedup",
                "cpu_share", "seconds"):
        assert line[key] > 0, key
    assert line["targets"] == {"speedup": 8, "scoring_speedup": 1, "valid_label_rate": 1.0}
    assert line["meets"] == {key: line[key] >= target for key, target in line["targets"].items()}
    assert line["versions"]["torch"] != "-" and line["date"]


def test_prompts_are_picked_round_robin_over_the_tasks_in_registry_order_and_seeded():
    from biss_helpers import fourcol

    pick = bench_module("generation").pick
    rows = [fourcol.Row(f"{task}{i}", task, "x", "y") for task in ("haspeede", "acti_a", "nermud")
            for i in range(4)]

    def ids(n, seed=42, fits=lambda row: True):
        return [row.id for row in pick(rows, n, seed, fits)]

    picked = pick(rows, 5, 42, lambda row: row.id != "nermud0")
    assert [row.task for row in picked] == ["acti_a", "haspeede", "nermud", "acti_a", "haspeede"]
    assert "nermud0" not in {row.id for row in picked}  # one that does not fit is left out
    assert ids(12) == ids(12) and sorted(ids(12)) == sorted(row.id for row in rows)
    assert len(ids(20)) == 12  # all there are
    assert any(ids(12, seed) != ids(12) for seed in range(5))  # the seed draws each task's order
