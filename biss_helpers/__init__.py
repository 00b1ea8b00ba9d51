"""Helpers for the biss-tutorial notebooks: one module per pipeline stage.

Importing the package imports nothing heavy; each module loads torch and transformers only
inside the functions that need them.

- `env`: Colab or not, GPU and precision, seeding, the offline switch (``BISS_OFFLINE=1``).
- `zoo`: the offline model zoo (MiniLM encoder, SmolLM2 LLaMA); `tiny`: models built in seconds.
- `sentences`: labelled sentence files and the datasets of Lab 1.
- `bert`: Lab 1, fine-tuning an encoder for sentence classification (`bert.run`: the whole lab);
  `plots`: the figures.
- `tasks`: the EVALITA tasks (one file each, a registry), where their examples come from
  (`tasks.sources`) and how answers become official submissions (`tasks.submit`); `metrics`.
- `fourcol`: the 4-column format; `prompts`: the prompt of a row; `mix`: the training mix and its
  files (`train.tsv`, `dev.tsv`); `lengths`: token lengths and input trimming (Lab 2.1).
- `memory`, `models`, `collate`, `training`: Lab 2.2, QLoRA training (preflight, loading, batches, run).
- `cli`: the ``biss`` command, argument handling only; `notebooks`: the setup cell and Colab badges.
"""

__version__ = "0.1.0"
