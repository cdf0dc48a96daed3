"""Numbers, amounts of money, qualifiers and dates as an article or a fact writes them.

``find_amounts(text)`` returns every number with its currency, scale and qualifier ("over
$2 billion" -> USD 2000000000, qualifier class ``more``); ``find_dates(text, base)`` returns
every date, range of dates and relative date ("this month", resolved against ``base``, the
publication date). ``capture`` drafts facts from them; ``check`` compares a fact's with its
paragraph's. Pure functions over strings; offsets index the string given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from briefgen.schema import PartialDate

__all__ = ["Amount", "DateMention", "find_amounts", "find_dates", "parse_date_text", "stated_kind",
           "qualifier_class", "same_currency", "QUALIFIERS", "NUMBER_WORDS"]

QUALIFIERS: dict[str, str] = {
    # class "more": the true value is above the number
    "more than": "more", "over": "more", "above": "more", "in excess of": "more",
    "upwards of": "more", "exceeding": "more", "north of": "more",
    # "at-least": the number or above
    "at least": "at-least", "no less than": "at-least", "a minimum of": "at-least",
    # "about": near the number, either side
    "about": "about", "around": "about", "approximately": "about", "roughly": "about",
    "some": "about", "an estimated": "about", "circa": "about", "approx.": "about",
    # "nearly": just below the number
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "just under": "nearly",
    "just below": "nearly", "just short of": "nearly",
    # "up-to": the number or below
    "up to": "up-to", "as much as": "up-to", "as many as": "up-to", "a maximum of": "up-to",
    # "less": below the number
    "less than": "less", "under": "less", "below": "less", "fewer than": "less",
}
"""Qualifier phrases and their class; two qualifiers agree when their classes are equal."""

NUMBER_WORDS: dict[str, int] = {
    w: i for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
     "ninety": 90, "hundred": 100, "dozen": 12}

_SCALES = {"thousand": 10**3, "k": 10**3, "lakh": 10**5, "million": 10**6, "mn": 10**6, "m": 10**6,
           "crore": 10**7, "billion": 10**9, "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12}
_SYMBOLS = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "₼": "AZN", "¥": "JPY",
            "₺": "TRY", "rs": "Rs", "rs.": "Rs"}
_CURRENCY_WORDS = {
    "us dollars": "USD", "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR",
    "pounds": "GBP", "pounds sterling": "GBP", "rupees": "Rs", "rupee": "Rs", "manat": "AZN",
    "manats": "AZN", "yuan": "CNY", "renminbi": "CNY", "lira": "TRY", "liras": "TRY", "riyals": "SAR",
    "dirhams": "AED", "yen": "JPY", "roubles": "RUB", "rubles": "RUB", "tenge": "KZT",
}
_RUPEE_CODES = {"Rs", "PKR", "INR", "LKR", "NPR"}

_QUAL_RE = "|".join(sorted((re.escape(q) for q in QUALIFIERS), key=len, reverse=True))
_WORD_RE = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_SYM_RE = r"US\$|\$|€|£|₹|₼|¥|₺|Rs\.?|[A-Z]{3}"
_NUM_RE = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE_RE = r"thousand|million|billion|trillion|lakh|crore|mn|bn|tn|[mbk](?![\w'’])"
_CWORD_RE = "|".join(sorted((re.escape(w) for w in _CURRENCY_WORDS), key=len, reverse=True))

_AMOUNT = re.compile(
    rf"(?:(?P<qual>\b(?:{_QUAL_RE}))\s+)?"
    rf"(?:(?P<sym>{_SYM_RE})\s?)?"
    rf"(?<![\w.,:\-/])(?P<num>{_NUM_RE}|\b(?:{_WORD_RE})\b)(?![.,:]\d|-\d)(?=(?:bn|mn|tn|billion|million|trillion|thousand|[mbk])\b|[^\w/]|$)"
    rf"(?:\s?(?P<pct>%|\bper\s?cent\b|\bpercent\b))?"
    rf"(?:\s?-?\s?(?P<scale>(?:{_SCALE_RE})\b))?"
    rf"(?:\s+(?P<cword>\b(?:{_CWORD_RE})\b))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    """A number as written: ``value`` (scale applied: "$2 billion" -> 2000000000),
    ``currency`` (ISO 4217 code, "Rs" for an unspecified rupee, or None), ``percent``,
    ``qualifier`` (the phrase as written, lower case) and ``text`` with its ``start``/``end``
    offsets. ``word`` is True for a number written as a word ("one", "fifteen")."""

    value: Decimal
    currency: str | None
    percent: bool
    qualifier: str | None
    text: str
    start: int
    end: int
    word: bool = False

    @property
    def qualifier_class(self) -> str | None:
        """Return the class of the qualifier ("more", "about", ...) or None."""
        return qualifier_class(self.qualifier)

    @property
    def is_money(self) -> bool:
        """Return True if the amount names a currency."""
        return self.currency is not None


def qualifier_class(phrase: str | None) -> str | None:
    """Return the class of qualifier ``phrase`` ("over" -> "more"), or None for no qualifier.

    Also accepts identifiers ("more_than", "at-least") and the class names themselves, so a
    qualifier field holding an enumeration value compares like the words it stands for."""
    if not phrase:
        return None
    key = " ".join(phrase.lower().replace("_", " ").split())
    classes = set(QUALIFIERS.values())
    if key.replace(" ", "-") in classes:
        return key.replace(" ", "-")
    return QUALIFIERS.get(key) or QUALIFIERS.get(key.replace("-", " "))


def same_currency(a: str | None, b: str | None) -> bool:
    """Return True if currency codes ``a`` and ``b`` can be the same currency ("Rs" matches any
    rupee code)."""
    if a == b:
        return True
    return bool(a and b and (a == "Rs" and b in _RUPEE_CODES or b == "Rs" and a in _RUPEE_CODES))


@lru_cache(maxsize=1)
def _iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def find_amounts(text: str, *, skip: list[tuple[int, int]] | None = None) -> list[Amount]:
    """Return every number in ``text`` outside the spans ``skip`` (dates found by
    ``find_dates``, for example), in order. Years (1900-2100 without currency, scale or percent)
    are left to ``find_dates``."""
    found: list[Amount] = []
    skip = skip or []
    for m in _AMOUNT.finditer(text):
        if any(s <= m.start("num") < e for s, e in skip):
            continue
        raw = m.group("num")
        word = not raw[0].isdigit()
        sym = m.group("sym")
        currency = None
        if sym:
            key = sym.lower()
            if key in _SYMBOLS:
                currency = _SYMBOLS[key]
            elif re.fullmatch(r"[A-Z]{3}", sym) and sym in _iso_currencies():
                currency = sym
        if m.group("cword"):
            currency = currency or _CURRENCY_WORDS[m.group("cword").lower()]
        scale = m.group("scale")
        if scale and scale.lower() in ("m", "b", "k") and not currency:
            scale = None  # "5 m" is more likely metres than millions
        try:
            value = Decimal(NUMBER_WORDS[raw.lower()]) if word else Decimal(raw.replace(",", ""))
        except (KeyError, InvalidOperation):
            continue
        if scale:
            value *= _SCALES[scale.lower()]
        percent = bool(m.group("pct"))
        if (not word and not currency and not scale and not percent and "." not in raw and "," not in raw
                and 1900 <= value <= 2100 and len(raw) == 4):
            continue  # a year
        start = m.start("sym") if sym and currency else m.start("num")
        if m.group("qual"):
            start = m.start("qual")
        end = m.end()
        if m.group("cword") and currency != _CURRENCY_WORDS.get(m.group("cword").lower()):
            end = m.start("cword")
        shown = text[start:end].rstrip()
        qualifier = m.group("qual").lower() if m.group("qual") else None
        if qualifier == "some" and not word and value < 2:
            qualifier = None
        found.append(Amount(value, currency, percent, qualifier, shown, start, start + len(shown), word))
    return found


# ---------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_M = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
      r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_D = r"\d{1,2}(?:st|nd|rd|th)?"
_Y = r"(?:19|20)\d{2}"
_DASH = r"\s*(?:-|–|—|to|until|and)\s*"

_DATE_PATTERNS: list[tuple[str, re.Pattern]] = [
    # 11- 12 July 2024 ; 11 to 12 July
    ("d-d m y", re.compile(rf"\b(?P<d1>{_D}){_DASH}(?P<d2>{_D})\s+(?P<m>{_M})(?:,?\s+(?P<y>{_Y}))?\b")),
    # 30 June - 2 July 2024
    ("d m-d m y", re.compile(rf"\b(?P<d1>{_D})\s+(?P<m1>{_M}){_DASH}(?P<d2>{_D})\s+(?P<m>{_M})(?:,?\s+(?P<y>{_Y}))?\b")),
    # July 11-12, 2024
    ("m d-d y", re.compile(rf"\b(?P<m>{_M})\s+(?P<d1>{_D}){_DASH}(?P<d2>{_D})(?:,?\s+(?P<y>{_Y}))?\b")),
    # 20th July 2024 ; 20 July
    ("d m y", re.compile(rf"\b(?P<d1>{_D})\s+(?:of\s+)?(?P<m>{_M})(?:,?\s+(?P<y>{_Y}))?\b")),
    # July 20, 2024 ; July 20
    ("m d y", re.compile(rf"\b(?P<m>{_M})\s+(?P<d1>{_D})(?![\d:])(?:,?\s+(?P<y>{_Y}))?\b")),
    # 2024-07-20
    ("iso", re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<mn>\d{2})-(?P<d1>\d{2})\b")),
    # July 2024 ; in May
    ("m y", re.compile(rf"\b(?P<m>{_M})(?:,?\s+(?P<y>{_Y}))\b")),
    ("m", re.compile(rf"\b(?:in|In|since|Since|until|by|from|of|early|late|mid|during|last|next|this)[\s-](?P<m>{_M})\b")),
    # in 2023
    ("y", re.compile(rf"(?<![\w.,\-/$€£])(?P<y>{_Y})(?![\w.,\-/]\d|\d)")),
]
_RELATIVE = re.compile(r"\b(this|last|next|previous|the previous|the following)\s+(month|year)\b|\b(today|yesterday|tomorrow)\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """A date as written: ``dates`` holds one ``PartialDate``, or the first and last day of a
    range; ``relative`` is True for "this month", "last year" and the like, and for a month or
    day written without a year (resolved against the publication date)."""

    text: str
    start: int
    end: int
    dates: tuple[PartialDate, ...]
    relative: bool = False

    def days(self) -> list[PartialDate]:
        """Return every date the mention covers: each day of a range (at most 92), else ``dates``."""
        if len(self.dates) == 2 and all(d.precision == "day" for d in self.dates):
            first = dt.date(self.dates[0].year, self.dates[0].month, self.dates[0].day)
            last = dt.date(self.dates[1].year, self.dates[1].month, self.dates[1].day)
            if first <= last and (last - first).days <= 92:
                return [PartialDate(d.year, d.month, d.day) for d in
                        (first + dt.timedelta(days=i) for i in range((last - first).days + 1))]
        return list(self.dates)


def _day(text: str) -> int:
    return int(re.match(r"\d+", text).group())


def _year_for(month: int, base: dt.date | None, day: int | None = None) -> int | None:
    """The year of a month (and day) written without one: the latest not after ``base``, unless
    that is more than ten months back (then the coming one)."""
    if base is None:
        return None
    year = base.year
    if (month, day or 1) > (base.month, base.day):
        year -= 1
        if (base.year * 12 + base.month) - (year * 12 + month) > 10:
            year += 1
    return year


def find_dates(text: str, base: dt.date | None = None) -> list[DateMention]:
    """Return every date in ``text``, in order, longest reading first (a range before the day in
    it). Dates without a year, and "this month", "last year", "today", are resolved against
    ``base`` (the publication date) and left out when ``base`` is None."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    used = bytearray(len(text) + 1)  # 1 where a date was already read: linear, however many dates

    def free(s: int, e: int) -> bool:
        return not any(used[s:e])

    def take(s: int, e: int) -> None:
        taken.append((s, e))
        used[s:e] = b"\x01" * (e - s)

    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            span = m.span("m") if kind == "m" else m.span()
            if not free(*span):
                continue
            groups = m.groupdict()
            year = int(groups["y"]) if groups.get("y") else None
            relative = year is None
            try:
                if kind == "y":
                    dates = (PartialDate(year),)
                elif kind == "iso":
                    dates = (PartialDate(year, int(groups["mn"]), int(groups["d1"])),)
                else:
                    month = _MONTHS[groups["m"].lower().rstrip(".")]
                    if kind in ("m", "m y"):
                        year = year or _year_for(month, base)
                        if year is None:
                            continue
                        dates = (PartialDate(year, month),)
                    else:
                        d1 = _day(groups["d1"])
                        year = year or _year_for(month, base, d1)
                        if year is None:
                            continue
                        if kind == "d m y" or kind == "m d y":
                            dates = (PartialDate(year, month, d1),)
                        else:
                            m1 = _MONTHS[groups["m1"].lower().rstrip(".")] if groups.get("m1") else month
                            y1 = year - 1 if m1 > month else year
                            dates = (PartialDate(y1, m1, d1), PartialDate(year, month, _day(groups["d2"])))
            except (ValueError, KeyError):
                continue
            take(*span)
            found.append(DateMention(text[span[0]:span[1]], span[0], span[1], dates, relative))
    if base is not None:
        for m in _RELATIVE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            word = (m.group(1) or "").lower()
            unit = (m.group(2) or "").lower()
            shift = -1 if word in ("last", "previous", "the previous") else 1 if word in ("next", "the following") else 0
            if m.group(3):
                day = base + dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[m.group(3).lower()])
                dates = (PartialDate(day.year, day.month, day.day),)
            elif unit == "year":
                dates = (PartialDate(base.year + shift),)
            else:
                index = base.year * 12 + base.month - 1 + shift
                dates = (PartialDate(index // 12, index % 12 + 1),)
            take(m.start(), m.end())
            found.append(DateMention(m.group(), m.start(), m.end(), dates, True))
    return sorted(found, key=lambda d: d.start)


def parse_date_text(text: str, base: dt.date | None = None) -> dt.date | None:
    """Return the single calendar date written in ``text`` ("Published on 20th July 2024",
    "2024-07-20T08:00:00+05:00", "Sat, 20 Jul 2024"), or None. Day-month order is preferred for
    ambiguous numeric dates; parsing is done by dateparser, offline and without the clock."""
    import dateparser

    cleaned = re.sub(r"^(?:published|posted|updated|first published|last updated|date)\s*(?:on|:)?\s*",
                     "", text.strip(), flags=re.IGNORECASE)
    settings = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"],
                "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day)
    else:
        settings["RELATIVE_BASE"] = dt.datetime(2000, 1, 1)  # never the clock: capture is repeatable
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    if parsed is None:
        mention = next((d for d in find_dates(cleaned, base) if d.dates[0].precision == "day"), None)
        if mention is None:
            return None
        first = mention.dates[0]
        return dt.date(first.year, first.month, first.day)
    return parsed.date() if 1900 <= parsed.year <= 2100 else None


_CURRENT = re.compile(r"\b(?:current|currently|now|existing|at present|stands at|stood at|today|presently)\b",
                      re.IGNORECASE)
_GOAL = re.compile(r"\b(?:goal|target|aim|aims|aiming|plan|plans|planned|projected|enhanc\w*|rais\w*|"
                   r"increas\w*|boost\w*|reach\w*|doubl\w*|expand\w*|grow\w*|take)\b", re.IGNORECASE)


def stated_kind(text: str, start: int, end: int) -> str:
    """Return how ``text`` states the amount at ``start:end``: "current" ("from the current $100
    million", "$5 million today"), "target" ("enhancing investment to $2 billion", "... by
    2030") or "plain" (neither)."""
    before, after = text[:start], text[end:]
    before = re.split(r"(?<=[.!?])\s+", before)[-1]  # within the amount's own sentence
    after = re.split(r"(?<=[.!?])\s+", after, maxsplit=1)[0]
    if re.search(r"\b(?:goal|target|aim|ambition|objective)\s+(?:of|is|was|to reach|to)\s*$", before, re.IGNORECASE):
        return "target"
    if _CURRENT.search(" ".join(before.split()[-4:])) or re.match(r"^\s*(?:today|now)\b", after):
        return "current"
    if re.search(r"\bto\s*$", before) and _GOAL.search(" ".join(before.split()[-8:])):
        return "target"
    if re.match(r"^\s*by\s+(?:19|20)\d{2}\b", after):
        return "target"
    return "plain"

