"""The sandboxed Jinja environment: Markdown escaping, strict variables, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from briefgen.errors import TemplateError
from briefgen.facts import parse_facts
from briefgen.markup import parse
from briefgen.model import plain_text
from briefgen.templating import md_escape, render_markdown
from minimal import MINIMAL

FACTS = parse_facts(MINIMAL)
DATE = dt.date(2024, 7, 22)


def render_with(tmp_path, body: str) -> str:
    (tmp_path / "t.md.j2").write_text(body, encoding="utf-8")
    return render_markdown(FACTS, template="t", search_path=[tmp_path], date=DATE)


@pytest.mark.parametrize(
    "text",
    ["*bold* _it_ `code`", "# not a heading", "- not a list", "1. not a list", "a | b", "<b>x</b> &amp;",
     "[link](https://x.org)", "</para> <font>", "back\\slash", ": not a definition", "![img](x.png)"],
)
def test_facts_text_stays_literal_through_markdown(text):
    document = parse(f"---\ntitle: t\n---\n{md_escape(text)}\n")
    (paragraph,) = document.blocks
    assert plain_text(paragraph.children) == text


def test_undefined_attribute_names_template_line_and_suggests(tmp_path):
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, "---\ntitle: x\n---\n{% for a in areas %}\n{{ a.figure }}\n{% endfor %}\n")
    (problem,) = info.value.problems
    assert problem.path.endswith("t.md.j2")
    assert problem.line == 5
    assert problem.hint == "did you mean 'figures'?"


def test_undefined_variable_suggests_a_close_name(tmp_path):
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, "{{ aeras }}\n")
    assert info.value.problems[0].hint == "did you mean 'areas'?"
    assert info.value.problems[0].line == 1


def test_syntax_error_names_the_line(tmp_path):
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, "ok\n{% for a in areas %}\n")
    assert info.value.problems[0].line == 2
    assert "template syntax error" in info.value.problems[0].message


@pytest.mark.parametrize(
    "expression",
    ["''.__class__.__mro__", "cycler.__init__.__globals__", "facts.__class__.__init__.__globals__"],
)
def test_the_sandbox_keeps_python_internals_out_of_reach(tmp_path, expression):
    with pytest.raises(TemplateError):
        out = render_with(tmp_path, f"{{{{ {expression}[1] }}}}\n")
        # Some expressions are merely undefined in the sandbox; either way nothing leaks.
        assert "class" not in out


def test_huge_ranges_are_refused(tmp_path):
    with pytest.raises(TemplateError, match="not allowed|range too big|OverflowError"):
        render_with(tmp_path, "{% for i in range(10**9) %}x{% endfor %}\n")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd"])
def test_includes_cannot_leave_the_template_path(tmp_path, name):
    with pytest.raises(TemplateError, match="not found"):
        render_with(tmp_path, f'{{% include "{name}" %}}\n')


def test_bad_filter_argument_names_the_line(tmp_path):
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, "line one\n{{ 5|money('LNG') }}\n")
    assert info.value.problems[0].line == 2
    assert "filter 'money'" in info.value.problems[0].message
