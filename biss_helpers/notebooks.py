"""What every notebook shares: the setup cell and the "Open in Colab" badge.

The release the notebooks install on Colab is one constant, `RELEASE`. The setup cell is made
from it here, and `sync` writes that cell (and each notebook's badge) into every notebook, so
changing the release is one edit plus ``biss sync-notebooks``; a test checks they agree.

>>> "google.colab" in setup_cell()
True
>>> badge("notebooks/01_bert_sentence_classification.ipynb").startswith("[![Open In Colab]")
True
"""

from __future__ import annotations

import json
from pathlib import Path

from . import outputs

GITHUB = "biss-tutorial/biss-tutorial"
RELEASE = "v0.1.0"  # the tag of this repository the notebooks were tested with

SETUP_CELL = '''\
# Setup, the same in every notebook. On Colab it installs the course helpers at a fixed release,
# keeping Colab's own torch and numpy (replacing them would force a restart). Elsewhere it only
# uses the local checkout (`make install`). Then it seeds everything and prints the hardware.
import subprocess
import sys
from importlib.metadata import version

BISS_RELEASE = "{release}"
if "google.colab" in sys.modules:
    with open("/tmp/keep.txt", "w") as keep:
        keep.write("\\n".join(f"{{name}}=={{version(name)}}" for name in ("torch", "numpy")))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", "/tmp/keep.txt",
                    f"biss-helpers @ git+https://github.com/{github}@{{BISS_RELEASE}}"],
                   check=True)

from biss_helpers import env

runtime = env.setup(seed=42)'''


def setup_cell() -> str:
    """The canonical first code cell of every notebook."""
    return SETUP_CELL.format(release=RELEASE, github=GITHUB)


def badge(notebook_path: str) -> str:
    """Markdown "Open in Colab" badge for a notebook path relative to the repository root."""
    url = f"https://colab.research.google.com/github/{GITHUB}/blob/main/{notebook_path}"
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({url})"


def code_cells(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def sync(path: Path, root: Path) -> bool:
    """Rewrite `path`'s first code cell and badge line to the canonical ones; True if changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    changed = False
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            new = setup_cell()
        elif "colab-badge.svg" in source:
            lines = source.splitlines()
            new = "\n".join(badge(relative) if "colab-badge.svg" in line else line
                            for line in lines)
        else:
            continue
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
        if cell["cell_type"] == "code":
            break  # only the first code cell is the setup cell
    if changed:
        outputs.write_text(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return changed


def sync_all(root: Path) -> dict[str, bool]:
    """`sync` every notebook in `root`/notebooks; name -> whether it changed."""
    return {path.name: sync(path, root) for path in sorted((Path(root) / "notebooks").glob("*.ipynb"))}
