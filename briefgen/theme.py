"""The theme: a note's house style as data, shared by the PDF and the DOCX renderers.

Page size, margins (mm), fonts, base size (pt) and colours (``#rrggbb``). Fonts are families of
four TrueType files (regular, bold, italic, bold italic); the default families are Noto Serif for
body text, Noto Sans for headings and Source Code Pro for code, installed by pip as the
``fontpkg-*`` packages (see ``briefgen.fontcache``), so a plain ``pip install`` has fonts that
cover Latin Extended (Azerbaijani ə), Vietnamese, Greek, Cyrillic, typographic punctuation and
the currency signs (₼ ₨ ₺ ₹ ₽ € £), and every PDF embeds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import ThemeError

__all__ = ["FontFamily", "Theme", "resolve_family", "PAGE_SIZES_MM"]

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
    is the theme file it came from; ``reference_docx`` the bytes of the office's Word document or
    template the DOCX is built on, if any. The values of the built-in theme live in one place only:
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
    reference_docx: bytes | None = None
    """The office's own Word document or template (``reference_docx:``), read once when the
    theme is loaded, as a .docx package (see ``render.reference``); None for briefgen's own."""

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


DEFAULT_THEME_FILE = Path(__file__).resolve().parent / "themes" / "default.yaml"


def resolve_family(name: str) -> FontFamily:
    """Return the font family called ``name``: one installed with pip as a ``fontpkg-<name>``
    package (the defaults: Noto Serif, Noto Sans, Source Code Pro), else one fontconfig finds.

    Raises ThemeError if no installed family has that name (fontconfig would silently substitute
    another; briefgen refuses instead), or if the family lacks a bold, italic or bold italic face
    (a note's emphasis would silently come out in the regular face), naming the faces it lacks.
    """
    from briefgen.fontcache import packaged_family

    try:
        packaged = packaged_family(name)
    except (OSError, ValueError) as e:
        raise ThemeError(f"cannot prepare the font family {name!r}: {e}") from None
    if packaged is not None:
        family, files, missing = packaged
        if missing:
            _refuse_incomplete(name, missing)
        return FontFamily(family, **files)
    files = {}
    missing = []
    for style, pattern in (("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"),
                           ("bold_italic", "Bold Italic")):
        found = _fc_match(f"{name}:style={pattern}")
        if found is None or found[0].lower() != name.lower():
            raise ThemeError(
                f"no installed font family is called {name!r}",
                hint="use Noto Serif, Noto Sans or Source Code Pro, any family installed with "
                "'pip install fontpkg-<name>', a family listed by 'fc-list : family', or give "
                "the four font files",
            )
        files[style] = found[1]
        shown = found[2].lower()
        is_bold = any(w in shown for w in ("bold", "black", "heavy"))
        is_italic = any(w in shown for w in ("italic", "oblique"))
        if style != "regular" and (files[style] == files["regular"]
                                   or ("bold" in style and not is_bold)
                                   or ("italic" in style and not is_italic)):
            missing.append(style)
    if missing:
        _refuse_incomplete(name, missing)
    return FontFamily(name, **files)


def _refuse_incomplete(name: str, missing: list[str]) -> None:
    faces = ", ".join(m.replace("_", " ") for m in missing)
    raise ThemeError(
        f"the font family {name!r} has no {faces} face: bold and italic text would silently "
        "come out in another face",
        hint="pick a family with regular, bold, italic and bold italic faces, or give four files "
        "as {name, regular, bold, italic, bold_italic}",
    )


def _fc_match(pattern: str) -> tuple[str, Path, str] | None:
    import shutil
    import subprocess

    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{family[0]}\\n%{file}\\n%{style[0]}", pattern], capture_output=True,
                             text=True, timeout=20, check=False).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out[0], Path(out[1]), out[2]) if len(out) == 3 else None


