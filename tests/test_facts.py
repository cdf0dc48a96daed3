"""Loading and validating facts files: every error names file:line:column and the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from briefgen.errors import FactsError
from briefgen.facts import load_facts, parse_facts
from briefgen.schema import PartialDate
from minimal import LINE_AREAS_ITEM, LINE_FIGURE_VALUE, MINIMAL, replace_line


def problems(text: str) -> list[str]:
    with pytest.raises(FactsError) as info:
        parse_facts(text, "f.yaml")
    return [str(p) for p in info.value.problems]


def test_minimal_facts_load():
    facts = parse_facts(MINIMAL)
    assert facts.areas[0].figures[0].value == Decimal(2000000000)
    assert facts.event.start == dt.date(2024, 7, 11)
    assert facts.note.sender == "Desk"


def test_the_bundled_facts_file_loads(bundled_facts):
    facts = load_facts(bundled_facts)
    assert facts.event.start == dt.date(2024, 7, 11) and facts.event.end == dt.date(2024, 7, 12)
    assert facts.source.published == dt.date(2024, 7, 20)
    assert facts.event.preparation[0].date == PartialDate(2024, 5)
    values = {f.id: f.value for f in facts.all_figures()}
    assert values == {
        "agreements-signed": 15,
        "investment-current": 100_000_000,
        "investment-goal": 2_000_000_000,
        "lng-cargoes": 1,
    }


def test_wrong_type_names_line_field_expected_and_found():
    text = replace_line(MINIMAL, LINE_FIGURE_VALUE, "        value: two billion")
    (message,) = problems(text)
    assert message.startswith(f"f.yaml:{LINE_FIGURE_VALUE}:16: areas[0].figures[0].value: ")
    assert "found 'two billion'" in message


def test_negative_figure_is_refused():
    text = replace_line(MINIMAL, LINE_FIGURE_VALUE, "        value: -5")
    (message,) = problems(text)
    assert message == (
        f"f.yaml:{LINE_FIGURE_VALUE}:16: areas[0].figures[0].value: "
        "Input should be greater than or equal to 0; found '-5'"
    )


def test_missing_required_field():
    text = MINIMAL.replace("    summary: Trade summary.\n", "")
    (message,) = problems(text)
    assert message == (
        f"f.yaml:{LINE_AREAS_ITEM}:5: areas[0].summary: required field is missing (add 'summary:' here)"
    )


def test_unknown_field_suggests_the_close_name():
    text = MINIMAL.replace("    figures:\n", "    figure:\n")
    (message,) = problems(text)
    assert message == "f.yaml:34:5: areas[0].figure: unknown field 'figure' (did you mean 'figures'?)"


def test_duplicate_key_names_both_lines():
    text = MINIMAL.replace("  title: Test visit\n", "  title: Test visit\n  title: Again\n")
    (message,) = problems(text)
    assert message == (
        "f.yaml:20:3: event.title: duplicate key 'title' (first written on line 19) "
        "(remove one of the two, or merge them)"
    )


def test_yaml_syntax_error_names_the_line():
    text = MINIMAL.replace("  subject: Test subject\n", '  subject: "Test subject\n')
    (message,) = problems(text)
    assert message.startswith("f.yaml:6:12: YAML syntax error: ")


def test_all_errors_of_a_file_are_reported_at_once():
    text = MINIMAL.replace("    figures:\n", "    figure:\n").replace(
        "  start: 2024-07-11\n", "  start: 2024-13-45\n"
    ).replace("classification: OFFICIAL\n", "")
    found = problems(text)
    assert len(found) == 3
    assert [m.split(": ")[1] for m in found] == ["classification", "event.start", "areas[0].figure"]


def test_yaml_1_1_booleans_stay_text_and_dates_stay_as_written():
    text = MINIMAL.replace("  title: Test article\n", "  title: NO\n").replace(
        "  to: Minister\n", "  to: yes\n"
    )
    facts = parse_facts(text)
    assert facts.source.title == "NO"
    assert facts.note.to == "yes"


def test_date_in_year_20240_is_refused():
    text = MINIMAL.replace("  published: 2024-07-20\n", "  published: 20240-07-20\n")
    (message,) = problems(text)
    assert message.startswith("f.yaml:17:14: source.published: ")


def test_event_end_before_start_is_refused():
    text = MINIMAL.replace("  end: 2024-07-12\n", "  end: 2024-07-10\n")
    (message,) = problems(text)
    assert message.startswith("f.yaml:21:8: event.end: the event ends (2024-07-10) before it starts (2024-07-11)")


def test_quote_speaker_must_be_a_person():
    text = MINIMAL + "quotes:\n  - {text: Hello., speaker: nobody, source: {para: 1, evidence: hello}}\n"
    (message,) = problems(text)
    assert message.startswith(
        "f.yaml:42:29: quotes[0].speaker: 'nobody' is not the id of anyone in people (known: sharif)"
    )


def test_duplicate_ids_name_both_places():
    text = MINIMAL.replace("  - {id: sharif, name: Shehbaz Sharif", "  - {id: x, name: X, role: R, source: {para: 1, evidence: x}}\n  - {id: x, name: Shehbaz Sharif")
    (message,) = problems(text)
    assert message == "f.yaml:27:10: people[1].id: the id 'x' is already used in people (line 26) (ids must be unique; rename one)"


def test_evidence_longer_than_twelve_words_is_refused():
    long = " ".join(["word"] * 13)
    text = MINIMAL.replace("source: {para: 2, evidence: trade}", f'source: {{para: 2, evidence: "{long}"}}')
    (message,) = problems(text)
    assert "areas[0].points[0].source.evidence" in message
    assert "at most 12 words; this one has 13" in message


def test_control_characters_are_refused_with_the_code_point():
    text = MINIMAL.replace("  title: Test article\n", '  title: "Test\\u0007 article"\n')
    (message,) = problems(text)
    assert "f.yaml:15:10: source.title: the invisible control character U+0007 is not allowed" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "f.yaml:1: the file is empty (or only comments)"),
        ("# just a comment\n", "f.yaml:1: the file is empty (or only comments)"),
        ("- a\n- b\n", "f.yaml:1: the top level is a list, not a mapping of fields"),
        ("schema: 2\n", "f.yaml:1:9: schema: schema version '2' is not supported"),
    ],
)
def test_files_that_are_not_a_facts_mapping(text, expected):
    (message,) = problems(text)
    assert message.startswith(expected)


def test_missing_file_and_non_utf8_file(tmp_path):
    with pytest.raises(FactsError, match="no such file"):
        load_facts(tmp_path / "nope.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("schema: 1\nclassification: caf\xe9\n".encode("latin-1"))
    with pytest.raises(FactsError) as info:
        load_facts(latin1)
    assert str(info.value).startswith(f"{latin1}:2:20: the file is not UTF-8 (byte 0xe9)")


def test_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode("utf-8"))
    assert load_facts(path).classification == "OFFICIAL"
