"""Baselines for bench/run.py: what the libraries alone take to build content like a note.

Run by bench/run.py, not by hand: ``python bench/baselines.py KIND CONTENT.json OUT [--warm N]``.
KIND is ``reportlab`` (platypus: headings, paragraphs, bullet lists, a table, the same four
TrueType faces embedded), ``docx`` (python-docx, the naive way: ``add_paragraph(style=...)``),
``docxtpl`` (a Jinja-tagged .docx template filled in) or ``typst`` (the Typst Python binding).
CONTENT.json is written by bench/run.py from the facts file (title, sections, figures, fonts), so
that the baselines read no YAML and validate nothing: they are the floor of rendering alone.
Without ``--warm`` it builds once (a cold process, timed from outside); with ``--warm N`` it
builds N+1 times in this process, discards the first, and prints the median CPU milliseconds.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time


def build_reportlab(content: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "Body" not in pdfmetrics.getRegisteredFontNames():
        for face, path in content["fonts"].items():
            pdfmetrics.registerFont(TTFont(f"Body-{face}", path))
        pdfmetrics.registerFontFamily("Body", normal="Body-regular", bold="Body-bold",
                                      italic="Body-italic", boldItalic="Body-bold_italic")
    body = ParagraphStyle("body", fontName="Body-regular", fontSize=10.5, leading=14)
    h1 = ParagraphStyle("h1", parent=body, fontName="Body-bold", fontSize=17, leading=21, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontName="Body-bold", fontSize=13, leading=17, spaceBefore=8)
    story = [Paragraph(content["title"], h1), Paragraph(content["summary"], body)]
    for section in content["sections"]:
        story += [Paragraph(section["title"], h2), Paragraph(section["summary"], body)]
        story.append(ListFlowable([ListItem(Paragraph(p, body)) for p in section["points"]],
                                  bulletType="bullet", leftIndent=12))
    rows = [["Figure", "Value"]] + [[Paragraph(label, body), value] for label, value in content["figures"]]
    table = Table(rows, colWidths=[110 * mm, 50 * mm], repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Body-regular", 10),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
    story += [Spacer(1, 6), table]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=content["title"], invariant=1).build(story)
    return out.getvalue()


def build_docx(content: dict) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(content["title"], 0)
    document.add_paragraph(content["summary"])
    for section in content["sections"]:
        document.add_heading(section["title"], 1)
        document.add_paragraph(section["summary"])
        for point in section["points"]:
            document.add_paragraph(point, style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Figure", "Value"
    for label, value in content["figures"]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docxtpl_template(path: str) -> None:
    """Write the docxtpl template (a .docx with Jinja tags) that ``build_docxtpl`` fills."""
    import docx

    document = docx.Document()
    document.add_heading("{{ title }}", 0)
    document.add_paragraph("{{ summary }}")
    document.add_paragraph("{%p for s in sections %}")
    document.add_heading("{{ s.title }}", 1)
    document.add_paragraph("{{ s.summary }}")
    document.add_paragraph("{%p for p in s.points %}")
    document.add_paragraph("{{ p }}", style="List Bullet")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endfor %}")
    table = document.add_table(rows=4, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Figure", "Value"
    table.rows[1].cells[0].text = "{%tr for f in figures %}"
    table.rows[2].cells[0].text, table.rows[2].cells[1].text = "{{ f[0] }}", "{{ f[1] }}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    document.save(path)


def build_docxtpl(content: dict) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(content["docxtpl_template"])
    template.render(content)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def build_typst(content: dict) -> bytes:
    import typst

    def esc(text: str) -> str:
        return "".join("\\" + c if c in "\\#$*_`<>@[]=-+/~\"" else c for c in text)

    lines = [f"= {esc(content['title'])}", esc(content["summary"]), ""]
    for section in content["sections"]:
        lines += [f"== {esc(section['title'])}", esc(section["summary"]), ""]
        lines += [f"- {esc(p)}" for p in section["points"]] + [""]
    cells = ", ".join(f"[{esc(a)}], [{esc(b)}]" for a, b in [("Figure", "Value"), *content["figures"]])
    lines.append(f"#table(columns: 2, {cells})")
    return typst.compile("\n".join(lines).encode("utf-8"), format="pdf")


KINDS = {"reportlab": build_reportlab, "docx": build_docx, "docxtpl": build_docxtpl, "typst": build_typst}


def main(argv: list[str]) -> int:
    kind, content_path, out = argv[0], argv[1], argv[2]
    content = json.loads(open(content_path, encoding="utf-8").read())
    build = KINDS[kind]
    if "--warm" not in argv:
        data = build(content)
        with open(out, "wb") as f:
            f.write(data)
        return 0
    runs = int(argv[argv.index("--warm") + 1])
    times = []
    for _ in range(runs + 1):
        start = time.process_time()
        build(content)
        times.append(time.process_time() - start)
    print(json.dumps({"ms": statistics.median(times[1:]) * 1000}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
