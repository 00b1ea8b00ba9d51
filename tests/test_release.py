"""`make release` / ``biss release`` on a throwaway git repository: what is refused before anything
changes, and what a release rewrites, commits and tags. The test suite itself is not run here: the
Makefile runs it between ``biss release --check`` and ``biss release`` (checked below)."""

import json
import os
import re
import shutil
import subprocess

import pytest

from biss_helpers import cli, notebooks, release

from .conftest import ROOT

# What a release reads or rewrites, copied from the project (notebooks.py is where the constants live).
FILES = ["README.md", "pyproject.toml", "requirements.txt", "requirements-dev.txt",
         "biss_helpers/notebooks.py", *(f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb"))]


def git(root, *args):
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with one commit of the files a release touches; the current folder."""
    # Neither the machine's nor the user's git settings (signing, hooks, identity) leak in.
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(name, "t")
    for name in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(name, "t@t")
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def biss_release(capsys, *args):
    """Exit code and printed lines of ``biss release ARGS``."""
    code = cli.main(["release", *args])
    printed = capsys.readouterr()
    return code, printed.out.splitlines(), printed.err.splitlines()


def unchanged(root):
    """No new commit, no tag, nothing modified."""
    return (git(root, "log", "--format=%s") == "start" and git(root, "tag") == ""
            and git(root, "status", "--porcelain") == "")


@pytest.mark.parametrize(("args", "refusal"), [
    (["--version", "0.2.0", "--repo", "owner/name"], "version '0.2.0' is not vMAJOR.MINOR.PATCH"),
    (["--version", "v0.2", "--repo", "owner/name"], "version 'v0.2' is not vMAJOR.MINOR.PATCH"),
    (["--version", "v0.2.0-rc1", "--repo", "owner/name"], "is not vMAJOR.MINOR.PATCH"),
    (["--version", "", "--repo", "owner/name"], "version '' is not vMAJOR.MINOR.PATCH"),  # make, no VERSION
    (["--version", "v0.2.0", "--repo", "name"], "repository 'name' is not owner/name"),
    (["--version", "v0.2.0", "--repo", "https://github.com/o/n"], "is not owner/name"),
    (["--version", "v0.2.0", "--repo", "owner/name/extra"], "is not owner/name"),
    (["--version=v0.2.0", "--repo=-owner/name"], "is not owner/name"),  # as make passes them
])
def test_a_bad_version_or_repository_is_one_line_and_changes_nothing(repo, capsys, args, refusal):
    code, out, err = biss_release(capsys, *args)
    assert code == 2 and not out and len(err) == 1 and refusal in err[0], err
    assert err[0].startswith("biss release: ")
    assert unchanged(repo)


def test_a_dirty_tree_is_refused_naming_the_changed_files(repo, capsys):
    (repo / "README.md").write_text("edited\n")
    (repo / "notes.txt").write_text("not committed\n")
    for check in ([], ["--check"]):
        code, _, err = biss_release(capsys, *check, "--version", "v0.2.0", "--repo", "owner/name")
        assert code == 2 and len(err) == 1, err
        assert "uncommitted changes in" in err[0] and "README.md" in err[0] and "notes.txt" in err[0]
    assert (repo / "README.md").read_text() == "edited\n"
    assert git(repo, "log", "--format=%s") == "start" and git(repo, "tag") == ""


def test_an_existing_tag_is_refused(repo, capsys):
    git(repo, "tag", "v0.2.0")
    code, _, err = biss_release(capsys, "--version", "v0.2.0", "--repo", "owner/name")
    assert code == 2 and err == ["biss release: tag v0.2.0 exists already: choose the next version"]


def test_check_only_checks(repo, capsys):
    code, out, err = biss_release(capsys, "--check", "--version", "v0.2.0", "--repo", "owner/fork")
    assert (code, out, err) == (0, ["ready to release owner/fork@v0.2.0"], [])
    assert unchanged(repo)


def test_a_release_rewrites_everything_commits_and_tags(repo, capsys):
    before = {name: (repo / name).read_text() for name in FILES}
    code, out, err = biss_release(capsys, "--version", "v0.2.0", "--repo", "owner/fork")
    assert code == 0 and not err, err
    assert out[-1] == "committed and tagged v0.2.0; put both on GitHub: git push origin HEAD v0.2.0"

    # The two constants, and nothing else of notebooks.py.
    constants = (repo / "biss_helpers/notebooks.py").read_text()
    assert re.findall(r'^(GITHUB|RELEASE) = "([^"]*)"', constants, re.MULTILINE) == [
        ("GITHUB", "owner/fork"), ("RELEASE", "v0.2.0")]
    without = re.compile(r'^(GITHUB|RELEASE) = "[^"]*"', re.MULTILINE)
    assert without.sub("", constants) == without.sub("", before["biss_helpers/notebooks.py"])
    assert 'version = "0.2.0"' in (repo / "pyproject.toml").read_text()

    # Every setup cell installs the tag, every badge (notebook and README) opens the notebook at it.
    readme = (repo / "README.md").read_text()
    for path in sorted((repo / "notebooks").glob("*.ipynb")):
        relative = f"notebooks/{path.name}"
        nb = json.loads(path.read_text())
        assert notebooks.code_cells(nb)[0] == notebooks.setup_cell("owner/fork", "v0.2.0", repo)
        assert 'BISS_REPO, BISS_RELEASE = "owner/fork", "v0.2.0"' in notebooks.code_cells(nb)[0]
        url = f"https://colab.research.google.com/github/owner/fork/blob/v0.2.0/{relative}"
        assert url in "".join(nb["cells"][0]["source"]) and url in readme
        assert notebooks.code_cells(nb)[1:] == notebooks.code_cells(json.loads(before[relative]))[1:]
    assert "blob/main/" not in readme and len(readme.splitlines()) == len(before["README.md"].splitlines())

    # One commit with exactly those files, tagged; the tree is clean.
    assert git(repo, "log", "--format=%s") == "Release v0.2.0\nstart"
    changed = set(git(repo, "show", "--name-only", "--format=", "HEAD").splitlines())
    assert changed == {name for name in FILES if (repo / name).read_text() != before[name]}
    assert {"biss_helpers/notebooks.py", "README.md"} < changed
    assert sorted(line.removesuffix(": updated") for line in out[:-1]) == sorted(changed)
    assert git(repo, "rev-parse", "v0.2.0^{commit}") == git(repo, "rev-parse", "HEAD")
    assert git(repo, "for-each-ref", "--format=%(objecttype) %(contents:subject)", "refs/tags") == (
        "tag Release v0.2.0")  # annotated: `git push --follow-tags` takes it along
    assert git(repo, "status", "--porcelain") == ""

    # Tagging what already points at the tag (say, after a tag was deleted) commits nothing.
    git(repo, "tag", "-d", "v0.2.0")
    code, out, _ = biss_release(capsys, "--version", "v0.2.0", "--repo", "owner/fork")
    assert code == 0 and out == ["nothing to commit; tagged v0.2.0; put both on GitHub: "
                                 "git push origin HEAD v0.2.0"]
    assert git(repo, "log", "--format=%s") == "Release v0.2.0\nstart"
    assert git(repo, "rev-parse", "v0.2.0^{commit}") == git(repo, "rev-parse", "HEAD")

    # The next release starts from there.
    code, out, _ = biss_release(capsys, "--version", "v0.2.1", "--repo", "owner/fork")
    assert code == 0 and git(repo, "tag").splitlines() == ["v0.2.0", "v0.2.1"]


def test_a_failed_commit_puts_the_files_back(repo, capsys):
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by a hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    code, _, err = biss_release(capsys, "--version", "v0.2.0", "--repo", "owner/fork")
    assert code == 2 and len(err) == 1, err
    assert "refused by a hook" in err[0] and "nothing was committed; the files are as they were" in err[0]
    assert unchanged(repo)


def test_publish_needs_the_repository_root(tmp_path):
    git(tmp_path, "init", "-q")
    with pytest.raises(ValueError, match="has no biss_helpers/notebooks.py: run the release in the"):
        release.publish(tmp_path, "v0.2.0", "owner/name")


def test_the_makefile_refuses_before_testing_and_releases_only_after_the_tests():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\nrelease:"):]
    check = recipe.index('biss_helpers release --check --version="$(VERSION)" --repo="$(REPO)"')
    tests = recipe.index("$(MAKE) test")
    publish = recipe.index('biss_helpers release --version="$(VERSION)" --repo="$(REPO)"')
    assert check < tests < publish


def test_torch_comes_from_pypi_unless_an_index_is_given():
    """`make install TORCH_INDEX=https://download.pytorch.org/whl/cpu` takes the CPU wheel on Linux."""
    def torch_line(*variables):
        shown = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), ".venv/.installed", *variables],
                               capture_output=True, text=True, check=True).stdout
        return next(line for line in shown.splitlines() if "torch==" in line).split()

    assert "--index-url" not in torch_line()
    cpu = torch_line("TORCH_INDEX=https://download.pytorch.org/whl/cpu")
    assert cpu[cpu.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
