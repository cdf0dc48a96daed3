"""Load a facts file: read, parse YAML safely with positions, validate against the schema.

``load_facts(path)`` returns a ``FactsFile`` or raises ``FactsError`` listing every problem of the
file at once, each with ``file:line:column``, the field path and what to do.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from briefgen.errors import FactsError, Problem
from briefgen.schema import SCHEMA_VERSION, FactsFile
from briefgen.yamlload import MAX_BYTES, Positions, decode_text, format_path, load_yaml

__all__ = ["load_facts", "parse_facts", "validation_problems", "reference_problems", "user_loc",
           "read_yaml_file"]


def load_facts(path: str | Path, *, warnings: list[str] | None = None,
               note_date: dt.date | None = None) -> FactsFile:
    """Return the validated facts of the YAML file at ``path``.

    Raises FactsError if the file cannot be read, is not UTF-8 YAML, does not match the schema,
    or has dates in an impossible order (all problems are reported together; see
    ``datecheck``). Odd but possible dates are appended to ``warnings`` as located messages.
    ``note_date`` is the note's date when the file gives none (``--date``).
    """
    return parse_facts(read_yaml_file(path), str(path), warnings=warnings, note_date=note_date)


def read_yaml_file(path: str | Path) -> str:
    """Return the text of the YAML file at ``path``, decoded from UTF-8.

    Raises FactsError if it is missing, a folder, unreadable, over ``MAX_BYTES`` or not UTF-8.
    """
    from briefgen.files import read_bytes

    shown = str(path)
    data = read_bytes(path, limit=MAX_BYTES, error=FactsError, shown=shown)
    return decode_text(data, shown)


def parse_facts(text: str, path: str = "<facts>", *, warnings: list[str] | None = None,
                note_date: dt.date | None = None) -> FactsFile:
    """Return the validated facts in the YAML ``text``; ``path`` is only used in messages.

    Raises FactsError and fills ``warnings`` as ``load_facts`` does.
    """
    data, positions = _load_yaml_once(text, path)
    if data is None:
        raise FactsError(
            "the file is empty (or only comments)",
            path=path,
            line=1,
            hint=f"a facts file starts with 'schema: {SCHEMA_VERSION}'; see docs/facts-schema.md",
        )
    if not isinstance(data, dict):
        raise FactsError(
            f"the top level is a {'list' if isinstance(data, list) else 'single value'}, "
            "not a mapping of fields",
            path=path,
            line=positions.of(())[0],
            hint="start the file with 'schema: 1' and the other top-level fields",
        )
    version = data.get("schema")
    if version is not None and version != str(SCHEMA_VERSION):
        line, col = positions.values.get(("schema",)) or positions.of(("schema",))
        raise FactsError(
            f"schema version {version!r} is not supported; this briefgen reads version "
            f"{SCHEMA_VERSION}",
            path=path,
            line=line,
            column=col,
            field="schema",
        )
    references = reference_problems(data, positions, path)
    try:
        facts = FactsFile.model_validate(data)
    except ValidationError as e:
        found = validation_problems(e, data, positions, path, FactsFile)
        if references:  # reported with their exact places; drop the model-level summary
            found = [p for p in found if not p.message.startswith("references:")]
        raise FactsError(problems=sorted(found + references, key=lambda p: (p.line or 0, p.column or 0))) from None
    if references:
        raise FactsError(problems=references)
    from briefgen.datecheck import date_problems
    from briefgen.figurecheck import scale_warnings

    errors, odd = date_problems(facts, positions, path, note_date)
    odd += scale_warnings(facts, positions, path)
    if errors:
        raise FactsError(problems=errors)
    if warnings is not None:
        warnings.extend(str(p) for p in odd)
    return facts


@functools.lru_cache(maxsize=2)
def _load_yaml_once(text: str, path: str) -> tuple[object, Positions]:
    """``load_yaml``, remembered for the last two files: ``briefgen build`` reads a facts file
    twice in a row (to see whether its article is named for the check, then to build it), and
    pure-Python YAML is the slower half of loading. Nothing here changes the data it returns."""
    return load_yaml(text, path, text_comments=True)


def reference_problems(data: dict, positions: Positions, path: str) -> list[Problem]:
    """Return located problems with ids and references in raw facts ``data``: an id used twice
    among people, areas or figures, and a quotation whose ``speaker`` is nobody in ``people``."""
    problems: list[Problem] = []

    def items(value) -> list:
        return value if isinstance(value, list) else []

    def located(where: tuple, message: str, hint: str | None = None) -> Problem:
        line, col = positions.values.get(where) or positions.of(where)
        return Problem(message, path, line, col, format_path(where), hint)

    groups = {
        "people": [(("people", i, "id"), p.get("id")) for i, p in enumerate(items(data.get("people"))) if isinstance(p, dict)],
        "areas": [(("areas", i, "id"), a.get("id")) for i, a in enumerate(items(data.get("areas"))) if isinstance(a, dict)],
        "figures": [(("figures", i, "id"), f.get("id")) for i, f in enumerate(items(data.get("figures"))) if isinstance(f, dict)]
        + [
            (("areas", i, "figures", j, "id"), f.get("id"))
            for i, a in enumerate(items(data.get("areas"))) if isinstance(a, dict)
            for j, f in enumerate(items(a.get("figures"))) if isinstance(f, dict)
        ],
    }
    for kind, entries in groups.items():
        first: dict[str, tuple] = {}
        for where, value in entries:
            if not isinstance(value, str):
                continue
            if value in first:
                line = (positions.values.get(first[value]) or (None,))[0]
                problems.append(located(where, f"the id {value!r} is already used in {kind} (line {line})",
                                        "ids must be unique; rename one"))
            else:
                first[value] = where
    people = {p.get("id") for p in items(data.get("people")) if isinstance(p, dict)}
    for i, quote in enumerate(items(data.get("quotes"))):
        if isinstance(quote, dict) and isinstance(quote.get("speaker"), str) and quote["speaker"] not in people:
            known = ", ".join(sorted(str(p) for p in people if p)) or "none"
            close = difflib.get_close_matches(quote["speaker"], [str(p) for p in people if p], n=1)
            problems.append(located(("quotes", i, "speaker"),
                                    f"{quote['speaker']!r} is not the id of anyone in people (known: {known})",
                                    f"did you mean {close[0]!r}?" if close else "add the person to people"))
    return problems


def validation_problems(
    error: ValidationError, data: object, positions: Positions, path: str, root: type[BaseModel]
) -> list[Problem]:
    """Return one located Problem per pydantic error of validating ``data`` against ``root``,
    sorted by line: the file position, the field path as written, and a suggestion for unknown
    fields."""
    problems = []
    errors = error.errors(include_url=False)
    locs = [user_loc(err["loc"], data) for err in errors]
    for err, loc in zip(errors, locs):
        kind = err["type"]
        if kind == "too_short" and any(o != loc and o[: len(loc)] == loc for o in locs):
            continue  # the list is short only because an item in it is invalid: report the item
        if kind == "extra_forbidden":
            line, col = positions.keys.get(loc, positions.of(loc))
            name = str(loc[-1])
            known = _known_fields(loc[:-1], root)
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else (
                f"known fields here: {', '.join(known)}" if known else None
            )
            problems.append(Problem(f"unknown field {name!r}", path, line, col, format_path(loc), hint))
            continue
        if kind == "missing":
            line, col = positions.of(loc[:-1])
            problems.append(
                Problem(
                    "required field is missing",
                    path,
                    line,
                    col,
                    format_path(loc),
                    f"add '{loc[-1]}:' here",
                )
            )
            continue
        line, col = positions.values.get(loc) or positions.of(loc)
        message = (
            err["msg"].replace("Tuple should", "List should").replace(" after validation", "")
            .replace("a valid tuple", "a list")
        )
        if kind not in ("value_error",) and message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        found = err.get("input")
        if isinstance(found, (str, int, float)) or found is None:
            shown = repr(found) if found is not None else "nothing (an empty value)"
            if isinstance(found, str) and len(found) > 60:
                shown = repr(found[:57] + "...")
            message += f"; found {shown}"
        elif isinstance(found, list):
            message += "; found a list"
        elif isinstance(found, dict):
            message += "; found a mapping"
        problems.append(Problem(message, path, line, col, format_path(loc) or None))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


_TYPE_TAGS = {"str", "int", "float", "bool", "list", "tuple", "dict", "none", "date", "decimal"}


def user_loc(loc: tuple, data: object) -> tuple:
    """Map a pydantic error location to the path as written in the file.

    Drops the index that ``Sources`` adds when a single locator was written as a mapping, and
    the union members pydantic names (``str``, ``FontFiles``).
    """
    out: list = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, dict):
            continue  # a single mapping accepted where a list is allowed
        if part in ("min", "max") and isinstance(node, dict) and part not in node and isinstance(node.get("value"), list):
            out.extend(["value", 0 if part == "min" else 1])  # a range written as value: [low, high]
            node = None
            continue
        if isinstance(part, str) and out and (
            not isinstance(node, dict) or part not in node
        ) and (part[:1].isupper() or part in _TYPE_TAGS or part.startswith(("literal[", "function-"))):
            continue  # pydantic names the union member it tried ("str", "FontFiles"): not a field
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _known_fields(loc: tuple, root: type[BaseModel]) -> list[str]:
    """Return the field names allowed at ``loc`` (a path to a mapping), for suggestions."""
    model: object = root
    for part in loc:
        model = _unwrap(model)
        if isinstance(part, int):
            args = typing.get_args(model)
            model = args[0] if args else None
        elif isinstance(model, type) and issubclass(model, BaseModel):
            field = next(
                (f for n, f in model.model_fields.items() if (f.alias or n) == part), None
            )
            model = field.annotation if field else None
        else:
            return []
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def _unwrap(tp: object) -> object:
    """Strip Annotated, Optional and tuple[...] wrappers down to a model class, if any."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(_unwrap(a), type) and issubclass(_unwrap(a), BaseModel)]
            tp = models[0] if models else args[0]
        elif origin is tuple and any(isinstance(_unwrap(a), type) and issubclass(_unwrap(a), BaseModel) for a in typing.get_args(tp)):
            return tp
        else:
            return tp
