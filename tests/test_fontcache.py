"""The pip-installed variable fonts made static: the default-location shortcut against fontTools'
instancer, the faces being valid static fonts, and a first build from an empty font cache."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conftest import BUNDLED, docx_text, pdf_text, run_cli

_STATIC_ONLY = {"fvar", "gvar", "HVAR", "VVAR", "MVAR", "STAT", "avar", "cvar", "GDEF", "GPOS", "GSUB"}


def _variable_file(family: str, italic: bool) -> Path:
    import fontpkg

    style = "italic" if italic else "normal"
    return Path(next(f.path for f in fontpkg.family(family).files if f.variable and f.style == style))


def _reloaded(font):
    from fontTools.ttLib import TTFont

    out = io.BytesIO()
    font.save(out)
    return TTFont(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize(("family", "italic"), [("Noto Serif", False), ("Noto Serif", True), ("Noto Sans", False),
                                                 ("Noto Sans", True)])
def test_a_default_location_face_has_the_instancers_outlines_and_widths(family, italic):
    """Regular and italic Noto (wght 400, wdth 100: the fvar defaults) are made by deleting the
    variation tables; every glyph's outline (ə and ₼ among them), advance width and side bearing
    is the one fontTools' instancer gives at that location."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    from briefgen import fontcache

    source = _variable_file(family, italic)
    made = TTFont(io.BytesIO(fontcache._instance_bytes(source, 400, italic)))
    assert not _STATIC_ONLY & set(made.keys())
    variable = TTFont(str(source))
    assert {a.axisTag: a.defaultValue for a in variable["fvar"].axes} == {"wght": 400, "wdth": 100}
    for tag in ("GDEF", "GPOS", "GSUB"):  # outlines and metrics do not depend on them; 5x faster
        del variable[tag]
    reference = _reloaded(instancer.instantiateVariableFont(variable, {"wght": 400, "wdth": 100}))

    cmap = made.getBestCmap()
    assert cmap == reference.getBestCmap()
    assert made.getGlyphOrder() == reference.getGlyphOrder()
    for char in "əƏ₼€AgQ—":
        assert ord(char) in cmap, char
    ours, theirs = made.getGlyphSet(), reference.getGlyphSet()
    for name in made.getGlyphOrder():
        a, b = RecordingPen(), RecordingPen()
        ours[name].draw(a)
        theirs[name].draw(b)
        assert a.value == b.value, name
    assert made["hmtx"].metrics == reference["hmtx"].metrics
    assert made["OS/2"].usWeightClass == reference["OS/2"].usWeightClass == 400


def test_the_default_families_faces_are_valid_static_fonts():
    """Every face of the three default families: no variation or layout tables, every table
    compiles, reportlab loads it, and it is named and flagged as the face it is."""
    from fontTools.ttLib import TTFont

    from briefgen import fontcache
    from briefgen.fonts import face

    styles = {"regular": ("Regular", 0), "bold": ("Bold", 1), "italic": ("Italic", 2), "bold_italic": ("Bold Italic", 3)}
    for name in ("Noto Serif", "Noto Sans", "Source Code Pro"):
        family, files, missing = fontcache.packaged_family(name)
        assert family == name and missing == []
        for style, path in files.items():
            font = TTFont(str(path))
            assert not _STATIC_ONLY - {"STAT"} & set(font.keys()), path.name
            for tag in font.keys():
                if tag != "GlyphOrder":
                    font[tag].compile(font)
            _reloaded(font)
            shown, mac_style = styles[style]
            assert font["name"].getDebugName(1) == name
            assert font["name"].getDebugName(2) == shown
            assert font["name"].getDebugName(4) == f"{name} {shown}"
            assert font["head"].macStyle & 3 == mac_style
            assert bool(font["OS/2"].fsSelection & 1) == ("italic" in style)
            assert bool(font["OS/2"].fsSelection & 32) == ("bold" in style)
            assert font["OS/2"].usWeightClass == (700 if "bold" in style else 400)
            assert ord("A") in face(path).face.charToGlyph


def test_a_build_from_an_empty_font_cache_makes_the_faces_once_and_says_so(tmp_path):
    """A fresh machine: the first build makes the twelve faces, saying so in one note on stderr
    before it starts; the second build reads them from the cache, silently; both notes' PDF and
    DOCX have the same text, with every font embedded."""
    from pypdf import PdfReader

    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "first"), env=env)
    assert first.returncode == 0, first.stderr
    notes = [line for line in first.stderr.splitlines() if "fonts for first use" in line]
    assert notes == ["note: preparing fonts for first use (once per machine): "
                     "Noto Serif Regular, Bold, Italic, Bold Italic; Noto Sans Regular, Bold, Italic, "
                     "Bold Italic; Source Code Pro Regular, Bold, Italic, Bold Italic"]
    assert first.stderr.splitlines()[0] == notes[0]  # before the build, not after it
    cache = tmp_path / "cache" / "briefgen" / "fonts"
    faces = [p for p in cache.glob("*-w[47]00-*.ttf") if not p.name.startswith("subset-")]
    assert len(faces) == 12

    second = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "second"), env=env)
    assert second.returncode == 0, second.stderr
    assert "fonts for first use" not in second.stderr

    stem = BUNDLED.stem
    assert pdf_text(tmp_path / "first" / f"{stem}.pdf") == pdf_text(tmp_path / "second" / f"{stem}.pdf")
    assert docx_text(tmp_path / "first" / f"{stem}.docx") == docx_text(tmp_path / "second" / f"{stem}.docx")
    assert "Azerbaijan" in pdf_text(tmp_path / "first" / f"{stem}.pdf")
    names = set()
    for page in PdfReader(tmp_path / "first" / f"{stem}.pdf").pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object(), font["/BaseFont"]
            names.add(str(font["/BaseFont"]))
    assert any("NotoSerif" in n for n in names) and any("NotoSans" in n for n in names), names
