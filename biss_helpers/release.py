"""A release in one step: `publish` points the notebooks at a new tag, commits and tags it.

``make release VERSION=v0.2.0 REPO=owner/name`` runs `check` (``biss release --check``), then
``make test``, then `publish` (``biss release``). `check` refuses, before anything changes, a version
that is not ``vMAJOR.MINOR.PATCH``, a repository that is not ``owner/name``, a git tree with
uncommitted changes (naming them), a tag that exists and a git without a committer. `publish` then
rewrites `notebooks.GITHUB` and `notebooks.RELEASE`, every notebook's setup cell and badge, the
README's badges (`notebooks.sync_all`) and pyproject's version, commits "Release <tag>" and makes
the annotated tag. Pushing is left to the instructor: the tag must reach GitHub before the badges work.

>>> check_version("v0.2.0"), check_repo("owner/name")
('v0.2.0', 'owner/name')
>>> check_version("0.2")
Traceback (most recent call last):
ValueError: version '0.2' is not vMAJOR.MINOR.PATCH (e.g. v0.2.0)
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from . import notebooks, outputs

CONSTANTS = "biss_helpers/notebooks.py"  # where GITHUB and RELEASE live, relative to the root
PROJECT = "pyproject.toml"


def check_version(version: str) -> str:
    """`version` if it is a release tag, ``vMAJOR.MINOR.PATCH``; otherwise a ValueError."""
    if not re.fullmatch(r"v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", version or ""):
        raise ValueError(f"version '{version}' is not vMAJOR.MINOR.PATCH (e.g. v0.2.0)")
    return version


def check_repo(repo: str) -> str:
    """`repo` if it can be a GitHub ``owner/name``; otherwise a ValueError.

    >>> check_repo("github.com/owner/name")
    Traceback (most recent call last):
    ValueError: repository 'github.com/owner/name' is not owner/name (e.g. biss-tutorial/biss-tutorial)
    """
    owner, _, name = (repo or "").partition("/")
    if not (re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}", owner) and re.fullmatch(r"[A-Za-z0-9._-]+", name)
            and name not in (".", "..")):
        raise ValueError(f"repository '{repo}' is not owner/name (e.g. biss-tutorial/biss-tutorial)")
    return repo


def git(root: Path, *args: str) -> str:
    """git's output for `args` run in `root`; a failure is a ValueError with git's last line."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise ValueError("git is not installed (it is needed to commit and tag)") from None
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or f"exit code {done.returncode}").splitlines()[-1]
        raise ValueError(f"git {' '.join(args)}: {last}")
    return done.stdout


def changed_files(root: Path) -> list[str]:
    """What ``git status`` shows as modified, added, deleted or untracked (not what is ignored)."""
    return [line[3:] for line in git(root, "status", "--porcelain").splitlines()]


def check(root: Path, version: str, repo: str) -> None:
    """Every reason to refuse a release, found before the tests run and before any file changes."""
    check_version(version)
    check_repo(repo)
    root = Path(root)
    if not (root / CONSTANTS).is_file():
        raise ValueError(f"{root} has no {CONSTANTS}: run the release in the repository's root")
    if files := changed_files(root):
        shown = ", ".join(files[:8]) + (f" and {len(files) - 8} more" if len(files) > 8 else "")
        raise ValueError(f"uncommitted changes in {shown}: commit or stash them, so the release is "
                         "exactly what was tested")
    if git(root, "tag", "--list", version).strip():
        raise ValueError(f"tag {version} exists already: choose the next version")
    git(root, "var", "GIT_COMMITTER_IDENT")  # fails now, not after the rewrite, if git has no user.name


def rewrite(path: Path, pattern: str, replacement: str) -> None:
    """Replace the one line of `path` that matches `pattern`; none or several is a ValueError."""
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f"{path}: expected one line matching {pattern!r}, found {count}")
    if new != text:
        outputs.write_text(path, new)


def publish(root: Path, version: str, repo: str) -> list[str]:
    """Point everything at `repo` and `version`, commit "Release <version>" (when something changed)
    and tag it; returns the files the commit changed. A failed commit or tag puts them back."""
    root = Path(root)
    check(root, version, repo)
    rewrite(root / CONSTANTS, r'^GITHUB = "[^"\n]*"', f'GITHUB = "{repo}"')
    rewrite(root / CONSTANTS, r'^RELEASE = "[^"\n]*"', f'RELEASE = "{version}"')
    rewrite(root / PROJECT, r'^version = "[^"\n]*"', f'version = "{version[1:]}"')
    notebooks.sync_all(root, repo, version)
    files = changed_files(root)
    try:
        if files:
            git(root, "add", "--", *files)
            git(root, "commit", "-q", "-m", f"Release {version}")
    except ValueError as error:
        git(root, "reset", "-q", "--", *files)
        git(root, "checkout", "--", *files)
        raise ValueError(f"{error} (nothing was committed; the files are as they were)") from None
    git(root, "tag", "-a", version, "-m", f"Release {version}")
    return files
