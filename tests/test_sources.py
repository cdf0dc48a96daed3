"""Every locator in the bundled facts file points at real words of the article."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from briefgen.article import find_evidence, paragraphs
from briefgen.facts import load_facts
from briefgen.schema import Locator
from conftest import ARTICLE, BUNDLED

pytestmark = pytest.mark.skipif(
    not ARTICLE.is_file(), reason=f"the source article is not beside this checkout ({ARTICLE})"
)


def locators(node, path=""):
    if isinstance(node, Locator):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from locators(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from locators(item, f"{path}[{i}]")


def test_the_article_has_eleven_body_paragraphs():
    assert len(paragraphs(ARTICLE.read_text(encoding="utf-8"))) == 11


def test_every_evidence_fragment_is_verbatim_in_its_paragraph():
    article = ARTICLE.read_text(encoding="utf-8")
    found = list(locators(load_facts(BUNDLED)))
    assert len(found) > 50
    wrong = [f"{path}: para {loc.para}: {loc.evidence!r}" for path, loc in found
             if not find_evidence(article, loc.para, loc.evidence)]
    assert wrong == []
