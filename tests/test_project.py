"""The project's own promises: the README's file map, the CLI, the two install worlds."""

import subprocess
import sys

from biss_helpers import cli

from .conftest import ROOT


def tracked_files():
    # -z: official file names may hold spaces (EmotivITA's "Development set.csv")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    files = [f for f in out.stdout.split("\0") if f] if out.returncode == 0 else []
    return [f for f in files if not f.endswith("__init__.py") and "/data/" not in f]


def test_readme_maps_every_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f for f in tracked_files() if f"`{f}`" not in readme]
    assert not missing, f"README's file map lacks: {missing}"
    assert "`biss_helpers/data/topics_it/`" in readme and "`biss_helpers/data/evalita/`" in readme


def test_readme_has_the_two_commands_and_a_badge_per_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    from biss_helpers import notebooks

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert notebooks.badge(f"notebooks/{path.name}") in readme


def test_colab_requirements_never_pin_torch_but_dev_does():
    colab = (ROOT / "requirements.txt").read_text().splitlines()
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "torch" in colab and not [line for line in colab if line.startswith(("torch=", "numpy"))]
    assert "torch==2.13.0" in dev
    makefile = (ROOT / "Makefile").read_text()
    assert makefile.index("pip install -q torch==2.13.0") < makefile.index("-r requirements-dev.txt")


def test_cli_help_and_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "biss_helpers", "--help"],
                            capture_output=True, text=True, check=True)
    for command in ("offline-models", "demo", "info", "sync-notebooks", "encode", "decode", "train"):
        assert command in result.stdout


def test_cli_sync_reports_up_to_date(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert cli.main(["sync-notebooks"]) == 0
    out = capsys.readouterr().out
    assert "up to date" in out and "updated" not in out
