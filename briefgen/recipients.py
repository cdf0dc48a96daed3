"""The recipients file of ``briefgen distribute``: who gets a numbered copy of a note.

A CSV file with a header row (comma, semicolon or tab separated, as Excel and LibreOffice save
it, UTF-8 with or without a byte-order mark) or a YAML file (a list of mappings, or a mapping
with a ``recipients:`` list). Columns / keys: ``name`` (required), ``role``, ``organisation``
(``organization`` accepted), ``email``, ``copy`` (a copy number, 1..N) and ``formats`` (a subset
of ``pdf docx``). Every row is checked and all problems are reported at once, each with its file
and line. See docs/distribution.md.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import BriefgenError, Problem, RecipientsError
from briefgen.schema import FORBIDDEN_IN_OUTPUT

__all__ = ["Recipient", "load_recipients", "parse_recipients", "COPY_FORMATS", "MAX_RECIPIENTS"]

COPY_FORMATS = ("pdf", "docx")
"""Formats a recipient's copy can be made in."""
MAX_RECIPIENTS = 10_000
"""Most rows a recipients file may have."""
LIMITS = {"name": 120, "role": 120, "organisation": 160, "email": 254}
"""Longest value, in characters, of each text column (a name longer than this is a pasting
accident, and would not fit the copy stamp)."""
COLUMNS = ("name", "role", "organisation", "email", "copy", "formats")
_ALIASES = {"organization": "organisation", "e-mail": "email", "mail": "email", "format": "formats"}
# Characters a name must never carry: controls and line breaks (they would break the stamp, a
# file name or a mail header) and bidirectional overrides (they make text read differently
# from how it is stored, e.g. in a file name).
_FORBIDDEN = re.compile("[\t\n\r]|" + FORBIDDEN_IN_OUTPUT.pattern)


@dataclass(frozen=True)
class Recipient:
    """One row of the recipients file.

    ``copy`` is the copy number (1..N), assigned in file order to rows that give none;
    ``formats`` is a tuple of "pdf"/"docx" (empty: the formats of the command line); ``line``
    is the row's line in the file (1-based) and ``source`` the file's path, for messages.
    """

    name: str
    role: str = ""
    organisation: str = ""
    email: str = ""
    copy: int = 0
    formats: tuple[str, ...] = ()
    line: int = 0
    source: str = ""


def load_recipients(path: str | Path, *, require_email: bool = False) -> list[Recipient]:
    """Return the recipients of the CSV or YAML file at ``path``, numbered, in copy order.

    A file ending in ``.yaml``/``.yml`` is YAML, anything else CSV. ``require_email``: every row
    needs an address (for ``--eml`` and ``--send``). Raises RecipientsError with every problem
    of the file (file:line: field: message).
    """
    from briefgen.facts import read_yaml_file

    shown = str(path)
    try:
        text = read_yaml_file(path)  # the bounded reader: size limit, regular files, UTF-8
    except BriefgenError as e:
        raise RecipientsError(problems=[_utf8_hint(p) for p in e.problems]) from None
    return parse_recipients(text, shown, require_email=require_email,
                            yaml=Path(path).suffix.lower() in (".yaml", ".yml"))


def _utf8_hint(problem: Problem) -> Problem:
    if "not UTF-8" in problem.message:
        from dataclasses import replace

        return replace(problem, hint="in Excel choose 'Save As' > 'CSV UTF-8 (Comma delimited)'; "
                                     "in LibreOffice tick 'Edit filter settings' and choose UTF-8")
    return problem


def parse_recipients(text: str, path: str = "<recipients>", *, require_email: bool = False,
                     yaml: bool = False) -> list[Recipient]:
    """Return the recipients in ``text`` (CSV, or YAML when ``yaml``), sorted by copy number.

    ``path`` is only used in messages. Raises RecipientsError as ``load_recipients`` does.
    """
    problems: list[Problem] = []
    rows = _yaml_rows(text, path, problems) if yaml else _csv_rows(text, path, problems)
    if problems and not rows:
        raise RecipientsError(problems=problems)
    if not rows:
        raise RecipientsError("the file has no recipients", path=path,
                              hint="one row per recipient, under a header row: name,role,organisation,email")
    if len(rows) > MAX_RECIPIENTS:
        raise RecipientsError(f"the file has {len(rows):,} recipients; the limit is {MAX_RECIPIENTS:,}", path=path)
    return _validate(rows, path, require_email, problems)


def _csv_rows(text: str, path: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    """Return (line, {column: value}) per data row of the CSV ``text``."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    offset = 0
    if re.fullmatch(r"sep=.\r?", first, flags=re.IGNORECASE):
        # Excel's own hint line ("sep=;") names the separator.
        delimiter, text, offset = first[4], text.split("\n", 1)[1] if "\n" in text else "", 1
    else:
        # The header names hold no separators, so the separator is the one the header uses most.
        delimiter = max(",;\t", key=lambda d: (first.count(d), d == ","))
    reader = _Numbered(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), offset)
    try:
        header = next(reader, None)
    except csv.Error as e:
        problems.append(Problem(f"the header row is not valid CSV: {e}", path, 1 + offset))
        return []
    if header is None:
        return []
    columns: list[str | None] = []
    for number, raw in enumerate(header, 1):
        key = raw.strip().lower().replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key in COLUMNS and key not in columns:
            columns.append(key)
        elif not key:
            columns.append(None)  # an empty header cell: Excel writes these for empty columns
        elif key in columns:
            problems.append(Problem(f"column {raw.strip()!r} appears twice in the header", path, 1 + offset, number))
            columns.append(None)
        else:
            close = difflib.get_close_matches(key, [*COLUMNS, *_ALIASES], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the columns are {', '.join(COLUMNS)}"
            problems.append(Problem(f"unknown column {raw.strip()!r}", path, 1 + offset, number, hint=hint))
            columns.append(None)
    if "name" not in columns:
        problems.append(Problem("the header has no 'name' column", path, 1,
                                hint="the first row names the columns: name,role,organisation,email"))
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(Problem(f"not valid CSV: {e}", path, line,
                                    hint="a quoted value must end with a quote before the separator"))
            break
        if any(cell.strip() for cell in record):
            if len(record) > len(columns) and any(c.strip() for c in record[len(columns):]):
                problems.append(Problem(f"the row has {len(record)} values but the header names "
                                        f"{len(columns)} columns", path, line,
                                        hint="quote values that contain the separator"))
            values = {key: cell for key, cell in zip(columns, record) if key}
            rows.append((line, values))
        line = reader.line_num + 1
        if len(rows) > MAX_RECIPIENTS:
            break
    return rows


class _Numbered:
    """A csv reader whose ``line_num`` counts lines skipped before it."""

    def __init__(self, reader, offset: int) -> None:
        self.reader, self.offset = reader, offset

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.reader)

    @property
    def line_num(self) -> int:
        return self.reader.line_num + self.offset


def _yaml_rows(text: str, path: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    from briefgen.yamlload import load_yaml

    try:
        data, positions = load_yaml(text, path)
    except BriefgenError as e:
        problems.extend(e.problems)
        return []
    prefix: tuple = ()
    if isinstance(data, dict) and set(data) == {"recipients"}:
        data, prefix = data["recipients"], ("recipients",)
    if not isinstance(data, list):
        problems.append(Problem("expected a list of recipients (or 'recipients:' and a list)", path, 1))
        return []
    rows = []
    for i, item in enumerate(data):
        line = positions.of((*prefix, i))[0] or 1
        if not isinstance(item, dict):
            problems.append(Problem("a recipient is a mapping (name: ..., role: ...)", path, line,
                                    field=f"[{i}]"))
            continue
        values: dict = {"_lines": {}}
        for key, value in item.items():
            canonical = _ALIASES.get(str(key).lower(), str(key).lower())
            if canonical not in COLUMNS:
                close = difflib.get_close_matches(str(key), [*COLUMNS, *_ALIASES], n=1)
                problems.append(Problem(f"unknown field {key!r}", path, positions.of((*prefix, i, key))[0],
                                        field=f"[{i}]", hint=f"did you mean {close[0]!r}?" if close else None))
                continue
            if isinstance(value, list) and canonical == "formats":
                value = ",".join(str(v) for v in value)
            if isinstance(value, (dict, list)):
                problems.append(Problem(f"'{key}' must be text", path, positions.of((*prefix, i, key))[0],
                                        field=f"[{i}]"))
                continue
            values[canonical] = "" if value is None else str(value)
            values["_lines"][canonical] = positions.of((*prefix, i, key))[0] or line
        rows.append((line, values))
    return rows


def _validate(rows: list[tuple[int, dict[str, str]]], path: str, require_email: bool,
              problems: list[Problem]) -> list[Recipient]:
    from email.headerregistry import Address

    drafts: list[dict] = []
    seen_emails: dict[str, int] = {}
    seen_people: dict[tuple, int] = {}
    seen_copies: dict[int, int] = {}
    for line, values in rows:
        bad = False

        field_lines = values.get("_lines", {})  # YAML: each field's own line

        def problem(field: str, message: str, hint: str | None = None) -> None:
            nonlocal bad
            bad = True
            problems.append(Problem(message, path, field_lines.get(field, line), field=field, hint=hint))

        clean: dict[str, str] = {}
        for key in ("name", "role", "organisation", "email"):
            raw = values.get(key, "")
            found = _FORBIDDEN.search(raw)
            if found:
                if found.group() in "\r\n\u2028\u2029":
                    problem(key, "contains a line break", "each value must be on one line; remove it")
                else:
                    problem(key, f"contains the invisible control character U+{ord(found.group()):04X}",
                            "remove it: it would change how the name reads or is stored")
                continue
            value = unicodedata.normalize("NFC", " ".join(raw.split()))
            rtl = next((c for c in value if unicodedata.bidirectional(c) in ("R", "AL")), None)
            if rtl is not None:
                problem(key, f"right-to-left text is not supported: U+{ord(rtl):04X} "
                             f"{unicodedata.name(rtl, 'unnamed character')}",
                        "write it in Latin transliteration (see docs/fonts.md)")
                continue
            if len(value) > LIMITS[key]:
                problem(key, f"is {len(value)} characters long; the limit is {LIMITS[key]}",
                        "shorten it (it is printed in the footer of every page)")
            clean[key] = value
        if not values.get("name", "").strip() and "name" in clean:
            problem("name", "is empty", "every recipient needs a name")
        email = clean.get("email", "")
        if email:
            try:
                address = Address(addr_spec=email)
                if "." not in address.domain or address.domain.startswith(".") or address.domain.endswith("."):
                    raise ValueError("the domain has no dot")
                email = address.addr_spec
            except Exception as e:  # the parser raises several kinds, some not ValueError
                reason = str(e).rstrip(".") if isinstance(e, ValueError) else ""
                problem("email", f"{email!r} is not an e-mail address" + (f" ({reason})" if reason else ""),
                        "write it as name@example.org, one address per row")
            else:
                key = email.casefold()
                if key in seen_emails:
                    problem("email", f"{email} is also given on line {seen_emails[key]}",
                            "each recipient gets one copy: remove the duplicate row")
                else:
                    seen_emails[key] = line
        elif require_email:
            problem("email", "is missing; every recipient needs an address to send or write e-mails",
                    "add an email column and fill it, or leave out --eml/--send")
        copy = 0
        copy_text = values.get("copy", "").strip()
        if copy_text:
            if not re.fullmatch(r"\d{1,6}", copy_text) or int(copy_text) < 1:
                problem("copy", f"{copy_text!r} is not a copy number", "a whole number from 1 up")
            else:
                copy = int(copy_text)
                if copy > len(rows):
                    problem("copy", f"copy {copy} is more than the number of recipients ({len(rows)})",
                            f"copies are numbered 1 to {len(rows)}")
                elif copy in seen_copies:
                    problem("copy", f"copy number {copy} is also given on line {seen_copies[copy]}",
                            "each copy number is given once")
                else:
                    seen_copies[copy] = line
        formats: tuple[str, ...] = ()
        formats_text = values.get("formats", "").strip()
        if formats_text:
            names = [f.lower() for f in re.split(r"[\s,;+|/]+", formats_text) if f]
            unknown = [f for f in names if f not in COPY_FORMATS]
            if unknown:
                problem("formats", f"unknown format {', '.join(unknown)}",
                        f"choose from {', '.join(COPY_FORMATS)}, separated by spaces")
            formats = tuple(f for f in COPY_FORMATS if f in names)
        if clean.get("name"):
            person = tuple(clean.get(k, "").casefold() for k in ("name", "role", "organisation", "email"))
            if person in seen_people:
                problem("name", f"the same recipient is given on line {seen_people[person]}",
                        "remove the duplicate row")
            else:
                seen_people[person] = line
        if not bad:
            drafts.append(dict(name=clean["name"], role=clean.get("role", ""),
                               organisation=clean.get("organisation", ""), email=email, copy=copy,
                               formats=formats, line=line, source=path))
    if problems:
        # Rows in file order, whether the problem was found reading or checking them.
        raise RecipientsError(problems=sorted(problems, key=lambda p: p.line or 0))
    free = iter(n for n in range(1, len(drafts) + 1) if n not in seen_copies)
    recipients = [Recipient(**{**d, "copy": d["copy"] or next(free)}) for d in drafts]
    return sorted(recipients, key=lambda r: r.copy)
