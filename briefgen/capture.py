"""Draft a facts file from an article: deterministic, offline, every fact with its evidence.

``capture(article, lexicon)`` returns a ``Draft``: the facts as plain data (schema 1, ``note.status:
draft``), ready for ``to_yaml``. What it finds, paragraph by paragraph, with the numbering of
``briefgen.article``:

- metadata: title, author, role, organisation and city from the byline, publication date from the
  date line (or an HTML page's metadata);
- the event: the first range of dates (or dated visit) near the start, its kind, the visitor and
  host, the countries the article names most;
- people (a role from the lexicon followed by a name), organisations (a name with its acronym in
  brackets, or ending in an organisation word);
- figures: amounts of money with currency, scale and qualifier; counts of things ("15 Memoranda of
  Understanding"); rates ("one LNG cargo per month"); each in the area of its sentence;
- quotations with their speaker; dated milestones;
- one area per lexicon entry whose keywords the article uses, one point per sentence.

Points are the article's own sentences: the draft states nothing the article does not, and
``briefgen check`` passes on it. The analyst rewrites them and sets ``status: final``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from briefgen.article import Article, fold, sentences
from briefgen.errors import ArticleError, FactsError
from briefgen.lexicon import DEFAULT_LEXICON, Lexicon, load_lexicon
from briefgen.quantities import Amount, date_of_amount, find_amounts, find_dates, parse_date_text, qualifier_class, stated_kind
from briefgen.schema import EVIDENCE_MAX_WORDS, PartialDate

# A speaker the article describes but does not name: "a senior official of the Ministry of
# Foreign Affairs said", "said a spokesperson for the ministry".
_UNNAMED = re.compile(
    r"\b(?P<who>(?:[Aa]n?|[Oo]ne)\s+(?:[a-z-]+\s+){0,4}?(?:official|spokesperson|spokesman|spokeswoman|diplomat|"
    r"source|aide|adviser|advisor|officer|negotiator|minister)"
    r"(?:\s+(?:of|at|from|for|in)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+(?:of\s+|and\s+|for\s+)?[A-Z][\w'’-]*){0,5})?)")


def _last(matches):
    found = None
    for found in matches:
        pass
    return found


# A qualifier's class (quantities.QUALIFIERS) -> the facts file's word for it (schema.QUALIFIERS).
_QUALIFIER_WORDS = {"more": "more than", "at-least": "at least", "about": "about", "nearly": "nearly",
                    "up-to": "up to", "less": "less than"}

__all__ = ["Lexicon", "Draft", "load_lexicon", "capture", "to_yaml", "DEFAULT_LEXICON"]

@dataclass
class Draft:
    """A drafted facts file: ``data`` (plain dicts and lists in schema order, locators as
    ``{"para": n, "evidence": "..."}``) and ``warnings`` (what could not be found)."""

    data: dict
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------


_HONORIFICS = re.compile(r"^(?:mr|mrs|ms|miss|dr|prof|professor|h\.?e|sir|dame|amb|engr)\.?\s+", re.IGNORECASE)
_ROLE_WORDS = re.compile(
    r"\b(?:director|editor|professor|fellow|analyst|correspondent|reporter|minister|ambassador|chair|"
    r"chairman|president|head|researcher|lecturer|writer|journalist|columnist|secretary|chief|officer|"
    r"manager|dean|founder|adviser|advisor|consultant|associate|scholar|expert|student)\b", re.IGNORECASE)
_ORG_HINT = re.compile(r"\(([A-Z][A-Z0-9&]{1,9})\)|\b(?:center|centre|institute|university|council|"
                       r"foundation|forum|agency|ministry|organisation|organization|company|times|news|"
                       r"tribune|post|review|journal)\b", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|would|expected|upcoming|plans?|planned|next|set to|future|aims?|goal|"
                     r"intends?|prospects?)\b", re.IGNORECASE)
_PREPARATION = re.compile(r"\b(?:groundwork|preparat\w*|ahead of|run-up|paved the way)\b", re.IGNORECASE)
_PER = re.compile(r"^\s*(?:per|a|an|each|every)\s+(day|week|month|quarter|year)\b", re.IGNORECASE)
_PARTIES = re.compile(r"^(?:\w+\s+)?(?:countries|sides|nations|leaders|governments|states|parties|"
                      r"presidents|ministers|peoples|brothers|neighbours|neighbors)\b", re.IGNORECASE)
_STOP = frozenset("a an the to from in on at by for with of and or as per across into over under "
                  "between among worth than is are was were be been this that these those its their "
                  "his her our".split())
_LABEL_DROP = frozenset("to from the current currently at of by about around worth is was are were reach "
                        "reached reaching nearly over more than up stands stood valued totalling totaling total a an "
                        "approximately some almost under below above exceeding".split())
_VERBS = frozenset("boost raise increase enhance reach double expand grow cut reduce invest signed sign "
                   "offer offered provide provided deliver have has had been grown risen fallen rose fell "
                   "dropped climbed went will would could can".split())
_NAME_TOKEN = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
_COUNTRY_ALIASES = {"Turkey": "Türkiye", "Turkiye": "Türkiye", "USA": "United States", "U.S.": "United States",
                    "US": "United States", "UK": "United Kingdom", "Britain": "United Kingdom",
                    "UAE": "United Arab Emirates", "Russia": "Russia"}


def _countries() -> dict[str, str]:
    """Return {name as written: name used in facts} for every CLDR territory and common alias."""
    from babel import Locale

    names: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if code.isalpha() and len(code) == 2 and code not in ("EU", "EZ", "UN", "QO", "ZZ"):
            names[name] = name
    names.update(_COUNTRY_ALIASES)
    return names


@dataclass
class _Sentence:
    para: int
    text: str
    start: int  # offset in its paragraph


class _Capture:
    def __init__(self, article: Article, lexicon: Lexicon, classification: str, to: str, sender: str,
                 source_path: str | None) -> None:
        self.article = article
        self.lexicon = lexicon
        self.classification = classification
        self.to = to
        self.sender = sender
        self.source_path = source_path
        self.warnings: list[str] = []
        self.sentences: list[_Sentence] = []
        for n, paragraph in enumerate(article.paragraphs, 1):
            offset = 0
            for sentence in sentences(paragraph):
                start = paragraph.index(sentence, offset)
                self.sentences.append(_Sentence(n, sentence, start))
                offset = start + len(sentence)
        self.countries = _countries()
        self.used_ids: set[str] = set()

    # -- helpers

    def locator(self, para: int, start: int, end: int, expand: bool = True) -> dict:
        """A locator for characters start:end of paragraph ``para``: at most 12 whole words of
        the paragraph around them, verbatim."""
        paragraph = self.article.paragraphs[para - 1]
        sentence = self.sentence_at(para, start)
        bounds = (sentence.start, sentence.start + len(sentence.text))
        if not expand and len(paragraph[start:end].split()) <= EVIDENCE_MAX_WORDS:
            return {"para": para, "evidence": paragraph[start:end].strip()}
        return {"para": para, "evidence": evidence_window(paragraph, start, end, bounds=bounds)}

    def new_id(self, base: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", fold(base).encode("ascii", "ignore").decode()).strip("-")[:40].strip("-")
        slug = slug or "item"
        candidate, n = slug, 2
        while candidate in self.used_ids:
            candidate, n = f"{slug}-{n}", n + 1
        self.used_ids.add(candidate)
        return candidate

    def sentence_at(self, para: int, offset: int) -> _Sentence:
        found = [s for s in self.sentences if s.para == para and s.start <= offset]
        return found[-1] if found else next(s for s in self.sentences if s.para == para)

    def areas_of(self, text: str) -> list[tuple[str, int, int]]:
        """(area id, start, end) of each area keyword in ``text``, first area hit order."""
        folded = fold(text)
        hits = []
        for area_id, _, keywords in self.lexicon.areas:
            best = None
            for keyword in keywords:
                m = re.search(rf"(?<![\w-]){re.escape(keyword)}(?![\w-])", folded)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), m.end())
            if best:
                hits.append((area_id, *best))
        return hits

    # -- metadata

    def source(self) -> dict:
        article = self.article
        title = article.title or article.meta.get("title")
        if not title:
            title = article.paragraphs[0][:120]
            self.warnings.append("no title found: the first words of paragraph 1 stand in for it")
        author, role, organisation, city = self.byline()
        published = None
        for stated in (article.dateline, article.meta.get("published")):
            if stated and published is None:
                published = parse_date_text(stated)
        if published is None:
            days = [d for s in self.sentences for m in find_dates(s.text) for d in m.dates if d.precision == "day"]
            if not days:
                raise ArticleError("no publication date found in the article", path=article.path,
                                   hint="add a line such as 'Published on 20 July 2024' after the byline")
            latest = max(days, key=lambda d: d.sort_key())
            published = dt.date(latest.year, latest.month, latest.day)
            self.warnings.append(f"no publication date found: the latest date in the article "
                                 f"({published.isoformat()}) stands in for it; check source.published")
        self.published = published
        source: dict = {"title": title[:300], "author": author}
        if role:
            source["author_role"] = role
        if organisation:
            source["organisation"] = organisation
        if city:
            source["city"] = city
        source["published"] = published
        source["kind"] = "article"
        if article.meta.get("publisher"):
            source["publisher"] = article.meta["publisher"][:300]
        url = article.meta.get("url")
        if url and re.fullmatch(r"https?://[^\s<>\"'\\`{}|^]+", url):
            source["url"] = url
        source["language"] = "en"
        if self.source_path:
            source["path"] = self.source_path
        return source

    def byline(self) -> tuple[str, str | None, str | None, str | None]:
        line = self.article.byline
        if not line:
            author = self.article.meta.get("author")
            if author:
                return author[:300], None, None, None
            self.warnings.append("no byline found: source.author is 'Unknown author'")
            return "Unknown author", None, None, None
        line = re.sub(r"^(?:written\s+)?by\s+", "", line, flags=re.IGNORECASE)
        parts = [p.strip() for p in re.split(r",(?![^()]*\))|\s+[|–—]\s+", line) if p.strip()]
        author = _HONORIFICS.sub("", parts[0]) if parts else "Unknown author"
        author = re.split(r"\s+(?:and|&)\s+", author)[0] if len(author.split()) > 4 else author
        role = organisation = city = None
        for part in parts[1:]:
            if role is None and _ROLE_WORDS.search(part) and not _ORG_HINT.search(part):
                role = part
            elif organisation is None and (_ORG_HINT.search(part) or len(part.split()) > 3):
                organisation = part
            elif city is None and len(part.split()) <= 3 and part[:1].isupper():
                city = part
        return author[:300], role and role[:300], organisation and organisation[:300], city and city[:300]

    # -- people, organisations, countries

    def people(self) -> list[dict]:
        roles = sorted(self.lexicon.roles, key=len, reverse=True)
        role_re = "|".join(re.escape(r) for r in roles)
        country_re = "|".join(re.escape(c) for c in sorted(self.countries, key=len, reverse=True))
        pattern = re.compile(
            rf"(?:(?P<country>{country_re})(?:'s|’s)\s+)?"
            rf"(?P<role>(?:{role_re})(?:\s+(?:and|&)\s+(?:{role_re}))*)\s+"
            rf"(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})"
            rf"(?:\s+of\s+(?P<of>{country_re}))?"
        )
        found: list[dict] = []
        self.person_names: list[tuple[str, str]] = []  # (surname, id)
        for n, paragraph in enumerate(self.article.paragraphs, 1):
            for m in pattern.finditer(paragraph):
                name = m.group("name")
                tokens = name.split()
                while tokens and (re.sub(r"['’]s$", "", fold(tokens[-1])) in _STOP or tokens[-1] in self.countries):
                    tokens.pop()
                if tokens and re.search(r"['’]s$", tokens[-1]):
                    tokens[-1] = re.sub(r"['’]s$", "", tokens[-1])
                if not tokens or tokens[0] in self.countries or fold(tokens[0]) in _STOP:
                    continue
                name = " ".join(tokens)
                surname = tokens[-1]
                if any(s == surname for s, _ in self.person_names):
                    continue
                country = m.group("country") or m.group("of")
                country = self.countries.get(country, country) if country else None
                role = m.group("role")
                pid = self.new_id(surname)
                person = {"id": pid, "name": name, "role": f"{role} of {country}" if country else role}
                if country:
                    person["country"] = country
                end = m.start("name") + len(name)
                person["source"] = self.locator(n, m.start(), end)
                found.append(person)
                self.person_names.append((surname, pid))
        return found

    def organisations(self) -> list[dict]:
        words = "|".join(re.escape(w) for w in self.lexicon.organisation_words)
        connector = r"(?:\s+(?:of|for|and|a|the|with|on)\s+|\s+|-)"
        with_acronym = re.compile(
            rf"(?P<name>{_NAME_TOKEN}(?:{connector}{_NAME_TOKEN}){{1,9}})\s+\((?P<short>[A-Z][A-Z0-9&]{{1,9}})\)")
        by_word = re.compile(rf"(?P<name>(?:{_NAME_TOKEN}(?:\s+|-))+(?:{words}))\b")
        found: list[dict] = []
        seen: set[str] = set()
        for n, paragraph in enumerate(self.article.paragraphs, 1):
            spans = [(m.start("name"), m.end(), m.group("name"), m.group("short")) for m in with_acronym.finditer(paragraph)]
            spans += [(m.start("name"), m.end(), m.group("name"), None) for m in by_word.finditer(paragraph)]
            for start, end, name, short in sorted(spans):
                name = re.sub(r"^(?:The|In|At|On|With|And|Under|Both)\s+", "", name)
                if fold(name) in seen or name in self.countries or len(name.split()) < 2 and not short:
                    continue
                seen.add(fold(name))
                org = {"id": self.new_id(short or name), "name": name}
                if short:
                    org["short"] = short
                org["source"] = self.locator(n, start, end)
                found.append(org)
        for line in (self.article.byline,):
            if line:
                for m in with_acronym.finditer(line):
                    seen.add(fold(m.group("name")))
        return found

    def country_counts(self) -> list[tuple[str, int, int, int]]:
        """(country, mentions, first paragraph, first offset) for each country named."""
        counts: dict[str, list[int]] = {}
        for n, paragraph in enumerate(self.article.paragraphs, 1):
            for written, name in self.countries.items():
                for m in re.finditer(rf"(?<![\w-]){re.escape(written)}(?![\w])", paragraph):
                    entry = counts.setdefault(name, [0, n, m.start()])
                    entry[0] += 1
        return sorted(((c, v[0], v[1], v[2]) for c, v in counts.items()), key=lambda x: (-x[1], x[2], x[3]))

    # -- dates and the event

    def event(self, people: list[dict]) -> dict:
        mentions = [(s, m) for s in self.sentences[: max(6, len(self.sentences) // 3)]
                    for m in find_dates(s.text, self.published)]
        chosen = next(((s, m) for s, m in mentions if len(m.dates) == 2 and m.dates[0].precision == "day"), None)
        if chosen is None:
            chosen = next(((s, m) for s, m in mentions if m.dates[0].precision == "day"
                           and re.search(r"\b(?:visit|summit|meeting|arriv\w*|held|talks)\b", s.text, re.I)), None)
        kinds = ("visit", "summit", "meeting", "conference", "forum", "talks")
        countries = self.country_counts()
        chosen_countries = sorted(c for c, count, *_ in countries[:4] if count >= 2)[:10]
        if len(chosen_countries) < 2:
            chosen_countries = sorted(c for c, *_ in countries[:2])
        while len(chosen_countries) < 2:
            chosen_countries.append(f"(country {len(chosen_countries) + 1} not found)")
            self.warnings.append("fewer than two countries found: event.countries needs completing")
        if chosen is not None:
            sentence, mention = chosen
            first, last = mention.dates[0], mention.dates[-1]
            start, end = dt.date(first.year, first.month, first.day), dt.date(last.year, last.month, last.day)
            where = sentence.start + mention.start
            locator = self.locator(sentence.para, where, where + len(mention.text))
            summary = sentence.text
        else:
            start = end = self.published
            # Cite a paragraph that gives no date, if any: a same-day report, which check accepts.
            published = PartialDate(start.year, start.month, start.day)
            stating = [s for s in self.sentences if any(
                published in m.days() for m in find_dates(s.text, self.published))]
            dateless = [s for s in self.sentences
                        if not find_dates(self.article.paragraphs[s.para - 1], self.published)]
            sentence = (stating or dateless or self.sentences)[0]
            locator = self.locator(sentence.para, sentence.start, sentence.start + len(sentence.text))
            summary = sentence.text
            self.warnings.append("no dated event found near the start: event.start and event.end are the "
                                 "publication date; correct them")
        self.event_dates = {start, end}
        said = fold(sentence.text) + " " + fold(self.article.paragraphs[0])
        kind = next((k for k in kinds if re.search(rf"\b{k}\b", said)), "event")
        # The visitor: the person named last before "visit" in the event's sentence ("talks with
        # President X yesterday, who is on a three-day visit"), else the first of its paragraph.
        mark = re.search(rf"\b{kind}\b", sentence.text)
        named = [(sentence.text.rfind(p["name"].split()[-1], 0, mark.start() if mark else len(sentence.text)), p)
                 for p in people]
        named = [(at, p) for at, p in named if at >= 0]
        visitor = max(named, key=lambda x: x[0])[1] if named else next(
            (p for p in people if p["source"]["para"] == sentence.para), None)
        host = None
        if visitor:
            text = sentence.text
            host = next((self.countries[w] for w in sorted(self.countries, key=len, reverse=True)
                         if re.search(rf"\b(?:in|to)\s+{re.escape(w)}\b", text) and self.countries[w] != visitor.get("country")), None)
        if visitor and kind == "visit":
            role = visitor["role"]
            title = f"{kind.capitalize()} of {visitor['name'].join(_split_role(role))}"
            if host:
                title += f" to {host}" if kind == "visit" else f" in {host}"
        elif chosen is not None:  # only words the event's own paragraph supports
            title = f"{kind.capitalize()}, {_date_range(start, end)}"
        else:
            real = [c for c in chosen_countries if not c.startswith("(")]
            title = f"{kind.capitalize()}: {' – '.join(real)}" if real else kind.capitalize()
        event: dict = {"title": title[:300], "kind": kind, "start": start, "end": end,
                       "countries": chosen_countries}
        if host:
            event["places"] = [host]
        event["summary"] = summary
        event["source"] = [locator]
        return event

    # -- figures

    def figures(self) -> list[tuple[str | None, dict, _Sentence, Amount]]:
        """(area id or None, figure, sentence, amount) for every amount and count."""
        found = []
        for sentence in self.sentences:
            dates = find_dates(sentence.text, self.published)
            previous = None  # "raising trade to $2 billion, up from $450 million": one subject
            for amount in find_amounts(sentence.text, skip=[(d.start, d.end) for d in dates]):
                area = self.area_for(sentence.text, amount.start)
                figure = self.figure(sentence, amount, previous, area)
                if figure is not None:
                    found.append((area, figure, sentence, amount))
                    previous = figure.get("_subject") or previous
                    figure.pop("_subject", None)
        return found

    def figure(self, sentence: _Sentence, amount: Amount, previous: str | None = None,
               area: str | None = None) -> dict | None:
        text = sentence.text
        after = text[amount.end:]
        unit, per = None, None
        if amount.is_money:
            unit = amount.currency if amount.currency != "Rs" else "PKR"
        elif amount.percent:
            unit = "%"
        else:
            if re.match(r"^-\w", after) or _PARTIES.match(after.lstrip()):
                return None  # "two-day visit", "the two countries"
            unit, consumed = _unit_words(after, self.lexicon)
            if not unit:
                return None
            rate = _PER.match(after[consumed:])
            if rate:
                per = rate.group(1).lower()
            if amount.word and amount.value < 2 and not per:
                return None  # "one of", "one another"
        before = text[: amount.start]
        label_words = _label(before)
        kind, as_of = "actual", None
        stated = stated_kind(text, amount.start, amount.end)
        dated = date_of_amount(text, amount, find_dates(text, self.published))
        if stated == "target":
            kind = "target"
        elif dated is not None:  # "$90 million in 2024": the value as of the year it is given for
            when = dated.dates[0]
            as_of = when.year if when.precision == "year" else when.iso()
        elif stated == "current":
            as_of = f"{self.published.year:04d}-{self.published.month:02d}"
        if amount.is_money or amount.percent:
            titles = {a[0]: a[1] for a in self.lexicon.areas}
            subject = label_words or previous or (f"{titles[area]}, amount" if area else "Amount")
            label = subject[0].upper() + subject[1:]
            if kind == "target":
                label += ", goal"
            elif as_of and dated is None:
                label += ", current"
        else:
            label = unit[0].upper() + unit[1:]
            if per:
                label += f" per {per}"
        start = sentence.start + amount.start
        unit_end = amount.end + (len(after) - len(after.lstrip()) + len(unit) if unit and not amount.is_money and not amount.percent else 0)
        figure: dict = {"id": self.new_id(label), "label": label[:300],
                        "value": _number(amount.value), "unit": unit}
        if amount.is_money or amount.percent:
            figure["_subject"] = subject
        if per:
            figure["per"] = per
        if kind != "actual":
            figure["kind"] = kind
        if as_of:
            figure["as_of"] = as_of
        if amount.qualifier:
            word = _QUALIFIER_WORDS.get(qualifier_class(amount.qualifier) or "")
            if word:
                figure["qualifier"] = word
            if word is None or word != amount.qualifier.lower():
                figure["note"] = f"the article says “{amount.described}”"
        figure["headline"] = bool(amount.is_money or amount.value >= 2 or per)
        figure["source"] = self.locator(sentence.para, start, sentence.start + unit_end)
        return figure

    def area_for(self, text: str, offset: int) -> str | None:
        """The area whose keyword is nearest to ``offset`` in ``text`` (folded offsets)."""
        hits = self.areas_of(text)
        if not hits:
            return None
        return min(hits, key=lambda h: (min(abs(h[1] - offset), abs(h[2] - offset)), h[1]))[0]

    # -- quotations and milestones

    def quotes(self) -> list[dict]:
        found = []
        pattern = re.compile(r"[\"“](?P<q>[^\"“”]{20,}?)[\"”]")
        for n, paragraph in enumerate(self.article.paragraphs, 1):
            for m in pattern.finditer(paragraph):
                inner = m.group("q").strip().rstrip(",")
                if len(inner.split()) < 5:
                    continue
                sentence = self.sentence_at(n, m.start())
                before = paragraph[sentence.start:m.start()]
                after = paragraph[m.end(): m.end() + 120]
                speaker = self.speaker(before) or self.speaker(after)
                if speaker is not None:
                    quote = {"text": inner, "speaker": speaker}
                else:
                    described = _UNNAMED.search(after) or _last(_UNNAMED.finditer(before))
                    if described is None:
                        self.warnings.append(f"paragraph {n}: a quotation without a named speaker was left out")
                        continue
                    quote = {"text": inner, "speaker_description": described.group("who")}
                quote["source"] = self.locator(n, m.start("q"), m.end("q"), expand=False)
                found.append(quote)
        return found

    def speaker(self, text: str) -> str | None:
        hits = [(m.start(), pid) for surname, pid in getattr(self, "person_names", [])
                for m in re.finditer(rf"\b{re.escape(surname)}\b", text)]
        return min(hits)[1] if hits else None

    def milestones(self) -> list[tuple[str | None, dict, bool]]:
        """(area id, milestone, is preparation) for each dated statement other than the event."""
        found = []
        for sentence in self.sentences:
            for mention in find_dates(sentence.text, self.published):
                date = mention.dates[0]
                if len(mention.dates) == 2 or any(_same_day(date, d) for d in self.event_dates):
                    continue
                if date.precision == "day" and dt.date(date.year, date.month, date.day) == self.published:
                    continue
                preparation = bool(_PREPARATION.search(sentence.text))
                area = self.area_for(sentence.text, mention.start)
                if area is None and not preparation:
                    continue
                milestone = {"date": date.year if date.precision == "year" else date.iso(), "text": sentence.text,
                             "source": self.locator(sentence.para, sentence.start + mention.start,
                                                    sentence.start + mention.end)}
                found.append((area, milestone, preparation))
        unique, seen = [], set()
        for area, milestone, prep in found:
            key = (milestone["date"], milestone["text"])
            if key not in seen:
                seen.add(key)
                unique.append((area, milestone, prep))
        return unique

    # -- assembling

    def run(self) -> Draft:
        source = self.source()
        people = self.people()
        organisations = self.organisations()
        event = self.event(people)
        figures = self.figures()
        milestones = self.milestones()
        quotes = self.quotes()
        areas: dict[str, dict] = {}
        titles = {a[0]: a[1] for a in self.lexicon.areas}
        order = [a[0] for a in self.lexicon.areas]
        for sentence in self.sentences:
            for area_id, start, end in self.areas_of(sentence.text):
                area = areas.setdefault(area_id, {"id": area_id, "title": titles[area_id], "points": [],
                                                  "figures": [], "milestones": [], "_paras": []})
                if len(area["points"]) >= 8 or any(p["text"] == sentence.text for p in area["points"]):
                    continue
                offset = _unfold_offset(sentence.text, start)
                area["points"].append({"text": sentence.text, "source": self.locator(
                    sentence.para, sentence.start + offset, sentence.start + offset + (end - start))})
                if sentence.para not in area["_paras"]:
                    area["_paras"].append(sentence.para)
        top_figures = []
        seen_figures: set[tuple] = set()
        for area_id, figure, *_ in figures:
            key = (figure["value"], figure["unit"], figure.get("per"), figure.get("kind"))
            if key in seen_figures:
                continue  # the same amount stated again later: the first statement is cited
            seen_figures.add(key)
            (areas[area_id]["figures"] if area_id in areas else top_figures).append(figure)
        preparation = []
        for area_id, milestone, prep in milestones:
            if prep:
                preparation.append(milestone)
            elif area_id in areas:
                areas[area_id]["milestones"].append(milestone)
        if preparation:
            event["preparation"] = preparation
        ordered = sorted(areas.values(), key=lambda a: (a["_paras"][0], order.index(a["id"])))
        area_list = []
        for area in ordered:
            paras = area.pop("_paras")
            area_out = {"id": area["id"], "title": area["title"],
                        "summary": f"The article mentions {area['title'][0].lower() + area['title'][1:]} "
                                   f"in {_plural(paras)}; review the points below.",
                        "points": area["points"]}
            if area["figures"]:
                area_out["figures"] = area["figures"]
            if area["milestones"]:
                area_out["milestones"] = area["milestones"]
            area_list.append(area_out)
        if not area_list:
            self.warnings.append("no cooperation area of the lexicon found: one 'general' area holds the "
                                 "first paragraph's sentences")
            first = [s for s in self.sentences if s.para == 1][:5]
            area_list.append({"id": "general", "title": "General", "summary": "The article's opening paragraph.",
                              "points": [{"text": s.text, "source": self.locator(1, s.start, s.start + len(s.text))}
                                         for s in first]})
        note = self.note(source, event, figures)
        data: dict = {"schema": 1, "classification": self.classification, "note": note, "source": source,
                      "event": event, "people": people}
        if organisations:
            data["organisations"] = organisations
        if top_figures:
            data["figures"] = top_figures
        data["areas"] = area_list
        if quotes:
            data["quotes"] = quotes
        return Draft(data, self.warnings)

    def note(self, source: dict, event: dict, figures) -> dict:
        used: set[tuple[int, str]] = set()
        key_points: list[dict] = []

        def add(target: list, sentence: _Sentence, limit: int) -> None:
            key = (sentence.para, sentence.text)
            if len(target) < limit and key not in used:
                used.add(key)
                target.append({"text": sentence.text, "source": self.locator(
                    sentence.para, sentence.start, sentence.start + len(sentence.text))})

        ranked = sorted(figures, key=lambda f: (not f[3].is_money, f[2].para))
        for _, figure, sentence, _ in ranked:
            if figure["headline"]:
                add(key_points, sentence, 4)
        for sentence in self.sentences:
            if len(key_points) >= 3:
                break
            add(key_points, sentence, 3)
        if len(key_points) < 3:  # a very short article: its clauses make up the three key points
            for sentence in self.sentences:
                for clause in re.split(r"(?:,|;|\s+and)\s+", sentence.text):
                    offset = sentence.text.find(clause)
                    if len(clause.split()) >= 3 and offset >= 0:
                        add(key_points, _Sentence(sentence.para, clause, sentence.start + offset), 3)
        while len(key_points) < 3:
            key_points.append(key_points[-1])
            self.warnings.append("the article is too short for three distinct key points; one is repeated")
        key_points.sort(key=lambda p: p["source"]["para"])
        outlook: list[dict] = []
        for sentence in self.sentences:
            if _FUTURE.search(sentence.text):
                add(outlook, sentence, 4)
        if not outlook:
            last = [s for s in self.sentences if s.para == len(self.article.paragraphs)]
            add(outlook, last[0] if last else self.sentences[-1], 1)
            if not outlook:
                outlook.append(key_points[-1])
        start, end = event["start"], event["end"]
        when = _date_range(start, end)
        published = source["published"]
        by = f" by {source['author']}" if source["author"] != "Unknown author" else ""
        return {
            "to": self.to,
            "from": self.sender,
            "subject": f"{event['title']}, {when}"[:300],
            "purpose": (f"Draft captured by briefgen from “{source['title']}”{by}, published "
                        f"{published.day} {published:%B} {published.year}. Every point below is the "
                        "article's own sentence with the paragraph it comes from; review and rewrite each "
                        "before the note is used."),
            "key_points": key_points,
            "outlook": outlook,
            "status": "draft",
        }


def capture(article: Article, lexicon: Lexicon | None = None, *, classification: str = "OFFICIAL",
            to: str = "(addressee to be completed)", sender: str = "(sender to be completed)",
            source_path: str | None = None) -> Draft:
    """Return the ``Draft`` facts of ``article`` sorted with ``lexicon`` (default: the shipped
    one). ``source_path`` becomes ``source.path`` (the article's path relative to the facts
    file). Deterministic: the same article and lexicon give the same draft.

    Raises ArticleError if the article has no publication date and no dated statement.
    """
    return _Capture(article, lexicon or load_lexicon(), classification, to, sender, source_path).run()


def to_yaml(draft: Draft, header: str = "") -> str:
    """Return ``draft`` as facts-file YAML: block style, locators on one line, ``header`` as
    leading comment lines."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def convert(value, key=None):
        if isinstance(value, dict):
            if set(value) == {"para", "evidence"}:  # one line; a folded scalar cannot be in a flow mapping
                out = CommentedMap(value.items())
                out.fa.set_flow_style()
                return out
            return CommentedMap((k, convert(v, k)) for k, v in value.items())
        if isinstance(value, list):
            seq = CommentedSeq(convert(v) for v in value)
            if key == "countries" or key == "places":
                seq.fa.set_flow_style()
            return seq
        if isinstance(value, str) and len(value) > 80 and "\n" not in value and value == value.strip() \
                and "  " not in value:
            return _folded(value)
        return value

    yaml = YAML(typ="rt", pure=True)
    yaml.representer.ignore_aliases = lambda data: True  # the same date twice is written twice
    yaml.width = 4096  # locators stay on one line; long texts are folded by _folded
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    stream = io.StringIO()
    root = convert(draft.data)
    if header:
        root.yaml_set_start_comment(header)
    yaml.dump(root, stream)
    return stream.getvalue()


def _folded(text: str, width: int = 88):
    """``text`` as a folded block scalar (``>-``) broken at spaces about every ``width``
    characters; reads back as the same one-line text."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    folded = FoldedScalarString(text)
    positions, last = [], 0
    for m in re.finditer(r" (?=\S)", text):
        if m.start() - last > width:
            previous = [p for p in (x.start() for x in re.finditer(r" (?=\S)", text[: m.start()])) if p > last]
            cut = previous[-1] if previous else m.start()
            positions.append(cut)
            last = cut
    folded.fold_pos = positions
    return folded


def evidence_window(paragraph: str, start: int, end: int, limit: int = EVIDENCE_MAX_WORDS,
                    bounds: tuple[int, int] | None = None) -> str:
    """Return at most ``limit`` whole words of ``paragraph`` covering ``start:end`` (the first
    ``limit`` words of it when it is longer), verbatim, without leading or trailing commas;
    with ``bounds`` (a sentence's start and end offsets) the words stay inside them."""
    lo, hi = bounds or (0, len(paragraph))
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", paragraph) if m.start() >= lo and m.end() <= hi]
    if not words:
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", paragraph)]
    inside = [i for i, (s, e) in enumerate(words) if e > start and s < max(end, start + 1)]
    if not inside:
        inside = [min(range(len(words)), key=lambda i: abs(words[i][0] - start))]
    first, last = inside[0], inside[-1]
    if last - first + 1 > limit:
        last = first + limit - 1
    while last - first + 1 < limit and (first > 0 or last < len(words) - 1):
        if last < len(words) - 1 and (last - inside[-1] <= inside[0] - first or first == 0):
            last += 1
        elif first > 0:
            first -= 1
        if last - first + 1 >= min(limit, 8) and re.search(r"[.;]$", paragraph[words[last][0]:words[last][1]]):
            break
    text = paragraph[words[first][0]: words[last][1]]
    return text.strip(" ,;:") or text


def _unit_words(after: str, lexicon: Lexicon) -> tuple[str | None, int]:
    """The counted thing after a number ("Memoranda of Understanding (MoUs) and agreements",
    "LNG cargo") and how many characters of ``after`` it takes; (None, 0) if it is not a
    countable thing of the lexicon or a capitalised name."""
    tokens = list(re.finditer(r"\(?[\w'’\-]+\)?", after[:160]))
    unit: list[re.Match] = []
    for i, m in enumerate(tokens):
        gap = after[(unit[-1].end() if unit else 0): m.start()]
        if re.search(r"[,.;:!?\"“”]", gap) or (not unit and gap.strip()):
            break
        word = m.group()
        low = fold(word)
        if word.startswith("(") and word.endswith(")"):
            if unit:
                unit.append(m)
                continue
            break
        if low in ("of",) and unit and unit[-1].group()[:1].isupper() and i + 1 < len(tokens) and tokens[i + 1].group()[:1].isupper():
            unit.append(m)
            continue
        if low == "and" and unit and i + 1 < len(tokens) and fold(tokens[i + 1].group()) in lexicon.count_units:
            unit.append(m)
            unit.append(tokens[i + 1])
            break
        if low in _STOP or len(unit) >= 6:
            break
        unit.append(m)
        if low in lexicon.count_units:
            nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
            after_next = tokens[i + 2].group() if i + 2 < len(tokens) else ""
            if not (nxt.startswith("(") or fold(nxt) == "and" or fold(nxt) == "of" and after_next[:1].isupper()):
                break
    if not unit:
        return None, 0
    text = after[unit[0].start(): unit[-1].end()]
    words = [fold(w.group()).strip("()") for w in unit]
    if not (any(w in lexicon.count_units for w in words) or unit[0].group()[:1].isupper()):
        return None, 0
    if unit[0].group()[:1].isupper() and not any(w in lexicon.count_units for w in words):
        if len(unit) < 2 and not unit[0].group().isupper():
            return None, 0  # "15 Pakistan" or a lone capitalised word: not a counted thing
    return text, unit[-1].end()


def _label(before: str) -> str:
    """A label from the words before an amount: "enhancing bilateral investment to" -> "bilateral
    investment"."""
    words = re.findall(r"[\w'’\-]+", before.split(",")[-1] if before.count(",") else before)
    while words and fold(words[-1]) in _LABEL_DROP:
        words.pop()
    picked: list[str] = []
    for word in reversed(words):
        low = fold(word)
        if low in _STOP or low in _VERBS or low.endswith("ing") or low.endswith("ed") and len(low) > 4 or len(picked) >= 3:
            break
        picked.insert(0, word)
    return " ".join(picked)


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else f"{value.normalize():f}"


def _same_day(a: PartialDate, b: dt.date) -> bool:
    return a.precision == "day" and (a.year, a.month, a.day) == (b.year, b.month, b.day)


def _split_role(role: str) -> tuple[str, str]:
    """("President ", " of Azerbaijan") from "President of Azerbaijan", to put a name between."""
    head, sep, tail = role.partition(" of ")
    return (f"{head} ", f" of {tail}") if sep else (f"{role} ", "")


def _plural(paras: list[int]) -> str:
    if len(paras) == 1:
        return f"paragraph {paras[0]}"
    return "paragraphs " + ", ".join(str(p) for p in paras[:-1]) + f" and {paras[-1]}"


def _date_range(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start.day} {start:%B} {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B} {end.year}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B} {end.year}"
    return f"{start.day} {start:%B} {start.year} – {end.day} {end:%B} {end.year}"


def _unfold_offset(text: str, folded_offset: int) -> int:
    """The offset in ``text`` of character ``folded_offset`` of ``fold(text)`` (folding only
    drops spaces around dashes and collapses whitespace, so words map one to one)."""
    folded = fold(text)
    words_before = len(folded[:folded_offset].split())
    starts = [m.start() for m in re.finditer(r"\S+", text)]
    if words_before < len(starts):
        return starts[words_before] if folded_offset == 0 or folded[folded_offset - 1] == " " else starts[max(0, words_before - 1)]
    return 0
