"""Property tests: generated facts files in any drawable text always render, in both formats,
with every point's text present in the extracted text."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.fonts import family_coverage, is_rtl
from briefgen.pipeline import compose, render
from briefgen.schema import FactsFile
from briefgen.themefile import default_theme
from conftest import squash

THEME = default_theme()


def _alphabet() -> str:
    covered = family_coverage(list(THEME.body_font.files().values())) & family_coverage(
        list(THEME.heading_font.files().values())
    )
    chars = []
    for code in sorted(covered):
        if code > 0x2FFF:
            continue
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] in "LNPS" and not is_rtl(char) and unicodedata.normalize("NFC", char) == char:
            chars.append(char)
    return "".join(chars)


ALPHABET = _alphabet()
word = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
text = st.lists(word, min_size=1, max_size=8).map(" ".join)
locator = st.fixed_dictionaries({"para": st.integers(1, 50), "evidence": text})


def point():
    return st.fixed_dictionaries({"text": text, "source": locator})


figure_counter = iter(range(10**9))


def figure():
    return st.fixed_dictionaries({
        "id": st.builds(lambda: f"f{next(figure_counter)}"),
        "label": text,
        "value": st.integers(0, 10**12),
        "unit": st.sampled_from(["USD", "EUR", "agreements", "LNG cargo", "PKR"]),
        "kind": st.sampled_from(["actual", "target", "estimate"]),
        "source": locator,
    })


def area(i: int):
    return st.fixed_dictionaries({
        "id": st.just(f"area-{i}"),
        "title": text,
        "summary": text,
        "points": st.lists(point(), min_size=1, max_size=4),
        "figures": st.lists(figure(), max_size=3),
    })


facts_data = st.integers(1, 5).flatmap(
    lambda n: st.fixed_dictionaries({
        "schema": st.just(1),
        "classification": st.sampled_from(["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"]),
        "note": st.fixed_dictionaries({
            "to": text, "from": text, "subject": text, "purpose": text,
            "key_points": st.lists(point(), min_size=3, max_size=6),
            "outlook": st.lists(point(), min_size=1, max_size=3),
        }),
        "source": st.fixed_dictionaries({"title": text, "author": text, "published": st.just("2024-07-20")}),
        "event": st.fixed_dictionaries({
            "title": text, "start": st.just("2024-07-11"), "end": st.just("2024-07-12"),
            "countries": st.lists(text, min_size=2, max_size=3), "summary": text, "source": locator,
        }),
        "people": st.just([]),
        "areas": st.tuples(*[area(i) for i in range(n)]).map(list),
    })
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(facts_data)
def test_generated_facts_always_render_with_every_point(data):
    from pypdf import PdfReader
    import docx

    facts = FactsFile.model_validate(data)
    _, document = compose(facts, date=dt.date(2024, 7, 22))
    pdf = render(document, THEME, "pdf")
    word_doc = render(document, THEME, "docx")
    pdf_text = squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    docx_body = squash(" ".join(p.text for p in docx.Document(io.BytesIO(word_doc)).paragraphs))
    # Quotes and apostrophes come out curly (smart quotes): compare them as straight ones.
    straight = str.maketrans("‘’“”", "''\"\"")
    pdf_text, docx_body = pdf_text.translate(straight), docx_body.translate(straight)
    for a in facts.areas:
        for p in a.points:
            assert squash(p.text).translate(straight) in pdf_text
            assert squash(p.text).translate(straight) in docx_body
