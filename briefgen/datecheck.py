"""Cross-checks of a facts file's dates: the article, the event, its preparation, the figures and
the note must be in an order that can happen.

Errors (the facts cannot be right): the event starts after the article was published; a
preparation step comes after the event ended; ``note.date`` is before the article it reports (a
date from ``--date`` or ``$SOURCE_DATE_EPOCH`` before it is a warning: a build setting).
Warnings (odd, but an article can say so): the article was published before the event ended; a
preparation step falls during the event; a figure holds ``as_of`` a date after publication; a
target's ``by`` date had passed when the article appeared; an area's milestone is dated after
publication but its text does not say it is planned; the note is dated long after the
article while its text uses words such as "current" or "upcoming", which then read as of the
article, not of the note.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from briefgen.errors import Problem
from briefgen.schema import FactsFile, PartialDate
from briefgen.yamlload import Positions, format_path

__all__ = ["date_problems", "figure_paths", "RELATIVE_WORDS", "STALE_AFTER_DAYS"]

RELATIVE_WORDS = re.compile(
    r"\b(current(?:ly)?|upcoming|recent(?:ly)?|now|today|forthcoming|"
    r"(?:this|next|last) (?:week|month|year))\b", re.IGNORECASE)
"""Words whose meaning depends on the date they are read at."""
STALE_AFTER_DAYS = 30
_FUTURE = re.compile(r"\b(will|would|to be|plan(?:s|ned)?|expected|scheduled|due|set to|upcoming|"
                     r"proposed|intended|aims?|target)\b", re.IGNORECASE)
"""A note dated more than this many days after the article is checked for relative words."""


def date_problems(facts: FactsFile, positions: Positions, path: str,
                  note_date: dt.date | None = None) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) about the order of ``facts``' dates, each located in the file.

    ``note_date`` is the date the note will carry when ``note.date`` is not given (``--date``).
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def at(where: tuple, message: str, hint: str | None = None) -> Problem:
        line, col = positions.values.get(where) or positions.of(where)
        return Problem(message, path, line, col, format_path(where), hint)

    published = facts.source.published
    event = facts.event
    start, end = event.start, event.end or event.start
    if start.first_day() > published:
        errors.append(at(("event", "start"),
                         f"the event starts ({start}) after the article was published ({_d(published)})",
                         "check both dates: an article reports an event that has begun"))
    elif end.last_day() > published:
        warnings.append(at(("event", "end"),
                           f"the event ends ({end}) after the article was published ({_d(published)})",
                           "fine for an article written during the event; otherwise check the dates"))
    for i, step in enumerate(event.preparation):
        where = ("event", "preparation", i, "date")
        if step.date.first_day() > end.last_day():
            errors.append(at(where, f"a preparation step ({step.date}) comes after the event ended ({end})",
                             "preparation precedes the event; a later step belongs in an area's milestones"))
        elif step.date.first_day() > start.last_day() or (
                step.date.precision == "day" and start.precision == "day" and step.date.first_day() >= start.first_day()):
            warnings.append(at(where, f"a preparation step ({step.date}) falls during the event ({start})"))
    for i, area in enumerate(facts.areas):
        for j, milestone in enumerate(area.milestones):
            if milestone.date.first_day() > published and not _FUTURE.search(milestone.text):
                warnings.append(at(("areas", i, "milestones", j, "date"),
                                   f"the milestone ({milestone.date}) is after the article was published "
                                   f"({_d(published)}), but its text reads as done",
                                   "say it is planned (\"to be held\", \"scheduled\", \"planned\") or check the date"))
    for where, figure in figure_paths(facts):
        if figure.as_of is not None and figure.as_of.first_day() > published:
            warnings.append(at((*where, "as_of"),
                               f"as_of ({figure.as_of}) is after the article was published ({_d(published)})",
                               "a date a target is for is written 'by', not 'as_of'"))
        if figure.by is not None and figure.by.last_day() < published:
            warnings.append(at((*where, "by"),
                               f"the target date ({figure.by}) had passed when the article was published "
                               f"({_d(published)})"))
    dated = facts.note.date or note_date
    if dated is not None:
        where = ("note", "date")
        if dated < published and facts.note.date is not None:
            errors.append(at(where, f"the note is dated {_d(dated)}, before the article it reports was "
                                    f"published ({_d(published)})", "date the note on or after the publication date"))
        elif dated < published:
            # --date or $SOURCE_DATE_EPOCH: a build setting, often a fixed CI timestamp, not a fact.
            warnings.append(Problem(
                f"the note will be dated {_d(dated)} (--date or $SOURCE_DATE_EPOCH), before the article "
                f"was published ({_d(published)})", path, None, None, "note.date",
                "set note.date in the facts file, or leave both unset to date the note on the publication date"))
        elif (dated - published).days > STALE_AFTER_DAYS:
            found = _relative_word(facts)
            if found:
                field, word = found
                warnings.append(at(field, f"says {word!r}, but the note is dated {_d(dated)}, "
                                          f"{(dated - published).days} days after the article ({_d(published)})",
                                   "tie the word to the article's date (\"USD 100 million in July 2024\")"))
    return errors, warnings


def _d(value: dt.date | PartialDate) -> str:
    return str(value) if isinstance(value, PartialDate) else f"{value.day} {value:%B} {value.year}"


def figure_paths(facts: FactsFile) -> list[tuple[tuple, Any]]:
    """Return (path in the file, figure) for every figure: top-level, then each area's."""
    found = [(("figures", i), f) for i, f in enumerate(facts.figures)]
    for i, area in enumerate(facts.areas):
        found += [(("areas", i, "figures", j), f) for j, f in enumerate(area.figures)]
    return found


def _relative_word(facts: FactsFile) -> tuple[tuple, str] | None:
    """Return (field path, word) of the first relative word in the note's own text."""
    note = facts.note
    texts: list[tuple[tuple, str]] = [(("note", "subject"), note.subject), (("note", "purpose"), note.purpose)]
    if note.assessment:
        texts.append((("note", "assessment"), note.assessment))
    texts += [(("note", "key_points", i, "text"), p.text) for i, p in enumerate(note.key_points)]
    texts += [(("note", "outlook", i, "text"), p.text) for i, p in enumerate(note.outlook)]
    texts += [(("event", "summary"), facts.event.summary)]
    texts += [(("event", "preparation", i, "text"), m.text) for i, m in enumerate(facts.event.preparation)]
    for i, area in enumerate(facts.areas):
        texts += [(("areas", i, "summary"), area.summary)]
        texts += [(("areas", i, "points", j, "text"), p.text) for j, p in enumerate(area.points)]
        texts += [(("areas", i, "figures", j, "label"), f.label) for j, f in enumerate(area.figures)]
    texts += [(("figures", i, "label"), f.label) for i, f in enumerate(facts.figures)]
    for where, text in texts:
        match = RELATIVE_WORDS.search(text)
        if match:
            return where, match.group(0)
    return None
