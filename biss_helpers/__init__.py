"""Helpers for the biss-tutorial notebooks: one module per pipeline stage.

Importing the package imports nothing heavy; each module loads torch and transformers only
inside the functions that need them.

- `env`: Colab or not, GPU and precision, seeding, the offline switch (``BISS_OFFLINE=1``).
- `zoo`: the offline model zoo (MiniLM encoder, SmolLM2 LLaMA); `tiny`: models built in seconds.
- `sentences`: labelled sentence files and the datasets of Lab 1.
- `bert`: Lab 1, fine-tuning an encoder for sentence classification; `plots`: its figures.
- `fourcol`, `tasks`, `mix`, `lengths`, `prompts`, `metrics`: Lab 2.1, the EVALITA tasks as prompts.
- `memory`, `models`, `collate`, `training`: Lab 2.2, QLoRA training (preflight, loading, batches, run).
- `notebooks`: the setup cell and Colab badges shared by every notebook.
"""

__version__ = "0.1.0"
