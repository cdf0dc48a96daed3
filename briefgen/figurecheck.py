"""Checks of a facts file's figures against their own evidence.

A figure whose evidence scales the number ("$3 billion") while its value has no scale
(``value: 3``) would print "USD 3": the one mistake the schema cannot refuse, since a small
amount is often right. It is a warning, located at the value.
"""

from __future__ import annotations

import re

from briefgen.datecheck import figure_paths
from briefgen.errors import Problem
from briefgen.schema import FactsFile
from briefgen.yamlload import Positions, format_path

__all__ = ["scale_warnings"]
_SCALE_WORD = re.compile(r"\d\s*(thousand|lakh|million|crore|billion|trillion|bn|mn)\b", re.IGNORECASE)
_EXPONENTS = {"thousand": 3, "lakh": 5, "million": 6, "mn": 6, "crore": 7, "billion": 9, "bn": 9, "trillion": 12}


def scale_warnings(facts: FactsFile, positions: Positions, path: str) -> list[Problem]:
    """Return a warning for each figure whose evidence scales the number ("$3 billion") while
    its value is smaller than that scale and no ``scale`` is given: ``value: 3`` would print
    "USD 3", not "USD 3 billion"."""
    found: list[Problem] = []
    for where, figure in figure_paths(facts):
        if figure.scale is not None:
            continue
        words = [m.group(1).lower() for loc in figure.source for m in _SCALE_WORD.finditer(loc.evidence)]
        if not words:
            continue
        word = max(words, key=lambda w: _EXPONENTS[w])
        value = figure.high()
        if value < 10 ** _EXPONENTS[word]:
            line, col = positions.values.get((*where, "value")) or positions.of(where)
            found.append(Problem(
                f"the evidence says {word!r} but the value is {value}, which prints without it",
                path, line, col, format_path((*where, "value")),
                f"write the value in units (value: {value}e{_EXPONENTS[word]}) or add scale: "
                f"{'billion' if word == 'bn' else 'million' if word == 'mn' else word}"))
    return found
