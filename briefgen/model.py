"""The document model: what a briefing note is made of, independent of any output format.

``markup.parse`` builds a ``Document`` from the Markdown a template produced; each renderer walks
the same ``Document``, so the PDF and the DOCX always carry the same text. The model is closed:
renderers ``match`` on these classes and raise ``TypeError`` on anything else, so a new node type
cannot be silently dropped by one format.

Inlines: ``Text``, ``Strong``, ``Emph``, ``Code``, ``Link``, ``LineBreak``.
Blocks: ``Heading``, ``Paragraph``, ``BulletList``, ``OrderedList``, ``Table``, ``Quote``,
``DefinitionList``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Union

__all__ = [
    "Text",
    "Strong",
    "Emph",
    "Code",
    "Link",
    "LineBreak",
    "Inline",
    "Heading",
    "Paragraph",
    "BulletList",
    "OrderedList",
    "Table",
    "Quote",
    "DefinitionList",
    "Block",
    "Meta",
    "Document",
    "plain_text",
    "outline",
]


@dataclass(frozen=True)
class Text:
    """A run of plain text."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Bold text."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Emph:
    """Italic text."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    """Monospaced text."""

    text: str


@dataclass(frozen=True)
class Link:
    """A hyperlink; ``href`` is always an ``http``, ``https`` or ``mailto`` URL."""

    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class LineBreak:
    """A forced line break inside a paragraph."""


Inline = Union[Text, Strong, Emph, Code, Link, LineBreak]


@dataclass(frozen=True)
class Heading:
    """A heading. ``level`` 1 is the document title, 2 a section, 3 a sub-section, up to 4."""

    level: int
    children: tuple[Inline, ...]
    line: int | None = None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inlines."""

    children: tuple[Inline, ...]
    line: int | None = None


@dataclass(frozen=True)
class BulletList:
    """An unordered list; each item is a tuple of blocks."""

    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True)
class OrderedList:
    """A numbered list starting at ``start``; each item is a tuple of blocks."""

    items: tuple[tuple[Block, ...], ...]
    start: int = 1


@dataclass(frozen=True)
class Table:
    """A table with one header row. ``aligns`` holds "left", "center" or "right" per column."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    aligns: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    """A quotation; ``attribution`` ("— name, role") is shown under it when present."""

    blocks: tuple[Block, ...]
    attribution: tuple[Inline, ...] | None = None


@dataclass(frozen=True)
class DefinitionList:
    """Label/value pairs, such as the To / From / Date / Subject block of a note."""

    items: tuple[tuple[tuple[Inline, ...], tuple[Block, ...]], ...]


Block = Union[Heading, Paragraph, BulletList, OrderedList, Table, Quote, DefinitionList]


@dataclass(frozen=True)
class Meta:
    """Document metadata, from the template's front matter.

    ``classification`` is the marking printed at the top and foot of every page; ``header`` and
    ``footer`` are extra running texts (the footer's left side, the header's right side).
    ``date`` is the note's date, also used as the files' creation date so builds are repeatable.
    """

    title: str
    classification: str = ""
    subject: str = ""
    author: str = ""
    keywords: tuple[str, ...] = ()
    lang: str = "en"
    date: dt.date | None = None
    header: str = ""
    footer: str = ""
    creator: str = ""


@dataclass(frozen=True)
class Document:
    """A whole note: metadata and a sequence of blocks."""

    meta: Meta
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """Return the text of ``inlines`` without formatting (a line break becomes a space)."""
    out = []
    for node in inlines:
        match node:
            case Text(text) | Code(text):
                out.append(text)
            case Strong(children) | Emph(children) | Link(_, children):
                out.append(plain_text(children))
            case LineBreak():
                out.append(" ")
            case _:
                raise TypeError(f"unknown inline node {node!r}")
    return "".join(out)


def outline(document: Document) -> list[tuple[int, str]]:
    """Return the headings of ``document`` as (level, text), in order, nested lists included."""
    result: list[tuple[int, str]] = []

    def walk(blocks: tuple[Block, ...]) -> None:
        for block in blocks:
            match block:
                case Heading(level, children):
                    result.append((level, plain_text(children)))
                case Quote(inner, _):
                    walk(inner)
                case BulletList(items) | OrderedList(items):
                    for item in items:
                        walk(item)

    walk(document.blocks)
    return result
