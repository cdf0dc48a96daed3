"""The DOCX package beyond the text: embedded fonts, settings, extended properties, thumbnail.

Fonts are embedded the way Word embeds them (ECMA-376 Part 1, §17.8.1 and §17.8.3.3): each face
is an obfuscated font part (``word/fonts/fontN.odttf``: the first 32 bytes XOR-ed with a GUID key)
related from ``word/fontTable.xml``, whose ``w:font`` entry names it with ``w:embedRegular`` /
``w:embedBold`` / ``w:embedItalic`` / ``w:embedBoldItalic`` and its ``w:fontKey``; the settings
say ``w:embedTrueTypeFonts`` and ``w:saveSubsetFonts``. Word and LibreOffice then show the PDF's
faces on machines that do not have them installed. Each face is subset to the characters the note
uses (widened to their 128-character blocks) plus Latin, punctuation and currency signs (so small
edits still render), which keeps a note's DOCX small; OpenType layout tables are left out, as
the PDF uses neither kerning nor ligatures.
"""

from __future__ import annotations

import functools
import hashlib
import io
import uuid
from pathlib import Path

__all__ = ["embed_fonts", "obfuscate", "finish_settings", "app_properties", "drop_thumbnail"]

FONT_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_EDITABLE = (frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x180)) | frozenset(range(0x2010, 0x205F))
             | frozenset(range(0x20A0, 0x20C1)) | {0x259, 0x18F, 0x2122, 0xFFFD})
"""Always kept in an embedded subset (so a reader's small edits still render, and most notes
share one cached subset): Latin-1, Latin Extended-A, ə, punctuation, currency signs."""
_FACES = (("regular", "embedRegular"), ("bold", "embedBold"), ("italic", "embedItalic"),
          ("bold_italic", "embedBoldItalic"))


def obfuscate(data: bytes, key: str) -> bytes:
    """Return font ``data`` obfuscated (or de-obfuscated: the operation is its own inverse) with
    the GUID ``key`` (``{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}``), per ECMA-376 Part 1 §17.8.1:
    the first 32 bytes are XOR-ed with the key's 16 bytes taken in reverse order."""
    digits = key.strip("{}").replace("-", "")
    key_bytes = bytes.fromhex(digits)[::-1]
    head = bytes(b ^ key_bytes[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


@functools.lru_cache(maxsize=64)
def _subset(path: Path, codepoints: frozenset[int]) -> bytes:
    """Return the face at ``path`` cut down to ``codepoints``; made once per face and character
    set and kept in the font cache (subsetting a Noto face takes about half a second)."""
    import fontTools

    from briefgen.fontcache import cached, digest

    wanted = hashlib.sha256(",".join(map(str, sorted(codepoints))).encode()).hexdigest()[:12]
    name = f"subset-{Path(path).stem[:40]}-{digest(Path(path))}-{wanted}-ft{fontTools.version}.ttf"
    return cached(name, lambda: _make_subset(path, codepoints)).read_bytes()


def _make_subset(path: Path, codepoints: frozenset[int]) -> bytes:
    import logging

    from fontTools import subset

    # Tables the subsetter does not know (FFTM, a FontForge timestamp, and the like) are dropped,
    # which is right for an embedded face; it says so as a warning on the user's terminal.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    # No OpenType layout tables: reportlab applies neither kerning nor ligatures, so the PDF has
    # none, and Word laying out without them matches it (it also makes subsetting 5x faster).
    options.layout_features = []
    options.notdef_outline = True
    options.glyph_names = False
    # No TrueType hinting: a third of the size, and Word and LibreOffice render the outlines
    # smoothly without it at today's screen resolutions.
    options.hinting = False
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _wanted(path: Path, codepoints: frozenset[int]) -> frozenset[int]:
    """Return the code points to keep in the face at ``path``: those of ``codepoints`` it has,
    each widened to its whole block of 128 (so notes with a few different letters share one
    cached subset), plus the always-kept ranges."""
    from briefgen.fonts import cmap

    have = cmap(path)
    blocks = {c >> 7 for c in codepoints if c in have}
    return frozenset(c for c in have if c >> 7 in blocks) | (_EDITABLE & have)


def embed_fonts(doc, families: dict[str, dict[str, Path]], chars: set[str]) -> list[str]:
    """Embed in python-docx ``doc`` the faces of ``families`` (family name as the runs name it ->
    {face: TrueType file}, faces ``regular``/``bold``/``italic``/``bold_italic``), each subset
    to ``chars`` plus the always-kept ranges. Returns the family names embedded.

    Raises ValueError if a font file cannot be subset.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    table_part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(table_part.blob)
    keep = frozenset(ord(c) for c in chars) | _EDITABLE
    number = 0
    done = []
    for name, faces in families.items():
        entry = next((f for f in root.findall(f"{{{_W}}}font") if f.get(f"{{{_W}}}name") == name), None)
        if entry is None:
            entry = etree.SubElement(root, f"{{{_W}}}font")
            entry.set(f"{{{_W}}}name", name)
            etree.SubElement(entry, f"{{{_W}}}charset").set(f"{{{_W}}}val", "00")
            etree.SubElement(entry, f"{{{_W}}}family").set(f"{{{_W}}}val", "auto")
            etree.SubElement(entry, f"{{{_W}}}pitch").set(f"{{{_W}}}val", "variable")
        for old in entry:
            if etree.QName(old).localname.startswith("embed"):
                entry.remove(old)
        for face, tag in _FACES:
            path = faces.get(face)
            if path is None:
                continue
            data = _subset(Path(path), _wanted(Path(path), keep))
            # A key derived from the face's bytes: the same note gives the same DOCX bytes.
            key = "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"
            number += 1
            part = Part(PackURI(f"/word/fonts/font{number}.odttf"), OBFUSCATED_FONT, obfuscate(data, key),
                        table_part.package)
            r_id = table_part.relate_to(part, FONT_RELTYPE)
            embed = etree.SubElement(entry, f"{{{_W}}}{tag}")
            embed.set(f"{{{_R}}}id", r_id)
            embed.set(f"{{{_W}}}fontKey", key)
        done.append(name)
    table_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return done


# CT_Settings' children in schema order (the ones that can precede the flags set here).
_SETTINGS_BEFORE = ("writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts",
                    "embedSystemFonts", "saveSubsetFonts")


def finish_settings(doc, *, embedded: bool) -> None:
    """Set ``doc``'s settings: Word 2013+ layout (``compatibilityMode`` 15, so Word does not open
    the note in Compatibility Mode), no preview picture, and, when fonts are ``embedded``,
    ``w:embedTrueTypeFonts`` and ``w:saveSubsetFonts``, each in its schema position."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = doc.settings.element
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    preview = settings.find(qn("w:savePreviewPicture"))
    if preview is not None:
        settings.remove(preview)
    if not embedded:
        return
    for name in ("embedTrueTypeFonts", "saveSubsetFonts"):
        if settings.find(qn(f"w:{name}")) is not None:
            continue
        order = _SETTINGS_BEFORE.index(name)
        anchor = None
        for child in settings:
            local = child.tag.split("}")[-1]
            if local in _SETTINGS_BEFORE and _SETTINGS_BEFORE.index(local) < order:
                anchor = child
        element = OxmlElement(f"w:{name}")
        if anchor is None:
            settings.insert(0, element)
        else:
            anchor.addnext(element)


def app_properties(doc, *, words: int, characters: int, paragraphs: int, version: str) -> None:
    """Replace ``docProps/app.xml`` (python-docx's template says "Microsoft Macintosh Word", 1
    page, 0 words) with one that names briefgen and gives the note's word, character and
    paragraph counts. Pages are left out: only a layout engine knows them (Word recounts on
    opening)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from xml.sax.saxutils import escape

    package = doc.part.package
    rel = next((r for r in package.rels.values() if r.reltype == RT.EXTENDED_PROPERTIES), None)
    if rel is None:
        return
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Template>Normal.dotm</Template>"
        f"<Words>{words}</Words><Characters>{characters}</Characters>"
        f"<Application>{escape('briefgen ' + version)}</Application><DocSecurity>0</DocSecurity>"
        f"<Paragraphs>{paragraphs}</Paragraphs><ScaleCrop>false</ScaleCrop>"
        "<LinksUpToDate>false</LinksUpToDate>"
        f"<CharactersWithSpaces>{characters + max(words - 1, 0)}</CharactersWithSpaces>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        f"<AppVersion>{escape(_app_version(version))}</AppVersion></Properties>"
    )
    rel.target_part._blob = xml.encode("utf-8")


def _app_version(version: str) -> str:
    # AppVersion is XX.YYYY digits in the schema; briefgen's own version is in Application.
    parts = [p for p in version.split(".") if p.isdigit()][:2] + ["0", "0"]
    return f"{int(parts[0]):02d}.{int(parts[1]):04d}"


def drop_thumbnail(doc) -> None:
    """Remove the template's thumbnail (a blank page picture that file browsers would show for
    every note); without one they draw the document or a generic icon."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    package = doc.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(r_id)
