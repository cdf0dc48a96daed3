"""The command line, through a real subprocess: exit codes, messages, --format and -o."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import BUNDLED, run_cli
from minimal import MINIMAL


run = run_cli


def test_version_and_help():
    from briefgen import __version__

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"briefgen, version {__version__}"
    result = run("--help")
    assert result.returncode == 0 and "build" in result.stdout
    result = run("build", "--help")
    assert result.returncode == 0 and "--format" in result.stdout and "--template" in result.stdout


def test_help_does_not_import_the_renderers():
    code = (
        "import sys; from briefgen.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('reportlab', 'docx', 'matplotlib', 'pydantic', 'jinja2', 'babel') if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_build_writes_both_formats_and_prints_their_paths(tmp_path):
    result = run("build", str(BUNDLED), "-o", str(tmp_path / "notes"))
    assert result.returncode == 0, result.stderr
    expected = [tmp_path / "notes" / "pakistan-azerbaijan-2024-07.pdf",
                tmp_path / "notes" / "pakistan-azerbaijan-2024-07.docx"]
    assert result.stdout.splitlines() == [str(p) for p in expected]
    assert all(p.stat().st_size > 10_000 for p in expected)
    assert "built " in result.stderr


def test_format_option_selects_outputs(tmp_path):
    result = run("build", str(BUNDLED), "-o", str(tmp_path), "--format", "md,pdf")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "pakistan-azerbaijan-2024-07.md",
        "pakistan-azerbaijan-2024-07.pdf",
    ]
    assert "SOURCE_DATE_EPOCH" not in result.stderr
    assert "22 July 2024" in (tmp_path / "pakistan-azerbaijan-2024-07.md").read_text(encoding="utf-8")


def test_unknown_format_is_a_usage_error(tmp_path):
    result = run("build", str(BUNDLED), "-o", str(tmp_path), "--format", "pdf,odt")
    assert result.returncode == 2
    assert "unknown format odt" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_default_output_folder_is_out_in_the_current_folder(tmp_path):
    result = run("build", str(BUNDLED), "--format", "docx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "pakistan-azerbaijan-2024-07.docx").is_file()


def test_bad_facts_exit_2_with_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("    figures:\n", "    figure:\n"), encoding="utf-8")
    result = run("build", str(bad), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {bad}:34:5: areas[0].figure: unknown field 'figure' (did you mean 'figures'?)"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema: 1\nschema: 1\n", ":2:1: schema: duplicate key 'schema' (first written on line 1)"),
        ("a: [1, 2\n", ":2:1: YAML syntax error"),
        ("schema: 1\n\tclassification: x\n", ":2:1: YAML syntax error"),
    ],
)
def test_yaml_errors_exit_2(tmp_path, text, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = run("build", str(bad), "-o", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}{expected}")


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a mapping\n", encoding="utf-8")
    result = run("build", str(bad), str(BUNDLED), "-o", str(tmp_path / "out"), "--format", "md")
    assert result.returncode == 2
    assert (tmp_path / "out" / "pakistan-azerbaijan-2024-07.md").is_file()


def test_unwritable_output_exits_3_and_keeps_nothing_partial(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("I am a file", encoding="utf-8")
    result = run("build", str(BUNDLED), "-o", str(blocker), "--format", "md")
    assert result.returncode == 3
    assert result.stderr.startswith(f"error: {blocker}: a file is in the way of the output folder")
    assert blocker.read_text(encoding="utf-8") == "I am a file"


def test_missing_template_is_exit_2(tmp_path):
    result = run("build", str(BUNDLED), "-o", str(tmp_path), "--template", "briefing-nots")
    assert result.returncode == 2
    assert "template 'briefing-nots.md.j2' not found (did you mean 'briefing-note'?)" in result.stderr


def test_template_given_as_a_path(tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text('---\ntitle: {{ event.title|tojson }}\n---\n# {{ event.title }}\n\nFrom {{ note.sender }}.\n',
                        encoding="utf-8")
    result = run("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--template", str(template), "--format", "md,docx")
    assert result.returncode == 0, result.stderr
    md = (tmp_path / "out" / "pakistan-azerbaijan-2024-07.md").read_text(encoding="utf-8")
    assert md.endswith("From South and Central Asia Desk.\n")


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_exits_70_and_debug_shows_the_traceback(monkeypatch, tmp_path, debug):
    from click.testing import CliRunner

    import briefgen.pipeline
    from briefgen.cli import cli

    def crash(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(briefgen.pipeline, "build", crash)
    args = (["--debug"] if debug else []) + ["build", str(BUNDLED), "-o", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 70
    assert "unexpected failure (a bug in briefgen)" in result.output
    assert ("Traceback" in result.output) is debug
