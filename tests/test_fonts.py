"""Every glyph: names in any Latin script render, fonts are embedded, missing glyphs are caught."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefgen.errors import FactsError, RenderError
from briefgen.facts import load_facts
from briefgen.fonts import plan_fonts
from briefgen.pipeline import build
from briefgen.textcheck import facts_strings
from briefgen.themefile import default_theme
from conftest import docx_text, pdf_text, squash, straight
from minimal import MINIMAL

HOSTILE = Path(__file__).parent / "data" / "hostile-names.yaml"
NAMES = ["İlham Əliyev", "Ceyhun Bayramov", "Bakı", "Şuşa", "Türkiye", "₼", "€", "£", "₨"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("hostile")
    result = build(HOSTILE, out, date=dt.date(2024, 7, 22))
    return {p.suffix.lstrip("."): p for p in result.outputs}


def visible_strings() -> list[str]:
    """Every text of the hostile facts file that the note shows (not ids, keys or evidence)."""
    facts = load_facts(HOSTILE)
    skip = {"id", "speaker", "evidence", "kind", "language", "unit", "schema", "status", "path"}
    # event.title is the document title in the metadata (checked below), not a line of the page.
    return [text for path, text in facts_strings(facts)
            if path != ("event", "title") and not any(p in skip for p in path if isinstance(p, str))]


def test_the_default_fonts_cover_azerbaijani_and_turkish_letters():
    plan = plan_fonts(set("İlham Əliyev Ceyhun Bayramov Bakı Şuşa Türkiye ĞğÇçÖöÜü€£–—“”‘’…"), default_theme())
    assert plan.missing == ()
    assert plan.fallback == {}


def test_the_shipped_families_have_every_currency_sign_without_a_system_font():
    """The manat, rupee, lira, Indian rupee and rouble signs come from the fonts pip installs:
    the body and heading families draw them; the code family (Source Code Pro lacks ₼ ₨) borrows
    them from a shipped face, never from the system."""
    theme = default_theme()
    signs = set("₼₨₺₹₽€£$")
    plan = plan_fonts(signs, theme)
    assert plan.missing == ()
    shipped = {*theme.body_font.files().values(), *theme.heading_font.files().values()}
    assert set(plan.fallback.values()) <= shipped
    for sign in signs:
        assert plan.font_for("body", sign) is None and plan.font_for("heading", sign) is None


def test_a_build_with_the_manat_sign_needs_no_system_font(tmp_path, monkeypatch):
    """On a fresh machine (no fontconfig at all) a note with "₼ 5 million" builds, and both
    formats carry the sign."""
    from briefgen import fonts

    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    fonts._system_fonts.cache_clear()
    facts = tmp_path / "manat.yaml"
    facts.write_text(MINIMAL.replace("subject: Test subject", "subject: A grant of ₼ 5 million"), encoding="utf-8")
    try:
        result = build(facts, tmp_path / "out", date=dt.date(2024, 7, 22))
    finally:
        fonts._system_fonts.cache_clear()
    outputs = {p.suffix: p for p in result.outputs}
    assert "₼ 5 million" in squash(pdf_text(outputs[".pdf"]))
    assert "₼ 5 million" in squash(docx_text(outputs[".docx"]))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_every_text_of_the_hostile_file_appears_literally(hostile, fmt):
    text = pdf_text(hostile["pdf"]) if fmt == "pdf" else docx_text(hostile["docx"])
    missing = [s for s in visible_strings() if straight(s) not in straight(text)]
    assert missing == []
    for name in NAMES:
        assert name in text


def test_hostile_names_survive_in_the_metadata(hostile):
    import docx
    from pypdf import PdfReader

    assert PdfReader(hostile["pdf"]).metadata.title == "Briefing note: Visit of İlham Əliyev to Şuşa"
    assert docx.Document(str(hostile["docx"])).core_properties.title == "Briefing note: Visit of İlham Əliyev to Şuşa"


def test_every_font_of_the_hostile_pdf_is_embedded(hostile):
    from pypdf import PdfReader

    for page in PdfReader(hostile["pdf"]).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font.get_object()["/BaseFont"]


def test_a_character_no_font_has_is_an_error_naming_the_field(tmp_path):
    theme_file = tmp_path / "theme.yaml"
    theme_file.write_text("system_fallback: false\n", encoding="utf-8")
    facts = tmp_path / "f.yaml"
    # A Chinese character: no shipped family has one (the system's fonts are switched off).
    facts.write_text(MINIMAL.replace("  title: Test article\n", "  title: Price in 漢\n"), encoding="utf-8")
    from briefgen.themefile import load_theme

    with pytest.raises(FactsError) as info:
        build(facts, tmp_path / "out", theme=load_theme(theme_file), date=dt.date(2024, 7, 22))
    (problem,) = info.value.problems
    assert (problem.line, problem.column, problem.field) == (15, 10, "source.title")
    assert problem.message == "no font has '漢' (U+6F22 CJK UNIFIED IDEOGRAPH-6F22)"
    assert not (tmp_path / "out").exists()


def test_replace_mode_draws_a_visible_marker_and_warns(tmp_path):
    from briefgen.themefile import load_theme

    theme_file = tmp_path / "theme.yaml"
    theme_file.write_text("system_fallback: false\n", encoding="utf-8")
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("  title: Test article\n", "  title: Price in 漢\n"), encoding="utf-8")
    result = build(facts, tmp_path / "out", theme=load_theme(theme_file), date=dt.date(2024, 7, 22),
                   missing_glyphs="replace", formats=("pdf",))
    assert result.warnings and "U+6F22" in result.warnings[0]
    assert "Price in \ufffd" in pdf_text(result.outputs[0])


@pytest.mark.parametrize("text", ["پاکستان", "عمران", "שלום"])
def test_right_to_left_text_is_refused_clearly(tmp_path, text):
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("  to: Minister\n", f"  to: {text}\n"), encoding="utf-8")
    with pytest.raises(FactsError) as info:
        build(facts, tmp_path / "out", date=dt.date(2024, 7, 22))
    (problem,) = info.value.problems
    assert problem.field == "note.from" or problem.field == "note.to"
    assert problem.message.startswith("right-to-left text is not supported")


def test_rtl_in_template_text_is_refused(tmp_path):
    from briefgen.pipeline import check_document_text
    from briefgen.markup import parse

    document = parse("---\ntitle: t\n---\nسلام\n")
    with pytest.raises(RenderError, match="right-to-left"):
        check_document_text(document, default_theme())
