"""The theme: a note's house style as data, shared by the PDF and the DOCX renderers.

Page size, margins (mm), fonts, base size (pt) and colours (``#rrggbb``). Fonts are families of
four TrueType files (regular, bold, italic, bold italic); the default families are DejaVu Serif for
body text and DejaVu Sans for headings, the files shipped by the ``matplotlib`` package, so a plain
``pip install`` has fonts that cover Latin Extended-A/B, Greek, Cyrillic and typographic
punctuation, and every PDF embeds them.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import ThemeError

__all__ = ["FontFamily", "Theme", "bundled_font_dir", "PAGE_SIZES_MM"]

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
    """A house style. Lengths: ``margins_mm`` in millimetres (top, right, bottom, left),
    ``logo_width_mm`` in millimetres; ``base_size_pt`` in points (body text; headings scale from
    it); colours as ``#rrggbb``. ``fallback_fonts`` are font files tried, in order, for characters
    the families lack; ``system_fallback`` lets fontconfig's fonts be tried after them. ``source``
    is the theme file it came from. The values of the built-in theme live in one place only:
    ``briefgen/themes/default.yaml``.
    """

    page_size: str
    margins_mm: tuple[float, float, float, float]
    body_font: FontFamily
    heading_font: FontFamily
    mono_font: FontFamily
    fallback_fonts: tuple[Path, ...]
    system_fallback: bool
    base_size_pt: float
    line_spacing: float
    text_colour: str
    heading_colour: str
    accent_colour: str
    muted_colour: str
    rule_colour: str
    table_header_fill: str
    classification_colour: str
    logo: Path | None
    logo_width_mm: float
    toc: bool
    source: str

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """Return (width, height) of the page in millimetres."""
        try:
            return PAGE_SIZES_MM[self.page_size]
        except KeyError:
            raise ThemeError(
                f"unknown page size {self.page_size!r}", hint=f"use one of {', '.join(PAGE_SIZES_MM)}"
            ) from None


def logo_size_mm(theme: Theme) -> tuple[float, float]:
    """Return the logo's (width, height) in mm: ``logo_width_mm`` wide at the image's aspect
    ratio, shrunk if need be to fit the text width and a quarter of the page height.

    Raises ThemeError if the theme has no logo or it cannot be read.
    """
    if theme.logo is None:
        raise ThemeError("the theme has no logo")
    from PIL import Image

    try:
        with Image.open(theme.logo) as image:
            width_px, height_px = image.size
    except Exception:  # PIL raises many kinds for a broken file
        raise ThemeError("cannot read the logo image", path=str(theme.logo)) from None
    page_w, page_h = theme.page_size_mm
    top, right, bottom, left = theme.margins_mm
    width = min(theme.logo_width_mm, page_w - left - right)
    height = width * height_px / max(width_px, 1)
    limit = (page_h - top - bottom) / 4
    if height > limit:
        width, height = width * limit / height, limit
    return width, height


def for_density(theme: Theme, density: str) -> Theme:
    """Return ``theme`` adjusted for a document's density: "compact" sets type 14% smaller, line
    spacing at most 1.15, the top margin 6 mm and the bottom one 4 mm smaller (never under 14
    and 18 mm); "normal"
    returns ``theme`` unchanged."""
    from dataclasses import replace

    if density != "compact":
        return theme
    top, right, bottom, left = theme.margins_mm
    return replace(
        theme,
        base_size_pt=round(theme.base_size_pt * 0.86, 2),
        line_spacing=min(theme.line_spacing, 1.15),
        # A compact page trades the body's measure for room: side margins at most 20 mm.
        margins_mm=(max(top - 6, 14), min(right, 20), max(bottom - 4, 18), min(left, 20)),
    )


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


_BUNDLED = {
    "DejaVu Serif": ("DejaVuSerif", "Italic"),
    "DejaVu Sans": ("DejaVuSans", "Oblique"),
    "DejaVu Sans Mono": ("DejaVuSansMono", "Oblique"),
}
DEFAULT_THEME_FILE = Path(__file__).resolve().parent / "themes" / "default.yaml"


def resolve_family(name: str) -> FontFamily:
    """Return the font family called ``name``: a bundled DejaVu family, else one fontconfig finds.

    Raises ThemeError if no installed family has that name (fontconfig would silently substitute
    another; briefgen refuses instead).
    """
    if name in _BUNDLED:
        stem, italic = _BUNDLED[name]
        d = bundled_font_dir()
        return FontFamily(name, d / f"{stem}.ttf", d / f"{stem}-Bold.ttf", d / f"{stem}-{italic}.ttf",
                          d / f"{stem}-Bold{italic}.ttf")
    files = {}
    for style, pattern in (("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"),
                           ("bold_italic", "Bold Italic")):
        found = _fc_match(f"{name}:style={pattern}")
        if found is None or found[0].lower() != name.lower():
            raise ThemeError(
                f"no installed font family is called {name!r}",
                hint="use DejaVu Serif, DejaVu Sans or DejaVu Sans Mono, a family listed by "
                "'fc-list : family', or give the four font files",
            )
        files[style] = found[1]
    return FontFamily(name, **files)


def _fc_match(pattern: str) -> tuple[str, Path] | None:
    import shutil
    import subprocess

    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{family[0]}\\n%{file}", pattern], capture_output=True,
                             text=True, timeout=20, check=False).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out[0], Path(out[1])) if len(out) == 2 else None


