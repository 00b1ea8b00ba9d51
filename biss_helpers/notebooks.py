"""What every notebook shares: the setup cell and the "Open in Colab" badges.

The repository and the release the notebooks install on Colab are two constants, `GITHUB` and
`RELEASE` (`release.publish` rewrites them). The setup cell is made from them and from the pins of
``requirements-dev.txt`` (`colab_pins`: on Colab, the versions the tests ran with), and `sync_all`
writes that cell and the badges, which open the notebook at the same tag, into every notebook and
the README: changing the release is one edit plus ``biss sync-notebooks``; a test checks they agree.

>>> "google.colab" in setup_cell()
True
>>> badge("notebooks/01_bert.ipynb", "owner/name", "v1.2.3")  # doctest: +ELLIPSIS
'[![Open In Colab](...)](https://colab.research.google.com/github/owner/name/blob/v1.2.3/notebooks/01_bert.ipynb)'
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from . import outputs

# `make release VERSION=vX.Y.Z REPO=owner/name` rewrites these two lines (`release.publish`).
GITHUB = "biss-tutorial/biss-tutorial"  # the repository on GitHub, owner/name
RELEASE = "v0.1.0"  # the tag of this repository the notebooks were tested with

ROOT = Path(__file__).resolve().parents[1]  # the checkout whose requirements the cell pins
# Colab's own torch and numpy stay: replacing them would force a runtime restart.
KEPT_ON_COLAB = ("torch", "numpy")
# Not imported by the package, but by transformers for every model it loads. Colab preinstalls them
# (and the rest), and pip keeps a preinstalled version that fits a range: only a pin gives the tested one.
LOADED_BY_TRANSFORMERS = ("huggingface-hub", "safetensors")

SETUP_CELL = '''\
# Setup, the same in every notebook. On Colab it installs the course helpers at a fixed release with
# the versions they were tested with, keeping Colab's own torch and numpy (replacing them would force a
# restart). Elsewhere it uses the local checkout (`make install`). Then it seeds and prints the hardware.
import subprocess
import sys
from importlib.metadata import version

BISS_REPO, BISS_RELEASE = "{github}", "{release}"
{tested}
if "google.colab" in sys.modules:
    print(f"Installing the course helpers {{BISS_RELEASE}} (a minute or two)...")
    with open("/tmp/keep.txt", "w") as keep:
        keep.write("\\n".join(f"{{name}}=={{version(name)}}" for name in ("torch", "numpy")))
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-color", "-c", "/tmp/keep.txt",
                          *TESTED, f"biss-helpers @ git+https://github.com/{{BISS_REPO}}@{{BISS_RELEASE}}"],
                         capture_output=True, text=True)
    if pip.returncode != 0:  # one line, not pip's wall of text: its last error says what went wrong
        lines = [line.strip() for line in pip.stderr.splitlines() if line.strip()] or ["no output"]
        error = ([line for line in lines if line.lower().startswith(("error", "fatal"))] or lines)[-1]
        raise SystemExit(f"Could not install {{BISS_REPO}}@{{BISS_RELEASE}} ({{error}}). Check that this "
                         "runtime is online and that the tag exists; if not, ask your instructor to run "
                         "`make release`.")

from biss_helpers import env

runtime = env.setup(seed=42)'''


def requirement_name(line: str) -> str | None:
    """The distribution name a requirements line declares, lower case; None for a comment.

    >>> requirement_name("scikit-learn>=1.3  # metrics"), requirement_name("# tests")
    ('scikit-learn', None)
    """
    line = line.split("#")[0].strip()
    return re.split(r"[<>=!~ ;\[@]", line)[0].lower() if line else None


def colab_pins(root: Path | None = None) -> list[str]:
    """``name==version`` from ``requirements-dev.txt`` (in its order) for what Colab installs: the
    names of ``requirements.txt`` but torch and numpy, plus `LOADED_BY_TRANSFORMERS`.

    >>> names = {pin.split("==")[0] for pin in colab_pins()}
    >>> "transformers" in names, "torch" in names
    (True, False)
    """
    root = Path(root or ROOT)
    wanted = {requirement_name(line) for line in (root / "requirements.txt").read_text().splitlines()}
    wanted = (wanted - {None, *KEPT_ON_COLAB}) | set(LOADED_BY_TRANSFORMERS)
    dev = root / "requirements-dev.txt"
    pins = {}
    for line in dev.read_text().splitlines():
        if requirement_name(line) in wanted:
            pin = line.split("#")[0].strip()
            if not re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", pin):
                raise ValueError(f"{dev}: '{pin}' is not an exact pin (name==version)")
            pins[requirement_name(line)] = pin
    if missing := sorted(wanted - set(pins)):
        raise ValueError(f"{dev}: no pinned version of {', '.join(missing)}, which Colab installs")
    return list(pins.values())


def setup_cell(github: str | None = None, release: str | None = None, root: Path | None = None) -> str:
    """The canonical first code cell of every notebook (by default `GITHUB` at `RELEASE`)."""
    quoted = ", ".join(f'"{pin}"' for pin in colab_pins(root))
    wrapped = textwrap.wrap(quoted, width=100, break_long_words=False, break_on_hyphens=False)
    tested = "TESTED = [" + "\n          ".join(wrapped) + "]"
    return SETUP_CELL.format(github=github or GITHUB, release=release or RELEASE, tested=tested)


def badge(notebook_path: str, github: str | None = None, release: str | None = None) -> str:
    """Markdown "Open in Colab" badge for a notebook path relative to the repository root; it opens
    the notebook as it is at the release, the one its setup cell installs."""
    url = (f"https://colab.research.google.com/github/{github or GITHUB}/blob/{release or RELEASE}/"
           f"{notebook_path}")
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({url})"


# Any Colab badge of a notebook, whatever repository and ref it names; group 1 is the notebook's path.
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)\s]*colab-badge\.svg\)\]"
                   r"\(https://colab\.research\.google\.com/github/[^)\s]*?/blob/[^/)\s]+/(notebooks/[^)\s]+)\)")


def code_cells(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def sync(path: Path, root: Path, github: str | None = None, release: str | None = None) -> bool:
    """Rewrite `path`'s first code cell and badge line to the canonical ones; True if changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    changed = False
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            new = setup_cell(github, release, root)
        elif "colab-badge.svg" in source:
            lines = source.splitlines()
            new = "\n".join(badge(relative, github, release) if "colab-badge.svg" in line else line
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


def sync_readme(path: Path, github: str | None = None, release: str | None = None) -> bool:
    """Point every notebook badge in the README (`path`) at `github` and `release`; True if changed.

    The rest of each line (the lab table's columns) is kept."""
    text = path.read_text(encoding="utf-8")
    new = BADGE.sub(lambda found: badge(found[1], github, release), text)
    if new != text:
        outputs.write_text(path, new)
    return new != text


def sync_all(root: Path, github: str | None = None, release: str | None = None) -> dict[str, bool]:
    """`sync` every notebook in `root`/notebooks, then the README's badges; name -> whether it changed."""
    root = Path(root)
    changed = {path.name: sync(path, root, github, release)
               for path in sorted((root / "notebooks").glob("*.ipynb"))}
    if (root / "README.md").is_file():
        changed["README.md"] = sync_readme(root / "README.md", github, release)
    return changed
