"""Rendering details: long content, themes, logos, charts, links, lists, table of contents."""

from __future__ import annotations

import re

import datetime as dt
import struct
import zlib
from pathlib import Path

import pytest

from briefgen.errors import FactsError, ThemeError
from briefgen.markup import parse
from briefgen.pipeline import build, render
from briefgen.themefile import default_theme, load_theme
from conftest import BUNDLED, docx_paragraphs, pdf_text, squash
from minimal import MINIMAL

DATE = dt.date(2024, 7, 22)


def long_facts(figures: int = 40, words: int = 3000) -> str:
    """MINIMAL with ``figures`` figures in its area and points totalling ``words`` words."""
    rows = "".join(
        f"      - {{id: f{i}, label: Figure number {i}, value: {i * 1000 + 7}, unit: USD, "
        f"source: {{para: 1, evidence: f{i}}}}}\n"
        for i in range(figures)
    )
    per_point = 100
    points = "".join(
        f"      - text: {' '.join(f'word{i}x{j}' for j in range(per_point))}\n"
        f"        source: {{para: 1, evidence: p{i}}}\n"
        for i in range(words // per_point)
    )
    head, _, _ = MINIMAL.partition("    points:\n")
    return head + "    points:\n" + points + "    figures:\n" + rows


@pytest.fixture(scope="module")
def long_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    facts = folder / "long.yaml"
    facts.write_text(long_facts(), encoding="utf-8")
    result = build(facts, folder / "out", date=DATE)
    return {p.suffix.lstrip("."): p for p in result.outputs}


def test_a_40_row_table_repeats_its_header_on_the_next_page(long_build):
    from pypdf import PdfReader

    pages = [squash(p.extract_text()) for p in PdfReader(long_build["pdf"]).pages]
    import re

    row = re.compile(r"Figure number \d+ USD [\d,]+ Trade and commerce")
    with_rows = [i for i, text in enumerate(pages) if row.search(text)]
    assert len(with_rows) >= 2, "the table should span pages"
    for i in with_rows:
        assert "Figure Value Area" in pages[i], f"page {i + 1} lacks the header row"
    assert all(f"Figure number {i} USD {i * 1000 + 7:,} Trade" in " ".join(pages) for i in range(40))


def test_the_docx_table_header_is_marked_to_repeat(long_build):
    import docx

    document = docx.Document(str(long_build["docx"]))
    figures_table = max(document.tables, key=lambda t: len(t.rows))
    assert len(figures_table.rows) == 41
    assert "w:tblHeader" in figures_table.rows[0]._tr.xml


def test_a_3000_word_section_renders_in_both_formats(long_build):
    text = pdf_text(long_build["pdf"])
    assert all(f"word{i}x99" in text for i in range(30))
    words = docx_paragraphs(long_build["docx"])
    assert sum(len(t.split()) for _, t in words) > 3000


def test_long_unbreakable_words_and_urls_wrap_inside_the_page(tmp_path):
    from pypdf import PdfReader

    word = "x" * 2000
    url = "https://example.org/" + "a" * 150
    text = MINIMAL.replace("  purpose: Test purpose.\n", f"  purpose: {word}\n").replace(
        "      - text: Trade point.\n", f"      - text: see {url}\n"
    ).replace("        label: Investment goal\n", f"        label: {'y' * 120}\n")
    facts = tmp_path / "f.yaml"
    facts.write_text(text, encoding="utf-8")
    result = build(facts, tmp_path / "out", date=DATE)
    pdf = result.outputs[0]
    assert word in pdf_text(pdf).replace(" ", "")
    # Every glyph run starts inside the page and no line is wider than the text block.
    reader = PdfReader(pdf)
    width = float(reader.pages[0].mediabox.width)
    starts = []
    for page in reader.pages:
        page.extract_text(visitor_text=lambda t, cm, tm, fd, fs: starts.append((tm[4], len(t), fs)))
    assert all(0 <= x <= width for x, _, _ in starts)


def write_png(path: Path, width: int = 60, height: int = 20) -> Path:
    """Write a small solid-colour PNG (no imaging library needed)."""
    raw = b"".join(b"\x00" + b"\x1f\x38\x64" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


def test_a_theme_file_sets_page_size_margins_colours_and_logo(tmp_path):
    import docx
    from pypdf import PdfReader

    write_png(tmp_path / "logo.png")
    theme_file = tmp_path / "house.yaml"
    theme_file.write_text(
        "page_size: Letter\nmargins_mm: {top: 30, left: 25}\nbase_size_pt: 11\n"
        "colours: {classification: '#000000'}\nlogo: logo.png\nlogo_width_mm: 30\n",
        encoding="utf-8",
    )
    theme = load_theme(theme_file)
    assert theme.margins_mm == (30, 35, 22, 25)
    result = build(BUNDLED, tmp_path / "out", theme=theme, date=DATE)
    pdf, word = result.outputs
    page = PdfReader(pdf).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert any("/Image" in str(x.get_object().get("/Subtype")) for x in page["/Resources"]["/XObject"].values())
    document = docx.Document(str(word))
    section = document.sections[0]
    assert round(section.page_width.mm, 1) == 215.9
    assert round(section.left_margin.mm) == 25
    body = document.element.body.xml
    assert "TOC" not in body  # contents are the PDF's (toc: true), see test_pages
    assert body.count("<pic:pic") == 2  # the logo and the chart


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("page_size: A5\n", "house.yaml:1:12: page_size: Input should be 'A4' or 'Letter'"),
        ("colours: {text: red}\n", "house.yaml:1:17: colours.text: String should match pattern"),
        ("fonts: {body: Comic Nope}\n", "house.yaml:1:15: fonts.body: no installed font family is called 'Comic Nope'"),
        ("logo: missing.png\n", "house.yaml:1:7: logo: no such file"),
        ("colour: {}\n", "house.yaml:1:1: colour: unknown field 'colour' (did you mean 'colours'?)"),
    ],
)
def test_theme_errors_name_line_and_field(tmp_path, text, expected):
    theme_file = tmp_path / "house.yaml"
    theme_file.write_text(text, encoding="utf-8")
    with pytest.raises(ThemeError) as info:
        load_theme(theme_file)
    assert str(info.value).startswith(str(tmp_path / expected))


def test_the_chart_is_vector_in_the_pdf_and_an_image_in_the_docx(built):
    import docx

    assert "Investment: USD" in pdf_text(built["pdf"])
    document = docx.Document(str(built["docx"]))
    images = [r for r in document.part.rels.values() if "image" in r.reltype]
    assert len(images) == 1
    png = images[0].target_part.blob
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1200, "the chart image should be sharp at print size"


def test_no_chart_when_figures_do_not_share_a_unit(tmp_path):
    import docx

    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    result = build(facts, tmp_path / "out", date=DATE)
    assert "Figures in" not in pdf_text(result.outputs[0])
    assert not [r for r in docx.Document(str(result.outputs[1])).part.rels.values() if "image" in r.reltype]


def test_links_are_real_links_in_both_formats():
    import io

    import docx
    from pypdf import PdfReader

    document = parse("---\ntitle: t\n---\nSee [the source](https://example.org/a?b=1&c=2) and [mail](mailto:a@b.org).\n")
    pdf = PdfReader(io.BytesIO(render(document, default_theme(), "pdf")))
    uris = [a.get_object()["/A"]["/URI"] for a in pdf.pages[0]["/Annots"]]
    assert uris == ["https://example.org/a?b=1&c=2", "mailto:a@b.org"]
    word = docx.Document(io.BytesIO(render(document, default_theme(), "docx")))
    targets = sorted(r.target_ref for r in word.part.rels.values() if r.reltype.endswith("/hyperlink"))
    assert targets == ["https://example.org/a?b=1&c=2", "mailto:a@b.org"]
    assert "<w:hyperlink" in word.element.body.xml


def test_numbered_lists_restart_in_the_docx():
    import io

    import docx

    document = parse("---\ntitle: t\n---\n1. a\n2. b\n\nText.\n\n1. c\n2. d\n")
    word = docx.Document(io.BytesIO(render(document, default_theme(), "docx")))
    numbered = [p for p in word.paragraphs if p.style.name == "List Number"]
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert len(ids) == 4 and ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]


def test_control_characters_are_refused_in_every_kind_of_field(tmp_path):
    fields = {
        "  to: Minister\n": ("  to: \"Mini\\u0001ster\"\n", "note.to"),
        "  author: A. Author\n": ("  author: \"A.\\u000b Author\"\n", "source.author"),
        "    title: Trade and commerce\n": ("    title: \"Trade\\u001f\"\n", "areas[0].title"),
        "      - text: Trade point.\n": ("      - text: \"Trade\\u007f point.\"\n", "areas[0].points[0].text"),
        "        label: Investment goal\n": ("        label: \"Goal\\u200e\\u202e\"\n", "areas[0].figures[0].label"),
    }
    text = MINIMAL
    for old, (new, _) in fields.items():
        text = text.replace(old, new)
    facts = tmp_path / "f.yaml"
    facts.write_text(text, encoding="utf-8")
    with pytest.raises(FactsError) as info:
        build(facts, tmp_path / "out", date=DATE)
    assert [p.field for p in info.value.problems] == [field for _, field in fields.values()]
    assert all(re.search(r"the invisible (control )?character U\+", p.message) for p in info.value.problems)


def test_chart_labels_are_text_not_math():
    """Regression (found by the property test): matplotlib read "$...$" in a label as mathtext."""
    import io

    import docx

    from briefgen.model import Chart, Document, Meta

    document = Document(Meta(title="t"), (Chart("Costs in $ and $\\gamma$", "USD",
                                               (("US$ 5 \\g $x$", 5.0, "actual", "US$ 5 $x$", None),
                                                ("$", 7.0, "target", "$7 (target)", None))),))
    word = docx.Document(io.BytesIO(render(document, default_theme(), "docx")))
    assert [r for r in word.part.rels.values() if "image" in r.reltype]
    assert "US$ 5" in pdf_text_of(render(document, default_theme(), "pdf"))


def pdf_text_of(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
