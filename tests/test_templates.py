"""Template customization: search order, built-ins, commands, the guide's recipe, watch."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pytest

from briefgen.errors import TemplateError
from briefgen.facts import parse_facts
from briefgen.pipeline import build
from briefgen.templating import render_markdown, template_search_path
from conftest import BUNDLED, run_cli, docx_text, pdf_text
from minimal import MINIMAL

DATE = dt.date(2024, 7, 22)


run = run_cli


def test_the_guides_recipe_changes_the_area_block_and_the_footer_in_both_formats(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    exported = run("templates", "export", "briefing-note", "--no-flatten", env=env)
    assert exported.returncode == 0, exported.stderr
    copy = Path(exported.stdout.splitlines()[0])
    assert "base.md.j2: extended by briefing-note.md.j2" in (copy.parent / "README.txt").read_text()
    assert copy == tmp_path / "config" / "briefgen" / "templates" / "briefing-note.md.j2"
    copy.write_text(
        copy.read_text(encoding="utf-8")
        + '{% block area scoped %}\n### Area: {{ area.title }}\n\n{{ area.summary }}\n\n'
          "{% for point in area.points %}\n- {{ point.text }}\n{% endfor %}\n\n{% endblock %}\n"
          "{% block footer %}{{ note.sender }} · for internal use only{% endblock %}\n",
        encoding="utf-8",
    )
    result = run("build", str(BUNDLED), "-o", str(tmp_path / "out"), env=env)
    assert result.returncode == 0, result.stderr
    pdf, word = (tmp_path / "out" / f"pakistan-azerbaijan-2024-07.{ext}" for ext in ("pdf", "docx"))
    for text in (pdf_text(pdf), docx_text(word)):
        assert "Area: Energy" in text and "Area: Trade and commerce" in text
        assert "South and Central Asia Desk · for internal use only" in text
        assert "Bilateral investment, goal: USD 2 billion" not in text  # the figure lines are gone


def test_search_order(tmp_path, monkeypatch):
    folders = {name: tmp_path / name for name in ("dir1", "dir2", "envdir", "config/briefgen/templates")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    facts_dir = tmp_path / "project"
    (facts_dir / "templates").mkdir(parents=True)
    facts = facts_dir / "x.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = template_search_path([folders["dir1"], folders["dir2"]], facts,
                                environ={"BRIEFGEN_TEMPLATE_PATH": str(folders["envdir"])})
    assert [origin for _, origin in path] == [
        "template dir", "template dir", "BRIEFGEN_TEMPLATE_PATH", "beside facts", "user", "built-in",
    ]
    assert [folder for folder, _ in path][:5] == [
        folders["dir1"], folders["dir2"], folders["envdir"], facts_dir / "templates",
        folders["config/briefgen/templates"],
    ]


def test_an_earlier_template_overrides_a_later_one(tmp_path):
    early, late = tmp_path / "early", tmp_path / "late"
    for folder, word in ((early, "EARLY"), (late, "LATE")):
        folder.mkdir()
        (folder / "mine.md.j2").write_text(f"---\ntitle: t\n---\n{word}\n", encoding="utf-8")
    facts = tmp_path / "f.yaml"
    facts.write_text(MINIMAL, encoding="utf-8")
    result = build(facts, tmp_path / "out", formats=("md",), template="mine", template_dirs=(early, late), date=DATE)
    assert result.outputs[0].read_text(encoding="utf-8").endswith("EARLY\n")


def test_a_missing_template_dir_is_an_error(tmp_path):
    with pytest.raises(TemplateError, match="no such template folder"):
        template_search_path([tmp_path / "nope"])


@pytest.mark.parametrize(("name", "pages"), [("briefing-note", None), ("one-pager", 1), ("memo", 1)])
def test_every_built_in_template_builds_from_the_same_facts(tmp_path, name, pages):
    from pypdf import PdfReader

    result = build(BUNDLED, tmp_path, template=name, date=DATE)
    pdf, word = result.outputs
    count = len(PdfReader(pdf).pages)
    assert count == pages if pages else count >= 3
    for text in (pdf_text(pdf), docx_text(word)):
        assert "Minister for Foreign Affairs" in text
        assert "Khalid Taimur Akram" in text
        assert "OFFICIAL" in text


def test_one_pager_has_one_line_per_area(tmp_path):
    result = build(BUNDLED, tmp_path, template="one-pager", formats=("md",), date=DATE)
    markdown = result.outputs[0].read_text(encoding="utf-8")
    facts = parse_facts(BUNDLED.read_text(encoding="utf-8"))
    for area in facts.areas:
        assert markdown.count(f"- **{area.title.replace(',', ',')}:**") == 1


def test_a_macro_can_replace_one_areas_section(tmp_path):
    (tmp_path / "house.md.j2").write_text(
        '{% extends "briefing-note.md.j2" %}\n'
        "{% macro energy_section(area) %}\n### {{ area.title }} (priority)\n\n{{ area.summary }}\n{% endmacro %}\n"
        '{% block area scoped %}\n{% if area.id == "energy" %}{{ energy_section(area) }}{% else %}{{ super() }}{% endif %}\n\n{% endblock %}\n',
        encoding="utf-8",
    )
    result = build(BUNDLED, tmp_path / "out", template="house", template_dirs=(tmp_path,), formats=("md",), date=DATE)
    markdown = result.outputs[0].read_text(encoding="utf-8")
    assert "### Energy (priority)" in markdown
    assert "### Trade and commerce\n" in markdown
    assert "Socar" not in markdown and "1 LNG cargo per month" not in markdown.split("## Key figures")[0].split("### Energy")[1].split("###")[0]


def test_templates_list_shows_origin_description_and_overrides(tmp_path):
    (tmp_path / "memo.md.j2").write_text("{#- My own memo. -#}\n---\ntitle: t\n---\nx\n", encoding="utf-8")
    result = run("templates", "list", "--template-dir", str(tmp_path), env={"XDG_CONFIG_HOME": str(tmp_path / "c")})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    mine = next(line for line in lines if line.startswith("memo ") and "template dir" in line)
    assert "My own memo." in mine
    builtin = next(line for line in lines if line.startswith("memo ") and "built-in" in line)
    assert "(overridden)" in builtin
    assert any(line.startswith("one-pager ") and "single-page summary" in line for line in lines)


def test_templates_show_prints_source_and_variables():
    result = run("templates", "show", "one-pager")
    assert result.returncode == 0, result.stderr
    assert "# extends: base.md.j2" in result.stdout
    variables = next(line for line in result.stdout.splitlines() if line.startswith("# variables:"))
    assert "areas" in variables and "headline_figures" in variables
    assert "{% block area scoped %}" in result.stdout
    missing = run("templates", "show", "one-pagr")
    assert missing.returncode == 2 and "did you mean 'one-pager'?" in missing.stderr


def test_templates_export_never_overwrites_without_force(tmp_path):
    first = run("templates", "export", "memo", str(tmp_path))
    assert first.returncode == 0 and (tmp_path / "memo.md.j2").is_file()
    (tmp_path / "memo.md.j2").write_text("my edits", encoding="utf-8")
    second = run("templates", "export", "memo", str(tmp_path))
    assert second.returncode == 3
    assert "the file exists; not overwritten (use --force" in second.stderr
    assert (tmp_path / "memo.md.j2").read_text(encoding="utf-8") == "my edits"
    forced = run("templates", "export", "memo", str(tmp_path), "--force")
    assert forced.returncode == 0
    assert (tmp_path / "memo.md.j2").read_text(encoding="utf-8").startswith("{#- A short")


def test_a_template_that_extends_itself_is_a_clear_error(tmp_path):
    (tmp_path / "briefing-note.md.j2").write_text('{% extends "briefing-note.md.j2" %}\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="extends or includes itself"):
        build(BUNDLED, tmp_path / "out", template_dirs=(tmp_path,), date=DATE)


def test_template_errors_name_the_facts_file(tmp_path):
    (tmp_path / "bad.md.j2").write_text("---\ntitle: x\n---\n{{ event.titel }}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        build(BUNDLED, tmp_path / "out", template="bad", template_dirs=(tmp_path,), date=DATE)
    (problem,) = info.value.problems
    assert problem.path == str(tmp_path / "bad.md.j2") and problem.line == 4
    assert f"(building {BUNDLED})" in problem.message
    assert problem.hint == "did you mean 'title'?"


@pytest.mark.parametrize(
    "body",
    ["{{ 'x' * 10**9 }}", "{{ 2 ** 100000000 }}", "{{ [1] * 10**8 }}",
     "{% for i in range(100000) %}{{ 'y' * 100 }}{% endfor %}"],
)
def test_templates_cannot_exhaust_memory_or_time(tmp_path, body):
    (tmp_path / "t.md.j2").write_text(body + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(TemplateError):
        render_markdown(parse_facts(MINIMAL), template="t", search_path=[tmp_path], date=DATE)
    assert time.perf_counter() - started < 15


def test_money_filter_styles(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        "{{ 100000000|money('USD', style='symbol') }} {{ 2000000000|money }} {{ 5|money('AZN', style='symbol') }}\n",
        encoding="utf-8")
    out = render_markdown(parse_facts(MINIMAL), template="t", search_path=[tmp_path], date=DATE)
    assert out == "\\$100 million USD 2 billion ₼5\n".replace("\\$", "$")


def test_watch_reports_changes_to_a_file_replaced_by_rename(tmp_path):
    from briefgen.watch import watch_paths

    target = tmp_path / "f.yaml"
    target.write_text("a: 1\n", encoding="utf-8")
    stop = threading.Event()
    seen: list[set] = []

    def consume():
        for changed in watch_paths([target], stop_event=stop, debounce_ms=100):
            seen.append(changed)
            stop.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    time.sleep(1.0)
    replacement = tmp_path / ".f.yaml.tmp"
    replacement.write_text("a: 2\n", encoding="utf-8")
    os.replace(replacement, target)  # the way editors save
    thread.join(timeout=15)
    stop.set()
    assert seen and target.resolve() in seen[0]


def test_a_misspelt_block_is_an_error_with_a_suggestion(tmp_path):
    (tmp_path / "house.md.j2").write_text(
        '{% extends "briefing-note.md.j2" %}\n{% block fotter %}X{% endblock %}\n', encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        build(BUNDLED, tmp_path / "out", template="house", template_dirs=(tmp_path,), date=DATE)
    (problem,) = info.value.problems
    assert problem.line == 2 and problem.hint == "did you mean 'footer'?"
    assert "is not a block of the template this one extends" in problem.message


def test_a_template_cannot_change_the_classification_marking(tmp_path):
    (tmp_path / "t.md.j2").write_text('---\ntitle: "Mine"\nclassification: "UNCLASSIFIED"\n---\n# Hello\n',
                                      encoding="utf-8")
    with pytest.raises(TemplateError, match="the template sets the classification marking to 'UNCLASSIFIED'"):
        build(BUNDLED, tmp_path / "out", template="t", template_dirs=(tmp_path,), date=DATE)
    (tmp_path / "u.md.j2").write_text('---\ntitle: "Mine"\n---\n# Hello\n', encoding="utf-8")
    result = build(BUNDLED, tmp_path / "out", template="u", template_dirs=(tmp_path,), date=DATE)
    assert pdf_text(result.outputs[0]).count("OFFICIAL") >= 2


def test_chart_works_inside_a_line_of_text(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        '---\ntitle: t\n---\nBefore {{ chart(figures|selectattr("unit", "equalto", "USD")|list, "T") }} after\n',
        encoding="utf-8")
    result = build(BUNDLED, tmp_path / "out", template="t", template_dirs=(tmp_path,), date=DATE, formats=("pdf",))
    text = pdf_text(result.outputs[0])
    assert "Before" in text and "after" in text and "USD 2 billion" in text


def test_a_template_given_as_a_folder_says_so(tmp_path):
    with pytest.raises(TemplateError, match="is a folder, not a template file"):
        build(BUNDLED, tmp_path / "out", template=str(tmp_path), date=DATE)


def test_a_single_point_area_is_not_said_twice(tmp_path):
    result = build(BUNDLED, tmp_path, formats=("md",), date=DATE)
    markdown = result.outputs[0].read_text(encoding="utf-8")
    facts = parse_facts(BUNDLED.read_text(encoding="utf-8"))
    single = [a for a in facts.areas if len(a.points) == 1]
    assert single  # the bundled note has some
    for area in single:
        section = markdown.split(f"### {area.title}\n", 1)[1].split("\n#", 1)[0]
        assert area.points[0].text in section
        assert area.summary not in section and "\n*" not in section and "\n- " not in section
    several = next(a for a in facts.areas if len(a.points) > 1)
    assert f"*{several.summary}*" in markdown


def test_memo_names_the_areas_covered_unambiguously_and_says_no_area_by_area(tmp_path):
    result = build(BUNDLED, tmp_path, template="memo", formats=("md",), date=DATE)
    markdown = result.outputs[0].read_text(encoding="utf-8")
    facts = parse_facts(BUNDLED.read_text(encoding="utf-8"))
    titles = [a.title for a in facts.areas]
    assert any("," in t or " and " in t for t in titles)
    assert f"Areas of cooperation covered ({len(titles)}): {'; '.join(titles)}." in markdown
    assert "area by area" not in markdown.lower()


def test_assessment_and_sign_off_are_shown_apart_from_the_facts_in_both_formats(tmp_path):
    import docx

    from conftest import docx_text

    text = BUNDLED.read_text(encoding="utf-8")
    facts = tmp_path / "signed.yaml"
    assessment = ("A Pakistani op-ed quoting no Azerbaijani statement: confirm its agreements and figures "
                  "against official readouts before citing them.")
    facts.write_text(text.replace("\nsource:\n", "  drafted_by: A. Analyst, Desk Officer\n"
                                  "  cleared_by: B. Director, Head of Desk\n"
                                  f'  assessment: "{assessment}"\n\nsource:\n', 1), encoding="utf-8")
    assert parse_facts(facts.read_text(encoding="utf-8")).note.assessment == assessment
    for template in ("briefing-note", "memo"):
        result = build(facts, tmp_path / template, template=template, date=DATE)
        pdf, word = result.outputs
        for body in (pdf_text(pdf), docx_text(word)):
            assert "Analyst’s assessment" in body and "the analyst’s own comment" in body.lower()
            assert assessment in body
            assert body.index("Drafted by") > body.index("Source")  # at the end of the note
            assert "Drafted by A. Analyst, Desk Officer" in body.replace("\n", " ")
            assert "Cleared by B. Director, Head of Desk" in body.replace("\n", " ")
        paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
        assert paragraphs.index(next(p for p in paragraphs if assessment in p)) < len(paragraphs)
    one_pager = build(facts, tmp_path / "one", template="one-pager", formats=("md",), date=DATE)
    assert assessment not in one_pager.outputs[0].read_text(encoding="utf-8")
