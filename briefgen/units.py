"""Which units are currencies, and which written units are mistakes for one.

The list of currencies is CLDR's, through Babel (imported on first use, so ``import briefgen``
stays light): every ISO 4217 code Babel knows is a currency, including funds and metals such as
``XDR`` and ``XAU``. Any other unit is a plain-language unit (``LNG cargo``, ``MW``) printed after
the number, except ``%``, which is formatted by the locale's percent pattern.
"""

from __future__ import annotations

import functools

__all__ = ["PERCENT", "is_currency", "currency_digits", "unit_problem", "currency_codes"]

PERCENT = "%"
"""The unit of a percentage: ``value: 3.5`` with ``unit: "%"`` prints "3.5%" (in ``en``)."""


@functools.cache
def currency_codes() -> frozenset[str]:
    """Return every ISO 4217 code CLDR knows (current and historic, funds and metals)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency(unit: object) -> bool:
    """Return True if ``unit`` is an ISO 4217 currency code such as ``USD`` (upper case)."""
    return isinstance(unit, str) and len(unit) == 3 and unit in currency_codes()


def currency_digits(code: str) -> int:
    """Return the number of minor-unit digits of currency ``code`` (2 for USD, 0 for JPY)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(code)


@functools.cache
def _symbols() -> dict[str, list[str]]:
    """Return currency symbols and names (lower case) -> the codes they may stand for."""
    from babel import Locale

    found: dict[str, set[str]] = {}
    codes = currency_codes()
    for tag in ("en", "en_GB", "en_IN", "en_PK", "fr", "de", "ru", "tr", "az", "ur"):
        locale = Locale.parse(tag)
        for code, symbol in locale.currency_symbols.items():
            plain_word = symbol.isascii() and symbol.isalpha() and len(symbol) <= 2
            if code in codes and symbol != code and not plain_word:
                found.setdefault(symbol.lower(), set()).add(code)
        if tag == "en":
            for code, name in locale.currencies.items():
                if code in codes and code not in ("XAU", "XAG", "XPT", "XPD"):  # "gold" is a plain word
                    found.setdefault(name.lower(), set()).add(code)
                    found.setdefault(name.lower() + "s", set()).add(code)
    # The common short forms the locale data spells differently.
    for symbol, code in (("$", "USD"), ("us$", "USD"), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY"),
                         ("₹", "INR"), ("rs", "PKR"), ("rs", "INR"), ("rs", "LKR"), ("rs", "NPR"),
                         ("rs.", "PKR"), ("rs.", "INR"), ("rs.", "LKR"), ("rs.", "NPR"), ("₼", "AZN"), ("₽", "RUB"),
                         ("₺", "TRY"), ("dollars", "USD"), ("euros", "EUR"), ("pounds", "GBP"),
                         ("rmb", "CNY"), ("yuan", "CNY"), ("sdr", "XDR"), ("sdrs", "XDR"), ("nis", "ILS"),
                         ("rupees", "PKR"), ("rupees", "INR"), ("rupees", "LKR"), ("rupees", "NPR"),
                         ("manat", "AZN")):
        found.setdefault(symbol, set()).add(code)
    preferred = ("USD", "EUR", "GBP", "JPY", "CNY", "INR", "PKR")
    return {k: sorted(v, key=lambda c: (c not in preferred, preferred.index(c) if c in preferred else 0, c))
            for k, v in found.items()}


def unit_problem(unit: str) -> str | None:
    """Return why ``unit`` cannot be a figure's unit, with the code to write instead, or None.

    Refused: a currency symbol (``$``, ``€``, ``US$``), a currency code in the wrong case
    (``usd``) and a currency's English name (``US dollars``): money is written as its ISO 4217
    code so that it is formatted, grouped and charted as money.
    """
    key = unit.strip().lower()
    if unit.upper() in currency_codes() and unit != unit.upper() and len(unit) == 3:
        return (f"currency codes are written in capitals: write {unit.upper()!r} "
                f"(if you mean a plain unit, write it out in words)")
    codes = _symbols().get(key)
    if codes:
        shown = " or ".join(repr(c) for c in codes[:4])
        which = "the code of the country's currency" if len(codes) > 1 else "the ISO 4217 code"
        return f"{unit!r} is a currency symbol or name; write {which} instead: {shown}"
    if len(unit) == 3 and unit.isalpha() and unit.isupper() and unit.startswith("X") and unit not in currency_codes():
        return f"{unit!r} is not an ISO 4217 code CLDR knows"
    return None
