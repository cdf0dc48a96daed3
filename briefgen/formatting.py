"""Pure functions that turn facts into the words of a note: money, numbers, figures, dates, lists.

They are the Jinja filters of every template (see ``templating.FILTERS``) and raise ``ValueError``
with the bad value when given something they cannot format, which the template layer reports with
the template line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from briefgen.schema import Figure, PartialDate

__all__ = [
    "CURRENCIES",
    "is_currency",
    "format_number",
    "format_money",
    "format_figure",
    "format_value",
    "format_date",
    "format_date_range",
    "natural_list",
    "plural",
]

# ISO 4217 codes of currencies in use. A unit that is not one of these is a plain-language unit,
# so "LNG" or "MoU" can never be mistaken for money.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)

_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def is_currency(unit: str) -> bool:
    """Return True if ``unit`` is an ISO 4217 currency code such as ``USD``."""
    return unit in CURRENCIES


MAX_DIGITS = 40
"""Most significant digits a number to format may have."""
MAX_EXPONENT = 30
"""Numbers to format lie between 10**-MAX_EXPONENT and 10**MAX_EXPONENT (or are 0)."""


def _decimal(value: Any) -> Decimal:
    """Return ``value`` as a Decimal within the digit budget; raises ValueError otherwise.

    The budget is checked before any conversion that could take long: ``"1e1000000"`` would
    otherwise become a million-digit integer when printed."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ValueError(f"expected a number, got {_short(value)}")
    if isinstance(value, int) and value.bit_length() > 4 * MAX_DIGITS:
        raise ValueError(f"the number has more than {MAX_DIGITS} digits")
    if isinstance(value, str) and len(value.strip()) > 2 * MAX_DIGITS:
        raise ValueError(f"expected a number of at most {MAX_DIGITS} digits, got {_short(value)}")
    try:
        result = Decimal(str(value).strip())
    except Exception:
        raise ValueError(f"expected a number, got {_short(value)}") from None
    if not result.is_finite():
        raise ValueError(f"expected a finite number, got {_short(value)}")
    if result and not -MAX_EXPONENT <= result.adjusted() <= MAX_EXPONENT:
        raise ValueError(f"{_short(value)} is out of range (10^-{MAX_EXPONENT} to 10^{MAX_EXPONENT})")
    if len(result.as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"the number has more than {MAX_DIGITS} significant digits")
    return result


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_number(value: Any) -> str:
    """Return ``value`` with thousands separators and no needless decimals: ``12,500``, ``1.5``.

    Raises ValueError if ``value`` is not a finite number.
    """
    d = _decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AZN": "₼", "PKR": "Rs ", "INR": "₹",
            "TRY": "₺", "CNY": "CN¥", "RUB": "₽"}


def format_money(value: Any, currency: str = "USD", style: str = "code") -> str:
    """Return an amount in words a reader takes in at a glance: ``USD 2 billion``,
    ``USD 1.25 million``, ``USD 950``; with ``style="symbol"``: ``$2 billion``, ``€950``
    (currencies without a well-known symbol keep their code).

    ``value`` is in units of ``currency`` (not thousands or millions). Amounts of a million or
    more are scaled to million / billion / trillion, keeping every significant digit (a figure is
    never rounded silently: ``1,234,567`` becomes ``1.234567 million``, not ``1.2 million``).
    Raises ValueError for a non-number, an unknown currency code or an unknown style.
    """
    if not is_currency(str(currency)):
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code (such as USD, EUR, PKR)")
    if style not in ("code", "symbol"):
        raise ValueError(f"style must be 'code' or 'symbol', not {style!r}")
    d = _decimal(value)
    sign = "-" if d < 0 else ""
    d = abs(d)
    prefix = _SYMBOLS.get(currency, currency + " ") if style == "symbol" else currency + " "
    for scale, word in _SCALES:
        if d >= scale:
            return f"{sign}{prefix}{format_number(d / scale)} {word}"
    return f"{sign}{prefix}{format_number(d)}"


def format_figure(figure: Figure) -> str:
    """Return a figure's value with its unit: ``USD 100 million``, ``15 MoUs and agreements``,
    ``1 LNG cargo per month``."""
    if is_currency(figure.unit):
        text = format_money(figure.value, figure.unit)
    else:
        text = f"{format_number(figure.value)} {figure.unit}"
    if figure.per:
        text += f" per {figure.per}"
    return text


def format_value(value: Any, unit: str) -> str:
    """Return a value with its unit: money for a currency code (``USD 2 billion``), else the
    number and the unit (``15 agreements``). Raises ValueError for a non-number."""
    if is_currency(unit):
        return format_money(value, unit)
    return f"{format_number(value)} {unit}".strip()


def format_date(value: Any) -> str:
    """Return a date as a reader writes it: ``11 July 2024``, ``May 2024`` (a partial date),
    ``2023``. Raises ValueError for anything that is not a date."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    raise ValueError(f"expected a date, got {value!r}")


def format_date_range(start: Any, end: Any) -> str:
    """Return a compact range with an en dash: ``11–12 July 2024``, ``30 June – 2 July 2024``,
    ``30 December 2024 – 2 January 2025``; a single date when ``start == end``.

    Raises ValueError if either is not a ``datetime.date`` or ``end`` is before ``start``.
    """
    for v in (start, end):
        if not isinstance(v, dt.date):
            raise ValueError(f"expected a date, got {v!r}")
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    if start == end:
        return format_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {_MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def natural_list(items: Iterable[Any], conjunction: str = "and") -> str:
    """Return items joined as in prose: ``A``, ``A and B``, ``A, B and C``."""
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def plural(count: Any, singular: str, plural_form: str | None = None) -> str:
    """Return ``"1 agreement"`` or ``"15 agreements"``; ``plural_form`` defaults to singular + s."""
    n = _decimal(count)
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{format_number(n)} {word}"
