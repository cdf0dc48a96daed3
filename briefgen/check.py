"""Prove a facts file against its article: every fact must be supported by the paragraph it cites.

Takes a validated ``FactsFile``, its raw data and positions (``yamlload``) and the numbered
``Article``; returns a ``CheckReport`` listing one located ``Problem`` per unsupported claim:

- every evidence fragment occurs in its cited paragraph after folding (``article.fold``: case,
  whitespace, quote styles, dashes); when it is elsewhere, the paragraph where it is is named;
  when it is nowhere, the closest words of the cited paragraph are shown;
- every number, amount (currency, scale and qualifier) and date written in a fact's text, and
  a figure's value, unit rate and date, a milestone's date and the event's dates, are stated by
  the cited paragraphs ("USD 3 billion" against "$2 billion" fails; "more than" against "about"
  fails; a figure that drops the article's "over" fails; a figure's kind must not contradict
  how the article states it, goal or current value); a count must count the same things
  ("two LNG cargoes" is not supported by "the two countries") over the same period ("a week"
  is not "per month"), and a value the paragraph dates ("$90 million in 2024") is as of that date;
- a quotation is verbatim in its paragraphs and its speaker is named there; a person's or an
  organisation's name is there; the source's title, author and publication date agree with the article's front matter.

Relative dates of the article ("in May", "this month", "last year") are resolved against the
publication date (``source.published``). Facts without a ``source`` (the note's purpose, area
summaries: the analyst's words) are not checked.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from briefgen.article import Article, fold, read_article
from briefgen.errors import Problem, UsageError
from briefgen.quantities import (Amount, DateMention, date_of_amount, find_amounts, find_dates, is_wording,
                                 same_currency, same_noun, stated_kind)
from briefgen.schema import FactsFile, Figure, Locator, Milestone, Organisation, PartialDate, Person, Quote
from briefgen.yamlload import Positions, format_path

__all__ = ["CheckReport", "check_facts", "check_file", "article_for"]


@dataclass(frozen=True)
class CheckReport:
    """What ``check_facts`` found.

    ``problems``: located problems, in file order; ``facts``: entries with a source that were
    checked; ``fragments``: evidence fragments checked; ``claims``: numbers, amounts, dates,
    quotations and names compared; ``unsupported``: entries with at least one problem.
    """

    facts_path: str
    article_path: str
    problems: tuple[Problem, ...]
    facts: int
    fragments: int
    claims: int
    unsupported: int

    @property
    def ok(self) -> bool:
        """Return True if every fact is supported."""
        return not self.problems

    def summary(self) -> str:
        """Return one line: what was checked and the verdict."""
        checked = (f"checked {self.facts} facts ({self.fragments} evidence fragments, {self.claims} "
                   f"figures, dates, names and quotations) against {self.article_path}")
        if self.ok:
            return f"{checked}: all supported"
        s = "s" if len(self.problems) != 1 else ""
        return f"{checked}: {len(self.problems)} problem{s} in {self.unsupported} of them"


def article_for(facts: FactsFile, facts_path: str | Path, source: str | Path | None = None) -> Article:
    """Return the article to check ``facts`` against: ``source`` if given, else the facts file's
    ``source.path``, read relative to the facts file and confined to its folder tree.

    Raises UsageError if neither is given; ArticleError if the article cannot be read.
    """
    if source is not None:
        return read_article(source)
    relative = getattr(facts.source, "path", None)
    if not relative:
        raise UsageError("no article to check against", path=str(facts_path),
                         hint="pass --source ARTICLE, or set source.path in the facts file")
    folder = Path(facts_path).parent
    return read_article(folder / relative, root=folder)


def check_file(facts_path: str | Path, source: str | Path | None = None) -> CheckReport:
    """Return the ``CheckReport`` of the facts file at ``facts_path`` against ``source`` (or the
    article its ``source.path`` names).

    Raises FactsError if the facts file is invalid, UsageError or ArticleError as ``article_for``.
    """
    from briefgen.facts import parse_facts, read_yaml_file
    from briefgen.yamlload import load_yaml

    shown = str(facts_path)
    text = read_yaml_file(facts_path)
    facts = parse_facts(text, shown)
    data, positions = load_yaml(text, shown)
    return check_facts(facts, data, positions, article_for(facts, facts_path, source), shown)


def check_facts(facts: FactsFile, data: object, positions: Positions, article: Article,
                facts_path: str) -> CheckReport:
    """Return the ``CheckReport`` of ``facts`` (validated from raw ``data`` with ``positions``)
    against ``article``; ``facts_path`` is used in messages. Pure: reads nothing."""
    checker = _Checker(facts, data, positions, article, facts_path)
    checker.run()
    problems = sorted(checker.problems, key=lambda p: (p.line or 0, p.column or 0))
    return CheckReport(facts_path, article.path or "<article>", tuple(problems), checker.entries,
                       checker.fragments, checker.claims, len(checker.bad_entries))


_PER_WORDS = {
    "day": ("day", "daily"), "week": ("week", "weekly"), "month": ("month", "monthly"),
    "year": ("year", "yearly", "annually", "annual", "annum"), "quarter": ("quarter", "quarterly"),
}


_PARTIES = re.compile(r"[\s-]+(?:\w+\s+)?(?:countries|sides|nations|leaders|governments|states|parties|"
                      r"heads of state|presidents|ministers|peoples|brothers|neighbours|neighbors)\b", re.IGNORECASE)


class _Checker:
    def __init__(self, facts: FactsFile, data: object, positions: Positions, article: Article, path: str) -> None:
        self.facts = facts
        self.data = data
        self.positions = positions
        self.article = article
        self.path = path
        self.base = facts.source.published
        self.folded = [fold(p) for p in article.paragraphs]
        self.problems: list[Problem] = []
        self.bad_entries: set[tuple] = set()
        self.entries = self.fragments = self.claims = 0
        self.mentions: list[DateMention] = []

    # -- reporting

    def problem(self, entry: tuple, where: tuple, message: str, hint: str | None = None) -> None:
        line, column = self.positions.values.get(where) or self.positions.of(where)
        self.problems.append(Problem(message, self.path, line, column, format_path(entry) or None, hint))
        self.bad_entries.add(entry)

    def raw(self, path: tuple) -> object:
        node = self.data
        for part in path:
            if isinstance(node, dict) and isinstance(part, str):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                return None
        return node

    # -- walking

    def run(self) -> None:
        self.check_source_metadata()
        for entry, node in self.walk(self.facts, ()):
            self.entries += 1
            self.check_entry(entry, node)

    def walk(self, node: BaseModel, path: tuple):
        fields = type(node).model_fields
        if "source" in fields and isinstance(getattr(node, "source"), tuple):
            yield path, node
        for name, info in fields.items():
            key = info.alias or name
            value = getattr(node, name)
            if isinstance(value, BaseModel):
                yield from self.walk(value, path + (key,))
            elif isinstance(value, tuple):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel) and not isinstance(item, Locator):
                        yield from self.walk(item, path + (key, i))

    def locator_path(self, entry: tuple, index: int) -> tuple:
        raw = self.raw(entry + ("source",))
        return entry + ("source",) + ((index,) if isinstance(raw, list) else ())

    # -- checks

    def check_source_metadata(self) -> None:
        source, article = self.facts.source, self.article
        if article.title and fold(source.title) != fold(article.title):
            self.claims += 1
            self.problem(("source",), ("source", "title"),
                         f"the title {source.title!r} is not the article's ({article.title!r})")
        front = " ".join(x for x in (article.byline, article.meta.get("author")) if x)
        if front:
            self.claims += 1
            if fold(source.author) not in fold(front):
                self.problem(("source",), ("source", "author"),
                             f"the author {source.author!r} is not named in the byline ({front!r})")
        stated = article.dateline or article.meta.get("published")
        if stated:
            from briefgen.quantities import parse_date_text

            published = parse_date_text(stated)
            self.claims += 1
            if published is not None and published != source.published:
                self.problem(("source",), ("source", "published"),
                             f"published {source.published.isoformat()}, but the article says "
                             f"{stated!r} ({published.isoformat()})")

    def check_entry(self, entry: tuple, node: BaseModel) -> None:
        cited: list[int] = []
        for i, loc in enumerate(node.source):
            self.fragments += 1
            where = self.locator_path(entry, i)
            found = self.check_evidence(entry, where, loc)
            if found is not None:
                cited.append(found)  # a fragment in another paragraph: its claims are checked there
            elif self.article.paragraph(loc.para) is not None:
                cited.append(loc.para)
        cited = sorted(set(cited))
        if not cited:
            return
        corpus = " \n ".join(self.article.paragraphs[p - 1] for p in cited)
        where_text = _plural(cited)
        amounts, dates = self.corpus_facts(corpus)
        for field in ("text", "summary", "label", "note", "title", "context", "place", "role"):
            value = getattr(node, field, None)
            if isinstance(value, str):
                self.check_text_claims(entry, entry + (field,), value, amounts, dates, where_text)
        if isinstance(node, Figure):
            self.check_figure(entry, node, amounts, dates, corpus, where_text)
        if isinstance(node, Milestone):
            self.check_date(entry, entry + ("date",), node.date, dates, where_text)
        if entry == ("event",):
            for name in ("start", "end"):
                value = getattr(node, name)
                self.check_date(entry, entry + (name,), PartialDate(value.year, value.month, value.day),
                                dates, where_text)
        if isinstance(node, Quote):
            self.check_quote(entry, node, corpus, cited, where_text)
        if isinstance(node, (Person, Organisation)):
            self.claims += 1
            short = getattr(node, "short", None)
            if not _names_in(node.name, fold(corpus)) and not (short and fold(short) in fold(corpus)):
                self.problem(entry, entry + ("name",), f"{node.name!r} is not named in {where_text}")
        if isinstance(node, Person):
            # The title of the role ("Prime Minister" of "Prime Minister of Pakistan") must be
            # what the paragraph calls them: a wrong title in a note to a minister is an error.
            title = node.role.split(" of ")[0].strip()
            self.claims += 1
            if fold(title) not in fold(corpus):
                self.problem(entry, entry + ("role",), f"the role {title!r} is not stated in {where_text}")

    def check_evidence(self, entry: tuple, where: tuple, loc: Locator) -> int | None:
        """Return the paragraph where the evidence is (``loc.para`` when it is right, another
        one when the locator cites the wrong paragraph: reported) or None when it is nowhere."""
        fragment = fold(loc.evidence)
        total = len(self.folded)
        elsewhere = [n for n, text in enumerate(self.folded, 1) if fragment in text and n != loc.para]
        if 1 <= loc.para <= total and fragment in self.folded[loc.para - 1]:
            return loc.para
        shown = _short(loc.evidence)
        if loc.para > total:
            message = f"{shown}: paragraph {loc.para} does not exist (the article has {total})"
        else:
            message = f"{shown} not found in paragraph {loc.para}"
        if elsewhere:
            self.problem(entry, where + ("evidence",), f"{message}; it is in paragraph {elsewhere[0]}",
                         f"set para: {elsewhere[0]}")
            return elsewhere[0]
        if 1 <= loc.para <= total:
            close = _closest(loc.evidence, self.article.paragraphs[loc.para - 1])
            message += f' (closest: "{close}")'
        self.problem(entry, where + ("evidence",), message)
        return None

    def corpus_facts(self, corpus: str) -> tuple[list[Amount], list[PartialDate]]:
        mentions = find_dates(corpus, self.base)
        self.mentions = mentions
        amounts = [a for a in find_amounts(corpus, skip=[(d.start, d.end) for d in mentions])
                   if not _wording(corpus, a)]  # "the two countries" supports no figure
        return amounts, [day for m in mentions for day in m.days()]

    def check_text_claims(self, entry, where, text, amounts, dates, where_text) -> None:
        mentions: list[DateMention] = find_dates(text, self.base)
        for mention in mentions:
            for date in mention.dates:
                self.check_date(entry, where, date, dates, where_text, written=mention.text)
        for claim in find_amounts(text, skip=[(d.start, d.end) for d in mentions]):
            if _wording(text, claim):
                continue  # "one of", "the two countries": wording, not a figure
            self.check_amount(entry, where, claim, amounts, where_text)

    def check_amount(self, entry, where, claim: Amount, amounts: list[Amount], where_text: str,
                     per_where: tuple | None = None) -> None:
        """A claimed amount is supported by one of ``amounts`` with the same value, currency (or
        percent), counted noun ("two LNG cargoes" is not "the two countries"), qualifier class
        and rate period ("a week" is not "per month"; a rate left out is a different claim)."""
        self.claims += 1
        same = _same_amounts(claim, amounts)
        if not same:
            kin = [a for a in amounts if a.percent == claim.percent and (a.currency is None) == (claim.currency is None)]
            said = ([a for a in kin if _same_thing(claim, a)] or [a for a in kin if a.value == claim.value]
                    or kin)  # what it says of the same things, else of the same number
            says = f"; it says {', '.join(dict.fromkeys(f'{_q(a.described)}' for a in said))}" if said else ""
            self.problem(entry, where, f'{_q(claim.described)} is not stated in {where_text}{says}')
            return
        if claim.qualifier_class not in {a.qualifier_class for a in same}:
            said = ", ".join(dict.fromkeys(f'"{a.text}"' for a in same))
            qualifier = f'"{claim.qualifier}"' if claim.qualifier else "no qualifier"
            self.problem(entry, where, f'"{claim.text}" has {qualifier}, but {where_text} says {said}',
                         "keep the article's qualifier (more than, about, up to, ...)")
            return
        if claim.per not in {a.per for a in same}:
            said = ", ".join(dict.fromkeys(_q(a.described) for a in same))
            rated = next((a.per for a in same if a.per), None)
            if claim.per:
                self.problem(entry, per_where or where, f'the rate "per {claim.per}" is not stated in {where_text}; '
                             f'it says {said}', f"keep the article's period (per {rated})" if rated else
                             "the article gives no period: leave it out")
            else:
                hint = f"set per: {rated}" if per_where else f"say it is per {rated}"
                self.problem(entry, where, f'{_q(claim.described)} leaves out the rate: {where_text} says {said}', hint)

    def check_date(self, entry, where, date: PartialDate, dates: list[PartialDate], where_text: str,
                   written: str | None = None) -> None:
        self.claims += 1
        if any(_covers(date, d) for d in dates):
            return
        if where[-1] == "as_of" and _covers(date, _partial(self.base)):
            return  # "current" values hold as of the publication date
        if where[-1] in ("start", "end") and not dates and _covers(date, _partial(self.base)):
            return  # a same-day report: its paragraph gives no date, the event is on the publication date
        shown = f'"{written}"' if written else date.iso()
        said = ", ".join(dict.fromkeys(d.iso() for d in dates)) or "no date"
        self.problem(entry, where, f"the date {shown} is not stated in {where_text} (it gives {said})")

    def check_figure(self, entry, figure: Figure, amounts, dates, corpus: str, where_text: str) -> None:
        currency = figure.unit if re.fullmatch(r"[A-Z]{3}", figure.unit) else None
        percent = figure.unit.strip().lower() in ("%", "percent", "per cent")
        qualifier = getattr(figure, "qualifier", None)  # issue 10 may add one: words or an enum
        qualifier = getattr(qualifier, "value", qualifier)
        if qualifier is None and figure.note:
            # A schema-1 file keeps the qualifier in the note, alone ("over") or as capture
            # quotes the article ("the article says “over $2 billion”"). Any other note is the
            # analyst's own, e.g. "about USD 300 million" for an equivalent in another currency,
            # and says nothing of this value's qualifier.
            from briefgen.quantities import QUALIFIERS

            note = figure.note.strip().lower().rstrip(".")
            quoted = re.search(r"the article says [“\"](.+?)[”\"]", note)
            words = quoted.group(1) if quoted else note if note in QUALIFIERS else ""
            qualifier = next((q for q in sorted(QUALIFIERS, key=len, reverse=True)
                              if re.search(rf"\b{re.escape(q)}\b", words)), None)
        ends = [figure.value] if figure.value is not None else [figure.min, figure.max]
        per = figure.per.strip().lower() if figure.per else None
        per = next((k for k, words in _PER_WORDS.items() if per in words), per) if per else None
        noun = None if currency or percent else figure.unit
        claim = None
        for end in ends:
            value = Decimal(end)
            shown = f"{currency} {_plain(value)}" if currency else f"{_plain(value)} {figure.unit}"
            said = qualifier
            if len(ends) > 1:  # a range's qualifier is written once, before either end
                said = next((a.qualifier for a in amounts if a.value == value and a.qualifier), qualifier)
            claim = Amount(value, currency, percent, said, shown, 0, 0, noun=noun, per=per, phrase=shown)
            self.check_amount(entry, entry + ("value",), claim, amounts, where_text, per_where=entry + ("per",))
        same = _same_amounts(claim, amounts)
        stated = {stated_kind(corpus, a.start, a.end) for a in same}
        if same and figure.kind == "target" and stated == {"current"}:
            self.claims += 1
            self.problem(entry, entry + ("kind",), f'a target, but {where_text} gives "{same[0].text}" as the current value')
        elif same and figure.kind == "actual" and stated == {"target"}:
            self.claims += 1
            self.problem(entry, entry + ("kind",), f'an actual value, but {where_text} gives "{same[0].text}" as a goal',
                         "set kind: target")
        if figure.as_of is not None:
            # A value the paragraph dates ("$90 million in 2024") holds as of that date, not as
            # of the publication date.
            dated = [(a, date_of_amount(corpus, a, self.mentions)) for a in same]
            if dated and all(d is not None for _, d in dated):
                self.claims += 1
                if not any(_covers(figure.as_of, day) for _, d in dated for day in d.days()):
                    amount, mention = dated[0]
                    self.problem(entry, entry + ("as_of",),
                                 f'as of {figure.as_of.iso()}, but {where_text} gives {_q(amount.described)} '
                                 f'for {_when(mention)}',
                                 f"set as_of: {mention.dates[0].iso()}")
            else:
                self.check_date(entry, entry + ("as_of",), figure.as_of, dates, where_text)

    def check_quote(self, entry, quote: Quote, corpus: str, cited: list[int], where_text: str) -> None:
        self.claims += 1
        text = fold(quote.text).strip("\"' ").rstrip(".,;")
        folded = fold(corpus)
        if text not in folded:
            elsewhere = [n for n, p in enumerate(self.folded, 1) if text in p]
            if elsewhere:
                self.problem(entry, entry + ("text",), f"the quotation is in paragraph {elsewhere[0]}, not in {where_text}")
            else:
                close = _closest(quote.text, corpus)
                self.problem(entry, entry + ("text",),
                             f'the quotation is not verbatim in {where_text} (closest: "{close}")')
        if quote.speaker is None:
            description = getattr(quote, "speaker_description", None)
            if description:
                self.claims += 1
                if fold(description).strip() not in folded:
                    self.problem(entry, entry + ("speaker_description",),
                                 f"the speaker is not described as {description!r} in {where_text}",
                                 "describe the speaker in the article's own words")
            return
        try:
            speaker = self.facts.person(quote.speaker)
        except KeyError:
            return
        self.claims += 1
        if not _names_in(speaker.name, folded):
            self.problem(entry, entry + ("speaker",), f"the speaker {speaker.name!r} is not named in {where_text}")


def _wording(text: str, amount: Amount) -> bool:
    """True if ``amount`` is wording rather than a figure ("the two countries", "one of")."""
    return is_wording(amount) or (amount.word and _PARTIES.match(text, amount.end) is not None)


def _same_thing(claim: Amount, stated: Amount) -> bool:
    """True if ``stated`` counts what ``claim`` counts: same currency, both percentages, or
    compatible nouns."""
    if claim.percent != stated.percent:
        return False
    if claim.currency is not None or stated.currency is not None:
        return claim.currency is None or same_currency(stated.currency, claim.currency)
    return claim.percent or same_noun(claim.noun, stated.noun)


def _same_amounts(claim: Amount, amounts: list[Amount]) -> list[Amount]:
    return [a for a in amounts if a.value == claim.value and _same_thing(claim, a)]


def _when(mention: DateMention) -> str:
    iso = mention.dates[0].iso()
    return iso if mention.text.strip() == iso else f'{iso} ("{mention.text}")'


def _q(text: str) -> str:
    return f'"{" ".join(text.split())}"'


def _plural(paras: list[int]) -> str:
    if len(paras) == 1:
        return f"paragraph {paras[0]}"
    return "paragraphs " + ", ".join(str(p) for p in paras[:-1]) + f" and {paras[-1]}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f'"{text if len(text) <= limit else text[: limit - 1] + "…"}"'


def _plain(value: Decimal) -> str:
    """Return ``value`` as a reader writes it: 3000000000 -> "3 billion", 1.5 -> "1.5"."""
    for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if value >= size:
            scaled = value / size
            if scaled == scaled.quantize(Decimal("0.001")):
                return f"{scaled.normalize():f} {word}"
    return f"{value.normalize():f}"


def _partial(day: dt.date) -> PartialDate:
    return PartialDate(day.year, day.month, day.day)


def _covers(claim: PartialDate, stated: PartialDate) -> bool:
    """True if the article's ``stated`` date says at least what ``claim`` says."""
    if claim.year != stated.year:
        return False
    if claim.month is not None and claim.month != stated.month:
        return False
    return claim.day is None or claim.day == stated.day


def _names_in(name: str, folded_text: str) -> bool:
    """True if ``name``, or its last word (the surname), is in ``folded_text``."""
    folded = fold(name)
    if folded in folded_text:
        return True
    parts = [p for p in re.split(r"[\s.]+", folded) if len(p) > 2]
    return bool(parts) and re.search(rf"\b{re.escape(parts[-1])}\b", folded_text) is not None


def _closest(fragment: str, paragraph: str) -> str:
    """Return the words of ``paragraph`` that look most like ``fragment`` (same word count)."""
    words = paragraph.split()
    n = max(1, min(len(fragment.split()), len(words)))
    target = fold(fragment)
    best, best_score = "", -1.0
    for size in {n - 1, n, n + 1} - {0}:
        for i in range(0, max(1, len(words) - size + 1)):
            window = " ".join(words[i:i + size])
            score = difflib.SequenceMatcher(None, target, fold(window), autojunk=False).ratio()
            if score > best_score:
                best, best_score = window, score
    return best.strip("\"'“”‘’")
