"""Escaping text for Markdown, shared by the template layer and the sandbox's ``join``."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["md_escape", "md_paragraphs"]

# Characters that start inline markup anywhere (emphasis, code, links, raw HTML, entities, table
# cells, headings inside list items), and those that start a block when they open a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|&~!])")
_MD_LINE_START = re.compile(r"^([-+=:]|\d+(?=[.)]))")


def md_escape(value: Any) -> str:
    """Return ``str(value)`` escaped so Markdown shows it literally, on one line.

    Characters that can start inline markup get a backslash wherever they are; ``-``, ``+``,
    ``=``, ``:`` and ``1.`` get one at the start, where they could open a list or a definition.
    Every run of whitespace, line breaks included, becomes one space; no-break spaces
    (U+00A0, U+202F) stay.
    """
    # No-break spaces stay: the locale puts them where a line must not break ("3,5\xa0%").
    text = re.sub(r"[^\S\xa0\u202f]+", " ", str(value))
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: "\\" + m.group(0) if not m.group(0).isdigit() else m.group(0) + "\\", text, count=1)


_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


def md_paragraphs(value: Any) -> str:
    """Return ``str(value)`` escaped like ``md_escape``, each paragraph of it (text between
    blank lines, as a YAML block ``|`` writes them) a Markdown paragraph of its own: the
    paragraphs joined by one blank line. For a text printed as a paragraph (purpose,
    assessment); printed inside a list item, a table cell or emphasis it would end them.
    """
    parts = [p for p in _BLANK_LINE.split(str(value).strip()) if p.strip()]
    return "\n\n".join(md_escape(p.strip()) for p in parts)
