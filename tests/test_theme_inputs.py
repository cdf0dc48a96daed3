"""Hostile or damaged theme inputs are bad input (exit 2 naming the theme file and field, nothing
written), never a crash (exit 70) and never passed on into the notes: a reference docx carrying
macros, controls, embedded objects or external links; a zip bomb as reference; the smallest
documented margins; a font with damaged outlines; a font cache face cut short."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED, docx_text, pdf_text, run_cli

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _plain_docx() -> bytes:
    import docx

    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = "MINISTRY LETTERHEAD"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _repacked(data: bytes, change) -> bytes:
    """``data`` (a .docx) with ``change(parts: dict[name, bytes])`` applied to its parts."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    change(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in parts.items():
            dst.writestr(name, content)
    return out.getvalue()


def _add_rel(parts: dict, rels: str, rel: str) -> None:
    text = parts.get(rels, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                     b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    parts[rels] = text.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def _vba(parts: dict) -> None:
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + b"\x00" * 508
    _add_rel(parts, "word/_rels/document.xml.rels",
             f'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
             f'Target="vbaProject.bin"/>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')


def _external_image(parts: dict) -> None:
    _add_rel(parts, "word/_rels/document.xml.rels",
             f'<Relationship Id="rIdImg" Type="{_REL}/image" Target="https://tracker.example/pixel.png" '
             f'TargetMode="External"/>')


def _activex(parts: dict) -> None:
    parts["word/activeX/activeX1.xml"] = b'<?xml version="1.0"?><ax:ocx xmlns:ax="urn:x"/>'


def _embedding(parts: dict) -> None:
    parts["word/embeddings/oleObject1.bin"] = b"\xd0\xcf\x11\xe0" + b"\x00" * 100


def _build(tmp_path: Path, theme_text: str, *extra: str) -> subprocess.CompletedProcess:
    theme = tmp_path / "theme.yaml"
    theme.write_text(theme_text, encoding="utf-8")
    return run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--theme", str(theme), *extra)


@pytest.mark.parametrize("change", [_vba, _external_image, _activex, _embedding],
                         ids=["vba", "external-image", "activex", "ole-embedding"])
def test_a_reference_with_active_or_linked_content_is_refused(tmp_path, change):
    (tmp_path / "letterhead.docx").write_bytes(_repacked(_plain_docx(), change))
    result = _build(tmp_path, "reference_docx: letterhead.docx\n")
    assert result.returncode == 2, result.stderr
    assert "theme.yaml:1:" in result.stderr and "reference_docx" in result.stderr
    assert "letterhead.docx" in result.stderr and "without macros" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target", ["https://attacker.example/t.dotm", "file:///C:/Users/a/Normal.dotm",
                                    "Normal.dotm"])
def test_a_references_link_to_its_template_is_removed_not_passed_on(tmp_path, target):
    """Word links most documents to the template they were made from (Normal.dotm on the
    author's machine; a remote one fetches code): the letterhead is used, the link dropped."""
    def attached(parts):
        _add_rel(parts, "word/_rels/settings.xml.rels",
                 f'<Relationship Id="rIdT" Type="{_REL}/attachedTemplate" Target="{target}" TargetMode="External"/>')
        parts["word/settings.xml"] = parts["word/settings.xml"].replace(
            b"<w:defaultTabStop", b'<w:attachedTemplate r:id="rIdT"/><w:defaultTabStop', 1)

    (tmp_path / "letterhead.docx").write_bytes(_repacked(_plain_docx(), attached))
    assert b"attachedTemplate" in zipfile.ZipFile(tmp_path / "letterhead.docx").read("word/settings.xml")
    result = _build(tmp_path, "reference_docx: letterhead.docx\n", "-f", "docx")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out" / f"{BUNDLED.stem}.docx"
    with zipfile.ZipFile(out) as package:
        everything = b"".join(package.read(name) for name in package.namelist())
    assert b"attachedTemplate" not in everything
    if "/" in target:  # app.xml names "Normal.dotm" as a plain word, which links to nothing
        assert target.encode() not in everything
    import docx

    doc = docx.Document(str(out))
    assert any("MINISTRY LETTERHEAD" in p.text for p in doc.sections[0].header.paragraphs)


def test_a_reference_with_an_http_hyperlink_is_used(tmp_path):
    """Only active content is refused: a letterhead linking the office's web site builds."""
    def link(parts):
        _add_rel(parts, "word/_rels/document.xml.rels",
                 f'<Relationship Id="rIdL" Type="{_REL}/hyperlink" Target="https://www.gov.example/" '
                 f'TargetMode="External"/>')

    (tmp_path / "letterhead.docx").write_bytes(_repacked(_plain_docx(), link))
    result = _build(tmp_path, "reference_docx: letterhead.docx\n", "-f", "docx")
    assert result.returncode == 0, result.stderr
    import docx

    doc = docx.Document(str(tmp_path / "out" / f"{BUNDLED.stem}.docx"))
    assert any("MINISTRY LETTERHEAD" in p.text for p in doc.sections[0].header.paragraphs)


def test_a_zip_bomb_reference_is_refused_before_it_inflates(tmp_path):
    """A reference whose styles.xml inflates to 200 MB (about 200 KB on disk): exit 2 naming the
    field, quickly, without the memory the inflated part would take."""
    def bomb(parts):
        parts["word/styles.xml"] = b""  # replaced by a streamed member below
    base = _repacked(_plain_docx(), bomb)
    path = tmp_path / "letterhead.docx"
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "word/styles.xml":
                dst.writestr(item.filename, src.read(item))
        with dst.open("word/styles.xml", "w", force_zip64=True) as f:
            chunk = b"\x00" * (1 << 20)
            for _ in range(200):
                f.write(chunk)
    assert path.stat().st_size < 2_000_000
    (tmp_path / "theme.yaml").write_text("reference_docx: letterhead.docx\n", encoding="utf-8")
    probe = (
        "import resource, sys\n"
        "from briefgen.cli import main\n"
        f"sys.argv = ['briefgen', 'build', {str(BUNDLED)!r}, '-o', {str(tmp_path / 'out')!r}, "
        f"'--theme', {str(tmp_path / 'theme.yaml')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        # VmHWM is this process image's peak; ru_maxrss would carry pytest's own peak across exec.
        "import re\n"
        "try:\n"
        "    peak = int(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "except OSError:\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print('RSS', peak, 'CODE', code)\n"
    )
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - start
    rss_kb, code = result.stdout.split()[1], result.stdout.split()[3]
    assert code == "2", result.stderr
    assert "reference_docx" in result.stderr and "letterhead.docx" in result.stderr and "MB" in result.stderr
    assert int(rss_kb) < 250_000, rss_kb  # the inflated member alone would be 200 MB
    assert elapsed < 60
    assert not (tmp_path / "out").exists()


def test_a_zip_member_larger_than_its_header_says_is_read_no_further():
    from briefgen.render.reference import reference_bytes

    data = bytearray(_repacked(_plain_docx(), lambda parts: parts.update({"word/big.xml": b"\x00" * 100_000})))
    # Shrink the declared size in the central directory (the header zipfile trusts).
    central = bytes(data).find(b"word/big.xml", bytes(data).find(b"PK\x01\x02")) - 46
    assert data[central:central + 4] == b"PK\x01\x02"
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ValueError):
        reference_bytes(bytes(data))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_smallest_documented_margins_build(tmp_path, fmt):
    """Top 5 mm and bottom 18 mm (the schema's minimums) build in both formats; the DOCX header
    and footer distances are not negative."""
    result = _build(tmp_path, "margins_mm: {top: 5, right: 5, bottom: 18, left: 5}\n", "-f", fmt)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out" / f"{BUNDLED.stem}.{fmt}"
    if fmt == "pdf":
        assert len(pdf_text(out)) > 1000
    else:
        import docx

        section = docx.Document(str(out)).sections[0]
        assert round(section.top_margin.mm) == 5 and round(section.bottom_margin.mm) == 18
        assert section.header_distance >= 0 and section.footer_distance >= 0
        assert section.header_distance < section.top_margin
        assert len(docx_text(out)) > 1000


def _damaged_font(tmp_path: Path) -> Path:
    import random

    from fontTools.ttLib import TTFont

    from briefgen.themefile import default_theme

    source = default_theme().body_font.regular
    data = bytearray(source.read_bytes())
    entry = TTFont(str(source)).reader.tables["glyf"]
    rng = random.Random(1)
    for i in range(entry.offset, entry.offset + entry.length, 7):
        data[i] = rng.randrange(256)
    path = tmp_path / "House-Regular.ttf"
    path.write_bytes(bytes(data))
    return path


def test_a_font_with_damaged_outlines_is_refused_naming_the_file(tmp_path):
    _damaged_font(tmp_path)
    result = _build(tmp_path, "fonts:\n  body: {name: House, regular: House-Regular.ttf}\n")
    assert result.returncode == 2, result.stderr
    assert "theme.yaml:2:" in result.stderr and "fonts.body.regular" in result.stderr
    assert "House-Regular.ttf is a damaged font" in result.stderr
    assert "Traceback" not in result.stderr and "a bug in briefgen" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_freetype_failing_on_a_chart_font_is_a_located_error(tmp_path):
    from briefgen.errors import RenderError
    from briefgen.render.chart import ChartMarks, Label, chart_png

    bad = _damaged_font(tmp_path)
    marks = ChartMarks(100.0, 50.0, (Label(2.0, 20.0, (("Azerbaijan", bad),), 9.0, "#000000"),))
    with pytest.raises(RenderError) as info:
        chart_png(marks)
    assert info.value.exit_code == 2
    assert info.value.problems[0].path == str(bad) and "House-Regular.ttf" in info.value.problems[0].message


def test_a_cached_face_cut_short_is_made_again(tmp_path):
    """A face in the font cache truncated (a full disk) is noticed and remade: the next build
    succeeds with the same text, and the face is whole again."""
    from briefgen import fontcache

    cache = tmp_path / "cache" / "briefgen" / "fonts"
    shutil.copytree(fontcache.cache_dir(), cache)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "first"), env=env)
    assert first.returncode == 0, first.stderr
    faces = sorted(p for p in cache.glob(f"NotoSerif-wdth-wght-w400-*-{fontcache._RECIPE}.ttf"))
    assert faces
    for face in faces + sorted(cache.glob("subset-NotoSerif-wdth-wght-w400-*")):
        face.write_bytes(face.read_bytes()[: face.stat().st_size // 2])
    second = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "second"), env=env)
    assert second.returncode == 0, second.stderr
    stem = BUNDLED.stem
    assert pdf_text(tmp_path / "second" / f"{stem}.pdf") == pdf_text(tmp_path / "first" / f"{stem}.pdf")
    assert docx_text(tmp_path / "second" / f"{stem}.docx") == docx_text(tmp_path / "first" / f"{stem}.docx")
    assert all(fontcache._present(face) for face in faces)


@pytest.mark.parametrize("fs_type, words", [(0x0002, "forbids embedding"), (0x0100, "subset"),
                                            (0x0200, "only bitmaps")])
def test_a_font_whose_licence_forbids_embedding_is_refused_naming_the_file(tmp_path, fs_type, words):
    """Every font is embedded (subset) in both formats: a licence that forbids it is a theme
    error naming the file and the field, not a font silently embedded against its licence."""
    from fontTools.ttLib import TTFont

    from briefgen.theme import resolve_family

    family = resolve_family("Noto Sans")
    for face in ("regular", "bold", "italic", "bold_italic"):
        shutil.copy(getattr(family, face), tmp_path / f"{face}.ttf")
    font = TTFont(str(tmp_path / "regular.ttf"))
    font["OS/2"].fsType = fs_type
    font.save(str(tmp_path / "regular.ttf"))
    result = _build(tmp_path, "fonts:\n  body: {name: House Sans, regular: regular.ttf, bold: bold.ttf, "
                              "italic: italic.ttf, bold_italic: bold_italic.ttf}\n")
    assert result.returncode == 2, result.stderr
    assert "theme.yaml:2:" in result.stderr and "regular.ttf" in result.stderr and words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def _style_rpr(parts: dict, style_id: bytes, rpr: bytes) -> None:
    """Give style ``style_id`` of the package ``parts`` the run properties ``rpr`` (added first)."""
    styles = parts["word/styles.xml"]
    start = styles.index(b'w:styleId="' + style_id + b'"')
    end = styles.index(b"</w:style>", start)
    body = styles[start:end]
    if b"<w:rPr>" in body:
        body = body.replace(b"<w:rPr>", b"<w:rPr>" + rpr, 1)
    else:
        body = body + b"<w:rPr>" + rpr + b"</w:rPr>"
    parts["word/styles.xml"] = styles[:start] + body + styles[end:]


def _hidden_normal(parts):
    _style_rpr(parts, b"Normal", b"<w:vanish/>")


def _white_heading(parts):
    _style_rpr(parts, b"Heading1", b'<w:color w:val="FFFFFF"/>')


def _tiny_normal(parts):
    _style_rpr(parts, b"Normal", b'<w:sz w:val="2"/>')


def _comments(parts):
    parts["word/comments.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                  b'<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                                  b'<w:comment w:id="0" w:author="J. Smith"><w:p><w:r><w:t>INTERNAL</w:t></w:r></w:p>'
                                  b'</w:comment></w:comments>')


def _two_sections(parts):
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        b"<w:body>", b'<w:body><w:p><w:pPr><w:sectPr/></w:pPr></w:p>', 1)


@pytest.mark.parametrize("change, words", [
    (_hidden_normal, "hides text"), (_white_heading, "makes text white"),
    (_tiny_normal, "smaller than 6 pt"), (_comments, "holds comments"), (_two_sections, "2 sections")],
    ids=["hidden", "white", "tiny", "comments", "two-sections"])
def test_a_reference_that_would_hide_text_or_leak_into_the_notes_is_refused(tmp_path, change, words):
    """A reference's styles would hide the note's text (and its marking) without a word; its
    comments would travel with every note; only one section's letterhead can be kept."""
    (tmp_path / "letterhead.docx").write_bytes(_repacked(_plain_docx(), change))
    result = _build(tmp_path, "reference_docx: letterhead.docx\n")
    assert result.returncode == 2, result.stderr
    assert "theme.yaml:1:" in result.stderr and "letterhead.docx" in result.stderr and words in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_references_track_changes_and_protection_are_not_passed_on(tmp_path):
    def settings(parts):
        parts["word/settings.xml"] = parts["word/settings.xml"].replace(
            b"<w:defaultTabStop", b'<w:trackRevisions/><w:documentProtection w:edit="readOnly" w:enforcement="1"/>'
                                  b"<w:defaultTabStop", 1)

    (tmp_path / "letterhead.docx").write_bytes(_repacked(_plain_docx(), settings))
    result = _build(tmp_path, "reference_docx: letterhead.docx\n", "-f", "docx")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "out" / f"{BUNDLED.stem}.docx") as package:
        written = package.read("word/settings.xml")
    assert b"trackRevisions" not in written and b"documentProtection" not in written


@pytest.mark.parametrize("theme_text", [
    "margins_mm: {top: 80, right: 80, bottom: 80, left: 80}\n",
    "page_size: Letter\nbase_size_pt: 24\nmargins_mm: {top: 80, right: 80, bottom: 80, left: 80}\n"])
def test_margins_that_leave_no_room_for_the_page_furniture_blame_the_theme(tmp_path, theme_text):
    result = _build(tmp_path, theme_text)
    assert result.returncode == 2, result.stderr
    line = theme_text.split("\n").index(next(l for l in theme_text.split("\n") if l.startswith("margins_mm"))) + 1
    assert f"theme.yaml:{line}: margins_mm: the theme leaves room for only about" in result.stderr
    assert "template" not in result.stderr and "-" not in result.stderr.split("about")[1].split("characters")[0]
    assert not (tmp_path / "out").exists()
