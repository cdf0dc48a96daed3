"""``Document`` + ``Theme`` -> DOCX bytes, with python-docx.

Uses Word's own styles, so the navigation pane, a table of contents and a user's restyling work:
the title is ``Title``, sections ``Heading 1``-``3``, lists ``List Bullet`` / ``List Number`` (one
level deeper per nesting), quotations ``Quote``, tables ``Light List Accent 1`` with a repeating
header row. Each page's header and footer carry the classification marking, the footer text and
"Page X of Y" as PAGE / NUMPAGES fields. Links are real ``w:hyperlink`` elements. Core properties
(title, author, subject, keywords, language, created/modified = the note's date) are set, and the
zip is written with fixed timestamps so the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

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
from briefgen.render.layout import share_widths
from briefgen.theme import Theme

__all__ = ["render_docx"]

_HEADING_STYLES = {1: "Title", 2: "Heading 1", 3: "Heading 2", 4: "Heading 3"}
SHORT_LIST = 6
"""Lists of at most this many items are kept on one page (no lone item at a page top)."""
_TABLE_STYLE = "Light List Accent 1"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_PROPERTY_LIMIT = 255  # characters; python-docx (and Word) refuse longer core properties


def _fit(text: str) -> str:
    """Return ``text`` cut to the core-property limit, with an ellipsis when cut."""
    return text if len(text) <= _CORE_PROPERTY_LIMIT else text[: _CORE_PROPERTY_LIMIT - 1] + "…"


def render_docx(document: Document, theme: Theme) -> bytes:
    """Return the DOCX of ``document`` in ``theme``'s style, as bytes.

    Raises TypeError on a block or inline type it does not know.
    """
    from briefgen.theme import for_density

    theme = for_density(theme, document.meta.density)
    import docx

    from briefgen.fonts import plan_fonts
    from briefgen.model import characters

    doc = docx.Document()
    _page_setup(doc, theme)
    _styles(doc, theme, document.meta.lang)
    _header_footer(doc, document, theme)
    _auto_hyphenation(doc)
    _core_properties(doc, document)
    builder = _Builder(doc, theme, plan_fonts(characters(document), theme))
    if theme.logo is not None:
        from docx.shared import Mm

        from briefgen.theme import logo_size_mm

        logo_w, logo_h = logo_size_mm(theme)
        doc.add_picture(str(theme.logo), width=Mm(logo_w), height=Mm(logo_h))
    builder.blocks(document.blocks, doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _repeatable_zip(buffer.getvalue())


def _auto_hyphenation(doc) -> None:
    """Turn on automatic hyphenation (w:autoHyphenation), as the PDF hyphenates narrow
    columns: Word and LibreOffice break long words at their own dictionary's points. It goes
    right after w:defaultTabStop, where the settings schema puts it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = doc.settings.element
    if settings.find(qn("w:autoHyphenation")) is not None:
        return
    element = OxmlElement("w:autoHyphenation")
    element.set(qn("w:val"), "true")
    anchor = settings.find(qn("w:defaultTabStop"))
    if anchor is not None:
        anchor.addnext(element)
    else:
        settings.insert(0, element)


def _rgb(hex_colour: str):
    from docx.shared import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _page_setup(doc, theme: Theme) -> None:
    from docx.shared import Mm

    width, height = theme.page_size_mm
    top, right, bottom, left = theme.margins_mm
    for section in doc.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
        section.header_distance = Mm(top / 2 - 3)
        section.footer_distance = Mm(bottom / 2 - 6)


def _set_font(font, name: str) -> None:
    """Set ``name`` for every script slot (python-docx's ``font.name`` sets only two)."""
    from docx.oxml.ns import qn

    font.name = name
    rpr = font.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
    # Theme-font references (Word's default headings use them) win over named fonts: drop them.
    for slot in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(slot)) is not None:
            del fonts.attrib[qn(slot)]


def _styles(doc, theme: Theme, lang: str) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    size = theme.base_size_pt
    body = theme.body_font.name if theme.body_font else "DejaVu Serif"
    heading = theme.heading_font.name if theme.heading_font else "DejaVu Sans"
    styles = doc.styles

    normal = styles["Normal"]
    _set_font(normal.font, body)
    normal.font.size = Pt(size)
    normal.font.color.rgb = _rgb(theme.text_colour)
    pf = normal.paragraph_format
    pf.space_after = Pt(size * 0.6)
    pf.line_spacing = theme.line_spacing * 0.86  # Word's "multiple" already includes some leading
    pf.widow_control = True
    rpr = normal.element.get_or_add_rPr()
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), lang)

    for level, (name, scale, before, after) in enumerate(
        [("Title", 2.0, 0, 0.9), ("Heading 1", 1.35, 1.3, 0.5), ("Heading 2", 1.12, 1.0, 0.35),
         ("Heading 3", 1.0, 0.8, 0.3)]
    ):
        style = styles[name]
        _set_font(style.font, heading)
        style.font.size = Pt(size * scale)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = _rgb(theme.heading_colour)
        style.paragraph_format.space_before = Pt(size * before)
        style.paragraph_format.space_after = Pt(size * after)
        style.paragraph_format.keep_with_next = True
        if name == "Title":
            # The default Title has a thick blue rule below; keep the text, drop the border.
            ppr = style.element.get_or_add_pPr()
            border = ppr.find(qn("w:pBdr"))
            if border is not None:
                ppr.remove(border)
            style.font.all_caps = False
            style.font.small_caps = False
            rpr_t = style.element.get_or_add_rPr()
            for tag in ("w:spacing", "w:kern"):
                el = rpr_t.find(qn(tag))
                if el is not None:
                    rpr_t.remove(el)

    quote = styles["Quote"]
    _set_font(quote.font, body)
    quote.font.italic = True
    quote.font.color.rgb = _rgb(theme.text_colour)
    quote.paragraph_format.left_indent = Pt(18)
    quote.paragraph_format.space_after = Pt(size * 0.3)

    if "Attribution" not in [s.name for s in styles]:
        attribution = styles.add_style("Attribution", WD_STYLE_TYPE.PARAGRAPH)
        attribution.base_style = normal
        _set_font(attribution.font, heading)
        attribution.font.size = Pt(size * 0.88)
        attribution.font.color.rgb = _rgb(theme.muted_colour)
        attribution.paragraph_format.left_indent = Pt(18)
        attribution.paragraph_format.space_after = Pt(size * 0.9)

    for name in ("List Bullet", "List Bullet 2", "List Bullet 3", "List Number", "List Number 2",
                 "List Number 3"):
        styles[name].paragraph_format.space_after = Pt(size * 0.3)

    for name in ("Header", "Footer"):
        # Word's default centre/right tab stops assume Letter paper with 1-inch margins.
        styles[name].paragraph_format.tab_stops.clear_all()
        _set_font(styles[name].font, heading)
        styles[name].font.size = Pt(size * 0.78)
        styles[name].font.color.rgb = _rgb(theme.muted_colour)


def _add_field(paragraph, instruction: str) -> None:
    """Append a Word field (``PAGE``, ``NUMPAGES``) as a complex field with a cached "1"."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def fld(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run("1")
    fld("end")


def _header_footer(doc, document: Document, theme: Theme) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt

    meta = document.meta
    width, _ = theme.page_size_mm
    _, right, _, left = theme.margins_mm
    text_width = Mm(width - left - right)
    for section in doc.sections:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if meta.classification:
            run = header.add_run(meta.classification)
            run.bold = True
            run.font.size = Pt(theme.base_size_pt * 0.95)
            run.font.color.rgb = _rgb(theme.classification_colour)
        if meta.header:
            extra = section.header.add_paragraph(meta.header)
            extra.alignment = WD_ALIGN_PARAGRAPH.RIGHT

        footer = section.footer.paragraphs[0]
        footer.style = doc.styles["Footer"]
        footer.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
        footer.add_run(meta.footer)
        footer.add_run("\tPage ")
        _add_field(footer, "PAGE")
        footer.add_run(" of ")
        _add_field(footer, "NUMPAGES")
        if meta.stamp.strip():
            # Above the footer line, centred, in the text colour; Word wraps it and grows the
            # footer upwards, so it never runs into the body text.
            stamp = footer.insert_paragraph_before(style="Footer")
            stamp.alignment = WD_ALIGN_PARAGRAPH.CENTER
            stamp.paragraph_format.space_after = Pt(3)
            run = stamp.add_run(" ".join(meta.stamp.split()))
            run.font.color.rgb = _rgb(theme.text_colour)
        if meta.watermark.strip():
            _watermark(section.header, " ".join(meta.watermark.split()), theme)
        if meta.classification:
            marking = section.footer.add_paragraph(style="Footer")
            marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
            marking.paragraph_format.space_before = Pt(4)
            run = marking.add_run(meta.classification)
            run.bold = True
            run.font.size = Pt(theme.base_size_pt * 0.95)
            run.font.color.rgb = _rgb(theme.classification_colour)


_WATERMARK_XML = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    '<w:rPr><w:noProof/></w:rPr><w:pict>'
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
    '<v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>'
    '<v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>'
    '<v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/>'
    '<v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>'
    '<v:f eqn="sum @6 0 @5"/></v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
    '<v:shape id="BriefgenWatermark" o:spid="_x0000_s1025" type="#_x0000_t136" '
    'style="position:absolute;margin-left:0;margin-top:0;width:{width}pt;height:{height}pt;'
    'rotation:{rotation};z-index:-251654144;mso-position-horizontal:center;'
    'mso-position-horizontal-relative:margin;mso-position-vertical:center;'
    'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="{colour}" stroked="f">'
    '<v:fill opacity=".2"/><v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" '
    'string="{text}"/></v:shape></w:pict></w:r>'
)


def watermark_geometry(text: str, theme: Theme) -> tuple[str, str, float]:
    """Return the watermark shape's width and height (as written in its style, in points) and
    its angle (degrees, the page's diagonal) for ``text``. The text path is stretched to the
    shape, so the shape's proportions follow the text's length."""
    import math

    width_mm, height_mm = theme.page_size_mm
    top, right, bottom, left = theme.margins_mm
    w, h = (width_mm - left - right) * 72 / 25.4, (height_mm - top - bottom) * 72 / 25.4
    length = math.hypot(w, h) * 0.8
    shape_h = min(90.0, length / (max(len(text), 1) * 0.55))
    shape_w = shape_h * max(len(text), 1) * 0.55
    return f"{shape_w:.1f}", f"{shape_h:.1f}", math.degrees(math.atan2(h, w))


def _watermark(header, text: str, theme: Theme) -> None:
    """Add ``text`` as a light diagonal watermark behind the page, the way Word's own
    "Insert > Watermark" stores one (a VML text path in the header), so Word and LibreOffice
    show it on every page and users can remove it the usual way."""
    import math
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml

    width, height, angle = watermark_geometry(text, theme)
    xml = _WATERMARK_XML.format(
        width=width, height=height, rotation=f"{360 - angle:.0f}",
        colour=theme.muted_colour, font=escape(theme.heading_font.name if theme.heading_font else "DejaVu Sans", {'"': "&quot;"}),
        text=escape(text, {'"': "&quot;"}),
    )
    paragraph = header.paragraphs[0]
    paragraph._p.append(parse_xml(xml))


def _core_properties(doc, document: Document) -> None:
    meta = document.meta
    props = doc.core_properties
    props.title = _fit(meta.title)
    props.author = _fit(meta.author)
    props.subject = _fit(meta.subject)
    keywords: list[str] = []
    for word in meta.keywords:  # whole keywords only, within the 255-character limit
        if len(", ".join([*keywords, word])) > _CORE_PROPERTY_LIMIT:
            break
        keywords.append(word)
    props.keywords = ", ".join(keywords)
    props.language = meta.lang
    props.comments = meta.creator or f"briefgen {__version__}"
    props.last_modified_by = meta.creator or f"briefgen {__version__}"
    props.revision = 1
    stamp = dt.datetime.combine(meta.date or dt.date(2000, 1, 1), dt.time(0, 0))
    props.created = stamp
    props.modified = stamp


class _Builder:
    """Appends model blocks to a python-docx container (the document or a table cell)."""

    def __init__(self, doc, theme: Theme, plan) -> None:
        self.doc = doc
        self.theme = theme
        self.plan = plan
        self.style_ids: dict[str, str] = {}
        self.last = None  # the paragraph block() added last

    def add_paragraph(self, container, style: str | None = None):
        """Return a new paragraph at the end of ``container`` in paragraph style ``style``.

        The style's id is looked up once per document: python-docx looks it up by name on every
        ``add_paragraph(style=...)`` and compares it with the default style by scanning every
        style of the document (0.5 ms a paragraph, the larger part of a note's DOCX time)."""
        p = container.add_paragraph()
        if style is not None:
            if style not in self.style_ids:
                self.style_ids[style] = self.doc.styles[style].style_id
            p._p.style = self.style_ids[style]
        return p

    def blocks(self, blocks: tuple[Block, ...], container, depth: int = 0) -> None:
        """Append ``blocks``; as in the PDF, the paragraph right after a heading is kept on the
        same page as what follows it, so a heading and its summary never end a page alone."""
        for i, block in enumerate(blocks):
            self.block(block, container, depth)
            previous = blocks[i - 1] if i else None
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            lead_in = isinstance(following, (BulletList, OrderedList)) and plain_text(block.children).rstrip().endswith(
                ":") if isinstance(block, Paragraph) else False
            if isinstance(block, Paragraph) and (isinstance(previous, Heading) or lead_in):
                # The paragraph just added (``container.paragraphs`` would re-read them all).
                self.last.paragraph_format.keep_with_next = True

    def block(self, block: Block, container, depth: int = 0) -> None:
        match block:
            case Heading(level, children):
                p = self.add_paragraph(container, _HEADING_STYLES[min(level, 4)])
                self.inline(p, children)
            case Paragraph(children):
                p = self.last = container.add_paragraph()
                self.inline(p, children)
            case BulletList(items):
                self.list(items, container, depth, "List Bullet")
            case OrderedList(items, start):
                self.list(items, container, depth, "List Number", start)
            case Table():
                self.table(block, container)
            case Quote(inner, attribution):
                for b in inner:
                    if isinstance(b, Paragraph):
                        p = self.add_paragraph(container, "Quote")
                        self.inline(p, b.children)
                    else:
                        self.block(b, container, depth)
                if attribution:
                    p = self.add_paragraph(container, "Attribution")
                    p.add_run("— ")
                    self.inline(p, attribution)
            case DefinitionList(items):
                self.definitions(items, container)
            case Chart():
                self.chart(block, container)
            case _:
                raise TypeError(f"the DOCX renderer does not know the block {block!r}")

    def list(self, items, container, depth: int, base: str, start: int = 1) -> None:
        style = base if depth == 0 else f"{base} {min(depth + 1, 3)}"
        # Each numbered list gets its own numbering instance, so it starts again at ``start``
        # instead of continuing the previous list's count.
        num_id = _restarted_numbering(self.doc, style, start) if base == "List Number" else None
        keep = len(items) <= SHORT_LIST
        for index, item in enumerate(items):
            first = True
            for b in item:
                if first and isinstance(b, Paragraph):
                    p = self.add_paragraph(container, style)
                    if num_id is not None:
                        num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
                        num_pr.get_or_add_ilvl().val = 0
                        num_pr.get_or_add_numId().val = num_id
                    if keep and index < len(items) - 1:
                        p.paragraph_format.keep_with_next = True
                    self.inline(p, b.children)
                elif isinstance(b, (BulletList, OrderedList)):
                    self.block(b, container, depth + 1)
                else:
                    self.block(b, container, depth)
                first = False

    def table(self, table: Table, container) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        ncols = max([len(table.header), *(len(r) for r in table.rows)])
        t = container.add_table(rows=1 + len(table.rows), cols=ncols)
        t.style = self.doc.styles[_TABLE_STYLE]
        _table_look(t, first_column=False)
        t.autofit = False
        # python-docx rebuilds the whole cell grid on every t.cell() or column.cells: fetched
        # once, a table of a thousand rows (a distribution list) takes a second, not minutes.
        cells = t._cells
        for c, (column, width) in enumerate(zip(t.columns, _column_widths_mm(table, ncols, self._text_width_mm()))):
            column.width = Mm(width)
            for cell in cells[c::ncols]:
                cell.width = Mm(width)
        aligns = list(table.aligns) + ["left"] * (ncols - len(table.aligns))
        for r, row in enumerate((table.header, *table.rows)):
            for c in range(ncols):
                cell = cells[r * ncols + c]
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                if aligns[c] == "right":
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif aligns[c] == "center":
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if c < len(row):
                    self.inline(p, row[c])
                for run in p.runs:
                    run.font.size = Pt(self.theme.base_size_pt * 0.92)
                    if r == 0:  # the header row looks as in the PDF: theme fill, heading colour
                        run.bold = True
                        run.font.color.rgb = _rgb(self.theme.heading_colour)
                        _set_font(run.font, self.theme.heading_font.name if self.theme.heading_font else "DejaVu Sans")
                if r == 0:
                    _shade(cell, self.theme.table_header_fill)
        # Repeat the header row on every page the table spans.
        tr_pr = t.rows[0]._tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        tr_pr.append(header)
        container.add_paragraph().paragraph_format.space_after = Pt(0)

    def _text_width_mm(self) -> float:
        width, _ = self.theme.page_size_mm
        _, right, _, left = self.theme.margins_mm
        return width - left - right

    def definitions(self, items, container) -> None:
        from docx.shared import Mm, Pt

        t = container.add_table(rows=len(items), cols=2)
        t.autofit = False
        width, _ = self.theme.page_size_mm
        _, right, _, left = self.theme.margins_mm
        widths = (Mm(26), Mm(width - left - right - 26))
        for column, w in zip(t.columns, widths):
            column.width = w
        grid = t._cells  # fetched once: each row.cells rebuilds the whole grid
        for r, (term, blocks) in enumerate(items):
            cells = grid[2 * r:2 * r + 2]
            for cell, w in zip(cells, widths):
                cell.width = w
            p = cells[0].paragraphs[0]
            p.paragraph_format.space_after = Pt(2)
            run = p.add_run()
            self.inline(p, term)
            for run in p.runs:
                run.bold = True
                run.font.color.rgb = _rgb(self.theme.muted_colour)
                _set_font(run.font, self.theme.heading_font.name if self.theme.heading_font else "DejaVu Sans")
                run.font.size = Pt(self.theme.base_size_pt * 0.9)
            first = True
            for b in blocks:
                if first and isinstance(b, Paragraph):
                    q = cells[1].paragraphs[0]
                    q.paragraph_format.space_after = Pt(2)
                    self.inline(q, b.children)
                else:
                    self.block(b, cells[1])
                first = False
        container.add_paragraph().paragraph_format.space_after = Pt(0)

    def inline(self, paragraph, nodes: tuple[Inline, ...], *, bold=False, italic=False, mono=False) -> None:
        for node in nodes:
            match node:
                case Text(text):
                    self._run(paragraph, text, bold, italic, mono)
                case Strong(children):
                    self.inline(paragraph, children, bold=True, italic=italic, mono=mono)
                case Emph(children):
                    self.inline(paragraph, children, bold=bold, italic=True, mono=mono)
                case Code(text):
                    self._run(paragraph, text, bold, italic, True)
                case Link(href, children):
                    self._hyperlink(paragraph, href, children, bold, italic)
                case LineBreak():
                    paragraph.add_run().add_break()
                case Superscript(text):
                    run = self._run(paragraph, text, bold, italic, mono)
                    if run is not None:
                        run.font.superscript = True
                case _:
                    raise TypeError(f"the DOCX renderer does not know the inline {node!r}")

    def _run(self, paragraph, text: str, bold: bool, italic: bool, mono: bool):
        """Add ``text`` as runs; characters the theme's families lack get their fallback font.
        Returns the last run."""
        from briefgen.fonts import family_name, segments

        run = None
        for piece, fallback in segments(text, self.plan, "mono" if mono else "body"):
            run = paragraph.add_run(piece)
            if bold:
                run.bold = True
            if italic:
                run.italic = True
            if fallback is not None:
                _set_font(run.font, family_name(fallback))
            elif mono and self.theme.mono_font:
                _set_font(run.font, self.theme.mono_font.name)
        return run if run is not None else paragraph.add_run("")

    def chart(self, chart: Chart, container) -> None:
        """Add the chart as a PNG drawn by matplotlib at 220 dpi, from the same data and layout
        as the PDF's vector drawing."""
        from docx.shared import Mm, Pt

        width_mm, _ = self.theme.page_size_mm
        _, right, _, left = self.theme.margins_mm
        text_mm = width_mm - left - right
        picture = _chart_png(chart, self.theme, text_mm, sorted(set(self.plan.fallback.values())))
        p = container.add_paragraph()
        p.paragraph_format.space_after = Pt(self.theme.base_size_pt)
        p.paragraph_format.keep_together = True
        p.add_run().add_picture(io.BytesIO(picture), width=Mm(text_mm))

    def _hyperlink(self, paragraph, href: str, children, bold: bool, italic: bool) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn


        r_id = paragraph.part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), r_id)
        before = len(paragraph.runs)
        self._run(paragraph, plain_text(children), bold, italic, False)
        runs = paragraph.runs[before:]
        runs[0]._r.addprevious(link)
        for run in runs:
            run.font.color.rgb = _rgb(self.theme.accent_colour)
            run.underline = True
            link.append(run._r)


def _restarted_numbering(doc, style_name: str, start: int) -> int | None:
    """Return the id of a new numbering instance for ``style_name`` that starts at ``start``."""
    style = doc.styles[style_name]
    ppr = style.element.pPr
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    numbering = doc.part.numbering_part.element
    existing = numbering.num_having_numId(num_pr.numId.val)
    num = numbering.add_num(existing.abstractNumId.val)
    override = num.add_lvlOverride(ilvl=0)
    override.add_startOverride(start)
    return num.numId


def _chart_png(chart: Chart, theme: Theme, width_mm: float, fallbacks: list | None = None) -> bytes:
    """Return a PNG of ``chart`` ``width_mm`` wide at 220 dpi, laid out like the PDF chart: the
    same geometry, wrapped lines and fonts (the theme's body font for labels, its heading font
    for the title and values), measured with the same font metrics.

    ``fallbacks`` are font files for characters the theme's fonts lack; matplotlib tries them in
    order.
    """
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from briefgen.fonts import family_name
    from briefgen.render.pdf import MM, _register_fonts, chart_geometry

    import logging

    # A fallback font in one weight only is fine for a symbol in a bold title; don't say so.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    extra = []
    for path in fallbacks or []:
        font_manager.fontManager.addfont(str(path))
        extra.append(family_name(path))

    def families(family) -> list[str]:
        files = family.files()
        for style in ("regular", "bold"):
            font_manager.fontManager.addfont(str(files[style]))
        return [family_name(files["regular"]), *extra, "DejaVu Sans"]

    body, heading = families(theme.body_font), families(theme.heading_font)
    names = _register_fonts(theme)
    size = theme.base_size_pt * 0.85

    def width_of(text: str, role: str) -> float:
        if role == "title":
            return stringWidth(text, names["heading_bold"], size * 1.05)
        return stringWidth(text, names["heading" if role == "caption" else "body"], size)

    width_pt = width_mm * MM
    geometry = chart_geometry(chart, width_pt, size, width_of)
    height_pt = geometry["height"]
    fig = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=220, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width_pt)
    ax.set_ylim(0, height_pt)
    ax.axis("off")
    for k, line in enumerate(geometry["title"]):
        ax.text(0, height_pt - size * 1.1 - k * size * 1.3, line, fontsize=size * 1.05, fontweight="bold",
                color=theme.heading_colour, family=heading, parse_math=False, va="baseline")
    label_w = geometry["label_w"]
    for (label, value, kind, caption, low), (y, bar_h, bar_w, labels, captions, low_x) in zip(
            chart.bars, geometry["bars"]):
        mid = y + bar_h / 2
        # Lines placed one by one at the PDF's baselines (matplotlib's own wrapping would also
        # read "$...$" as mathematics).
        for lines, x, family, ha in ((labels, label_w - 8, body, "right"), (captions, label_w + bar_w + 5, heading, "left")):
            for k, line in enumerate(lines):
                offset = (len(lines) - 1) * size * 0.6 - k * size * 1.2
                ax.text(x, mid - size * 0.35 + offset, line, fontsize=size, ha=ha, va="baseline",
                        color=theme.text_colour, family=family, parse_math=False)
        ax.add_patch(Rectangle((label_w, y), max(bar_w, 0.8), bar_h, linewidth=0.8, edgecolor=theme.accent_colour,
                               facecolor=theme.accent_colour if kind == "actual" and low_x is None
                               else theme.table_header_fill))  # a range: light to its high end, as in the PDF
        if low_x is not None:
            ax.add_patch(Rectangle((label_w, y), max(low_x, 0.8), bar_h, linewidth=0.8,
                                   edgecolor=theme.accent_colour, facecolor=theme.accent_colour))
    ax.plot([label_w, label_w], [geometry["bottom"], geometry["top"]], color=theme.muted_colour, linewidth=0.6)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=220, metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()


def _column_widths_mm(table: Table, ncols: int, width_mm: float) -> list[float]:
    """Return column widths (mm) summing to ``width_mm``, by the PDF's rule
    (``layout.share_widths``); character counts stand in for measured widths."""
    from briefgen.model import plain_text

    minimum = [4.0] * ncols
    natural = [4.0] * ncols
    for row in (table.header, *table.rows):
        for i, cell in enumerate(row[:ncols]):
            text = plain_text(cell)
            longest = max((len(w) for w in text.split()), default=0)
            minimum[i] = max(minimum[i], longest + 2)
            natural[i] = max(natural[i], len(text) + 2)
    char_mm = 2.1  # an average character at 10 pt, in mm, generously
    padding_mm = 3.5  # the cell's left and right margins
    minimum = [max(m * char_mm + padding_mm, 10.0) for m in minimum]
    natural = [n * char_mm + padding_mm for n in natural]
    return share_widths(minimum, natural, width_mm)


def _shade(cell, hex_colour: str) -> None:
    """Fill a table cell with ``hex_colour``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_colour.lstrip("#").upper())
    tc_pr.append(shading)


def _table_look(table, *, first_column: bool) -> None:
    """Set which parts of the table style apply: header row yes, banded first column as asked."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    for name, value in (("w:firstRow", "1"), ("w:lastRow", "0"), ("w:firstColumn", "1" if first_column else "0"),
                        ("w:lastColumn", "0"), ("w:noHBand", "0"), ("w:noVBand", "1")):
        look.set(qn(name), value)
    look.set(qn("w:val"), "04A0" if first_column else "0420")


def _repeatable_zip(data: bytes) -> bytes:
    """Return ``data`` (a zip) rewritten with fixed member timestamps, so builds are repeatable."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()
