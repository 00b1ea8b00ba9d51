"""Static checks of every notebook (nbval runs them; these check how they are written)."""

import ast
import importlib
import json
import shutil
import statistics

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


def test_setup_cell_on_colab_installs_the_release_and_keeps_torch_and_numpy(monkeypatch, tmp_path):
    import subprocess
    import sys
    from importlib.metadata import version

    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", object())
    monkeypatch.setattr(subprocess, "run", lambda command, check: calls.append(command))
    cell = notebooks.setup_cell().replace("/tmp/keep.txt", str(tmp_path / "keep.txt"))
    exec(compile(cell, "setup-cell", "exec"), {})
    [command] = calls
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-1] == (f"biss-helpers @ git+https://github.com/{notebooks.GITHUB}"
                           f"@{notebooks.RELEASE}")
    kept = (tmp_path / "keep.txt").read_text().splitlines()
    assert kept == [f"torch=={version('torch')}", f"numpy=={version('numpy')}"]
