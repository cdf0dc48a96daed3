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
    "check_outlines",
    "embedding_problem",
    "family_coverage",
    "system_font_for",
    "system_fonts_for",
    "face",
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


@functools.lru_cache(maxsize=128)
def face(path: Path):
    """Return the font file at ``path`` parsed once per process, as a reportlab ``TTFont``
    registered with reportlab (its name is ``face(path).fontName``).

    The same parsed face serves the glyph-coverage check (``cmap``) and the PDF renderer, so
    each file is read and parsed once per build, however many roles and checks use it; reading
    it with reportlab also proves reportlab can embed it. Raises OSError if the file cannot be
    read, ValueError if it is not a usable TrueType font (a damaged table directory, CFF
    outlines, a collection).
    """
    import hashlib

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Named after the file's path, so two families that share a name but not their files never
    # get each other's glyphs.
    name = f"{path.stem.replace(' ', '')}-{hashlib.sha1(str(path).encode()).hexdigest()[:6]}"
    try:
        font = TTFont(name, str(path))
    except OSError:
        raise
    except Exception as e:  # reportlab raises TTFError, struct.error, IndexError... on a damaged file
        raise ValueError(f"not a usable TrueType font ({e})") from None
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(font)
    return font


def cmap(path: Path) -> frozenset[int]:
    """Return the code points the TrueType font file at ``path`` maps to glyphs.

    Raises OSError if the file cannot be read, ValueError if it is not a usable TrueType font.
    """
    return _cmap(Path(path))


@functools.lru_cache(maxsize=128)
def _cmap(path: Path) -> frozenset[int]:
    return frozenset(face(path).face.charToGlyph)


def check_outlines(path: Path) -> None:
    """Decompile the outline of every glyph the TrueType font file at ``path`` maps a character
    to (composites resolved), once per process. A damaged ``glyf`` table otherwise passes every
    check, then draws broken glyphs in the PDF and makes Pillow fail ("invalid outline") on the
    DOCX chart. Raises ValueError naming what is damaged, OSError if the file cannot be read."""
    _check_outlines(Path(path))


@functools.lru_cache(maxsize=128)
def _check_outlines(path: Path) -> None:
    import logging

    from fontTools.ttLib import TTFont, TTLibError

    log = logging.getLogger("fontTools.ttLib.tables._g_l_y_f")
    level, log.level = log.level, logging.ERROR  # "too much glyph data" is reported as the error below
    try:
        font = TTFont(str(path), lazy=True)
        if "glyf" not in font:
            raise ValueError("it has no TrueType outlines (glyf table)")
        glyf = font["glyf"]
        for name in sorted(set(font.getBestCmap().values())):
            try:
                glyf[name].getCoordinates(glyf)
            except Exception as e:  # fontTools raises IndexError, struct.error, AssertionError... on bad data
                raise ValueError(f"the outline of glyph {name!r} is damaged ({type(e).__name__})") from None
    except TTLibError as e:
        raise ValueError(f"it cannot be read as a TrueType font ({e})") from None
    finally:
        log.level = level


def embedding_problem(path: Path) -> str | None:
    """Return why the licence of the TrueType font at ``path`` forbids what briefgen does with
    every font (a subset embedded in the PDF and the DOCX), or None if it allows it. Read from
    the OS/2 table's ``fsType`` (OpenType spec): bit 1 restricted licence (no embedding, unless
    bit 2 or 3 allows preview or editing), bit 8 no subsetting, bit 9 bitmap embedding only.
    Raises OSError if the file cannot be read, ValueError if it is not a font."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True) as font:
            fs_type = font["OS/2"].fsType if "OS/2" in font else 0
    except TTLibError as e:
        raise ValueError(f"it cannot be read as a TrueType font ({e})") from None
    if fs_type & 0x0002 and not fs_type & 0x000C:
        return "its licence forbids embedding it (OS/2 fsType: restricted licence embedding)"
    if fs_type & 0x0100:
        return "its licence forbids embedding a subset of it (OS/2 fsType: no subsetting)"
    if fs_type & 0x0200:
        return "its licence allows embedding only bitmaps (OS/2 fsType), not outlines"
    return None


def family_coverage(files: list[Path]) -> frozenset[int]:
    """Return the code points every one of ``files`` (a family's styles) can show."""
    sets = [cmap(p) for p in files]
    return frozenset.intersection(*sets) if sets else frozenset()


@functools.lru_cache(maxsize=1)
def _system_fonts() -> tuple[tuple[Path, tuple[tuple[int, int], ...]], ...]:
    """Return every plain TrueType ``.ttf`` file fontconfig knows with its character ranges
    (first, last code point), in the order fallbacks are preferred: regular styles and
    well-known families first, so fallbacks look alike from run to run.

    One ``fc-list`` call per process, whatever the number of characters looked up (one call per
    character took 100 s for 9,990 CJK characters). Empty without fontconfig.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        result = subprocess.run(
            [fc_list, "--format", "%{file}\t%{fontformat}\t%{charset}\n"],
            capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    fonts = {}
    for line in result.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        file, kind, charset = parts
        # Only TrueType outlines in a single-font file: reportlab cannot embed CFF or pick
        # from a collection.
        if kind != "TrueType" or not file.lower().endswith(".ttf"):
            continue
        ranges = []
        for item in charset.split():
            first, _, last = item.partition("-")
            try:
                ranges.append((int(first, 16), int(last or first, 16)))
            except ValueError:
                continue
        fonts[Path(file)] = tuple(ranges)

    def rank(p: Path) -> tuple:
        name = p.name.lower()
        styled = any(s in name for s in ("bold", "italic", "oblique", "light", "thin", "black", "condensed"))
        return (styled, "noto" not in name and "dejavu" not in name, len(name), name)

    return tuple((p, fonts[p]) for p in sorted(fonts, key=rank))


def system_fonts_for(chars: set[str]) -> dict[str, Path]:
    """Return, for each of ``chars`` that some TrueType font fontconfig knows draws with vector
    outlines, that font's file. Characters no system font has are left out.

    Only plain ``.ttf`` files with TrueType outlines qualify (reportlab cannot embed CFF
    outlines or pick from collections). Returns {} when fontconfig is not installed.
    """
    import bisect

    found: dict[str, Path] = {}
    todo = sorted(chars)
    for path, ranges in _system_fonts():
        if not todo:
            break
        firsts = [r[0] for r in ranges]
        left = []
        for char in todo:
            code = ord(char)
            i = bisect.bisect_right(firsts, code) - 1
            if i >= 0 and ranges[i][0] <= code <= ranges[i][1]:
                try:
                    if has_outline(path, char):
                        found[char] = path
                        continue
                except (OSError, ValueError):
                    pass
            left.append(char)
        todo = left
    return found


def system_font_for(char: str) -> Path | None:
    """Return a TrueType font file fontconfig knows that has ``char``, or None (see
    ``system_fonts_for``, which looks up many characters at once)."""
    return system_fonts_for({char}).get(char)


@functools.lru_cache(maxsize=64)
def _outline_font(path: Path):
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(str(path), lazy=True, fontNumber=0)
    except TTLibError as e:
        raise ValueError(f"not a TrueType font ({e})") from None
    return font, font.getBestCmap() or {}


def has_outline(path: Path, char: str) -> bool:
    """Return True if the font at ``path`` draws ``char`` with vector outlines.

    Colour-emoji fonts map characters to bitmaps only; reportlab would embed an empty glyph,
    which is worse than an error. The file is opened once per process.
    """
    font, table = _outline_font(path)
    if "glyf" not in font:
        return False
    name = table.get(ord(char))
    if name is None:
        return False
    return char.isspace() or font["glyf"][name].numberOfContours != 0


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
    unplaced: list[str] = []
    for char in sorted(chars):
        if char in _NO_GLYPH or char.isspace() and ord(char) < 0x80:
            continue
        code = ord(char)
        if all(code in cov for cov in coverage.values()):
            continue
        chosen = next((p for p in candidates if code in cmap(p)), None)
        if chosen is None:
            unplaced.append(char)
            continue
        fallback[char] = chosen
    if unplaced and theme.system_fallback:  # one fontconfig lookup for all of them
        fallback.update(system_fonts_for(set(unplaced)))
    missing = [c for c in unplaced if c not in fallback
               and not any(ord(c) in cov for cov in coverage.values())]
    return FontPlan(coverage=coverage, fallback=fallback, missing=tuple(missing))


@functools.lru_cache(maxsize=64)
def family_name(path: Path) -> str:
    """Return the family name stored in the font file at ``path`` (name ID 1), or its stem."""
    try:
        name = face(path).face.familyName
        name = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
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
