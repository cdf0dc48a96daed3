"""What briefgen remembers within one process (compiled templates, parsed YAML) never hides a
change: an edited template or facts file is read afresh, and the sandbox refuses the same."""

from __future__ import annotations

import datetime as dt

import pytest

from briefgen.errors import TemplateError
from briefgen.facts import load_facts, parse_facts
from briefgen.templating import BUILTIN_TEMPLATES, render_template
from minimal import MINIMAL

NOTE_DATE = dt.date(2024, 7, 22)


def test_an_edited_template_is_compiled_again(tmp_path):
    facts = parse_facts(MINIMAL)
    folder = tmp_path / "templates"
    folder.mkdir()
    template = folder / "house.md.j2"
    template.write_text("# {{ note.subject }}\n\nFirst version.\n", encoding="utf-8")
    first = render_template(facts, template="house", search_path=[folder], date=NOTE_DATE)
    assert "First version." in first.markdown
    assert first.templates["house.md.j2"][0] == template
    template.write_text("# {{ note.subject }}\n\nSecond version.\n", encoding="utf-8")
    second = render_template(facts, template="house", search_path=[folder], date=NOTE_DATE)
    assert "Second version." in second.markdown and "First" not in second.markdown
    # The same text in another folder is another template file: reported as read from there.
    other = tmp_path / "other"
    other.mkdir()
    (other / "house.md.j2").write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
    third = render_template(facts, template="house", search_path=[other], date=NOTE_DATE)
    assert third.templates["house.md.j2"][0] == other / "house.md.j2"


def test_a_cached_template_is_refused_by_the_sandbox_again(tmp_path):
    facts = parse_facts(MINIMAL)
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "bad.md.j2").write_text("# x\n\n{{ note.__class__ }}\n", encoding="utf-8")
    for _ in range(2):  # the second time from the cache of compiled templates
        with pytest.raises(TemplateError) as e:
            render_template(facts, template="bad", search_path=[folder], date=NOTE_DATE)
        assert "bad.md.j2" in str(e.value)


def test_a_misspelt_block_is_found_from_the_cache_too(tmp_path):
    facts = parse_facts(MINIMAL)
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "child.md.j2").write_text('{% extends "briefing-note.md.j2" %}\n{% block fotter %}x{% endblock %}\n',
                                        encoding="utf-8")
    for _ in range(2):
        with pytest.raises(TemplateError, match="fotter"):
            render_template(facts, template="child", search_path=[folder, BUILTIN_TEMPLATES], date=NOTE_DATE)


def test_an_edited_facts_file_is_parsed_again(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_facts(path).note.subject == "Test subject"
    path.write_text(MINIMAL.replace("Test subject", "Changed subject"), encoding="utf-8")
    assert load_facts(path).note.subject == "Changed subject"
