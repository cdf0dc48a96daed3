"""Capture's vocabulary: cooperation areas and their keywords, roles, organisation words and
the things a count may count, read from an editable YAML file (``data/lexicon.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import FactsError
from briefgen.article import fold

__all__ = ["DEFAULT_LEXICON", "Lexicon", "load_lexicon"]

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.yaml"
"""The lexicon shipped with briefgen (cooperation areas, roles, organisation words, units)."""


@dataclass(frozen=True)
class Lexicon:
    """Capture's vocabulary. ``areas`` holds (id, title, keywords) in priority order; ``roles``
    the titles that introduce names; ``organisation_words`` the words that end an organisation's
    name; ``count_units`` the things a drafted count may count."""

    areas: tuple[tuple[str, str, tuple[str, ...]], ...]
    roles: tuple[str, ...]
    organisation_words: tuple[str, ...]
    count_units: frozenset[str]


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Return the lexicon in the YAML file ``path`` (default: the shipped one).

    Raises FactsError naming the file and field if it is malformed.
    """
    from briefgen.facts import read_yaml_file
    from briefgen.yamlload import load_yaml

    path = Path(path) if path else DEFAULT_LEXICON
    data, positions = load_yaml(read_yaml_file(path), str(path))

    def strings(value, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            line = positions.of(tuple(where.split(".")))[0]
            raise FactsError("expected a list of words", path=str(path), line=line, field=where)
        return tuple(v.strip() for v in value)

    if not isinstance(data, dict) or not isinstance(data.get("areas"), list):
        raise FactsError("a lexicon has 'areas' (a list), 'roles', 'organisation_words' and 'count_units'",
                         path=str(path), line=1)
    areas = []
    for i, area in enumerate(data["areas"]):
        if not isinstance(area, dict) or not all(isinstance(area.get(k), str) for k in ("id", "title")):
            raise FactsError("each area needs an id, a title and keywords", path=str(path),
                             line=positions.of(("areas", i))[0], field=f"areas[{i}]")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", area["id"]):
            raise FactsError("an area id is lower-case letters, digits and hyphens", path=str(path),
                             line=positions.of(("areas", i, "id"))[0], field=f"areas[{i}].id")
        keywords = strings(area.get("keywords"), f"areas.{i}.keywords")
        areas.append((area["id"], area["title"].strip(), tuple(fold(k) for k in keywords)))
    return Lexicon(
        tuple(areas),
        strings(data.get("roles", []), "roles"),
        strings(data.get("organisation_words", []), "organisation_words"),
        frozenset(fold(w) for w in strings(data.get("count_units", []), "count_units")),
    )
