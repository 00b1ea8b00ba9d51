"""Writes notebooks/06_general_instruction_tuning.ipynb from the cells below: edit them here, then run
``python notebooks/make_06.py`` (and ``biss sync-notebooks``) rather than editing the notebook by hand.
The setup cell is the course's canonical one (`notebooks.setup_cell`)."""

import json
from pathlib import Path

from biss_helpers import notebooks

OUT = Path(__file__).with_name("06_general_instruction_tuning.ipynb")
METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []},
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}

BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research."
         "google.com/github/biss-tutorial/biss-tutorial/blob/v0.1.0/notebooks/06_general_instruction_tuning.ipynb)")

CELLS = []


def md(text):
    CELLS.append(("markdown", text.strip("\n")))


def code(text):
    CELLS.append(("code", text if text is None else text.strip("\n")))


md(f"""
# Lab 3 · General instruction tuning: many datasets, one format, any causal LM, three judges

{BADGE}

The EVALITA labs taught a model one closed set of tasks with short, checkable answers. The
assistants people use were made another way: thousands of everyday requests ("summarise this",
"give three ideas for...", "translate...") written by people or by other models, each with an
answer, and a model trained to follow them. This notebook is that recipe, end to end:

1. **four public instruction datasets** (Alpaca, Dolly, Natural Instructions, Unnatural
   Instructions) read into one schema, `{{instruction, input, output}}`, mixed with a cap per
   source, cleaned of repeats and split 85/10/5 into train, dev and test;
2. **prompt formats side by side**: the English Alpaca template, its Italian variant (the one of
   ExtremITA), Phi-3-style turns and the model's own chat template, all through the same
   `build_prompt`, with the same rule for what is trained;
3. **the collate function of the from-scratch recipe**, written here, checked against the course's;
4. **any causal LM**: where LoRA goes in LLaMA, Falcon, Qwen2 and GPT-NeoX, and how each one stops;
5. **training** with train and dev curves, and what to do when the dev loss turns up;
6. **the library way**: the same run through TRL's `SFTTrainer`, checked token by token;
7. **judging the answers three ways**: against a reference (exact match, token F1, ROUGE-L), by
   another LLM with a fixed rubric, and by multiple-choice questions scored by log-likelihood.

It follows three well-known lectures: instruction-tuning Falcon-7B with the Alpaca-LoRA recipe on
Dolly in Alpaca format; the "instruction fine-tuning from scratch" chapter (Alpaca and Phi-3
formats, the 85/10/5 split, the custom collate, judging by another LLM); and standardising
several instruction datasets into one schema. Where to find each is listed at the end.

**Reads** nothing from the other notebooks: this lab stands alone. **Writes** `COURSE/lab6/`: the
split (`data/train.jsonl`, `dev.jsonl`, `test.jsonl`), the run (`<model>-<key>/`: checkpoints,
`adapter/`, `result.json`), TRL's run (`trl/`) and the judge's cache (`judge_cache.json`).

Time on a Colab T4: not measured yet.

> **Running offline.** Without the Hub (the course's tests), the helpers swap in what this machine
> has: each dataset becomes the project's own small sample in the same format (130 records), every
> model becomes SmolLM2-135M-Instruct, the multiple-choice benchmark becomes the project's 32
> questions, and the run is cut to 12 steps of 2 rows on a CPU. Each swap is printed where it
> happens. The numbers in the prose below are those of that offline run.
""")

code(None)  # the setup cell

md("""
## 1. Settings

Everything you may want to change is here:

* `MODEL`: the model to tune. A **base** model (trained only to continue text) shows best what
  instruction tuning adds. The same code tunes each of the four families named in the comment.
* `QUANTIZATION`: `"auto"` is QLoRA (4-bit NF4, as in notebook 03) on a GPU, and no quantisation on
  a CPU, where bitsandbytes' 4-bit kernels only add time.
* `CAPS`: how many records to take from each source. Natural Instructions alone has five million:
  without a cap one source drowns the others.
* `STYLE`: the prompt format (section 5).
* `SETTINGS`: the training recipe of notebook 03, with a longer context: general answers are longer
  than labels.
* `COMPARE_STEPS`: how many steps TRL trains for the comparison of section 9.
* `JUDGE_MODEL`: the instruct model that grades answers in section 12. It runs on the same GPU, so
  no API key is needed.
""")

code("""
from dataclasses import replace

from biss_helpers import (
    collate,
    course,
    generation,
    inference,
    instruction_mix,
    instructions,
    judge,
    models,
    monitor,
    multiple_choice,
    plots,
    prompts,
    sft,
    tiny,
    training,
)
""")

code("""
MODEL = "Qwen/Qwen2.5-0.5B"      # or "unsloth/Llama-3.2-1B", "tiiuae/falcon-rw-1b",
                                 # "EleutherAI/pythia-410m-deduped": the same code tunes each
QUANTIZATION = "auto"            # 4-bit on a GPU (QLoRA), none on a CPU
CAPS = {"alpaca": 600, "dolly": 600, "natural-instructions": 300, "unnatural-instructions": 300}
STYLE = "alpaca_en"              # "alpaca_en", "alpaca" (Italian), "phi3", or "chat" (the model's template)
SETTINGS = training.TrainSettings(
    epochs=2, batch_size=8, grad_accum=2, learning_rate=2e-4, max_tokens=512, prompt_style=STYLE,
    patience=3, lora=models.LoraSettings(r=16, alpha=32, dropout=0.05))
COMPARE_STEPS = 4                # TRL's run: the first steps are enough to compare the two trainers
JUDGE_MODEL = "Qwen/Qwen2.5-1.5B-Instruct"   # a local judge: no API key
COURSE = course.path("lab6")
""")

md("""
## 2. Four datasets, four shapes, one schema

Each dataset says the same thing (do this, with this input; the answer is that) in its own shape.
Here is the first record of each, exactly as its format writes it (the project's sample files,
which copy the formats, not the content):
""")

code("""
import json

for name, source in instructions.SOURCES.items():
    raw = instructions.rows(instructions.SAMPLES / source.sample, name)[0][1]
    if "Instances" in raw:   # a Natural Instructions task file: one definition, many instances
        raw = {"Definition": raw["Definition"], "Instances": raw["Instances"][:1], "...": "..."}
    print(f"{name} ({source.hub}):\\n  {json.dumps(raw, ensure_ascii=False)[:300]}\\n")
""")

md("""
What differs:

* **Alpaca** (Stanford, 52k records written by `text-davinci-003` from 175 seed tasks):
  `instruction`, `input` (often empty), `output`.
* **Dolly** (Databricks, 15k records written by its employees): the input is called `context`, the
  answer `response`, and each record has a `category` (closed QA, summarisation, brainstorming...).
* **Natural Instructions** (AllenAI, 1,600+ tasks written by NLP researchers): one file per task,
  whose `Definition` is the instruction of all its `Instances`; each instance lists every accepted
  answer.
* **Unnatural Instructions** (Meta, 240k generated by a model with almost no human work): an
  instruction, then instances with an `input` and `constraints` on the answer.

One reader per format turns them into `Record(id, source, instruction, input, output)`. On Colab,
`instructions.load` streams `CAPS[name]` records of each from the Hub:
""")

code("""
sources = {name: instructions.load(name, limit=cap) for name, cap in CAPS.items()}
for name, records in sources.items():
    print(f"{name:<24} {len(records):>5} records, e.g. {records[0]}")
""")

md("""
A reader never guesses. A record without one of its fields, or with a number where text should be,
stops it with the record's place and the field's name:
""")

code("""
try:
    instructions.dolly([{"instruction": "Name a colour.", "context": ""}])
except ValueError as error:
    print(error)
""")

md("""
## 3. Mix, clean, split

`instruction_mix.mix` takes a seeded sample of at most `CAPS[name]` records from each source (in
their file order), then leaves out records with no instruction or no answer and **repeats**: the
same instruction and input, ignoring case and spaces, also across sources. Every record read is
either kept or counted:
""")

code("""
records, report = instruction_mix.mix(sources, CAPS, seed=SETTINGS.seed)
print(report.summary())
print("repeats left out:", report.duplicates)
""")

md("""
The offline samples hide three repeats on purpose, and all three are found: one Alpaca record
repeated with other capitals, and two Dolly records whose instruction and context are those of two
Alpaca records. Real mixes repeat a lot more (Alpaca alone has hundreds of near-identical
requests); a repeat in both train and test would make the test score a memory test.

Next, rows too long for `max_tokens` in the chosen format are left out and named. They are never
cut: a cut answer teaches the model to stop mid-sentence. Then the seeded 85/10/5 split:
""")

code("""
tokenizer = models.load_tokenizer(MODEL)
records, too_long = instruction_mix.fitting(records, tokenizer, SETTINGS.max_tokens, STYLE)
print(f"{len(too_long)} records longer than {SETTINGS.max_tokens} tokens left out: {too_long[:10]}")
parts = instruction_mix.split(records, (0.85, 0.10, 0.05), seed=SETTINGS.seed)
ids = [{r.id for r in part} for part in (parts.train, parts.dev, parts.test)]
assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])   # disjoint
assert sum(map(len, ids)) == len(records)                            # complete
print(parts.summary())
instruction_mix.write(COURSE / "data", parts)
""")

md("""
## 4. Look at the data

Before training, look at what the model will learn to write. The answers' lengths differ a lot
from source to source, and the longest answers set how long generation must be allowed to run:
""")

code("""
import matplotlib.pyplot as plt

words = {name: [len(r.output.split()) for r in parts.train if r.source == name] for name in CAPS}
figure, axis = plt.subplots(figsize=(6, 3))
axis.hist([w for w in words.values() if w], bins=20, label=[n for n, w in words.items() if w], stacked=True)
axis.set(xlabel="words in the answer", ylabel="training records", title="answer lengths by source")
axis.legend()
plt.show()
for name, counts in words.items():
    print(f"{name:<24} {len(counts):>4} train records, answers of {min(counts, default=0)}-"
          f"{max(counts, default=0)} words")
""")

md("""
## 5. Prompt formats side by side

The same record can be shown to the model in many layouts. `prompts.build_prompt` writes four:

* `alpaca_en`: the original Alpaca template: a one-sentence header, `### Instruction:`,
  `### Input:` (left out when empty), `### Response:`;
* `alpaca`: the same in Italian, as ExtremITA and Camoscio used it (notebooks 02-05);
* `phi3`: Phi-3-style turns, `<|user|>` then `<|assistant|>`, much shorter;
* `chat`: the model's own chat template, for an instruct model that already knows one.

The answer always follows the prompt, then the model's end-of-text token. Only the answer and that
one end token are trained, whatever the format.
""")

code("""
record = next(r for r in parts.train if r.input)
for style in ("alpaca_en", "alpaca", "phi3", "chat"):
    if style == "chat" and not tokenizer.chat_template:
        print("chat: this tokenizer has no chat template (a base model)\\n")
        continue
    print(f"--- {style} ---\\n{prompts.build_prompt(record.instruction, record.input, style, tokenizer)}"
          f"{record.output}{tokenizer.eos_token}\\n")
""")

md("""
A chat template may write text of its own, such as a default system message: look at what it
writes before training with it. What a format costs: prompt tokens are read at every training step
and at every answer. The same training records, tokenized in each format (the answer tokens are the
same in all of them):
""")

code("""
for style in ("alpaca_en", "alpaca", "phi3"):
    examples, _ = collate.tokenize(parts.train, tokenizer, 4096, style)
    total = sum(len(e["input_ids"]) for e in examples)
    trained = sum(label != collate.IGNORE for e in examples for label in e["labels"])
    print(f"{style:<10} {total / len(examples):6.1f} tokens per example, {trained / total:.0%} trained")
""")

md("""
Which format is best? For a base model it matters little which, as long as training and answering
use the same one. For an instruct model, its own chat template starts from what it already knows.
This notebook trains with `STYLE`; the exercises at the end train a second format and compare the
dev loss and the answers.

## 6. The collate function of the from-scratch recipe

Notebook 03 wrote the course's collate function: the labels are the input ids with -100 on the
prompt and the padding, and the model shifts them by one inside. A model written from scratch
(a GPT in plain PyTorch) does not shift: its collate function returns inputs **and** targets, the
targets being the inputs moved one position left. It pads with the end-of-text token itself, so it
must tell the first end token (a target: "stop here") from the padding after it (-100). Here it is:
""")

code("""
IGNORE = -100


def collate_from_scratch(batch, end_id, prompt_lengths=None):
    longest = max(len(ids) for ids in batch) + 1               # + 1: room for one end token
    inputs, targets = [], []
    for n, ids in enumerate(batch):
        padded = ids + [end_id] * (longest - len(ids))         # the end token, then padding with it
        target = padded[1:len(ids) + 1] + [IGNORE] * (longest - 1 - len(ids))   # keep the first end only
        if prompt_lengths is not None:                         # no loss on the prompt's own tokens
            target[:prompt_lengths[n] - 1] = [IGNORE] * (prompt_lengths[n] - 1)
        inputs.append(padded[:-1])
        targets.append(target)
    return inputs, targets
""")

md("""
On two training examples: prompt + answer ids, the prompt's length, then both functions. The
package's `collate.from_scratch` is the same function. And the course's labels, moved one position
left, are exactly these targets: the two recipes train the same tokens.
""")

code("""
examples, _ = collate.tokenize(parts.train[:2], tokenizer, SETTINGS.max_tokens, STYLE)
ids = [e["input_ids"][:-1] for e in examples]                   # prompt + answer, without the EOS
prompt_lengths = [e["labels"].count(IGNORE) for e in examples]
inputs, targets = collate_from_scratch(ids, tokenizer.eos_token_id, prompt_lengths)
assert (inputs, targets) == collate.from_scratch(ids, tokenizer.eos_token_id, prompt_lengths)
course_batch = collate.Collator(tokenizer.pad_token_id)(examples)
assert course_batch["labels"][:, 1:].tolist() == targets
for n, target in enumerate(targets):
    print(f"example {n}: {len(target)} targets, {target.count(IGNORE)} ignored; the trained ones:",
          repr(tokenizer.decode([t for t in target if t != IGNORE])))
""")

md("""
## 7. Any causal LM: where LoRA goes, where answers stop

The Alpaca-LoRA recipe names `q_proj` and `v_proj`, the attention projections of LLaMA. Falcon and
GPT-NeoX (Pythia) have no such layers: they compute query, key and value in **one** fused
projection, `query_key_value`, so a recipe written for LLaMA either fails or adapts nothing.
Copying Alpaca-LoRA to Falcon meant swapping the LLaMA classes for `AutoModelForCausalLM` and
`AutoTokenizer` and the target names for `query_key_value`. `models.lora_targets` instead reads the
names from the model: every linear layer but the output head. Here on tiny models of the four
families, built in seconds with the course's own tokenizer:
""")

code("""
for kind in tiny.ARCHITECTURES:
    small = tiny.causal_lm(kind)
    print(f"{type(small).__name__:<20} LoRA on: {', '.join(models.lora_targets(small))}")
""")

md("""
The other difference is how a model ends its answer. Falcon, Pythia and base Qwen end a document
with `<|endoftext|>`, ChatML models a turn with `<|im_end|>`, Llama 3 with `<|eot_id|>`. Training
puts the tokenizer's EOS after every answer, and generation stops at it and at any of those end
tokens the tokenizer has (`generation.stop_ids`), so an answer never runs on into a new document.
Answers are also cut at a new template section (`### ` or `<|user|>`). The model of this run:
""")

code("""
base_model, _ = models.load_model(MODEL, QUANTIZATION, training=False)
stops = generation.stop_ids(base_model, tokenizer)
print(f"{MODEL}: EOS {tokenizer.eos_token!r}; answers stop at {tokenizer.convert_ids_to_tokens(stops)}")
print("LoRA targets:", ", ".join(models.lora_targets(base_model)))
del base_model
""")

md("""
One more thing the Falcon recipe had to fix: saving the adapter. Its trick of replacing the model's
`state_dict` method made `save_pretrained` write an empty adapter with recent `peft` versions.
`training.train` saves with `save_pretrained` on the PEFT model itself, and the adapter's files are
checked by `models.load_adapter` when it is loaded back.

## 8. Training, with the dev curve in view

The run of notebook 03, on these records: `training.fine_tune` seeds, loads the model, adds LoRA
and trains, evaluating on dev several times per run, keeping the checkpoint with the lowest dev
loss and stopping after `patience` evaluations without a better one. Its folder is named after
everything that changes the result, so a rerun with the same settings (a lost Colab session) loads
the finished run instead of training it again.
""")

code("""
settings = replace(SETTINGS, output_dir=str(training.run_folder(
    MODEL, parts.train, parts.dev, SETTINGS, QUANTIZATION, lab="lab6")))
run = training.fine_tune(MODEL, parts.train, parts.dev, settings, QUANTIZATION, resume=True)
""")

code("""
figure = plots.training_curves(run.history, run.best_step)
dev = [(row["step"], row["dev_loss"]) for row in run.history if "dev_loss" in row]
best = min(dev, key=lambda point: point[1])
print("dev loss:", ", ".join(f"step {step}: {loss:.3f}" for step, loss in dev))
print(f"lowest at step {best[0]}; kept checkpoint: step {run.best_step}")
print(monitor.diagnose(run.history))
assert best[1] < dev[0][1]                 # the dev loss fell: the model learned something general
""")

md("""
How to read it. The train loss falls almost always: the model can learn its training answers by
heart. The dev loss falls only while what it learns also holds for answers it has not seen. When
the dev loss turns up while the train loss keeps falling, the model is **overfitting**: learning the
training answers' exact words rather than how to follow an instruction. Three things help: stopping
early (the kept checkpoint is the one at the lowest dev loss, and the run stops after `patience`
evaluations without a lower one), fewer epochs, and more or more varied data (the caps of
section 1). A smaller learning rate or LoRA rank slows the turn without removing it.

Offline, the dev loss is read on one dev record per source: a noisy curve. Look at its shape, not at
the second decimal.

## 9. The library way: TRL's `SFTTrainer`

The same data and settings through TRL (Transformer Reinforcement Learning), the library most
fine-tuning tutorials use. `sft.dataset` gives it `prompt`/`completion` texts, the prompts of
`build_prompt`; `sft.config` carries every training argument of the course's run, since TRL's own
defaults differ (bf16 on, gradient checkpointing on, another learning rate). TRL appends the EOS to
each completion, tokenizes, trains only on the completion and pads. The model is loaded and adapted
with the same seed, so both trainers start from the same weights. `COMPARE_STEPS` steps suffice:
""")

code("""
trl_settings = replace(settings, output_dir=str(COURSE / "trl"))
trainer, trl_history = sft.fine_tune(MODEL, parts.train, parts.dev, trl_settings, QUANTIZATION,
                                     stop_after=COMPARE_STEPS)
ours, _ = collate.tokenize(parts.train, tokenizer, settings.max_tokens, STYLE)
print("examples where TRL trains other tokens:", sft.differences(trainer.train_dataset, ours))
""")

code("""
def losses(history, key):
    return {row["step"]: row[key] for row in history if key in row}


course_train, trl_train = losses(run.history, "train_loss"), losses(trl_history, "train_loss")
steps = sorted(set(course_train) & set(trl_train))
for step in steps:
    print(f"step {step}: train loss {course_train[step]:.4f} (course) {trl_train[step]:.4f} (TRL)")
course_dev, trl_dev = losses(run.history, "dev_loss"), losses(trl_history, "dev_loss")
print(f"dev loss before training: {course_dev[0]:.4f} (course) {trl_dev[0]:.4f} (TRL)")
assert abs(course_dev[0] - trl_dev[0]) < 1e-3 * course_dev[0]        # the same tokens, the same model
assert all(abs(course_train[s] - trl_train[s]) < 0.05 * course_train[s] for s in steps)
del trainer
""")

md("""
Same tokens, same start, the same losses step by step: the two ways are one recipe. What TRL does
for you: the EOS, the tokenization, the completion mask, padding, and options such as packing
several short examples into one row. What it hides:

* **truncation**: an example longer than `max_length` is cut at its end, answer first, and one cut
  down to its prompt is dropped, without a word. Section 3 left such records out by name instead.
* **special tokens**: a prompt given as text is tokenized with the tokenizer's BOS. A prompt already
  written with a chat template then starts with two BOS tokens on a Llama tokenizer (`differences`
  shows it; SmolLM2's tokenizer adds none). Give TRL the conversation as messages instead.
* **its defaults**: bf16 even on a T4, which has no bf16, and a learning rate ten times lower than
  QLoRA's. `sft.config` passes the course's settings explicitly.

## 10. Base against tuned, side by side

The test records were never seen in training or in model selection. Each gets an answer from the
tuned model and from the same model with its adapter switched off (the base), with the same prompts
and greedy decoding, within a budget of new tokens set by the longest training answer:
""")

code("""
answering = generation.GenerationSettings(prompt_style=STYLE, batch_size=8)
budgets = inference.budgets(parts.train, tokenizer, answering)
texts = [prompts.build_prompt(r.instruction, r.input, STYLE, tokenizer) for r in parts.test]
limits = [budgets[r.task] for r in parts.test]
tuned = generation.generate(run.model, tokenizer, texts, answering, limits)
with run.model.disable_adapter():
    base = generation.generate(run.model, tokenizer, texts, answering, limits)
for record, t, b in zip(parts.test, tuned, base, strict=True):
    print(f"{record.instruction[:70]} {record.input[:40]!r}\\n  reference: {record.output!r}\\n"
          f"  tuned:     {t[:90]!r}\\n  base:      {b[:90]!r}\\n")
""")

md("""
Reading answers is the first judge, and the best one: does the tuned model answer the request, in
the length and form of the training answers, and stop? Is the base model's answer right but
longer, or off the request? Now three judges that scale.

## 11. Judge 1: against the reference

Three scores compare each answer with the test record's reference answer after normalising both
(lower case, no punctuation, no articles): **exact match** (the same words), **token F1** (the
words in common, as in SQuAD), **ROUGE-L** (the longest common subsequence: the words in common in
the same order). They are cheap and reproducible, but they reward the reference's wording: a right
answer in other words scores low.
""")

code("""
references = [r.output for r in parts.test]
scores = {name: judge.reference_scores(answers, references) for name, answers in (("tuned", tuned),
                                                                                  ("base", base))}
for name, values in scores.items():
    print(f"{name:<6}", " | ".join(f"{key} {value}" for key, value in values.items()))
assert scores["tuned"]["rouge_l"] >= scores["base"]["rouge_l"]   # tuning did not make the answers worse
""")

md("""
## 12. Judge 2: another LLM, with a fixed rubric

An instruct model reads the instruction, the reference and the answer, and grades the answer from 0
to 100 against a fixed rubric (the same prompt for every answer, so scores compare). Its reply is
free text, so its reply is started for it with `Score:` (prefilling: the model only has to go on
with a number), and `judge.parse_score` reads the result robustly ("Score: 85", "85/100", "8/10",
...), counting what it cannot read instead of guessing. Replies are cached in the course folder: a
rerun asks only for new answers. The rubric:
""")

code("""
print(judge.RUBRIC)
""")

code("""
judge_model, judge_tokenizer = models.load_model(JUDGE_MODEL, QUANTIZATION, training=False)
local = judge.LocalJudge(judge_model, judge_tokenizer, name=JUDGE_MODEL)
cache = judge.Cache(COURSE / "judge_cache.json")
judged = {}
for name, answers in (("tuned", tuned), ("base", base)):
    items = [{"instruction": r.instruction, "input": r.input, "reference": r.output, "answer": a}
             for r, a in zip(parts.test, answers, strict=True)]
    judged[name] = judge.judge(local, items, cache)
    print(f"{name:<6}", judged[name].summary())
print("first replies:", judged["tuned"].texts[:3])
del judge_model
""")

md("""
A judge is only as good as its model: a 1.5B judge is fast and private, but it is easily swayed by
length and confident style, and it favours answers that sound like its own. Read some of its
replies before trusting its mean. Offline the judge is SmolLM2-135M grading itself, far too small to
judge: its scores show the mechanics, not the quality. With an API key, `judge.ApiJudge` (any
OpenAI-compatible endpoint) is a drop-in stronger judge: `judge.judge(judge.ApiJudge(), items, cache)`.

## 13. Judge 3: multiple choice, by log-likelihood

Benchmarks such as MMLU ask questions with four options. Letting the model write and parsing a
letter out of its text fails whenever it writes a sentence instead. Instead, score each option
letter: the log-probability of the letter (and the end token after it) following the question. The
likeliest letter is the answer: always a valid option. It is the label scoring of notebook 04, with
the letters as labels. On Colab, 40 questions of MMLU; offline, the project's 32 questions in Italian
and English:
""")

code("""
questions = multiple_choice.load(limit=40, seed=SETTINGS.seed)
print(multiple_choice.prompt(questions[0], STYLE, tokenizer))
mc = {"tuned": multiple_choice.score(run.model, tokenizer, questions, STYLE)}
with run.model.disable_adapter():
    mc["base"] = multiple_choice.score(run.model, tokenizer, questions, STYLE)
for name, result in mc.items():
    print(f"{name:<6} {result.summary()}")
assert all(r.valid == len(questions) for r in mc.values())      # every question answered with a letter
""")

md("""
With four options, chance is 25%. A few dozen questions move by several points from one sample to
another (notebook 05's bootstrap shows how much), so compare models on the same questions and read
a difference of a question or two as no difference. Instruction tuning on a few hundred records
rarely adds knowledge; what it changes is the form of the answers, which the first two judges see.

## 14. What you did, and what to try

You read four instruction datasets into one schema, mixed and split them, trained a causal LM with
train and dev curves, checked that TRL trains exactly the same tokens, and judged the answers three
ways. Exercises:

1. **Another format.** Set `STYLE = "phi3"` and run again (a new run folder: the first run stays).
   Compare the dev losses (they are on different prompts, but the same answer tokens) and the
   answers of section 10.
2. **Another family.** Set `MODEL = "tiiuae/falcon-rw-1b"` or `"EleutherAI/pythia-410m-deduped"`.
   Which LoRA targets does section 7 find? Which token ends the answers?
3. **Overfitting on purpose.** Set `epochs=6` and `patience=100`. Where does the dev loss turn up?
   Which checkpoint is kept? How do the test answers change?
4. **Masking.** Set `mask_prompt=False` in `SETTINGS`: the loss is then also on the prompt. The
   from-scratch chapter tries both; compare the dev losses (on the answer only: the course's dev
   loss masks as training does, so compare the answers of section 10 too).
5. **A stronger judge.** With an API key in `OPENAI_API_KEY`, rerun section 12 with
   `judge.ApiJudge()` and compare its scores with the local judge's.

Sources of the recipes: the Alpaca-LoRA repository (tloen/alpaca-lora) and its Falcon adaptations;
chapter 7 of Sebastian Raschka's *Build a Large Language Model (From Scratch)*; the Alpaca, Dolly,
Natural Instructions (Wang et al., 2022) and Unnatural Instructions (Honovich et al., 2022) papers
and dataset cards.
""")


def build(out: Path = OUT) -> None:
    cells = []
    for n, (kind, text) in enumerate(CELLS):
        text = notebooks.setup_cell() if text is None else text   # None: the setup cell
        lines = text.split("\n")
        source = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        cell = {"cell_type": kind, "id": f"c{n:02d}", "metadata": {}, "source": source}
        if kind == "code":  # in nbformat's own key order, so the file is the one Jupyter writes
            cell = {"cell_type": kind, "execution_count": None, "id": cell["id"], "metadata": {},
                    "outputs": [], "source": source}
        cells.append(cell)
    notebook = {"cells": cells, "metadata": METADATA, "nbformat": 4, "nbformat_minor": 5}
    out.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build()
