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
from briefgen.render.layout import fit_text, share_widths, words
from briefgen.theme import Theme

__all__ = ["render_pdf"]


@functools.cache
def _paragraph_class():
    """Return reportlab's Paragraph, laid out once per width.

    A paragraph is wrapped (its lines broken) to measure the room a heading and what follows
    need (``_room``), then again by the frame that places it, and again when a page break is
    weighed: three times the line breaking. ``wrap`` depends only on the width (reportlab's
    own state after it, ``blPara`` and ``height``, is the same for the same width), so a second
    call at the width of the last one returns the same size without breaking the lines again,
    as long as the lines broken then are still the paragraph's (``split`` may drop them)."""
    from reportlab.platypus import Paragraph

    class OnceParagraph(Paragraph):
        _laid_out: tuple | None = None

        def wrap(self, availWidth, availHeight):
            done = self._laid_out
            if done is not None and done[0] == availWidth and getattr(self, "blPara", None) is done[2]:
                return done[1]
            size = super().wrap(availWidth, availHeight)
            self._laid_out = (availWidth, size, self.blPara)
            return size

    return OnceParagraph

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
    styles = _styles(theme, fonts, document.meta.lang)
    width_mm, height_mm = theme.page_size_mm
    top, right, bottom, left = (m * MM for m in theme.margins_mm)
    page_w, page_h = width_mm * MM, height_mm * MM
    meta = document.meta

    buffer = io.BytesIO()

    class _Doc(BaseDocTemplate):
        sections: list[tuple[str, int, float]] = []  # level-2 heading, page, top (points)
        last: tuple[int, float] = (1, 0.0)  # page and height where the last flowable ended

        def beforeDocument(self):  # noqa: N802 (each pass of a multiBuild starts afresh)
            self.sections = []
            self.last = (1, 0.0)

        def afterFlowable(self, flowable):  # noqa: N802 (reportlab's name)
            if self.frame is not None:  # None just after a page break
                self.last = (self.page, self.frame._y)
            entry = getattr(flowable, "_briefgen_outline", None)
            if entry:
                # The destination is the page and height where the heading landed: the canvas
                # holds pages back until the page count is known, so it records the mark with
                # the page and writes it when that page is written (see _Canvas.save).
                level, text, key = entry
                top = self.frame._y + flowable.height + (flowable.getSpaceBefore() or 0)
                self.canv.mark_heading(key, min(top + 2, self.pagesize[1]))
                if level == 0:
                    self.sections.append((text, self.page, top))
                self.canv.addOutlineEntry(text, key, level=level, closed=False)
                if level <= 1:
                    self.notify("TOCEntry", (level, text, self.page, key))

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
        keywords="; ".join(meta.keywords),  # "; ": keywords (area titles) hold commas
        creator=meta.creator or f"briefgen {__version__}",
        lang=meta.lang,
        initialFontName=fonts["body"],
        initialFontSize=theme.base_size_pt,
        displayDocTitle=1,
        invariant=1,
    )
    stamp = stamp_layout(document, theme, fonts, plan, fallback_names)
    stamp_room = stamp_height(theme, max(len(stamp), meta.stamp_lines))
    furniture = furniture_layout(meta, theme, fonts, _measure(plan, fallback_names))
    frame = Frame(left, furniture.body_bottom + stamp_room, page_w - left - right,
                  furniture.body_top - furniture.body_bottom - stamp_room,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    builder = _Flowables(theme, fonts, styles, frame.width, plan, fallback_names, frame.height)
    story = builder.logo() + builder.blocks(document.blocks)
    if theme.toc:
        story = _with_contents(story, styles, theme)
    from reportlab.platypus.doctemplate import LayoutError

    from briefgen.errors import RenderError

    canvasmaker = _canvas_class(document, theme, fonts, plan, fallback_names, stamp)
    try:
        if theme.toc:
            # Laid out until the contents' page numbers stop changing (usually two passes).
            doc.multiBuild(story, canvasmaker=canvasmaker, maxPasses=6)
        else:
            doc.build(story, canvasmaker=canvasmaker)
    except LayoutError as e:
        kind = str(e).split("<", 1)[-1].split(" ", 1)[0] if "<" in str(e) else "block"
        raise RenderError(
            f"a block of the note ({kind}) is too large to lay out on a page",
            hint="shorten the very long text in it (a name, label, table cell or quotation), or "
            "use a larger page or smaller type in the theme",
        ) from None
    if meta.max_pages is not None and doc.page > meta.max_pages:
        raise _over_budget(doc, meta.max_pages, frame, theme)
    return buffer.getvalue()


def _with_contents(story: list, styles: dict, theme: Theme) -> list:
    """Return ``story`` with a table of contents (sections and their sub-sections, with page
    numbers, linked) after the To / From block, or at the top when there is none."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus.tableofcontents import TableOfContents

    size = theme.base_size_pt
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [
        ParagraphStyle("TOC1", parent=styles["body"], leftIndent=0, firstLineIndent=0, spaceBefore=size * 0.25,
                       spaceAfter=0),
        ParagraphStyle("TOC2", parent=styles["body"], leftIndent=size * 1.5, firstLineIndent=0, spaceAfter=0),
    ]
    contents = [P("Contents", styles["h2"]), toc]
    at = next((i + 1 for i, f in enumerate(story) if getattr(f, "_briefgen_header_block", False)), 0)
    return [*story[:at], *contents, *story[at:]]


def _over_budget(doc, budget: int, frame, theme: Theme):
    """Return the RenderError for a note laid out on more than ``budget`` pages: by how many
    pages and lines of body text, and which sections are the longest (the ones to cut)."""
    from briefgen.errors import RenderError

    pages = doc.page
    frame_h = frame.height
    body_top = frame._y1 + frame_h
    last_page, last_y = doc.last
    over = (last_page - budget - 1) * frame_h + (body_top - last_y)
    lead = theme.base_size_pt * theme.line_spacing
    ends = [(page, top) for _, page, top in doc.sections[1:]] + [doc.last]
    lengths = []
    for (title, page, top), (end_page, end_y) in zip(doc.sections, ends):
        length = (end_page - page) * frame_h + (top - end_y)
        lengths.append((length, title))
    longest = sorted(lengths, reverse=True)[:3]
    cut = "; ".join(f"{title!r} ({length / frame_h:.1f} page)" for length, title in longest)
    return RenderError(
        f"the note runs to {pages} pages; its template allows {budget} (max_pages: {budget}): "
        f"{pages - budget} page{'s' if pages - budget > 1 else ''} over, about {max(1, round(over / lead))} "
        f"lines of body text too many",
        field="max_pages",
        hint=(f"cut that much: the longest sections are {cut}; " if cut else "cut that much; ")
        + "or use fewer areas or figures, a smaller logo, or a larger page",
    )


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

FURNITURE_MAX_LINES = 2
"""Most lines the classification marking, the running header or the footer text may take on a
PDF page; each wraps at the text width and is never cut. A longer one is refused (RenderError)."""
MARKING_SCALE = 0.95
"""Size of the classification marking's type, as a share of the body size."""


FURNITURE_MIN_CHARS = 12
"""Fewest characters a line of the marking, running header or footer must have room for: less
means the theme's margins or type size leave no page to speak of."""


def check_furniture(document: Document, theme: Theme) -> None:
    """Raise RenderError, its ``field`` "classification", "header" or "footer", if a running
    text of ``document`` needs more than ``FURNITURE_MAX_LINES`` lines on a page of ``theme``
    (the same rule for both formats: the DOCX shows what the PDF shows). ThemeError if a font
    cannot be loaded."""
    from briefgen.fonts import plan_fonts
    from briefgen.theme import for_density

    theme = for_density(theme, document.meta.density)
    meta = document.meta
    fonts = _register_fonts(theme)
    plan = plan_fonts(set(meta.classification + meta.header + meta.footer), theme)
    furniture_layout(meta, theme, fonts, _measure(plan, _register_fallbacks(plan)))


def _measure(plan, fallback_names: dict) -> Callable[[str, str, float], float]:
    """Return ``width_of(text, font, size)`` in points, measuring each character in the font
    that will draw it (a fallback font for characters the heading family lacks)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from briefgen.fonts import segments

    def width_of(text: str, font: str, size: float) -> float:
        return sum(stringWidth(run, fallback_names[f] if f else font, size)
                   for run, f in segments(text, plan, "heading"))

    return width_of


class Furniture:
    """Where a PDF page's running texts go (bottom-up coordinates, points).

    ``top_lines`` and ``foot_lines`` hold (text, role, size, x, y, align) with role "marking"
    (bold, classification colour) or "muted"; the page number is drawn on the first footer line
    (``number_y``) at the right. ``rule_y`` is the foot rule's height; ``body_top`` and
    ``body_bottom`` bound the body frame: when the marking or header takes two lines the frame
    moves down (or up at the foot), so nothing is drawn over the body.
    """

    def __init__(self, top_lines, foot_lines, number_y, rule_y, body_top, body_bottom):
        self.top_lines, self.foot_lines = top_lines, foot_lines
        self.number_y, self.rule_y = number_y, rule_y
        self.body_top, self.body_bottom = body_top, body_bottom


def furniture_layout(meta, theme: Theme, fonts: dict[str, str],
                     width_of: Callable[[str, str, float], float]) -> Furniture:
    """Return the ``Furniture`` of every page of a note with ``meta`` in ``theme`` (the
    density-adjusted theme): the marking centred at the top and foot, the running header at
    the top right (beside the marking when both fit on one line, else under it), the footer text
    at the foot left beside "Page X of Y". Each text wraps onto at most ``FURNITURE_MAX_LINES``.

    Raises RenderError naming the text when one needs more lines than that.
    """
    from briefgen.errors import RenderError
    from briefgen.render.layout import wrap_text

    width_mm, height_mm = theme.page_size_mm
    top, right, bottom, left = (m * MM for m in theme.margins_mm)
    w, h = width_mm * MM, height_mm * MM
    size = theme.base_size_pt
    small = size * 0.78
    mark_size = size * MARKING_SCALE
    text_w = w - left - right
    bold, plain = fonts["heading_bold"], fonts["heading"]

    def wrap(text: str, font: str, font_size: float, room: float, what: str, fix: str,
             field: str) -> list[str]:
        text = " ".join(words(text))
        if not text:
            return []
        per_line = max(0, int(room / max(width_of("n", font, font_size), 1e-6)))
        if per_line < FURNITURE_MIN_CHARS:
            # The theme, not the text, is at fault: its page width, side margins and type size.
            raise RenderError(
                f"the theme leaves room for only about {per_line} characters a line for the {what} "
                f"(page {theme.page_size_mm[0]:g} mm wide, side margins {theme.margins_mm[3]:g} + "
                f"{theme.margins_mm[1]:g} mm, body {theme.base_size_pt:g} pt)",
                hint="use narrower side margins (margins_mm) or a smaller base_size_pt in the theme",
                field="margins_mm",
            )
        lines = wrap_text(text, lambda t: width_of(t, font, font_size), room)
        if len(lines) > FURNITURE_MAX_LINES:
            raise RenderError(
                f"the {what} needs {len(lines)} lines on each page; at most {FURNITURE_MAX_LINES} "
                f"fit (about {per_line} characters a line at this page width and type size): {text[:80]!r}",
                hint=fix, field=field,
            )
        return lines

    marking = wrap(meta.classification, bold, mark_size, text_w, "classification marking",
                   "shorten the classification, or use a wider page, narrower margins or smaller type in the theme",
                   "classification")
    mark_lead = mark_size * 1.25
    small_lead = small * 1.35

    # Top: the marking's lines centred; the header at the right on the marking's first line
    # when it fits beside it, else on its own lines under the marking.
    top_lines = []
    header_beside = False
    if meta.header.strip() and len(marking) <= 1:
        beside = (text_w - (width_of(marking[0], bold, mark_size) if marking else 0)) / 2 - 4 * MM
        header_beside = width_of(" ".join(words(meta.header)), plain, small) <= beside
    header = ([" ".join(words(meta.header))] if header_beside else
              wrap(meta.header, plain, small, text_w, "running header",
                   "shorten the running_header block of the template, or use a wider page", "header"))
    stack = [(line, "marking", mark_size, w / 2, "center", mark_lead) for line in marking]
    if not header_beside:
        stack += [(line, "muted", small, w - right, "right", small_lead) for line in header]
    band = sum(lead for *_, lead in stack)
    # The band is centred in the top margin when it fits there with 3 mm to spare; else it
    # starts 6 mm below the page's edge and the body starts under it.
    if band + 3 * MM <= top - 3 * MM:
        y = h - top / 2 + band / 2
        body_top = h - top
    else:
        y = h - 6 * MM
        body_top = y - band - 3 * MM
    for line, role, font_size, x, align, lead in stack:
        y -= lead
        top_lines.append((line, role, font_size, x, y + lead * 0.25, align))
    if header_beside:
        first_y = top_lines[0][4] if top_lines else h - top / 2
        top_lines.append((header[0], "muted", small, w - right, first_y, "right"))

    # Foot, top down: the rule, the footer text (left) and the page number (right), then the
    # marking's lines centred.
    number_w = width_of("Page 9999 of 9999", plain, small)
    footer = wrap(meta.footer, plain, small, text_w - number_w - 8 * MM, "footer text",
                  "shorten the footer block of the template", "footer")
    below = small * 1.5 + max(len(footer) - 1, 0) * small_lead + (size * 1.5 if marking else 0) \
        + max(len(marking) - 1, 0) * mark_lead
    floor = 7 * MM  # the lowest baseline, clear of a printer's unprintable edge
    rule_y = max(bottom - 4 * MM, floor + below)
    body_bottom = rule_y + 4 * MM
    y = rule_y - small * 1.5
    number_y = y
    foot_lines = []
    for i, line in enumerate(footer):
        foot_lines.append((line, "muted", small, left, y, "left"))
        if i < len(footer) - 1:
            y -= small_lead
    if marking:
        y -= size * 1.5
        for i, line in enumerate(marking):
            foot_lines.append((line, "marking", mark_size, w / 2, y, "center"))
            y -= mark_lead
    return Furniture(top_lines, foot_lines, number_y, rule_y, body_top, body_bottom)


def stamp_height(theme: Theme, lines: int) -> float:
    """Return the height (points) kept above the page's foot for ``lines`` stamp lines."""
    if not lines:
        return 0.0
    return lines * theme.base_size_pt * STAMP_SCALE * 1.35 + 2.5 * MM


def xmp_packet(info, lang: str, timestamp: float, keywords: tuple[str, ...] = ()) -> str:
    """Return the XMP metadata packet (XML text) holding what the Info dictionary ``info`` (a
    reportlab PDFInfo) holds: title, author, subject, keywords, creator tool, producer and the
    creation and modification dates (``timestamp``, seconds since the epoch, UTC), and the
    language; ``keywords`` one by one in dc:subject (a keyword may hold a comma). PDF/A and
    PDF/UA readers, and most document managers, read XMP, not the Info dictionary."""
    import datetime as dt
    from xml.sax.saxutils import escape as x

    when = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    bag = "".join(f"<rdf:li>{x(k)}</rdf:li>" for k in keywords)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        "<dc:format>application/pdf</dc:format>"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{x(info.title or "")}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:creator><rdf:Seq><rdf:li>{x(info.author or '')}</rdf:li></rdf:Seq></dc:creator>"
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{x(info.subject or "")}</rdf:li></rdf:Alt>'
        "</dc:description>"
        f"<dc:subject><rdf:Bag>{bag}</rdf:Bag></dc:subject>"
        f"<dc:language><rdf:Bag><rdf:li>{x(lang or 'en')}</rdf:li></rdf:Bag></dc:language>"
        f"<pdf:Keywords>{x(info.keywords or '')}</pdf:Keywords>"
        f"<pdf:Producer>{x(info.producer or '')}</pdf:Producer>"
        f"<xmp:CreatorTool>{x(info.creator or '')}</xmp:CreatorTool>"
        f"<xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{when}</xmp:MetadataDate>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


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


@functools.lru_cache(maxsize=8)
def hyphenator(lang: str):
    """Return pyphen's ``iterate`` for ``lang`` (a callable reportlab's ``hyphenationLang``
    accepts: word -> (start, end) pairs, longest start first), or "" when pyphen has no
    dictionary for it. Built once per language: a dictionary takes a while to load."""
    import pyphen

    name = pyphen.language_fallback((lang or "en").replace("-", "_"))
    return pyphen.Pyphen(lang=name).iterate if name else ""


def _styles(theme: Theme, fonts: dict[str, str], lang: str = "en") -> dict:
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

    # Narrow columns (table cells, definition terms) break long words at the dictionary's
    # hyphenation points, or at their own hyphens, before reportlab splits them anywhere. Not
    # right-aligned cells: they hold values ("15 MoUs and agreements"), read whole; their column is
    # at least as wide as their longest word.
    narrow = {"hyphenationLang": hyphenator(lang), "embeddedHyphenation": 1, "hyphenationMinWordLength": 6}
    return {
        "body": body,
        "h1": head("Title", 2.0, 0, size * 0.9),
        "h2": head("Heading1", 1.35, size * 1.3, size * 0.5),
        "h3": head("Heading2", 1.12, size * 1.0, size * 0.35),
        "h4": head("Heading3", 1.0, size * 0.8, size * 0.3),
        "item": ParagraphStyle("Item", parent=body, spaceAfter=size * 0.3),
        "cell": ParagraphStyle("Cell", parent=body, fontSize=size * 0.92, leading=size * 0.92 * 1.3, spaceAfter=0, **narrow),
        "cell_right": ParagraphStyle("CellRight", parent=body, fontSize=size * 0.92, leading=size * 0.92 * 1.3, spaceAfter=0, alignment=TA_RIGHT),
        "head_cell": ParagraphStyle("HeadCell", parent=body, fontName=fonts["heading_bold"], fontSize=size * 0.88, leading=size * 0.88 * 1.3, textColor=heading, spaceAfter=0, **narrow),
        "head_cell_right": ParagraphStyle("HeadCellRight", parent=body, fontName=fonts["heading_bold"], fontSize=size * 0.88, leading=size * 0.88 * 1.3, textColor=heading, spaceAfter=0, alignment=TA_RIGHT),
        "term": ParagraphStyle("Term", parent=body, fontName=fonts["heading_bold"], fontSize=size * 0.9, textColor=muted, spaceAfter=0, **narrow),
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
        self.seen_definitions = False

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
        P = _paragraph_class()

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
                table = self.definitions(items, width)
                table._briefgen_header_block = depth == 0 and not self.seen_definitions
                self.seen_definitions = True
                return [table]
            case Chart():
                from reportlab.platypus import Spacer

                return [self.chart(block, width), Spacer(1, self.theme.base_size_pt)]
            case _:
                raise TypeError(f"the PDF renderer does not know the block {block!r}")

    def list(self, items, width: float, depth: int, *, ordered: bool, start: int = 1) -> list:
        """Return list items as bulleted paragraphs (plain paragraphs, unlike ListFlowable, can
        be kept with a heading and obey widow and orphan control)."""
        from reportlab.lib.styles import ParagraphStyle
        P = _paragraph_class()

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
        P = _paragraph_class()
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
        P = _paragraph_class()
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
        P = _paragraph_class()
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
        # Each label sits on its value's first baseline: a paragraph's first baseline is its
        # font's ascent below the cell's top, and the label's (smaller, sans) type has less.
        from reportlab.pdfbase.pdfmetrics import getAscent

        term, value = self.styles["term"], self.styles["definition"]
        drop = max(0.0, getAscent(value.fontName, value.fontSize) - getAscent(term.fontName, term.fontSize))
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
            ("TOPPADDING", (0, 0), (0, -1), 3 + drop),
            ("TOPPADDING", (0, 0), (0, 0), 7 + drop),
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
            # The widest unit that cannot break: a word, or words held by no-break spaces (a
            # hyphenated cell may still break inside it, at a hyphenation point).
            units = words(text) or [""]
            bold = style.fontName
            minimum[i] = max(minimum[i], max(stringWidth(w, bold, style.fontSize) for w in units) + pad)
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
    # (and the running texts, measured to find where the stamp goes above them)
    meta = document.meta
    plan = plan_fonts(set(meta.stamp + meta.watermark + meta.classification + meta.header + meta.footer), theme)
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
        """Return ``text`` cut to fit ``room`` points (the watermark's last line only)."""
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
    furniture = furniture_layout(meta, theme, fonts, width_of)

    class _Canvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[tuple[dict, list]] = []
            self._marks: list[tuple[str, float]] = []
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

        def mark_heading(self, key: str, top: float) -> None:
            """Record an outline destination ``key`` at height ``top`` (points) on this page."""
            self._marks.append((key, top))

        def showPage(self):  # noqa: N802
            self._pages.append((dict(self.__dict__), self._marks))
            self._marks = []
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state, marks in self._pages:
                self.__dict__.update(state)
                for key, top in marks:
                    # Only now is this the page reportlab is writing: a destination made
                    # earlier would point at the first page.
                    self.bookmarkPage(key, fit="XYZ", left=0, top=top)
                self._decorate(total)
                super().showPage()
            if not overlay:
                from reportlab.pdfbase.pdfdoc import XMP

                # UTF-8 bytes: reportlab would encode text in PDFDocEncoding, which lacks "–", "’".
                self._doc.Catalog.Metadata = XMP(creator=lambda doc: xmp_packet(
                    doc.info, meta.lang, doc._timeStamp.t, meta.keywords).encode("utf-8"))
            super().save()

        def _decorate(self, total: int) -> None:
            w, h = self._pagesize
            self.saveState()
            if not overlay:
                self._running_texts(w, h, total)
            self._stamp_and_watermark(w, h)
            self.restoreState()

        def _running_texts(self, w, h, total: int) -> None:
            small = size * 0.78
            for line, role, font_size, x, y, align in furniture.top_lines + furniture.foot_lines:
                marking = role == "marking"
                self.setFillColor(HexColor(theme.classification_colour if marking else theme.muted_colour))
                draw(self, x, y, line, fonts["heading_bold" if marking else "heading"], font_size, align)
            self.setStrokeColor(HexColor(theme.rule_colour))
            self.setLineWidth(0.5)
            self.line(left, furniture.rule_y, w - right, furniture.rule_y)
            self.setFillColor(HexColor(theme.muted_colour))
            draw(self, w - right, furniture.number_y, f"Page {self._pageNumber} of {total}", fonts["heading"],
                 small, "right")

        def _stamp_and_watermark(self, w: float, h: float) -> None:
            if stamp:
                # Bottom-aligned in the room the frame left free above the foot, so it never
                # touches the body text or the rule.
                self.setFillColor(HexColor(theme.text_colour))
                stamp_size = size * STAMP_SCALE
                leading = stamp_size * 1.35
                for i, line in enumerate(stamp):
                    y = furniture.body_bottom + 1.2 * MM + stamp_size * 0.25 + (len(stamp) - 1 - i) * leading
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
