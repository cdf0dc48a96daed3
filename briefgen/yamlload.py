"""Safe YAML 1.2 loading that keeps the position of every value.

``load_yaml`` turns YAML text into plain data (``dict``, ``list``, ``str``, ``None``) and a
``Positions`` map from a value's path to where it was written. Every scalar stays the string the
user typed: the schema, not the YAML resolver, decides that ``NO`` is a country code, ``1.10`` a
version and ``2024-07-20`` a date. Only an unquoted empty value, ``~`` or ``null`` becomes ``None``.

Refused, with the line: syntax errors, duplicate keys, non-string keys, tags other than the YAML
core ones (so no ``!!python/...``), documents deeper than ``MAX_DEPTH`` or with more than
``MAX_NODES`` values after alias expansion ("billion laughs"), and input over ``MAX_BYTES``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from briefgen.errors import FactsError, Problem

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Positions", "load_yaml", "decode_text"]

MAX_BYTES = 2 * 1024 * 1024
"""Largest facts file accepted, in bytes (the bundled one is about 20 KB)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and sequences accepted."""
MAX_NODES = 50_000
"""Most values accepted, counting every use of an alias in full."""
MAX_SEQUENCE = 1_000
"""Most items in one list (the schema allows fewer; this stops huge files early)."""
_PRECHECK_BYTES = 64 * 1024

_CORE_TAGS = {
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary")
}
_NULLS = {"", "~", "null", "Null", "NULL"}

PathKey = tuple[str | int, ...]


@dataclass
class Positions:
    """Where each value and each mapping key was written: path -> (line, column), 1-based."""

    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: PathKey) -> tuple[int | None, int | None]:
        """Return the best known (line, column) for ``path``, walking up to its parents."""
        for table in (self.keys, self.values):
            if path in table:
                return table[path]
        while path:
            path = path[:-1]
            if path in self.values:
                return self.values[path]
        return (None, None)


def decode_text(data: bytes, path: str) -> str:
    """Return ``data`` decoded as UTF-8 (a leading BOM is dropped).

    Raises FactsError naming the line and column of the first byte that is not UTF-8.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise FactsError(
            f"the file is not UTF-8 (byte 0x{data[e.start]:02x})",
            path=path,
            line=line,
            column=col,
            hint="save it as UTF-8; most editors offer this under 'Save with encoding'",
        ) from None


def load_yaml(text: str, path: str, *, text_comments: bool = False) -> tuple[object, Positions]:
    """Return (data, positions) for the YAML document ``text`` read from ``path``.

    Every invisible or line-separator character is refused with its line, column and field.
    ``text_comments``: also refuse a plain (unquoted) value of several words followed by a
    `` #`` comment on its line (in a facts file, "its #1 partner" would lose "#1 partner").

    ``data`` is made of ``dict[str, ...]``, ``list``, ``str`` and ``None`` only.
    Raises FactsError listing every problem found (all duplicate keys and bad tags at once;
    a syntax error stops the reading, so it is reported alone).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise FactsError(
            f"the file is larger than the limit of {MAX_BYTES // (1024 * 1024)} MB",
            path=path,
            hint="a facts file describes one article; split very large inputs",
        )
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    invisible = _invisible_characters(text, path)
    if invisible:
        raise FactsError(problems=invisible)
    try:
        if len(text) > _PRECHECK_BYTES:
            _precheck(yaml, text, path)
        node = yaml.compose(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.context_mark is not None and "end of stream" in (e.problem or ""):
            mark = e.context_mark  # an unclosed quote or bracket: point at where it opened
        message = " ".join(x for x in (e.context, e.problem) if x) or "invalid YAML"
        if "'\\t'" in message or "tab" in message:
            message = message.replace("'\\t'", "a tab")
            line_text = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
            if line_text[: len(line_text) - len(line_text.lstrip())].count("\t"):
                message += "; YAML does not allow tabs for indentation"
            else:
                message += "; put text containing a tab in quotes"
        raise FactsError(
            f"YAML syntax error: {message}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="check the indentation and quotes on this line and the one before",
        ) from None
    except ReaderError as e:  # a character YAML does not allow anywhere, e.g. a raw control byte
        before = text[: e.position]
        line = before.count("\n") + 1
        column = e.position - (before.rfind("\n") + 1) + 1
        code = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or "?")
        raise FactsError(
            f"the character U+{code:04X} is not allowed in YAML",
            path=path, line=line, column=column,
            hint=f"delete it (most editors do not show it), or write it as \"\\u{code:04X}\" in double quotes",
        ) from None
    except YAMLError as e:  # errors without a position, e.g. a bad stream
        raise FactsError(f"YAML error: {e}", path=path) from None
    except RecursionError:
        _precheck(yaml, text, path)  # walks the events without recursion: names the line
        raise FactsError(f"the document is nested too deeply (limit {MAX_DEPTH})", path=path) from None

    positions = Positions()
    problems: list[Problem] = []
    if node is None:
        return None, positions
    converter = _Converter(path, positions, problems, text.splitlines() if text_comments else None)
    data = converter.convert(node, (), 0)
    if problems:
        raise FactsError(problems=problems)
    return data, positions


def _precheck(yaml, text: str, path: str) -> None:
    """Walk the parser's events of a large document and stop at the first list longer than
    ``MAX_SEQUENCE``, nesting deeper than ``MAX_DEPTH`` or more than ``MAX_NODES`` values, so a
    hostile file is refused in a fraction of the time building it would take."""
    from ruamel.yaml.events import (
        AliasEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    stack: list[list] = []  # [is_sequence, items so far]
    nodes = 0
    for event in yaml.parse(text):
        if isinstance(event, (ScalarEvent, AliasEvent, MappingStartEvent, SequenceStartEvent)):
            nodes += 1
            if stack and stack[-1][0]:
                stack[-1][1] += 1
                if stack[-1][1] > MAX_SEQUENCE:
                    raise FactsError(f"a list has more than {MAX_SEQUENCE:,} items", path=path,
                                     line=event.start_mark.line + 1, column=event.start_mark.column + 1,
                                     hint="a facts file holds at most 500 areas, points or figures per list")
            if nodes > MAX_NODES:
                raise FactsError(f"the document has more than {MAX_NODES:,} values", path=path,
                                 line=event.start_mark.line + 1)
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            stack.append([isinstance(event, SequenceStartEvent), 0])
            if len(stack) > MAX_DEPTH:
                raise FactsError(f"the document is nested more than {MAX_DEPTH} levels deep", path=path,
                                 line=event.start_mark.line + 1, column=event.start_mark.column + 1)
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            stack.pop()


class _Converter:
    def __init__(self, path: str, positions: Positions, problems: list[Problem],
                 lines: list[str] | None = None) -> None:
        self.lines = lines or []
        self.spans: list[tuple[tuple[int, int], tuple[int, int], PathKey]] = []
        self.path = path
        self.positions = positions
        self.problems = problems
        self.count = 0

    def _problem(self, node, message: str, hint: str | None = None, field_path: PathKey = ()) -> None:
        self.problems.append(
            Problem(
                message,
                self.path,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                format_path(field_path) or None,
                hint,
            )
        )

    def convert(self, node, where: PathKey, depth: int):
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self.count += 1
        if self.count > MAX_NODES:
            raise FactsError(
                f"the document has more than {MAX_NODES:,} values (aliases are counted each time "
                "they are used)",
                path=self.path,
                line=node.start_mark.line + 1,
                hint="remove the alias that repeats a large block",
            )
        if depth > MAX_DEPTH:
            raise FactsError(
                f"the document is nested more than {MAX_DEPTH} levels deep",
                path=self.path,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
        self.positions.values.setdefault(where, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _CORE_TAGS:
            self._problem(
                node,
                f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed",
                "facts files hold plain values only; remove the tag",
                where,
            )
            return None
        if isinstance(node, ScalarNode):
            self.spans.append(((node.start_mark.line, node.start_mark.column),
                               (node.end_mark.line, node.end_mark.column), where))
            if node.style is None and node.value in _NULLS:
                return None
            if node.style is None:
                self._comment_after_text(node, where)
            bad = _INVISIBLE.search(node.value)
            if bad:  # written as an escape ("\u200b") in quotes
                self._problem(node, _invisible_message(bad.group()), _INVISIBLE_HINT, where)
            return node.value
        if isinstance(node, SequenceNode):
            return [self.convert(item, where + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[str, object] = {}
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self._problem(key_node, "merge keys (<<) are not supported", "write the fields out in "
                                  "full; an anchor (&name) and an alias (*name) may still repeat a whole value",
                                  where)
                    continue
                if not isinstance(key_node, ScalarNode) or key_node.tag not in _CORE_TAGS:
                    self._problem(key_node, "a key must be a plain name", None, where)
                    continue
                key = key_node.value
                if key in result or key in first_line:
                    self._problem(
                        key_node,
                        f"duplicate key {key!r} (first written on line {first_line[key]})",
                        "remove one of the two, or merge them",
                        where + (key,),
                    )
                    continue
                first_line[key] = key_node.start_mark.line + 1
                self.positions.keys[where + (key,)] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                result[key] = self.convert(value_node, where + (key,), depth + 1)
            return result
        self._problem(node, "unsupported YAML node", None, where)
        return None


    def _comment_after_text(self, node, where: PathKey) -> None:
        """Report a plain (unquoted) text of several words followed by `` #`` on its last line,
        or any plain value followed by `` #`` and a character (``Energy #1``): YAML reads the
        rest of the line as a comment, so "ranks Pakistan as its #1 partner" would end at "its"."""
        line = node.end_mark.line
        if line >= len(self.lines):
            return
        rest = self.lines[line][node.end_mark.column:]
        if not re.match(r"[ \t]+#", rest):
            return
        if not any(c.isspace() for c in node.value) and not re.match(r"[ \t]+#[^\s#]", rest):
            return  # "kind: target  # as stated": a word, then a comment; "#1" after a word is text
        comment = rest.strip()
        value = node.value if len(node.value) <= 50 else "…" + node.value[-40:]
        self._problem(
            node,
            f"the text stops before {comment[:40]!r}: YAML reads ' #' and what follows as a comment",
            f"if it belongs to the text, put the whole text in quotes: \"{value} {comment[:30]}\"; "
            "if it is a comment, put it on a line of its own",
            where,
        )


_INVISIBLE_HINT = ("delete it (most editors do not show it); to start a new paragraph in purpose, the event summary "
                   "or the assessment, leave a blank line inside a YAML block (|)")


def _invisible_pattern():
    from briefgen.schema import FORBIDDEN_IN_OUTPUT

    return FORBIDDEN_IN_OUTPUT


class _LazyPattern:
    def search(self, text: str):
        return _invisible_pattern().search(text)

    def finditer(self, text: str):
        return _invisible_pattern().finditer(text)


_INVISIBLE = _LazyPattern()


def _invisible_message(char: str) -> str:
    import unicodedata

    name = unicodedata.name(char, None) or {"\x0b": "LINE TABULATION (vertical tab)", "\x0c": "FORM FEED",
                                             "\x85": "NEXT LINE"}.get(char)
    if name is None and unicodedata.category(char) == "Cs":
        return f"the lone surrogate U+{ord(char):04X} is not allowed (it is half of a character)"
    if name is None:
        return f"the invisible control character U+{ord(char):04X} is not allowed"
    return f"the invisible character U+{ord(char):04X} {name} is not allowed"


MAX_INVISIBLE_REPORTED = 20


def _invisible_characters(text: str, path: str) -> list[Problem]:
    """Return a problem for each invisible or line-separator character written in ``text``
    (controls but tab and line breaks, zero-width and bidirectional marks, U+2028, U+2029, ...),
    at most ``MAX_INVISIBLE_REPORTED``, each with its line, column and the field it is in.

    Checked on the raw text, before YAML reads it: the YAML reader turns U+2028 into a line
    break (and a plain text folds it to a space) and refuses U+000B without naming a field."""
    found = list(_INVISIBLE.finditer(text))
    if not found:
        return []
    spans: list = []
    try:  # the fields: the same document with each such character replaced by a space
        from ruamel.yaml import YAML

        clean = _INVISIBLE_SUB(text)
        yaml = YAML(typ="safe", pure=True)
        yaml.version = (1, 2)
        node = yaml.compose(clean)
        if node is not None:
            converter = _Converter(path, Positions(), [], clean.splitlines())
            converter.convert(node, (), 0)
            spans = converter.spans
    except Exception:  # noqa: BLE001 - the field is a help; the character is reported anyway
        spans = []
    problems = []
    for match in found[:MAX_INVISIBLE_REPORTED]:
        line = text.count("\n", 0, match.start())
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        field = next((format_path(where) for start, end, where in spans
                      if start <= (line, column) < end), None)
        problems.append(Problem(_invisible_message(match.group()), path, line + 1, column + 1,
                                field or None, _INVISIBLE_HINT))
    if len(found) > MAX_INVISIBLE_REPORTED:
        problems.append(Problem(f"and {len(found) - MAX_INVISIBLE_REPORTED} more invisible characters", path))
    return problems


def _INVISIBLE_SUB(text: str) -> str:
    return _invisible_pattern().sub(" ", text)


def format_path(path: PathKey) -> str:
    """Return a field path as users write it: ``areas[3].figures[0].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
