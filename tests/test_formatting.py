"""The filters that write figures, dates and lists in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from briefgen.formatting import (
    format_date,
    format_date_range,
    format_money,
    format_number,
    natural_list,
    plural,
)
from briefgen.schema import PartialDate


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (2_000_000_000, "USD", "USD 2 billion"),
        (100_000_000, "USD", "USD 100 million"),
        (Decimal("1250000"), "EUR", "EUR 1.25 million"),
        (1_234_567, "USD", "USD 1.234567 million"),
        (950, "PKR", "PKR 950"),
        (12_500, "AZN", "AZN 12,500"),
        (3_000_000_000_000, "USD", "USD 3 trillion"),
        (0, "USD", "USD 0"),
    ],
)
def test_money(value, currency, expected):
    assert format_money(value, currency) == expected


def test_money_refuses_a_unit_that_is_not_a_currency():
    with pytest.raises(ValueError, match="'LNG' is not an ISO 4217 currency code"):
        format_money(1, "LNG")


@pytest.mark.parametrize(("value", "expected"), [(15, "15"), ("1.50", "1.5"), (12500, "12,500"), (Decimal("0.25"), "0.25")])
def test_number(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), "abc", None, True])
def test_number_refuses_non_numbers(bad):
    with pytest.raises(ValueError):
        format_number(bad)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2024, 7, 11), dt.date(2024, 7, 12), "11–12 July 2024"),
        (dt.date(2024, 7, 11), dt.date(2024, 7, 11), "11 July 2024"),
        (dt.date(2024, 6, 30), dt.date(2024, 7, 2), "30 June – 2 July 2024"),
        (dt.date(2024, 12, 30), dt.date(2025, 1, 2), "30 December 2024 – 2 January 2025"),
    ],
)
def test_date_range(start, end, expected):
    assert format_date_range(start, end) == expected


def test_date_range_refuses_an_end_before_the_start():
    with pytest.raises(ValueError, match="ends"):
        format_date_range(dt.date(2024, 7, 12), dt.date(2024, 7, 11))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(dt.date(2024, 7, 20), "20 July 2024"), (PartialDate(2024, 5), "May 2024"), (PartialDate(2023), "2023")],
)
def test_dates(value, expected):
    assert format_date(value) == expected


def test_lists_and_plurals():
    assert natural_list([]) == ""
    assert natural_list(["A"]) == "A"
    assert natural_list(["A", "B"]) == "A and B"
    assert natural_list(["A", "B", "C"]) == "A, B and C"
    assert natural_list(["A", "B"], "or") == "A or B"
    assert plural(1, "cargo", "cargoes") == "1 cargo"
    assert plural(3, "cargo", "cargoes") == "3 cargoes"
    assert plural(2, "agreement") == "2 agreements"


@pytest.mark.parametrize("bad", ["2024-13", "24-07", "2024-02-30", "1800", "July 2024"])
def test_partial_dates_refuse_impossible_values(bad):
    with pytest.raises(ValueError):
        PartialDate.parse(bad)
