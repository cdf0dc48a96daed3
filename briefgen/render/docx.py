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
    if theme.reference_docx is not None:
        # The office's own document: its styles, page setup and letterhead; briefgen's styles
        # only where it has none of that name.
        from briefgen.render.reference import adopt_missing_styles, open_reference

        themed, doc = doc, open_reference(theme.reference_docx)
        adopt_missing_styles(doc, themed)
    _header_footer(doc, document, theme)
    _auto_hyphenation(doc)
    _core_properties(doc, document)
    builder = _Builder(doc, theme, plan_fonts(characters(document), theme))
    if theme.logo is not None:
        from docx.shared import Mm, Pt

        from briefgen.theme import logo_size_mm

        logo_w, logo_h = logo_size_mm(theme)
        p = doc.add_paragraph()
        _picture_paragraph(p, theme)
        p.paragraph_format.space_after = Pt(theme.base_size_pt)
        run = p.add_run()
        run.add_picture(str(theme.logo), width=Mm(logo_w), height=Mm(logo_h))
        _alt_text(run, f"Logo of {document.meta.author}" if document.meta.author else "Logo", "logo")
    builder.blocks(document.blocks, doc)
    _package(doc, document, theme, builder.plan)
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


def _has(node, kind: type, inside: type | None = None, _within: bool = False) -> bool:
    """Return True if the model ``node`` (a block, inline or tuple of them) contains a ``kind``
    node (within an ``inside`` node, when given)."""
    import dataclasses

    if isinstance(node, (tuple, list)):
        return any(_has(n, kind, inside, _within) for n in node)
    if not dataclasses.is_dataclass(node):
        return False
    within = _within or inside is None or isinstance(node, inside)
    if isinstance(node, kind) and within:
        return True
    return any(_has(getattr(node, f.name), kind, inside, within) for f in dataclasses.fields(node))


def _package(doc, document: Document, theme: Theme, plan) -> None:
    """Embed the fonts the note uses, set current-Word settings, app properties, no thumbnail."""
    from briefgen.fonts import family_name
    from briefgen.model import characters
    from briefgen.render.docxfonts import app_properties, drop_thumbnail, embed_fonts, finish_settings

    # The faces the note can use: all of the body family; the heading family's italics only if a
    # heading has emphasis; the code family only if the note has code.
    wanted = [(theme.body_font, ("regular", "bold", "italic", "bold_italic")),
              (theme.heading_font, ("regular", "bold", "italic", "bold_italic")
               if _has(document.blocks, Emph, inside=Heading) else ("regular", "bold"))]
    if _has(document.blocks, Code):
        wanted.append((theme.mono_font, ("regular", "bold", "italic", "bold_italic")))
    families: dict[str, dict] = {}
    for family, faces in wanted:
        if family is not None:
            files = family.files()
            families.setdefault(family.name, {}).update({f: files[f] for f in faces})
    for path in sorted(set(plan.fallback.values())):
        families.setdefault(family_name(path), {"regular": path})
    chars = characters(document)
    embedded = embed_fonts(doc, families, chars)
    finish_settings(doc, embedded=bool(embedded))
    text = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                text.extend(p.text for p in cell.paragraphs)
    words = sum(len(t.split()) for t in text)
    app_properties(doc, words=words, characters=sum(len(t.replace(" ", "")) for t in text),
                   paragraphs=sum(1 for t in text if t.strip()), version=__version__)
    drop_thumbnail(doc)


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
        # Header and footer halfway into their margins, never negative: Word refuses a negative
        # distance, and the documented margins start at 5 mm (top) and 18 mm (bottom).
        section.header_distance = Mm(max(top / 2 - 3, min(top / 2, 2.0)))
        section.footer_distance = Mm(max(bottom / 2 - 6, min(bottom / 2, 2.0)))


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
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
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
    _line_spacing(pf, theme)
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
        # Word (ISO/IEC 29500-1 17.3.1.33) keeps the larger of one paragraph's space after and the
        # next one's space before; the PDF adds them. A heading usually follows a list or a
        # paragraph (0.6-0.7 x size after), so its space before carries that too, except where
        # the DOCX's lines must be taller than the PDF's (compact density, see LEAST_LEADING):
        # there the headings give that room back, so the page count stays the PDF's.
        extra = 0.7 if theme.line_spacing >= LEAST_LEADING else 0.0
        style.paragraph_format.space_before = Pt(size * (before + extra) if before else 0)
        style.paragraph_format.space_after = Pt(size * after)
        style.paragraph_format.keep_with_next = True
        # The PDF's heading leading (1.2 × the heading's size), not Normal's body line height.
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(round(size * scale * 1.2, 2))
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
        # The template's lists drop the space between items ("contextual spacing"); the PDF keeps it.
        ppr = styles[name].element.get_or_add_pPr()
        for el in ppr.findall(qn("w:contextualSpacing")):
            ppr.remove(el)

    _quote_bar(quote, theme)
    _quote_bar(styles["Attribution"], theme)
    _bullets(doc, theme, body)
    _table_style(doc, theme, heading)

    for name in ("Header", "Footer"):
        # Word's default centre/right tab stops assume Letter paper with 1-inch margins.
        styles[name].paragraph_format.tab_stops.clear_all()
        _set_font(styles[name].font, heading)
        styles[name].font.size = Pt(size * 0.78)
        styles[name].font.color.rgb = _rgb(theme.muted_colour)
        styles[name].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        styles[name].paragraph_format.space_after = Pt(0)

    # The page furniture in styles of its own, so an office can restyle it in one place.
    if RUNNING_HEADER_STYLE not in [s.name for s in styles]:
        running = styles.add_style(RUNNING_HEADER_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        running.base_style = styles["Header"]
        running.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        running.font.color.rgb = _rgb(theme.muted_colour)
    if MARKING_STYLE not in [s.name for s in styles]:
        marking = styles.add_style(MARKING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        marking.base_style = styles["Header"]
        marking.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(marking.font, heading)
        marking.font.bold = True
        marking.font.size = Pt(size * 0.95)
        marking.font.color.rgb = _rgb(theme.classification_colour)


NOTE_TABLE_STYLE = "Briefgen Table"
"""The DOCX table style: the PDF's table (header row filled and ruled in the heading colour, thin
rules in the rule colour between rows, cell padding), no banding, no Office-blue borders."""
RUNNING_HEADER_STYLE = "Running Header"
MARKING_STYLE = "Classification Marking"


def _header_block_rules(table, theme: Theme) -> None:
    """Rule the To/From block above and below in the heading colour (0.75 pt), as in the PDF,
    with no inner lines and no left cell padding."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "bottom"):
        _border(borders, side, theme.heading_colour, 6, 0)
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("left", 0), ("right", 100)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    # CT_TblPr order: ... tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout, tblCellMar, tblLook
    look = tbl_pr.find(qn("w:tblLook"))
    layout = tbl_pr.find(qn("w:tblLayout"))
    for el in (borders, margins):
        anchor = layout if el is borders and layout is not None else look
        if anchor is not None:
            anchor.addprevious(el)
        else:
            tbl_pr.append(el)


def _picture_paragraph(paragraph, theme: Theme) -> None:
    """A paragraph holding only a picture: single spacing (an exact line height would crop the
    picture), no indent, so the picture sits inside the margins."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.left_indent = pf.right_indent = pf.first_line_indent = Pt(0)


def chart_description(chart: Chart) -> str:
    """Return the alternative text of ``chart``: its title, then each bar's label and value as
    the note states them ("Trade target: USD 5 billion; ...")."""
    bars = "; ".join(f"{label}: {caption}" for label, _, _, caption, _ in chart.bars)
    title = chart.title or "Bar chart"
    return f"{title}. {bars}" if bars else title


def _alt_text(run, description: str, name: str) -> None:
    """Give the picture in ``run`` alternative text (``wp:docPr/@descr``, what screen readers
    read and Word shows under Alt Text) and a name."""
    from docx.oxml.ns import qn

    for doc_pr in run._r.iter(qn("wp:docPr")):
        doc_pr.set("descr", description)
        doc_pr.set("name", name)


LEAST_LEADING = 1.23
"""Smallest line height (× type size) the DOCX gives body text. Word crops what rises above an
"exact" line (as with any "multiple" under 1), keeping the font's descent below the baseline: with
Noto's descent (0.293 em; Noto sets USE_TYPO_METRICS) 1.23 em leaves 0.94 em above it, room for
accented capitals (Á 0.93 em); the compact density's 1.15 would crop them."""


def _line_spacing(pf, theme: Theme) -> None:
    """Give body text the PDF's leading (``base_size_pt`` × ``line_spacing``) as an exact line
    height, never under ``LEAST_LEADING`` (the compact density's 1.15 would crop accents)."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(round(theme.base_size_pt * max(theme.line_spacing, LEAST_LEADING), 2))


def _border(parent, side: str, colour: str, eighths: int, space_pt: int = 0):
    """Add or replace a ``w:{side}`` border (single line, ``eighths`` of a point) under ``parent``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    old = parent.find(qn(f"w:{side}"))
    if old is not None:
        parent.remove(old)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(eighths))
    el.set(qn("w:space"), str(space_pt))
    el.set(qn("w:color"), colour.lstrip("#").upper())
    parent.append(el)
    return el


def _footer_rule(paragraph, theme: Theme) -> None:
    """The PDF's thin rule (rule colour) above the footer line."""
    from docx.oxml import OxmlElement

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    _border(borders, "top", theme.rule_colour, 4, 4)
    ppr.insert(0, borders) if ppr.find(_qn("w:pStyle")) is None else ppr.find(_qn("w:pStyle")).addnext(borders)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _quote_bar(style, theme: Theme) -> None:
    """A quotation as in the PDF: a 2.25 pt bar in the accent colour 12 pt from the text's left
    edge, the text 24 pt in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.paragraph_format.left_indent = Pt(24)
    ppr = style.element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes before shd/tabs/spacing/ind... in CT_PPrBase; python-docx's insert keeps order.
        ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku",
                                  "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
                                  "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                                  "w:rPr", "w:sectPr", "w:pPrChange")
    _border(borders, "left", theme.accent_colour, 18, 10)


def _bullets(doc, theme: Theme, body_font: str) -> None:
    """Bullets in the accent colour and the body face (not Symbol), indented as in the PDF: each
    level 1.5 × the body size further in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    numbering = doc.part.numbering_part.element
    step = theme.base_size_pt * 1.5
    for depth, name in enumerate(("List Bullet", "List Bullet 2", "List Bullet 3")):
        style = doc.styles[name]
        style.paragraph_format.left_indent = Pt(step * (depth + 1))
        style.paragraph_format.first_line_indent = Pt(-(step - 2))
        ppr = style.element.pPr
        if ppr is None or ppr.numPr is None or ppr.numPr.numId is None:
            continue
        num = numbering.num_having_numId(ppr.numPr.numId.val)
        abstract_id = num.abstractNumId.val
        for abstract in numbering.findall(qn("w:abstractNum")):
            if abstract.get(qn("w:abstractNumId")) != str(abstract_id):
                continue
            for lvl in abstract.findall(qn("w:lvl")):
                if (fmt := lvl.find(qn("w:numFmt"))) is None or fmt.get(qn("w:val")) != "bullet":
                    continue
                text = lvl.find(qn("w:lvlText"))
                if text is not None:
                    text.set(qn("w:val"), "\u2022")
                old = lvl.find(qn("w:rPr"))
                if old is not None:
                    lvl.remove(old)
                rpr = OxmlElement("w:rPr")
                fonts = OxmlElement("w:rFonts")
                for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                    fonts.set(qn(slot), body_font)
                fonts.set(qn("w:hint"), "default")
                colour = OxmlElement("w:color")
                colour.set(qn("w:val"), theme.accent_colour.lstrip("#").upper())
                rpr.append(fonts)
                rpr.append(colour)
                lvl.append(rpr)


def _table_style(doc, theme: Theme, heading_font: str) -> None:
    """Add ``NOTE_TABLE_STYLE``: the PDF's table look as a Word table style (users can restyle
    every table at once)."""
    from docx.oxml import parse_xml

    if NOTE_TABLE_STYLE in [s.name for s in doc.styles]:
        return
    fill = theme.table_header_fill.lstrip("#").upper()
    rule = theme.rule_colour.lstrip("#").upper()
    head = theme.heading_colour.lstrip("#").upper()
    size = round(theme.base_size_pt * 0.92 * 2)
    head_size = round(theme.base_size_pt * 0.88 * 2)
    from xml.sax.saxutils import quoteattr

    font = quoteattr(heading_font)
    xml = f"""<w:style xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        w:type="table" w:customStyle="1" w:styleId="BriefgenTable">
      <w:name w:val="{NOTE_TABLE_STYLE}"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="40"/><w:qFormat/>
      <w:pPr><w:spacing w:before="0" w:after="0" w:line="{round(theme.base_size_pt * 0.92 * 1.3 * 20)}" w:lineRule="exact"/></w:pPr>
      <w:rPr><w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>
      <w:tblPr>
        <w:tblBorders>
          <w:bottom w:val="single" w:sz="4" w:space="0" w:color="{rule}"/>
          <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{rule}"/>
        </w:tblBorders>
        <w:tblCellMar><w:top w:w="70" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
          <w:bottom w:w="80" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar>
      </w:tblPr>
      <w:tcPr><w:vAlign w:val="top"/></w:tcPr>
      <w:tblStylePr w:type="firstRow">
        <w:rPr><w:rFonts w:ascii={font} w:hAnsi={font} w:cs={font} w:eastAsia={font}/><w:b/><w:bCs/>
          <w:color w:val="{head}"/><w:sz w:val="{head_size}"/><w:szCs w:val="{head_size}"/></w:rPr>
        <w:tblPr/>
        <w:trPr><w:tblHeader/></w:trPr>
        <w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="6" w:space="0" w:color="{head}"/></w:tcBorders>
          <w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:tcPr>
      </w:tblStylePr>
    </w:style>"""
    doc.styles.element.append(parse_xml(xml))


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
    letterhead = theme.reference_docx is not None
    for section in doc.sections:
        text_width = section.page_width - section.left_margin - section.right_margin
        pairs = [(section.header, section.footer)]
        if letterhead and section.different_first_page_header_footer:  # a first-page letterhead
            pairs.append((section.first_page_header, section.first_page_footer))
        for hdr, ftr in pairs:
            if letterhead:
                # Above the office's letterhead: the marking; below it: the running header.
                first = hdr.paragraphs[0] if hdr.paragraphs else hdr.add_paragraph()
                header = first.insert_paragraph_before(style=doc.styles[MARKING_STYLE]) if "".join(
                    p.text for p in hdr.paragraphs).strip() or first._p.xpath(".//w:drawing") else first
            else:
                header = hdr.paragraphs[0]
            header.style = doc.styles[MARKING_STYLE]
            if meta.classification:
                header.add_run(meta.classification)
            if meta.header:
                hdr.add_paragraph(meta.header, style=doc.styles[RUNNING_HEADER_STYLE])

            if letterhead and ("".join(p.text for p in ftr.paragraphs).strip()
                               or ftr._element.xpath(".//w:drawing")):
                footer = ftr.add_paragraph()  # after the office's own footer
            else:
                footer = ftr.paragraphs[0]
            footer.style = doc.styles["Footer"]
            _footer_rule(footer, theme)
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
                _watermark(hdr, " ".join(meta.watermark.split()), theme)
            if meta.classification:
                marking = ftr.add_paragraph(meta.classification, style=doc.styles[MARKING_STYLE])
                marking.paragraph_format.space_before = Pt(4)


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
    # Every keyword, however long the list: the package format sets no limit (python-docx's
    # 255-character check is Word's dialog box limit), and a search for the last keyword must
    # find the note. Written on the element, past python-docx's check.
    props._element._get_or_add("keywords").text = ", ".join(meta.keywords)
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
        from docx.shared import Pt

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
        if depth == 0 and container.paragraphs:
            # As in the PDF: a little more room after a whole list than between its items.
            last = container.paragraphs[-1].paragraph_format
            last.space_after = Pt(self.theme.base_size_pt * 0.7)

    def table(self, table: Table, container) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        ncols = max([len(table.header), *(len(r) for r in table.rows)])
        t = container.add_table(rows=1 + len(table.rows), cols=ncols)
        t.style = self.doc.styles[NOTE_TABLE_STYLE]
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
                # The PDF's cell leading (1.3 × the cell's type size); set on the paragraph
                # because Word lets the Normal style's line height win over a table style's.
                p.paragraph_format.line_spacing = Pt(self.theme.base_size_pt * (0.88 if r == 0 else 0.92) * 1.3)
                if aligns[c] == "right":
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif aligns[c] == "center":
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if c < len(row):
                    self.inline(p, row[c])
                for run in p.runs:
                    # Direct formatting: Word lets the Normal style's font and colour win over a
                    # table style's header-row font, so the header row's look is set on its runs.
                    run.font.size = Pt(self.theme.base_size_pt * (0.88 if r == 0 else 0.92))
                    if r == 0:
                        run.bold = True
                        run.font.color.rgb = _rgb(self.theme.heading_colour)
                        _set_font(run.font, self.theme.heading_font.name)
        # Repeat the header row on every page the table spans.
        tr_pr = t.rows[0]._tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        tr_pr.append(header)
        # Word needs a paragraph after a table; it stands for the PDF's 0.8 × size of space.
        after = container.add_paragraph().paragraph_format
        after.space_after = Pt(0)
        after.line_spacing = Pt(self.theme.base_size_pt * 0.8)

    def _text_width_mm(self) -> float:
        """The text width of the page the note is on (the reference document's own page setup,
        when there is one), in mm."""
        section = self.doc.sections[-1]
        return (section.page_width - section.left_margin - section.right_margin) / 36000  # EMU per mm

    def definitions(self, items, container) -> None:
        from docx.shared import Mm, Pt

        t = container.add_table(rows=len(items), cols=2)
        t.autofit = False
        widths = (Mm(24), Mm(self._text_width_mm() - 24))
        for column, w in zip(t.columns, widths):
            column.width = w
        grid = t._cells  # fetched once: each row.cells rebuilds the whole grid
        _header_block_rules(t, self.theme)
        for r, (term, blocks) in enumerate(items):
            cells = grid[2 * r:2 * r + 2]
            for cell, w in zip(cells, widths):
                cell.width = w
            p = cells[0].paragraphs[0]
            p.paragraph_format.space_after = Pt(3)
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
                    q.paragraph_format.space_after = Pt(3)
                    self.inline(q, b.children)
                else:
                    self.block(b, cells[1])
                first = False
            # The PDF's padding inside the rules: 7 pt above the first row, below the last.
            for cell in cells:
                cell.paragraphs[0].paragraph_format.space_before = Pt(7 if r == 0 else 3)
                if r == len(items) - 1:
                    cell.paragraphs[-1].paragraph_format.space_after = Pt(7)
        spacer = container.add_paragraph()
        spacer.paragraph_format.space_after = Pt(self.theme.base_size_pt * 0.4)
        spacer.paragraph_format.line_spacing = Pt(self.theme.base_size_pt * 0.6)

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
        """Add the chart as a PNG at 220 dpi drawn with Pillow from the PDF's marks
        (``chart.chart_marks``): same layout, same font files."""
        from docx.shared import Mm, Pt

        text_mm = self._text_width_mm()
        from briefgen.render.chart import chart_marks, chart_png
        from briefgen.render.pdf import MM

        picture = chart_png(chart_marks(chart, self.theme, text_mm * MM, self.plan))
        p = container.add_paragraph()
        _picture_paragraph(p, self.theme)
        p.paragraph_format.space_after = Pt(self.theme.base_size_pt)
        p.paragraph_format.keep_together = True
        run = p.add_run()
        run.add_picture(io.BytesIO(picture), width=Mm(text_mm))
        _alt_text(run, chart_description(chart), "chart")

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
