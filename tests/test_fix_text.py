"""Regressions: character references, paragraphs in YAML blocks, watch with the output folder
around the facts, and --jobs workers outliving a killed parent."""

from __future__ import annotations

import re

import pytest

from briefgen.errors import MarkupError
from briefgen.markup import parse
from conftest import BUNDLED, docx_text, pdf_text, run_cli

HEAD = "---\ntitle: x\n---\n"


@pytest.mark.parametrize("written, code", [
    ("abc&#x202E;def", "U+202E"),
    ("a&#8203;b", "U+200B"),
    ("&#xFEFF;", "U+FEFF"),
    ("&#x2028;", "U+2028"),
    ("&zwj;", "U+200D"),
    ("&lrm;", "U+200E"),
    ("&rlm;", "U+200F"),
    ("**&#x202E;**", "U+202E"),
    ("| a |\n|---|\n| &#x202E; |", "U+202E"),
    ("[ok](https://exa&#x202E;mple.com)", "U+202E"),
    ("[ok](https://example.com/&#8203;)", "U+200B"),
])
def test_character_references_are_checked_after_decoding(written, code):
    with pytest.raises(MarkupError) as e:
        parse(HEAD + "Intro.\n\n" + written + "\n", source="t")
    problem = e.value.problems[0]
    assert code in problem.message and problem.line == 6 + written[:written.find("&")].count("\n"), problem


@pytest.mark.parametrize("written", ["x&#0;y", "&#xD800;", "&#x110000;", "&#1114112;"])
def test_invalid_character_references_are_refused_not_printed_as_a_box(written):
    with pytest.raises(MarkupError) as e:
        parse(HEAD + "One\ntwo " + written + "\n", source="t")
    assert "character reference" in e.value.problems[0].message and e.value.problems[0].line == 5


def test_valid_references_and_escaped_ampersands_still_print():
    doc = parse(HEAD + "A &amp; B &#x2013; C \\&#x202E; &copy;\n", source="t")
    assert doc.blocks[0].children[0].text == "A & B – C &#x202E; ©"


def test_a_template_writing_references_is_exit_2_at_its_line(tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "x.md.j2").write_text(HEAD + "Intro {{ classification }}.\n\nabc&#x202E;def a&#8203;b\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(BUNDLED), "-o", str(out), "--template", "x", "--template-dir", str(tpl))
    assert result.returncode == 2, result.stderr[-500:]
    assert "x.md.j2:6" in result.stderr and "U+202E" in result.stderr, result.stderr[-500:]
    assert not out.exists() or not any(out.iterdir())


def test_a_fact_holding_a_reference_prints_it_literally(tmp_path):
    text = BUNDLED.read_text(encoding="utf-8")
    facts = tmp_path / "n.yaml"
    import re

    changed, n = re.subn(r"(\n  title: )(.*)", lambda m: m.group(1) + "'Ties &#x202E;grow'", text, count=1)
    assert n == 1
    facts.write_text(changed, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(facts), "-o", str(out))
    assert result.returncode == 0, result.stderr[-500:]
    pdf = next(out.glob("*.pdf"))
    docx = next(out.glob("*.docx"))
    for got in (pdf_text(pdf), docx_text(docx)):
        assert "Ties &#x202E;grow" in got and "\u202e" not in got


# --- watch with the output folder around the facts file -----------------------------------------

@pytest.mark.parametrize("facts_arg", ["n.yaml", "sub/n.yaml"])
def test_watch_rebuilds_when_the_output_folder_holds_the_facts_file(tmp_path, facts_arg):
    import subprocess
    import sys
    import time

    from test_silent_loss import FACTS

    facts = tmp_path / facts_arg
    facts.parent.mkdir(exist_ok=True)
    facts.write_text(FACTS, encoding="utf-8")
    md = tmp_path / "n.md"
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "watch", facts_arg, "-o", ".", "-f", "md"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not md.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert md.exists()
        time.sleep(1.5)
        facts.write_text(FACTS.replace("Minister for Foreign Affairs", "Minister of State"), encoding="utf-8")
        deadline = time.monotonic() + 30
        while "Minister of State" not in md.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "Minister of State" in md.read_text(encoding="utf-8"), err
    assert err.count("changed:") == 1, err  # writing n.md did not start another build


# --- paragraphs of a YAML block -----------------------------------------------------------------

@pytest.mark.parametrize("template", ["briefing-note", "memo"])
def test_a_blank_line_in_a_yaml_block_is_a_paragraph_break_in_both_formats(tmp_path, template):
    import docx
    from pypdf import PdfReader

    text = BUNDLED.read_text(encoding="utf-8")
    purpose = ("  purpose: |\n    First purpose paragraph about the visit.\n\n"
               "    Second purpose paragraph about the outcomes.\n")
    changed = re.sub(r"  purpose: >-\n(?:    .*\n)+", lambda m: purpose, text, count=1)
    changed = changed.replace("\nnote:\n", "\nnote:\n  assessment: |\n    First assessment paragraph here.\n\n"
                              "    Second assessment paragraph here.\n", 1)
    assert changed.count("paragraph here") == 2 and changed.count("purpose paragraph") == 2
    facts = tmp_path / "n.yaml"
    facts.write_text(changed, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(facts), "-o", str(out), "--template", template)
    assert result.returncode == 0, result.stderr[-800:]
    paragraphs = [p.text.strip() for p in docx.Document(str(next(out.glob("*.docx")))).paragraphs]
    pdf = " ".join(page.extract_text() for page in PdfReader(next(out.glob("*.pdf"))).pages)
    for first, second in [("First purpose paragraph about the visit.", "Second purpose paragraph about the outcomes."),
                          ("First assessment paragraph here.", "Second assessment paragraph here.")]:
        assert any(p.endswith(first) for p in paragraphs) and second in paragraphs, paragraphs
        # In the PDF the two are separate paragraphs: a line break between them, not a space.
        words = lambda t: r"\s+".join(map(re.escape, t.split()))  # noqa: E731 (lines wrap anywhere)
        assert re.search(words(first) + r" ?\n\s*" + words(second), pdf), pdf[:3000]


def test_paragraphs_filter_escapes_each_paragraph():
    from briefgen.mdtext import md_paragraphs

    assert md_paragraphs("*a*\nb\n  \n\n# c\n") == "\\*a\\* b\n\n\\# c"


# --- --jobs workers do not outlive a killed build -----------------------------------------------

def _children(pid: int) -> set[int]:
    import os

    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie runs nothing


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGHUP"])
def test_killing_a_parallel_build_stops_its_workers(tmp_path, sig):
    import signal
    import subprocess
    import sys
    import time

    names = []
    for i in range(8):
        (tmp_path / f"n{i}.yaml").write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
        names.append(f"n{i}.yaml")
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "build", *names, "--jobs", "2", "-o", "out",
                                "--no-check"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = {p for p in _children(process.pid)
                       if "spawn_main" in open(f"/proc/{p}/cmdline").read() and _alive(p)}
        assert len(workers) >= 2, "the workers did not start"
        workers |= _children(process.pid)  # the resource tracker too
        time.sleep(0.5)
        process.send_signal(getattr(signal, sig))
        process.wait(10)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in workers if _alive(p)]
    finally:
        process.kill()
    for p in left:  # leave nothing running for the next test
        __import__("os").kill(p, signal.SIGKILL)
    assert not left, f"still running after the parent died: {left}"
    done = {f.name for f in (tmp_path / "out").glob("*.pdf")} if (tmp_path / "out").exists() else set()
    time.sleep(1)
    later = {f.name for f in (tmp_path / "out").glob("*.pdf")} if (tmp_path / "out").exists() else set()
    assert later == done  # nothing written after the workers stopped
