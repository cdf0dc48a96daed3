"""Safe YAML loading: positions kept, plain data only, hostile documents refused quickly."""

from __future__ import annotations

import pytest

from briefgen.errors import FactsError
from briefgen.yamlload import MAX_DEPTH, load_yaml


def test_scalars_stay_strings_and_positions_are_kept():
    data, positions = load_yaml("a: NO\nb: [1.10, 012]\nc:\n  d: 2024-07-20\ne:\nf: '~'\n", "x.yaml")
    assert data == {"a": "NO", "b": ["1.10", "012"], "c": {"d": "2024-07-20"}, "e": None, "f": "~"}
    assert positions.values[("c", "d")] == (4, 6)
    assert positions.keys[("c", "d")] == (4, 3)
    assert positions.of(("c", "d", "missing")) == (4, 6)


@pytest.mark.parametrize(
    "tag", ["!!python/object:os.system x", "!!python/name:os.system ''", "!custom 1", "!!set {a: null}"]
)
def test_non_core_tags_are_refused(tag):
    with pytest.raises(FactsError, match="x.yaml:1:4: a: the tag .* is not allowed"):
        load_yaml(f"a: {tag}\n", "x.yaml")


def test_billion_laughs_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(FactsError, match="more than 50,000 values"):
        load_yaml("\n".join(lines) + "\n", "x.yaml")


def test_deep_nesting_is_refused():
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(FactsError, match="nested more than 50 levels deep"):
        load_yaml(text, "x.yaml")


def test_every_duplicate_key_is_reported():
    with pytest.raises(FactsError) as info:
        load_yaml("a: 1\nb: 2\na: 3\nb: 4\n", "x.yaml")
    assert [p.line for p in info.value.problems] == [3, 4]


def test_tab_indentation_says_so():
    with pytest.raises(FactsError, match="YAML does not allow tabs for indentation"):
        load_yaml("a:\n\tb: 1\n", "x.yaml")


def test_unclosed_quote_points_at_the_opening_quote():
    with pytest.raises(FactsError) as info:
        load_yaml('a: 1\nb: "open\nc: 3\n', "x.yaml")
    assert (info.value.problems[0].line, info.value.problems[0].column) == (2, 4)
