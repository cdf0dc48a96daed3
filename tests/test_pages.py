"""What the pages of a built note say about themselves: bookmarks that lead to their headings,
page furniture shown whole, page budgets, typography, metadata."""

from __future__ import annotations

import pytest

from conftest import squash


def _outline_entries(reader):
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item)

    walk(reader.outline)
    return out


def _lines_with_y(page) -> list[tuple[float, str]]:
    """Return (baseline y in points, text) of each text piece drawn on ``page``."""
    pieces: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            pieces.append((tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return pieces


def test_every_bookmark_leads_to_the_page_and_place_of_its_heading(built):
    from pypdf import PdfReader

    reader = PdfReader(built["pdf"])
    entries = _outline_entries(reader)
    assert len(entries) >= 10
    pages_used = set()
    for entry in entries:
        number = reader.get_destination_page_number(entry)
        pages_used.add(number)
        page = reader.pages[number]
        assert entry.title in squash(page.extract_text()), (entry.title, number)
        # The destination's top is just above the heading's first line on that page.
        first_word = entry.title.split()[0]
        ys = [y for y, text in _lines_with_y(page) if text.strip().startswith(first_word)]
        assert any(0 <= float(entry.top) - y <= 40 for y in ys), (entry.title, entry.top, ys)
    assert len(pages_used) > 1  # the note runs to several pages and the bookmarks follow it
