"""What the pages of a built note say about themselves: bookmarks that lead to their headings,
page furniture shown whole, page budgets, typography, metadata."""

from __future__ import annotations

import re

import pytest

from conftest import squash


def _outline_entries(reader):
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item)

    walk(reader.outline)
    return out


def _lines_with_y(page) -> list[tuple[float, str]]:
    """Return (baseline y in points, text) of each text piece drawn on ``page``."""
    pieces: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            pieces.append((tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return pieces


def test_every_bookmark_leads_to_the_page_and_place_of_its_heading(built):
    from pypdf import PdfReader

    reader = PdfReader(built["pdf"])
    entries = _outline_entries(reader)
    assert len(entries) >= 10
    pages_used = set()
    for entry in entries:
        number = reader.get_destination_page_number(entry)
        pages_used.add(number)
        page = reader.pages[number]
        assert entry.title in squash(page.extract_text()), (entry.title, number)
        # The destination's top is just above the heading's first line on that page.
        first_word = entry.title.split()[0]
        ys = [y for y, text in _lines_with_y(page) if text.strip().startswith(first_word)]
        assert any(0 <= float(entry.top) - y <= 40 for y in ys), (entry.title, entry.top, ys)
    assert len(pages_used) > 1  # the note runs to several pages and the bookmarks follow it


LONGEST_MARKING = "OFFICIAL-SENSITIVE // RELEASABLE TO PARTNERS ONLY // NOT FOR PUBLIC DISTRIBUTION"
LONG_HEADER = "Ministry of Foreign Affairs · South and Central Asia Desk · Bilateral Relations Section"


@pytest.fixture(scope="module")
def long_furniture(tmp_path_factory):
    """The bundled note with the longest marking the schema allows (80 characters), a long
    running header, at 13 pt body size: built in both formats."""
    from conftest import BUNDLED, NOTE_DATE
    from briefgen.pipeline import build
    from briefgen.themefile import load_theme

    assert len(LONGEST_MARKING) == 80  # the schema's limit (docs/facts-schema.md)
    folder = tmp_path_factory.mktemp("furniture")
    facts = folder / "long.yaml"
    text = BUNDLED.read_text(encoding="utf-8")
    facts.write_text(text.replace("classification: OFFICIAL\n", f'classification: "{LONGEST_MARKING}"\n'),
                     encoding="utf-8")
    (folder / "headed.md.j2").write_text(
        '{% extends "briefing-note.md.j2" %}\n'
        "{% block running_header %}" + LONG_HEADER + "{% endblock %}\n", encoding="utf-8")
    theme_file = folder / "theme.yaml"
    theme_file.write_text("schema: 1\nbase_size_pt: 13\n", encoding="utf-8")
    result = build(facts, folder / "out", formats=("pdf", "docx"), template=str(folder / "headed.md.j2"),
                   date=NOTE_DATE, theme=load_theme(theme_file))
    return {p.suffix.lstrip("."): p for p in result.outputs}


def test_long_marking_and_header_are_whole_on_every_pdf_page_and_clear_of_the_body(long_furniture):
    from pypdf import PdfReader

    reader = PdfReader(long_furniture["pdf"])
    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, 1):
        text = squash(page.extract_text())
        assert text.count(LONGEST_MARKING) == 2, number  # top and foot, never cut
        assert LONG_HEADER in text
        assert "…" not in text
        pieces = []

        def visit(t, cm, tm, font, size):
            if t.strip():
                pieces.append((tm[5] * cm[3] + cm[5], t.strip(), (tm[0] or 1) * (size or 1)))

        page.extract_text(visitor_text=visit)
        height = float(page.mediabox.height)

        def is_furniture(t):
            # a line of furniture starts or ends its text (a body line may quote part of it)
            return (any(whole.startswith(t) or whole.endswith(t) for whole in (LONGEST_MARKING, LONG_HEADER))
                    or re.fullmatch(r"Page \d+ of \d+", t) is not None
                    or t.endswith("· 22 July 2024"))

        top_furniture = [y for y, t, _ in pieces if y > height / 2 and is_furniture(t)]
        foot_furniture = [y for y, t, _ in pieces if y < height / 2 and is_furniture(t)]
        body = [(y, size) for y, t, size in pieces if not is_furniture(t)]
        assert top_furniture and foot_furniture and body
        # The highest body line's top is below the lowest line of the page's head ...
        assert max(y + size for y, size in body) < min(top_furniture), number
        # ... and the lowest body line's descenders above the foot's highest line.
        assert min(y - size * 0.3 for y, size in body) > max(foot_furniture) + 8, number


def test_long_marking_and_header_are_whole_in_the_docx_header(long_furniture):
    import docx

    section = docx.Document(str(long_furniture["docx"])).sections[0]
    header = squash(" ".join(p.text for p in section.header.paragraphs))
    footer = squash(" ".join(p.text for p in section.footer.paragraphs))
    assert LONGEST_MARKING in header and LONG_HEADER in header
    assert LONGEST_MARKING in footer
    assert "…" not in header + footer


def test_a_marking_a_page_cannot_hold_is_refused_at_its_facts_line(tmp_path, bundled_text):
    from conftest import run_cli

    facts = tmp_path / "note.yaml"
    facts.write_text(bundled_text.replace("classification: OFFICIAL\n", f'classification: "{LONGEST_MARKING}"\n'),
                     encoding="utf-8")
    line = bundled_text.splitlines().index("classification: OFFICIAL") + 1
    theme = tmp_path / "narrow.yaml"
    theme.write_text("schema: 1\nbase_size_pt: 24\nmargins_mm: {top: 24, right: 60, bottom: 22, left: 60}\n",
                     encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(facts), "--theme", str(theme), "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert f"note.yaml:{line}: classification:" in result.stderr
    assert "at most 2 fit" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def _pdf_pages(path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def test_the_bundled_one_pager_and_memo_keep_their_page_budget_in_both_formats(tmp_path):
    import shutil
    import subprocess

    from conftest import BUNDLED, NOTE_DATE
    from briefgen.pipeline import build

    for template, budget in (("one-pager", 1), ("memo", 2)):
        result = build(BUNDLED, tmp_path / template, formats=("pdf", "docx"), template=template, date=NOTE_DATE)
        pdf, docx_path = result.outputs
        assert _pdf_pages(pdf) <= budget
        if shutil.which("soffice"):  # the DOCX laid out by a real word processor
            assert _libreoffice_pages(docx_path, tmp_path / f"lo-{template}") <= budget, template


def _libreoffice_pages(docx_path, folder) -> int:
    """Return the number of pages LibreOffice lays ``docx_path`` out on. It runs detached (not a
    child this process waits for, so its memory does not count in other tests' measurements of
    their children) with a profile of its own (another LibreOffice running does not stop it)."""
    import shlex
    import subprocess
    import time

    folder.mkdir()
    done = folder / "done"
    command = (f"soffice -env:UserInstallation=file://{folder / 'profile'} --headless --norestore "
               f"--convert-to pdf --outdir {shlex.quote(str(folder))} {shlex.quote(str(docx_path))}; "
               f"touch {shlex.quote(str(done))}")
    subprocess.run(["sh", "-c", f"({command}) >/dev/null 2>&1 &"], check=True, timeout=30)
    deadline = time.monotonic() + 300
    while not done.exists():
        assert time.monotonic() < deadline, "LibreOffice did not finish"
        time.sleep(0.5)
    return _pdf_pages(folder / (docx_path.stem + ".pdf"))


def _areas(count: int) -> str:
    items = []
    for i in range(count):
        items.append(
            f"  - id: area{i}\n"
            f"    title: Area number {i} of cooperation\n"
            f"    summary: A summary of area {i} that runs to about one line of the note's text.\n"
            f"    points:\n"
            f"      - text: The first point of area {i}, long enough to take most of a line.\n"
            f"        source: {{para: 2, evidence: trade}}\n")
    return "".join(items)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_one_pager_over_its_budget_is_refused_saying_by_how_much(tmp_path, fmt):
    from conftest import run_cli
    from minimal import MINIMAL

    head, _ = MINIMAL.split("areas:\n")
    facts = tmp_path / "many.yaml"
    facts.write_text(head + "areas:\n" + _areas(50), encoding="utf-8")  # well over a page in any shipped face
    out = tmp_path / "out"
    result = run_cli("build", str(facts), "-t", "one-pager", "-f", fmt, "-o", str(out), "--no-check")
    assert result.returncode == 2, result.stderr
    assert "one-pager: max_pages: the note runs to 2 pages; its template allows 1" in result.stderr
    assert re.search(r"about \d+ lines of body text too many", result.stderr)
    assert "the longest sections are 'By area'" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_the_one_pager_on_letter_paper_with_a_logo_is_refused_not_run_over(tmp_path):
    from PIL import Image

    from conftest import BUNDLED, run_cli

    Image.new("RGB", (600, 240), "#1f3864").save(tmp_path / "logo.png")
    theme = tmp_path / "letter.yaml"
    theme.write_text("schema: 1\npage_size: Letter\nlogo: logo.png\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(BUNDLED), "-t", "one-pager", "--theme", str(theme), "-o", str(out))
    if result.returncode == 0:  # it fits: then on one page, in both formats
        assert _pdf_pages(out / "pakistan-azerbaijan-2024-07.pdf") == 1
    else:
        assert result.returncode == 2, result.stderr
        assert "its template allows 1 (max_pages: 1)" in result.stderr
        assert not out.exists() or not any(out.iterdir())


def test_quotes_are_curly_in_one_style_and_no_straight_apostrophe_is_left(built):
    import docx

    from conftest import pdf_text

    for text in (pdf_text(built["pdf"]), " ".join(p.text for p in docx.Document(str(built["docx"])).paragraphs)):
        assert "’" in text and "“" in text and "”" in text
        assert "'" not in text and '"' not in text
        assert "„" not in text and "«" not in text  # English note: English quotes only


def test_the_quote_style_follows_the_note_language():
    from briefgen.markup import parse

    german = parse('---\ntitle: T\nlang: de\n---\n\nEr sagte "ja" und \'nein\'.\n')
    english = parse('---\ntitle: T\nlang: en-GB\n---\n\nHe said "yes" and it\'s \'fine\'.\n')
    from briefgen.model import plain_text

    assert plain_text(german.blocks[0].children) == "Er sagte „ja“ und ‚nein‘."
    assert plain_text(english.blocks[0].children) == "He said “yes” and it’s ‘fine’."


def test_dates_amounts_and_initials_never_break_across_lines(tmp_path):
    """Dates, amounts and initials at every offset from a line's start: wherever the line
    ends, each stays whole on one line (PDF) and keeps its no-break spaces (DOCX)."""
    import docx
    from pypdf import PdfReader

    from briefgen.markup import parse
    from briefgen.render.docx import render_docx
    from briefgen.render.pdf import render_pdf
    from briefgen.themefile import default_theme

    units = ["11–12 July 2024", "USD 2 billion", "A. B. Analyst", "Gabala\u00a0District"]
    paragraphs = [f"{'x' * k} met on 11–12 July 2024, agreed USD 2 billion with A. B. Analyst in Gabala\u00a0District."
                  for k in range(0, 60, 3)]
    document = parse("---\ntitle: T\n---\n\n" + "\n\n".join(paragraphs) + "\n")
    (tmp_path / "t.pdf").write_bytes(render_pdf(document, default_theme()))
    lines = [line for page in PdfReader(tmp_path / "t.pdf").pages for line in page.extract_text().splitlines()]
    text = "\n".join(lines)
    broken = 0
    for unit in units:
        plain = unit.replace("\u00a0", " ")
        assert text.count(plain) == len(paragraphs), unit  # each on one line, every time
        broken += sum(1 for line in lines if line.rstrip().endswith(plain.split()[0]))
    assert broken == 0
    (tmp_path / "t.docx").write_bytes(render_docx(document, default_theme()))
    body = " ".join(p.text for p in docx.Document(str(tmp_path / "t.docx")).paragraphs)
    assert body.count("11–12\u00a0July\u00a02024") == len(paragraphs)
    assert body.count("USD\u00a02\u00a0billion") == len(paragraphs)
    assert body.count("A.\u00a0B.\u00a0Analyst") == len(paragraphs)
    assert body.count("Gabala\u00a0District") == len(paragraphs)  # typed in the text, kept


def test_a_long_word_in_a_narrow_cell_breaks_at_a_hyphenation_point(tmp_path):
    import pyphen
    from pypdf import PdfReader

    from briefgen.markup import parse
    from briefgen.render.pdf import render_pdf
    from briefgen.themefile import default_theme

    word = "intergovernmental"
    columns = 8
    markdown = ("---\ntitle: T\n---\n\n|" + " X |" * columns + "\n|" + "--|" * columns + "\n|"
                + f" {word} |" * columns + "\n")
    (tmp_path / "t.pdf").write_bytes(render_pdf(parse(markdown), default_theme()))
    lines = [line.strip() for line in PdfReader(tmp_path / "t.pdf").pages[0].extract_text().splitlines()]
    points = {len(start) for start, _ in pyphen.Pyphen(lang="en").iterate(word)}
    split = [line for line in lines if line.endswith("-") and word.startswith(line[:-1])]
    assert split, lines  # eight columns of it do not fit a page's width
    for line in split:
        assert len(line) - 1 in points, line  # at a dictionary hyphenation point, with a hyphen


def test_docx_asks_for_automatic_hyphenation(built):
    import docx
    from docx.oxml.ns import qn

    settings = docx.Document(str(built["docx"])).settings.element
    assert settings.find(qn("w:autoHyphenation")).get(qn("w:val")) == "true"


def test_to_from_labels_sit_on_their_values_baseline(built):
    from pypdf import PdfReader

    page = PdfReader(built["pdf"]).pages[0]
    pieces = []
    page.extract_text(visitor_text=lambda t, cm, tm, font, size: pieces.append((tm[5] * cm[3] + cm[5], t.strip())))
    ys = {text: y for y, text in pieces if text}
    for label, value in (("To", "Minister for Foreign Affairs"), ("From", "South and Central Asia Desk")):
        assert abs(ys[label] - ys[value]) < 0.5, (label, ys[label], ys[value])


def test_pdf_xmp_metadata_says_what_the_info_dictionary_says(built):
    from pypdf import PdfReader

    from conftest import NOTE_DATE

    reader = PdfReader(built["pdf"])
    info, xmp = reader.metadata, reader.xmp_metadata
    assert xmp is not None
    assert xmp.dc_title["x-default"] == info.title
    assert xmp.dc_creator == [info.author]
    assert xmp.dc_description["x-default"] == info.subject
    assert xmp.pdf_keywords == info["/Keywords"]
    assert xmp.dc_subject == info["/Keywords"].split("; ")
    assert "Transport, logistics and regional connectivity" in xmp.dc_subject  # whole, commas and all
    assert xmp.xmp_creator_tool == info.creator and xmp.pdf_producer == info.producer
    assert xmp.xmp_create_date.date() == info.creation_date.date() == NOTE_DATE
    assert xmp.xmp_modify_date.date() == info.modification_date.date() == NOTE_DATE
    assert xmp.dc_language == ["en"]


def test_toc_gives_the_pdf_contents_with_the_pages_of_its_headings_after_the_to_from_block(tmp_path):
    from pypdf import PdfReader

    from conftest import BUNDLED, NOTE_DATE
    from briefgen.pipeline import build
    from briefgen.themefile import load_theme

    theme = tmp_path / "toc.yaml"
    theme.write_text("schema: 1\ntoc: true\n", encoding="utf-8")
    pdf = build(BUNDLED, tmp_path / "out", formats=("pdf",), date=NOTE_DATE, theme=load_theme(theme)).outputs[0]
    reader = PdfReader(pdf)
    first = reader.pages[0].extract_text()
    assert first.index("Subject") < first.index("Contents")  # after the To / From block
    contents = first[first.index("Contents"):]
    # Each entry is drawn as its leader dots and page number, then its title.
    listed = {title.strip(): int(page) for page, title in re.findall(r"(?:\. *)+(\d+)\n([^\n]+)", contents)}
    entries = _outline_entries(reader)
    assert len(listed) == len(entries) > 10
    for entry in entries:
        assert listed[entry.title] == reader.get_destination_page_number(entry) + 1, entry.title


def test_toc_is_refused_for_the_docx_at_the_theme_line(tmp_path):
    from conftest import BUNDLED, run_cli

    theme = tmp_path / "toc.yaml"
    theme.write_text("schema: 1\n# contents, please\ntoc: true\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(BUNDLED), "--theme", str(theme), "-o", str(out))
    assert result.returncode == 2
    assert "toc.yaml:3: toc:" in result.stderr and "--format pdf" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_body_lines_are_of_a_readable_length(built):
    """About 65–75 characters a line (measured on the PDF, whatever the fonts' widths)."""
    import statistics

    from pypdf import PdfReader

    reader = PdfReader(built["pdf"])
    lines = []
    for page in reader.pages:
        text = page.extract_text().splitlines()
        # lines of running paragraphs: followed by another line of the same paragraph
        lines += [line for line, after in zip(text, text[1:]) if len(line) > 40 and after[:1].islower()]
    assert len(lines) > 20
    assert 62 <= statistics.median(len(line) for line in lines) <= 76
