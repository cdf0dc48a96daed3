"""``Document`` + ``Theme`` -> PDF bytes, with reportlab's platypus.

Every font is a TrueType file embedded in the PDF (subset). Each page carries the classification
marking at its top and foot, the footer text and "Page X of Y"; headings become the PDF outline
(bookmarks), nested by level; title, author, subject, keywords, creator and language go into the
document information. Headings are kept with the block that follows them, paragraphs have no
widows or orphans, and tables repeat their header row when they split across pages.
The output is byte-for-byte repeatable for the same input (reportlab's ``invariant`` mode).
"""

from __future__ import annotations

import functools
import io
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

from briefgen import __version__
from briefgen.model import (
    Superscript,
    Block,
    BulletList,
    Chart,
    Code,
    DefinitionList,
    Document,
    Emph,
    Heading,
    Inline,
    LineBreak,
    Link,
    OrderedList,
    Paragraph,
    Quote,
    Strong,
    Table,
    Text,
    plain_text,
)
from briefgen.render.layout import fit_text, share_widths
from briefgen.theme import Theme

__all__ = ["render_pdf"]

MM = 72 / 25.4  # points per millimetre
SHORT_LIST = 6
"""Lists of at most this many items are kept on one page when they fit in ``KEEP_WHOLE`` of it."""
KEEP_WHOLE = 0.25
"""Largest share of a page moved whole to keep a short list (with its heading) together: more
would leave too much white space behind."""


def render_pdf(document: Document, theme: Theme) -> bytes:
    """Return the PDF of ``document`` laid out in ``theme``'s style, as bytes.

    Raises ThemeError if a font file cannot be loaded, TypeError on a block type it does not know.
    """
    from briefgen.theme import for_density

    theme = for_density(theme, document.meta.density)
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    from briefgen.fonts import plan_fonts
    from briefgen.model import characters

    fonts = _register_fonts(theme)
    plan = plan_fonts(characters(document), theme)
    fallback_names = _register_fallbacks(plan)
    styles = _styles(theme, fonts)
    width_mm, height_mm = theme.page_size_mm
    top, right, bottom, left = (m * MM for m in theme.margins_mm)
    page_w, page_h = width_mm * MM, height_mm * MM
    meta = document.meta

    buffer = io.BytesIO()

    class _Doc(BaseDocTemplate):
        def afterFlowable(self, flowable):  # noqa: N802 (reportlab's name)
            entry = getattr(flowable, "_briefgen_outline", None)
            if entry:
                level, text, key = entry
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(text, key, level=level, closed=False)

    doc = _Doc(
        buffer,
        pagesize=(page_w, page_h),
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=", ".join(meta.keywords),
        creator=meta.creator or f"briefgen {__version__}",
        lang=meta.lang,
        initialFontName=fonts["body"],
        initialFontSize=theme.base_size_pt,
        displayDocTitle=1,
        invariant=1,
    )
    stamp = stamp_layout(document, theme, fonts, plan, fallback_names)
    stamp_room = stamp_height(theme, max(len(stamp), meta.stamp_lines))
    frame = Frame(left, bottom + stamp_room, page_w - left - right, page_h - top - bottom - stamp_room,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    builder = _Flowables(theme, fonts, styles, frame.width, plan, fallback_names, frame.height)
    story = builder.logo() + builder.blocks(document.blocks)
    from reportlab.platypus.doctemplate import LayoutError

    from briefgen.errors import RenderError

    try:
        doc.build(story, canvasmaker=_canvas_class(document, theme, fonts, plan, fallback_names, stamp))
    except LayoutError as e:
        kind = str(e).split("<", 1)[-1].split(" ", 1)[0] if "<" in str(e) else "block"
        raise RenderError(
            f"a block of the note ({kind}) is too large to lay out on a page",
            hint="shorten the very long text in it (a name, label, table cell or quotation), or "
            "use a larger page or smaller type in the theme",
        ) from None
    return buffer.getvalue()


def stamp_layout(document: Document, theme: Theme, fonts: dict[str, str] | None = None, plan=None,
                 fallback_names: dict | None = None) -> list[str]:
    """Return the lines ``document.meta.stamp`` takes at the foot of each PDF page (none
    without a stamp), wrapped to the text width; ``theme`` is the density-adjusted theme when
    called from ``render_pdf``. Call with the document alone to learn how many lines a stamp
    needs (``distribute`` keeps room for the longest stamp on every copy).

    Raises RenderError if the stamp needs more than ``STAMP_MAX_LINES`` lines, ThemeError if a
    font cannot be loaded.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from briefgen.errors import RenderError
    from briefgen.fonts import plan_fonts, segments
    from briefgen.model import STAMP_MAX_LINES
    from briefgen.render.layout import wrap_text

    text = document.meta.stamp
    if not text.strip():
        return []
    if fonts is None:
        from briefgen.theme import for_density

        theme = for_density(theme, document.meta.density)
        fonts = _register_fonts(theme)
        plan = plan_fonts(set(text), theme)
        fallback_names = _register_fallbacks(plan)
    size = theme.base_size_pt * STAMP_SCALE
    width_mm, _ = theme.page_size_mm
    _, right, _, left = theme.margins_mm
    room = (width_mm - left - right) * MM

    def width_of(t: str) -> float:
        return sum(stringWidth(run, fallback_names[f] if f else fonts["heading"], size)
                   for run, f in segments(t, plan, "heading"))

    lines = wrap_text(text, width_of, room)
    if len(lines) > STAMP_MAX_LINES:
        raise RenderError(
            f"the copy stamp needs {len(lines)} lines at the foot of the page; at most "
            f"{STAMP_MAX_LINES} fit: {text[:80]!r}",
            hint="shorten the name or role, or the stamp template (copy-stamp.txt.j2)",
        )
    return lines


STAMP_SCALE = 0.78
"""Size of the stamp's type, as a share of the body size (the footer's size)."""


def stamp_height(theme: Theme, lines: int) -> float:
    """Return the height (points) kept above the page's foot for ``lines`` stamp lines."""
    if not lines:
        return 0.0
    return lines * theme.base_size_pt * STAMP_SCALE * 1.35 + 2.5 * MM


def _patch_to_unicode() -> None:
    """Make reportlab's ToUnicode maps correct for characters beyond U+FFFF.

    reportlab writes each code point as ``<%04X>``, which for U+1D11E gives the odd-length
    ``<1D11E>``: the glyph is drawn but the character cannot be copied, searched or read aloud.
    The PDF format wants UTF-16BE there (``<D834DD1E>``), which is what this writes.
    """
    from reportlab.pdfbase import ttfonts

    if getattr(ttfonts.makeToUnicodeCMap, "_briefgen", False):
        return
    original = ttfonts.makeToUnicodeCMap

    def make_to_unicode_cmap(fontname, subset):
        text = original(fontname, [v if v <= 0xFFFF else 0xFFFD for v in subset])
        for i, v in enumerate(subset):
            if v > 0xFFFF:
                text = text.replace("<%02X> <FFFD>" % i, "<%02X> <%s>" % (i, chr(v).encode("utf-16-be").hex().upper()), 1)
        return text

    make_to_unicode_cmap._briefgen = True
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


def _register_fonts(theme: Theme) -> dict[str, str]:
    """Register the theme's font families; return role -> reportlab family name."""
    _patch_to_unicode()
    from reportlab.lib.fonts import addMapping

    from briefgen.errors import ThemeError

    roles: dict[str, str] = {}
    for role, family in (("body", theme.body_font), ("heading", theme.heading_font), ("mono", theme.mono_font)):
        if family is None:
            raise ThemeError(f"the theme names no {role} font")
        names = {style: _register_file(path, f"the {role} font ({style})") for style, path in family.files().items()}
        for bold, italic, style in ((0, 0, "regular"), (1, 0, "bold"), (0, 1, "italic"), (1, 1, "bold_italic")):
            addMapping(names["regular"], bold, italic, names[style])
        roles[role] = names["regular"]
        roles[role + "_bold"] = names["bold"]
        roles[role + "_italic"] = names["italic"]
    return roles


def _register_file(path, what: str) -> str:
    """Register the TrueType file at ``path`` with reportlab once; return its font name.

    The name comes from the file's path, so two themes whose families share a name but not
    their files never get each other's glyphs. Raises ThemeError if the file cannot be loaded.
    """
    from briefgen.errors import ThemeError
    from briefgen.fonts import face

    try:  # parsed once per process, shared with the glyph check (fonts.face)
        return face(path).fontName
    except (OSError, ValueError) as e:
        raise ThemeError(f"cannot load {what}: {e}", path=str(path)) from None


def _register_fallbacks(plan) -> dict:
    """Register each fallback font file the plan uses; return file -> reportlab font name."""
    return {path: _register_file(path, "a fallback font") for path in sorted(set(plan.fallback.values()))}


def _styles(theme: Theme, fonts: dict[str, str]) -> dict:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    size = theme.base_size_pt
    lead = size * theme.line_spacing
    text = HexColor(theme.text_colour)
    heading = HexColor(theme.heading_colour)
    muted = HexColor(theme.muted_colour)
    body = ParagraphStyle(
        "Body", fontName=fonts["body"], fontSize=size, leading=lead, textColor=text,
        spaceAfter=size * 0.6, allowWidows=0, allowOrphans=0, alignment=TA_LEFT,
        splitLongWords=1, hyphenationLang="", bulletFontName=fonts["body"],
    )

    def head(name, scale, before, after, font="heading_bold", colour=heading):
        return ParagraphStyle(
            name, parent=body, fontName=fonts[font], fontSize=size * scale,
            leading=size * scale * 1.2, textColor=colour, spaceBefore=before, spaceAfter=after,
        )

    return {
        "body": body,
        "h1": head("Title", 2.0, 0, size * 0.9),
        "h2": head("Heading1", 1.35, size * 1.3, size * 0.5),
        "h3": head("Heading2", 1.12, size * 1.0, size * 0.35),
        "h4": head("Heading3", 1.0, size * 0.8, size * 0.3),
        "item": ParagraphStyle("Item", parent=body, spaceAfter=size * 0.3),
        "cell": ParagraphStyle("Cell", parent=body, fontSize=size * 0.92, leading=size * 0.92 * 1.3, spaceAfter=0),
        "cell_right": ParagraphStyle("CellRight", parent=body, fontSize=size * 0.92, leading=size * 0.92 * 1.3, spaceAfter=0, alignment=TA_RIGHT),
        "head_cell": ParagraphStyle("HeadCell", parent=body, fontName=fonts["heading_bold"], fontSize=size * 0.88, leading=size * 0.88 * 1.3, textColor=heading, spaceAfter=0),
        "head_cell_right": ParagraphStyle("HeadCellRight", parent=body, fontName=fonts["heading_bold"], fontSize=size * 0.88, leading=size * 0.88 * 1.3, textColor=heading, spaceAfter=0, alignment=TA_RIGHT),
        "term": ParagraphStyle("Term", parent=body, fontName=fonts["heading_bold"], fontSize=size * 0.9, textColor=muted, spaceAfter=0),
        "definition": ParagraphStyle("Definition", parent=body, spaceAfter=0),
        "quote": ParagraphStyle("Quote", parent=body, fontName=fonts["body_italic"], spaceAfter=size * 0.3),
        "attribution": ParagraphStyle("Attribution", parent=body, fontName=fonts["heading"], fontSize=size * 0.88, textColor=muted, spaceAfter=0),
    }


class _Flowables:
    """Turns model blocks into platypus flowables."""

    def __init__(self, theme: Theme, fonts: dict[str, str], styles: dict, width: float, plan,
                 fallback_names: dict, frame_height: float) -> None:
        self.plan = plan
        self.fallback_names = fallback_names
        self.theme = theme
        self.fonts = fonts
        self.styles = styles
        self.width = width
        self.frame_height = frame_height
        self.outline_level = -1
        self.count = 0

    def blocks(self, blocks: tuple[Block, ...], width: float | None = None, depth: int = 0) -> list:
        """Return the flowables of ``blocks``, with page-break hints where content belongs together.

        Before a heading, a conditional page break asks for room for the heading, the paragraph
        after it and the first item of a list that follows, so no heading or one-line summary is
        left alone at the foot of a page; a short list asks for room for all its items. The room
        asked for is capped at 45% of the page, so very long content simply flows. (Conditional
        breaks instead of reportlab's keepWithNext: KeepTogether never finishes when what it holds
        is taller than a page.)
        """
        from reportlab.platypus import CondPageBreak

        width = width or self.width
        parts = [(block, self.block(block, width, depth)) for block in blocks]
        out: list = []
        for i, (block, flowables) in enumerate(parts):
            if isinstance(block, Heading) or _is_lead_in(block, parts, i):
                out.append(CondPageBreak(self._room(self._chain(parts, i, width), width)))
            elif (isinstance(block, (BulletList, OrderedList)) and len(block.items) <= SHORT_LIST
                  and not _in_heading_chain(parts, i)):
                room = self._room(flowables, width, cap=False)
                if room <= self.frame_height * KEEP_WHOLE:
                    out.append(CondPageBreak(room))
            if (isinstance(block, (BulletList, OrderedList)) and len(block.items) >= 3
                    and len(flowables) == len(block.items)):
                # Never one item alone at the top of a page: the last two go together.
                tail = self._room(flowables[-2:], width, cap=False)
                if tail <= self.frame_height * KEEP_WHOLE:
                    flowables = [*flowables[:-2], CondPageBreak(tail), *flowables[-2:]]
            out.extend(flowables)
        return out

    def _chain(self, parts: list, i: int, width: float) -> list:
        """Return the flowables that must start on the same page as block ``i``, a heading or a
        lead-in line: itself; then a heading's own chain when headings follow one another; else
        the paragraph after a heading; then the first item of what follows (a short list whole)."""
        block, flowables = parts[i]
        chain = list(flowables)
        following = parts[i + 1:]
        if not following:
            return chain
        if isinstance(block, Heading) and isinstance(following[0][0], Heading):
            return chain + self._chain(parts, i + 1, width)
        if isinstance(block, Heading) and isinstance(following[0][0], Paragraph) and not _is_lead_in(
            following[0][0], parts, i + 1
        ):
            chain += following[0][1]
            following = following[1:]
        elif isinstance(block, Heading) and _is_lead_in(following[0][0], parts, i + 1):
            return chain + self._chain(parts, i + 1, width)
        if following and following[0][1]:
            whole = following[0][1]
            short = isinstance(following[0][0], (BulletList, OrderedList)) and (
                len(following[0][0].items) <= SHORT_LIST
                and self._room(chain + whole, width, cap=False) <= self.frame_height * KEEP_WHOLE
            )
            chain += whole if short else whole[:1]
        return chain

    def _room(self, flowables: list, width: float, cap: bool = True) -> float:
        """Return the height (points) ``flowables`` take at ``width``, capped at 45% of a page."""
        total = 0.0
        for f in flowables:
            _, height = f.wrap(width, self.frame_height)
            total += height + (f.getSpaceBefore() or 0) + (f.getSpaceAfter() or 0)
        return min(total, self.frame_height * 0.45) if cap else total

    def block(self, block: Block, width: float, depth: int = 0) -> list:
        from reportlab.platypus import Paragraph as P

        match block:
            case Heading(level, children):
                para = P(self.inline(children, "heading"), self.styles[f"h{min(level, 4)}"])
                if level >= 2:
                    # Outline levels may not skip: an h3 without an h2 above becomes top level.
                    outline_depth = min(level - 2, self.outline_level + 1)
                    self.outline_level = outline_depth
                    self.count += 1
                    para._briefgen_outline = (outline_depth, plain_text(children), f"h{self.count}")
                return [para]
            case Paragraph(children):
                return [P(self.inline(children), self.styles["body"])]
            case BulletList(items):
                return self.list(items, width, depth, ordered=False)
            case OrderedList(items, start):
                return self.list(items, width, depth, ordered=True, start=start)
            case Table():
                return [self.table(block, width)]
            case Quote(inner, attribution):
                return [self.quote(inner, attribution, width)]
            case DefinitionList(items):
                return [self.definitions(items, width)]
            case Chart():
                from reportlab.platypus import Spacer

                return [self.chart(block, width), Spacer(1, self.theme.base_size_pt)]
            case _:
                raise TypeError(f"the PDF renderer does not know the block {block!r}")

    def list(self, items, width: float, depth: int, *, ordered: bool, start: int = 1) -> list:
        """Return list items as bulleted paragraphs (plain paragraphs, unlike ListFlowable, can
        be kept with a heading and obey widow and orphan control)."""
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph as P

        step = self.theme.base_size_pt * 1.5
        base = self.styles["item"]
        first_style = ParagraphStyle(
            f"Item{depth}", parent=base, leftIndent=step * (depth + 1), bulletIndent=step * depth + 2,
            bulletFontName=self.fonts["body"], bulletColor=self.theme.accent_colour,
        )
        more_style = ParagraphStyle(f"ItemMore{depth}", parent=first_style)
        out: list = []
        for number, item in enumerate(items, start):
            bullet = f"{number}." if ordered else "•"
            first = True
            for b in item:
                if isinstance(b, Paragraph):
                    style = first_style if first else more_style
                    out.append(P(self.inline(b.children), style, bulletText=bullet if first else None))
                elif isinstance(b, (BulletList, OrderedList)):
                    out.extend(self.block(b, width, depth + 1))
                else:
                    out.extend(self.block(b, width - step * (depth + 1), depth))
                first = False
        if out:
            out[-1].spaceAfter = max(getattr(out[-1], "spaceAfter", 0) or 0, base.spaceAfter) + (
                self.theme.base_size_pt * 0.4 if depth == 0 else 0
            )
        return out

    def table(self, table: Table, width: float):
        from reportlab.lib.colors import HexColor
        from reportlab.platypus import Paragraph as P
        from reportlab.platypus import Table as T
        from reportlab.platypus import TableStyle

        ncols = max(len(table.header), *(len(r) for r in table.rows)) if table.rows else len(table.header)
        aligns = list(table.aligns) + ["left"] * (ncols - len(table.aligns))

        def cell(inlines, header: bool, col: int):
            right = aligns[col] == "right"
            style = ("head_cell" if header else "cell") + ("_right" if right else "")
            return P(self.inline(inlines, "heading" if header else "body"), self.styles[style])

        rows = [[cell(c, True, i) for i, c in enumerate(table.header)]]
        for r in table.rows:
            cells = list(r) + [()] * (ncols - len(r))
            rows.append([cell(c, False, i) for i, c in enumerate(cells)])
        widths = _column_widths(rows, width)
        t = T(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
        t.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), HexColor(self.theme.table_header_fill)),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(self.theme.heading_colour)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, HexColor(self.theme.rule_colour)),
            ("FONT", (0, 0), (-1, -1), self.fonts["body"], self.theme.base_size_pt),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ]))
        t.spaceAfter = self.theme.base_size_pt * 0.8
        return t

    def quote(self, inner, attribution, width: float):
        from reportlab.lib.colors import HexColor
        from reportlab.platypus import Paragraph as P
        from reportlab.platypus import Table as T
        from reportlab.platypus import TableStyle

        pad = 12
        content = []
        for b in inner:
            if isinstance(b, Paragraph):
                content.append(P(self.inline(b.children), self.styles["quote"]))
            else:
                content.extend(self.block(b, width - pad * 2))
        if attribution:
            content.append(P("— " + self.inline(attribution, "heading"), self.styles["attribution"]))
        t = T([[content]], colWidths=[width - pad], hAlign="RIGHT", splitInRow=1)
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), self.fonts["body"], self.theme.base_size_pt),
            ("LINEBEFORE", (0, 0), (0, -1), 2.2, HexColor(self.theme.accent_colour)),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        t.spaceAfter = self.theme.base_size_pt * 0.9
        t.spaceBefore = self.theme.base_size_pt * 0.2
        return t

    def definitions(self, items, width: float):
        from reportlab.lib.colors import HexColor
        from reportlab.platypus import Paragraph as P
        from reportlab.platypus import Table as T
        from reportlab.platypus import TableStyle

        term_w = 24 * MM
        rows = []
        for term, blocks in items:
            value = []
            for b in blocks:
                if isinstance(b, Paragraph):
                    value.append(P(self.inline(b.children), self.styles["definition"]))
                else:
                    value.extend(self.block(b, width - term_w))
            rows.append([P(self.inline(term, "heading"), self.styles["term"]), value])
        t = T(rows, colWidths=[term_w, width - term_w], hAlign="LEFT", splitInRow=1)
        t.setStyle(TableStyle([
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, HexColor(self.theme.heading_colour)),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, HexColor(self.theme.heading_colour)),
            ("FONT", (0, 0), (-1, -1), self.fonts["body"], self.theme.base_size_pt),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, 0), 7),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
        ]))
        t.spaceAfter = self.theme.base_size_pt * 1.2
        return t

    def inline(self, nodes: tuple[Inline, ...], role: str = "body") -> str:
        """Return reportlab paragraph markup for ``nodes``; all text is XML-escaped, and
        characters the role's family lacks are wrapped in their fallback font."""
        out = []
        for node in nodes:
            match node:
                case Text(text):
                    out.append(self.text(text, role))
                case Strong(children):
                    out.append(f"<b>{self.inline(children, role)}</b>")
                case Emph(children):
                    out.append(f"<i>{self.inline(children, role)}</i>")
                case Code(text):
                    out.append(f'<font face="{self.fonts["mono"]}">{self.text(text, "mono")}</font>')
                case Link(href, children):
                    out.append(
                        f"<a href={quoteattr(href)} color={quoteattr(self.theme.accent_colour)}>"
                        f"<u>{self.inline(children, role)}</u></a>"
                    )
                case LineBreak():
                    out.append("<br/>")
                case Superscript(text):
                    out.append(f"<super>{self.text(text, role)}</super>")
                case _:
                    raise TypeError(f"the PDF renderer does not know the inline {node!r}")
        return "".join(out)

    def text(self, text: str, role: str) -> str:
        from briefgen.fonts import segments

        out = []
        for run, font in segments(text, self.plan, role):
            if font is None:
                out.append(escape(run))
            else:
                out.append(f'<font face="{self.fallback_names[font]}">{escape(run)}</font>')
        return "".join(out)

    def chart(self, chart: Chart, width: float):
        """Return the chart as vector graphics: one horizontal bar per figure, its label on the
        left and the value as the text states it at the bar's end, both wrapped; targets
        lighter; a range's low end marked on its bar. The marks come from ``chart.chart_marks``,
        which the DOCX image is drawn from too. Characters the fonts lack are drawn from the
        fallback fonts, as in the text."""
        from reportlab.graphics.shapes import Drawing, Line as PdfLine, Rect as PdfRect, String
        from reportlab.lib.colors import HexColor

        from briefgen.fonts import face
        from briefgen.render.chart import Label, Line, Rect, chart_marks, _width

        marks = chart_marks(chart, self.theme, width, self.plan)
        d = Drawing(width, marks.height, initialFontName=self.fonts["body"],
                    initialFontSize=self.theme.base_size_pt)
        for mark in marks.marks:
            if isinstance(mark, Rect):
                d.add(PdfRect(mark.x, mark.y, mark.w, mark.h, fillColor=HexColor(mark.fill),
                              strokeColor=HexColor(mark.stroke), strokeWidth=mark.stroke_width))
            elif isinstance(mark, Line):
                d.add(PdfLine(mark.x1, mark.y1, mark.x2, mark.y2, strokeColor=HexColor(mark.colour),
                              strokeWidth=mark.width))
            elif isinstance(mark, Label):
                x = mark.x
                for text, path in mark.runs:
                    d.add(String(x, mark.y, text, fontName=face(path).fontName, fontSize=mark.size,
                                 fillColor=HexColor(mark.colour)))
                    x += _width(((text, path),), mark.size)
        d.hAlign = "LEFT"
        return d

    def logo(self) -> list:
        """Return the theme's logo as the first flowable, or nothing."""
        if self.theme.logo is None:
            return []
        from reportlab.lib.utils import ImageReader
        from reportlab.platypus import Image

        from briefgen.errors import ThemeError

        from briefgen.theme import logo_size_mm

        try:
            ImageReader(str(self.theme.logo)).getSize()
        except Exception:  # the theme loader checked it; it changed since
            raise ThemeError("cannot read the logo image", path=str(self.theme.logo)) from None
        width_mm, height_mm = logo_size_mm(self.theme)
        image = Image(str(self.theme.logo), width=width_mm * MM, height=height_mm * MM, hAlign="LEFT")
        image.spaceAfter = self.theme.base_size_pt
        return [image]


def _is_lead_in(block, parts: list, i: int) -> bool:
    """Return True if ``block`` (at ``i``) is a short paragraph ending with a colon that
    introduces the list after it ("People named in the source:")."""
    return (
        isinstance(block, Paragraph)
        and i + 1 < len(parts)
        and isinstance(parts[i + 1][0], (BulletList, OrderedList))
        and plain_text(block.children).rstrip().endswith(":")
        and len(plain_text(block.children)) < 200
    )


def _in_heading_chain(parts: list, i: int) -> bool:
    """Return True if block ``i`` directly follows a heading, or a heading and one paragraph
    (its room was then asked for before the heading)."""
    before = [block for block, _ in parts[max(0, i - 2): i]]
    return bool(before) and (
        isinstance(before[-1], Heading)
        or (len(before) == 2 and isinstance(before[0], Heading) and isinstance(before[1], Paragraph))
        or _is_lead_in(before[-1], parts, i - 1)
    )


CHART_MAX_LINES = 4
"""Most lines of a chart label or value caption; longer text is cut with an ellipsis."""


def wrap_lines(text: str, width_of: Callable[[str], float], room: float, max_lines: int) -> list[str]:
    """Return ``text`` wrapped at spaces into lines ``width_of`` at most ``room`` points, at most
    ``max_lines`` of them (the last cut with an ellipsis if text remains). A word wider than
    ``room`` is cut with an ellipsis."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for i, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if width_of(candidate) <= room or not current:
            current = candidate
            continue
        lines.append(fit_text(current, width_of, room))
        current = word
        if len(lines) == max_lines - 1:
            return [*lines, fit_text(" ".join(words[i:]), width_of, room)]
    if current or not lines:
        lines.append(fit_text(current, width_of, room))
    return lines


def chart_geometry(chart: Chart, width: float, size: float,
                   width_of: Callable[[str, str], float] | None = None) -> dict:
    """Return the layout of a bar chart ``width`` points wide with text of ``size`` points.

    ``width_of(text, role)`` measures text in points for role "title" (bold, 1.05 × size),
    "label" or "caption"; without it, 0.6 × size per character. Titles, labels and captions wrap
    (at most ``CHART_MAX_LINES`` lines for labels and captions) instead of running off the page.
    Keys: ``height`` (points), ``title`` (lines), ``label_w``, ``plot_w`` and ``caption_w``
    (column widths), ``top`` and ``bottom`` of the bars, and ``bars``: (y, bar height, bar
    width, label lines, caption lines, low end's x offset or None) per bar, bottom-up
    coordinates. Shared by the PDF drawing and the DOCX image so they match.
    """
    measure = width_of or (lambda text, role: len(text) * size * (0.63 if role == "title" else 0.6))
    line_h = size * 1.2
    label_w = width * 0.32
    caption_w = width * 0.26
    plot_w = width - label_w - caption_w - 5
    title = wrap_lines(chart.title, lambda t: measure(t, "title"), width, 3) if chart.title else []
    title_h = size * 1.2 + len(title) * size * 1.3 if title else size * 0.8
    rows = []
    for label, _, _, caption, _ in chart.bars:
        label_lines = wrap_lines(label, lambda t: measure(t, "label"), label_w - 8, CHART_MAX_LINES)
        caption_lines = wrap_lines(caption, lambda t: measure(t, "caption"), caption_w - 2, CHART_MAX_LINES)
        rows.append((label_lines, caption_lines))
    gap = size * 1.1
    heights = [max(size * 1.9, line_h * max(len(a), len(b)) + size * 0.5) for a, b in rows]
    height = title_h + sum(h + gap for h in heights) + gap / 2
    top = height - title_h
    largest = max((v for _, v, _, _, _ in chart.bars), default=0) or 1
    bars = []
    y = top + gap / 2
    for (label_lines, caption_lines), row_h, (_, value, _, _, low) in zip(rows, heights, chart.bars):
        y -= row_h + gap
        bar_h = size * 1.9
        bar_y = y + (row_h - bar_h) / 2
        bars.append((bar_y, bar_h, plot_w * value / largest, label_lines, caption_lines,
                     None if low is None else plot_w * low / largest))
    return {"height": height, "title": title, "label_w": label_w, "plot_w": plot_w, "caption_w": caption_w,
            "top": top, "bottom": top - sum(h + gap for h in heights), "bars": bars}


def _column_widths(rows: list[list], width: float) -> list[float]:
    """Return column widths (points) summing to ``width`` for a table of Paragraph cells.

    Measures each cell with the fonts' metrics; ``layout.share_widths`` decides.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad = 10.0
    ncols = len(rows[0])
    minimum = [0.0] * ncols
    natural = [0.0] * ncols
    for row in rows:
        for i, para in enumerate(row):
            style = para.style
            text = para.getPlainText()
            words = text.split() or [""]
            bold = style.fontName
            minimum[i] = max(minimum[i], max(stringWidth(w, bold, style.fontSize) for w in words) + pad)
            natural[i] = max(natural[i], stringWidth(text, bold, style.fontSize) + pad)
    return share_widths(minimum, natural, width)


def render_pdf_overlay(document: Document, theme: Theme) -> bytes:
    """Return a one-page PDF, of ``theme``'s page size, holding only ``document``'s copy stamp
    and watermark, placed exactly where ``render_pdf`` draws them (``meta.stamp_lines`` must be
    the room the base was rendered with). ``stamp_pdf`` lays it over every page of a copy
    rendered once without them: a distribution lays the note out once, not once per copy.

    Raises RenderError as ``stamp_layout`` does, ThemeError if a font cannot be loaded.
    """
    from briefgen.fonts import plan_fonts
    from briefgen.theme import for_density

    theme = for_density(theme, document.meta.density)
    fonts = _register_fonts(theme)
    # Only the stamp and watermark are drawn: their characters are all the fonts must cover.
    plan = plan_fonts(set(document.meta.stamp + document.meta.watermark), theme)
    fallback_names = _register_fallbacks(plan)
    stamp = stamp_layout(document, theme, fonts, plan, fallback_names)
    width_mm, height_mm = theme.page_size_mm
    buffer = io.BytesIO()
    canvas = _canvas_class(document, theme, fonts, plan, fallback_names, stamp, overlay=True)(
        buffer, pagesize=(width_mm * MM, height_mm * MM), invariant=1,
        # not reportlab's default Helvetica, which would be referenced without being embedded
        initialFontName=fonts["heading"], initialFontSize=theme.base_size_pt)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def stamp_pdf(base: bytes, overlay: bytes) -> bytes:
    """Return ``base`` (a PDF from ``render_pdf``) with the one page of ``overlay`` (from
    ``render_pdf_overlay``) laid over each of its pages. Outline, metadata and document ID are
    kept, so the result is as repeatable as its inputs."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=_parsed(base))
    layer = PdfReader(io.BytesIO(overlay)).pages[0]
    for page in writer.pages:
        page.merge_page(layer)
        page.compress_content_streams()  # merging leaves the page's content uncompressed
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.lru_cache(maxsize=2)
def _parsed(data: bytes):
    """Return a PdfReader of ``data``, parsed once for all the copies made from one base
    (cloning reads from it; nothing writes to it)."""
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def _canvas_class(document: Document, theme: Theme, fonts: dict[str, str], plan, fallback_names: dict,
                  stamp: list[str] = (), overlay: bool = False):
    """Return a canvas class that draws the running header and footer once the page count is
    known, and the copy stamp (``stamp``: its lines) and watermark of a distributed copy;
    with ``overlay``, only the stamp and watermark."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from briefgen.fonts import segments

    def runs_of(text: str, font: str) -> list[tuple[str, str]]:
        return [(run, fallback_names[f] if f else font) for run, f in segments(text, plan, "heading")]

    def width_of(text: str, font: str, font_size: float) -> float:
        return sum(stringWidth(run, name, font_size) for run, name in runs_of(text, font))

    def fit(text: str, font: str, font_size: float, room: float) -> str:
        """Return ``text`` cut to fit ``room`` points: running texts are one line."""
        return fit_text(text, lambda t: width_of(t, font, font_size), room)

    def draw(canvas, x: float, y: float, text: str, font: str, font_size: float, align: str) -> None:
        runs = runs_of(text, font)
        width = width_of(text, font, font_size)
        x = {"left": x, "center": x - width / 2, "right": x - width}[align]
        for run, name in runs:
            canvas.setFont(name, font_size)
            canvas.drawString(x, y, run)
            x += stringWidth(run, name, font_size)

    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    meta = document.meta
    top, right, bottom, left = (m * MM for m in theme.margins_mm)
    size = theme.base_size_pt

    class _Canvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            self.showOutline()
            if meta.date is not None:
                # Creation and modification dates are the note's date (at 00:00 UTC), not the
                # build's: the same note gives the same bytes, and the date means something.
                import calendar
                import time

                stamp = self._doc._timeStamp
                stamp.t = calendar.timegm(meta.date.timetuple())
                stamp.lt = time.gmtime(stamp.t)
                stamp.YMDhms = tuple(stamp.lt)[:6]
                stamp.dhh = stamp.dmm = 0
                stamp.tzname = "UTC"

        def showPage(self):  # noqa: N802
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            # Foot of the page, top down: a rule, the footer text and page number, then the
            # classification marking on its own line, so a long footer never runs into it.
            w, h = self._pagesize
            small = size * 0.78
            rule_y = bottom - 4 * MM
            footer_y = rule_y - small * 1.5
            marking_y = footer_y - size * 1.5
            page_label = f"Page {self._pageNumber} of {total}"
            room = w - left - right - stringWidth(page_label, fonts["heading"], small) - 8 * MM
            self.saveState()
            if not overlay:
                self._running_texts(w, h, small, rule_y, footer_y, marking_y, page_label, room)
            self._stamp_and_watermark(w, h)
            self.restoreState()

        def _running_texts(self, w, h, small, rule_y, footer_y, marking_y, page_label, room) -> None:
            if meta.classification:
                self.setFillColor(HexColor(theme.classification_colour))
                for y in (h - top / 2 - size * 0.3, marking_y):
                    draw(self, w / 2, y, fit(meta.classification, fonts["heading_bold"], size * 0.95, w - left - right),
                         fonts["heading_bold"], size * 0.95, "center")
            self.setStrokeColor(HexColor(theme.rule_colour))
            self.setLineWidth(0.5)
            self.line(left, rule_y, w - right, rule_y)
            self.setFillColor(HexColor(theme.muted_colour))
            if meta.footer:
                draw(self, left, footer_y, fit(meta.footer, fonts["heading"], small, room), fonts["heading"], small, "left")
            draw(self, w - right, footer_y, page_label, fonts["heading"], small, "right")
            if meta.header:
                header_room = (w - left - right) / 2 - stringWidth(meta.classification, fonts["heading_bold"], size) / 2 - 4 * MM
                draw(self, w - right, h - top / 2 - size * 0.3, fit(meta.header, fonts["heading"], small, header_room),
                     fonts["heading"], small, "right")

        def _stamp_and_watermark(self, w: float, h: float) -> None:
            if stamp:
                # Bottom-aligned in the room the frame left free above the foot, so it never
                # touches the body text or the rule.
                self.setFillColor(HexColor(theme.text_colour))
                stamp_size = size * STAMP_SCALE
                leading = stamp_size * 1.35
                for i, line in enumerate(stamp):
                    y = bottom + 1.2 * MM + stamp_size * 0.25 + (len(stamp) - 1 - i) * leading
                    draw(self, w / 2, y, line, fonts["heading"], stamp_size, "center")
            if meta.watermark.strip():
                self._watermark(w, h)

        def _watermark(self, w: float, h: float) -> None:
            # Light and diagonal, corner to corner, as large as fits; a long text gets smaller
            # type, then a second and third line (below 12 pt the last line is cut with an
            # ellipsis: the stamp, never cut, is the full record).
            import math

            from briefgen.render.layout import wrap_text

            text = " ".join(meta.watermark.split())
            font = fonts["heading_bold"]
            room = math.hypot(w, h) * 0.7
            font_size = min(60.0, room / max(width_of(text, font, 1.0), 1e-6))
            lines = [text]
            if font_size < 20:
                lines = wrap_text(text, lambda t: width_of(t, font, 20.0), room)
                widest = max(width_of(line, font, 1.0) for line in lines[:3])
                font_size = max(12.0, min(60.0, room / max(widest, 1e-6)))
                if len(lines) > 3:
                    lines = [*lines[:2], " ".join(lines[2:])]
                lines = [fit(line, font, font_size, room) for line in lines]
            self.saveState()
            self.setFillColor(HexColor(theme.muted_colour))
            self.setFillAlpha(0.16)
            self.translate(w / 2, h / 2)
            self.rotate(math.degrees(math.atan2(h, w)))
            leading = font_size * 1.15
            for i, line in enumerate(lines):
                y = (len(lines) - 1) * leading / 2 - i * leading - font_size * 0.35
                draw(self, 0, y, line, font, font_size, "center")
            self.restoreState()

    return _Canvas
