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
"""Largest figure value accepted; larger is almost certainly a typing error."""
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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self.sort_key() == other.sort_key() and (
            self.precision == other.precision
        )

    def __hash__(self) -> int:
        return hash((self.year, self.month, self.day))

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
    """The event the note is about. ``end`` is on or after ``start``."""

    title: Line
    kind: Line = "visit"
    start: Date
    end: Date
    countries: _items(Line, 2, 10)
    places: _items(Line, 0, 50) = ()
    summary: Text
    source: Sources
    preparation: _items(Milestone) = ()

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise PydanticCustomError(
                "date_order", "the event ends ({end}) before it starts ({start})",
                {"end": end.isoformat(), "start": start.isoformat()},
            )
        return end


class Figure(_Model):
    """A number the article states, with its unit and meaning.

    ``value`` is exact (a decimal, never a float) and at least 0; ``unit`` is either an ISO 4217
    currency code (``USD``: then ``value`` is an amount in that currency, in units, not millions)
    or a plain-language unit (``agreements``, ``LNG cargo``) written as it reads after the number.
    ``per`` makes it a rate (``month``). ``kind`` says whether it is a current value, a target or
    an estimate.
    """

    id: Slug
    label: Line
    value: Annotated[Decimal, Field(ge=0, le=MAX_FIGURE_VALUE, allow_inf_nan=False, decimal_places=6)]
    unit: Line
    per: Line | None = None
    kind: Literal["actual", "target", "estimate"] = "actual"
    as_of: PartialDate | None = None
    note: Line | None = None
    headline: bool = False
    source: Sources


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
    """A verbatim quotation, attributed to a person (``speaker`` is a ``people`` id)."""

    text: QuoteText
    speaker: Slug
    context: Line | None = None
    source: Sources


class Note(_Model):
    """The note's own framing: addressee, sender, subject, purpose, key points, outlook.

    ``date`` is the date of the note; when absent, the build date is used. ``status`` "draft"
    (what ``briefgen capture`` writes) puts a DRAFT marking on every page.
    """

    to: Line
    sender: Line = Field(alias="from")
    date: Date | None = None
    subject: Line
    purpose: Text
    key_points: _items(Point, 3, 6)
    outlook: _items(Point, 1, 20)
    status: Literal["draft", "final"] = "final"


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
            if q.speaker not in known:
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
