"""Issue 14: nothing the user wrote is silently lost (template text, facts text, outputs).

Each test replays a case of the issue and asserts the right outcome: the text kept, or a non-zero
exit with a message naming file:line, and nothing written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.cli import cli
from conftest import BUNDLED, NOTE_DATE, docx_text, pdf_text

FACTS = BUNDLED.read_text(encoding="utf-8")


def briefgen(*args: str, cwd: Path | None = None):
    """Run the CLI in-process; return the click Result (exit_code, stdout, stderr)."""
    import os

    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        return runner.invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def build_md(tmp_path: Path, template_dir: Path, template: str, facts: Path = BUNDLED):
    out = tmp_path / "out"
    result = briefgen("build", str(facts), "--template-dir", str(template_dir), "-t", template,
                      "-f", "md", "-o", str(out), "--date", NOTE_DATE.isoformat(), "--no-check")
    md = out / (facts.stem + ".md")
    return result, (md.read_text(encoding="utf-8") if md.exists() else None)


# --- templates -------------------------------------------------------------------------------

def test_an_inline_tag_at_the_end_of_a_line_keeps_its_line_break(tmp_path):
    (tmp_path / "ws.md.j2").write_text(
        '{% extends "base.md.j2" %}\n{% block purpose %}\n## Purpose\n\n'
        "- Partners: {% for p in event.countries %}{{ p }}{% if not loop.last %}, {% endif %}{% endfor %}\n"
        "- Second bullet\n1. one\n2. two {% if true %}x{% endif %}\n3. three\n"
        "{% for p in event.countries %}\n| {{ p }} |\n{% endfor %}\n{% endblock %}\n", encoding="utf-8")
    result, md = build_md(tmp_path, tmp_path, "ws")
    assert result.exit_code == 0, result.stderr
    assert "- Partners: Azerbaijan, Pakistan\n- Second bullet\n1. one\n2. two x\n3. three\n" in md
    # a line holding only a tag still prints nothing (table rows stay together)
    assert "| Azerbaijan |\n| Pakistan |\n" in md


def test_the_line_break_rule_leaves_author_whitespace_control_alone():
    from briefgen.jinjaspace import keep_line_breaks

    assert keep_line_breaks("a {% if x %}\n") == "a {% if x +%}\n"
    assert keep_line_breaks("{% if x %}\n") == "{% if x %}\n"
    assert keep_line_breaks("a {% if x -%}\n") == "a {% if x -%}\n"
    assert keep_line_breaks("a\n{%- endif %}\n") == "a\n{%- endif %}\n"
    assert keep_line_breaks("{{ v }}{# c #}\n") == "{{ v }}{# c +#}\n"
    assert keep_line_breaks('{{ "%}" }} {% if x %}\n') == '{{ "%}" }} {% if x +%}\n'
    assert keep_line_breaks("a {% if x %}\r\nb\r\n{% endif %}\r\n") == "a {% if x +%}\nb\n{% endif %}\n"  # CRLF


def test_text_outside_blocks_in_a_child_template_is_an_error_naming_its_line(tmp_path):
    (tmp_path / "lost.md.j2").write_text(
        '{#- mine -#}\n{% extends "briefing-note.md.j2" %}\n\nPlease note: added by the office.\n\n'
        "{% block footer %}x{% endblock %}\n", encoding="utf-8")
    result, md = build_md(tmp_path, tmp_path, "lost")
    assert result.exit_code == 2 and md is None
    assert f"{tmp_path / 'lost.md.j2'}:4: text outside any block ('Please note: added by the office.')" in result.stderr
    (tmp_path / "lost2.md.j2").write_text('{% extends "base.md.j2" %}\n{% if true %}\n{{ note.to }}\n{% endif %}\n',
                                          encoding="utf-8")
    result, md = build_md(tmp_path, tmp_path, "lost2")
    assert result.exit_code == 2 and "lost2.md.j2:3: text outside any block" in result.stderr


@pytest.mark.parametrize("name", ["briefing-note", "one-pager", "memo"])
def test_export_flattens_a_built_in_into_one_file_that_renders_the_same(tmp_path, name):
    folder = tmp_path / "house"
    result = briefgen("templates", "export", name, str(folder))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [str(folder / f"{name}.md.j2")]
    flat = (folder / f"{name}.md.j2").read_text(encoding="utf-8")
    assert not re.search(r"^{% extends", flat, re.M) and "{% block summary %}" in flat
    ours, mine = build_md(tmp_path / "a", folder, name)
    builtin = briefgen("build", str(BUNDLED), "-t", name, "-f", "md", "-o", str(tmp_path / "b"),
                       "--date", NOTE_DATE.isoformat(), "--no-check")
    assert ours.exit_code == 0 and builtin.exit_code == 0
    assert mine == (tmp_path / "b" / f"{BUNDLED.stem}.md").read_text(encoding="utf-8")


def test_a_paragraph_added_to_the_exported_template_is_printed(tmp_path):
    folder = tmp_path / "house"
    assert briefgen("templates", "export", "briefing-note", str(folder)).exit_code == 0
    path = folder / "briefing-note.md.j2"
    text = path.read_text(encoding="utf-8").replace(
        "## Purpose\n", "## Purpose\n\nAdded by the office: handle with care.\n", 1)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = briefgen("build", str(BUNDLED), "--template-dir", str(folder), "-o", str(out), "--no-check")
    assert result.exit_code == 0, result.stderr
    for text in (pdf_text(out / f"{BUNDLED.stem}.pdf"), docx_text(out / f"{BUNDLED.stem}.docx")):
        assert "Added by the office: handle with care." in text


def test_export_no_flatten_copies_the_chain_with_a_readme(tmp_path):
    result = briefgen("templates", "export", "memo", str(tmp_path), "--no-flatten")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.txt", "base.md.j2", "memo.md.j2"]
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8")
    assert "memo.md.j2: the template you build with" in readme and "base.md.j2: extended by memo.md.j2" in readme


def test_templates_show_lists_the_variables_of_the_whole_chain():
    result = briefgen("templates", "show", "briefing-note")
    assert result.exit_code == 0
    line = next(l for l in result.stdout.splitlines() if l.startswith("# variables:"))
    for name in ("note", "event", "areas", "figures", "quotes", "source", "classification"):
        assert name in line


# --- Markdown that would lose content ----------------------------------------------------------

def _template(tmp_path: Path, name: str, body: str) -> None:
    (tmp_path / f"{name}.md.j2").write_text(
        '{% extends "base.md.j2" %}\n{% block purpose %}\n' + body + "{% endblock %}\n", encoding="utf-8")


def test_a_repeated_definition_is_kept_in_both_formats(tmp_path):
    _template(tmp_path, "d", "Term\n: first definition\n: second definition\n\n")
    out = tmp_path / "out"
    result = briefgen("build", str(BUNDLED), "--template-dir", str(tmp_path), "-t", "d", "-o", str(out), "--no-check")
    assert result.exit_code == 0, result.stderr
    for text in (pdf_text(out / f"{BUNDLED.stem}.pdf"), docx_text(out / f"{BUNDLED.stem}.docx")):
        assert "first definition" in text and "second definition" in text


@pytest.mark.parametrize("body, line, message", [
    ("## Purpose\n\n<!-- TODO check with legal -->\n\n", 5, "an HTML comment would be printed in the note"),
    ("## Purpose\n\nText <b>bold</b> here.\n", 5, "raw HTML is not supported"),
    ("<div>\nblock\n</div>\n\n", 3, "raw HTML is not supported"),
])
def test_html_in_a_template_is_refused_at_its_line(tmp_path, body, line, message):
    _template(tmp_path, "h", body)
    result, md = build_md(tmp_path, tmp_path, "h")
    assert result.exit_code == 2 and md is None
    assert f"{tmp_path / 'h.md.j2'}:{line}: {message}" in result.stderr
    if "comment" in message:
        assert "{# ... #}" in result.stderr


def test_html_in_a_fact_stays_text(tmp_path):
    facts = tmp_path / "f.yaml"
    facts.write_text(FACTS.replace("purpose: ", "purpose: <!-- kept --> <b>kept</b> ", 1), encoding="utf-8")
    out = tmp_path / "out"
    result = briefgen("build", str(facts), "-o", str(out), "--no-check")
    assert result.exit_code == 0, result.stderr
    assert "<!-- kept --> <b>kept</b>" in pdf_text(out / "f.pdf")


# --- facts YAML --------------------------------------------------------------------------------

from minimal import MINIMAL  # noqa: E402

POINT = "      - text: Trade point."  # line 32 of MINIMAL


def _facts(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, facts: Path) -> str:
    out = tmp_path / "out"
    result = briefgen("build", str(facts), "-o", str(out), "-f", "md,pdf", "--no-check")
    assert result.exit_code == 2, result.stderr
    assert not out.exists() or not any(out.iterdir())
    return result.stderr


def test_a_comment_after_plain_text_is_an_error_with_the_hint_to_quote(tmp_path):
    facts = _facts(tmp_path, MINIMAL.replace(POINT, "      - text: Azerbaijan ranks Pakistan as its #1 partner"))
    err = _refused(tmp_path, facts)
    assert "f.yaml:32:15: areas[0].points[0].text: the text stops before '#1 partner'" in err
    assert '"Azerbaijan ranks Pakistan as its #1 partner"' in err
    one_word = _facts(tmp_path, MINIMAL.replace("    title: Trade and commerce", "    title: Trade #1"), "g.yaml")
    assert "g.yaml:29:12: areas[0].title: the text stops before '#1'" in _refused(tmp_path, one_word)


def test_a_quoted_text_with_a_hash_and_a_one_word_value_with_a_comment_are_fine(tmp_path):
    text = MINIMAL.replace(POINT, '      - text: "Azerbaijan ranks Pakistan as its #1 partner"  # checked')
    text = text.replace("        kind: target", "        kind: target  # as the article says")
    out = tmp_path / "out"
    result = briefgen("build", str(_facts(tmp_path, text)), "-o", str(out), "-f", "md", "--no-check")
    assert result.exit_code == 0, result.stderr
    assert "Azerbaijan ranks Pakistan as its \\#1 partner" in (out / "f.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("written, code, column", [
    ("Azerbaijan ranks\u2028Pakistan first.", "U+2028 LINE SEPARATOR", 31),
    ('"Azerbaijan ranks\u2029Pakistan first."', "U+2029 PARAGRAPH SEPARATOR", 32),
    ("Azerbaijan ranks\u000bPakistan first.", "U+000B", 31),
    ("Azerbaijan ranks\u200bPakistan first.", "U+200B ZERO WIDTH SPACE", 31),
    ("Azerbaijan \u202eranks Pakistan first.", "U+202E RIGHT-TO-LEFT OVERRIDE", 26),
    ('"Azerbaijan ranks\\u2028Pakistan first."', "U+2028 LINE SEPARATOR", 15),  # escaped
])
def test_every_invisible_character_is_named_with_file_line_and_field(tmp_path, written, code, column):
    facts = _facts(tmp_path, MINIMAL.replace(POINT, f"      - text: {written}"))
    err = _refused(tmp_path, facts)
    assert f"f.yaml:32:{column}: areas[0].points[0].text: the invisible" in err and code in err


def test_an_invisible_character_in_a_url_is_named(tmp_path):
    facts = _facts(tmp_path, MINIMAL.replace("  title: Test article\n",
                                             "  title: Test article\n  url: https://example.org/a\u200bb\n"))
    err = _refused(tmp_path, facts)
    assert "f.yaml:16:29: source.url: the invisible character U+200B ZERO WIDTH SPACE" in err


def test_merge_keys_say_they_are_not_supported(tmp_path):
    facts = _facts(tmp_path, MINIMAL.replace("note:\n", "base: &p\n  to: X\nnote:\n  <<: *p\n", 1))
    assert "f.yaml:6:3: note: merge keys (<<) are not supported" in _refused(tmp_path, facts)


@pytest.mark.parametrize("text, line", [
    ("schema: 1\nnote: " + "[" * 1000 + "]" * 1000 + "\n", 2),
    ("schema: 1\nnote:\n" + "".join("  " * (i + 1) + "a:\n" for i in range(1000)), 52),
])
def test_1000_deep_nesting_names_a_line(tmp_path, text, line):
    err = _refused(tmp_path, _facts(tmp_path, text))
    assert re.search(rf"f\.yaml:{line}(:\d+)?: the document is nested more than 50 levels deep", err)


# --- themes --------------------------------------------------------------------------------------

def _png(width: int, height: int, *, data: bool = True) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if not data:
        return head + chunk(b"IEND", b"")
    squeeze = zlib.compressobj(9)
    pixels = b"".join(squeeze.compress(b"\x00" * (width + 1)) for _ in range(height)) + squeeze.flush()
    return head + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize("logo, message", [
    (_png(100, 100, data=False), "the logo is not a readable PNG image"),  # 45 bytes, no pixels
    (_png(100, 100)[:60], "the logo is not a readable PNG image"),
    (_png(13000, 13000), "the logo is 13,000 × 13,000 pixels; the limit is 16,000,000 pixels"),
    (b"GIF89a" + b"\x00" * 20, "the logo is not a readable PNG image"),
])
def test_a_broken_or_huge_logo_is_exit_2_naming_the_file_when_the_theme_is_read(tmp_path, logo, message):
    (tmp_path / "logo.png").write_bytes(logo)
    (tmp_path / "theme.yaml").write_text("logo: logo.png\n", encoding="utf-8")
    out = tmp_path / "out"
    result = briefgen("build", str(BUNDLED), "--theme", str(tmp_path / "theme.yaml"), "-o", str(out), "--no-check")
    assert result.exit_code == 2
    assert f"{tmp_path / 'theme.yaml'}:1:7: logo: {message}" in result.stderr
    assert not out.exists()


def test_theme_problems_come_in_one_round(tmp_path):
    (tmp_path / "logo.png").write_bytes(_png(100, 100, data=False))
    (tmp_path / "theme.yaml").write_text(
        "page_size: A3\nlogo: logo.png\nfallback_fonts: [nofont.ttf]\ncolours: {text: red}\n", encoding="utf-8")
    result = briefgen("build", str(BUNDLED), "--theme", str(tmp_path / "theme.yaml"), "-o", str(tmp_path / "o"))
    assert result.exit_code == 2
    fields = re.findall(r"theme\.yaml:\d+:\d+: ([\w.\[\]]+):", result.stderr)
    assert fields == ["page_size", "logo", "fallback_fonts[0]", "colours.text"]


def test_a_device_as_theme_says_it_is_the_theme_file(tmp_path):
    result = briefgen("build", str(BUNDLED), "--theme", "/dev/zero", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "/dev/zero: the theme file is not a regular file" in result.stderr
    assert "facts" not in result.stderr


# --- outputs ---------------------------------------------------------------------------------------

def test_concurrent_builds_of_same_named_facts_into_one_folder_never_mix(tmp_path):
    """Real parallel processes: before the lock, about 1 round in 5 left x.md of one build and
    x.docx of the other."""
    import subprocess
    import sys

    import docx

    for who in "ab":
        (tmp_path / who).mkdir()
        (tmp_path / who / "x.yaml").write_text(FACTS.replace('subject: "', f'subject: "Build{who.upper()} ', 1),
                                              encoding="utf-8")
    out = tmp_path / "out"
    for _ in range(6):
        procs = [subprocess.Popen([sys.executable, "-m", "briefgen", "build", str(tmp_path / w / "x.yaml"),
                                   "-o", str(out), "-f", "md,docx", "--no-check"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for w in "ab"]
        for p in procs:
            assert p.wait(timeout=120) == 0, p.stderr.read()
        from_a_md = "BuildA" in (out / "x.md").read_text(encoding="utf-8")
        from_a_docx = "BuildA" in docx.Document(str(out / "x.docx")).core_properties.subject
        assert from_a_md == from_a_docx
    assert sorted(p.name for p in out.iterdir()) == ["x.docx", "x.md"]  # no lock or temporary file left


def test_the_lock_waits_for_the_holder_and_is_removed_after(tmp_path):
    import threading

    from briefgen.output import output_lock

    order = []
    with output_lock(tmp_path, "x"):
        thread = threading.Thread(target=lambda: (output_lock(tmp_path, "x").__enter__(), order.append("second")))
        thread.start()
        thread.join(0.3)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]


def test_a_stale_temporary_file_of_a_killed_build_is_removed_by_the_next_build(tmp_path):
    import os
    import tempfile
    import time

    out = tmp_path / "out"
    out.mkdir()
    def temporary(name: str) -> Path:  # what write_all_atomic leaves when killed (SIGKILL)
        fd, name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
        os.write(fd, b"half a file")
        os.close(fd)
        return Path(name)

    ours = temporary(f"{BUNDLED.stem}.docx")
    fresh_other = temporary("other.pdf")  # may belong to a build running now: kept
    old_other = temporary("other.docx")
    os.utime(old_other, (time.time() - 3600, time.time() - 3600))
    unrelated = out / ".notes.tmp"
    unrelated.write_text("mine", encoding="utf-8")
    result = briefgen("build", str(BUNDLED), "-o", str(out), "-f", "md", "--no-check")
    assert result.exit_code == 0, result.stderr
    assert not ours.exists() and not old_other.exists()
    assert fresh_other.exists() and unrelated.exists()


# --- watch -----------------------------------------------------------------------------------------

def _watch_in_thread(paths, **kwargs):
    import threading

    from briefgen.watch import watch_paths

    stop = threading.Event()
    seen: list[set] = []

    def consume():
        for changed in watch_paths(paths, stop_event=stop, debounce_ms=100, **kwargs):
            seen.append(changed)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    return stop, seen, thread


def test_watch_with_the_output_folder_inside_the_watched_folder_rebuilds_once(tmp_path):
    import subprocess
    import sys
    import time

    facts = tmp_path / "w.yaml"
    facts.write_text(FACTS, encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "watch", "w.yaml", "--template-dir", ".",
                                "-f", "md"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "out" / "w.md").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
        facts.write_text(FACTS.replace("Minister for Foreign Affairs", "Minister of State"), encoding="utf-8")
        time.sleep(6)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert err.count("changed:") == 1, err
    assert "Minister of State" in (tmp_path / "out" / "w.md").read_text(encoding="utf-8")


def test_watch_never_follows_a_symlink_out_and_reports_an_unreadable_folder_once(tmp_path, monkeypatch):
    import os

    from briefgen import watch

    templates = tmp_path / "t"
    (templates / "sub").mkdir(parents=True)
    (templates / "locked").mkdir()
    (templates / "root").symlink_to("/")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(watch.os, "scandir", scandir)
    warnings: list[str] = []
    folders = watch.watched_folders([templates], [], warnings.append)
    assert folders == [templates.resolve(), (templates / "sub").resolve()]
    assert warnings == [f"{(templates / 'locked').resolve()}: permission denied: not watched"]


def test_watch_reports_a_facts_file_that_appears_later_and_ignores_the_output_folder(tmp_path):
    import time

    later = tmp_path / "later.yaml"
    out = tmp_path / "out"
    out.mkdir()
    stop, seen, thread = _watch_in_thread([later, tmp_path], ignore=[out])
    try:
        time.sleep(1.0)
        (out / "x.md.j2").write_text("written by a build", encoding="utf-8")
        (tmp_path / "notes.txt").write_text("not a template", encoding="utf-8")
        later.write_text("schema: 1\n", encoding="utf-8")
        deadline = time.monotonic() + 15
        while not seen and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(10)
    assert seen and set().union(*seen) == {later.resolve()}


# --- template files that cannot be read ---------------------------------------------------------

@pytest.fixture
def odd_templates(tmp_path):
    import os

    folder = tmp_path / "D"
    folder.mkdir()
    os.mkfifo(folder / "fifo.md.j2")
    (folder / "zero.md.j2").symlink_to("/dev/zero")
    (folder / "latin1.md.j2").write_bytes("{# caf\xe9 #}\nhello\n".encode("latin-1"))
    (folder / "good.md.j2").write_text("{# fine #}\n", encoding="utf-8")
    return folder


def test_templates_list_names_every_unusable_template_and_exits_2(odd_templates):
    result = briefgen("templates", "list", "--template-dir", str(odd_templates))
    assert result.exit_code == 2
    assert "good" in result.stdout and "fine" in result.stdout
    err = result.stderr
    assert f"{odd_templates / 'fifo.md.j2'}: the template is not a regular file" in err
    assert f"{odd_templates / 'zero.md.j2'}: is a link to a file outside its template folder" in err
    assert f"{odd_templates / 'latin1.md.j2'}:1:7: the template is not UTF-8 text (byte 0xe9)" in err


@pytest.mark.parametrize("name, message", [
    ("fifo", "fifo.md.j2: the template is not a regular file"),
    ("zero", "zero.md.j2: is a link to a file outside its template folder"),
    ("latin1", "latin1.md.j2:1:7: the template is not UTF-8 text"),
])
def test_templates_show_and_build_name_an_unusable_template(odd_templates, tmp_path, name, message):
    shown = briefgen("templates", "show", name, "--template-dir", str(odd_templates))
    assert shown.exit_code == 2 and message in shown.stderr
    built = briefgen("build", str(BUNDLED), "--template-dir", str(odd_templates), "-t", name,
                     "-o", str(tmp_path / "out"), "--no-check")
    assert built.exit_code == 2 and name in built.stderr and not (tmp_path / "out").exists()


# --- terminal safety ---------------------------------------------------------------------------------

def test_a_facts_file_name_with_esc_and_a_newline_is_echoed_escaped(tmp_path):
    facts = tmp_path / "a\x1b[31mred\nx.yaml"
    facts.write_text(FACTS, encoding="utf-8")
    result = briefgen("build", str(facts), "-o", str(tmp_path / "out"), "-f", "md", "--no-check")
    assert result.exit_code == 0, result.stderr
    assert "built " + str(tmp_path) + "/a\\x1b[31mred\\nx.yaml in" in result.stderr
    assert "\x1b" not in result.stderr + result.stdout
    missing = briefgen("build", str(tmp_path / "no\x1b[2Jsuch\n.yaml"), "-o", str(tmp_path / "o2"))
    assert missing.exit_code == 2 and "no\\x1b[2Jsuch\\n.yaml: no such file" in missing.stderr
    assert missing.stderr.count("\n") == 1


def test_an_osc_sequence_in_a_front_matter_key_is_escaped_in_the_message(tmp_path):
    (tmp_path / "osc.md.j2").write_text('---\ntitle: t\n"\\e]0;pwned\\a": 1\n---\nhi\n', encoding="utf-8")
    result, _ = build_md(tmp_path, tmp_path, "osc")
    assert result.exit_code == 2
    assert "unknown front matter field(s): \\x1b]0;pwned\\x07" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_the_error_printer_escapes_every_control_character():
    from briefgen.cli import _printable

    assert _printable("a\x1b]0;t\x07b\nc\u202ed\te") == "a\\x1b]0;t\\x07b\\nc\\u202ed\\te"
    assert _printable("keep\nlines\tand tabs", keep="\n\t") == "keep\nlines\tand tabs"


# --- limits that bound time --------------------------------------------------------------------------

def _many_units_facts(tmp_path: Path, figures: int) -> Path:
    head = MINIMAL.split("areas:\n")[0]
    rows = [head, "areas:\n  - id: trade\n    title: Trade\n    summary: Summary.\n    points:\n"
                  "      - text: Point.\n        source: {para: 2, evidence: trade}\n    figures:\n"]
    rows += [f"      - {{id: f{i}, label: L{i}, value: {i + 1}, unit: unit{i // 2}, kind: actual, "
             "source: {para: 3, evidence: goal}}\n" for i in range(figures)]
    return _facts(tmp_path, "".join(rows), "many.yaml")


def test_a_note_with_too_many_charts_is_refused_fast_at_the_template_line(tmp_path):
    from briefgen.markup import MAX_CHARTS

    facts = _many_units_facts(tmp_path, 2 * 250)  # 250 units of 2 figures: 250 charts asked
    out = tmp_path / "out"
    result = briefgen("build", str(facts), "-o", str(out), "-f", "docx", "--no-check")
    assert result.exit_code == 2 and not out.exists()
    assert re.search(rf"base\.md\.j2:\d+: the note has more than {MAX_CHARTS} charts", result.stderr)
    assert "chart: none" in result.stderr
    line = int(re.search(r"base\.md\.j2:(\d+):", result.stderr).group(1))
    from briefgen.templating import BUILTIN_TEMPLATES

    assert "figure_charts" in (BUILTIN_TEMPLATES / "base.md.j2").read_text(encoding="utf-8").splitlines()[line - 1]


def test_a_note_with_too_many_tables_is_refused(tmp_path):
    from briefgen.markup import MAX_TABLES

    _template(tmp_path, "tables", "{% for i in range(60) %}\n| a |\n|---|\n| {{ i }} |\n\n{% endfor %}\n")
    result, md = build_md(tmp_path, tmp_path, "tables")
    assert result.exit_code == 2 and md is None
    assert f"tables.md.j2:4: the note has more than {MAX_TABLES} tables" in result.stderr


# --- exit 70 is for bugs only ------------------------------------------------------------------------

FM = "---\ntitle: t\n---\n"
BROKEN_TEMPLATES = {
    "unclosed_block": "{% block x %}", "unclosed_if": "{% if true %}x", "bad_end": "{% endfor %}",
    "unknown_tag": "{% frobnicate %}", "bad_expr": "{{ 1 + }}", "unclosed_var": "{{ note.to",
    "unclosed_comment": "{# x", "unclosed_raw": "{% raw %}x",
    "extends_missing": '{% extends "nope.md.j2" %}', "extends_none": "{% extends none %}",
    "extends_int": "{% extends 5 %}", "extends_list": '{% extends ["base.md.j2"] %}',
    "include_int": "{% include 5 %}", "import_missing": '{% import "nope.md.j2" as x %}{{ x.y }}',
    "super_outside": "{{ super() }}", "macro_args": "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2, 3) }}",
    "caller_missing": "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}",
    "div_zero": "{{ 1 / 0 }}", "float_literal_inf": "{{ 1e400|int }}", "str_plus_int": "{{ 'a' + 1 }}",
    "slice_zero": "{{ areas[::0] }}", "sort_mixed": "{{ [1, 'a']|sort }}", "format_bad": "{{ '%d'|format('x') }}",
    "map_unknown": "{{ areas|map('nope')|list }}", "chart_int": "{{ chart(5) }}",
    "tojson_function": "{{ person|tojson }}", "iterate_int": "{% for a in 5 %}{% endfor %}",
    "block_twice": "{% block a %}{% endblock %}{% block a %}{% endblock %}",
    "front_bad_yaml": "---\ntitle: [\n---\n", "front_list": "---\n- a\n---\n",
    "front_impossible_date": "---\ntitle: t\ndate: 2024-13-45\n---\n",
    "front_tag": "---\ntitle: !!python/object:os.system x\n---\nx\n", "empty": "",
    "chart_fence_bad": FM + '```chart\n{"bars": [{"label": 1, "value": "x"}]}\n```\n',
    "chart_fence_list": FM + "```chart\n[1]\n```\n", "heading5": FM + "##### x\n", "image": FM + "![a](b.png)\n",
    "deep_emphasis": FM + "*" * 500 + "x" + "*" * 500 + "\n", "html": FM + "<!-- x -->\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN_TEMPLATES))
def test_no_broken_template_is_reported_as_a_bug(tmp_path, name):
    (tmp_path / "t.md.j2").write_text(BROKEN_TEMPLATES[name], encoding="utf-8")
    out = tmp_path / "out"
    result = briefgen("build", str(BUNDLED), "--template-dir", str(tmp_path), "-t", "t", "-o", str(out), "--no-check")
    assert result.exit_code == 2, result.stderr
    assert "unexpected failure" not in result.stderr
    assert re.search(r"t(\.md\.j2| \(rendered Markdown\))(:\d+)?: ", result.stderr), result.stderr
    assert not out.exists()


def _ttf() -> bytes:
    from briefgen.theme import resolve_family

    return Path(resolve_family("Noto Sans").regular).read_bytes()


BROKEN_THEMES = {
    "fonts_int": "fonts: 5\n", "family_unknown": "fonts: {body: No Such Family}\n",
    "face_text": "fonts: {body: {name: x, regular: t.txt, bold: t.txt, italic: t.txt, bold_italic: t.txt}}\n",
    "face_truncated": "fonts: {body: {name: x, regular: cut.ttf, bold: cut.ttf, italic: cut.ttf, bold_italic: cut.ttf}}\n",
    "face_folder": "fonts: {body: {name: x, regular: ., bold: ., italic: ., bold_italic: .}}\n",
    "face_missing": "fonts: {body: {name: x}}\n", "margins_huge": "margins_mm: {top: 140}\n",
    "size_zero": "base_size_pt: 0\n", "logo_folder": "logo: .\n", "logo_text": "logo: t.txt\n",
    "fallback_text": "fallback_fonts: [t.txt]\n", "fallback_str": "fallback_fonts: x.ttf\n",
    "list_top": "- a\n", "nul": "a: \x00\n", "deep": "a: " + "[" * 1000 + "]" * 1000 + "\n",
    "tag": "logo: !!python/object:os.system x\n", "merge": "x: &p {top: 20}\nmargins_mm:\n  <<: *p\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN_THEMES))
def test_no_broken_theme_or_font_is_reported_as_a_bug(tmp_path, name):
    (tmp_path / "t.txt").write_text("not a font or an image", encoding="utf-8")
    (tmp_path / "cut.ttf").write_bytes(_ttf()[:3000])
    theme = tmp_path / "theme.yaml"
    theme.write_text(BROKEN_THEMES[name], encoding="utf-8")
    out = tmp_path / "out"
    result = briefgen("build", str(BUNDLED), "--theme", str(theme), "-o", str(out), "--no-check")
    assert result.exit_code == 2, result.stderr
    assert "unexpected failure" not in result.stderr and f"{theme}:" in result.stderr
    assert not out.exists()


def test_export_flattens_a_chain_of_user_templates_with_super_and_set(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "house-base.md.j2").write_text(
        '{% extends "base.md.j2" %}\n{% block purpose %}\n{{ super() }}\nHouse addition.\n\n{% endblock %}\n',
        encoding="utf-8")
    (mine / "house.md.j2").write_text(
        '{#- my house note -#}\n{% extends "house-base.md.j2" %}\n{% set extra = "X" %}\n'
        "{% block footer %}{{ note.sender }} {{ extra }}{% endblock %}\n"
        "{% block purpose %}{{ super() }}Child addition.\n\n{% endblock %}\n", encoding="utf-8")
    from briefgen.templates import flatten_template

    flat, chain = flatten_template("house", (mine,))
    assert [e.path.name for e in chain] == ["house.md.j2", "house-base.md.j2", "base.md.j2"]
    assert flat.startswith("{#- my house note -#}") and "super()" not in flat
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "house.md.j2").write_text(flat, encoding="utf-8")
    chained, a = build_md(tmp_path / "a", mine, "house")
    flattened, b = build_md(tmp_path / "b", tmp_path / "flat", "house")
    assert chained.exit_code == 0 and flattened.exit_code == 0
    assert a == b and "House addition.\n\nChild addition." in a


def test_watch_follows_a_template_folder_moved_away_and_back(tmp_path):
    import time

    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "x.md.j2").write_text("one", encoding="utf-8")
    stop, seen, thread = _watch_in_thread([tmp_path / "w.yaml", templates])
    try:
        time.sleep(1.0)
        templates.rename(tmp_path / "tpl2")
        time.sleep(0.8)
        (tmp_path / "tpl2").rename(templates)
        time.sleep(1.5)
        seen.clear()
        (templates / "x.md.j2").write_text("two", encoding="utf-8")
        deadline = time.monotonic() + 15
        while not seen and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)
    assert seen and (templates / "x.md.j2").resolve() in set().union(*seen)
