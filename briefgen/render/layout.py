"""Layout rules both renderers share, as pure functions of measurements.

The PDF measures text with the fonts' metrics, the DOCX estimates it from character counts;
given those measurements, the decisions (how a table's width is shared, how a line is cut) are
made here once, so the two formats follow the same rules.
"""

from __future__ import annotations

import re
from typing import Callable

__all__ = ["share_widths", "fit_text", "wrap_text", "words", "MAX_WORD_SHARE"]

_BREAKABLE = re.compile(r"[^\S\u00a0\u2007\u202f\u2060]+")


def words(text: str) -> list[str]:
    """Return ``text`` split at the spaces a line may break at: not at no-break spaces
    (U+00A0, U+2007, U+202F), which hold a date, an amount or a name together."""
    return [w for w in _BREAKABLE.split(text) if w]

MAX_WORD_SHARE = 0.45
"""Largest share of a table's width one column's longest word may claim."""


def share_widths(minimum: list[float], natural: list[float], width: float) -> list[float]:
    """Return column widths summing to ``width`` (any unit).

    ``minimum[i]`` is what column ``i`` needs for its longest word, ``natural[i]`` what it needs
    to show its longest cell on one line. Every column gets its minimum, but no single enormous
    word (a URL, an identifier) may claim more than ``MAX_WORD_SHARE`` of the width, where it is
    broken inside its cell instead of squeezing the other columns to a letter each. The rest of
    the width goes to the columns in proportion to how much more they need.
    """
    minimum = [min(m, width * MAX_WORD_SHARE) for m in minimum]
    natural = [min(max(n, m), width) for n, m in zip(natural, minimum)]
    if sum(minimum) >= width:  # even single words do not fit: share by need, words will break
        return [width * m / sum(minimum) for m in minimum]
    if sum(natural) <= width:
        spare = width - sum(natural)
        return [n + spare * n / sum(natural) for n in natural]
    extra = [n - m for n, m in zip(natural, minimum)]
    spare = width - sum(minimum)
    if sum(extra) <= 0:
        return [m + spare / len(minimum) for m in minimum]
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra)]


def fit_text(text: str, width_of: Callable[[str], float], room: float) -> str:
    """Return ``text``, cut at the end with an ellipsis so that ``width_of`` it is at most
    ``room``; unchanged when it already fits. For one-line texts: running headers, footers and
    chart labels."""
    if width_of(text) <= room:
        return text
    while text and width_of(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_text(text: str, width_of: Callable[[str], float], room: float) -> list[str]:
    """Return ``text`` broken into lines of at most ``room`` (by ``width_of``), at spaces; a
    word wider than a line is broken between characters. Nothing is cut: joining the lines
    with spaces gives back ``text`` with its whitespace squashed. For texts that must be shown
    whole, such as a copy stamp."""
    lines: list[str] = []
    current = ""
    for word in words(text):
        candidate = f"{current} {word}" if current else word
        if width_of(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while width_of(current) > room and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and width_of(current[:cut]) > room:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines
