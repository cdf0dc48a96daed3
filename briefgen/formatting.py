"""Pure functions that turn facts into the words of a note: money, numbers, figures, dates, lists.

They are the Jinja filters of every template (see ``templating.FILTERS``) and raise ``ValueError``
with the bad value when given something they cannot format, which the template layer reports with
the template line.

Numbers, money and percentages follow a locale (CLDR data through Babel, imported on first use):
the ``locale`` argument, else the one set with ``use_locale`` (the facts file's, while a note is
rendered), else ``en``. Values are ``Decimal`` from end to end: nothing is rounded or passed
through a float.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime as dt
import functools
from decimal import Decimal
from typing import Any, Iterable, Iterator

from briefgen.schema import PartialDate
from briefgen.units import PERCENT, currency_digits, is_currency

__all__ = [
    "is_currency",
    "use_locale",
    "current_locale",
    "format_number",
    "format_money",
    "format_percent",
    "format_figure",
    "format_value",
    "format_date",
    "format_date_range",
    "date_preposition",
    "natural_list",
    "plural",
]

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SCALE_WORDS = {"thousand": 3, "lakh": 5, "million": 6, "crore": 7, "billion": 9, "trillion": 12}
_AUTO_SCALES = ("trillion", "billion", "million")
_DASH = "–"

_LOCALE: contextvars.ContextVar[str] = contextvars.ContextVar("briefgen_locale", default="en")


@contextlib.contextmanager
def use_locale(tag: str | None) -> Iterator[str]:
    """Format in locale ``tag`` (``en``, ``en-GB``, ``de_CH``) inside the ``with`` block.

    A tag Babel does not know falls back to its language, then to ``en``. Yields the tag used.
    """
    token = _LOCALE.set(_known_locale(tag or "en"))
    try:
        yield _LOCALE.get()
    finally:
        _LOCALE.reset(token)


def current_locale() -> str:
    """Return the locale tag formatting uses now (``en`` unless ``use_locale`` set another)."""
    return _LOCALE.get()


@functools.lru_cache(maxsize=64)
def _known_locale(tag: str) -> str:
    from babel import Locale, UnknownLocaleError

    tag = tag.replace("-", "_")
    for candidate in (tag, tag.split("_")[0], "en"):
        try:
            Locale.parse(candidate)
            return candidate
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


@functools.lru_cache(maxsize=64)
def _locale(tag: str):
    from babel import Locale

    return Locale.parse(_known_locale(tag))


def _resolve(locale: str | None):
    return _locale(locale or _LOCALE.get())


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
        # repr() of a float is its shortest exact-looking form: 0.1 stays 0.1, not 0.1000000000000000055
        result = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
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
    """Return a short repr of ``value`` for a message, without building the whole repr: a
    template can hand a filter a list of lists of megabyte strings."""
    import reprlib

    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = 60
    shortener.maxlist = shortener.maxtuple = shortener.maxdict = 4
    shortener.maxlevel = 2
    text = shortener.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _digits(d: Decimal, locale, minimum_fraction: int = 0) -> str:
    """Return ``d`` in the locale's decimal pattern (grouping, symbols) with every significant
    digit and at least ``minimum_fraction`` decimals when it has any."""
    pattern = copy.copy(locale.decimal_formats[None])
    d = d.normalize() if d == d.to_integral_value() else d
    if d == d.to_integral_value():
        d = d.quantize(Decimal(1))
        pattern.frac_prec = (0, 0)
    else:
        places = max(-d.normalize().as_tuple().exponent, minimum_fraction)
        pattern.frac_prec = (max(minimum_fraction, 0), places)
    return pattern.apply(d, locale, decimal_quantization=False)


def format_number(value: Any, locale: str | None = None) -> str:
    """Return ``value`` with the locale's thousands separators and no needless decimals:
    ``12,500``, ``1.5`` (``en``); ``12.500``, ``1,5`` (``de``).

    Raises ValueError if ``value`` is not a finite number.
    """
    return _digits(_decimal(value), _resolve(locale))


def _scaled(d: Decimal, scale: str | None, auto: bool) -> tuple[Decimal, str | None]:
    """Return (number, scale word) for ``d``: ``scale`` if given, else the largest of million,
    billion, trillion that ``d`` reaches when ``auto``."""
    if scale == "none":
        return d, None
    if scale:
        if scale not in _SCALE_WORDS:
            raise ValueError(f"scale must be one of none, {', '.join(_SCALE_WORDS)}; not {_short(scale)}")
        return d.scaleb(-_SCALE_WORDS[scale]), scale
    if auto:
        for word in _AUTO_SCALES:
            if abs(d) >= Decimal(10) ** _SCALE_WORDS[word]:
                return d.scaleb(-_SCALE_WORDS[word]), word
    return d, None


def _with_scale(number: str, n: Decimal, scale: str | None, locale) -> str:
    """Return ``number`` (already formatted) followed by the locale's word for ``scale``."""
    if scale is None:
        return number
    try:
        forms = locale.compact_decimal_formats["long"]
        pattern = forms.get(locale.plural_form(n), forms["other"])[str(10 ** _SCALE_WORDS[scale])]
        # The pattern's word means key / 10**(zeros - 1): "000 crore" at 10^9 is crore (10^7), not
        # billion. Use the locale's word only when it means exactly this scale.
        if pattern.pattern.count("0") != 1:
            return f"{number} {scale}"
        return pattern.prefix[0] + number + pattern.suffix[0]
    except (KeyError, TypeError):
        return f"{number} {scale}"


def _amount(values: tuple[Decimal, ...], scale: str | None, auto: bool, locale, fraction: int = 0) -> str:
    """Return one number or a range ``low–high`` scaled alike (by the high end): ``2–3 billion``."""
    high = values[-1]
    _, word = _scaled(high, scale, auto)
    numbers = [(_scaled(v, word or "none", False)[0]) for v in values]
    texts = [_digits(n, locale, fraction if word is None else 0) for n in numbers]
    return _with_scale(_DASH.join(texts), numbers[-1], word, locale)


def _place_currency(amount: str, code: str, locale) -> str:
    """Put ``code`` where the locale puts a currency: before (``USD 2``) or after (``2 USD``)."""
    pattern = locale.currency_formats["standard"].pattern
    return f"{amount} {code}" if pattern.strip().endswith("\xa4") else f"{code} {amount}"


def format_money(value: Any, currency: str = "USD", style: str = "code", *, scale: str | None = None,
                 locale: str | None = None) -> str:
    """Return an amount in words a reader takes in at a glance: ``USD 2 billion``,
    ``USD 1.25 million``, ``USD 950``, ``USD 2.50``; with ``style="symbol"``: ``$2 billion``,
    ``€950`` (currencies without a symbol in the locale keep their code).

    ``value`` is in units of ``currency`` (not thousands or millions); any ISO 4217 code CLDR
    knows works (``XDR``, ``ZWG``, ``XAU``). Amounts of a million or more are scaled to million /
    billion / trillion, keeping every significant digit (``1,234,567`` becomes ``1.234567
    million``, never ``1.2 million``); ``scale`` (``none``, ``thousand``, ``lakh``, ``million``,
    ``crore``, ``billion``, ``trillion``)
    forces the article's own scale. An amount with cents keeps the currency's minor digits
    (``2.5`` USD is ``USD 2.50``). Raises ValueError for a non-number, a code that is not
    ISO 4217, or an unknown style or scale.
    """
    if not is_currency(str(currency)):
        raise ValueError(f"{_short(currency)} is not an ISO 4217 currency code (such as USD, EUR, PKR)")
    if style not in ("code", "symbol"):
        raise ValueError(f"style must be 'code' or 'symbol', not {_short(style)}")
    return _money((_decimal(value),), currency, style, scale, _resolve(locale))


def _money(values: tuple[Decimal, ...], currency: str, style: str, scale: str | None, locale) -> str:
    sign = "-" if values[-1] < 0 else ""
    values = tuple(abs(v) for v in values)
    amount = _amount(values, scale, True, locale, currency_digits(currency))
    if style == "symbol":
        from babel.numbers import get_currency_symbol

        symbol = get_currency_symbol(currency, locale)
        if symbol == currency:
            symbol = _home_symbol(currency)
        if symbol != currency and not symbol[-1:].isalpha():
            pattern = locale.currency_formats["standard"].pattern
            return sign + (f"{amount}\xa0{symbol}" if pattern.strip().endswith("\xa4") else f"{symbol}{amount}")
    return sign + _place_currency(amount, currency, locale)


@functools.lru_cache(maxsize=256)
def _home_symbol(code: str) -> str:
    """Return the symbol ``code`` has where it is used (``₼`` for AZN), else ``code``."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global
    from babel.languages import get_official_languages

    for territory, spans in sorted(get_global("territory_currencies").items()):
        if any(span[0] == code and span[2] is None for span in spans):  # still in use there
            for language in get_official_languages(territory):
                try:
                    symbol = Locale.parse(f"{language}_{territory}").currency_symbols.get(code, code)
                except (UnknownLocaleError, ValueError):
                    continue
                if symbol != code:
                    return symbol
    return code


def format_percent(value: Any, locale: str | None = None) -> str:
    """Return ``value`` per cent in the locale's pattern: ``3.5`` gives ``3.5%`` (``en``),
    ``3,5 %`` (``de``). Raises ValueError for a non-number."""
    return _percent((_decimal(value),), _resolve(locale))


def _percent(values: tuple[Decimal, ...], locale) -> str:
    pattern = locale.percent_formats[None]
    number = _DASH.join(_digits(v, locale) for v in values)
    return pattern.prefix[0] + number + pattern.suffix[0]


def _get(figure: Any, name: str) -> Any:
    if isinstance(figure, dict) or hasattr(figure, "keys"):
        try:
            return figure[name]
        except (KeyError, TypeError):
            return None
    return getattr(figure, name, None)


def format_figure(figure: Any, locale: str | None = None) -> str:
    """Return a figure as the article states it: qualifier, value or range, unit, rate and target
    date: ``more than USD 3 billion``, ``USD 2–3 billion``, ``about 1,000 MW``, ``3.5%``,
    ``1 LNG cargo per month``, ``USD 2 billion by 2025``.

    ``figure`` is a ``schema.Figure`` or its template ``Record``. Whether it is a target or an
    estimate (``kind``) and ``as_of`` are left to the template. Raises ValueError if it is not
    a figure.
    """
    for key in ("unit", "qualifier", "per", "by", "scale"):
        if _get(figure, key) is None and key == "unit":
            raise ValueError(f"expected a figure, got {_short(figure)}")
    value, low, high = _get(figure, "value"), _get(figure, "min"), _get(figure, "max")
    values = (value,) if value is not None else (low, high)
    if any(v is None for v in values):
        raise ValueError(f"the figure has no value: {_short(figure)}")
    text = _format_values(tuple(_decimal(v) for v in values), str(_get(figure, "unit")), _get(figure, "scale"),
                          _resolve(locale))
    qualifier = _get(figure, "qualifier")
    if qualifier:
        text = f"{qualifier} {text}"
    if _get(figure, "per"):
        text += f" per {_get(figure, 'per')}"
    if _get(figure, "by"):
        text += f" by {format_date(_get(figure, 'by'))}"
    return text


def _format_values(values: tuple[Decimal, ...], unit: str, scale: str | None, locale) -> str:
    if is_currency(unit):
        return _money(values, unit, "code", scale, locale)
    if unit == PERCENT:
        return _percent(values, locale)
    return f"{_amount(values, scale, False, locale)} {unit}".strip()


def format_value(value: Any, unit: str, locale: str | None = None) -> str:
    """Return a value with its unit: money for a currency code (``USD 2 billion``), the locale's
    percent for ``%`` (``3.5%``), else the number and the unit (``15 agreements``). Raises
    ValueError for a non-number."""
    return _format_values((_decimal(value),), str(unit), None, _resolve(locale))


def format_date(value: Any) -> str:
    """Return a date as a reader writes it: ``11 July 2024``, ``May 2024`` (a partial date),
    ``2023``. Raises ValueError for anything that is not a date."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    raise ValueError(f"expected a date, got {_short(value)}")


def format_date_range(start: Any, end: Any = None) -> str:
    """Return a compact range with an en dash: ``11–12 July 2024``, ``30 June – 2 July 2024``,
    ``30 December 2024 – 2 January 2025``, ``June–July 2024``; a single date when ``end`` is
    None or equals ``start`` (``11 July 2024``, ``July 2024``).

    ``start`` and ``end`` are ``datetime.date`` or ``PartialDate``. Raises ValueError for
    anything else or if ``end`` is before ``start``.
    """
    start, end = _partial(start), _partial(start if end is None else end)
    if end.last_day() < start.first_day():
        raise ValueError(f"the range ends ({end.iso()}) before it starts ({start.iso()})")
    if start == end:
        return str(start)
    if start.precision == end.precision == "day":
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}{_DASH}{end.day} {_MONTHS[end.month - 1]} {end.year}"
        if start.year == end.year:
            return f"{start.day} {_MONTHS[start.month - 1]} {_DASH} {end}"
    if start.precision == end.precision == "month" and start.year == end.year:
        return f"{_MONTHS[start.month - 1]}{_DASH}{end}"
    if start.precision == end.precision == "year":
        return f"{start}{_DASH}{end}"
    return f"{start} {_DASH} {end}"


def _partial(value: Any) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    raise ValueError(f"expected a date, got {_short(value)}")


def date_preposition(value: Any) -> str:
    """Return "on" for a day (``on 11 July 2024``), "in" for a month or year (``in July 2024``)."""
    return "on" if _partial(value).precision == "day" else "in"


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
