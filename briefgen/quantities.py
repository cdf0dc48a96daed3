"""Numbers, amounts of money, qualifiers and dates as an article or a fact writes them.

``find_amounts(text)`` returns every number with its currency, scale and qualifier ("over
$2 billion" -> USD 2000000000, qualifier class ``more``); ``find_dates(text, base)`` returns
every date, range of dates and relative date ("this month", resolved against ``base``, the
publication date, and for a month without a year by the tense of its sentence: "will meet again
in June" is the next June). Each amount carries the noun it counts and its rate's period
("one LNG cargo per month"); ``same_noun`` compares nouns, ``date_of_amount`` finds the date a
value is given for. ``capture`` drafts facts from them; ``check`` compares a fact's with its
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
           "same_noun", "noun_words", "date_of_amount", "is_wording",
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
    offsets. ``word`` is True for a number written as a word ("one", "fifteen"). ``noun`` is
    the thing counted, as written after the number ("LNG cargo", "Memoranda of Understanding
    (MoUs) and agreements", "day" of "three-day"), or None; ``per`` the period of a rate
    ("month" of "per month", "a month", "monthly", "annual"), or None; ``stop`` the offset
    where the number, its noun and its rate end, ``phrase`` the words from ``start`` to it."""

    value: Decimal
    currency: str | None
    percent: bool
    qualifier: str | None
    text: str
    start: int
    end: int
    word: bool = False
    noun: str | None = None
    per: str | None = None
    stop: int | None = None
    phrase: str | None = None

    @property
    def described(self) -> str:
        """Return the amount as a reader quotes it: "one LNG cargo per month", "over $2 billion"."""
        if self.phrase:
            return self.phrase
        parts = [self.text]
        if self.noun:
            parts.append(self.noun)
        if self.per:
            parts.append(f"per {self.per}")
        return " ".join(parts).replace(" -", "-")

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


# A hyphen joining two numbers ("10-15 per cent", "$2-3 billion") is a range's dash; not in a
# chain ("2024-07-20", "+92-51-1234567"), a year's span ("2024-25") or a code ("051-1234").
_NUMBER_HYPHEN = re.compile(
    rf"(?<![\w.,:/\-‐‑–—])(?P<lo>{_NUM_RE})[-‐‑](?=(?P<hi>{_NUM_RE})(?![-‐‑/]\d|[.,:]\d|\d))")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
_RANGE_DASH = re.compile(r"\s*[-‐‑–—]\s*")
_RANGE_TO = re.compile(r"\s+to\s+", re.IGNORECASE)
_RANGE_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s+$", re.IGNORECASE)
_YEAR_SPAN = re.compile(r"(?<![\w.,])(?:19|20)\d{2}\s?[-‐‑–—/]\s?$")
_YEAR_SPAN_CHARS = 7
"""The longest text ``_YEAR_SPAN`` matches ("2024 – "): searched for in that many characters
before a number, not from the start of the text (which made a text of many numbers quadratic;
the look-behind still sees the character before)."""


def _range_text(text: str) -> str:
    """``text`` with each range's hyphen between two numbers made an en dash (same offsets), so
    both ends are read as numbers; years ("2024-25") and numbers with a leading zero are kept."""
    def dash(m: re.Match) -> str:
        lo, hi = m.group("lo"), m.group("hi")
        if _YEAR_RE.fullmatch(lo) or any(len(n) > 1 and n[0] == "0" and n[1].isdigit() for n in (lo, hi)):
            return m.group()
        return lo + "–"
    return _NUMBER_HYPHEN.sub(dash, text)


@dataclass
class _Read:
    """One match of ``_AMOUNT`` while ``find_amounts`` joins the ends of ranges."""

    m: re.Match
    raw: str
    word: bool
    number: Decimal
    currency: str | None
    scale: str | None
    percent: bool
    qualifier: str | None
    sym_text: str  # "$", "USD " as written before the number when it names the currency, else ""
    begin: int  # where the amount as written begins: its qualifier, currency symbol or number
    lent_sym: str = ""  # the low end's sym_text, for a high end that takes its currency
    high: _Read | None = None  # for a range's low end: its high end
    noun: str | None = None
    per: str | None = None
    stop: int = 0

    @property
    def is_year(self) -> bool:
        return (not self.word and not self.currency and not self.scale and not self.percent
                and "." not in self.raw and "," not in self.raw and 1900 <= self.number <= 2100
                and len(self.raw) == 4)


def _join_range(probe: str, lo: _Read, hi: _Read) -> None:
    """If ``lo`` and ``hi`` are the ends of one range ("10-15 per cent", "$2–3 billion", "10 to
    15", "between 10 and 15"), give each end what the range writes once: the low end takes the
    high end's percent, scale and currency (its noun and period later, in ``find_amounts``); the
    high end the low end's currency and, after a dash, its qualifier ("about 10-15 per cent")."""
    gap = probe[lo.m.end():hi.begin]
    dash = _RANGE_DASH.fullmatch(gap) is not None
    if not (dash or _RANGE_TO.fullmatch(gap)
            or (_RANGE_AND.fullmatch(gap) and _BETWEEN.search(probe, 0, lo.begin))):
        return
    if lo.is_year or hi.is_year:
        return  # "2023 to 2025", "in 2023 to 15 per cent"
    lo.high = hi
    if hi.percent and not lo.percent and not lo.currency:
        lo.percent = True
    if hi.currency and not lo.currency and not lo.percent:
        lo.currency = hi.currency
    if lo.currency and not hi.currency and not hi.percent:
        hi.currency, hi.lent_sym = lo.currency, lo.sym_text
    if hi.scale and not lo.scale and not lo.percent and same_currency(lo.currency, hi.currency):
        lo.scale = hi.scale
    if dash and lo.qualifier and not hi.qualifier:
        hi.qualifier = lo.qualifier


def find_amounts(text: str, *, skip: list[tuple[int, int]] | None = None) -> list[Amount]:
    """Return every number in ``text`` outside the spans ``skip`` (dates found by
    ``find_dates``, for example), in order. Years (1900-2100 without currency, scale or percent)
    are left to ``find_dates``. Each end of a range is a number of its own and has what the range
    writes once: "10-15 per cent", "10–15%", "10 to 15 per cent" and "between 10 and 15 per cent"
    give 10 % and 15 %; "$2–3 billion" and "USD 2-3 billion" give USD 2000000000 and
    USD 3000000000; "10-15 agreements" counts agreements at both ends."""
    skip = skip or []
    probe = _range_text(text)  # offsets as in ``text``
    reads: list[_Read] = []
    for m in _AMOUNT.finditer(probe):
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
        sym_text = text[m.start("sym"):m.start("num")] if currency else ""
        if m.group("cword"):
            currency = currency or _CURRENCY_WORDS[m.group("cword").lower()]
        try:
            number = Decimal(NUMBER_WORDS[raw.lower()]) if word else Decimal(raw.replace(",", ""))
        except (KeyError, InvalidOperation):
            continue
        if (not word and not currency and not m.group("pct") and not m.group("scale") and len(raw) <= 2
                and _YEAR_SPAN.search(probe, max(0, m.start("num") - _YEAR_SPAN_CHARS), m.start("num"))):
            continue  # the "25" of "FY 2024–25"
        qualifier = m.group("qual").lower() if m.group("qual") else None
        if qualifier == "some" and not word and number < 2:
            qualifier = None
        begin = m.start("qual") if m.group("qual") else m.start("sym") if sym_text else m.start("num")
        read = _Read(m, raw, word, number, currency, m.group("scale"), bool(m.group("pct")), qualifier, sym_text,
                     begin)
        if reads:
            _join_range(probe, reads[-1], read)
        reads.append(read)
    for r in reads:
        r.noun, r.per, r.stop = _noun_and_rate(text, r.m.end(), r.begin, money=bool(r.currency) or r.percent)
    found: list[Amount] = []
    for r in reads:
        m = r.m
        scale = r.scale
        if scale and scale.lower() in ("m", "b", "k") and not r.currency:
            scale = None  # "5 m" is more likely metres than millions
        value = r.number * _SCALES[scale.lower()] if scale else r.number
        if (not r.word and not r.currency and not scale and not r.percent and "." not in r.raw
                and "," not in r.raw and 1900 <= value <= 2100 and len(r.raw) == 4):
            continue  # a year
        start, end = r.begin, m.end()
        if m.group("cword") and r.currency != _CURRENCY_WORDS.get(m.group("cword").lower()):
            end = m.start("cword")
        shown = text[start:end].rstrip()
        noun, per, stop = r.noun, r.per, r.stop
        phrase = " ".join(text[start:max(stop, start + len(shown))].split())
        hi = r.high
        if hi is not None:
            if not (r.currency or r.percent):
                noun = noun or hi.noun  # "10-15 agreements"
            per = per or hi.per
            if m.end() == m.end("num") and r.noun is None:  # "$2" of "$2–3 billion" reads "$2 billion"
                phrase = " ".join((text[start:m.end("num")] + text[hi.m.end("num"):hi.stop]).split())
        if r.lent_sym:  # "3 billion" of "$2–3 billion" reads "$3 billion"
            phrase = r.lent_sym.lstrip() + phrase
        found.append(Amount(value, r.currency, r.percent, r.qualifier, shown, start, start + len(shown), r.word,
                            noun, per, stop, phrase))
    return found


# ---------------------------------------------------------------------------------------------
# What a number counts, and over what period

_PERIOD_WORDS = {"day": "day", "daily": "day", "week": "week", "weekly": "week", "month": "month",
                 "monthly": "month", "quarter": "quarter", "quarterly": "quarter", "year": "year",
                 "yearly": "year", "annual": "year", "annually": "year", "annum": "year",
                 "per annum": "year", "a year": "year"}
_RATE_AFTER = re.compile(
    r"^\s*(?:(?:per|a|an|each|every|/)\s*(?P<unit>day|week|month|quarter|year|annum)\b"
    r"(?!\s+(?:ago|later|earlier|before|after|on|from|of)\b)"
    r"|(?P<adverb>daily|weekly|monthly|quarterly|yearly|annually)\b)", re.IGNORECASE)
_RATE_BEFORE = re.compile(r"\b(?P<adj>daily|weekly|monthly|quarterly|yearly|annual)\s+(?:[\w'’-]+\s+){0,2}$",
                          re.IGNORECASE)
# Words that end the noun after a number: articles, prepositions, conjunctions, auxiliaries and
# the commonest verbs of agreements ("9 agreements were signed", "two countries signed").
_NOUN_STOP = frozenset(
    "a an the to from in on at by for with of and or as per across into over under between among "
    "worth than is are was were be been being this that these those its their his her our which who "
    "whose while will would could can may might shall should must has have had do does did not also "
    "each every another other more most signed sign agreed agree offered offer announced said "
    "worth valued totalling totaling reached reaching up down since during after before until".split())
_PARTY_WORDS = frozenset(
    "country countries side sides nation nations leader leaders government governments state states "
    "party parties president presidents minister ministers people peoples brother brothers "
    "neighbour neighbours neighbor neighbors".split())
_IRREGULAR = {"memoranda": "memorandum", "memorandums": "memorandum", "people": "person", "men": "man",
              "women": "woman", "children": "child", "data": "datum", "criteria": "criterion",
              "indices": "index", "analyses": "analysis", "bases": "base", "crises": "crisis"}


def _singular(word: str) -> str:
    word = word.strip("()'’")
    if re.fullmatch(r"[A-Z][A-Za-z]*[A-Z]s", word):  # "MoUs", "SEZs": an acronym's plural
        word = word[:-1]
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for plural, single in (("ies", "y"), ("oes", "o"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"),
                           ("shes", "sh")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + single
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 2:
        return word[:-1]
    return word


_WORD_AFTER = re.compile(r"[ \t\n]+(\(?[A-Za-z][\w'’\-]*\)?)(?![\w'’\-])")


def _noun_and_rate(text: str, end: int, start: int, money: bool) -> tuple[str | None, str | None, int]:
    """The noun after the number ending at ``end`` (None for money and percentages, whose unit
    is the currency or "per cent"), the period of its rate and where both end."""
    noun, stop = None, end
    if not money:
        tokens: list[tuple[int, int, str]] = []
        pos = end
        compound = re.match(r"-(?P<w>[A-Za-z][\w'’]*)", text[pos:])
        if compound:  # "three-day visit": the number counts days
            return compound.group("w"), None, pos + compound.end()
        words = []  # (start, end, word) of each word after the number, in order
        tail, at = text[pos:pos + 160], 0
        while (m := _WORD_AFTER.match(tail, at)) is not None:
            words.append((m.start(1), m.end(1), m.group(1)))
            at = m.end()
        for i, (_, _, word) in enumerate(words):
            low = word.lower().strip("()")
            following = words[i + 1][2] if i + 1 < len(words) else ""
            if word.startswith("("):
                if not tokens:
                    break
            elif low == "of" and tokens and tokens[-1][2][:1].isupper() and following[:1].isupper():
                pass  # "Memoranda of Understanding"
            elif low == "and" and tokens and following and following.lower() not in _NOUN_STOP:
                pass  # "MoUs and agreements"
            elif low in _NOUN_STOP or low in _PERIOD_WORDS or len(tokens) >= 6:
                break
            tokens.append(words[i])
            if (word[:1].islower() and low not in ("of", "and") and _looks_like_head(word)
                    and not following.startswith("(") and following.lower() != "and"):
                break  # "two LNG cargoes a month": the lower-case noun ends it
        while tokens and tokens[-1][2].lower() in ("of", "and"):
            tokens.pop()
        if tokens:
            noun = text[pos + tokens[0][0]: pos + tokens[-1][1]]
            stop = pos + tokens[-1][1]
    rate = _RATE_AFTER.match(text[stop:])
    per = None
    if rate:
        per = _PERIOD_WORDS[(rate.group("unit") or rate.group("adverb")).lower()]
        stop += rate.end()
    else:
        inside = re.search(r"\b(daily|weekly|monthly|quarterly|yearly|annual)\b", noun or "", re.IGNORECASE)
        before = _RATE_BEFORE.search(text[max(0, start - 40):start])
        found = inside or before
        if found:
            per = _PERIOD_WORDS[found.group(1).lower()]
    return noun, per, stop


def _looks_like_head(word: str) -> bool:
    """A lower-case word that is more likely the counted noun than an adjective before it."""
    low = word.lower()
    return low.endswith("s") or not re.search(r"(?:al|ic|ive|ous|ful|ary|ern|ish|less|new|major|key)$", low)


def noun_words(noun: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Return (all words, head words) of a counted ``noun``, singular and lower case; the head
    words are the last of each "and" part and an acronym in brackets or made of capitalised
    words ("Memoranda of Understanding" -> "mou")."""
    if not noun:
        return frozenset(), frozenset()
    raw = re.findall(r"\(?[A-Za-z][\w'’\-]*\)?", noun)
    words = {_singular(w) for w in raw if w.lower() not in ("of", "and")}
    heads = set()
    for part in re.split(r"\s+and\s+", noun):
        parts = [w for w in re.findall(r"\(?[A-Za-z][\w'’\-]*\)?", part)]
        plain = [w for w in parts if not w.startswith("(")]
        if plain:
            heads.add(_singular(plain[-1]))
        heads.update(_singular(w) for w in parts if w.startswith("("))
        capitals = [w for w in plain if w[:1].isupper() or w.lower() == "of"]
        if len(capitals) >= 2 and len(capitals) == len(plain) and not all(w.isupper() for w in plain):
            acronym = "".join(w[0] for w in capitals).lower()
            heads.add(acronym)
            words.add(acronym)
    return frozenset(words), frozenset(heads | {w for w in words if w.isupper()})


def same_noun(claim: str | None, stated: str | None) -> bool:
    """Return True if the counted nouns ``claim`` and ``stated`` (as written after a number) can
    name the same things: a head word of one is a word of the other ("LNG cargoes" and "LNG
    cargo"; "MoUs" and "Memoranda of Understanding (MoUs) and agreements"). A number without a
    noun agrees with any."""
    if not claim or not stated:
        return True
    claim_words, claim_heads = noun_words(claim)
    stated_words, stated_heads = noun_words(stated)
    return bool(claim_heads & stated_words or stated_heads & claim_words)


def is_wording(amount: Amount) -> bool:
    """Return True if a number written as a word is wording, not a figure: "the two countries",
    "both sides", "one of", "one another" (a "one" counts only with a noun and a rate)."""
    if not amount.word:
        return False
    _, heads = noun_words(amount.noun)
    if heads and heads <= {_singular(w) for w in _PARTY_WORDS}:
        return True
    if amount.value < 2 and not amount.per and not amount.currency and not amount.percent:
        return amount.noun is None or not _countable(amount.noun)
    return False


_COUNTABLE: frozenset[str] | None = None


def _countable(noun: str) -> bool:
    """True if ``noun`` is a thing the lexicon counts (agreements, cargoes, MoUs, ...)."""
    global _COUNTABLE
    if _COUNTABLE is None:
        try:
            from briefgen.lexicon import load_lexicon

            _COUNTABLE = frozenset(_singular(w) for w in load_lexicon().count_units)
        except Exception:  # a broken shipped lexicon must not break checking
            _COUNTABLE = frozenset()
    _, heads = noun_words(noun)
    return bool(heads & _COUNTABLE)


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
    ("m", re.compile(rf"\b(?:in|In|since|Since|until|by|from|of|for|before|after|early|late|mid|during|last|next|this)[\s-](?P<m>{_M})\b")),
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


_TENSE = re.compile(
    r"(?P<future>\b(?:[Ww]ill|[Ss]hall|won't|'ll|next|again|upcoming|forthcoming|coming|scheduled|planned|"
    r"plans?|set to|due to|is to|are to|expected|intends?|aims?|going to|would|hopes? to)\b)"
    r"|(?P<past>\b(?:was|were|had|did|last|ago|earlier|previously|already|since|met|held|took|began|"
    r"came|went|gave|made|saw|said|told|led|won|paid|sent|spent|laid|"
    r"(?!(?:need|indeed|speed|hundred|proceed|succeed|exceed|seed|feed|bed|red|shed)\b)[a-z]\w+ed)\b)")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n|\s\n\s")


def _tense(text: str, start: int, end: int, stops: list[int]) -> str | None:
    """The tense in which ``text`` states the date at ``start:end``: "future" ("will meet again
    in June"), "past" ("was held in May") or None; the nearest cue before it in its sentence
    decides, else the first after it. ``stops`` are the sorted offsets where sentences end;
    at most 200 characters either side are read, so a long text stays linear."""
    import bisect

    i = bisect.bisect_right(stops, start)
    sentence_start = max(stops[i - 1] if i else 0, start - 200)
    j = bisect.bisect_left(stops, end)
    sentence_end = min(stops[j] if j < len(stops) else len(text), end + 200)
    before = list(_TENSE.finditer(text, sentence_start, start))
    cue = before[-1] if before else _TENSE.search(text, end, sentence_end)
    if cue is None:
        return None
    return "future" if cue.group("future") else "past"


def _year_for(month: int, base: dt.date | None, day: int | None = None, tense: str | None = None,
              prefix: str = "") -> int | None:
    """The year of a month (and day) written without one, from the publication date ``base``:
    after "next" the first one after ``base``, after "last" the one before it, after "this" the
    one of its year; in a statement about the future ("will meet again in June") the first one
    on or after ``base``, about the past ("was held in May", "since") the last one on or before
    it; otherwise the latest not after ``base`` unless that is more than ten months back (then
    the coming one). Never a year written elsewhere in the text."""
    if base is None:
        return None
    when, now = (month, day or (1 if tense != "past" else 31)), (base.month, base.day)
    if prefix == "this":
        return base.year
    if prefix == "next":
        return base.year if (month, day or 31) > now and month != base.month else base.year + 1
    if prefix == "last":
        return base.year if (month, day or 31) < now and month != base.month else base.year - 1
    if prefix == "since":
        tense = "past"
    if tense == "future":
        return base.year if (month, day or 31) >= now else base.year + 1
    if tense == "past":
        return base.year if (month, day or 1) <= now else base.year - 1
    year = base.year
    if when > now:
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
    stops: list[int] | None = None  # where sentences end, found once when a month has no year

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
                    if year is None and stops is None:
                        stops = [m.start() for m in _SENTENCE_END.finditer(text)]
                    tense = _tense(text, *span, stops) if year is None else None
                    prefix = text[m.start():m.start("m")].strip(" -").lower() if kind == "m" else ""
                    if kind in ("m", "m y"):
                        year = year or _year_for(month, base, tense=tense, prefix=prefix)
                        if year is None:
                            continue
                        dates = (PartialDate(year, month),)
                    else:
                        d1 = _day(groups["d1"])
                        year = year or _year_for(month, base, d1, tense=tense)
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



_DATE_AFTER = re.compile(r"^[\s,]*(?:in|as of|as at|for|during|at the end of|end of|at end-|through|throughout)"
                         r"\s+(?:the\s+)?(?:(?:calendar|fiscal|financial)\s+year\s+|FY\s*)?$", re.IGNORECASE)
_DATE_BEFORE = re.compile(r"(?:^|[.;:!?]\s+|\n\s*)(?:in|as of|as at|during|by the end of|at the end of|throughout)"
                          r"\s*$", re.IGNORECASE)  # a date that opens the amount's clause


def date_of_amount(text: str, amount: Amount, mentions: list[DateMention]) -> DateMention | None:
    """Return the date ``text`` states with ``amount`` ("$90 million in 2024", "in 2024, trade
    stood at $90 million", "exports for FY 2024 of $5 billion"), or None. A date after "by"
    ("$2 billion by 2030") is a target's deadline, not the date of a value, and is not returned."""
    stop = amount.stop if amount.stop is not None else amount.end
    for mention in mentions:
        if len(mention.dates) != 1:
            continue
        if mention.start >= stop and _DATE_AFTER.match(text[stop:mention.start]):
            return mention
    for mention in reversed(mentions):
        if len(mention.dates) != 1 or mention.end > amount.start:
            continue
        between = text[mention.end:amount.start].lstrip(" ,")
        if re.search(r"[.;:!?,]|\n|\band\b|\bbut\b", between) or len(between.split()) > 8:
            break  # the date belongs to another clause
        if _DATE_BEFORE.search(text, 0, mention.start):
            return mention
        break
    return None
