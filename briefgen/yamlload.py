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


def load_yaml(text: str, path: str) -> tuple[object, Positions]:
    """Return (data, positions) for the YAML document ``text`` read from ``path``.

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
        raise FactsError(f"the document is nested too deeply (limit {MAX_DEPTH})", path=path) from None

    positions = Positions()
    problems: list[Problem] = []
    if node is None:
        return None, positions
    converter = _Converter(path, positions, problems)
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
    def __init__(self, path: str, positions: Positions, problems: list[Problem]) -> None:
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
            if node.style is None and node.value in _NULLS:
                return None
            return node.value
        if isinstance(node, SequenceNode):
            return [self.convert(item, where + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[str, object] = {}
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
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


def format_path(path: PathKey) -> str:
    """Return a field path as users write it: ``areas[3].figures[0].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
