"""``briefgen check``: every fact proved against the paragraph it cites, with file:line."""

from __future__ import annotations

import re

import pytest

from briefgen.article import parse_article
from briefgen.check import check_facts, check_file
from briefgen.facts import parse_facts
from briefgen.yamlload import load_yaml
from conftest import ARTICLE, BUNDLED, run_cli

ARTICLE_TEXT = """\
# Friends Meet Again

By Jane Roe, Analyst, Institute of Things (IOT), Lisbon

Published on 3rd March 2025

President Ann Smith of Atlantis arrived in Utopia for a three-day visit (1- 3 March
2025). The two sides signed 9 agreements.

Prime Minister Bob Jones set a goal of over \\$2 billion in trade, up from about
\\$500 million today. Atlantis would deliver one LNG cargo per month.

A forum was held in May, and a summit is planned for 2026. Jones said, "We are
confident this partnership will grow."
"""

FACTS = """\
schema: 1
classification: OFFICIAL
note:
  to: Minister
  from: Desk
  subject: Visit
  purpose: Purpose.
  key_points:
    - text: The two sides signed 9 agreements during the 1–3 March 2025 visit.
      source: {para: 1, evidence: "The two sides signed 9 agreements"}
    - text: Trade should rise to more than USD 2 billion.
      source: {para: 2, evidence: "set a goal of over $2 billion in trade"}
    - text: Trade stands at about USD 500 million.
      source: {para: 2, evidence: "up from about $500 million today"}
  outlook:
    - text: A summit is planned for 2026.
      source: {para: 3, evidence: "a summit is planned for 2026"}
source:
  title: Friends Meet Again
  author: Jane Roe
  published: 2025-03-03
event:
  title: Visit of President Smith to Utopia
  start: 2025-03-01
  end: 2025-03-03
  countries: [Atlantis, Utopia]
  summary: A three-day visit.
  source: {para: 1, evidence: "for a three-day visit (1-3 March 2025)"}
people:
  - {id: jones, name: Bob Jones, role: Prime Minister, source: {para: 2, evidence: "Prime Minister Bob Jones"}}
areas:
  - id: trade
    title: Trade
    summary: Trade.
    points:
      - text: Atlantis would deliver one LNG cargo per month.
        source: {para: 2, evidence: "one LNG cargo per month"}
    figures:
      - id: goal
        label: Trade goal
        value: 2000000000
        unit: USD
        kind: target
        note: over
        source: {para: 2, evidence: "over $2 billion"}
      - id: lng
        label: LNG
        value: 1
        unit: LNG cargo
        per: month
        source: {para: 2, evidence: "one LNG cargo per month"}
    milestones:
      - date: 2024-05
        text: A forum was held.
        source: {para: 3, evidence: "A forum was held in May"}
quotes:
  - text: We are confident this partnership will grow.
    speaker: jones
    source: {para: 3, evidence: "We are confident this partnership will grow"}
"""


def run(facts_text: str, article_text: str = ARTICLE_TEXT):
    data, positions = load_yaml(facts_text, "f.yaml")
    return check_facts(parse_facts(facts_text, "f.yaml"), data, positions, parse_article(article_text), "f.yaml")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_supported_facts_file_passes():
    report = run(FACTS)
    assert report.problems == ()
    assert report.facts == 11 and report.fragments == 11 and report.claims >= 15
    assert report.summary().endswith(": all supported")


@pytest.mark.parametrize("old, new, field, message", [
    ("value: 2000000000", "value: 3000000000", "areas[0].figures[0]",
     '"USD 3 billion" is not stated in paragraph 2; it says "over $2 billion", "about $500 million"'),
    ("        note: over\n", "", "areas[0].figures[0]",
     '"USD 2 billion" has no qualifier, but paragraph 2 says "over $2 billion"'),
    # an analyst's note about another amount is not the figure's qualifier
    ("        note: over\n", "        note: trade today is about USD 500 million\n", "areas[0].figures[0]",
     '"USD 2 billion" has no qualifier, but paragraph 2 says "over $2 billion"'),
    ("Trade stands at about USD 500 million.", "Trade stands at more than USD 500 million.",
     "note.key_points[2]", '"more than USD 500 million" has "more than", but paragraph 2 says "about $500 million"'),
    ("signed 9 agreements during", "signed 12 agreements during", "note.key_points[0]",
     '"12 agreements" is not stated in paragraph 1; it says "9 agreements"'),
    ("  end: 2025-03-03", "  end: 2025-03-04", "event",
     "the date 2025-03-04 is not stated in paragraph 1 (it gives 2025-03-01, 2025-03-02, 2025-03-03)"),
    ("date: 2024-05", "date: 2024-06", "areas[0].milestones[0]",
     "the date 2024-06 is not stated in paragraph 3 (it gives 2024-05, 2026)"),
    ("per: month", "per: week", "areas[0].figures[1]",
     'the rate "per week" is not stated in paragraph 2; it says "one LNG cargo per month"'),
    ("planned for 2026.\n", "planned for 2027.\n", "note.outlook[0]",
     "the date \"2027\" is not stated in paragraph 3 (it gives 2024-05, 2026)"),
])
def test_an_altered_fact_fails_at_its_line(old, new, field, message):
    altered = FACTS.replace(old, new, 1)
    assert altered != FACTS
    report = run(altered)
    assert [(p.field, p.message) for p in report.problems] == [(field, message)]
    needle = {"areas[0].figures[0]": "value: ", "event": "  end: ", "areas[0].milestones[0]": "date: 2024",
              "areas[0].figures[1]": "per: "}.get(field, new.strip()[:30])
    assert report.problems[0].line == line_of(altered, needle)


def test_a_wrong_paragraph_names_the_right_one():
    altered = FACTS.replace('{para: 2, evidence: "one LNG cargo per month"}\n    figures',
                            '{para: 3, evidence: "one LNG cargo per month"}\n    figures')
    (problem,) = run(altered).problems
    assert problem.field == "areas[0].points[0]"
    assert problem.message == '"one LNG cargo per month" not found in paragraph 3; it is in paragraph 2'
    assert problem.hint == "set para: 2"
    line = line_of(altered, '{para: 3, evidence: "one LNG')
    assert (problem.line, problem.column) == (line, altered.splitlines()[line - 1].index('"one LNG') + 1)


def test_a_goal_given_as_an_actual_value_fails():
    altered = FACTS.replace("        kind: target\n", "")
    (problem,) = run(altered).problems
    assert (problem.field, problem.message, problem.hint) == (
        "areas[0].figures[0]", 'an actual value, but paragraph 2 gives "over $2 billion" as a goal', "set kind: target")


def test_a_wrong_role_fails():
    altered = FACTS.replace("role: Prime Minister,", "role: President,")
    (problem,) = run(altered).problems
    assert (problem.field, problem.message) == ("people[0]", "the role 'President' is not stated in paragraph 2")


def test_an_invented_fragment_shows_the_closest_words():
    altered = FACTS.replace('"Prime Minister Bob Jones"', '"Prime Minister Robert Jones"')
    (problem,) = run(altered).problems
    assert problem.message == '"Prime Minister Robert Jones" not found in paragraph 2 (closest: "Prime Minister Bob Jones")'


def test_an_invented_quotation_fails():
    altered = FACTS.replace("text: We are confident this partnership will grow.",
                            "text: We are sure this partnership will double.")
    (problem,) = run(altered).problems
    assert problem.field == "quotes[0]"
    assert problem.message.startswith("the quotation is not verbatim in paragraph 3 (closest:")
    assert problem.line == line_of(altered, "We are sure")


def test_quotes_dashes_and_case_are_folded():
    altered = FACTS.replace('"The two sides signed 9 agreements"', '"the TWO sides signed 9 agreements"')
    assert run(altered).problems == ()
    curly = ARTICLE_TEXT.replace('"We are\nconfident this partnership will grow."', "“We are\nconfident this partnership will grow.”")
    assert run(FACTS, curly).problems == ()


def test_a_paragraph_beyond_the_article():
    altered = FACTS.replace('{para: 3, evidence: "a summit is planned for 2026"}', '{para: 9, evidence: "a summit is planned for 2026"}')
    (problem,) = run(altered).problems
    assert problem.message == '"a summit is planned for 2026": paragraph 9 does not exist (the article has 3); it is in paragraph 3'


def test_source_metadata_must_match_the_front_matter():
    altered = FACTS.replace("author: Jane Roe", "author: John Doe").replace("published: 2025-03-03", "published: 2025-03-04")
    assert [p.field + ": " + p.message for p in run(altered).problems] == [
        "source: the author 'John Doe' is not named in the byline ('By Jane Roe, Analyst, Institute of Things (IOT), Lisbon')",
        "source: published 2025-03-04, but the article says 'Published on 3rd March 2025' (2025-03-03)",
    ]


def test_cli_check_and_build_refuse_unsupported_facts(tmp_path):
    article = tmp_path / "article.md"
    article.write_text(ARTICLE_TEXT, encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(FACTS, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(FACTS.replace("value: 2000000000", "value: 3000000000"), encoding="utf-8")
    ok = run_cli("check", str(good), "--source", str(article))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == ""
    assert ok.stderr.strip().endswith("all supported")
    failed = run_cli("check", str(bad), "--source", str(article))
    assert failed.returncode == 1
    line = line_of(bad.read_text(encoding="utf-8"), "value: 3000000000")
    assert failed.stdout.splitlines() == [
        f'{bad}:{line}:16: areas[0].figures[0]: "USD 3 billion" is not stated in paragraph 2; '
        'it says "over $2 billion", "about $500 million"']
    assert "1 problem in 1 of them" in failed.stderr
    out = tmp_path / "out"
    refused = run_cli("build", str(bad), "--check-source", str(article), "-o", str(out), "-f", "md")
    assert refused.returncode == 1
    assert "not built" in refused.stderr and not out.exists()
    built = run_cli("build", str(good), "--check-source", str(article), "-o", str(out), "-f", "md")
    assert built.returncode == 0, built.stderr


def test_source_path_lets_check_and_build_find_the_article(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.md").write_text(ARTICLE_TEXT, encoding="utf-8")
    with_path = FACTS.replace("  published: 2025-03-03\n", "  published: 2025-03-03\n  path: sources/a.md\n")
    facts = tmp_path / "f.yaml"
    facts.write_text(with_path, encoding="utf-8")
    assert check_file(facts).ok
    bad = tmp_path / "bad.yaml"
    bad.write_text(with_path.replace("value: 2000000000", "value: 3000000000"), encoding="utf-8")
    refused = run_cli("build", str(bad), "-o", str(tmp_path / "out"), "-f", "md")
    assert refused.returncode == 1 and "not built" in refused.stderr
    forced = run_cli("build", str(bad), "--no-check", "-o", str(tmp_path / "out"), "-f", "md")
    assert forced.returncode == 0, forced.stderr
    escaping = tmp_path / "sub" / "f.yaml"
    escaping.parent.mkdir()
    escaping.write_text(with_path.replace("path: sources/a.md", "path: ../sources/a.md"), encoding="utf-8")
    result = run_cli("check", str(escaping))
    assert result.returncode == 2
    assert "must be inside" in result.stderr
    absolute = run_cli("check", str(facts), "--source", str(tmp_path / "nope.md"))
    assert absolute.returncode == 2 and "no such file" in absolute.stderr
    none = tmp_path / "none.yaml"
    none.write_text(FACTS, encoding="utf-8")
    missing = run_cli("check", str(none))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {none}: no article to check against (pass --source ARTICLE, or set source.path in the facts file)"


real = pytest.mark.skipif(not ARTICLE.is_file(), reason=f"the source article is not beside this checkout ({ARTICLE})")


@real
def test_the_bundled_facts_file_is_supported():
    report = check_file(BUNDLED, ARTICLE)
    assert report.problems == ()
    assert report.fragments > 50


@real
@pytest.mark.parametrize("old, new, field, starts", [
    ("        value: 2000000000\n", "        value: 2500000000\n", "areas[2].figures[1]", '"USD 2.5 billion" is not stated in paragraph 3'),
    ("  end: 2024-07-12\n", "  end: 2024-07-14\n", "event", "the date 2024-07-14 is not stated in paragraphs 1 and 2"),
    ("        kind: target\n", "        kind: actual\n", "areas[2].figures[1]",
     'an actual value, but paragraph 3 gives "$2 billion" as a goal'),
    ('source: {para: 7, evidence: "one LNG cargo per month"}', 'source: {para: 6, evidence: "one LNG cargo per month"}',
     "areas[3].figures[0]", '"one LNG cargo per month" not found in paragraph 6; it is in paragraph 7'),
    ("We are confident that under your wise stewardship, COP29 will deliver on the climate",
     "We are certain that under your wise stewardship, COP29 will solve the climate", "quotes[0]",
     "the quotation is not verbatim in paragraph 4"),
])
def test_altered_copies_of_the_bundled_file_fail_at_the_right_line(tmp_path, old, new, field, starts):
    text = BUNDLED.read_text(encoding="utf-8")
    assert text.count(old) == 1
    altered = text.replace(old, new)
    path = tmp_path / "altered.yaml"
    path.write_text(altered, encoding="utf-8")
    report = check_file(path, ARTICLE)
    relevant = [p for p in report.problems if p.field == field and p.message.startswith(starts)]
    assert relevant, [str(p) for p in report.problems]
    expected_line = text[: text.index(old)].count("\n") + 1
    if field == "quotes[0]":
        expected_line -= 1  # a folded block scalar (">-") starts on the line of its indicator
    assert relevant[0].line == expected_line
    if field == "event":  # the command line once: the same lines, exit status 1
        result = run_cli("check", str(path), "--source", str(ARTICLE))
        assert result.returncode == 1
        assert re.search(rf"^{re.escape(str(path))}:{expected_line}:\d+: {re.escape(field)}: ", result.stdout, re.M)


# -- a number is supported only by the same number counting the same thing over the same period

RATE_ARTICLE = ARTICLE_TEXT.replace(
    "Atlantis would deliver one LNG cargo per month.",
    "The two countries agreed that Atlantis would deliver one LNG cargo per month.")


@pytest.mark.parametrize("claim, message", [
    ("two LNG cargoes a month", '"two LNG cargoes a month" is not stated in paragraph 2; it says "one LNG cargo per month"'),
    ("2 LNG cargoes a month", '"2 LNG cargoes a month" is not stated in paragraph 2; it says "one LNG cargo per month"'),
    ("12 LNG cargoes a year", '"12 LNG cargoes a year" is not stated in paragraph 2; it says "one LNG cargo per month"'),
    ("one LNG cargo a week", 'the rate "per week" is not stated in paragraph 2; it says "one LNG cargo per month"'),
    ("one LNG cargo", '"one LNG cargo" leaves out the rate: paragraph 2 says "one LNG cargo per month"'),
    ("one LNG terminal a month", '"one LNG terminal a month" is not stated in paragraph 2; it says "one LNG cargo per month"'),
])
def test_a_changed_count_or_rate_fails_though_the_paragraph_says_two_countries(claim, message):
    altered = FACTS.replace("text: Atlantis would deliver one LNG cargo per month.",
                            f"text: Atlantis would deliver {claim} to Utopia.")
    (problem,) = run(altered, RATE_ARTICLE).problems
    assert (problem.field, problem.message) == ("areas[0].points[0]", message)
    assert problem.line == line_of(altered, claim)


@pytest.mark.parametrize("claim", ["one LNG cargo a month", "one LNG cargo every month", "one LNG cargo monthly",
                                   "1 LNG cargo per month", "a monthly LNG cargo"])
def test_the_same_rate_in_other_words_is_supported(claim):
    altered = FACTS.replace("text: Atlantis would deliver one LNG cargo per month.",
                            f"text: Atlantis would deliver {claim} to Utopia.")
    assert run(altered, RATE_ARTICLE).problems == ()


@pytest.mark.parametrize("old, new, field, message, hint", [
    ("        value: 1\n", "        value: 2\n", "areas[0].figures[1]",
     '"2 LNG cargo" is not stated in paragraph 2; it says "one LNG cargo per month"', None),
    ("        unit: LNG cargo\n", "        unit: LNG terminal\n", "areas[0].figures[1]",
     '"1 LNG terminal" is not stated in paragraph 2; it says "one LNG cargo per month"', None),
    ("        per: month\n", "", "areas[0].figures[1]",
     '"1 LNG cargo" leaves out the rate: paragraph 2 says "one LNG cargo per month"', "set per: month"),
    ("        per: month\n", "        per: year\n", "areas[0].figures[1]",
     'the rate "per year" is not stated in paragraph 2; it says "one LNG cargo per month"', None),
    ("signed 9 agreements during", "signed 9 MoUs during", "note.key_points[0]",
     '"9 MoUs" is not stated in paragraph 1; it says "9 agreements"', None),
    ("summary: A three-day visit.", "summary: A two-day visit.", "event",
     '"two-day" is not stated in paragraph 1; it says "three-day"', None),
])
def test_a_figure_counts_the_article_s_things_at_its_rate(old, new, field, message, hint):
    altered = FACTS.replace(old, new, 1)
    assert altered != FACTS
    (problem,) = run(altered, RATE_ARTICLE).problems
    assert (problem.field, problem.message) == (field, message)
    if hint:
        assert problem.hint == hint


def test_nouns_agree_across_plurals_and_acronyms():
    article = ARTICLE_TEXT.replace("The two sides signed 9 agreements.",
                                   "The two sides signed 15 Memoranda of Understanding (MoUs) and agreements.")
    for said in ("15 MoUs and agreements", "15 agreements", "15 Memoranda of Understanding", "15 MoUs"):
        altered = FACTS.replace("The two sides signed 9 agreements during", f"The two sides signed {said} during") \
                       .replace('"The two sides signed 9 agreements"', '"The two sides signed 15"')
        assert run(altered, article).problems == (), said


# -- a month without a year is read by the tense of its sentence, from the publication date

DATED_ARTICLE = """\
# Bridges Built

By Jane Roe, Analyst, Lisbon

Published on 14th March 2025

President Ann Smith of Atlantis arrived in Utopia on 12 March 2025.

The Knowledge Bridge Council (KNBC) met in 2024, and bilateral trade reached \\$90 million in 2024. The KNBC will
meet again in June. A trade fair was held in April.
"""

DATED_FACTS = """\
schema: 1
classification: OFFICIAL
note:
  to: Minister
  from: Desk
  subject: Visit
  purpose: Purpose.
  key_points:
    - text: The KNBC will meet again in June 2025.
      source: {para: 2, evidence: "The KNBC will meet again in June"}
    - text: A trade fair was held in April 2024.
      source: {para: 2, evidence: "A trade fair was held in April"}
    - text: Trade reached USD 90 million in 2024.
      source: {para: 2, evidence: "bilateral trade reached $90 million in 2024"}
  outlook:
    - text: The KNBC meets again in June.
      source: {para: 2, evidence: "The KNBC will meet again in June"}
source:
  title: Bridges Built
  author: Jane Roe
  published: 2025-03-14
event:
  title: Visit
  start: 2025-03-12
  end: 2025-03-12
  countries: [Atlantis, Utopia]
  summary: A visit.
  source: {para: 1, evidence: "arrived in Utopia on 12 March 2025"}
people:
  - {id: smith, name: Ann Smith, role: President, source: {para: 1, evidence: "President Ann Smith"}}
areas:
  - id: trade
    title: Trade
    summary: Trade.
    points:
      - text: The KNBC will meet again.
        source: {para: 2, evidence: "The KNBC will meet again in June"}
    figures:
      - id: trade
        label: Bilateral trade
        value: 90000000
        unit: USD
        as_of: 2024
        source: {para: 2, evidence: "trade reached $90 million in 2024"}
    milestones:
      - date: 2025-06
        text: The KNBC meets again.
        source: {para: 2, evidence: "The KNBC will meet again in June"}
"""


def test_a_future_month_is_the_next_one_and_a_past_month_the_last_one():
    assert run(DATED_FACTS, DATED_ARTICLE).problems == ()
    altered = DATED_FACTS.replace("date: 2025-06", "date: 2024-06")
    (problem,) = run(altered, DATED_ARTICLE).problems
    assert problem.field == "areas[0].milestones[0]"
    assert problem.message == "the date 2024-06 is not stated in paragraph 2 (it gives 2024, 2025-06, 2024-04)"
    assert problem.line == line_of(altered, "date: 2024-06")
    altered = DATED_FACTS.replace("A trade fair was held in April 2024.", "A trade fair was held in April 2025.")
    (problem,) = run(altered, DATED_ARTICLE).problems
    assert problem.message.startswith('the date "April 2025" is not stated in paragraph 2')


def test_a_value_dated_by_the_article_is_as_of_that_date():
    altered = DATED_FACTS.replace("as_of: 2024", "as_of: 2025-03")
    (problem,) = run(altered, DATED_ARTICLE).problems
    assert (problem.field, problem.message, problem.hint) == (
        "areas[0].figures[0]", 'as of 2025-03, but paragraph 2 gives "$90 million" for 2024', "set as_of: 2024")
    assert problem.line == line_of(altered, "as_of: 2025-03")


def test_the_qualifier_field_and_ranges_are_checked_against_the_article():
    """Issue 10's fields: ``qualifier`` compared by class with the article's words; a range's two
    ends each found in the article (a figure without ``value`` must not break the check)."""
    with_field = FACTS.replace("        note: over\n", "        qualifier: more than\n")
    assert run(with_field).problems == ()
    wrong = FACTS.replace("        note: over\n", "        qualifier: about\n")
    (problem,) = run(wrong).problems
    assert problem.field == "areas[0].figures[0]" and '"about"' in problem.message
    article = ARTICLE_TEXT.replace("Atlantis would deliver", "Investment of \\$2 billion to \\$3 billion is planned. Atlantis would deliver")
    ranged = FACTS.replace("        value: 2000000000\n        unit: USD\n        kind: target\n        note: over\n"
                           "        source: {para: 2, evidence: \"over $2 billion\"}\n",
                           "        value: [2e9, 3e9]\n        unit: USD\n        kind: target\n"
                           "        source: {para: 2, evidence: \"Investment of $2 billion to $3 billion\"}\n")
    assert ranged != FACTS
    assert run(ranged, article).problems == ()
    off = ranged.replace("value: [2e9, 3e9]", "value: [2e9, 4e9]")
    (problem,) = run(off, article).problems
    assert problem.message.startswith("\"USD 4 billion\" is not stated in paragraph 2")


# -- a range writes its unit, scale and currency once: both ends have them

RANGE_FIGURES = """\
      - id: tariffs
        label: Tariff cut
        PCT
        unit: "%"
        source: {para: 2, evidence: "tariffs will be cut by"}
      - id: investment
        label: Investment
        value: [2e9, 3e9]
        unit: USD
        source: {para: 2, evidence: "Investment of"}
"""


def ranged(pct: str, money: str, figure: str = "min: 10\n        max: 15", point: str | None = None):
    """FACTS and ARTICLE_TEXT with a tariff cut of ``pct`` and investment of ``money`` in
    paragraph 2, the figures of both as ranges, and a point saying ``point``."""
    article = ARTICLE_TEXT.replace(
        "Atlantis would deliver", f"Investment of {money.replace('$', chr(92) + '$')} is planned, and "
                                  f"tariffs will be cut by {pct}. Atlantis would deliver")
    facts = FACTS.replace("    milestones:\n", RANGE_FIGURES.replace("PCT", figure) + "    milestones:\n")
    if point is not None:
        facts = facts.replace("      - text: Atlantis would deliver one LNG cargo per month.\n",
                              f"      - text: Tariffs will be cut by {point}.\n"
                              "        source: {para: 2, evidence: \"tariffs will be cut by\"}\n"
                              "      - text: Atlantis would deliver one LNG cargo per month.\n")
    return facts, article


@pytest.mark.parametrize("pct, money", [
    ("10-15 per cent", "USD 2-3 billion"),
    ("10–15 per cent", "$2–3 billion"),
    ("10 to 15 per cent", "between $2 billion and $3 billion"),
    ("between 10 and 15 per cent", "$2-3 billion"),
    ("10 per cent to 15 per cent", "between USD 2 and 3 billion"),
    ("10-15%", "2-3 billion dollars"),
    ("10 – 15%", "$2 billion–$3 billion"),
])
def test_each_end_of_a_range_takes_the_unit_written_once(pct, money):
    for figure in ("min: 10\n        max: 15", "value: [10, 15]"):
        facts, article = ranged(pct, money, figure, point=pct.replace("$", "USD "))
        assert run(facts, article).problems == (), (pct, money, figure)


@pytest.mark.parametrize("pct, money", [("10-15 per cent", "USD 2-3 billion"), ("10–15%", "$2–3 billion"),
                                        ("between 10 and 15 per cent", "between $2 and $3 billion")])
def test_a_range_the_article_does_not_state_fails(pct, money):
    facts, article = ranged(pct, money, "value: [10, 20]")
    facts = facts.replace("value: [2e9, 3e9]", "value: [1e9, 3e9]")
    assert [(p.field, p.message.split(";")[0]) for p in run(facts, article).problems] == [
        ("areas[0].figures[2]", '"20 %" is not stated in paragraph 2'),
        ("areas[0].figures[3]", '"USD 1 billion" is not stated in paragraph 2'),
    ]


@pytest.mark.parametrize("point, wrong", [
    ("20-25 per cent", ['"20 per cent"', '"25 per cent"']),
    ("20–25 per cent", ['"20 per cent"', '"25 per cent"']),
    ("10-25 per cent", ['"25 per cent"']),
    ("5-15%", ['"5%"']),
    ("between 10 and 20 per cent", ['"20 per cent"']),
])
def test_a_changed_range_in_a_point_s_text_is_caught(point, wrong):
    facts, article = ranged("10-15 per cent", "$2-3 billion", point=point)
    problems = run(facts, article).problems
    assert [p.field for p in problems] == ["areas[0].points[0]"] * len(wrong)
    assert [p.message.split(" is not stated")[0] for p in problems] == wrong
    assert problems[0].message.endswith('it says "10 per cent", "15 per cent"')
    assert problems[0].line == line_of(facts, "Tariffs will be cut by")


def test_years_dates_and_compounds_with_hyphens_are_not_ranges():
    article = ARTICLE_TEXT.replace("The two sides signed 9 agreements.",
                                   "The two sides signed 9 agreements for FY 2024-25 on the two-day visit.")
    facts = FACTS.replace("signed 9 agreements during the 1–3 March 2025 visit.",
                          "signed 9 agreements for FY 2024-25 during the 1- 3 March 2025 two-day visit.")
    assert run(facts, article).problems == ()
