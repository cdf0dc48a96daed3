"""The key-figures bar chart as marks (rectangles, lines, text runs) in points, drawn by both formats.

``chart_marks`` lays the chart out once (``chart_geometry``: wrapped labels, bar lengths) and
returns what to draw; the PDF turns the marks into reportlab vector shapes, the DOCX into a PNG
drawn with Pillow from the same TrueType files at the same positions, so the Word chart has the
PDF's faces, sizes and proportions. Coordinates are points, origin at the bottom left (as in PDF).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from briefgen.model import Chart
from briefgen.render.layout import wrap_text
from briefgen.theme import Theme

__all__ = ["Rect", "Line", "Label", "ChartMarks", "chart_geometry", "chart_marks", "chart_png",
           "wrap_lines", "CHART_SCALE"]

CHART_SCALE = 0.85
"""Size of the chart's text, as a share of the body size."""


def wrap_lines(text: str, width_of: Callable[[str], float], room: float) -> list[str]:
    """Return ``text`` wrapped into lines ``width_of`` at most ``room`` points, every word kept
    (``layout.wrap_text``): a chart's label or caption is a fact and is never cut. At least one
    line, empty for an empty text. Chart texts are at most ``markup.MAX_CHART_TEXT`` characters."""
    return wrap_text(text, width_of, room) or [""]


def chart_geometry(chart: Chart, width: float, size: float,
                   width_of: Callable[[str, str], float] | None = None) -> dict:
    """Return the layout of a bar chart ``width`` points wide with text of ``size`` points.

    ``width_of(text, role)`` measures text in points for role "title" (bold, 1.05 × size),
    "label" or "caption"; without it, 0.6 × size per character. Titles, labels and captions wrap
    in full (never cut) instead of running off the page; the chart grows taller.
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
    title = wrap_lines(chart.title, lambda t: measure(t, "title"), width) if chart.title else []
    title_h = size * 1.2 + len(title) * size * 1.3 if title else size * 0.8
    rows = []
    for label, _, _, caption, _ in chart.bars:
        label_lines = wrap_lines(label, lambda t: measure(t, "label"), label_w - 8)
        caption_lines = wrap_lines(caption, lambda t: measure(t, "caption"), caption_w - 2)
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


@dataclass(frozen=True)
class Rect:
    """A filled, outlined rectangle: lower-left corner (x, y), width, height; colours #rrggbb."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str
    stroke_width: float


@dataclass(frozen=True)
class Line:
    """A straight line from (x1, y1) to (x2, y2)."""

    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float


@dataclass(frozen=True)
class Label:
    """Text on a baseline: ``runs`` are (text, font file) placed one after another from ``x``."""

    x: float
    y: float
    runs: tuple[tuple[str, Path], ...]
    size: float
    colour: str


@dataclass(frozen=True)
class ChartMarks:
    """Everything to draw: ``width`` and ``height`` in points and the marks, back to front."""

    width: float
    height: float
    marks: tuple


def _width(runs, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from briefgen.fonts import face

    return sum(stringWidth(text, face(path).fontName, size) for text, path in runs)


def chart_marks(chart: Chart, theme: Theme, width: float, plan) -> ChartMarks:
    """Return the marks of ``chart`` laid out ``width`` points wide in ``theme``'s fonts and
    colours; ``plan`` (a ``fonts.FontPlan``) names the fallback file of each character the
    families lack. Text is measured with the fonts' own metrics (reportlab's).

    Raises ValueError if a font file cannot be parsed.
    """
    from briefgen.fonts import segments

    size = theme.base_size_pt * CHART_SCALE
    files = {"title": (theme.heading_font.bold, "heading", size * 1.05),
             "label": (theme.body_font.regular, "body", size),
             "caption": (theme.heading_font.regular, "heading", size)}

    def runs_of(text: str, kind: str):
        file, role, _ = files[kind]
        return tuple((run, fallback or file) for run, fallback in segments(text, plan, role))

    def measure(text: str, kind: str) -> float:
        return _width(runs_of(text, kind), files[kind][2])

    geometry = chart_geometry(chart, width, size, measure)
    height = geometry["height"]
    marks: list = []

    def text(x: float, y: float, line: str, kind: str, colour: str, anchor: str = "start") -> None:
        runs = runs_of(line, kind)
        if anchor == "end":
            x -= _width(runs, files[kind][2])
        marks.append(Label(x, y, runs, files[kind][2], colour))

    for k, line in enumerate(geometry["title"]):
        text(0, height - size * 1.1 - k * size * 1.3, line, "title", theme.heading_colour)
    label_w = geometry["label_w"]
    for (_, _, kind, _, _), (y, bar_h, bar_w, labels, captions, low_x) in zip(chart.bars, geometry["bars"]):
        mid = y + bar_h / 2
        for lines, x, role, anchor in ((labels, label_w - 8, "label", "end"),
                                       (captions, label_w + bar_w + 5, "caption", "start")):
            for k, line in enumerate(lines):
                offset = (len(lines) - 1) * size * 0.6 - k * size * 1.2
                text(x, mid - size * 0.35 + offset, line, role, theme.text_colour, anchor)
        # A range's bar is light to its high end and solid to its low end, whatever its kind, so
        # the two ends can be told apart; otherwise a target is light, an actual solid.
        solid = kind == "actual" and low_x is None
        marks.append(Rect(label_w, y, max(bar_w, 0.8), bar_h, theme.accent_colour if solid else theme.table_header_fill,
                          theme.accent_colour, 0.8))
        if low_x is not None:
            marks.append(Rect(label_w, y, max(low_x, 0.8), bar_h, theme.accent_colour, theme.accent_colour, 0.8))
    marks.append(Line(label_w, geometry["bottom"], label_w, geometry["top"], theme.muted_colour, 0.6))
    return ChartMarks(width, height, tuple(marks))


def chart_png(marks: ChartMarks, dpi: int = 220) -> bytes:
    """Return ``marks`` drawn as a PNG at ``dpi`` dots per inch with Pillow, text in the same
    TrueType files the PDF embeds (FreeType renders them), white background.

    Raises RenderError naming the font file if FreeType cannot read it or draw its glyphs.
    """
    import io

    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72
    width_px, height_px = round(marks.width * scale), round(marks.height * scale)
    image = Image.new("RGB", (max(width_px, 1), max(height_px, 1)), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict = {}

    def px(x: float, y: float) -> tuple[float, float]:
        return x * scale, (marks.height - y) * scale

    for mark in marks.marks:
        if isinstance(mark, Rect):
            left, top = px(mark.x, mark.y + mark.h)
            right, bottom = px(mark.x + mark.w, mark.y)
            half = mark.stroke_width * scale / 2
            draw.rectangle((left - half, top - half, right + half, bottom + half), fill=mark.stroke)
            if right - left > 2 * half and bottom - top > 2 * half:
                draw.rectangle((left + half, top + half, right - half, bottom - half), fill=mark.fill)
        elif isinstance(mark, Line):
            draw.line((*px(mark.x1, mark.y1), *px(mark.x2, mark.y2)), fill=mark.colour,
                      width=max(1, round(mark.width * scale)))
        else:
            x = mark.x
            for text, path in mark.runs:
                key = (path, mark.size)
                try:  # FreeType reports a damaged font ("invalid outline") as OSError
                    if key not in fonts:
                        fonts[key] = ImageFont.truetype(str(path), size=mark.size * scale)
                    draw.text(px(x, mark.y), text, font=fonts[key], fill=mark.colour, anchor="ls")
                except OSError as e:
                    from briefgen.errors import RenderError

                    raise RenderError(f"the chart's text {text!r} cannot be drawn with the font {Path(path).name}: {e}",
                                      path=str(path), hint="the font file is damaged: install it again, "
                                      "or name another font in the theme") from None
                x += _width(((text, path),), mark.size)
    out = io.BytesIO()
    # Default compression, not optimize=True: that tries every filter at level 9, 20 ms a note for
    # a few per cent of a 25 KB image.
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
