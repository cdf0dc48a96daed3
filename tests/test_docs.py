"""The facts-schema reference documents every field of the schema."""

from __future__ import annotations

import re

from pydantic import BaseModel

from briefgen import schema
from conftest import ROOT


def test_every_schema_field_is_documented():
    doc = (ROOT / "docs" / "facts-schema.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.MULTILINE))
    models = [m for m in vars(schema).values() if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == schema.__name__ and not m.__name__.startswith("_")]
    fields = {f.alias or name for m in models for name, f in m.model_fields.items()}
    assert fields - documented == set()
    assert documented - fields == set()


def test_every_test_named_in_the_hostile_input_table_exists():
    doc = (ROOT / "docs" / "hostile-input.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(\w+)`", doc)
    assert len(named) > 40
    missing = [f"{f}::{t}" for f, t in named if f"def {t}(" not in (ROOT / "tests" / f).read_text(encoding="utf-8")]
    assert missing == []
