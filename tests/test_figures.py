"""Figures, units, dates and speakers as articles state them (issue 10): formatting cases,
schema errors at file:line, date cross-checks, and two more kinds of article built in every
template, their text read back from the PDF and the DOCX."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from briefgen.errors import FactsError
from briefgen.facts import parse_facts
from briefgen.formatting import format_figure, format_money, format_number, format_percent, format_value
from briefgen.pipeline import build
from briefgen.schema import PartialDate
from briefgen.templating import render_markdown
from conftest import ROOT, docx_text, pdf_text, run_cli, squash
from minimal import MINIMAL

DATA = ROOT / "tests" / "data"
HEAD_OF_GOVERNMENT = DATA / "head-of-government-visit.yaml"
STATE_VISIT = DATA / "state-visit.yaml"
FIGURE = (
    "      - id: goal\n        label: Investment goal\n        value: 2000000000\n"
    "        unit: USD\n        kind: target\n        source: {para: 3, evidence: goal}\n"
)


def with_figure(*lines: str) -> str:
    """MINIMAL with its one figure replaced by the given field lines (each 'key: value')."""
    body = "".join(f"        {line}\n" for line in lines)
    return MINIMAL.replace(FIGURE, "      - id: goal\n        label: Investment goal\n" + body
                           + "        source: {para: 3, evidence: goal}\n")


def figure_of(*lines: str):
    return parse_facts(with_figure(*lines)).areas[0].figures[0]


def problems(text: str) -> list[str]:
    with pytest.raises(FactsError) as info:
        parse_facts(text, "f.yaml")
    return [str(p) for p in info.value.problems]


# --- formatting: every case of the issue --------------------------------------------------------

@pytest.mark.parametrize(("lines", "expected"), [
    (("value: 3e9", "unit: USD", "qualifier: more than"), "more than USD 3 billion"),
    (("value: 1000", "unit: MW", "qualifier: at least"), "at least 1,000 MW"),
    (("value: 1", "unit: hour", "qualifier: about"), "about 1 hour"),
    (("value: 100", "unit: aircraft", "qualifier: up to"), "up to 100 aircraft"),
    (("value: 5", "unit: per cent", "qualifier: less than"), "less than 5 per cent"),
    (("value: 40", "unit: ships", "qualifier: nearly"), "nearly 40 ships"),
    (("value: [2e9, 3e9]", "unit: USD"), "USD 2–3 billion"),
    (("min: 2000000000", "max: 3000000000", "unit: USD"), "USD 2–3 billion"),
    (("value: [500000000, 2e9]", "unit: USD"), "USD 0.5–2 billion"),
    (("value: [10, 15]", 'unit: "%"'), "10–15%"),
    (("value: [10, 15]", "unit: per cent", "qualifier: about"), "about 10–15 per cent"),
    (("value: 5e9", "unit: USD", "per: year"), "USD 5 billion per year"),
    (("value: 1", "unit: LNG cargo", "per: month"), "1 LNG cargo per month"),
    (("value: 5e9", "unit: USD", "kind: target", "by: 2025"), "USD 5 billion by 2025"),
    (("value: 5e9", "unit: USD", "by: 2025-06"), "USD 5 billion by June 2025"),
    (("value: 3000000000", "unit: USD"), "USD 3 billion"),
    (("value: 1500", "unit: PKR", "scale: million"), "PKR 1,500 million"),
    (("value: 3", "unit: USD", "scale: billion"), "USD 3 billion"),
    (("value: 50", "unit: PKR", "scale: crore"), "PKR 50 crore"),
    (("value: 2.5", "unit: INR", "scale: lakh"), "INR 2.5 lakh"),
    (("value: [2, 3]", "unit: USD", "scale: billion"), "USD 2–3 billion"),
    (("value: 1.5", "unit: USD", "scale: trillion"), "USD 1.5 trillion"),
    (("value: 1500000000", "unit: USD", "scale: none"), "USD 1,500,000,000"),
    (("value: 3", "unit: people", "scale: billion"), "3 billion people"),
    (("value: 3000000000", "unit: people"), "3,000,000,000 people"),
    (("value: 2.50", "unit: USD"), "USD 2.50"),
    (("value: 2.5", "unit: USD"), "USD 2.50"),
    (("value: 12.345", "unit: BHD"), "BHD 12.345"),
    (("value: 100", "unit: JPY"), "JPY 100"),
    (("value: 1234567", "unit: USD"), "USD 1.234567 million"),
    (("value: 0.1", "unit: USD"), "USD 0.10"),
    (("value: 3.5", 'unit: "%"'), "3.5%"),
    (("value: 500000000", "unit: XDR", "qualifier: nearly"), "nearly XDR 500 million"),
    (("value: 1000000", "unit: ZWG"), "ZWG 1 million"),
    (("value: 2", "unit: XAU"), "XAU 2"),
    (("value: 3e16", "unit: VND"), "VND 30,000 trillion"),
    (("value: 4.5e17", "unit: IDR"), "IDR 450,000 trillion"),
])
def test_a_figure_prints_as_the_article_states_it(lines, expected):
    assert format_figure(figure_of(*lines)) == expected


def test_a_scaled_value_is_held_in_units():
    figure = figure_of("value: 1.25", "unit: USD", "scale: billion")
    assert figure.value == Decimal("1250000000")
    ranged = figure_of("value: [2, 3]", "unit: USD", "scale: billion")
    assert (ranged.min, ranged.max) == (Decimal("2e9"), Decimal("3e9"))


def test_a_value_missing_the_articles_scale_is_a_warning():
    text = with_figure("value: 3", "unit: USD").replace("evidence: goal}", 'evidence: "$3 billion by 2025"}')
    warnings: list[str] = []
    parse_facts(text, "f.yaml", warnings=warnings)
    assert warnings == ["f.yaml:37:16: areas[0].figures[0].value: the evidence says 'billion' but the value is 3, "
                        "which prints without it (write the value in units (value: 3e9) or add scale: billion)"]
    for fixed in ("value: 3e9", "value: 3\n        scale: billion"):
        warnings = []
        parse_facts(text.replace("value: 3", fixed), "f.yaml", warnings=warnings)
        assert warnings == []


def test_values_are_exact_decimals_end_to_end():
    figure = figure_of("value: 1234567.891", "unit: USD")
    assert figure.value == Decimal("1234567.891") and type(figure.value) is Decimal
    assert format_figure(figure) == "USD 1.234567891 million"
    assert format_number(Decimal("0.1") + Decimal("0.2")) == "0.3"
    assert format_money(0.1) == "USD 0.10"  # a float is read as written, never as 0.1000000000000000055


def test_numbers_money_and_percent_follow_the_locale():
    assert format_percent(3.5, "en") == "3.5%"
    assert format_percent(3.5, "de") == "3,5\xa0%"
    assert format_money(2_000_000_000, "USD", locale="de") == "2 Milliarden USD"
    assert format_money(2_500_000, "EUR", locale="fr") == "2,5 millions EUR"
    assert format_number(1234.5, "de") == "1.234,5"
    assert format_number(1234567, "en-IN") == "12,34,567"
    assert format_value(7, "%") == "7%"
    # The locale's scale word is used only when it means the same scale: en-IN's pattern at
    # 10^9 is "000 crore" (10^7), so 1.5 billion must not become "1.5 crore".
    assert format_money(1_500_000_000, "INR", locale="en-IN") == "INR 1.5 billion"
    assert format_money(2_000_000, "USD", locale="ru") == "2 миллиона USD"


def test_the_locale_comes_from_the_facts_file():
    text = with_figure("value: 2500000000", "unit: USD").replace("  from: Desk\n", "  from: Desk\n  locale: de\n")
    markdown = render_markdown(parse_facts(text), date=dt.date(2024, 7, 22))
    assert "2,5 Milliarden USD" in markdown
    by_language = with_figure("value: 3.5", 'unit: "%"').replace("  published: 2024-07-20\n",
                                                                  "  published: 2024-07-20\n  language: de\n")
    assert "3,5\xa0%" in render_markdown(parse_facts(by_language), date=dt.date(2024, 7, 22))


@pytest.mark.parametrize(("unit", "suggested"), [
    ("$", "'USD'"), ("usd", "'USD'"), ("€", "'EUR'"), ("US$", "'USD'"), ("US dollars", "'USD'"),
    ("£", "'GBP'"), ("eur", "'EUR'"),
])
def test_currency_symbols_and_lower_case_codes_are_errors_that_suggest_the_code(unit, suggested):
    (message,) = problems(with_figure("value: 3", f'unit: "{unit}"'))
    assert message.startswith("f.yaml:38:15: areas[0].figures[0].unit: ")
    assert suggested in message


def test_plain_units_and_every_iso_code_are_accepted():
    for unit in ("LNG cargo", "MW", "MoUs and agreements", "aircraft", "XDR", "ZWG", "XAU", "VND", "%"):
        assert figure_of("value: 3", f'unit: "{unit}"').unit == unit


@pytest.mark.parametrize(("lines", "expected"), [
    (("value: [3e9, 2e9]", "unit: USD"), "the range's low end (3E+9) must be below its high end (2E+9)"),
    (("value: [1, 2, 3]", "unit: USD"), "a range is two numbers, [low, high]; found 3"),
    (("min: 1", "unit: USD"), "a range needs both min and max"),
    (("value: 1", "min: 1", "max: 2", "unit: USD"), "give either value or min and max, not both"),
    (("unit: USD",), "a figure needs value"),
    (("value: [1, 2]", "unit: USD", "qualifier: more than"), "a range takes no qualifier other than 'about'"),
    (("value: 1", "unit: USD", "qualifier: roughly"), "Input should be 'about', 'nearly'"),
    (("value: 1", "unit: USD", "scale: myriad"), "Input should be 'none', 'thousand'"),
])
def test_bad_figures_are_located_errors(lines, expected):
    (message,) = problems(with_figure(*lines))
    assert message.startswith("f.yaml:") and "areas[0].figures[0]" in message
    assert expected in message


def test_a_bad_end_of_a_range_is_located_at_the_value():
    (message,) = problems(with_figure("value: [2e9, lots]", "unit: USD"))
    assert message == "f.yaml:37:22: areas[0].figures[0].value[1]: Input should be a valid decimal; found 'lots'"


def test_schema_1_files_without_the_new_fields_stay_valid():
    figure = parse_facts(MINIMAL).areas[0].figures[0]
    assert (figure.qualifier, figure.min, figure.max, figure.by, figure.scale, figure.chart) == (None,) * 6
    assert format_figure(figure) == "USD 2 billion"


# --- dates ---------------------------------------------------------------------------------------

def test_an_event_may_be_one_day_a_range_or_a_month():
    one_day = parse_facts(MINIMAL.replace("  end: 2024-07-12\n", ""))
    assert one_day.event.end == one_day.event.start == dt.date(2024, 7, 11)
    assert "took place on 11 July 2024." in render_markdown(one_day, date=dt.date(2024, 7, 22))
    month = parse_facts(MINIMAL.replace("  start: 2024-07-11\n  end: 2024-07-12\n", "  start: 2024-07\n"))
    assert month.event.start == PartialDate(2024, 7)
    assert "took place in July 2024." in render_markdown(month, date=dt.date(2024, 7, 22))
    span = parse_facts(MINIMAL.replace("  start: 2024-07-11\n  end: 2024-07-12\n",
                                       "  start: 2024-06\n  end: 2024-07\n"))
    assert "took place in June–July 2024." in render_markdown(span, date=dt.date(2024, 7, 22))


def test_impossible_date_orders_are_located_errors():
    (message,) = problems(MINIMAL.replace("  start: 2024-07-11\n  end: 2024-07-12\n",
                                          "  start: 2024-07-25\n  end: 2024-07-26\n"))
    assert message.startswith("f.yaml:20:10: event.start: the event starts (25 July 2024) after the "
                              "article was published (20 July 2024)")
    step = MINIMAL.replace("  source: {para: 1, evidence: visit}\n",
                           "  source: {para: 1, evidence: visit}\n  preparation:\n"
                           "    - {date: 2024-08, text: Talks., source: {para: 1, evidence: x}}\n")
    (message,) = problems(step)
    assert "event.preparation[0].date: a preparation step (August 2024) comes after the event ended" in message
    (message,) = problems(MINIMAL.replace("  from: Desk\n", "  from: Desk\n  date: 2024-07-01\n"))
    assert message.startswith("f.yaml:6:9: note.date: the note is dated 1 July 2024, before the article")


def test_odd_date_orders_are_warnings():
    warnings: list[str] = []
    parse_facts(MINIMAL.replace("  end: 2024-07-12\n", "  end: 2024-07-21\n"), "f.yaml", warnings=warnings)
    assert warnings == ["f.yaml:21:8: event.end: the event ends (21 July 2024) after the article was published "
                        "(20 July 2024) (fine for an article written during the event; otherwise check the dates)"]
    warnings = []
    parse_facts(with_figure("value: 1", "unit: USD", "by: 2023"), "f.yaml", warnings=warnings)
    assert len(warnings) == 1 and "areas[0].figures[0].by: the target date (2023) had passed" in warnings[0]
    warnings = []
    parse_facts(with_figure("value: 1", "unit: USD", "as_of: 2025"), "f.yaml", warnings=warnings)
    assert len(warnings) == 1 and "as_of (2025) is after the article was published" in warnings[0]


def test_a_later_milestone_must_read_as_planned():
    text = MINIMAL.replace("        source: {para: 2, evidence: trade}\n", "        source: {para: 2, evidence: trade}\n"
                           "    milestones:\n      - {date: 2024-11, text: Summit held in Baku., source: {para: 2, evidence: x}}\n")
    warnings: list[str] = []
    parse_facts(text, "f.yaml", warnings=warnings)
    assert len(warnings) == 1 and "areas[0].milestones[0].date: the milestone (November 2024) is after" in warnings[0]
    warnings = []
    parse_facts(text.replace("Summit held", "Summit to be held"), "f.yaml", warnings=warnings)
    assert warnings == []


def test_relative_words_in_a_late_note_are_a_warning_printed_by_the_cli(tmp_path):
    late = MINIMAL.replace("  from: Desk\n", "  from: Desk\n  date: 2025-01-10\n").replace(
        "Point two.", "The current investment is small.")
    path = tmp_path / "late.yaml"
    path.write_text(late, encoding="utf-8")
    result = run_cli("build", str(path), "-o", str(tmp_path / "out"), "-f", "md")
    assert result.returncode == 0, result.stderr
    assert ("warning: " + str(path) + ":11:") in result.stderr
    assert "note.key_points[1].text: says 'current', but the note is dated 10 January 2025, 174 days after" \
        in squash(result.stderr)


def test_the_note_date_defaults_to_the_publication_date():
    facts = parse_facts(MINIMAL)
    assert facts.note.date is None
    assert "Date\n: 20 July 2024" in render_markdown(facts)
    assert "Date\n: 22 July 2024" in render_markdown(facts, date=dt.date(2024, 7, 22))


def test_the_bundled_note_is_dated_and_ties_relative_words_to_the_article():
    from briefgen.datecheck import _relative_word
    from conftest import BUNDLED
    from briefgen.facts import load_facts

    facts = load_facts(BUNDLED)
    assert facts.note.date == dt.date(2024, 7, 22)
    assert _relative_word(facts) is None


# --- speakers ------------------------------------------------------------------------------------

QUOTE = ("quotes:\n  - text: We expect a deal.\n    {who}\n    source: {{para: 5, evidence: official said}}\n")


def test_an_unnamed_speaker_is_described_and_never_listed_among_people():
    text = MINIMAL + QUOTE.format(who="speaker_description: a senior official of the Ministry of Foreign Affairs")
    markdown = render_markdown(parse_facts(text), date=dt.date(2024, 7, 22))
    assert "> — A senior official of the Ministry of Foreign Affairs" in markdown
    named = markdown.split("People named in the source:")[1].split("##")[0]
    assert "official" not in named and "Shehbaz Sharif" in named


@pytest.mark.parametrize("who", ["context: at the talks", "speaker: sharif\n    speaker_description: an aide"])
def test_a_quote_has_exactly_one_kind_of_speaker(who):
    (message,) = problems(MINIMAL + QUOTE.format(who=who))
    assert "quotes[0]: a quotation has speaker" in message and "give exactly one" in message


# --- charts --------------------------------------------------------------------------------------

def test_only_comparable_figures_share_a_chart():
    """Two USD figures, one per year, used to stop the build; now they are charted apart."""
    from briefgen.templating import chart_block, chart_groups, template_context

    text = MINIMAL.replace(FIGURE, FIGURE + FIGURE.replace("id: goal", "id: yearly").replace(
        "        kind: target\n", "        per: year\n") + FIGURE.replace("id: goal", "id: now").replace(
        "        kind: target\n", ""))
    context = template_context(parse_facts(text))
    groups = chart_groups(context["figures"], context["areas"])
    assert [(g.title, [f.id for f in g.figures]) for g in groups] == [("Trade and commerce: USD", ["goal", "now"])]
    with pytest.raises(ValueError, match=r"share one unit and one 'per'.*\['USD', 'USD per year'\]"):
        chart_block(context["figures"])
    markdown = render_markdown(parse_facts(text), date=dt.date(2024, 7, 22))
    assert markdown.count("```chart") == 1
    apart = text.replace("id: now\n", "id: now\n        chart: none\n")
    context = template_context(parse_facts(apart))
    assert chart_groups(context["figures"], context["areas"]) == ()


def test_a_chart_group_can_be_named_across_areas():
    from briefgen.templating import chart_groups, template_context

    facts = parse_facts(HEAD_OF_GOVERNMENT.read_text(encoding="utf-8"))
    context = template_context(facts)
    groups = chart_groups(context["figures"], context["areas"])
    assert [g.title for g in groups] == ["Key figures: USD", "Energy: LNG cargoes of 140,000 cubic metres per year"]


def test_chart_captions_state_qualifiers_and_ranges_and_long_text_wraps_in_both_formats(tmp_path):
    result = build(HEAD_OF_GOVERNMENT, tmp_path, formats=("pdf", "docx"))
    pdf = pdf_text(result.outputs[0])
    # The chart's value captions, whole, wrapped over lines rather than cut or run off the page.
    assert "more than USD 3 billion by 2025 (target)" in pdf.replace("by 2025 (target) Bilateral", "by 2025 (target)")
    assert "up to 24 LNG cargoes of 140,000 cubic metres per year (target)" in pdf
    assert "LNG cargoes Malaysia would ship to Kazakhstan’s western terminals each year under the draft agreement" in pdf
    assert "…" not in pdf


def test_chart_geometry_wraps_instead_of_running_off():
    from briefgen.model import Chart
    from briefgen.render.chart import chart_geometry

    long = "LNG cargoes of 140,000 cubic metres " * 3
    chart = Chart(long, "x", (("a " * 40, 10.0, "target", long, None), ("b", 5.0, "actual", "5 x", 2.0)))
    width, size = 400.0, 9.0
    geometry = chart_geometry(chart, width, size)
    measure = len  # the default measure: 0.6 × size per character
    assert len(geometry["title"]) > 1
    for (_, _, bar_w, labels, captions, low_x) in geometry["bars"]:
        assert all(measure(line) * size * 0.6 <= geometry["label_w"] - 8 for line in labels)
        assert all(geometry["label_w"] + bar_w + 5 + measure(line) * size * 0.6 <= width for line in captions)
    assert geometry["bars"][1][5] == pytest.approx(geometry["bars"][1][2] * 2 / 5)
    # Every word is kept, however many lines it takes: a label is a fact, never cut.
    (_, _, _, labels, captions, _), _ = geometry["bars"]
    assert " ".join(labels) == " ".join(("a " * 40).split())
    assert " ".join(captions) == " ".join(long.split())
    assert " ".join(geometry["title"]) == " ".join(long.split())


# --- three kinds of article, three templates, two formats -----------------------------------------

EXPECTED = {
    HEAD_OF_GOVERNMENT: {
        "briefing-note": ["more than USD 3 billion by 2025 (target)", "USD 2–3 billion (estimate)", "10–15%",
                          "at least 1,000 MW", "up to USD 50 million per year", "USD 1.25 billion",
                          "took place on 14–16 May 2024"],
        "one-pager": ["more than USD 3 billion by 2025 (target)", "USD 2–3 billion (estimate)", "USD 1.25 billion"],
        "memo": ["more than USD 3 billion by 2025 (target)", "USD 2–3 billion"],  # the key points state it: not repeated
    },
    STATE_VISIT: {
        "briefing-note": ["took place on 4 March 2024 in Hanoi", "about 1 hour", "VND 30,000 trillion",
                          "nearly XDR 500 million", "USD 2.50", "A senior official of the Ministry of Foreign Affairs"],
        "one-pager": ["VND 30,000 trillion", "nearly XDR 500 million"],
        "memo": ["VND 30,000 trillion", "nearly XDR 500 million"],
    },
}


@pytest.mark.parametrize("template", ["briefing-note", "one-pager", "memo"])
@pytest.mark.parametrize("facts", [HEAD_OF_GOVERNMENT, STATE_VISIT], ids=["head-of-government", "state-visit"])
def test_other_kinds_of_article_build_in_every_template(tmp_path, facts: Path, template: str):
    result = build(facts, tmp_path, template=template, formats=("pdf", "docx"))
    assert result.warnings == ()
    pdf, word = result.outputs
    for text in (pdf_text(pdf), docx_text(word)):
        for expected in EXPECTED[facts][template]:
            assert expected in text, (template, expected)
        assert "as of 2025" not in text
    if facts == HEAD_OF_GOVERNMENT and template == "briefing-note":  # chart titles: DOCX draws them in an image
        assert "Key figures: USD" in pdf_text(pdf)
    if facts == STATE_VISIT and template == "briefing-note":
        named = pdf_text(pdf).split("People named in the source:")[1].split("Cooperation by area")[0]
        assert "official" not in named


def test_money_never_loses_a_digit():
    """Property: the printed amount, read back with its scale word, is the exact value."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = {"million": 6, "billion": 9, "trillion": 12}

    @settings(max_examples=300, deadline=None)
    @given(st.decimals(min_value=0, max_value=Decimal(10) ** 18, places=6, allow_nan=False, allow_infinity=False),
           st.sampled_from(["USD", "JPY", "BHD", "VND", "XDR"]))
    def check(value, code):
        text = format_money(value, code)
        assert text.startswith(code + " ")
        number, _, word = text[len(code) + 1:].partition(" ")
        back = Decimal(number.replace(",", "")).scaleb(words.get(word, 0))
        assert back == value

    check()


def test_a_build_date_before_the_article_is_a_warning_not_an_error():
    """--date or $SOURCE_DATE_EPOCH is a build setting (often a fixed CI time), not a fact."""
    warnings: list[str] = []
    parse_facts(MINIMAL, "f.yaml", warnings=warnings, note_date=dt.date(2024, 1, 1))
    assert warnings == ["f.yaml: note.date: the note will be dated 1 January 2024 (--date or $SOURCE_DATE_EPOCH), "
                        "before the article was published (20 July 2024) (set note.date in the facts file, or leave "
                        "both unset to date the note on the publication date)"]
