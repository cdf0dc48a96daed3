"""Hostile and broken input: every case ends in a correct document or a clear error, nothing lost.

Each test here is listed in docs/hostile-input.md with the behaviour it proves.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefgen.errors import FactsError, OutputError
from briefgen.facts import load_facts, parse_facts
from briefgen.output import safe_stem, write_atomic
from briefgen.pipeline import build
from conftest import BUNDLED, pdf_text
from minimal import MINIMAL

DATE = dt.date(2024, 7, 22)


def problems(text: str) -> list[str]:
    with pytest.raises(FactsError) as info:
        parse_facts(text, "f.yaml")
    return [str(p) for p in info.value.problems]


# --- YAML ------------------------------------------------------------------------------------

def test_bad_indentation():
    text = MINIMAL.replace("  to: Minister\n", "    to: Minister\n")
    (message,) = problems(text)
    assert message.startswith("f.yaml:5:") and "YAML syntax error" in message


@pytest.mark.parametrize(
    ("field_line", "value", "expected"),
    [
        ("  title: Test article\n", "NO", "NO"),
        ("  title: Test article\n", "yes", "yes"),
        ("  title: Test article\n", "on", "on"),
        ("  title: Test article\n", "1.10", "1.10"),
        ("  title: Test article\n", "012", "012"),
        ("  title: Test article\n", "2024-07-20", "2024-07-20"),
        ("  title: Test article\n", "null-and-void", "null-and-void"),
    ],
)
def test_yaml_1_1_values_stay_as_written_in_text_fields(field_line, value, expected):
    facts = parse_facts(MINIMAL.replace(field_line, f"  title: {value}\n"))
    assert facts.source.title == expected


def test_a_quoted_date_is_still_a_date_and_prose_is_refused():
    facts = parse_facts(MINIMAL.replace("  published: 2024-07-20\n", '  published: "2024-07-20"\n'))
    assert facts.source.published == dt.date(2024, 7, 20)
    (message,) = problems(MINIMAL.replace("  published: 2024-07-20\n", "  published: July 2024\n"))
    assert message.startswith("f.yaml:17:14: source.published: ")


def test_absurd_figures_are_refused():
    text = MINIMAL.replace("        value: 2000000000\n", "        value: 1e19\n")
    (message,) = problems(text)
    assert "areas[0].figures[0].value: Input should be less than or equal to" in message
    plain = MINIMAL.replace("        value: 2000000000\n", "        value: 1e16\n").replace(
        "        unit: USD\n", "        unit: tonnes\n")
    (message,) = problems(plain)
    assert "areas[0].figures[0]: a value in a plain unit is at most 10^15" in message


def test_large_amounts_in_small_currency_units_are_accepted():
    """A budget in dong or rupiah passes 10^15 units; refused before, accepted now (issue 10)."""
    text = MINIMAL.replace("        value: 2000000000\n", "        value: 3e16\n").replace(
        "        unit: USD\n", "        unit: VND\n")
    figure = parse_facts(text).areas[0].figures[0]
    assert figure.value == Decimal("3e16") and figure.unit == "VND"


def test_empty_text_is_refused():
    (message,) = problems(MINIMAL.replace("  subject: Test subject\n", '  subject: "  "\n'))
    assert message == "f.yaml:6:12: note.subject: text is required here and must not be empty; found '  '"


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\ufeff", "\u202e", "\u2066"])
def test_zero_width_and_bidi_override_characters_are_refused(char):
    text = MINIMAL.replace("  to: Minister\n", f'  to: "Mini{char}ster"\n')
    (message,) = problems(text)
    assert f"f.yaml:4:12: note.to: the invisible character U+{ord(char):04X} " in message


def test_emoji_without_a_font_is_a_clear_error(tmp_path):
    from briefgen.fonts import system_font_for

    if system_font_for("🧿") is not None:
        pytest.skip("this machine has an outline font with emoji")
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("  to: Minister\n", "  to: Minister 🧿\n"), encoding="utf-8")
    with pytest.raises(FactsError) as info:
        build(facts, tmp_path / "out", date=DATE)
    assert str(info.value).startswith(f"{facts}:4:7: note.to: no font has '🧿' (U+1F9FF NAZAR AMULET)")


def test_a_50_mb_file_is_refused_at_once(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(FactsError, match="the limit is 2,097,152 bytes"):
        load_facts(big)
    assert time.perf_counter() - started < 1


def test_a_10_mb_line_is_refused_at_once(tmp_path):
    big = tmp_path / "line.yaml"
    big.write_text("title: " + "x" * (10 * 1024 * 1024) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(FactsError, match="the limit is"):
        load_facts(big)
    assert time.perf_counter() - started < 1


def test_10000_areas_are_refused_quickly():
    area = "  - id: a{i}\n    title: T\n    summary: S\n    points: [{{text: p, source: {{para: 1, evidence: e}}}}]\n"
    text = MINIMAL.split("areas:\n")[0] + "areas:\n" + "".join(area.format(i=i) for i in range(10_000))
    started = time.perf_counter()
    (message,) = problems(text)
    assert "a list has more than 1,000 items" in message
    assert time.perf_counter() - started < 5


def test_nesting_1000_deep_is_refused():
    (message,) = problems("a: " + "[" * 1000 + "]" * 1000 + "\n")
    assert "nested" in message and "50" in message


# --- outputs ---------------------------------------------------------------------------------

@pytest.fixture
def good_output(tmp_path):
    """A folder with a good earlier build of the bundled note (PDF and DOCX)."""
    out = tmp_path / "out"
    result = build(BUNDLED, out, date=DATE)
    return out, {p: p.read_bytes() for p in result.outputs}


def assert_untouched(out: Path, before: dict[Path, bytes]) -> None:
    assert sorted(out.iterdir()) == sorted(before), "no temporary or partial files may remain"
    for path, data in before.items():
        assert path.read_bytes() == data


def test_a_renderer_failing_midway_leaves_the_earlier_outputs(good_output, monkeypatch):
    out, before = good_output
    import briefgen.render.docx as docx_renderer

    def boom(document, theme):
        raise RuntimeError("simulated crash in the middle of rendering")

    monkeypatch.setattr(docx_renderer, "render_docx", boom)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build(BUNDLED, out, date=dt.date(2030, 1, 1))
    assert_untouched(out, before)


def test_ctrl_c_while_writing_leaves_no_temporary_file(good_output, monkeypatch):
    out, before = good_output
    real_replace = os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(BUNDLED, out, date=dt.date(2030, 1, 1))
    monkeypatch.setattr(os, "replace", real_replace)
    assert_untouched(out, before)


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_file(good_output, monkeypatch):
    out, before = good_output
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    with pytest.raises(OutputError) as info:
        build(BUNDLED, out, date=dt.date(2030, 1, 1))
    assert info.value.exit_code == 3
    assert "No space left on device" in str(info.value)
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert_untouched(out, before)


def test_a_read_only_output_file_is_not_replaced(good_output):
    out, before = good_output
    pdf = next(p for p in before if p.suffix == ".pdf")
    pdf.chmod(0o444)
    try:
        with pytest.raises(OutputError, match="read-only; not replaced"):
            build(BUNDLED, out, date=dt.date(2030, 1, 1), formats=("pdf",))
        assert_untouched(out, before)
    finally:
        pdf.chmod(0o644)


def test_a_folder_that_cannot_be_written_is_exit_3(tmp_path, monkeypatch):
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(OutputError) as info:
        write_atomic(tmp_path / "x.pdf", b"data")
    assert info.value.exit_code == 3
    assert "permission denied" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_output_folder_is_created(tmp_path):
    result = build(BUNDLED, tmp_path / "a" / "b" / "c", formats=("md",), date=DATE)
    assert result.outputs[0].is_file()


def test_sigterm_during_a_build_leaves_the_earlier_outputs(good_output, tmp_path):
    out, before = good_output
    slow = tmp_path / "slow.md.j2"
    slow.write_text(
        "---\ntitle: t\n---\n{% for i in range(100000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}x\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "build", str(BUNDLED), "-o", str(out), "--template", str(slow)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    time.sleep(2.5)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert_untouched(out, before)


@pytest.mark.parametrize(
    ("name", "stem"),
    [("../../etc/passwd", "etc-passwd"), ("/abs/path", "abs-path"), ("CON", "note-CON"),
     ("nul.txt", "note-nul.txt"), ("..", "note"), ("a b\tc", "a-b-c"), ("Şuşa–Bakı", "Susa-Baki"),
     ("x" * 300, "x" * 100)],
)
def test_output_names_are_safe(name, stem):
    assert safe_stem(name) == stem


def test_a_facts_file_named_like_a_device_builds_to_a_safe_name(tmp_path):
    facts = tmp_path / "CON.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    result = build(facts, tmp_path / "out", formats=("md",), date=DATE)
    assert [p.name for p in result.outputs] == ["note-CON.md"]


# --- text ------------------------------------------------------------------------------------

def test_markdown_and_markup_in_facts_stay_literal(tmp_path):
    nasty = "*a* _b_ # c | d `e` [x](javascript:alert(1)) <b>&amp;</b> </para> <font>"
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL.replace("      - text: Trade point.\n", f"      - text: '{nasty}'\n"), encoding="utf-8")
    result = build(facts, tmp_path / "out", date=DATE)
    assert nasty in pdf_text(result.outputs[0])
    from conftest import docx_text

    assert nasty in docx_text(result.outputs[1])
    assert "javascript" not in "".join(
        str(a.get_object()["/A"].get("/URI", "")) for page in __import__("pypdf").PdfReader(result.outputs[0]).pages
        for a in page.get("/Annots", []) or []
    )


def test_a_theme_logo_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    from briefgen.errors import ThemeError
    from briefgen.themefile import load_theme

    os.mkfifo(tmp_path / "logo.png")
    (tmp_path / "theme.yaml").write_text("logo: logo.png\n", encoding="utf-8")
    with pytest.raises(ThemeError, match="not a regular file"):
        load_theme(tmp_path / "theme.yaml")
