"""``briefgen distribute`` and ``verify``: stamped copies, master copy, file names, manifest,
repeatable bytes, failures and interruptions. Checked by what the files say (pypdf, python-docx)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED, NOTE_DATE, run_cli, squash

LONG_NAME = "Maximilian Alexander Friedrich von Hohenzollern-Sigmaringen-Habsburg-Lothringen"
LONG_ROLE = ("Deputy Director-General for South Asia, the Caucasus and Central Asia, and Special Envoy "
             "for Connectivity")
PEOPLE = [
    ("Jane Doe", "Minister for Foreign Affairs", "MoFA", "jane@example.org"),
    ("José Ñúñez", "Ambassador", "Embassy in Baku", "jose@example.org"),
    ("../../etc/passwd", "Desk Officer", "South Asia Desk", "desk@example.org"),
    ("a/b\\c:d*?", "Adviser", "Cabinet Office", "ab@example.org"),
    ("CON", "Adviser", "Cabinet Office", "con@example.org"),
    (LONG_NAME, LONG_ROLE, "Ministry of Foreign Affairs", "max@example.org"),
    ("Ørsted Ærø", "Counsellor", "Embassy in Copenhagen", "orsted@example.org"),
    ("..", "Archivist", "Registry", "dots@example.org"),
    ("Zoë O'Brien-Smith", "Private Secretary", "Office of the Minister", "zoe@example.org"),
    ("Jane Doe", "Analyst", "Policy Planning", "jane.doe2@example.org"),
    ("Müller, Hans", "Attaché", "Embassy in Berlin", "hans@example.org"),
    ('=HYPERLINK("http://x.example")', "Analyst", "Policy Planning", "formula@example.org"),
]


def write_people(path: Path, people=PEOPLE, excel: bool = True) -> Path:
    """Write a recipients CSV the way Excel saves one: BOM, semicolons, CRLF."""
    rows = ["Name;Role;Organisation;Email"]
    for name, role, org, email in people:
        rows.append(";".join('"' + v.replace('"', '""') + '"' if (";" in v or '"' in v) else v
                             for v in (name, role, org, email)))
    path.write_bytes(("\ufeff" if excel else "").encode() + "\r\n".join(rows).encode("utf-8") + b"\r\n")
    return path


def stamp_of(copy: int, name: str, role: str, total: int = len(PEOPLE)) -> str:
    return f"Copy {copy} of {total} — prepared for {name}, {role}"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Distribute the bundled note to the 12 hostile-but-valid recipients, in 2 processes."""
    from briefgen.distribute import Options, distribute

    base = tmp_path_factory.mktemp("dist")
    recipients = write_people(base / "people.csv")
    out = base / "copies"
    outcome = distribute(BUNDLED, recipients, out, Options(date=NOTE_DATE, watermark=True, eml=True,
                                                           require_email=True, jobs=2))
    assert not outcome.failed, outcome.failed
    return out, outcome.data, recipients


def pdf_pages_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [squash(page.extract_text()) for page in PdfReader(path).pages]


def entries(manifest, kind=None, fmt=None):
    return [e for e in manifest["files"] if (kind is None or e["kind"] == kind) and (fmt is None or e["format"] == fmt)]


def test_every_pdf_page_carries_the_whole_stamp_and_the_watermark(dist):
    out, manifest, _ = dist
    copies = entries(manifest, "copy", "pdf")
    assert sorted(e["copy"] for e in copies) == list(range(1, 13))
    page_counts = set()
    for e in copies:
        pages = pdf_pages_text(out / e["file"])
        assert len(pages) == e["pages"]
        page_counts.add(len(pages))
        stamp = stamp_of(e["copy"], e["name"], e["role"])
        for page in pages:
            assert stamp in page  # whole: wrapped stamps are never cut
        assert e["name"] in pages[0] and f"copy {e['copy']}" in pages[0]  # the watermark's text
    # Room for the longest stamp is kept on every copy: all copies break their pages alike.
    assert len(page_counts) == 1


def test_long_stamp_wraps_onto_lines_within_the_page(dist):
    from pypdf import PdfReader

    out, manifest, _ = dist
    e = next(e for e in entries(manifest, "copy", "pdf") if e["name"] == LONG_NAME)
    reader = PdfReader(out / e["file"])
    lines = []
    page_width = float(reader.pages[0].mediabox.width)

    def visit(text, cm, tm, font, size):
        if text.strip() and ("prepared" in text or "Sigmaringen" in text or "Connectivity" in text):
            lines.append((tm[4] * cm[0] + cm[4], text))

    reader.pages[0].extract_text(visitor_text=visit)
    assert len(lines) >= 2  # wrapped, not one line running off the page
    assert all(0 <= x < page_width for x, _ in lines)


def test_docx_copies_carry_the_stamp_in_the_footer_and_the_watermark_in_the_header(dist):
    import docx

    out, manifest, _ = dist
    for e in entries(manifest, "copy", "docx"):
        document = docx.Document(str(out / e["file"]))
        section = document.sections[0]
        footer = [p.text for p in section.footer.paragraphs]
        assert footer[0] == stamp_of(e["copy"], e["name"], e["role"])
        header_xml = section.header._element.xml
        watermark = re.search(r'<v:textpath [^>]*string="([^"]*)"', header_xml).group(1)
        from xml.sax.saxutils import unescape

        assert unescape(watermark, {"&quot;": '"'}) == f"{e['name']} · copy {e['copy']}"


def test_master_copy_ends_with_the_distribution_list(dist):
    import docx

    out, manifest, _ = dist
    [pdf] = entries(manifest, "master", "pdf")
    text = " ".join(pdf_pages_text(out / pdf["file"]))
    tail = text[text.rindex("Distribution list"):]
    for number, (name, role, org, _) in enumerate(PEOPLE, 1):
        # A long cell wraps (its lines interleave with the next cells' in the extracted text),
        # so long names are checked by their first word here and whole in the DOCX below.
        assert f"{number} {name if len(name) < 40 else name.split()[0]}" in tail
        assert org.split()[0] in tail
    assert "Master copy — 12 numbered copies, listed at the end" in text
    [word] = entries(manifest, "master", "docx")
    document = docx.Document(str(out / word["file"]))
    last_heading = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")][-1]
    assert last_heading == "Distribution list"
    table = document.tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Copy", "Name", "Role", "Organisation"]
    assert rows[1:] == [[str(i), n, r, o] for i, (n, r, o, _) in enumerate(PEOPLE, 1)]


def test_file_names_are_safe_distinct_and_inside_the_folder(dist):
    out, manifest, _ = dist
    names = [e["file"] for e in manifest["files"]]
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name and (out / name).is_file()
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "manifest.json", "manifest.csv"])
    assert "pakistan-azerbaijan-2024-07-copy-02-José-Ñúñez.pdf" in names  # Unicode kept
    assert "pakistan-azerbaijan-2024-07-copy-03-etc-passwd.pdf" in names
    assert "pakistan-azerbaijan-2024-07-copy-08-person.pdf" in names


def test_manifest_records_every_file_with_its_hash_and_the_inputs(dist):
    from briefgen import __version__

    out, manifest, recipients = dist
    assert manifest["briefgen"] == __version__
    assert manifest["facts"] == {"file": BUNDLED.name, "sha256": hashlib.sha256(BUNDLED.read_bytes()).hexdigest()}
    assert manifest["recipients"]["sha256"] == hashlib.sha256(recipients.read_bytes()).hexdigest()
    assert len(manifest["files"]) == 2 + 12 * 3  # master pdf+docx; per copy pdf, docx, eml
    for e in manifest["files"]:
        data = (out / e["file"]).read_bytes()
        assert e["bytes"] == len(data) and e["sha256"] == hashlib.sha256(data).hexdigest()
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    with open(out / "manifest.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["sha256"] for r in rows] == [e["sha256"] for e in manifest["files"]]
    formula = next(r for r in rows if "HYPERLINK" in r["name"])
    assert formula["name"].startswith("'=")  # stays text in a spreadsheet


def test_eml_has_the_recipient_and_their_copy_attached(dist):
    from email import policy
    from email.parser import BytesParser

    out, manifest, _ = dist
    for e in entries(manifest, "email"):
        message = BytesParser(policy=policy.default).parsebytes((out / e["file"]).read_bytes())
        assert message["To"].addresses[0].addr_spec == e["email"]
        assert message["To"].addresses[0].display_name == e["name"]
        assert f"(copy {e['copy']} of 12)" in squash(message["Subject"])
        attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
        mine = {x["file"] for x in manifest["files"] if x["copy"] == e["copy"] and x["format"] in ("pdf", "docx")}
        assert set(attached) == mine
        for name, data in attached.items():
            assert data == (out / name).read_bytes()
        assert f"Dear {e['name']}," in message.get_body(("plain",)).get_content()


def test_verify_reports_changed_missing_and_extra_files(dist, tmp_path):
    import shutil

    out, manifest, _ = dist
    copy = tmp_path / "copies"
    shutil.copytree(out, copy)
    result = run_cli("verify", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 38 file(s) match" in result.stderr
    pdf = entries(manifest, "copy", "pdf")[0]["file"]
    docx_name = entries(manifest, "copy", "docx")[1]["file"]
    data = bytearray((copy / pdf).read_bytes())
    data[-20] ^= 1
    (copy / pdf).write_bytes(bytes(data))
    (copy / docx_name).unlink()
    (copy / "stray.pdf").write_bytes(b"%PDF")
    result = run_cli("verify", str(copy))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{copy / pdf}: changed" in "\n".join(lines)
    assert f"{copy / docx_name}: missing" in lines
    assert f"{copy / 'stray.pdf'}: not in the manifest" in lines
    assert run_cli("verify", str(tmp_path)).returncode == 2


def test_copies_are_byte_identical_across_runs(dist, tmp_path):
    """The determinism test: the only place raw bytes (their SHA-256) are compared."""
    from briefgen.distribute import Options, distribute

    out, manifest, recipients = dist
    again = distribute(BUNDLED, recipients, tmp_path / "again",
                       Options(date=NOTE_DATE, watermark=True, eml=True, require_email=True, jobs=1))
    assert [(e["file"], e["sha256"]) for e in again.data["files"]] == [(e["file"], e["sha256"]) for e in manifest["files"]]
    assert (tmp_path / "again" / "manifest.json").read_bytes() == (out / "manifest.json").read_bytes()


def test_build_is_byte_identical_for_the_same_note_date(tmp_path):
    """``build`` twice (SOURCE_DATE_EPOCH becomes this date on the command line, see test_cli)."""
    from briefgen.pipeline import build

    results = []
    for run in ("one", "two"):
        outputs = build(BUNDLED, tmp_path / run, formats=("pdf", "docx"), date=NOTE_DATE).outputs
        results.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in outputs})
    assert results[0] == results[1] and len(results[0]) == 2


def test_docx_from_the_shared_base_equals_rendering_the_stamped_copy(dist):
    """Copies' DOCX files are made from one base render; they must be what rendering each
    stamped document would give (same parts, same text)."""
    from dataclasses import replace

    from briefgen.distribute import Options, prepare, stamped
    from briefgen.render.docx import render_docx

    out, manifest, recipients = dist
    _, document, _, theme, copies, reserve, _, _ = prepare(BUNDLED, recipients,
                                                           Options(date=NOTE_DATE, watermark=True))
    for c in copies[1:4] + copies[-1:]:
        direct = zipfile.ZipFile(__import__("io").BytesIO(render_docx(stamped(document, c, reserve), theme)))
        made = zipfile.ZipFile(out / f"{c.stem}.docx")
        assert direct.namelist() == made.namelist()
        for name in direct.namelist():
            assert direct.read(name).decode("utf-8", "replace") == made.read(name).decode("utf-8", "replace"), name


def test_bad_recipients_stop_the_run_before_anything_is_written(tmp_path):
    people = write_people(tmp_path / "people.csv", [
        ("Jane Doe", "Minister", "MoFA", "jane@example.org"),
        ("x" * 300, "Adviser", "MoFA", "x@example.org"),
        ("Ali Khan", "Adviser", "MoFA", "JANE@example.org"),
        ("Sara Lee", "Adviser", "MoFA", "sara@"),
    ])
    result = run_cli("distribute", str(BUNDLED), "--recipients", str(people), "-o", str(tmp_path / "out"), "--eml")
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert [e.split(": ")[1].rsplit(":", 1)[-1] for e in errors if e.startswith("error:")] == ["3", "4", "5"]
    assert not (tmp_path / "out").exists()


def test_a_stamp_too_long_for_the_foot_names_the_row(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "copy-stamp.txt.j2").write_text(
        "Copy {{ copy }} of {{ copies }} — {% for i in range(6) %}{{ name }}, {{ role }}; {% endfor %}", encoding="utf-8")
    people = write_people(tmp_path / "people.csv", [("Jane Doe", "Minister", "MoFA", ""),
                                                    (LONG_NAME, LONG_ROLE, "MoFA", "")])
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(tmp_path / "out"),
                     "--template-dir", str(folder), "--format", "pdf")
    assert result.returncode == 2
    assert f"error: {people}:3: name: the copy stamp needs" in result.stderr
    assert "at most 3 fit" in result.stderr


def test_one_failed_copy_does_not_stop_the_others(tmp_path):
    from briefgen.distribute import Options, distribute

    people = write_people(tmp_path / "people.csv", PEOPLE[:4])
    out = tmp_path / "out"
    out.mkdir()
    blocked = out / "pakistan-azerbaijan-2024-07-copy-2-José-Ñúñez.pdf"
    blocked.write_bytes(b"old")
    blocked.chmod(0o444)
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(out), "-j", "2")
    assert result.returncode == 3, result.stderr
    assert "error: copy 2:" in result.stderr and "read-only" in result.stderr
    assert "1 copies failed" in result.stderr
    assert blocked.read_bytes() == b"old"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted({e["copy"] for e in manifest["files"]}) == [0, 1, 3, 4]
    assert "\x1b[" not in result.stderr  # no progress bar in a pipe


def test_interrupted_run_leaves_no_partial_files_and_a_rerun_completes(tmp_path):
    from briefgen.distribute import Options, distribute
    from briefgen.manifest import verify

    people = write_people(tmp_path / "people.csv", PEOPLE[:6])
    out = tmp_path / "out"
    done = []

    def start(total):
        def tick(result):
            done.append(result)
            if len(done) == 3:
                raise KeyboardInterrupt

        return tick

    with pytest.raises(KeyboardInterrupt):
        distribute(BUNDLED, people, out, Options(date=NOTE_DATE, jobs=2), progress_start=start)
    left = sorted(p.name for p in out.iterdir())
    assert not [n for n in left if n.startswith(".") or n.endswith(".tmp")]
    assert "manifest.json" not in left
    for name in left:  # whatever was written is whole
        if name.endswith(".pdf"):
            assert (out / name).read_bytes().rstrip().endswith(b"%%EOF")
        else:
            zipfile.ZipFile(out / name).testzip()
    outcome = distribute(BUNDLED, people, out, Options(date=NOTE_DATE, jobs=2))
    assert not outcome.failed
    report = verify(out)
    assert not report.problems and len(report.ok) == 14


def test_recipient_formats_narrow_the_run(tmp_path):
    from briefgen.distribute import Options, distribute

    people = tmp_path / "people.yaml"
    people.write_text("- {name: Jane Doe, role: Minister, formats: docx}\n- {name: Ali Khan, role: Adviser}\n",
                      encoding="utf-8")
    outcome = distribute(BUNDLED, people, tmp_path / "out", Options(date=NOTE_DATE))
    assert sorted((e["copy"], e["format"]) for e in outcome.data["files"]) == [
        (0, "docx"), (0, "pdf"), (1, "docx"), (2, "docx"), (2, "pdf")]


def test_stamp_layer_over_the_base_gives_the_pages_of_rendering_the_copy_directly(dist):
    """A copy's PDF is the base layout plus its stamp layer; it must read as rendering the
    stamped document would: same pages, same text on each, every font embedded."""
    import io

    from pypdf import PdfReader

    from briefgen.distribute import Options, prepare, stamped
    from briefgen.render.pdf import render_pdf

    out, _, recipients = dist
    _, document, _, theme, copies, reserve, _, _ = prepare(BUNDLED, recipients, Options(date=NOTE_DATE, watermark=True))
    for c in (copies[2], copies[6]):
        direct = PdfReader(io.BytesIO(render_pdf(stamped(document, c, reserve), theme)))
        made = PdfReader(out / f"{c.stem}.pdf")
        assert len(direct.pages) == len(made.pages)
        for a, b in zip(direct.pages, made.pages):
            assert sorted(squash(a.extract_text()).split()) == sorted(squash(b.extract_text()).split())
        for page in made.pages:
            for font in page["/Resources"]["/Font"].values():
                descriptor = font.get_object().get("/FontDescriptor")
                assert descriptor is not None and "/FontFile2" in descriptor.get_object()
        assert made.outline and made.metadata.title == direct.metadata.title


def test_distribute_and_verify_have_help():
    result = run_cli("distribute", "--help")
    assert result.returncode == 0 and "--recipients" in result.stdout and "--watermark" in result.stdout
    assert "BRIEFGEN_SMTP_PASSWORD" in result.stdout
    assert run_cli("verify", "--help").returncode == 0


def test_an_office_changes_the_stamp_by_exporting_and_editing_its_template(tmp_path):
    import docx

    folder = tmp_path / "house"
    result = run_cli("templates", "export", "copy-stamp.txt", str(folder))
    assert result.returncode == 0, result.stderr
    path = folder / "copy-stamp.txt.j2"
    assert path.is_file()
    path.write_text("{% if master %}MASTER{% else %}Numbered copy {{ copy }}/{{ copies }} for "
                    "{{ name }} ({{ organisation }}){% endif %}", encoding="utf-8")
    people = write_people(tmp_path / "people.csv", PEOPLE[:2])
    out = tmp_path / "out"
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(out), "--template-dir", str(folder),
                     "--format", "docx,pdf", "-j", "1")
    assert result.returncode == 0, result.stderr
    footer = docx.Document(str(out / "pakistan-azerbaijan-2024-07-copy-2-José-Ñúñez.docx")).sections[0].footer
    assert footer.paragraphs[0].text == "Numbered copy 2/2 for José Ñúñez (Embassy in Baku)"
    pages = pdf_pages_text(out / "pakistan-azerbaijan-2024-07-copy-2-José-Ñúñez.pdf")
    assert all("Numbered copy 2/2 for José Ñúñez (Embassy in Baku)" in page for page in pages)


def test_a_name_in_a_right_to_left_script_is_refused_with_its_row(tmp_path):
    people = write_people(tmp_path / "people.csv", [("Jane Doe", "Minister", "MoFA", ""),
                                                    ("محمد علی", "Adviser", "MoFA", "")])
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"error: {people}:3: name: right-to-left text is not supported" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_broken_stamp_template_is_named_with_its_line(tmp_path):
    folder = tmp_path / "house"
    folder.mkdir()
    (folder / "copy-stamp.txt.j2").write_text("Copy {{ copy }}\n of {{ copies }} for {{ nmae }}", encoding="utf-8")
    people = write_people(tmp_path / "people.csv", PEOPLE[:1])
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(tmp_path / "out"),
                     "--template-dir", str(folder))
    assert result.returncode == 2
    assert f"error: {folder / 'copy-stamp.txt.j2'}:2: undefined: 'nmae' is undefined" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_template_and_markdown_run_once_for_all_copies(tmp_path, monkeypatch):
    import briefgen.markup
    import briefgen.pipeline
    from briefgen.distribute import Options, distribute

    calls = {"template": 0, "parse": 0}
    compose, parse = briefgen.pipeline.compose, briefgen.markup.parse

    def counted_compose(*args, **kwargs):  # the template run, then the parse
        calls["template"] += 1
        return compose(*args, **kwargs)

    def counted_parse(*args, **kwargs):
        calls["parse"] += 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(briefgen.pipeline, "compose", counted_compose)
    monkeypatch.setattr(briefgen.markup, "parse", counted_parse)
    people = write_people(tmp_path / "people.csv", PEOPLE[:5])
    outcome = distribute(BUNDLED, people, tmp_path / "out", Options(date=NOTE_DATE, jobs=1))
    assert not outcome.failed and len(outcome.data["files"]) == 12
    assert calls == {"template": 1, "parse": 1}
