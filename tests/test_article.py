"""One numbering of an article's body paragraphs, from text, Markdown and HTML."""

from __future__ import annotations

import pytest

from briefgen.article import fold, normalise, parse_article, read_article, sentences
from briefgen.errors import ArticleError
from conftest import ARTICLE, run_cli

WRAPPED = """\
## The Visit Of A Friend

By Dr. Jane Roe, Director, Institute of Things (IOT), Lisbon

Published on 3rd March 2025

The president arrived for a
three-day visit (1- 3 March 2025) and
signed *nine* agreements.

The two sides set a goal of over \\$2 billion in
trade, up from about \\$500 million.



It was a visit that the press followed
closely, page after page, until the

end. The **minister** said: “We are [glad](https://example.org/x).”

## Outlook

- Trade fairs in May.
- A forum in 2026.
"""


def test_text_paragraphs_join_wraps_and_skip_front_matter():
    article = parse_article(WRAPPED)
    assert article.title == "The Visit Of A Friend"
    assert article.byline.startswith("By Dr. Jane Roe")
    assert article.dateline == "Published on 3rd March 2025"
    assert article.paragraphs == (
        "The president arrived for a three-day visit (1- 3 March 2025) and signed nine agreements.",
        "The two sides set a goal of over $2 billion in trade, up from about $500 million.",
        "It was a visit that the press followed closely, page after page, until the end. "
        "The minister said: “We are glad.”",
        "Trade fairs in May.",
        "A forum in 2026.",
    )
    assert article.headings == ((4, "Outlook"),)


def test_a_heading_ends_a_paragraph_and_title_case_lines_are_headings():
    article = parse_article("# Title\n\nFirst paragraph without a stop\n\nStrengthening Mutual Ties\n\nSecond one.\n")
    assert article.paragraphs == ("First paragraph without a stop", "Second one.")
    assert article.headings == ((2, "Strengthening Mutual Ties"),)


def test_a_plain_first_line_is_the_title_and_a_dated_line_the_date_line():
    article = parse_article(
        "Two nations to double trade by 2030\n\nStaff Reporter, Mar 5, 2018, 11:28 AM IST\n\n"
        "Hanoi: The two sides agreed.\n")
    assert (article.title, article.byline, article.dateline) == (
        "Two nations to double trade by 2030", "Staff Reporter", "Staff Reporter, Mar 5, 2018, 11:28 AM IST")
    assert article.paragraphs == ("Hanoi: The two sides agreed.",)


def test_a_broken_line_ending_mid_sentence_is_not_a_heading():
    article = parse_article("The president arrived in\n\nPakistan on Monday.\n")
    assert article.paragraphs == ("The president arrived in Pakistan on Monday.",)


HTML = """<!DOCTYPE html>
<html><head><meta charset="windows-1252"><title>Site | A Visit</title>
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2025-03-04T08:00:00Z">
</head><body>
<header><nav><a href="/">Home</a></nav><p>Site slogan.</p></header>
<article>
  <h1>A Visit &amp; Its Results</h1>
  <p class="byline">By Jane Roe</p>
  <p>The president &ndash; on a
     three-day visit &ndash; signed <b>nine</b> agreements worth <i>\u20ac2&nbsp;billion</i>.</p>
  <figure><img src="x.png"><figcaption>A photo caption.</figcaption></figure>
  <h2>Trade</h2>
  <p>Trade rose.<br>It rose again.</p>
  <ul><li><p>Item one.</p></li><li>Item two.</li></ul>
  <script>var x = "<p>not text</p>";</script>
</article>
<footer><p>Copyright.</p></footer>
</body></html>
"""


def test_html_paragraphs_decoded_and_boilerplate_left_out(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(HTML.encode("cp1252"))  # the euro sign is byte 0x80
    article = read_article(path)
    assert article.kind == "html"
    assert article.title == "A Visit & Its Results"
    assert article.byline == "By Jane Roe"
    assert article.meta["author"] == "Jane Roe"
    assert article.meta["published"].startswith("2025-03-04")
    assert article.paragraphs == (
        "The president – on a three-day visit – signed nine agreements worth €2 billion.",
        "Trade rose. It rose again.",
        "Item one.",
        "Item two.",
    )
    assert article.headings == ((2, "Trade"),)


def test_an_html_byline_element_gives_the_author():
    page = ("<html><body><article><h1>T</h1><div class='byline'><span>By Jane Roe</span> · "
            "<time datetime='2020-02-25'>25 February 2020</time></div><p>Body text.</p></article></body></html>")
    article = parse_article(page, kind="html")
    assert article.meta["author"] == "Jane Roe"
    assert article.meta["published"] == "2020-02-25"
    assert article.paragraphs == ("Body text.",)


def test_encodings_are_detected(tmp_path):
    text = "Le président a signé l’accord à Bakou, où il a été reçu chaleureusement par le ministre.\n"
    path = tmp_path / "latin.txt"
    path.write_bytes(text.encode("latin-1", "replace").replace(b"?", b"'"))
    assert read_article(path).paragraphs[0].startswith("Le président a signé")
    path16 = tmp_path / "utf16.txt"
    path16.write_text(text, encoding="utf-16")
    assert read_article(path16).paragraphs[0] == text.strip()


def test_normalise_removes_remnants():
    assert normalise("**bold** _em_ \\$2 [link](http://x.org) &amp; <b>tag</b>\n  wrap") == "bold em $2 link & tag wrap"
    assert normalise("snake_case_name stays") == "snake_case_name stays"


def test_fold_equates_quotes_dashes_case_and_spacing():
    assert fold("“We’re” 11 – 12 July") == fold('"we\'re" 11-12   JULY')


def test_sentences_respect_abbreviations_and_quotes():
    assert sentences('Mr. Roe said: "It is done. Now we go." Then he left. Next.') == [
        'Mr. Roe said: "It is done. Now we go."', "Then he left.", "Next."]


def test_reading_is_bounded_and_confined(tmp_path):
    inside = tmp_path / "facts" / "a.txt"
    inside.parent.mkdir()
    inside.write_text("A body paragraph.\n", encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret text.\n", encoding="utf-8")
    assert read_article(inside, root=inside.parent).paragraphs == ("A body paragraph.",)
    with pytest.raises(ArticleError, match="must be inside"):
        read_article(inside.parent / ".." / "secret.txt", root=inside.parent)
    (inside.parent / "link.txt").symlink_to(outside)
    with pytest.raises(ArticleError, match="must be inside"):
        read_article(inside.parent / "link.txt", root=inside.parent)
    with pytest.raises(ArticleError, match="no such file"):
        read_article(tmp_path / "missing.txt")
    with pytest.raises(ArticleError, match="no body paragraph"):
        (tmp_path / "empty.txt").write_text("## Only A Title\n", encoding="utf-8")
        read_article(tmp_path / "empty.txt")


def test_article_command_prints_numbered_paragraphs(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(WRAPPED, encoding="utf-8")
    result = run_cli("article", str(path))
    assert result.returncode == 0, result.stderr
    assert "title: The Visit Of A Friend" in result.stdout
    assert "\n[2] The two sides set a goal of over $2 billion in trade" in result.stdout
    assert "\n## Outlook\n\n[4] Trade fairs in May." in result.stdout
    missing = run_cli("article", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nope.txt'}: no such file (check the path)"


@pytest.mark.skipif(not ARTICLE.is_file(), reason=f"the source article is not beside this checkout ({ARTICLE})")
def test_the_real_article_numbering():
    article = read_article(ARTICLE)
    assert article.title == "Pakistan Welcome's Brother Ilham Aliyev"
    assert article.dateline == "Published on 20th July 2024"
    assert len(article.paragraphs) == 11
    assert article.paragraphs[2].startswith("Prime Minister Shehbaz Sharif emphasised the goal of enhancing "
                                            "bilateral investment to $2 billion")
    assert article.headings == ((5, "Strengthening Mutual Cooperation and Opportunities"),)


def test_lone_markers_and_many_dates_take_linear_time():
    """A lone '*' or '_' once cost a scan to the end of the text for each (hours on a 5 MB file),
    and so did each date already read. Run in a subprocess with a timeout: a hang fails."""
    import subprocess
    import sys

    code = (
        "from briefgen.article import parse_article; from briefgen.quantities import find_dates, find_amounts; "
        "a = parse_article('*a _b ' * 40000); "
        "d = find_dates('May 2024, ' * 30000); n = find_amounts('1 ' * 50000); "
        "print(len(a.paragraphs), len(d), len(n))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["1", "30000", "50000"], result.stderr
