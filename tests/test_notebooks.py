"""Static checks of every notebook (nbval runs them; these check how they are written)."""

import ast
import importlib
import json
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from importlib.metadata import version

import nbformat
import pytest

from biss_helpers import notebooks

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_parses_and_validates(notebook):
    nbformat.validate(notebook[1])


def test_badge_points_at_its_own_path(notebook):
    path, nb = notebook
    first = "".join(nb.cells[0].source)
    assert notebooks.badge(f"notebooks/{path.name}") in first


def test_first_code_cell_is_the_setup_cell(notebook):
    assert notebooks.code_cells(notebook[1])[0] == notebooks.setup_cell()


def test_cells_are_short(notebook):
    lengths = [len(source.splitlines()) for source in notebooks.code_cells(notebook[1])]
    assert max(lengths) <= 30, lengths
    assert statistics.median(lengths) <= 10, lengths


def test_more_prose_than_code(notebook):
    nb = notebook[1]
    words = {kind: sum(len("".join(c.source).split()) for c in nb.cells if c.cell_type == kind)
             for kind in ("markdown", "code")}
    assert words["markdown"] > words["code"], words


def test_committed_clean(notebook):
    path, nb = notebook
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, path
    assert "widgets" not in nb.metadata


def test_every_helper_name_used_exists(notebook):
    modules = {}
    source = "\n".join(notebooks.code_cells(notebook[1]))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("biss_helpers"):
            for alias in node.names:
                module = importlib.import_module(node.module)
                if not hasattr(module, alias.name):
                    importlib.import_module(f"{node.module}.{alias.name}")
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    used = [(node.value.id, node.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in modules]
    assert used
    for name, attribute in used:
        module = importlib.import_module(modules[name])
        assert hasattr(module, attribute), f"{modules[name]}.{attribute} does not exist"


def test_sync_is_a_no_op_on_committed_notebooks_and_repairs_drift(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in ("requirements.txt", "requirements-dev.txt"):  # the cell's pins come from them
        shutil.copy(ROOT / name, tmp_path / name)
    for path in NOTEBOOKS:
        copy = tmp_path / "notebooks" / path.name
        shutil.copy(path, copy)
        assert not notebooks.sync(copy, tmp_path)
        nb = json.loads(copy.read_text())
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        first_code["source"] = ["print('drifted')\n"]
        copy.write_text(json.dumps(nb))
        assert notebooks.sync(copy, tmp_path)
        assert notebooks.code_cells(json.loads(copy.read_text()))[0] == notebooks.setup_cell()


# Where each copy of the release is written, read here by pattern, not through the code that writes it.
BADGE_URL = re.compile(r"https://colab\.research\.google\.com/github/([^/\s)]+/[^/\s)]+)/blob/([^/\s)]+)/"
                       r"(notebooks/[^\s)]+)\)")
CELL_RELEASE = re.compile(r'^BISS_REPO, BISS_RELEASE = "([^"]*)", "([^"]*)"$', re.MULTILINE)


def named_releases(root):
    """(where, repository, ref) for every badge in README.md and the notebooks and every setup cell."""
    found = [("README.md", repo, ref) for repo, ref, _ in BADGE_URL.findall((root / "README.md").read_text())]
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        found += [(path.name, repo, ref) for repo, ref, target in BADGE_URL.findall(markdown)
                  if target == f"notebooks/{path.name}"]  # a badge opens its own notebook
        found += [(f"{path.name} setup cell", repo, ref)
                  for repo, ref in CELL_RELEASE.findall(notebooks.code_cells(nb)[0])]
    return found


def test_badges_and_setup_cells_name_one_repository_at_the_release():
    """A badge must open the notebook at the tag its setup cell installs: README and notebooks alike.
    (After a change of `GITHUB` or `RELEASE`: ``biss sync-notebooks``.)"""
    found = named_releases(ROOT)
    wanted = (notebooks.GITHUB, notebooks.RELEASE)
    places = Counter(where for where, _, _ in found)
    assert places == Counter({"README.md": len(NOTEBOOKS), **{p.name: 1 for p in NOTEBOOKS},
                              **{f"{p.name} setup cell": 1 for p in NOTEBOOKS}}), found
    wrong = [(where, f"{repo}@{ref}") for where, repo, ref in found if (repo, ref) != wanted]
    assert not wrong, f"not {wanted[0]}@{wanted[1]}: {wrong}"


def test_sync_all_points_readme_and_notebooks_at_another_release(tmp_path):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    for name in ("README.md", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    changed = notebooks.sync_all(tmp_path, "someone/fork", "v9.8.7")
    assert changed == {**{p.name: True for p in NOTEBOOKS}, "README.md": True}
    found = named_releases(tmp_path)
    assert found and {(repo, ref) for _, repo, ref in found} == {("someone/fork", "v9.8.7")}
    readme, before = (tmp_path / "README.md").read_text(), (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) == len(before.splitlines())
    assert BADGE_URL.sub("", readme) == BADGE_URL.sub("", before)  # only the badges' URLs changed
    assert not any(notebooks.sync_all(tmp_path, "someone/fork", "v9.8.7").values())


def colab_requirements():
    """What Colab must get at the tested version: the Colab requirements but torch and numpy, plus
    what transformers imports to load a model (huggingface-hub, safetensors)."""
    names = {re.split(r"[<>=!~ ;\[]", line)[0].lower()
             for line in (ROOT / "requirements.txt").read_text().splitlines() if line and line[0] != "#"}
    return (names - {"torch", "numpy"}) | {"huggingface-hub", "safetensors"}


def test_the_cell_pins_what_the_tests_ran_with():
    dev = [line for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
           if line and line[0] != "#"]
    expected = [line for line in dev if line.split("==")[0].lower() in colab_requirements()]
    assert len(expected) == len(colab_requirements()), "requirements-dev.txt misses a Colab package"
    assert notebooks.colab_pins() == expected
    assert "TESTED = [" + ", ".join(f'"{pin}"' for pin in expected) + "]" in (
        re.sub(r",\s*\n\s*", ", ", notebooks.setup_cell()))


def test_pins_refuse_a_colab_package_without_an_exact_version(tmp_path):
    (tmp_path / "requirements.txt").write_text("transformers>=5\npeft\n")
    (tmp_path / "requirements-dev.txt").write_text("transformers==5.23.0\npeft>=0.17\n")
    with pytest.raises(ValueError, match=r"requirements-dev.txt: 'peft>=0.17' is not an exact pin"):
        notebooks.colab_pins(tmp_path)
    (tmp_path / "requirements-dev.txt").write_text("transformers==5.23.0\n")
    with pytest.raises(ValueError, match=r"no pinned version of huggingface-hub, peft, safetensors"):
        notebooks.colab_pins(tmp_path)


def run_cell_on_colab(monkeypatch, tmp_path, pip_exit=0, pip_errors=""):
    """Run the setup cell as Colab would, with a fake pip; the pip commands it ran."""
    calls = []

    def fake_run(command, **options):
        calls.append(command)
        assert options.get("capture_output") and options.get("text"), "pip's output must be captured"
        return subprocess.CompletedProcess(command, pip_exit, stdout="", stderr=pip_errors)

    monkeypatch.setitem(sys.modules, "google.colab", object())
    monkeypatch.setattr(subprocess, "run", fake_run)
    cell = notebooks.setup_cell().replace("/tmp/keep.txt", str(tmp_path / "keep.txt"))
    exec(compile(cell, "setup-cell", "exec"), {})
    return calls


def test_setup_cell_on_colab_installs_the_release_and_keeps_torch_and_numpy(monkeypatch, tmp_path, capsys):
    [command] = run_cell_on_colab(monkeypatch, tmp_path)
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    # the release the README's badges name (and so every badge and cell, by the test above)
    readme_releases = {(repo, ref) for where, repo, ref in named_releases(ROOT) if where == "README.md"}
    assert readme_releases == {(notebooks.GITHUB, notebooks.RELEASE)}
    [(repo, ref)] = readme_releases
    assert command[-1] == f"biss-helpers @ git+https://github.com/{repo}@{ref}"
    pinned = command[command.index(str(tmp_path / "keep.txt")) + 1:-1]
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert pinned and all(pin in dev for pin in pinned), pinned  # the versions the tests ran with
    assert {pin.split("==")[0] for pin in pinned} == colab_requirements()
    kept = (tmp_path / "keep.txt").read_text().splitlines()
    assert kept == [f"torch=={version('torch')}", f"numpy=={version('numpy')}"]
    assert capsys.readouterr().out.startswith(f"Installing the course helpers {notebooks.RELEASE}")


# What pip prints when the tag is missing: pip 24 ends with a note, pip 25 with its own ERROR line.
PIP_24_MISSING_TAG = """\
  error: subprocess-exited-with-error

  × git checkout -q v0.1.0 did not run successfully.
  │ exit code: 1
  ╰─> [1 lines of output]
      error: pathspec 'v0.1.0' did not match any file(s) known to git
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
"""
PIP_25_OFFLINE = """\
  error: subprocess-exited-with-error

  × git clone --filter=blob:none --quiet https://github.com/o/n /tmp/pip-install-x did not run successfully.
  │ exit code: 128
  ╰─> [1 lines of output]
      fatal: unable to access 'https://github.com/o/n/': Could not resolve host: github.com
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
ERROR: Failed to build 'biss-helpers' when git clone --filter=blob:none --quiet https://github.com/o/n
"""


@pytest.mark.parametrize(("errors", "last"), [
    (PIP_24_MISSING_TAG, "error: pathspec 'v0.1.0' did not match any file(s) known to git"),
    (PIP_25_OFFLINE, "ERROR: Failed to build 'biss-helpers' when git clone --filter=blob:none --quiet "
                     "https://github.com/o/n"),
    ("ERROR: No matching distribution found for peft==0.21.2\n",
     "ERROR: No matching distribution found for peft==0.21.2"),
    ("", "no output"),
])
def test_a_failed_install_stops_the_notebook_with_one_line(monkeypatch, tmp_path, capsys, errors, last):
    with pytest.raises(SystemExit) as stopped:
        run_cell_on_colab(monkeypatch, tmp_path, pip_exit=1, pip_errors=errors)
    message = str(stopped.value.code)
    assert "\n" not in message
    assert f"{notebooks.GITHUB}@{notebooks.RELEASE}" in message and f"({last})" in message
    assert "online" in message and "tag exists" in message and "`make release`" in message
    printed = capsys.readouterr()
    assert printed.out.count("\n") == 1 and not printed.err  # only "Installing ...": no pip output


def test_setup_cell_off_colab_installs_nothing(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: pytest.fail("pip ran off Colab"))
    exec(compile(notebooks.setup_cell(), "setup-cell", "exec"), {})
