"""Markdown -> document model, checked through a compact serialisation."""

from __future__ import annotations

import pytest

from briefgen.errors import MarkupError
from briefgen.markup import parse
from briefgen.model import (
    BulletList,
    DefinitionList,
    Heading,
    Link,
    OrderedList,
    Paragraph,
    Quote,
    Table,
    plain_text,
)

HEAD = "---\ntitle: T\nclassification: OFFICIAL\nkeywords: [a, b]\ndate: 2024-07-22\n---\n"


def serialise(blocks) -> list:
    out = []
    for b in blocks:
        match b:
            case Heading(level, children):
                out.append(("heading", level, plain_text(children)))
            case Paragraph(children):
                out.append(("para", plain_text(children)))
            case BulletList(items) | OrderedList(items):
                out.append((type(b).__name__, [serialise(i) for i in items]))
            case Table(header, rows, aligns):
                out.append(("table", [plain_text(c) for c in header], [[plain_text(c) for c in r] for r in rows], aligns))
            case Quote(inner, attribution):
                out.append(("quote", serialise(inner), attribution and plain_text(attribution)))
            case DefinitionList(items):
                out.append(("dl", [(plain_text(t), serialise(v)) for t, v in items]))
    return out


def test_the_model_of_a_small_note():
    document = parse(
        HEAD
        + "# Title\n\nTo\n: Minister\n\n## Section\n\nText *em* **strong**.\n\n- one\n- two\n\n"
        "1. first\n2. second\n\n| A | B |\n|:--|--:|\n| x | 1 |\n\n> “Said.”\n>\n> — Someone, Role\n"
    )
    assert document.meta.title == "T"
    assert document.meta.classification == "OFFICIAL"
    assert document.meta.keywords == ("a", "b")
    assert serialise(document.blocks) == [
        ("heading", 1, "Title"),
        ("dl", [("To", [("para", "Minister")])]),
        ("heading", 2, "Section"),
        ("para", "Text em strong."),
        ("BulletList", [[("para", "one")], [("para", "two")]]),
        ("OrderedList", [[("para", "first")], [("para", "second")]]),
        ("table", ["A", "B"], [["x", "1"]], ("left", "right")),
        ("quote", [("para", "“Said.”")], "Someone, Role"),
    ]


@pytest.mark.parametrize(
    ("body", "what"),
    [("```\ncode\n```\n", "a code block"), ("***\n", "a horizontal rule"), ("##### deep\n", "a level-5 heading"),
     ("![x](https://x.org/a.png)\n", "an image")],
)
def test_unsupported_markdown_is_an_error_with_its_line(body, what):
    with pytest.raises(MarkupError) as info:
        parse(HEAD + "\n" + body)
    assert info.value.problems[0].line == 8
    assert what in info.value.problems[0].message


@pytest.mark.parametrize(
    ("href", "is_link"),
    [("https://x.org", True), ("http://x.org", True), ("mailto:a@b.org", True),
     ("javascript:alert(1)", False), ("file:///etc/passwd", False), ("ftp://x.org", False)],
)
def test_only_http_https_and_mailto_become_links(href, is_link):
    (paragraph,) = parse(HEAD + f"[here]({href})\n").blocks
    assert any(isinstance(n, Link) for n in paragraph.children) is is_link
    assert "here" in plain_text(paragraph.children)


def test_escaped_html_stays_text_and_raw_html_is_refused():
    (paragraph,) = parse(HEAD + "\\<b>bold\\</b> & \\<script>x\\</script>\n").blocks
    assert plain_text(paragraph.children) == "<b>bold</b> & <script>x</script>"
    with pytest.raises(MarkupError, match="raw HTML is not supported.*'<b>'") as info:
        parse(HEAD + "a <b>bold</b>\n")
    assert info.value.problems[0].line == HEAD.count("\n") + 1
    with pytest.raises(MarkupError, match="HTML comment would be printed") as info:
        parse(HEAD + "\n<!-- TODO check with legal -->\n")
    assert "{# ... #}" in info.value.problems[0].hint
    with pytest.raises(MarkupError, match="raw HTML"):
        parse(HEAD + "<div>\ntext\n</div>\n")


def test_front_matter_is_required_and_checked():
    with pytest.raises(MarkupError, match="no front matter"):
        parse("# Title\n")
    with pytest.raises(MarkupError, match="unknown front matter field"):
        parse("---\ntitle: x\ncolour: red\n---\n")


def test_a_table_row_with_more_cells_than_the_header_is_an_error():
    with pytest.raises(MarkupError) as info:
        parse(HEAD + "| a | b |\n|--|--|\n| 1 \\| x | `p|q` |\n| 1 | 2 | 3 |\n")
    assert info.value.problems[0].line == 10
    assert "a table row has 3 cells but the header has 2" in info.value.problems[0].message


def test_a_duplicate_front_matter_key_is_one_located_line_without_ruamels_text():
    from briefgen.errors import MarkupError

    with pytest.raises(MarkupError) as caught:
        parse("---\ntitle: A\nsubject: S\ntitle: B\n---\n# Hello\n\nText.\n", source="t.md.j2")
    message = str(caught.value)
    assert caught.value.problems[0].line == 4
    assert 'duplicate key "title"' in message
    assert "\n" not in message and "unicode string" not in message and "suppress" not in message


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "٣", "\"٣\""])
def test_a_page_budget_that_is_not_ascii_digits_from_1_is_refused_at_its_line(value):
    with pytest.raises(MarkupError) as caught:
        parse(f"---\ntitle: A\nmax_pages: {value}\n---\n# Hello\n\nText.\n", source="t.md.j2")
    assert caught.value.problems[0].line == 3
    assert "max_pages" in str(caught.value)
