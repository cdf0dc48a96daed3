"""One document in Word and PDF: embedded fonts, the themed DOCX, package properties, the
office's own reference document, and font families checked when the theme is read."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from briefgen.errors import ThemeError
from briefgen.pipeline import build
from briefgen.themefile import default_theme, load_theme
from conftest import docx_text
from minimal import MINIMAL

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@pytest.fixture(scope="module")
def note(tmp_path_factory, bundled_facts) -> Path:
    out = tmp_path_factory.mktemp("look")
    result = build(bundled_facts, out, date=dt.date(2024, 7, 22), formats=("docx",))
    return result.outputs[0]


def _xml(path: Path, name: str):
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def test_the_docx_embeds_every_face_it_names_as_obfuscated_fonts_word_can_read(note):
    """fontTable.xml names each face with a key; the part, de-obfuscated with that key, is a
    TrueType font of that family (what Word and LibreOffice do on opening)."""
    from fontTools.ttLib import TTFont

    from briefgen.render.docxfonts import obfuscate

    table = _xml(note, "word/fontTable.xml")
    with zipfile.ZipFile(note) as z:
        rels = _xml(note, "word/_rels/fontTable.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels}
        content_types = z.read("[Content_Types].xml").decode()
        seen = {}
        for font in table.findall(f"{W}font"):
            for embed in font:
                if not embed.tag.startswith(f"{W}embed"):
                    continue
                data = obfuscate(z.read("word/" + targets[embed.get(f"{R}id")]), embed.get(f"{W}fontKey"))
                face = TTFont(io.BytesIO(data))
                seen.setdefault(font.get(f"{W}name"), set()).add(embed.tag[len(W):])
                assert face["name"].getDebugName(1) == font.get(f"{W}name")
    assert "application/vnd.openxmlformats-officedocument.obfuscatedFont" in content_types
    assert seen["Noto Serif"] == {"embedRegular", "embedBold", "embedItalic", "embedBoldItalic"}
    # Headings, table headers and the page furniture use the sans in regular and bold; its italics
    # (no heading has emphasis) and the code family (no code) would be dead weight.
    assert seen["Noto Sans"] == {"embedRegular", "embedBold"}
    assert "Source Code Pro" not in seen
    settings = _xml(note, "word/settings.xml")
    assert settings.find(f"{W}embedTrueTypeFonts") is not None


def test_the_obfuscation_follows_ecma_376_and_is_its_own_inverse():
    from briefgen.render.docxfonts import obfuscate

    key = "{00112233-4455-6677-8899-AABBCCDDEEFF}"
    data = bytes(range(40))
    hidden = obfuscate(data, key)
    # The key's bytes in reverse order: FF EE DD ... 00, applied to bytes 0-15 and again 16-31.
    assert hidden[0] == 0x00 ^ 0xFF and hidden[15] == 15 ^ 0x00 and hidden[16] == 16 ^ 0xFF
    assert hidden[32:] == data[32:]
    assert obfuscate(hidden, key) == data


def test_the_docx_table_bullets_quote_and_header_block_carry_the_theme(note):
    import docx

    theme = default_theme()
    doc = docx.Document(str(note))
    styles = _xml(note, "word/styles.xml")
    table_style = next(s for s in styles.findall(f"{W}style") if s.get(f"{W}styleId") == "BriefgenTable")
    first_row = table_style.find(f"{W}tblStylePr")
    assert first_row.find(f".//{W}shd").get(f"{W}fill") == theme.table_header_fill.lstrip("#").upper()
    assert table_style.find(f".//{W}tblCellMar/{W}left").get(f"{W}w") == "100"
    assert table_style.find(f".//{W}insideH").get(f"{W}color") == theme.rule_colour.lstrip("#").upper()
    figures = [t for t in doc.tables if t.style is not None and t.style.name == "Briefgen Table"]
    assert figures, "the key figures table uses the theme's table style"
    # The To/From block is ruled above and below in the heading colour.
    block = doc.tables[0]._tbl.tblPr.find(f"{W}tblBorders")
    for side in ("top", "bottom"):
        assert block.find(f"{W}{side}").get(f"{W}color") == theme.heading_colour.lstrip("#").upper()
    # Bullets are drawn in the accent colour, in the body face.
    numbering = _xml(note, "word/numbering.xml")
    colours = {c.get(f"{W}val") for c in numbering.iter(f"{W}color")}
    assert theme.accent_colour.lstrip("#").upper() in colours
    # The quotation has a bar in the accent colour.
    quote = next(s for s in styles.findall(f"{W}style") if s.get(f"{W}styleId") == "Quote")
    assert quote.find(f".//{W}pBdr/{W}left").get(f"{W}color") == theme.accent_colour.lstrip("#").upper()


def test_the_chart_fits_the_text_width_and_has_alt_text(note):
    import docx

    doc = docx.Document(str(note))
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    shapes = list(doc.inline_shapes)
    assert shapes
    for shape in shapes:
        assert shape.width <= text_width
        descr = shape._inline.docPr.get("descr")
        assert descr and "USD 2 billion" in descr.replace("\xa0", " ")


def test_package_properties_say_briefgen_and_current_word(note):
    from briefgen import __version__

    app = _xml(note, "docProps/app.xml")
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    assert app.find(f"{ns}Application").text == f"briefgen {__version__}"
    assert int(app.find(f"{ns}Words").text) > 500
    assert app.find(f"{ns}Pages") is None  # only a layout engine knows; none rather than a wrong 1
    settings = _xml(note, "word/settings.xml")
    modes = [c.get(f"{W}val") for c in settings.iter(f"{W}compatSetting") if c.get(f"{W}name") == "compatibilityMode"]
    assert modes == ["15"]
    with zipfile.ZipFile(note) as z:
        assert not any("thumbnail" in n for n in z.namelist())


def test_long_keyword_lists_are_kept_whole_in_the_core_properties(tmp_path):
    import docx

    from briefgen.markup import parse
    from briefgen.render.docx import render_docx

    document = parse("---\ntitle: Title\n---\n# Title\n\nText.\n")
    keywords = tuple(f"keyword number {i}" for i in range(40))
    from dataclasses import replace

    document = replace(document, meta=replace(document.meta, keywords=keywords))
    out = tmp_path / "k.docx"
    out.write_bytes(render_docx(document, default_theme()))
    assert docx.Document(str(out)).core_properties.keywords == ", ".join(keywords)


def _reference(tmp_path: Path, suffix: str = ".docx") -> Path:
    """An office's Word document: Letter paper, a letterhead in the header, a house style for
    headings and a style of its own."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Mm, RGBColor

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(215.9), Mm(279.4)
    section.left_margin = section.right_margin = Mm(30)
    section.header.paragraphs[0].text = "MINISTRY OF FOREIGN AFFAIRS · Policy Planning Staff"
    section.footer.paragraphs[0].text = "1 Whitehall Place, London"
    doc.styles["Heading 1"].font.color.rgb = RGBColor(0x8B, 0x00, 0x00)
    house = doc.styles.add_style("House Remark", WD_STYLE_TYPE.PARAGRAPH)
    house.font.italic = True
    doc.add_paragraph("Template body text that must not appear in a note.")
    path = tmp_path / f"letterhead{suffix}"
    doc.save(str(path))
    if suffix == ".dotx":  # relabel the main part as a template's, as Word saves a .dotx
        from briefgen.render.reference import DOCUMENT_TYPE, TEMPLATE_TYPE

        data = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
            for item in src.infolist():
                content = src.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    content = content.replace(DOCUMENT_TYPE.encode(), TEMPLATE_TYPE.encode())
                dst.writestr(item, content)
        path.write_bytes(data.getvalue())
    return path


@pytest.mark.parametrize("suffix", [".docx", ".dotx"])
def test_a_reference_docx_supplies_letterhead_styles_and_page_setup(tmp_path, suffix):
    import docx

    _reference(tmp_path, suffix)
    theme_file = tmp_path / "theme.yaml"
    theme_file.write_text(f"reference_docx: letterhead{suffix}\n", encoding="utf-8")
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    result = build(facts, tmp_path / "out", theme=load_theme(theme_file), date=dt.date(2024, 7, 22),
                   formats=("docx",))
    out = result.outputs[0]
    doc = docx.Document(str(out))
    section = doc.sections[0]
    header = [p.text for p in section.header.paragraphs]
    footer = " ".join(p.text for p in section.footer.paragraphs)
    assert header[0] == "OFFICIAL"  # briefgen's marking first, then the letterhead
    assert "MINISTRY OF FOREIGN AFFAIRS · Policy Planning Staff" in header
    assert "1 Whitehall Place, London" in footer and "Page" in footer and footer.rstrip().endswith("OFFICIAL")
    assert "NUMPAGES" in "".join(section.footer._element.itertext())
    assert round(section.page_width.mm, 1) == 215.9 and round(section.left_margin.mm) == 30
    assert doc.styles["Heading 1"].font.color.rgb == docx.shared.RGBColor(0x8B, 0x00, 0x00)
    assert "House Remark" in [s.name for s in doc.styles]
    text = docx_text(out)
    assert "Template body text" not in text and "Test purpose." in text
    # Styles the office's document lacked come from briefgen: the list bullets still number.
    assert any(p.style.name == "List Bullet" for p in doc.paragraphs)


def test_a_reference_that_is_not_a_word_file_is_named(tmp_path):
    (tmp_path / "letterhead.docx").write_bytes(b"PK\x03\x04 not really a zip")
    theme_file = tmp_path / "theme.yaml"
    theme_file.write_text("reference_docx: letterhead.docx\n", encoding="utf-8")
    with pytest.raises(ThemeError) as info:
        load_theme(theme_file)
    (problem,) = info.value.problems
    assert problem.field == "reference_docx" and "letterhead.docx" in problem.message


def test_a_family_without_italic_faces_is_refused_naming_them(monkeypatch):
    from briefgen import fontcache, theme

    monkeypatch.setattr(fontcache, "packaged_family",
                        lambda name: ("Slab", {"regular": Path("r.ttf"), "bold": Path("b.ttf")},
                                      ["italic", "bold_italic"]))
    with pytest.raises(ThemeError) as info:
        theme.resolve_family("Slab")
    message = info.value.problems[0].message
    assert "'Slab' has no italic, bold italic face" in message


def test_a_damaged_font_file_is_exit_2_naming_the_file(tmp_path):
    """A TrueType file whose table directory is cut short: the theme error names the file and
    the field; the CLI exits 2 without a traceback."""
    from click.testing import CliRunner

    from briefgen.cli import cli

    good = default_theme().body_font.regular.read_bytes()
    (tmp_path / "broken.ttf").write_bytes(good[:12] + b"\x00" * 20)  # header kept, directory gone
    theme_file = tmp_path / "theme.yaml"
    theme_file.write_text(
        "fonts:\n  body: {name: Broken, regular: broken.ttf, bold: broken.ttf, italic: broken.ttf,"
        " bold_italic: broken.ttf}\n", encoding="utf-8")
    with pytest.raises(ThemeError) as info:
        load_theme(theme_file)
    assert all("broken.ttf" in p.message for p in info.value.problems)
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(facts), "-o", str(tmp_path / "out"), "--theme", str(theme_file)])
    assert result.exit_code == 2, result.output
    assert "broken.ttf" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_system_fonts_are_listed_once_for_all_missing_characters(monkeypatch):
    """Many characters no shipped font has cost one fontconfig call, not one each."""
    import subprocess

    from briefgen import fonts

    calls = []
    real = subprocess.run

    def counting(args, **kwargs):
        calls.append(args)
        return real(args, **kwargs)

    monkeypatch.setattr(fonts.subprocess, "run", counting)
    fonts._system_fonts.cache_clear()
    try:
        fonts.plan_fonts({chr(c) for c in range(0x4E00, 0x4E00 + 500)}, default_theme())
    finally:
        fonts._system_fonts.cache_clear()
    assert len([c for c in calls if "fc-list" in str(c[0])]) <= 1


def test_a_family_whose_regular_file_stands_in_for_bold_is_refused(tmp_path):
    import shutil

    regular = default_theme().body_font.regular
    shutil.copy(regular, tmp_path / "Serif-Regular.ttf")
    theme_file = tmp_path / "theme.yaml"
    theme_file.write_text(
        "fonts:\n  body: {name: House, regular: Serif-Regular.ttf, bold: Serif-Regular.ttf,"
        f" italic: {default_theme().body_font.italic}, bold_italic: {default_theme().body_font.bold_italic}}}\n",
        encoding="utf-8")
    with pytest.raises(ThemeError) as info:
        load_theme(theme_file)
    (problem,) = info.value.problems
    assert problem.field == "fonts.body.bold" and "'House' has no bold face" in problem.message


def test_cached_faces_are_whole_when_builds_write_them_at_once(tmp_path, monkeypatch):
    """Eight builds making the same cached face at the same moment: every reader gets the whole
    file, and no temporary file is left behind."""
    from concurrent.futures import ThreadPoolExecutor

    from briefgen import fontcache

    monkeypatch.setattr(fontcache, "cache_dir", lambda: tmp_path)
    payload = bytes(range(256)) * 4000

    def make():
        import time

        time.sleep(0.01)
        return payload

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: fontcache.cached("face.ttf", make), range(8)))
    assert {p.read_bytes() == payload for p in paths} == {True}
    assert [p.name for p in tmp_path.iterdir()] == ["face.ttf"]
