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
import zipfile

__all__ = ["reference_bytes", "open_reference", "adopt_missing_styles", "TEMPLATE_TYPE"]

TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_TYPES = ("application/vnd.ms-word.document.macroEnabled.main+xml",
               "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")


def reference_bytes(data: bytes) -> bytes:
    """Return ``data`` (a .docx or .dotx file's bytes) as a .docx package python-docx opens:
    a template's main part is relabelled as a document's. Raises ValueError if it is not a Word
    document or template (not a zip, no main document part, a macro-enabled file)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            names = src.namelist()
            if "[Content_Types].xml" not in names:
                raise ValueError("it is a zip file but not a Word document (no [Content_Types].xml)")
            types = src.read("[Content_Types].xml").decode("utf-8")
            if any(t in types for t in MACRO_TYPES):
                raise ValueError("it is a macro-enabled file (.docm/.dotm); save it as .docx or .dotx")
            if TEMPLATE_TYPE not in types and DOCUMENT_TYPE not in types:
                raise ValueError("it holds no Word document part")
            if TEMPLATE_TYPE not in types:
                out_data = data
            else:
                out = io.BytesIO()
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                    for item in src.infolist():
                        content = src.read(item.filename)
                        if item.filename == "[Content_Types].xml":
                            content = types.replace(TEMPLATE_TYPE, DOCUMENT_TYPE).encode("utf-8")
                        dst.writestr(item, content)
                out_data = out.getvalue()
    except zipfile.BadZipFile:
        raise ValueError("it is not a Word file (.docx or .dotx): not a zip package") from None
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
