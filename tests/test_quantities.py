"""``briefgen.quantities``: what a number counts, over what period, and the year of a month."""

from __future__ import annotations

import datetime as dt

import pytest

from briefgen.quantities import date_of_amount, find_amounts, find_dates, is_wording, same_noun

PUBLISHED = dt.date(2025, 3, 14)


@pytest.mark.parametrize("text, noun, per, described", [
    ("would offer one LNG cargo per month to PLL", "LNG cargo", "month", "one LNG cargo per month"),
    ("two LNG cargoes a month", "LNG cargoes", "month", "two LNG cargoes a month"),
    ("signed 15 Memoranda of Understanding (MoUs) and agreements across sectors",
     "Memoranda of Understanding (MoUs) and agreements", None, "15 Memoranda of Understanding (MoUs) and agreements"),
    ("9 agreements were signed", "agreements", None, "9 agreements"),
    ("a three-day visit", "day", None, "three-day"),
    ("5 million tonnes annually", "tonnes", "year", "5 million tonnes annually"),
    ("an annual trade of $2 billion", None, "year", "$2 billion"),
    ("about 40 flights a year ago", "flights", None, "about 40 flights"),
    ("60 per cent of exports", None, None, "60 per cent"),
])
def test_the_noun_and_period_of_a_number(text, noun, per, described):
    (amount,) = find_amounts(text)
    assert (amount.noun, amount.per, amount.described) == (noun, per, described)


@pytest.mark.parametrize("text, wording", [
    ("the two countries signed", True), ("both the two sides", True), ("one of the largest", True),
    ("one another", True), ("one LNG cargo per month", False), ("one agreement", False), ("two LNG cargoes", False),
])
def test_number_words_that_are_wording(text, wording):
    assert is_wording(find_amounts(text)[-1]) is wording


@pytest.mark.parametrize("claim, stated, same", [
    ("LNG cargoes", "LNG cargo", True), ("MoUs", "Memoranda of Understanding (MoUs) and agreements", True),
    ("Memoranda of Understanding", "MoUs", True), ("agreements", "new agreements", True),
    ("LNG cargoes", "countries", False), ("LNG cargoes", "LNG terminals", False), ("MoUs", "agreements", False),
    ("agreements", None, True),
])
def test_same_noun(claim, stated, same):
    assert same_noun(claim, stated) is same


@pytest.mark.parametrize("text, expected", [
    ("The KNBC will meet again in June.", "2025-06"),  # future: the next June
    ("Trade reached $90 million in 2024. The KNBC meets again in June.", "2025-06"),  # not 2024's
    ("The KNBC met in June.", "2024-06"),  # past: the last June
    ("A forum was held in April.", "2024-04"),
    ("Talks are scheduled for April.", "2025-04"),
    ("The talks will end on 10 March.", "2026-03-10"),
    ("The talks ended on 10 March.", "2025-03-10"),
    ("It met last March.", "2024-03"),
    ("It meets next March.", "2026-03"),
    ("The forum opened this March.", "2025-03"),
    ("Exports have grown since May.", "2024-05"),
    ("A forum in January.", "2025-01"),  # no tense: the latest not after publication
    ("A forum in April.", "2025-04"),  # ... unless that is eleven months back
])
def test_a_month_without_a_year_follows_the_tense_of_its_sentence(text, expected):
    (mention,) = [m for m in find_dates(text, PUBLISHED) if m.relative]
    assert mention.dates[0].iso() == expected


@pytest.mark.parametrize("text, date", [
    ("Trade reached $90 million in 2024, and the sides signed 4 agreements.", "2024"),
    ("In 2024, trade stood at $90 million.", "2024"),
    ("Ties grew. As of 2024 trade stood at $90 million.", "2024"),
    ("Trade should reach $90 million by 2030.", None),  # a deadline, not the value's date
    ("In 2023 they signed a deal. Trade is $90 million.", None),  # another sentence
    ("They met in 2023 and trade is $90 million.", None),  # another clause
])
def test_the_date_stated_with_an_amount(text, date):
    mentions = find_dates(text, PUBLISHED)
    amount = next(a for a in find_amounts(text, skip=[(m.start, m.end) for m in mentions]) if a.currency)
    found = date_of_amount(text, amount, mentions)
    assert (found.dates[0].iso() if found else None) == date


@pytest.mark.parametrize("text, ends", [
    ("cut by 10-15 per cent", [("10", None, True, "10 per cent"), ("15", None, True, "15 per cent")]),
    ("cut by 10–15%", [("10", None, True, "10%"), ("15", None, True, "15%")]),
    ("from 10 to 15 per cent", [("10", None, True, "10 per cent"), ("15", None, True, "15 per cent")]),
    ("between 10 and 15 per cent", [("10", None, True, "10 per cent"), ("15", None, True, "15 per cent")]),
    ("USD 2-3 billion", [("2000000000", "USD", False, "USD 2 billion"), ("3000000000", "USD", False, "USD 3 billion")]),
    ("$2–3 billion a year", [("2000000000", "USD", False, "$2 billion a year"),
                             ("3000000000", "USD", False, "$3 billion a year")]),
    ("$2-3m", [("2000000", "USD", False, "$2m"), ("3000000", "USD", False, "$3m")]),
    ("between $2 billion and $3 billion", [("2000000000", "USD", False, "$2 billion"),
                                           ("3000000000", "USD", False, "$3 billion")]),
    ("2-3 LNG cargoes a month", [("2", None, False, "2 LNG cargoes a month"), ("3", None, False, "3 LNG cargoes a month")]),
    ("signed 4 agreements and 15 MoUs", [("4", None, False, "4 agreements"), ("15", None, False, "15 MoUs")]),
    ("from $450 million to 2 per cent", [("450000000", "USD", False, "$450 million"), ("2", None, True, "2 per cent")]),
])
def test_each_end_of_a_range_has_what_the_range_writes_once(text, ends):
    assert [(f"{a.value:f}", a.currency, a.percent, a.described) for a in find_amounts(text)] == ends


@pytest.mark.parametrize("text, values", [
    ("in FY 2024-25", []), ("in FY 2024–25", []), ("between 2023 and 2025", []),
    ("+92-51-9204000", []), ("on 2024-07-20", []), ("COVID-19 cases", []),
    ("a two-day visit", ["2"]), ("a 10-day visit", ["10"]),
])
def test_hyphens_in_years_codes_and_compounds_are_not_ranges(text, values):
    dates = find_dates(text, PUBLISHED)
    assert [f"{a.value:f}" for a in find_amounts(text, skip=[(d.start, d.end) for d in dates])] == values


def test_a_range_of_days_is_a_date_not_two_numbers():
    text = "talks on 11- 12 July 2024 and 11-12 July"
    dates = find_dates(text, PUBLISHED)
    assert [m.dates[-1].iso() for m in dates] == ["2024-07-12", "2024-07-12"]
    assert find_amounts(text, skip=[(d.start, d.end) for d in dates]) == []
