"""The talk's deck: the Marp source ``slides/talk.md`` and the PDF built from it, ``slides/talk.pdf``.

    python slides/deck.py build [--chromium /usr/bin/chromium]   # what `make slides` runs after the figures
    python slides/deck.py check                                  # is the PDF built from the source as it is?

The build first measures every slide in Chromium (`overflow.mjs`: nothing may run past a slide's
edges), then writes a fingerprint of the source (the SHA-256 of ``talk.md`` and of every figure it shows)
into the PDF's Subject, and checks that the PDF has one page per slide; `check` (and the tests)
compare that fingerprint with the files as they are now, so a PDF left behind by an edit is caught.
Nothing here needs more than the standard library: the tests read the PDF without a PDF package.

>>> source = "---\\nmarp: true\\n---\\n# One\\n\\n```\\n---\\n```\\n\\n---\\n\\n![w:9](figures/a.png)\\n"
>>> len(slides(source)), figures(source)
(2, ['figures/a.png'])
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE, PDF = HERE / "talk.md", HERE / "talk.pdf"
MARP = HERE / "node_modules" / ".bin" / "marp"  # installed by `make slides` (npm ci in slides/)
FINGERPRINT = "source sha256 "
RULE = re.compile(r"^ {0,3}((-[ \t]*){3,}|(\*[ \t]*){3,}|(_[ \t]*){3,})$")  # a thematic break: a new slide
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def body(text: str) -> list[str]:
    """The lines after the front matter (the first ``---`` ... ``---`` block)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise ValueError("talk.md: the front matter opened on line 1 is never closed with ---")
        return lines[end + 1:]
    return lines


def slides(text: str) -> list[str]:
    """The deck cut into slides, as Marp cuts it: at each thematic break outside code fences."""
    parts, current, fence = [], [], None
    for line in body(text):
        opening = FENCE.match(line)
        if opening and fence is None:
            fence = opening.group(1)[0]
        elif opening and line.strip().startswith(fence * 3):
            fence = None
        if fence is None and RULE.match(line):
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    return [*parts, "\n".join(current)]


def figures(text: str) -> list[str]:
    """The local images the deck shows, relative to slides/, in order (links to the web left out)."""
    return [path for path in IMAGE.findall(text) if "://" not in path]


def fingerprint(source: Path = SOURCE) -> str:
    """SHA-256 of the source and of each figure it shows, in order; a missing figure is an error."""
    digest = hashlib.sha256(source.read_bytes())
    for name in figures(source.read_text(encoding="utf-8")):
        path = source.parent / name
        if not path.is_file():
            raise FileNotFoundError(f"{source.name} shows {name}, which does not exist: run "
                                    "`make slides` (it draws the figures first)")
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def pdf_facts(path: Path = PDF) -> tuple[int, str]:
    """(pages, Subject) of a PDF as Chromium and Marp write it: objects sit in Flate-compressed
    streams, so each stream is inflated and searched; the Subject is a UTF-16 hex string."""
    data, texts = path.read_bytes(), []
    view = memoryview(data)  # each stream is inflated in place, not copied out of the file
    for match in re.finditer(rb"(?<!end)stream\r?\n", data):
        try:
            texts.append(zlib.decompressobj().decompress(view[match.end():]))
        except zlib.error:
            continue  # an image or font stream that is not deflated text
    texts.append(data)
    pages = sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text)) for text in texts)
    subject = ""
    for text in texts:
        found = re.search(rb"/Subject\s*<FEFF([0-9A-Fa-f]*)>", text)
        if found:
            subject = bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
            break
    return pages, subject


def check(source: Path = SOURCE, pdf: Path = PDF) -> list[str]:
    """What is wrong with the built PDF for the source as it is now (empty: nothing)."""
    if not pdf.is_file():
        return [f"{pdf.name} does not exist: run `make slides`"]
    problems, count = [], len(slides(source.read_text(encoding="utf-8")))
    pages, subject = pdf_facts(pdf)
    if pages != count:
        problems.append(f"{pdf.name} has {pages} pages, {source.name} {count} slides: run `make slides`")
    if subject != FINGERPRINT + fingerprint(source):
        problems.append(f"{pdf.name} was built from another version of {source.name} or of its figures "
                        f"(Subject {subject!r}): run `make slides`")
    return problems


def marp(*options: str) -> None:
    """Marp on the source, with the options every output shares (the same HTML is measured and printed)."""
    command = [str(MARP), str(SOURCE), "--allow-local-files", *options]
    subprocess.run(command, check=True, cwd=HERE)


def build(chromium: str) -> None:
    """The deck rendered to HTML and measured in Chromium (no slide may overflow, `overflow.mjs`),
    then printed to PDF by the same browser, then checked (one page per slide, the fingerprint)."""
    if not MARP.exists():
        sys.exit(f"{MARP} is missing: `make slides` installs it (npm ci in slides/)")
    if not shutil.which(chromium) and not Path(chromium).is_file():
        sys.exit(f"no Chromium at {chromium}: `make slides` installs Debian's (package chromium), "
                 "or pass CHROMIUM=/path/to/chromium")
    page = HERE / ".talk.measure.html"  # beside the source, so that figures/ resolves
    try:
        marp("--output", str(page))
        measured = subprocess.run(["node", "overflow.mjs", str(page), chromium], cwd=HERE)
    finally:
        page.unlink(missing_ok=True)
    if measured.returncode:
        sys.exit(f"{SOURCE.name}: the slides above overflow; shorten them or their figures (h:...)")
    marp("--pdf", "--browser", "chrome", "--browser-path", chromium,  # the title: the front matter's
         "--description", FINGERPRINT + fingerprint(), "--output", str(PDF))
    problems = check()
    if problems:
        sys.exit("\n".join(problems))
    print(f"{PDF.relative_to(HERE.parent)}: {pdf_facts()[0]} pages, none overflows, built from the source "
          "as it is")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Build or check the talk's PDF.")
    parser.add_argument("action", choices=("build", "check"))
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser Marp prints with")
    args = parser.parse_args(argv)
    if args.action == "build":
        build(args.chromium)
    else:
        problems = check()
        print("\n".join(problems) or f"{PDF.name} matches {SOURCE.name} and its figures")
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
