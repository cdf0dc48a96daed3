"""The document model: what a briefing note is made of, independent of any output format.

``markup.parse`` builds a ``Document`` from the Markdown a template produced; each renderer walks
the same ``Document``, so the PDF and the DOCX always carry the same text. The model is closed:
renderers ``match`` on these classes and raise ``TypeError`` on anything else, so a new node type
cannot be silently dropped by one format.

Inlines: ``Text``, ``Strong``, ``Emph``, ``Code``, ``Link``, ``LineBreak``, ``Superscript``.
Blocks: ``Heading``, ``Paragraph``, ``BulletList``, ``OrderedList``, ``Table``, ``Quote``,
``DefinitionList``, ``Chart``.
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
    "Superscript",
    "Inline",
    "Heading",
    "Paragraph",
    "BulletList",
    "OrderedList",
    "Table",
    "Quote",
    "DefinitionList",
    "Chart",
    "Block",
    "Meta",
    "Document",
    "STAMP_MAX_LINES",
    "plain_text",
    "outline",
    "map_text",
    "characters",
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


@dataclass(frozen=True)
class Superscript:
    """Raised small text, such as a reference to a source note ("3" or "2,5")."""

    text: str


Inline = Union[Text, Strong, Emph, Code, Link, LineBreak, Superscript]


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


@dataclass(frozen=True)
class Chart:
    """A bar chart of comparable figures: one unit, one rate.

    ``unit`` names it (``USD``, ``USD per year``, ``LNG cargo per month``). ``bars`` holds
    (label, value, kind, caption, low): ``value`` is the bar's length in ``unit`` (a range's high
    end); ``kind`` is "actual", "target" or "estimate" and decides the bar's shading;
    ``caption`` is the value as the note's text states it ("more than USD 3 billion (target)"),
    printed at the bar's end; ``low`` is a range's low end (drawn as a mark on the bar), else
    None. Both renderers draw it from this same data: the
    PDF as vector graphics, the DOCX as a high-resolution image.
    """

    title: str
    unit: str
    bars: tuple[tuple[str, float, str, str, float | None], ...]


Block = Union[Heading, Paragraph, BulletList, OrderedList, Table, Quote, DefinitionList, Chart]


@dataclass(frozen=True)
class Meta:
    """Document metadata, from the template's front matter.

    ``classification`` is the marking printed at the top and foot of every page; ``header`` and
    ``footer`` are extra running texts (the footer's left side, the header's right side).
    ``date`` is the note's date, also used as the files' creation date so builds are repeatable.
    ``density`` is "normal" or "compact" (type about 10% smaller, tighter spacing).
    ``stamp`` is a copy's own line ("Copy 3 of 12 — prepared for ..."), printed above the foot
    of every page and never cut: it wraps, onto at most ``STAMP_MAX_LINES`` lines; the PDF keeps
    room for ``stamp_lines`` lines (or as many as the stamp needs, if more) so that every copy
    of a distribution breaks its pages in the same places. ``watermark`` is drawn light and
    diagonally across every PDF page and in the DOCX header.
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
    density: str = "normal"
    stamp: str = ""
    stamp_lines: int = 0
    watermark: str = ""
    max_pages: int | None = None
    """The template's page budget: a note laid out on more pages is refused (both formats)."""


STAMP_MAX_LINES = 3
"""Most lines a copy stamp may take at the foot of a page; a longer stamp is an error."""


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
            case Text(text) | Code(text) | Superscript(text):
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


def _map_inlines(nodes: tuple[Inline, ...], fn) -> tuple[Inline, ...]:
    out = []
    for node in nodes:
        match node:
            case Text(text):
                out.append(Text(fn(text)))
            case Code(text):
                out.append(Code(fn(text)))
            case Superscript(text):
                out.append(Superscript(fn(text)))
            case Strong(children):
                out.append(Strong(_map_inlines(children, fn)))
            case Emph(children):
                out.append(Emph(_map_inlines(children, fn)))
            case Link(href, children):
                out.append(Link(href, _map_inlines(children, fn)))
            case LineBreak():
                out.append(node)
            case _:
                raise TypeError(f"unknown inline node {node!r}")
    return tuple(out)


def _map_blocks(blocks: tuple[Block, ...], fn) -> tuple[Block, ...]:
    out: list[Block] = []
    for block in blocks:
        match block:
            case Heading(level, children, line):
                out.append(Heading(level, _map_inlines(children, fn), line))
            case Paragraph(children, line):
                out.append(Paragraph(_map_inlines(children, fn), line))
            case BulletList(items):
                out.append(BulletList(tuple(_map_blocks(i, fn) for i in items)))
            case OrderedList(items, start):
                out.append(OrderedList(tuple(_map_blocks(i, fn) for i in items), start))
            case Table(header, rows, aligns):
                out.append(Table(tuple(_map_inlines(c, fn) for c in header),
                                 tuple(tuple(_map_inlines(c, fn) for c in r) for r in rows), aligns))
            case Quote(inner, attribution):
                out.append(Quote(_map_blocks(inner, fn), attribution and _map_inlines(attribution, fn)))
            case DefinitionList(items):
                out.append(DefinitionList(tuple((_map_inlines(t, fn), _map_blocks(v, fn)) for t, v in items)))
            case Chart(title, unit, bars):
                out.append(Chart(fn(title), unit, tuple((fn(label), value, kind, fn(caption), low)
                                                        for label, value, kind, caption, low in bars)))
            case _:
                raise TypeError(f"unknown block {block!r}")
    return tuple(out)


def map_text(document: Document, fn) -> Document:
    """Return ``document`` with ``fn(str) -> str`` applied to every piece of visible text
    (blocks and the metadata printed on pages: title, classification, header, footer, stamp,
    watermark)."""
    from dataclasses import replace

    meta = replace(
        document.meta,
        title=fn(document.meta.title),
        classification=fn(document.meta.classification),
        header=fn(document.meta.header),
        footer=fn(document.meta.footer),
        stamp=fn(document.meta.stamp),
        watermark=fn(document.meta.watermark),
    )
    return Document(meta=meta, blocks=_map_blocks(document.blocks, fn))


def characters(document: Document) -> set[str]:
    """Return the set of characters the renderers will have to draw for ``document``."""
    seen: set[str] = set()

    def collect(text: str) -> str:
        seen.update(text)
        return text

    map_text(document, collect)
    return seen
