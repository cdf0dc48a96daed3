"""Fonts: which characters each font can show, fallbacks, and the check run before rendering.

A note must never show a black box or an empty square where a name should be. Before anything
is rendered, every character of the text is looked up in the character maps (cmaps) of the
theme's fonts. A character the main family lacks is drawn from the first fallback font that has
it: the theme's other families, the theme's ``fallback_fonts`` files, then (when
``system_fallback`` is on) any TrueType font fontconfig knows. A character no font has is an
error naming where it is, unless the caller asked for ``replace``, which substitutes U+FFFD (�, a
visible marker) and reports it as a warning.

Right-to-left scripts (Arabic, Urdu, Hebrew, ...) are refused with a clear error: the PDF renderer
does not reorder or shape them, and wrong-order, unjoined letters in a name are worse than none.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "cmap",
    "family_coverage",
    "system_font_for",
    "FontPlan",
    "plan_fonts",
    "is_rtl",
    "describe",
    "family_name",
    "segments",
    "REPLACEMENT",
]

REPLACEMENT = "\ufffd"
# Characters that need no glyph: line breaks and spaces the layout handles itself.
_NO_GLYPH = {"\n", "\t", "\r"}


@functools.lru_cache(maxsize=64)
def cmap(path: Path) -> frozenset[int]:
    """Return the code points the TrueType/OpenType font file at ``path`` maps to glyphs.

    Raises OSError if the file cannot be read, ValueError if it is not a font.
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            table = font.getBestCmap() or {}
            return frozenset(table)
    except TTLibError as e:
        raise ValueError(f"not a TrueType or OpenType font ({e})") from None


def family_coverage(files: list[Path]) -> frozenset[int]:
    """Return the code points every one of ``files`` (a family's styles) can show."""
    sets = [cmap(p) for p in files]
    return frozenset.intersection(*sets) if sets else frozenset()


@functools.lru_cache(maxsize=256)
def system_font_for(char: str) -> Path | None:
    """Return a TrueType font file fontconfig knows that has ``char``, or None.

    Only plain ``.ttf`` files with TrueType outlines qualify (reportlab cannot embed CFF
    outlines or pick from collections). Returns None when fontconfig is not installed.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        result = subprocess.run(
            [fc_list, f":charset={ord(char):x}", "file", "fontformat"],
            capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    candidates = []
    for line in result.stdout.splitlines():
        file, _, rest = line.partition(":")
        if "TrueType" in rest and file.lower().endswith(".ttf"):
            candidates.append(Path(file.strip()))
    # Prefer regular styles and well-known families, so fallbacks look alike from run to run.
    def rank(p: Path) -> tuple:
        name = p.name.lower()
        styled = any(s in name for s in ("bold", "italic", "oblique", "light", "thin", "black", "condensed"))
        return (styled, "noto" not in name and "dejavu" not in name, len(name), name)

    for path in sorted(candidates, key=rank):
        try:
            if ord(char) in cmap(path) and has_outline(path, char):
                return path
        except (OSError, ValueError):
            continue
    return None


@functools.lru_cache(maxsize=1024)
def has_outline(path: Path, char: str) -> bool:
    """Return True if the font at ``path`` draws ``char`` with vector outlines.

    Colour-emoji fonts map characters to bitmaps only; reportlab would embed an empty glyph,
    which is worse than an error.
    """
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True, fontNumber=0) as font:
        if "glyf" not in font:
            return False
        name = (font.getBestCmap() or {}).get(ord(char))
        if name is None:
            return False
        glyph = font["glyf"][name]
        return char.isspace() or glyph.numberOfContours != 0


def is_rtl(char: str) -> bool:
    """Return True if ``char`` belongs to a right-to-left script (bidi class R or AL)."""
    return unicodedata.bidirectional(char) in ("R", "AL")


def describe(char: str) -> str:
    """Return ``'₼' (U+20BC MANAT SIGN)``: a character as a message shows it."""
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


@dataclass(frozen=True)
class FontPlan:
    """Which font draws which character.

    ``coverage`` maps a role (``body``, ``heading``, ``mono``) to the code points its family
    shows in all four styles; ``fallback`` maps each character that some role lacks to the font
    file that draws it instead; ``missing`` lists characters no font has.
    """

    coverage: dict[str, frozenset[int]]
    fallback: dict[str, Path] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def font_for(self, role: str, char: str) -> Path | None:
        """Return the fallback file for ``char`` in ``role``, or None if the family has it."""
        if ord(char) in self.coverage.get(role, frozenset()) or char in _NO_GLYPH:
            return None
        return self.fallback.get(char)


def plan_fonts(chars: set[str], theme) -> FontPlan:
    """Return the FontPlan that shows ``chars`` with ``theme``'s fonts and fallbacks.

    ``theme`` is a ``briefgen.theme.Theme``. Raises nothing: characters no font has are listed
    in ``FontPlan.missing`` for the caller to report.
    """
    roles = {
        "body": theme.body_font,
        "heading": theme.heading_font,
        "mono": theme.mono_font,
    }
    coverage = {
        role: family_coverage(list(family.files().values())) for role, family in roles.items() if family
    }
    candidates: list[Path] = []
    for family in roles.values():
        if family:
            candidates.append(family.regular)
    candidates.extend(theme.fallback_fonts)
    fallback: dict[str, Path] = {}
    missing: list[str] = []
    for char in sorted(chars):
        if char in _NO_GLYPH or char.isspace() and ord(char) < 0x80:
            continue
        code = ord(char)
        if all(code in cov for cov in coverage.values()):
            continue
        chosen = next((p for p in candidates if code in cmap(p)), None)
        if chosen is None and theme.system_fallback:
            chosen = system_font_for(char)
        if chosen is None:
            if not any(code in cov for cov in coverage.values()):
                missing.append(char)
            continue
        fallback[char] = chosen
    return FontPlan(coverage=coverage, fallback=fallback, missing=tuple(missing))


@functools.lru_cache(maxsize=64)
def family_name(path: Path) -> str:
    """Return the family name stored in the font file at ``path`` (name ID 1), or its stem."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            name = font["name"].getBestFamilyName()
    except Exception:  # any unreadable name table: the file name is a fine label
        name = None
    return name or path.stem


def segments(text: str, plan: FontPlan, role: str) -> list[tuple[str, Path | None]]:
    """Split ``text`` into runs drawn by the same font: (text, fallback file or None for the
    role's own family)."""
    out: list[tuple[str, Path | None]] = []
    for char in text:
        font = plan.font_for(role, char)
        if out and out[-1][1] == font:
            out[-1] = (out[-1][0] + char, font)
        else:
            out.append((char, font))
    return out
