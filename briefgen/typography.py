"""Typographic finish of a note's text: quotation marks by language, no-break spaces where a
line must not break.

markdown-it's typographer and smart quotes (``markup.parse``) turn straight quotes and
apostrophes into the language's curly ones; ``tie`` then keeps together what a reader must see
on one line: a date ("11–12 July 2024"), an amount ("USD 2 billion"), a name's initials
("A. Analyst"). No-break spaces typed in the facts are kept as they are (U+00A0): both renderers
draw them as spaces and never break a line there.
"""

from __future__ import annotations

import re

__all__ = ["quotes_for", "tie", "NBSP"]

NBSP = "\u00a0"

_QUOTES = {
    # primary open, primary close, secondary open, secondary close (CLDR delimiters)
    "en": "“”‘’",
    "de": "„“‚‘",
    "fr": ["«\u00a0", "\u00a0»", "“", "”"],
    "es": "«»“”",
    "it": "«»“”",
    "pt": "«»“”",
    "nl": "‘’“”",
    "pl": "„”«»",
    "ru": "«»„“",
    "uk": "«»„“",
    "tr": "“”‘’",
    "az": "«»„“",
    "cs": "„“‚‘",
    "da": "»«›‹",
    "sv": "””’’",
    "fi": "””’’",
    "no": "«»‘’",
    "nb": "«»‘’",
    "ur": "”“’‘",
    "ja": "「」『』",
    "zh": "“”‘’",
}


def quotes_for(lang: str) -> str | list[str]:
    """Return markdown-it's ``quotes`` option (primary open/close, secondary open/close) for
    the language tag ``lang`` ("en", "de-CH", "fr_FR"); English quotes for a language not listed."""
    base = re.split(r"[-_]", (lang or "en").strip().lower(), maxsplit=1)[0]
    return _QUOTES.get(base, _QUOTES["en"])


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December"
           "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}(?:[–-]\d{{1,2}})?) ({_MONTHS})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTHS}) (\d{{4}})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTHS}) (\d{{1,2}}\b(?!\d))")
_CURRENCY = re.compile(r"(?<![\w.])([A-Z]{3}|[$€£¥₹]) ?(\d[\d,.\u202f]*)\b")
_SCALE = re.compile(r"(\d) (thousand|million|billion|trillion|per ?cent|percent|%)\b")
_INITIALS = re.compile(r"\b([A-Z]\.) (?=[A-Z])")


def tie(text: str) -> str:
    """Return ``text`` with no-break spaces inside dates, amounts and initials: "11–12 July
    2024" -> "11–12\u00a0July\u00a02024", "USD 2 billion" -> "USD\u00a02\u00a0billion",
    "A. B. Smith" -> "A.\u00a0B.\u00a0Smith". Other spaces are left alone."""
    if not any(ch.isdigit() or ch == "." for ch in text):
        return text
    text = _DAY_MONTH.sub(lambda m: f"{m[1]}{NBSP}{m[2]}", text)
    text = _MONTH_YEAR.sub(lambda m: f"{m[1]}{NBSP}{m[2]}", text)
    text = _MONTH_DAY.sub(lambda m: f"{m[1]}{NBSP}{m[2]}", text)
    text = _CURRENCY.sub(lambda m: f"{m[1]}{NBSP}{m[2]}" if m[0][len(m[1]):len(m[1]) + 1] == " " else m[0], text)
    text = _SCALE.sub(lambda m: f"{m[1]}{NBSP}{m[2]}", text)
    return _INITIALS.sub(lambda m: f"{m[1]}{NBSP}", text)
