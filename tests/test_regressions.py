"""Regressions: each test reproduces a defect found by a hostile-input review and shows it fixed."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.errors import FactsError, OutputError, RenderError, TemplateError
from briefgen.facts import load_facts, parse_facts
from briefgen.pipeline import build, render
from briefgen.themefile import default_theme
from conftest import BUNDLED, docx_text, pdf_text
from minimal import MINIMAL

DATE = dt.date(2024, 7, 22)


def test_a_heading_before_a_page_long_last_paragraph_does_not_hang():
    code = (
        "from briefgen.markup import parse; from briefgen.pipeline import render; "
        "from briefgen.themefile import default_theme; "
        "d = parse('---\\ntitle: t\\n---\\n## Sources\\n\\n' + 'word ' * 9000 + '\\n'); "
        "print(len(render(d, default_theme(), 'pdf')) > 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr


def test_characters_beyond_the_bmp_survive_the_front_matter(tmp_path):
    from briefgen.fonts import system_font_for

    if system_font_for("𝄞") is None:
        pytest.skip("no installed font has U+1D11E")
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("    title: Trade and commerce\n", "    title: Music 𝄞 trade\n"), encoding="utf-8")
    result = build(facts, tmp_path / "out", date=DATE)
    assert "Music 𝄞 trade" in docx_text(result.outputs[1])
    assert "Music 𝄞 trade" in pdf_text(result.outputs[0])


def test_a_lone_surrogate_is_refused():
    with pytest.raises(FactsError, match=r"<facts>:4:7: note.to: the lone surrogate U\+D800 is not allowed"):
        parse_facts(MINIMAL.replace("  to: Minister\n", '  to: "Mini\\uD800ster"\n'))


def test_a_giant_definition_cell_splits_across_pages_instead_of_failing():
    from briefgen.markup import parse

    document = parse("---\ntitle: t\n---\nTo\n: " + "word " * 6000 + "\n")
    assert render(document, default_theme(), "pdf").startswith(b"%PDF")


def test_a_block_taller_than_a_page_is_a_clear_error(monkeypatch):
    from reportlab.platypus import Spacer

    from briefgen.markup import parse
    from briefgen.render import pdf

    monkeypatch.setattr(pdf._Flowables, "logo", lambda self: [Spacer(10, 5000)])
    with pytest.raises(RenderError) as info:
        render(parse("---\ntitle: t\n---\nText.\n"), default_theme(), "pdf")
    assert "is too large to lay out on a page" in str(info.value)
    assert "Flowable" not in str(info.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("  to: Minister\n", "  to: " + "x" * 301 + "\n"),
     ("        label: Investment goal\n", "        label: " + "y " * 200 + "\n")],
)
def test_names_and_labels_have_a_length_limit(field, value):
    with pytest.raises(FactsError, match="text is longer than 300 characters"):
        parse_facts(MINIMAL.replace(field, value))


def test_two_facts_files_with_the_same_name_do_not_overwrite_each_other(tmp_path):
    for folder, name in (("a", "x.yaml"), ("b", "x.YAML")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(MINIMAL.replace("Test subject", f"Subject {folder}"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", str(tmp_path / "a" / "x.yaml"), str(tmp_path / "b" / "x.YAML"),
         "-o", str(tmp_path / "out"), "-f", "md"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "SOURCE_DATE_EPOCH": "1721606400"},
    )
    assert result.returncode == 2
    assert "its outputs would overwrite those of" in result.stderr
    assert "Subject a" in (tmp_path / "out" / "x.md").read_text(encoding="utf-8")


def test_names_without_latin_letters_get_distinct_stems():
    from briefgen.output import safe_stem

    names = ["پاکستان", "😀", "Азербайджан", "日本"]
    stems = [safe_stem(n) for n in names]
    assert len(set(stems)) == len(stems)
    assert all(s.startswith("note-") and len(s) == 13 for s in stems[:2])


def test_a_device_is_not_read(tmp_path):
    with pytest.raises(FactsError, match="is not a regular file"):
        load_facts(Path("/dev/zero"))


def test_a_division_by_zero_in_a_template_names_the_line(tmp_path):
    (tmp_path / "t.md.j2").write_text("---\ntitle: t\n---\n{{ 1 / 0 }}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        build(BUNDLED, tmp_path / "out", template="t", template_dirs=(tmp_path,), date=DATE)
    assert info.value.problems[0].line == 4
    assert "ZeroDivisionError" in info.value.problems[0].message


def test_a_url_cannot_inject_markdown():
    text = MINIMAL.replace("  published: 2024-07-20\n",
                           '  published: 2024-07-20\n  url: "https://ok.example/>**BOLD**[click](https://evil.example/x)"\n')
    with pytest.raises(FactsError, match="source.url: String should match pattern"):
        parse_facts(text)


def test_a_raw_control_byte_is_located():
    with pytest.raises(FactsError) as info:
        parse_facts(MINIMAL.replace("  to: Minister\n", "  to: Mini\x07ster\n"), "f.yaml")
    assert str(info.value).startswith("f.yaml:4:11: note.to: the invisible control character U+0007 is not allowed")


def test_a_tab_inside_text_is_not_called_indentation():
    with pytest.raises(FactsError) as info:
        parse_facts(MINIMAL.replace("  to: Minister\n", "  to: Minister\tfor x\n"), "f.yaml")
    assert "put text containing a tab in quotes" in str(info.value)
    assert "indentation" not in str(info.value).split("(")[0]


def test_a_long_footer_wraps_whole_and_never_overprints_the_page_number(tmp_path):
    from pypdf import PdfReader

    sender = "Directorate " * 10
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("  from: Desk\n", f"  from: {sender.strip()}\n"), encoding="utf-8")
    result = build(facts, tmp_path / "out", formats=("pdf",), date=DATE)
    page = PdfReader(result.outputs[0]).pages[0]
    text = page.extract_text()
    assert "…" not in text
    assert " ".join(text.split()).count(f"{sender.strip()} · ") == 1  # whole, on two lines
    lines = text.splitlines()
    assert not any("Directorate" in line and "Page 1 of" in line and line.index("Page") < line.rindex("Directorate")
                   for line in lines)


def test_a_footer_longer_than_two_lines_is_refused_naming_it(tmp_path):
    from briefgen.errors import RenderError

    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("  from: Desk\n", f"  from: {('Directorate ' * 24).strip()}\n"),
                     encoding="utf-8")
    with pytest.raises(RenderError, match="the footer text needs [3-9] lines on each page; at most 2 fit") as e:
        build(facts, tmp_path / "out", formats=("pdf",), date=DATE)
    assert e.value.problems[0].path == "briefing-note" and e.value.problems[0].field == "footer"
    assert not (tmp_path / "out").exists()


def test_new_outputs_respect_the_umask_and_replaced_ones_keep_their_mode(tmp_path):
    old = os.umask(0o077)
    try:
        first = build(BUNDLED, tmp_path / "out", formats=("md",), date=DATE).outputs[0]
    finally:
        os.umask(old)
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    first.chmod(0o640)
    build(BUNDLED, tmp_path / "out", formats=("md",), date=DATE)
    assert stat.S_IMODE(first.stat().st_mode) == 0o640


def test_all_formats_are_replaced_together_or_not_at_all(tmp_path, monkeypatch):
    result = build(BUNDLED, tmp_path / "out", date=DATE)
    before = {p: p.read_bytes() for p in result.outputs}
    real_fdopen = os.fdopen
    calls = []

    def second_write_fails(fd, mode):
        calls.append(fd)
        if len(calls) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, mode)

    monkeypatch.setattr(os, "fdopen", second_write_fails)
    with pytest.raises(OutputError):
        build(BUNDLED, tmp_path / "out", date=dt.date(2030, 1, 1))
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert {p: p.read_bytes() for p in result.outputs} == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in before)


def test_a_date_outside_1900_2100_is_refused_on_the_command_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "briefgen", "build", str(BUNDLED), "-o", str(tmp_path),
                             "--date", "0001-01-01"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "the year must be between 1900 and 2100" in result.stderr


def test_figures_with_absurd_precision_are_refused():
    with pytest.raises(FactsError, match="areas\\[0\\].figures\\[0\\].value: Decimal input should have no more than 6 decimal places"):
        parse_facts(MINIMAL.replace("        value: 2000000000\n", "        value: 1e-100000\n"))
