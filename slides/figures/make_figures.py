"""Every chart of the talk, drawn by the project's own code: ``python slides/figures/make_figures.py``.

`make slides` runs it (offline, BISS_OFFLINE=1) before it builds the PDF. Each figure is a PNG
beside this script, referenced by ``slides/talk.md``; ``figures.json`` records, per figure, what it
was drawn from and the numbers it shows, so that a number in the talk can be traced to its source.

- Model sizes are the published configs of Llama 3.2 1B and 3B (``bench/gpu.py``'s SHAPES) and of
  Llama 3.1 8B (below), counted on the meta device by `memory.count_parameters`: nothing is
  downloaded, and the numbers are those of the real models, not of the offline stand-ins.
- Tokens are counted with the tokenizer the course resolves (offline: SmolLM2's, and the figure
  says so).
- The two run figures (the training curve, the scoreboard) come from the newest run in the course
  folder (``runs/`` offline). Without one, the committed figure stays, its record too, and the
  script says so.

    python slides/figures/make_figures.py [--course runs] [--only memory_methods,lora_matrices]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import gpu  # noqa: E402  (bench/gpu.py: the published shapes of Llama 3.2 1B and 3B)

from biss_helpers import memory  # noqa: E402

DPI = 150
WIDE = (9.0, 4.2)  # inches: fills a 16:9 slide under its title, with text readable from the back
# meta-llama/Llama-3.1-8B-Instruct's config.json (untied head, larger MLP); the rest as Llama 3.2.
LLAMA_8B = {**gpu.COMMON, "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
            "head_dim": 128, "intermediate_size": 14336, "tie_word_embeddings": False}
MODELS = {"Llama 3.2 1B": gpu.SHAPES["1b"][1], "Llama 3.2 3B": gpu.SHAPES["3b"][1], "Llama 3.1 8B": LLAMA_8B}
# Mixed-precision Adam keeps, per parameter, fp16 weights and gradients (2 + 2 bytes), an fp32 master
# copy (4) and two fp32 moments (4 + 4): 16 bytes (Rajbhandari et al. 2020, ZeRO, section 3.1).
FULL_BYTES = 16
SAMPLE_TASK, SAMPLE_ANSWER = "haspeede", "non_odio"  # the masking figure: the sample's first such row


@functools.cache  # three figures use them; each count builds the model on the meta device
def counts() -> dict[str, memory.ParameterCount]:
    from transformers import LlamaConfig

    return {name: memory.count_parameters(LlamaConfig(**shape)) for name, shape in MODELS.items()}


def methods(count: memory.ParameterCount, max_tokens: int, batch_size: int) -> dict[str, dict[str, float]]:
    """GiB of one training step, part by part, for full fine-tuning, LoRA on a 16-bit base and
    QLoRA (`memory.estimate`: NF4 base, LoRA r=16 on every linear layer, 8-bit paged AdamW). All
    three keep activations with gradient checkpointing and the logits of the whole batch."""
    qlora = memory.estimate(count, max_tokens, batch_size)
    shared = {"activations": qlora.activations, "logits": qlora.logits, "overhead": qlora.overhead}
    weights, adapters = "weights (full: + gradients, Adam)", "LoRA (+ gradients, Adam)"
    return {
        "full fine-tuning": {weights: count.total * FULL_BYTES / memory.GIB, adapters: 0.0, **shared},
        "LoRA, 16-bit base": {weights: count.total * 2 / memory.GIB, adapters: qlora.lora, **shared},
        "QLoRA, 4-bit base": {weights: qlora.weights, adapters: qlora.lora, **shared},
    }


def budget_line(ax) -> None:
    budget = memory.T4_BUDGET_GB
    ax.axhline(budget, color="black", linestyle="--", label=f"T4 budget {budget:g} GiB")


def memory_methods(plt, record):
    from biss_helpers.recipe import TrainSettings

    settings = TrainSettings()
    found = {name: methods(count, settings.max_tokens, settings.batch_size)
             for name, count in counts().items()}
    parts = list(next(iter(next(iter(found.values())).values())))
    colours = dict(zip(parts, ("tab:blue", "tab:green", "tab:orange", "tab:red", "tab:grey"), strict=True))
    fig, ax = plt.subplots(figsize=WIDE)
    top, x, ticks = 40.0, 0, []
    for model, by_method in found.items():
        for method, gib in by_method.items():
            bottom = 0.0
            for part, value in gib.items():
                ax.bar(x, value, bottom=bottom, color=colours[part], label=part if x == 0 else None)
                bottom += value
            total = sum(gib.values())
            ax.text(x, min(total, top) + 0.6, f"{total:.1f}", ha="center", fontsize=10)
            ticks.append((x, {"full fine-tuning": "full", "LoRA, 16-bit base": "LoRA\n16-bit",
                              "QLoRA, 4-bit base": "QLoRA\n4-bit"}[method]))
            record.setdefault("total_gib", {})[f"{model}, {method}"] = round(total, 1)
            x += 1
        ax.text(x - 2, -0.2, model, ha="center", transform=ax.get_xaxis_transform(), fontsize=10)
        x += 0.6
    budget_line(ax)
    ax.set_ylim(0, top + 3)
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=10)
    ax.set(ylabel="GiB for one training step",
           title=f"One training step, batch {settings.batch_size} x {settings.max_tokens} tokens "
                 f"(a bar cut at {top:g} GiB shows its total)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars: none is hidden
    record["settings"] = {"batch_size": settings.batch_size, "max_tokens": settings.max_tokens}
    record["drawn_from"] = ("memory.estimate on the published configs; full fine-tuning at 16 bytes per "
                            "parameter")
    return fig


def preflight_batches(plt, record):
    from biss_helpers.recipe import TrainSettings

    settings, sizes = TrainSettings(), (1, 2, 4, 8, 16)
    fig, ax = plt.subplots(figsize=WIDE)
    for name, count in counts().items():
        totals = [memory.estimate(count, settings.max_tokens, b).total for b in sizes]
        ax.plot(sizes, totals, "o-", label=name)
        record.setdefault("total_gib", {})[name] = {b: round(t, 1)
                                                    for b, t in zip(sizes, totals, strict=True)}
    budget_line(ax)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(b) for b in sizes])
    ax.set(xlabel=f"batch size (rows of {settings.max_tokens} tokens per forward pass)",
           ylabel="GiB (QLoRA estimate)", title="QLoRA memory against batch size: what the preflight checks")
    ax.legend()
    record["drawn_from"] = "memory.estimate (NF4 + double quantisation, LoRA r=16, paged 8-bit AdamW)"
    return fig


def lora_matrices(plt, record):
    import torch

    from biss_helpers import models, tiny

    tok = tiny.tokenizer("llama")
    model = models.add_lora(tiny.llama(tok), models.LoraSettings())
    layer = model.base_model.model.model.layers[0].self_attn.q_proj
    start = layer.lora_B["default"].weight.detach().clone()
    losses = tiny.pretrain(model, tok, steps=40, lr=1e-2)  # only the adapters have gradients
    w = layer.base_layer.weight.detach()
    a, b = layer.lora_A["default"].weight.detach(), layer.lora_B["default"].weight.detach()
    scale = layer.scaling["default"]
    delta = scale * b @ a
    fig, axes = plt.subplots(1, 5, figsize=WIDE, gridspec_kw={"width_ratios": [6, 1.8, 1.8, 6, 6]},
                             layout="constrained")
    shown = [(w, f"W {w.shape[0]} x {w.shape[1]}\nfrozen"), (start, "B at\nstep 0"),
             (b, f"B {b.shape[0]}\nx {b.shape[1]}"), (a, f"A {a.shape[0]} x {a.shape[1]}\ntrained"),
             (delta, f"update (alpha/r) BA\n{delta.shape[0]} x {delta.shape[1]}, rank "
                     f"{int(torch.linalg.matrix_rank(delta))}")]
    for ax, (matrix, title) in zip(axes, shown, strict=True):
        top = float(matrix.abs().max()) or 1.0
        ax.imshow(matrix, cmap="RdBu", vmin=-top, vmax=top)
        ax.set_title(title, fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    count = counts()["Llama 3.2 1B"]
    r, hidden = models.LoraSettings().r, count.hidden
    fig.suptitle(f"A tiny Llama's q_proj after {len(losses)} LoRA steps (loss {losses[0]:.2f} -> "
                 f"{losses[-1]:.2f}).\nIn Llama 3.2 1B the same projection is {hidden} x {hidden}: "
                 f"{hidden * hidden:,} frozen weights, {r * 2 * hidden:,} LoRA weights at r = {r};\nthe "
                 f"whole model trains {count.lora_params(r) / 1e6:.1f}M of its {count.total / 1e9:.2f}B "
                 f"parameters ({100 * count.lora_params(r) / count.total:.2f}%)", fontsize=11)
    record.update(rank=r, hidden=hidden, projection_weights=hidden * hidden, projection_lora=r * 2 * hidden,
                  model_lora=count.lora_params(r), model_total=count.total,
                  tiny_loss=[round(losses[0], 2), round(losses[-1], 2)],
                  drawn_from="tiny.llama + models.add_lora + tiny.pretrain (layer 0, q_proj); "
                             "memory.count_parameters of Llama 3.2 1B")
    return fig


@functools.cache  # the mask and the lengths count with the same tokenizer: loaded once
def workshop_tokenizer():
    """(hub id, tokenizer) of the course's model, `pipeline.PipelineSettings().model` (offline: the
    stand-in's tokenizer, and `env.resolve_model` says so)."""
    from biss_helpers import models
    from biss_helpers.pipeline import PipelineSettings

    name = PipelineSettings().model
    return name, models.load_tokenizer(name)


def prompt_mask(plt, record):
    from biss_helpers import collate, env, fourcol, prompts
    from biss_helpers.tasks import get_task

    name, tokenizer = workshop_tokenizer()
    task = get_task(SAMPLE_TASK)
    rows = fourcol.encode(task, task.read(task.sample_paths("train")))
    row = next(r for r in rows if r.target == SAMPLE_ANSWER)
    example = collate.encode_example(prompts.row_prompt(row), row.target, tokenizer)
    # one token at a time: a piece of a multi-byte letter shows as the replacement character
    tokens = [tokenizer.decode([i]) for i in example["input_ids"]]
    per_line, trained = 16, sum(label != collate.IGNORE for label in example["labels"])
    lines = -(-len(tokens) // per_line)
    fig, ax = plt.subplots(figsize=(10.0, 0.36 * lines + 0.9))
    for k, (token, label) in enumerate(zip(tokens, example["labels"], strict=True)):
        x, y = k % per_line, lines - 1 - k // per_line
        text = token.replace(" ", "·").replace("\n", "\\n")[:9]
        colour = "#d0d0d0" if label == collate.IGNORE else "#f4a259"
        ax.add_patch(plt.Rectangle((x, y), 0.96, 0.86, color=colour))
        ax.text(x + 0.48, y + 0.43, text, ha="center", va="center", fontsize=8, family="monospace")
    ax.set_xlim(0, per_line)
    ax.set_ylim(0, lines)
    ax.axis("off")
    who = "SmolLM2-135M's tokenizer, the offline stand-in" if env.offline() else f"{name}'s tokenizer"
    ax.set_title(f"{len(tokens)} tokens of one {SAMPLE_TASK} training row ({who})\ngrey: the prompt, "
                 f"label -100 (no loss); orange: answer + EOS, the {trained} tokens the loss is computed on",
                 fontsize=10)
    record.update(task=SAMPLE_TASK, tokens=len(tokens), trained=trained, tokenizer=who,
                  drawn_from="prompts.row_prompt + collate.encode_example on the task's sample")
    return fig


def evalita_lengths(plt, record):
    from biss_helpers import env, lengths, workshop
    from biss_helpers.recipe import TrainSettings

    budget = TrainSettings().max_tokens
    name, tokenizer = workshop_tokenizer()
    data = workshop.build(tokenizer=None)  # untrimmed: the lengths that make trimming necessary
    by_task = lengths.by_task(lengths.prompt_lengths(data.train, tokenizer))
    fig, ax = plt.subplots(figsize=WIDE)
    names = sorted(by_task)
    ax.boxplot([by_task[n] for n in names], orientation="horizontal", showfliers=True, widths=0.6)
    ax.set_yticks(range(1, len(names) + 1), names, fontsize=9)
    ax.axvline(budget, color="tab:red", linestyle="--", label=f"max_tokens = {budget}")
    over = {n: sum(v > budget for v in by_task[n]) for n in names if any(v > budget for v in by_task[n])}
    origins = sorted(set(data.origins.values()))
    who = "SmolLM2's tokenizer, offline" if env.offline() else f"{name}'s tokenizer"
    ax.set(xlabel="tokens per training row: prompt + answer + EOS ",
           title=f"The EVALITA mix: {len(data.train)} training rows of {len(names)} tasks, "
                 f"{sum(over.values())} over the budget\n({', '.join(origins)} data; {who})")
    ax.legend()
    record.update(rows=len(data.train), tasks=len(names), over_budget=over, origins=origins, tokenizer=who,
                  drawn_from="workshop.build + lengths.prompt_lengths, before lengths.trim_inputs")
    return fig


def newest(course: Path, pattern: str) -> Path | None:
    found = sorted(course.glob(pattern), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def training_curve(plt, record, course: Path):
    from biss_helpers import plots

    path = newest(course, "lab2.2/*/result.json")
    if path is None:
        return None
    result = json.loads(path.read_text())
    fig = plots.training_curves(result["history"], result["summary"].get("best_step"))
    fig.set_size_inches(*WIDE)
    summary = result["summary"]
    record.update(run=str(path.parent.relative_to(course)),
                  first_dev_loss=round(summary["first_dev_loss"], 3),
                  best_dev_loss=round(summary["best_dev_loss"], 3), best_step=summary.get("best_step"),
                  drawn_from=f"plots.training_curves of {path.relative_to(course)} (the course folder)")
    return fig


def scoreboard(plt, record, course: Path):
    from biss_helpers import plots

    path = newest(course, "pipeline/*/scoreboard.json") or newest(course, "lab2.4/scoreboard.json")
    if path is None:
        return None
    board = json.loads(path.read_text())
    systems = list(board["systems"])
    fig = plots.scoreboard(board["rows"], systems)
    fig.set_size_inches(*WIDE)
    fig.tight_layout()
    macro = next(row for row in board["rows"] if row["task"] == "macro")
    record.update(run=str(path.parent.relative_to(course)), macro={s: round(macro[s], 4) for s in systems},
                  drawn_from=f"plots.scoreboard of {path.relative_to(course)} (the course folder)")
    return fig


FIGURES = {"memory_methods": memory_methods, "preflight_batches": preflight_batches,
           "lora_matrices": lora_matrices, "prompt_mask": prompt_mask, "evalita_lengths": evalita_lengths,
           "training_curve": training_curve, "scoreboard": scoreboard}
RUNS = ("training_curve", "scoreboard")  # drawn from the course folder when a run is there


def main(argv=None) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 12, "axes.titlesize": 12, "legend.fontsize": 10})

    from biss_helpers import course as course_folder
    from biss_helpers import env

    env.quiet_libraries()  # bitsandbytes' notice about optional CPU kernels says nothing about a figure

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", help="the course folder with the runs (default: the course's own)")
    parser.add_argument("--only", help="comma-separated figure names (default: all)")
    args = parser.parse_args(argv)
    course = Path(args.course) if args.course else Path(course_folder.path())
    wanted = args.only.split(",") if args.only else list(FIGURES)
    unknown = [name for name in wanted if name not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {unknown}; known: {', '.join(FIGURES)}")
    manifest_path = HERE / "figures.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name in wanted:
        record = {}
        draw = FIGURES[name]
        fig = draw(plt, record, course) if name in RUNS else draw(plt, record)
        if fig is None:
            kept = "the committed figure stays" if (HERE / f"{name}.png").exists() else "NO FIGURE"
            print(f"{name}: no run in {course} to draw it from; {kept}")
            continue
        fig.savefig(HERE / f"{name}.png", dpi=DPI, bbox_inches="tight")
        plt.close(fig)
        manifest[name] = {"file": f"{name}.png", **json.loads(json.dumps(record, default=str))}
        print(f"{name}.png: {record['drawn_from']}")
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1, ensure_ascii=False) + "\n")
    return manifest


if __name__ == "__main__":
    main()
