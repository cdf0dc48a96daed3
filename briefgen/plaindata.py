"""The plain, read-only data templates see, made from a validated ``FactsFile``.

A template never receives a library object: a pydantic model carries methods that read files
(``parse_file``) and unpickle (``parse_raw``), so the facts are copied into ``Record`` mappings,
tuples, ``str``, ``Decimal``, ``int``, ``bool``, ``None``, ``datetime.date`` and ``PartialDate``.
``Record`` reads its keys as attributes too, so templates keep writing ``area.title``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from briefgen.schema import PartialDate

__all__ = ["Record", "PLAIN_TYPES", "to_plain", "RECORD_METHODS"]


class Record(Mapping):
    """A read-only mapping of ``str`` keys to plain values; ``record.key`` reads ``record["key"]``.

    Raises AttributeError for a missing key read as an attribute, KeyError for a missing item,
    and AttributeError on any assignment.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Record is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Record is read-only")

    def __repr__(self) -> str:
        return f"Record({self._items!r})"


RECORD_METHODS = frozenset({"get", "items", "keys", "values"})
"""The only methods of ``Record`` a template may call (all return plain data)."""

PLAIN_TYPES = (Record, tuple, str, Decimal, int, bool, type(None), dt.date, PartialDate)
"""Every type of value the template context holds (``bool`` is an ``int``)."""


def to_plain(value: Any) -> Any:
    """Return a deep, read-only copy of ``value`` made only of ``PLAIN_TYPES``.

    Pydantic models become ``Record``s of their fields (by field name, not alias), lists and tuples
    become tuples, floats become ``Decimal``. Raises TypeError for any other type, so a new kind of
    value can never reach templates unnoticed.
    """
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return Record({name: to_plain(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, Mapping):
        return Record({str(k): to_plain(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass could carry methods of its own
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if type(value) in (Decimal, dt.date, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    raise TypeError(f"{type(value).__name__} is not plain template data")
