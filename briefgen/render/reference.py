"""An office's own Word document or template (``reference_docx:`` in a theme) as the DOCX's base.

As with Pandoc's ``--reference-doc``, the reference supplies the styles (Normal, headings, lists,
tables, the office's own styles), the page setup (size, margins, header and footer distances) and
the letterhead in its headers and footers; its body text is dropped and briefgen writes the note
into it. briefgen keeps its own classification marking (top of every header, foot of every
footer) and its footer line with "Page X of Y". Styles briefgen needs that the reference lacks
(a document saved by Word often holds only the styles it uses) are copied in from briefgen's
themed defaults, list numbering included.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib

__all__ = ["reference_bytes", "open_reference", "adopt_missing_styles", "TEMPLATE_TYPE"]

TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_TYPES = ("application/vnd.ms-word.document.macroEnabled.main+xml",
               "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")


MAX_MEMBERS = 2_000
"""A Word package holds tens of parts; thousands are a crafted file."""
MAX_INFLATED_BYTES = 100_000_000
"""Bound on the sum of the parts' inflated sizes: a letterhead with its images is a few MB."""

# Parts and relationships that carry code or reach outside the file. A reference docx is copied
# into every note sent to ministers: a macro, an ActiveX control, an embedded OLE object or a
# template fetched from a server would travel with each one.
_ACTIVE_CONTENT_TYPES = ("macroEnabled", "vbaProject", "vbaData", "activeX", "oleObject",
                         "vnd.ms-office.vba", "keyMap", "wordVbaData")
_ACTIVE_PART = re.compile(r"(^|/)(vbaProject|vbaData)[^/]*$|(^|/)(activeX|embeddings)/", re.IGNORECASE)
_ACTIVE_REL_TYPES = ("vbaProject", "vbaData", "activeX", "control", "oleObject", "package",
                     "attachedTemplate", "subDocument", "frame", "keyMapCustomizations", "wordVbaData")
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_HINT = "save it as a plain .docx or .dotx without macros, controls, embedded objects or linked templates"


def _read_members(src: zipfile.ZipFile) -> dict[str, bytes]:
    """Return every member of ``src`` inflated, never more than MAX_INFLATED_BYTES in all, whatever
    the headers claim. Raises ValueError on too many or too large members."""
    infos = src.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ValueError(f"it holds {len(infos):,} parts (at most {MAX_MEMBERS:,}); it is not a Word document")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_INFLATED_BYTES:
        raise ValueError(f"its parts inflate to {declared / 1e6:,.0f} MB (at most "
                         f"{MAX_INFLATED_BYTES / 1e6:,.0f} MB); it is not a letterhead document")
    members: dict[str, bytes] = {}
    budget = MAX_INFLATED_BYTES
    for info in infos:
        if info.is_dir():
            continue
        with src.open(info) as f:  # read(limit + 1): a header that understates the size is caught
            content = f.read(min(budget, info.file_size) + 1)
        if len(content) > info.file_size:
            raise ValueError(f"its part {info.filename} is larger than its header says (a damaged or crafted file)")
        budget -= len(content)
        members[info.filename] = content
    return members


_ATTACHED_TEMPLATE_REL = re.compile(rb"<Relationship\b[^>]*?/attachedTemplate\"[^>]*/>")
_SETTINGS_DROPPED = re.compile(
    rb"<w:(attachedTemplate|trackRevisions|documentProtection|writeProtection|revisionView|"
    rb"removePersonalInformation)\b[^>]*?/>")


def _drop_settings(members: dict[str, bytes]) -> bool:
    """Remove, in place, what the reference's settings would pass on to every note: the link
    Word keeps to the template a document was made from (``w:attachedTemplate`` and the
    relationship behind it: usually Normal.dotm on the author's machine, and a remote one is a
    known way to make Word fetch code, so it is dropped rather than refused), track changes,
    editing protection. Return True if anything was removed."""
    changed = False
    for name, content in list(members.items()):
        if name.endswith(".rels") and b"attachedTemplate" in content:
            members[name] = _ATTACHED_TEMPLATE_REL.sub(b"", content)
            changed = changed or members[name] != content
    settings = members.get("word/settings.xml")
    if settings is not None:
        members["word/settings.xml"] = _SETTINGS_DROPPED.sub(b"", settings)
        changed = changed or members["word/settings.xml"] != settings
    return changed


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _content_problem(members: dict[str, bytes]) -> str | None:
    """Return why the reference's own content would hide or leak into the notes, or None:
    styles that hide text or make it invisible (hidden, white, under 6 pt: the note's text and
    its classification marking would be lost without a word), comments or tracked changes (they
    would travel with every note), more than one section (only the first's letterhead is kept)."""
    from xml.etree import ElementTree

    for name in members:
        if re.search(r"(^|/)comments[A-Za-z]*\.xml$", name):
            return "it holds comments"
    for name, content in members.items():
        if re.match(r"word/(document|header\d*|footer\d*)\.xml$", name) and (
                b"<w:ins " in content or b"<w:del " in content or b"<w:ins>" in content or b"<w:del>" in content):
            return f"it holds tracked changes ({name})"
    document = members.get("word/document.xml", b"")
    sections = document.count(b"<w:sectPr")
    if sections > 1:
        return f"it has {sections} sections (a letterhead document has one)"
    styles = members.get("word/styles.xml")
    if styles is None:
        return None
    try:
        root = ElementTree.fromstring(styles)
    except ElementTree.ParseError as e:
        return f"its styles are not well-formed XML ({e})"

    def off(element) -> bool:
        return element is not None and element.get(f"{_W}val", "true").lower() not in ("false", "0", "off")

    # A paragraph or character style's own run properties, and the defaults; not a table style's
    # conditional formats (white text on a dark header row is ordinary there).
    holders = [(f"style {s.get(f'{_W}styleId')!r}", s.find(f"{_W}rPr")) for s in root.iter(f"{_W}style")
               if s.get(f"{_W}type", "paragraph") in ("paragraph", "character")]
    holders += [("the document defaults", d.find(f"{_W}rPrDefault/{_W}rPr")) for d in root.iter(f"{_W}docDefaults")]
    for label, rpr in holders:
        if rpr is not None:
            if off(rpr.find(f"{_W}vanish")) or off(rpr.find(f"{_W}webHidden")) or off(rpr.find(f"{_W}specVanish")):
                return f"its {label} hides text"
            colour = rpr.find(f"{_W}color")
            if colour is not None and colour.get(f"{_W}val", "").upper() == "FFFFFF":
                return f"its {label} makes text white"
            size = rpr.find(f"{_W}sz")
            if size is not None and size.get(f"{_W}val", "").isdigit() and int(size.get(f"{_W}val")) < 12:
                return f"its {label} makes text smaller than 6 pt"
    return None


def _active_content(members: dict[str, bytes], types: str) -> str | None:
    """Return a description of the first macro, control, embedded object or external link in the
    package ``members`` (name -> bytes, ``types`` its [Content_Types].xml), or None."""
    from xml.etree import ElementTree

    for name in members:
        if _ACTIVE_PART.search(name):
            return f"it holds {name} (macros, ActiveX controls or embedded objects)"
    for marker in _ACTIVE_CONTENT_TYPES:
        if marker.lower() in types.lower():
            return f"its content types declare {marker} content (macros, controls or embedded objects)"
    for name, content in members.items():
        if not name.endswith(".rels"):
            continue
        if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
            return f"its relationships {name} declare a DTD"
        try:
            root = ElementTree.fromstring(content)
        except ElementTree.ParseError as e:
            return f"its relationships {name} are not well-formed XML ({e})"
        for rel in root.iter(_REL_NS):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            target = rel.get("Target", "")
            if kind in _ACTIVE_REL_TYPES:
                return f"{name} links a {kind} part ({target})"
            if rel.get("TargetMode", "").lower() == "external":
                if kind != "hyperlink":
                    return f"{name} links an external {kind or 'resource'} ({target})"
                if not re.match(r"(?i)(https?:|mailto:)", target):
                    return f"{name} has a hyperlink that is not http(s) or mailto ({target})"
    return None


def reference_bytes(data: bytes) -> bytes:
    """Return ``data`` (a .docx or .dotx file's bytes) as a .docx package python-docx opens:
    a template's main part is relabelled as a document's, and the link to the template it was made
    from is removed, and so are track changes and editing protection (``_drop_settings``). Raises ValueError if it is not a Word
    document or template (not a zip, no main document part, a macro-enabled file), if it carries
    active or linked content (VBA project, ActiveX control, embedded OLE object, a relationship to
    anything outside the file but an http(s)/mailto hyperlink), if its content would hide or leak
    into the notes (``_content_problem``), or if its
    parts would inflate beyond MAX_INFLATED_BYTES or number more than MAX_MEMBERS."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            members = _read_members(src)
    except zipfile.BadZipFile:
        raise ValueError("it is not a Word file (.docx or .dotx): not a zip package or a damaged one") from None
    except (zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        raise ValueError(f"its zip package is damaged or uses an unsupported feature ({e})") from None
    if "[Content_Types].xml" not in members:
        raise ValueError("it is a zip file but not a Word document (no [Content_Types].xml)")
    try:
        types = members["[Content_Types].xml"].decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("its [Content_Types].xml is not UTF-8") from None
    if any(t in types for t in MACRO_TYPES):
        raise ValueError(f"it is a macro-enabled file (.docm/.dotm); {_HINT}")
    dropped = _drop_settings(members)
    active = _active_content(members, types)
    if active:
        raise ValueError(f"{active}; {_HINT}")
    leak = _content_problem(members)
    if leak:
        raise ValueError(f"{leak}; a reference gives the notes their styles, page setup and letterhead "
                         "only: save a copy with one section, no comments or tracked changes, and styles "
                         "that show text")
    if TEMPLATE_TYPE not in types and DOCUMENT_TYPE not in types:
        raise ValueError("it holds no Word document part")
    if TEMPLATE_TYPE not in types and not dropped:
        out_data = data
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                if item.is_dir():
                    continue
                content = members[item.filename]
                if item.filename == "[Content_Types].xml":
                    content = types.replace(TEMPLATE_TYPE, DOCUMENT_TYPE).encode("utf-8")
                dst.writestr(item, content)
        out_data = out.getvalue()
    open_reference(out_data)  # proves python-docx can read it
    return out_data


def open_reference(data: bytes):
    """Return a python-docx Document of the reference ``data`` (from ``reference_bytes``) with
    its body emptied (the last section's properties kept). Raises ValueError if it cannot be
    read."""
    import docx
    from docx.oxml.ns import qn

    try:
        doc = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError, ValueError, lxml errors... on a damaged file
        raise ValueError(f"python-docx cannot read it ({type(e).__name__}: {e})") from None
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def adopt_missing_styles(doc, themed) -> None:
    """Copy into ``doc`` every style of ``themed`` (a python-docx Document styled by briefgen)
    whose id ``doc`` lacks, with the list numbering those styles refer to. The reference's own
    styles are left as they are: they are the office's house style."""
    from docx.oxml.ns import qn

    have = {s.get(qn("w:styleId")) for s in doc.styles.element.findall(qn("w:style"))}
    numbering = None
    num_map: dict[str, str] = {}
    for style in themed.styles.element.findall(qn("w:style")):
        if style.get(qn("w:styleId")) in have:
            continue
        clone = copy.deepcopy(style)
        for num_id in clone.iter(qn("w:numId")):
            old = num_id.get(qn("w:val"))
            if old not in num_map:
                if numbering is None:
                    numbering = doc.part.numbering_part.element
                num_map[old] = _copy_numbering(themed.part.numbering_part.element, numbering, old)
            num_id.set(qn("w:val"), num_map[old])
        doc.styles.element.append(clone)


def _copy_numbering(source, target, num_id: str) -> str:
    """Copy numbering instance ``num_id`` of ``source`` and its abstract definition into
    ``target`` under fresh ids; return the new instance id."""
    from docx.oxml.ns import qn

    num = next(n for n in source.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in source.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    used_abstract = [int(a.get(qn("w:abstractNumId"))) for a in target.findall(qn("w:abstractNum"))]
    used_num = [int(n.get(qn("w:numId"))) for n in target.findall(qn("w:num"))]
    new_abstract = str(max(used_abstract, default=-1) + 1)
    new_num = str(max(used_num, default=0) + 1)
    a = copy.deepcopy(abstract)
    a.set(qn("w:abstractNumId"), new_abstract)
    for nsid in a.findall(qn("w:nsid")):
        a.remove(nsid)
    # abstractNum elements come before num elements in CT_Numbering.
    nums = target.findall(qn("w:num"))
    if nums:
        nums[0].addprevious(a)
    else:
        target.append(a)
    n = copy.deepcopy(num)
    n.set(qn("w:numId"), new_num)
    n.find(qn("w:abstractNumId")).set(qn("w:val"), new_abstract)
    target.append(n)
    return new_num
