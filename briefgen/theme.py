"""The theme: a note's house style as data, shared by the PDF and the DOCX renderers.

Page size, margins (mm), fonts, base size (pt) and colours (``#rrggbb``). Fonts are families of
four TrueType files (regular, bold, italic, bold italic); the default families are DejaVu Serif for
body text and DejaVu Sans for headings, the files shipped by the ``matplotlib`` package, so a plain
``pip install`` has fonts that cover Latin Extended-A/B, Greek, Cyrillic and typographic
punctuation, and every PDF embeds them.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import ThemeError

__all__ = ["FontFamily", "Theme", "default_theme", "bundled_font_dir", "PAGE_SIZES_MM"]

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
"""Supported page sizes, (width, height) in millimetres."""


@dataclass(frozen=True)
class FontFamily:
    """A font family: its name (as Word shows it) and the four TrueType files the PDF embeds."""

    name: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path

    def files(self) -> dict[str, Path]:
        """Return the font files by style: ``regular``, ``bold``, ``italic``, ``bold_italic``."""
        return {
            "regular": self.regular,
            "bold": self.bold,
            "italic": self.italic,
            "bold_italic": self.bold_italic,
        }


@dataclass(frozen=True)
class Theme:
    """A house style. Lengths: ``margins_mm`` in millimetres (top, right, bottom, left);
    ``base_size_pt`` in points (body text; headings scale from it); colours as ``#rrggbb``."""

    page_size: str = "A4"
    margins_mm: tuple[float, float, float, float] = (24.0, 20.0, 22.0, 20.0)
    body_font: FontFamily | None = None
    heading_font: FontFamily | None = None
    mono_font: FontFamily | None = None
    base_size_pt: float = 10.5
    line_spacing: float = 1.3
    text_colour: str = "#1a1a1a"
    heading_colour: str = "#1f3864"
    accent_colour: str = "#2e5597"
    muted_colour: str = "#5a6170"
    rule_colour: str = "#b8c2d6"
    table_header_fill: str = "#e8edf5"
    classification_colour: str = "#9b1c1c"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """Return (width, height) of the page in millimetres."""
        try:
            return PAGE_SIZES_MM[self.page_size]
        except KeyError:
            raise ThemeError(
                f"unknown page size {self.page_size!r}", hint=f"use one of {', '.join(PAGE_SIZES_MM)}"
            ) from None


def bundled_font_dir() -> Path:
    """Return the folder of the DejaVu TrueType files shipped by matplotlib.

    Found without importing matplotlib (which is slow to import). Raises ThemeError if
    matplotlib is not installed.
    """
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ThemeError(
            "the default fonts come with the 'matplotlib' package, which is not installed",
            hint="pip install matplotlib, or name your own font files in a theme",
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    if not folder.is_dir():
        raise ThemeError(f"the font folder {folder} is missing from the matplotlib install")
    return folder


def _dejavu(name: str, stem: str, italic: str) -> FontFamily:
    d = bundled_font_dir()
    return FontFamily(
        name=name,
        regular=d / f"{stem}.ttf",
        bold=d / f"{stem}-Bold.ttf",
        italic=d / f"{stem}-{italic}.ttf",
        bold_italic=d / f"{stem}-Bold{italic}.ttf",
    )


def default_theme() -> Theme:
    """Return the built-in theme: A4, DejaVu Serif body, DejaVu Sans headings, navy accents."""
    return Theme(
        body_font=_dejavu("DejaVu Serif", "DejaVuSerif", "Italic"),
        heading_font=_dejavu("DejaVu Sans", "DejaVuSans", "Oblique"),
        mono_font=_dejavu("DejaVu Sans Mono", "DejaVuSansMono", "Oblique"),
    )
