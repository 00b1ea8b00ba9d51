"""The talk: every figure it shows exists and was drawn by the figure script, the deck has the
expected number of slides, the committed PDF is built from the source as it is now, each lab has its
slide, the papers are cited with links, and what the memory slides say holds for the estimator.
The build itself runs in `make slides`, not here."""

import doctest
import importlib.util
import json
import re

import pytest

from .conftest import ROOT

SLIDES = ROOT / "slides"
EXPECTED_SLIDES = 55  # change it with the deck: a slide lost or added by a stray `---` shows here
PAPERS = {  # the list: each with a link
    "Attention Is All You Need": "arxiv.org/abs/1706.03762",
    "BERT": "arxiv.org/abs/1810.04805",
    "LoRA": "arxiv.org/abs/2106.09685",
    "QLoRA": "arxiv.org/abs/2305.14314",
    "ExtremITA": "ceur-ws.org/Vol-3473/paper13.pdf",
    "Alpaca": "crfm.stanford.edu/2023/03/13/alpaca.html",
    "Self-Instruct": "arxiv.org/abs/2212.10560",
    "LIMA": "arxiv.org/abs/2305.11206",
}


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def deck():
    return load("deck", SLIDES / "deck.py")


@pytest.fixture(scope="module")
def source():
    return (SLIDES / "talk.md").read_text(encoding="utf-8")


def test_the_deck_helpers_examples_hold(deck):
    assert doctest.testmod(deck).failed == 0


def test_slides_are_cut_as_marp_cuts_them(deck):
    text = "---\nmarp: true\n---\n# A\n\n~~~\n***\n~~~\n\n* * *\n\n# B\n\n___\n\n# C\n"
    assert [part.strip().splitlines()[0] for part in deck.slides(text)] == ["# A", "# B", "# C"]
    with pytest.raises(ValueError, match="never closed"):
        deck.slides("---\nmarp: true\n# A\n")


def test_the_deck_has_the_expected_number_of_slides(deck, source):
    parts = deck.slides(source)
    assert len(parts) == EXPECTED_SLIDES
    assert 40 <= len(parts) <= 60
    assert all(part.strip() for part in parts), "an empty slide (two --- in a row?)"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"({len(parts)} slides" in readme, "the README's count of slides"


def test_every_figure_shown_exists_and_was_drawn_by_the_script(deck, source):
    shown = deck.figures(source)
    manifest = json.loads((SLIDES / "figures" / "figures.json").read_text())
    drawn = {f"figures/{record['file']}" for record in manifest.values()}
    assert shown, "the deck shows no figure"
    for name in shown:
        assert (SLIDES / name).is_file(), f"talk.md shows {name}, which does not exist"
        assert name in drawn, f"{name} is not in figures.json: draw it with slides/figures/make_figures.py"
    pngs = {f"figures/{p.name}" for p in (SLIDES / "figures").glob("*.png")}
    assert pngs == set(shown), f"figures not shown: {pngs - set(shown)}"


def test_the_committed_pdf_is_built_from_the_source_as_it_is(deck, source):
    assert deck.check() == []
    pages, subject = deck.pdf_facts()
    assert pages == len(deck.slides(source)) and subject.startswith(deck.FINGERPRINT)


def test_a_stale_pdf_is_caught(deck, tmp_path):
    (tmp_path / "figures").mkdir()
    for name in deck.figures((SLIDES / "talk.md").read_text(encoding="utf-8")):
        (tmp_path / name).write_bytes((SLIDES / name).read_bytes())
    edited = tmp_path / "talk.md"
    edited.write_text((SLIDES / "talk.md").read_text(encoding="utf-8") + "\n---\n\n# One more\n")
    problems = deck.check(edited, SLIDES / "talk.pdf")
    assert any("pages" in p for p in problems) and any("another version" in p for p in problems)


def test_each_notebook_has_a_lab_slide_with_its_t4_time(deck, source):
    labs = [part for part in deck.slides(source) if "_class: lab" in part]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        mine = [part for part in labs if f"notebooks/{notebook.name}" in part]
        assert len(mine) == 1, f"no lab slide (or more than one) opens {notebook.name}"
        assert re.search(r"On a Colab T4\*\*: (not measured yet|about \d)", mine[0]), notebook.name


def test_the_papers_are_cited_with_links(source):
    for paper, link in PAPERS.items():
        assert paper in source and f"(https://{link})" in source, paper


def test_what_the_memory_slides_say_holds_for_the_estimator():
    """The notes under the two memory figures, checked against `memory.estimate` as it is now."""
    from biss_helpers import memory

    figures = load("make_figures", SLIDES / "figures" / "make_figures.py")
    budget, counts = memory.T4_BUDGET_GB, figures.counts()
    totals = {name: {method: sum(parts.values()) for method, parts in figures.methods(count, 384, 8).items()}
              for name, count in counts.items()}
    assert all(t["full fine-tuning"] > budget for t in totals.values())  # "fits none of them"
    assert totals["Llama 3.2 1B"]["LoRA, 16-bit base"] < budget  # "LoRA fits the 1B and barely the 3B"
    assert 0.9 * budget < totals["Llama 3.2 3B"]["LoRA, 16-bit base"] < budget
    assert totals["Llama 3.2 3B"]["QLoRA, 4-bit base"] < 0.8 * budget  # "both with room to spare"
    qlora_1b = memory.estimate(counts["Llama 3.2 1B"], 384, 8)
    assert qlora_1b.logits == max(qlora_1b.weights, qlora_1b.lora, qlora_1b.activations, qlora_1b.logits)
    assert memory.estimate(counts["Llama 3.1 8B"], 384, 8).total > budget  # "the 8B fits at batch 4"
    assert memory.estimate(counts["Llama 3.1 8B"], 384, 4).total < budget
