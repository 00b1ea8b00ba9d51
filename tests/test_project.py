"""The project's own promises: the README's file map, the two install worlds, packaging that tells the
truth, and the house rules of the package (one owner per artefact, light imports, no private overrides)."""

import ast
import re
import subprocess
import sys

from .conftest import ROOT

PACKAGE = ROOT / "biss_helpers"


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
    assert "torch" in colab and "numpy" in colab   # declared, never pinned: Colab keeps its own
    assert not [line for line in colab if line.startswith(("torch=", "torch>", "numpy=", "numpy>"))]
    assert "torch==2.13.0" in dev
    makefile = (ROOT / "Makefile").read_text()
    assert makefile.index("pip install -q torch==2.13.0") < makefile.index("-r requirements-dev.txt")


def imports(path):
    """(module imported, whether at the top of the file) for every import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names = [base + ("" if base.endswith(".") else ".") + alias.name for alias in node.names]
            found += [(name, id(node) in top) for name in [base, *names]]
    return found


def package_modules(path):
    """`biss_helpers` modules imported by `path` (relative imports resolved), as short names."""
    inside = path.parent.relative_to(ROOT).parts
    found = set()
    for name, _ in imports(path):
        if name.startswith("."):
            level = len(name) - len(name.lstrip("."))
            name = ".".join(inside[:len(inside) - level + 1] + (name.lstrip("."),))
        if name.startswith("biss_helpers."):
            found.add(name.removeprefix("biss_helpers.").rstrip("."))
    return found


def test_each_artefact_has_one_owner():
    """Training receives rows (it reads no mix and trims nothing); collate takes its prompt from
    `prompts`; the CLI parses arguments and calls the library."""
    training = {m.split(".")[0] for m in package_modules(PACKAGE / "training.py")}
    assert not training & {"mix", "lengths", "tasks"}, training
    assert "lengths" not in {m.split(".")[0] for m in package_modules(PACKAGE / "collate.py")}
    cli_imports = {name for name, _ in imports(PACKAGE / "cli.py")}
    assert not [name for name in cli_imports if name.startswith(("sklearn", "scipy", "torch", "peft"))]
    for bench in (ROOT / "bench").glob("*.py"):
        assert "cli" not in package_modules(bench) and "biss_helpers.cli" not in str(imports(bench)), bench


def test_no_private_trainer_method_is_overridden_and_no_outside_file_is_cited():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"def _(get_train_sampler|inner_training_loop|prepare_inputs|"
                             r"load_rng_state|get_eval_sampler)\b", text), path
        assert "FORMATS.md" not in text, f"{path} cites a file outside the repository"


def declared(path):
    names = set()
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(re.split(r"[<>=!~ ;\[]", line)[0].lower())
    return names


# Import name -> distribution name, where they differ.
DISTRIBUTIONS = {"sklearn": "scikit-learn"}
# Declared although the package never imports them: what transformers needs to do our work.
LOADED_BY_TRANSFORMERS = {"bitsandbytes"}  # 4-bit and 8-bit loading (BitsAndBytesConfig)
ONLY_ON_COLAB = {"google"}


def test_requirements_are_exactly_what_the_package_imports():
    third_party = set()
    for path in PACKAGE.rglob("*.py"):
        for name, _ in imports(path):
            top = name.split(".")[0]
            local = name.startswith(".") or top in ("", "biss_helpers")
            if not local and top not in sys.stdlib_module_names:
                third_party.add(DISTRIBUTIONS.get(top, top))
    third_party -= ONLY_ON_COLAB
    requirements = declared("requirements.txt")
    assert third_party <= requirements, f"imported but not declared: {third_party - requirements}"
    assert requirements - third_party == LOADED_BY_TRANSFORMERS, requirements - third_party


def test_python_version_is_the_one_the_pins_need():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject and 'target-version = "py311"' in pyproject
    assert sys.version_info >= (3, 11)


def test_every_module_has_its_test_file():
    """One test file per module: tests/test_<module>.py, tests/tasks/test_<module>.py for the task layer."""
    missing = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("__init__.py", "__main__.py") or "data" in path.parts:
            continue
        folder = ROOT / "tests" / ("tasks" if path.parent.name == "tasks" else "")
        if not (folder / f"test_{path.stem}.py").is_file():
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, missing
