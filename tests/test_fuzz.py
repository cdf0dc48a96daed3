"""Bounded fuzzing of the YAML loader and the command line (hypothesis, well under a minute).

Whatever the input, the loader returns a FactsFile or raises FactsError, and the command line
exits 0, 2 or 3 with a message: never another exception, a traceback or a hang. Crashes found
here become regression tests in test_hostile.py.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.errors import FactsError
from briefgen.facts import parse_facts
from briefgen.yamlload import decode_text
from minimal import MINIMAL

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_chars = st.sampled_from(list(":-[]{}&*!|>'\"%@`#,?\n\t ~") + list("abcxyz0129.") + ["\u00e9", "\u0259", "\ufeff", "\x00"])
yaml_like = st.lists(yaml_chars, max_size=200).map("".join)


@FUZZ
@given(st.text(max_size=300))
def test_any_text_loads_or_is_a_facts_error(text):
    try:
        parse_facts(text, "fuzz.yaml")
    except FactsError as e:
        assert str(e).startswith("fuzz.yaml")


@FUZZ
@given(yaml_like)
def test_yaml_punctuation_soup_loads_or_is_a_facts_error(text):
    try:
        parse_facts(text, "fuzz.yaml")
    except FactsError:
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_a_facts_error(data):
    try:
        parse_facts(decode_text(data, "fuzz.yaml"), "fuzz.yaml")
    except FactsError:
        pass


@FUZZ
@given(st.integers(0, len(MINIMAL) - 1), st.integers(0, 40), st.text(max_size=20))
def test_mutations_of_a_valid_file_load_or_are_a_facts_error(position, cut, insert):
    text = MINIMAL[:position] + insert + MINIMAL[position + cut:]
    try:
        parse_facts(text, "fuzz.yaml")
    except FactsError as e:
        for problem in e.problems:
            assert problem.path == "fuzz.yaml"


ARGS = st.lists(
    st.sampled_from([
        "build", "templates", "list", "show", "export", "--format", "pdf", "docx", "md", "pdf,odt",
        "-o", "--template", "memo", "nope", "--theme", "--date", "2024-02-30", "2024-07-22",
        "--missing-glyphs", "replace", "--template-dir", "--force", "--help", "FACTS", "MISSING.yaml",
        "", "-", "--", "\u0259",
    ]),
    max_size=7,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ARGS)
def test_the_command_line_never_crashes(tmp_path, args):
    from click.testing import CliRunner

    from briefgen.cli import cli

    facts = tmp_path / "facts.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    args = [str(facts) if a == "FACTS" else str(tmp_path / a) if a == "MISSING.yaml" else a for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out")] if args[:1] == ["build"] else []
    result = CliRunner().invoke(cli, args, env={"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "SOURCE_DATE_EPOCH": "1721606400"})
    assert result.exit_code in (0, 2, 3), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in result.output
