"""The glyph check: every character of a note can be drawn, or the user is told where it is not.

Runs after the facts are validated and before anything is rendered. Problems name the facts
file, line, column and field (``areas[2].points[0].text``) and the character, with its code point
and Unicode name, so the user can find and fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pydantic import BaseModel

from briefgen.errors import FactsError, Problem
from briefgen.fonts import REPLACEMENT, describe, is_rtl, plan_fonts
from briefgen.schema import FactsFile
from briefgen.theme import Theme
from briefgen.yamlload import Positions, decode_text, format_path, load_yaml

__all__ = ["facts_strings", "check_facts_text", "MISSING_GLYPH_MODES"]

MISSING_GLYPH_MODES = ("error", "replace")
"""``error``: a character no font has stops the build. ``replace``: it is drawn as U+FFFD (�)
and reported as a warning."""


def facts_strings(node: object, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Yield (field path, text) for every text value in a facts model, in file order."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            yield from facts_strings(getattr(node, name), path + (info.alias or name,))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from facts_strings(item, path + (i,))


def check_facts_text(
    facts: FactsFile, theme: Theme, facts_path: str | Path, *, missing: str = "error"
) -> list[str]:
    """Check that every character of ``facts`` can be drawn with ``theme``'s fonts.

    Returns warnings (for ``missing="replace"``). Raises FactsError listing every field that holds
    right-to-left text or (with ``missing="error"``) a character no font has.
    """
    strings = list(facts_strings(facts))
    chars = {c for _, text in strings for c in text}
    plan = plan_fonts(chars, theme)
    absent = set(plan.missing)
    rtl_chars = {c for c in chars if is_rtl(c)}
    problems: list[tuple[tuple, str, str]] = []
    warnings: list[str] = []
    if not (absent or rtl_chars):
        return warnings
    for path, text in strings:
        rtl = sorted(rtl_chars.intersection(text))
        if rtl:
            problems.append((path, f"right-to-left text is not supported: {describe(rtl[0])}",
                             "write the name in its Latin transliteration (see docs/fonts.md)"))
            continue
        lacking = sorted(absent.intersection(text))
        if not lacking:
            continue
        shown = ", ".join(describe(c) for c in lacking[:3]) + (" ..." if len(lacking) > 3 else "")
        if missing == "replace":
            warnings.append(f"{facts_path}: {format_path(path)}: no font has {shown}; drawn as {REPLACEMENT}")
        else:
            problems.append((path, f"no font has {shown}",
                             "install a font that has it, name one in the theme's fallback_fonts, "
                             "or build with --missing-glyphs replace"))
    if problems:
        positions = _positions(facts_path)
        raise FactsError(problems=[
            Problem(message, str(facts_path), *_where(positions, path), format_path(path), hint)
            for path, message, hint in problems
        ])
    return warnings


def _positions(facts_path: str | Path) -> Positions | None:
    try:
        from briefgen.files import read_bytes
        from briefgen.yamlload import MAX_BYTES

        data = read_bytes(facts_path, limit=MAX_BYTES, error=FactsError)
        _, positions = load_yaml(decode_text(data, str(facts_path)), str(facts_path))
        return positions
    except FactsError:
        return None


def _where(positions: Positions | None, path: tuple) -> tuple[int | None, int | None]:
    if positions is None:
        return (None, None)
    exact = positions.values.get(path)
    if exact:
        return exact
    # A single locator written as a mapping has no list index in the file.
    trimmed = tuple(p for i, p in enumerate(path) if not (isinstance(p, int) and i and path[i - 1] == "source"))
    return positions.values.get(trimmed) or positions.of(trimmed)
