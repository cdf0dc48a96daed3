"""End to end: the bundled facts file becomes a PDF and a DOCX that say the same things."""

from __future__ import annotations

import pytest

from briefgen.facts import load_facts
from conftest import BUNDLED, NOTE_DATE, docx_paragraphs, docx_text, pdf_outline, pdf_text, printed

FACTS = load_facts(BUNDLED)
AREA_TITLES = [a.title for a in FACTS.areas]
HEADLINE_FIGURES = ["15 MoUs and agreements", "USD 100 million", "USD 2 billion", "1 LNG cargo per month"]
SECTIONS = ["Purpose", "Key points", "Background", "Cooperation by area", "Key figures", "Quotations",
            "Outlook and next steps", "Sources"]


@pytest.fixture(scope="module", params=["pdf", "docx"])
def text(request, built) -> str:
    return pdf_text(built["pdf"]) if request.param == "pdf" else docx_text(built["docx"])


def test_the_bundled_facts_file_has_every_area_the_article_names():
    ids = [a.id for a in FACTS.areas]
    assert ids == ["political", "trade", "investment", "energy", "defence", "climate", "connectivity",
                   "technology", "education", "tourism", "minerals", "justice", "culture"]


@pytest.mark.parametrize("title", AREA_TITLES)
def test_every_area_heading_is_in_both_formats(text, title):
    assert title in text


@pytest.mark.parametrize("figure", HEADLINE_FIGURES)
def test_every_headline_figure_is_in_both_formats(text, figure):
    assert figure in text


def test_visit_dates_marking_and_source_are_in_both_formats(text):
    assert "11–12 July 2024" in text
    assert "OFFICIAL" in text
    assert "Khalid Taimur Akram" in text
    assert "Pakistan Research Center for a Community with Shared Future (PRCCSF)" in text
    assert "“Pakistan Welcome’s Brother Ilham Aliyev” (op-ed), published 20 July 2024" in text
    assert "22 July 2024" in text  # the note date given to the build


def test_classification_marking_on_every_pdf_page(built):
    from pypdf import PdfReader

    pages = PdfReader(built["pdf"]).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        assert text.count("OFFICIAL") >= 2, f"page {number} lacks the top or foot marking"
        assert f"Page {number} of {len(pages)}" in text


def test_docx_header_and_footer_carry_marking_and_page_fields(built):
    import docx

    document = docx.Document(str(built["docx"]))
    section = document.sections[0]
    assert "OFFICIAL" in " ".join(p.text for p in section.header.paragraphs)
    footer_xml = section.footer._element.xml
    assert "OFFICIAL" in footer_xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml


def test_both_formats_carry_the_same_sequence_of_headings(built):
    docx_headings = [text for style, text in docx_paragraphs(built["docx"]) if style.startswith("Heading")]
    pdf_headings = [title for _, title in pdf_outline(built["pdf"])]
    assert docx_headings == pdf_headings
    assert docx_headings == SECTIONS[:4] + AREA_TITLES + SECTIONS[4:]


def test_pdf_outline_nests_areas_under_their_section(built):
    outline = pdf_outline(built["pdf"])
    assert (0, "Cooperation by area") in outline
    assert all((1, title) in outline for title in AREA_TITLES)


def test_docx_uses_word_styles(built):
    styles = [style for style, _ in docx_paragraphs(built["docx"])]
    assert styles[0] == "Title"
    assert styles.count("List Bullet") >= len(FACTS.note.key_points) + sum(len(a.points) for a in FACTS.areas)
    assert "Quote" in styles


def test_key_points_appear_in_order_in_both_formats(built):
    for text in (pdf_text(built["pdf"]), docx_text(built["docx"])):
        positions = [text.find(printed(p.text)[:40]) for p in FACTS.note.key_points]
        assert all(p >= 0 for p in positions)
        assert positions == sorted(positions)


def test_every_point_of_every_area_is_in_both_formats(built):
    pdf, word = pdf_text(built["pdf"]), docx_text(built["docx"])
    for area in FACTS.areas:
        for point in area.points:
            assert printed(point.text) in pdf
            assert printed(point.text) in word


def test_pdf_metadata(built):
    from pypdf import PdfReader

    reader = PdfReader(built["pdf"])
    info = reader.metadata
    assert info.title == "Briefing note: Visit of President Ilham Aliyev of Azerbaijan to Pakistan"
    assert info.author == "South and Central Asia Desk"
    assert info.subject == FACTS.note.subject
    assert "Energy" in info["/Keywords"]
    assert info.creator.startswith("briefgen ")
    assert info.creation_date.date() == NOTE_DATE and info.modification_date.date() == NOTE_DATE
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_every_pdf_font_is_embedded(built):
    from pypdf import PdfReader

    for page in PdfReader(built["pdf"]).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            assert descriptor is not None, f"{font['/BaseFont']} has no descriptor (a base-14 font)"
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


def test_docx_core_properties(built):
    import datetime as dt

    import docx

    props = docx.Document(str(built["docx"])).core_properties
    assert props.title.startswith("Briefing note")
    assert props.author == "South and Central Asia Desk"
    assert props.subject == FACTS.note.subject
    assert props.language == "en"
    assert props.created == dt.datetime(2024, 7, 22, 0, 0, tzinfo=dt.timezone.utc)


def test_builds_are_repeatable_byte_for_byte(tmp_path):
    from briefgen.pipeline import build

    first = build(BUNDLED, tmp_path / "a", date=NOTE_DATE)
    second = build(BUNDLED, tmp_path / "b", date=NOTE_DATE)
    for a, b in zip(first.outputs, second.outputs):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_markdown_output_is_the_template_text(built):
    text = built["md"].read_text(encoding="utf-8")
    assert text.startswith("---\ntitle:")
    assert "### Energy" in text
