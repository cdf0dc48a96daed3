"""``build --show-sources``: a superscript reference per point, figure, milestone and quotation,
and closing source notes, the same in both formats."""

from __future__ import annotations

import re

import pytest

from briefgen.facts import load_facts
from briefgen.model import BulletList, OrderedList, Paragraph, Quote, Superscript, plain_text
from briefgen.pipeline import build, compose
from briefgen.sources import SOURCE_NOTES_TITLE, annotate
from conftest import BUNDLED, NOTE_DATE, docx_paragraphs, pdf_text


@pytest.fixture(scope="module")
def annotated():
    facts = load_facts(BUNDLED)
    _, document = compose(facts, date=NOTE_DATE)
    return facts, annotate(document, facts)


def superscripts(blocks):
    for block in blocks:
        if isinstance(block, Paragraph):
            yield from (n.text for n in block.children if isinstance(n, Superscript))
        elif isinstance(block, (BulletList, OrderedList)):
            for item in block.items:
                yield from superscripts(item)
        elif isinstance(block, Quote):
            yield from superscripts(block.blocks)


def test_every_key_point_has_its_references_and_every_note_is_listed(annotated):
    facts, document = annotated
    key_points = next(b for i, b in enumerate(document.blocks) if isinstance(b, BulletList))
    marks = [item[0].children[-1] for item in key_points.items]
    assert all(isinstance(m, Superscript) for m in marks)
    assert [m.text for m in marks] == ["1", "2,3", "4", "5,6", "7,8,9"]
    notes = document.blocks[-1]
    assert isinstance(notes, OrderedList)
    listed = [plain_text(item[0].children) for item in notes.items]
    assert listed[1] == "Paragraph 3: “enhancing bilateral investment to $2 billion”"
    used = {int(n) for text in superscripts(document.blocks) for n in text.split(",")}
    assert used == set(range(1, len(listed) + 1))  # every note is referenced, none dangles


def test_without_the_option_nothing_changes(tmp_path):
    result = build(BUNDLED, tmp_path, formats=("pdf",), date=NOTE_DATE)
    assert SOURCE_NOTES_TITLE not in pdf_text(result.outputs[0])


def test_both_formats_carry_the_references(tmp_path):
    import docx

    result = build(BUNDLED, tmp_path, formats=("pdf", "docx"), date=NOTE_DATE, show_sources=True)
    pdf, docx_path = result.outputs
    text = pdf_text(pdf)
    assert SOURCE_NOTES_TITLE in text
    assert "Paragraph 7: “one LNG cargo per month”" in text
    assert re.search(r"at the time of writing\.\s?2,3", text)
    document = docx.Document(str(docx_path))
    raised = [run.text for p in document.paragraphs for run in p.runs if run.font.superscript]
    assert raised[:5] == ["1", "2,3", "4", "5,6", "7,8,9"]
    paragraphs = [t for _, t in docx_paragraphs(docx_path)]
    assert SOURCE_NOTES_TITLE in paragraphs
    assert "Paragraph 7: “one LNG cargo per month”" in paragraphs
