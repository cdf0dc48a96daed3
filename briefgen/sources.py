"""Source notes: a superscript reference on each point, figure, milestone and quotation of a note,
and a closing list saying which article paragraph (and words) each one comes from.

``annotate(document, facts)`` takes the ``Document`` a template produced and the ``FactsFile`` it
was filled from and returns a new ``Document``: every list item, table row or quotation whose text
is a sourced fact gets ``Superscript("n")`` (endnote numbers, one per distinct locator, in order
of first use), and a "Source notes" section ends the note. Templates need not change; what they
print in their own words (a summary, the purpose) carries no reference. Pure: reads nothing.
"""

from __future__ import annotations

from dataclasses import replace

from briefgen.article import fold
from briefgen.model import (
    Block,
    BulletList,
    Document,
    Heading,
    Inline,
    OrderedList,
    Paragraph,
    Quote,
    Superscript,
    Table,
    Text,
    plain_text,
)
from briefgen.schema import FactsFile, Locator

__all__ = ["annotate", "SOURCE_NOTES_TITLE"]

SOURCE_NOTES_TITLE = "Source notes"


def annotate(document: Document, facts: FactsFile) -> Document:
    """Return ``document`` with source references and a closing "Source notes" section.

    A list item is matched to a point whose text it prints, to a figure by its ``label:`` lead,
    to a milestone by its text; a table row to a figure by its first cell (the label); a quotation
    block by the quotation's text. Unmatched blocks are left as they are.
    """
    notes: list[Locator] = []
    numbers: dict[tuple[int, str], int] = {}

    def refs(locators: tuple[Locator, ...]) -> str:
        out = []
        for loc in locators:
            key = (loc.para, loc.evidence)
            if key not in numbers:
                notes.append(loc)
                numbers[key] = len(notes)
            out.append(str(numbers[key]))
        return ",".join(dict.fromkeys(out))

    points = [*facts.note.key_points, *facts.note.outlook, *(p for a in facts.areas for p in a.points)]
    by_text = {fold(p.text): p.source for p in points}
    milestones = [*facts.event.preparation, *(m for a in facts.areas for m in a.milestones)]
    by_milestone = {fold(m.text): m.source for m in milestones}
    by_label = {fold(f.label): f.source for f in facts.all_figures()}
    by_quote = {fold(q.text): q.source for q in facts.quotes}

    def match_line(text: str) -> tuple[Locator, ...] | None:
        folded = fold(text)
        if folded in by_text:
            return by_text[folded]
        for label, source in by_label.items():
            if folded.startswith(label + ":"):
                return source
        for milestone, source in by_milestone.items():
            if folded.endswith(": " + milestone) or folded == milestone:
                return source
        return None

    def mark(children: tuple[Inline, ...], source: tuple[Locator, ...]) -> tuple[Inline, ...]:
        return (*children, Superscript(refs(source)))

    def walk(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
        out: list[Block] = []
        for block in blocks:
            match block:
                case BulletList(items) | OrderedList(items):
                    new_items = []
                    for item in items:
                        first = item[0] if item else None
                        if isinstance(first, Paragraph):
                            source = match_line(plain_text(first.children))
                            if source:
                                item = (replace(first, children=mark(first.children, source)), *item[1:])
                        new_items.append(walk(item))
                    out.append(replace(block, items=tuple(new_items)))
                case Table(header, rows, aligns):
                    new_rows = []
                    for row in rows:
                        source = by_label.get(fold(plain_text(row[0]))) if row else None
                        new_rows.append((mark(row[0], source), *row[1:]) if source else row)
                    out.append(Table(header, tuple(new_rows), aligns))
                case Quote(inner, attribution):
                    text = fold(" ".join(plain_text(b.children) for b in inner if isinstance(b, Paragraph)))
                    source = next((s for q, s in by_quote.items() if q in text), None)
                    if source and inner and isinstance(inner[-1], Paragraph):
                        last = inner[-1]
                        inner = (*inner[:-1], replace(last, children=mark(last.children, source)))
                    out.append(Quote(walk(inner), attribution))
                case _:
                    out.append(block)
        return tuple(out)

    blocks = walk(document.blocks)
    if not notes:
        return replace(document, blocks=blocks)
    day = facts.source.published
    article = f"“{facts.source.title}” ({facts.source.author}, {day.day} {day:%B} {day.year})"
    closing: list[Block] = [
        Heading(2, (Text(SOURCE_NOTES_TITLE),)),
        Paragraph((Text(f"Paragraph numbers count the body paragraphs of {article}, as "
                        "'briefgen article' prints them."),)),
        OrderedList(tuple(
            (Paragraph((Text(f"Paragraph {loc.para}: “{loc.evidence}”"),)),) for loc in notes
        )),
    ]
    return replace(document, blocks=(*blocks, *closing))
