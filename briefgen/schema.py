"""The facts-file schema, version 1, as pydantic models.

A facts file captures one article once: where it was published (``source``), what happened
(``event``), who was involved (``people``), the figures, one entry per cooperation area, the
quotations, and the analyst's framing of the note (``note``). Every stated fact carries a source
locator (``Locator``: paragraph number in the article plus a short verbatim evidence fragment), so
that a tool can later check it against the article.

The field-by-field reference is ``docs/facts-schema.md``; a test keeps the two in step.
All models are frozen and forbid unknown fields.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "SCHEMA_VERSION",
    "PartialDate",
    "Locator",
    "Source",
    "Person",
    "Organisation",
    "Milestone",
    "Event",
    "Figure",
    "Point",
    "Area",
    "Quote",
    "Note",
    "FactsFile",
    "MAX_TEXT",
    "MAX_LINE",
    "MAX_QUOTE",
    "MAX_ITEMS",
    "MAX_FIGURE_VALUE",
    "MAX_AMOUNT",
    "QUALIFIERS",
    "SCALES",
]

SCHEMA_VERSION = 1
MAX_TEXT = 10_000
"""Longest text field (purpose, summaries, points), in characters."""
MAX_LINE = 300
"""Longest name, title, label, unit, role or heading, in characters."""
MAX_QUOTE = 2_000
"""Longest quotation, in characters."""
MAX_ITEMS = 500
"""Most entries in any one list (areas, points, figures, ...)."""
MAX_FIGURE_VALUE = Decimal(10) ** 15
"""Largest figure value accepted in a plain unit; larger is almost certainly a typing error."""
MAX_AMOUNT = Decimal(10) ** 18
"""Largest amount of money accepted: budgets in dong or rupiah pass 10^15."""
QUALIFIERS = ("about", "nearly", "more than", "at least", "up to", "less than")
"""Words an article puts before a number; printed before it ("more than USD 3 billion")."""
SCALES = ("none", "thousand", "lakh", "million", "crore", "billion", "trillion")
"""How the article scales a number ("3 billion", "50 crore"); ``none`` prints every digit."""
EVIDENCE_MAX_WORDS = 12

# Characters that would corrupt the outputs or hide text from a reader: C0/C1 controls (XML
# forbids most of them), zero-width characters and the bidirectional marks and overrides that
# can reorder what is displayed. Checked before stripping: Python counts U+001C-U+001F as spaces.
_FORBIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    r"\ufeff\ufffe\uffff\ud800-\udfff]"
)
FORBIDDEN_CHARACTERS = _FORBIDDEN
"""Characters no text may carry: controls, zero-width characters, bidirectional marks and
overrides, non-characters and lone surrogates (a compiled pattern)."""
FORBIDDEN_IN_OUTPUT = re.compile(_FORBIDDEN.pattern + "|[\u2028\u2029]")
"""``FORBIDDEN_CHARACTERS`` plus the Unicode line and paragraph separators: what no template may
write into a note, a stamp or an e-mail."""


def _clean_text(value: str, limit: int = MAX_TEXT) -> str:
    value = unicodedata.normalize("NFC", value)
    bad = _FORBIDDEN.search(value)
    if bad:
        raise PydanticCustomError(
            "control_character",
            "contains the invisible control character {code} at position {pos}; delete it",
            {"code": f"U+{ord(bad.group()):04X}", "pos": bad.start() + 1},
        )
    value = value.strip()
    if not value:
        raise PydanticCustomError("empty_text", "text is required here and must not be empty")
    if len(value) > limit:
        raise PydanticCustomError(
            "text_too_long", "text is longer than {limit} characters ({n}); shorten it",
            {"limit": limit, "n": len(value)},
        )
    return value


def _text(limit: int):
    return Annotated[str, Field(strict=True), AfterValidator(lambda v: _clean_text(v, limit))]


Text = _text(MAX_TEXT)
"""Non-empty text without control characters, at most ``MAX_TEXT`` characters, NFC-normalised."""
Line = _text(MAX_LINE)
"""A name, title, label or heading: like ``Text`` but at most ``MAX_LINE`` characters, since it is
printed in headings, table cells and page headers."""
QuoteText = _text(MAX_QUOTE)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise PydanticCustomError(
            "slug",
            "an id is lower-case letters, digits and hyphens, starting with a letter or digit "
            "(for example 'trade' or 'investment-goal')",
        )
    return value


Slug = Annotated[str, Field(strict=True), AfterValidator(_check_slug)]


def _check_year(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2100:
        raise PydanticCustomError("date_range", "the year must be between 1900 and 2100")
    return value


Date = Annotated[dt.date, AfterValidator(_check_year)]
"""A calendar date written ``YYYY-MM-DD``."""

_MONTHS = (
    "January February March April May June July August September October November December"
).split()


class PartialDate:
    """A date known to the year, the month or the day: ``2023``, ``2024-05`` or ``2024-07-11``.

    Articles are often vague ("in May", "last year"); a partial date keeps exactly the precision
    the article gives. ``str()`` gives the reader's form: ``2023``, ``May 2024``, ``11 July 2024``.
    """

    __slots__ = ("year", "month", "day")

    _FORM = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

    def __init__(self, year: int, month: int | None = None, day: int | None = None) -> None:
        if day is not None:
            dt.date(year, month or 0, day)  # raises ValueError when impossible
        elif month is not None and not 1 <= month <= 12:
            raise ValueError("month must be 01 to 12")
        if not 1900 <= year <= 2100:
            raise ValueError("the year must be between 1900 and 2100")
        self.year, self.month, self.day = year, month, day

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        """Return the PartialDate written as ``value``; raises ValueError if it is not one."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        match = cls._FORM.match(str(value).strip()) if isinstance(value, (str, int)) else None
        if not match:
            raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(g) if g else None for g in match.groups())
        return cls(year, month, day)

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        """Return how precisely the date is known."""
        return "day" if self.day else "month" if self.month else "year"

    def sort_key(self) -> tuple[int, int, int]:
        """Return (year, month, day) with unknown parts as 0, for ordering."""
        return (self.year, self.month or 0, self.day or 0)

    def iso(self) -> str:
        """Return the date as written in a facts file (``2024-05``)."""
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def __str__(self) -> str:
        if self.day:
            return f"{self.day} {_MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{_MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    def __repr__(self) -> str:
        return f"PartialDate({self.iso()!r})"

    isoformat = iso

    def first_day(self) -> dt.date:
        """Return the first day the date can mean (1 January for a year)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """Return the last day the date can mean (31 December for a year)."""
        if self.day:
            return dt.date(self.year, self.month, self.day)
        if self.month:
            following = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)

    def as_date(self) -> dt.date | None:
        """Return the ``datetime.date`` for a day-precise date, else None."""
        return self.first_day() if self.day else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dt.date) and not isinstance(other, dt.datetime):
            return self.as_date() == other
        return isinstance(other, PartialDate) and self.sort_key() == other.sort_key() and (
            self.precision == other.precision
        )

    def __hash__(self) -> int:
        # A day-precise date hashes like the datetime.date it equals.
        return hash(self.as_date()) if self.day else hash((self.year, self.month, self.day))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        def validate(value: Any) -> PartialDate:
            try:
                return cls.parse(value)
            except ValueError as e:
                raise PydanticCustomError("partial_date", str(e)) from None

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(cls.iso)
        )


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_evidence(value: str) -> str:
    words = len(value.split())
    if words > EVIDENCE_MAX_WORDS:
        raise PydanticCustomError(
            "evidence_too_long",
            "evidence is a short verbatim fragment of at most {limit} words; this one has {n}",
            {"limit": EVIDENCE_MAX_WORDS, "n": words},
        )
    return value


class Locator(_Model):
    """Where in the article a fact is stated.

    ``para``: 1-based paragraph number of the article's body (headings, title and byline are not
    counted; a paragraph broken by stray blank lines in the extracted text still counts once).
    ``evidence``: a verbatim fragment of that paragraph, at most 12 words, as the article prints
    it (``$`` rather than the extraction's ``\\$``).
    """

    para: int = Field(ge=1, le=10_000)
    evidence: Annotated[Text, AfterValidator(_check_evidence)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


Sources = Annotated[
    tuple[Locator, ...], BeforeValidator(_one_or_many), Field(min_length=1, max_length=20)
]
"""One locator (a mapping) or a list of them; always a tuple of ``Locator`` once loaded."""


def _items(kind: Any, min_length: int = 0, max_length: int = MAX_ITEMS) -> Any:
    return Annotated[tuple[kind, ...], Field(min_length=min_length, max_length=max_length)]


def _check_relative_path(value: str) -> str:
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise PydanticCustomError(
            "relative_path",
            "write the article's path relative to the facts file (for example 'article.txt' or "
            "'sources/article.html'), not an absolute path",
        )
    return value


class Source(_Model):
    """The article the facts come from."""

    title: Line
    author: Line
    author_role: Line | None = None
    organisation: Line | None = None
    city: Line | None = None
    published: Date
    kind: Line = "article"
    publisher: Line | None = None
    url: Annotated[str, Field(pattern=r"^https?://[^\s<>\"'\\`{}|^]+$", max_length=2000)] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = "en"
    path: Annotated[Line, AfterValidator(_check_relative_path)] | None = None


class Person(_Model):
    """Someone the article names. ``id`` lets quotations refer to them."""

    id: Slug
    name: Line
    role: Line
    country: Line | None = None
    source: Sources


class Organisation(_Model):
    """An organisation the article names; ``short`` is its acronym as printed (``PRCCSF``)."""

    id: Slug
    name: Line
    short: Line | None = None
    source: Sources


class Milestone(_Model):
    """A dated event: a forum, an agreement, a summit, a preparatory visit."""

    date: PartialDate
    text: Text
    place: Line | None = None
    source: Sources


class Event(_Model):
    """The event the note is about.

    ``start`` and ``end`` are partial dates: one day (``2024-07-11``, ``end`` left out), a range
    of days, or a month (``2024-07``) when the article gives no day. ``end`` defaults to
    ``start`` and may not be before it.
    """

    title: Line
    kind: Line = "visit"
    start: PartialDate
    end: PartialDate | None = None
    countries: _items(Line, 2, 10)
    places: _items(Line, 0, 50) = ()
    summary: Text
    source: Sources
    preparation: _items(Milestone) = ()

    @model_validator(mode="before")
    @classmethod
    def _one_day(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("end") is None and data.get("start") is not None:
            data = {**data, "end": data["start"]}
        return data

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: PartialDate | None, info: ValidationInfo) -> PartialDate | None:
        start = info.data.get("start")
        if start is not None and end is not None and end.last_day() < start.first_day():
            raise PydanticCustomError(
                "date_order", "the event ends ({end}) before it starts ({start})",
                {"end": end.iso(), "start": start.iso()},
            )
        return end


def _check_unit(value: str) -> str:
    from briefgen.units import unit_problem

    problem = unit_problem(value)
    if problem:
        raise PydanticCustomError("unit", problem)
    return value


_SCALE_FACTORS = {"thousand": 3, "lakh": 5, "million": 6, "crore": 7, "billion": 9, "trillion": 12}


def _scaled_up(value: Any, exponent: int) -> Any:
    """Return ``value`` (as written: text or a number) times 10**exponent as a Decimal, or
    ``value`` unchanged if it is not a plain number (validation then says why)."""
    import decimal

    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)) or len(str(value)) > 60:
        return value
    try:
        number = Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return value
    return number.scaleb(exponent) if number.is_finite() else value


Unit = Annotated[Line, AfterValidator(_check_unit)]
"""An ISO 4217 code (``USD``, ``XDR``), ``%``, or a plain-language unit; never a symbol."""
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False, decimal_places=6)]


class Figure(_Model):
    """A number the article states, with its unit and meaning, as the article states it.

    ``value`` is exact (a decimal, never a float) and at least 0, in units, not millions
    (``2000000000``; ``2e9`` is the same). A range is ``value: [low, high]`` or ``min`` and
    ``max`` (then ``value`` is None once loaded). ``qualifier`` is the word before the number
    (``more than``). ``unit`` is an ISO 4217 currency code (``USD``: an amount in that currency),
    ``%`` (a percentage: ``3.5`` is 3.5%) or a plain-language unit (``LNG cargo``) written as it
    reads after the number; symbols such as ``$`` are refused. ``per`` makes it a rate
    (``month``). ``scale`` is the word the article scales by: with it, ``value`` is written as
    the article writes the number (``value: 1500``, ``scale: million`` for "1,500 million") and
    held in units once loaded; without it, money is scaled to million/billion/trillion and other
    units never. ``by`` is the date a target is for ("by
    2025"), ``as_of`` when the value held. ``chart`` names a group of comparable figures drawn
    in one chart.
    """

    id: Slug
    label: Line
    value: Amount | None = None
    min: Amount | None = None
    max: Amount | None = None
    qualifier: Literal[QUALIFIERS] | None = None  # type: ignore[valid-type]
    unit: Unit
    scale: Literal[SCALES] | None = None  # type: ignore[valid-type]
    per: Line | None = None
    kind: Literal["actual", "target", "estimate"] = "actual"
    by: PartialDate | None = None
    as_of: PartialDate | None = None
    note: Line | None = None
    headline: bool = False
    chart: Slug | None = None
    source: Sources

    @model_validator(mode="before")
    @classmethod
    def _range_as_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("value"), list):
            pair = data["value"]
            if len(pair) != 2:
                raise PydanticCustomError(
                    "range", "a range is two numbers, [low, high]; found {n}", {"n": len(pair)})
            if "min" in data or "max" in data:
                raise PydanticCustomError("range", "give a range as value: [low, high] or as min and max, not both")
            data = {**data, "value": None, "min": pair[0], "max": pair[1]}
        if isinstance(data, dict) and data.get("scale") in _SCALE_FACTORS:
            # "3 billion" is written value: 3, scale: billion; the model holds 3000000000.
            factor = _SCALE_FACTORS[data["scale"]]
            data = {**data, **{k: _scaled_up(data.get(k), factor) for k in ("value", "min", "max")
                               if data.get(k) is not None}}
        return data

    @model_validator(mode="after")
    def _one_value(self) -> Figure:
        from briefgen.units import is_currency

        ranged = self.min is not None or self.max is not None
        if ranged and self.value is not None:
            raise PydanticCustomError("range", "give either value or min and max, not both")
        if not ranged and self.value is None:
            raise PydanticCustomError(
                "missing_value", "a figure needs value (a number, or [low, high] for a range) or min and max")
        if ranged:
            if self.min is None or self.max is None:
                raise PydanticCustomError("range", "a range needs both min and max")
            if self.min >= self.max:
                raise PydanticCustomError(
                    "range", "the range's low end ({low}) must be below its high end ({high}); "
                    "for one number write value", {"low": str(self.min), "high": str(self.max)})
            if self.qualifier not in (None, "about", "nearly"):
                raise PydanticCustomError(
                    "range", "a range takes no qualifier other than 'about' ('{q} 2–3' says less "
                    "than the range itself); write the range as the article gives it",
                    {"q": self.qualifier})
        if not is_currency(self.unit):
            biggest = self.max if ranged else self.value
            if biggest is not None and biggest > MAX_FIGURE_VALUE:
                raise PydanticCustomError(
                    "too_large", "a value in a plain unit is at most 10^15 (only money, in a "
                    "currency code, may be larger); check the number of digits")
        return self

    def high(self) -> Decimal:
        """Return the value, or a range's high end: what a chart's bar shows."""
        return self.value if self.value is not None else self.max  # type: ignore[return-value]


class Point(_Model):
    """One statement, with where the article makes it."""

    text: Text
    source: Sources


class Area(_Model):
    """One cooperation area (trade, energy, ...): becomes one section of the note."""

    id: Slug
    title: Line
    summary: Text
    points: _items(Point, 1)
    figures: _items(Figure) = ()
    milestones: _items(Milestone) = ()


class Quote(_Model):
    """A verbatim quotation. The speaker is a person the article names (``speaker``, a
    ``people`` id) or, when the article does not name them, a description of their role
    (``speaker_description``: "a senior official of the Ministry of Foreign Affairs"); exactly
    one of the two is given. Unnamed speakers are never listed among the people named.
    """

    text: QuoteText
    speaker: Slug | None = None
    speaker_description: Line | None = None
    context: Line | None = None
    source: Sources

    @model_validator(mode="after")
    def _one_speaker(self) -> Quote:
        if (self.speaker is None) == (self.speaker_description is None):
            raise PydanticCustomError(
                "speaker",
                "a quotation has speaker (the id of a person in people) or, for a speaker the "
                "article does not name, speaker_description (\"a senior official\"); give exactly one",
            )
        return self


class Note(_Model):
    """The note's own framing: addressee, sender, subject, purpose, key points, outlook.

    ``date`` is the date of the note; when absent, ``--date`` (or ``$SOURCE_DATE_EPOCH``) if
    given, else the article's publication date, so that "current" and "upcoming" in the note
    read as of the article. ``locale`` decides how numbers, money and percentages are written
    (``en``, ``de-CH``); default: ``source.language``. ``status`` "draft" (what ``briefgen
    capture`` writes) puts a DRAFT marking on every page. ``assessment``, ``drafted_by`` and
    ``cleared_by`` are optional (see below).
    """

    to: Line
    sender: Line = Field(alias="from")
    date: Date | None = None
    locale: Annotated[str, Field(pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", max_length=35)] | None = None
    subject: Line
    purpose: Text
    key_points: _items(Point, 3, 6)
    outlook: _items(Point, 1, 20)
    status: Literal["draft", "final"] = "final"
    assessment: Text | None = None
    """The analyst's own comment: printed apart from the article's facts, labelled as the
    analyst's, never checked against the article (it has no ``source``)."""
    drafted_by: Line | None = None
    cleared_by: Line | None = None
    """Who drafted and who cleared the note ("A. Analyst, Desk Officer"), printed at its end."""


class FactsFile(_Model):
    """A whole facts file (``schema: 1``).

    ``figures`` holds headline figures that belong to no single area; each area has its own.
    Ids are unique within people, areas and figures (all figures, in areas or not), and every
    quotation's ``speaker`` is the id of one of ``people``.
    """

    schema_version: Annotated[int, Field(alias="schema", ge=SCHEMA_VERSION, le=SCHEMA_VERSION)]
    classification: _text(80)
    note: Note
    source: Source
    event: Event
    people: _items(Person, 0)
    organisations: _items(Organisation) = ()
    figures: _items(Figure) = ()
    areas: _items(Area, 1)
    quotes: _items(Quote) = ()

    @model_validator(mode="after")
    def _references(self) -> FactsFile:
        problems = []
        for kind, ids in (
            ("people", [p.id for p in self.people]),
            ("areas", [a.id for a in self.areas]),
            ("figures", [f.id for f in self.all_figures()]),
        ):
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    problems.append(f"the id {i!r} is used twice in {kind}")
                seen.add(i)
        known = {p.id for p in self.people}
        for q in self.quotes:
            if q.speaker is not None and q.speaker not in known:
                problems.append(
                    f"quotes: speaker {q.speaker!r} is not the id of anyone in people "
                    f"(known: {', '.join(sorted(known)) or 'none'})"
                )
        if problems:
            raise PydanticCustomError("references", "references: " + "; ".join(problems))
        return self

    def all_figures(self) -> list[Figure]:
        """Return every figure: the top-level ones, then each area's, in file order."""
        return [*self.figures, *(f for a in self.areas for f in a.figures)]

    def person(self, person_id: str) -> Person:
        """Return the person with ``person_id``; raises KeyError if there is none."""
        for p in self.people:
            if p.id == person_id:
                return p
        raise KeyError(person_id)
