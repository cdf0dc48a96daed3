"""An article as numbered body paragraphs: read from plain text, Markdown or HTML.

Source locators in a facts file (``para`` + ``evidence``) refer to the paragraphs this module
finds, so one rule numbers the article for the analyst (``briefgen article``), for ``capture``
and for ``check``. The rule, with examples, is in docs/facts-schema.md ("Numbering an article"):

- **Text and Markdown.** Blocks are separated by blank lines. Headings (``#`` lines, setext
  underlines, a block that is all bold, or a short title-case line without end punctuation) are
  left out, and so are the front matter before the first body paragraph: the title (also a
  first single line without end punctuation), the byline ("By ...") and the date line
  ("Published on ...", a line that is only a date, or a short line holding a full date such as
  "Staff Reporter, Mar 5, 2018": the words before the date are then the byline). A block that
  does not end a sentence is joined with the next one (PDF extraction often breaks a paragraph in
  mid-sentence); hard line wraps inside a block are joined. Each item of a Markdown list is a
  paragraph of its own.
- **HTML.** The body is the first ``<article>``, else ``<main>``, else ``<body>``; navigation,
  headers, footers, asides, figures, forms and scripts are dropped. Each ``<p>``, ``<li>``,
  ``<blockquote>`` or ``<pre>`` holding text is one paragraph (the innermost one when they nest);
  ``<h1>``-``<h6>`` are headings. The same front-matter rule then applies.
- **In both**, Markdown and HTML remnants are removed (emphasis markers, links reduced to their
  text, escaped ``\\$``, tags, entities) and every run of whitespace becomes one space.

Reading is bounded (``MAX_ARTICLE_BYTES``), accepts UTF-8 or a detected encoding, and can be
confined to a folder tree (``root``) so a path written in a facts file cannot reach elsewhere.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import ArticleError

__all__ = [
    "MAX_ARTICLE_BYTES",
    "Article",
    "read_article",
    "read_bounded",
    "parse_article",
    "decode_article",
    "normalise",
    "fold",
    "paragraphs",
    "find_evidence",
    "sentences",
]

MAX_ARTICLE_BYTES = 5 * 1024 * 1024
"""Largest article file accepted, in bytes (a long web page is about 300 KB)."""

_SENTENCE_END = re.compile(r"[.!?:\"”’)\]]\s*$")
_BYLINE = re.compile(r"^(?:written\s+)?by\s+\S", re.IGNORECASE)
_DATELINE = re.compile(
    r"^(?:published|posted|updated|first published|last updated|date)\b", re.IGNORECASE
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ONLY_DATE = re.compile(
    rf"^(?:\w+day,?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?)"
    rf"\s+\d{{4}}$|^\d{{4}}-\d{{2}}-\d{{2}}$",
    re.IGNORECASE,
)
_HAS_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})",
    re.IGNORECASE,
)
_ATX = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+")
_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with".split()
)


@dataclass(frozen=True)
class Article:
    """One article, numbered.

    ``paragraphs``: the body paragraphs, normalised; paragraph ``n`` is ``paragraphs[n - 1]``.
    ``title``, ``byline`` and ``dateline`` are the front-matter lines as printed (or None);
    ``headings`` holds (number of the paragraph the heading stands before, heading text);
    ``path`` is where it was read from, for messages; ``kind`` is "text" or "html";
    ``meta`` holds what an HTML page declares (``author``, ``published``, ``title``, ``url``).
    """

    paragraphs: tuple[str, ...]
    title: str | None = None
    byline: str | None = None
    dateline: str | None = None
    headings: tuple[tuple[int, str], ...] = ()
    path: str | None = None
    kind: str = "text"
    meta: dict[str, str] = field(default_factory=dict)

    def paragraph(self, number: int) -> str | None:
        """Return paragraph ``number`` (1-based), or None if there is no such paragraph."""
        return self.paragraphs[number - 1] if 1 <= number <= len(self.paragraphs) else None


# ---------------------------------------------------------------------------------------------
# Reading


def read_bounded(path: str | Path, *, root: str | Path | None = None, limit: int = MAX_ARTICLE_BYTES) -> bytes:
    """Return the bytes of the regular file at ``path``, at most ``limit`` bytes.

    With ``root``, the file (after resolving symbolic links and ``..``) must lie inside the
    folder tree ``root``. Raises ArticleError if it is missing, not a regular file, unreadable,
    too large, or outside ``root``.
    """
    from briefgen.files import OutsideRootError, read_bytes

    try:
        return read_bytes(path, limit=limit, root=root, error=ArticleError)
    except OutsideRootError:
        raise ArticleError(
            f"the article must be inside {Path(root).resolve()} (the facts file's folder tree)",
            path=str(path), hint="move the article beside the facts file, or pass --source",
        ) from None


def read_article(path: str | Path, *, root: str | Path | None = None) -> Article:
    """Return the numbered ``Article`` in the file at ``path`` (text, Markdown or HTML).

    HTML is recognised by the suffix (``.html``, ``.htm``, ``.xhtml``) or by content starting
    with ``<!doctype html`` or ``<html``. ``root`` confines the path as in ``read_bounded``.
    Raises ArticleError if it cannot be read or decoded, or has no body paragraph.
    """
    data = read_bounded(path, root=root)
    is_html = Path(path).suffix.lower() in (".html", ".htm", ".xhtml") or _looks_like_html(data)
    text = decode_article(data, str(path), html_page=is_html)
    article = parse_article(text, kind="html" if is_html else "text", path=str(path))
    if not article.paragraphs:
        raise ArticleError("no body paragraph found in the article", path=str(path),
                           hint="is it the article's text (or its web page)?")
    return article


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_article(data: bytes, path: str = "<article>", *, html_page: bool = False) -> str:
    """Return ``data`` as text: UTF-8 (with or without BOM), a UTF-16 BOM, the charset an HTML
    page declares, else the encoding charset-normalizer detects.

    Raises ArticleError if no encoding fits.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if html_page:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            try:
                return data.decode(declared.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ArticleError("the file is not text in any encoding briefgen can detect", path=path,
                           hint="save it as UTF-8")
    return str(best)


# ---------------------------------------------------------------------------------------------
# Normalising


_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# The span of an emphasis never contains its own marker character, so a lone marker costs one
# scan to the next marker, never one to the end of the text (no quadratic time on "*a *a *a").
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=[^\s*_])([^*_]+?)(?<=[^\s*_])\1")
_UNDERSCORE_EM = re.compile(r"(?<![\w\\])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?!\w)")
_CODE = re.compile(r"`+([^`]*)`+")


def normalise(text: str) -> str:
    """Return ``text`` as a reader sees it: Markdown and HTML remnants removed (emphasis markers,
    links reduced to their text, images, tags, escapes such as ``\\$``), entities decoded,
    NFC-normalised, and every run of whitespace (hard wraps included) as one space."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text) if "<" in text else text
    text = _CODE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***x*** or **_x_**
        text = _EMPHASIS.sub(r"\2", text)
        text = _UNDERSCORE_EM.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = html.unescape(text) if "&" in text else text
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip()


_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})


def fold(text: str) -> str:
    """Return ``text`` folded for comparison: ``normalise``d, case-folded, curly quotes and
    primes as straight ones, every dash as ``-``, accents kept, whitespace as one space, and
    spaces around a dash removed (``11- 12`` and ``11–12`` fold alike)."""
    text = normalise(text).translate(_FOLD).casefold()
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------------------------
# Numbering


def parse_article(text: str, *, kind: str = "text", path: str | None = None) -> Article:
    """Return the ``Article`` in ``text``; ``kind`` is "text" (plain text or Markdown) or
    "html". Never raises on odd input: what is not recognised is body text."""
    if kind == "html":
        blocks, meta = _html_blocks(text)
    else:
        blocks, meta = _text_blocks(text), {}
    return _number(blocks, path=path, kind=kind, meta=meta)


def paragraphs(text: str) -> list[str]:
    """Return the body paragraphs of the plain-text or Markdown article ``text``, normalised;
    paragraph ``n`` is item ``n - 1``."""
    return list(parse_article(text).paragraphs)


def find_evidence(text: str, para: int, evidence: str) -> bool:
    """Return True if ``evidence`` occurs in paragraph ``para`` of the text article ``text``
    after folding (case, whitespace, quote styles and dashes; see ``fold``)."""
    found = parse_article(text).paragraph(para)
    return found is not None and fold(evidence) in fold(found)


# A block is (kind, text): kind is "heading", "para" (may continue in the next block when it
# does not end a sentence) or "item" (a list item or an HTML block: never joined).
_Block = tuple[str, str]


def _text_blocks(text: str) -> list[_Block]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    blocks: list[_Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.extend(_classify_text_block(current))
            current.clear()

    for line in lines:
        if not line.strip():
            flush()
        elif _ATX.match(line):
            flush()
            blocks.append(("heading", normalise(re.sub(r"\s#+\s*$", "", line.strip().lstrip("#")))))
        elif _SETEXT.match(line) and len(current) == 1 and not _LIST_ITEM.match(current[0]):
            blocks.append(("heading", normalise(current[0])))
            current.clear()
        else:
            current.append(line)
    flush()
    return [b for b in blocks if b[1]]


def _classify_text_block(lines: list[str]) -> list[_Block]:
    if any(_LIST_ITEM.match(line) for line in lines[:1]):
        items: list[list[str]] = []
        for line in lines:
            if _LIST_ITEM.match(line):
                items.append([_LIST_ITEM.sub("", line, count=1)])
            elif items:
                items[-1].append(line)
        return [("item", normalise(" ".join(item))) for item in items]
    lines = [re.sub(r"^\s{0,3}>\s?", "", line) for line in lines]  # block quotes
    raw = " ".join(line.strip() for line in lines)
    text = normalise(raw)
    if _BYLINE.match(text) or _DATELINE.match(text) or _ONLY_DATE.match(text) or _is_dated_line(text):
        return [("para", text)]  # front matter, set aside by ``_number`` when it comes first
    if _is_bold_block(raw) or _is_title_line(lines, text):
        return [("heading", text)]
    if _is_plain_title(lines, text):
        return [("line", text)]  # the title when it comes first, else ordinary text
    return [("para", text)]


def _is_dated_line(text: str) -> bool:
    """A short line holding a full date and no sentence: "Team X, Mar 5, 2018, 11:28 AM IST"."""
    return len(text.split()) <= 20 and not _SENTENCE_END.search(text) and bool(_HAS_DATE.search(text))


def _is_plain_title(lines: list[str], text: str) -> bool:
    """One line, at most 25 words, no end punctuation, not ending in a function word (which
    would be a sentence broken by extraction)."""
    words = text.split()
    return (len(lines) == 1 and 1 <= len(words) <= 25 and not re.search(r"[.!?:;,\"”’)]$", text)
            and words[-1].lower() not in _FUNCTION_WORDS)


def _is_bold_block(raw: str) -> bool:
    stripped = raw.strip()
    return bool(re.fullmatch(r"(\*\*|__)[^*_]+\1", stripped))


def _is_title_line(lines: list[str], text: str) -> bool:
    """A heading written as a plain line: one short line, no end punctuation, title case."""
    words = text.split()
    if len(lines) != 1 or not 1 <= len(words) <= 12 or re.search(r"[.!?:;,\"”’)]$", text):
        return False
    if words[-1].lower() in _FUNCTION_WORDS:
        return False
    significant = [w for w in words if w.lower() not in _FUNCTION_WORDS]
    capitals = sum(1 for w in significant if w[:1].isupper() or w[:1].isdigit())
    return bool(significant) and capitals / len(significant) >= 0.75


def _number(blocks: list[_Block], *, path: str | None, kind: str, meta: dict[str, str]) -> Article:
    title = None
    byline = dateline = None
    body: list[str] = []
    headings: list[tuple[int, str]] = []
    pending = ""
    for block_kind, text in blocks:
        in_front = not body and not pending
        if block_kind == "heading":
            if pending:  # a heading ends a paragraph even in mid-sentence
                body.append(pending)
                pending = ""
            if in_front and title is None:
                title = text
            else:
                headings.append((len(body) + 1, text))
            continue
        if in_front and byline is None and _BYLINE.match(text) and len(text) <= 400:
            byline = text
            continue
        if block_kind == "line" and in_front and title is None and not meta:
            title = text
            continue
        if in_front and dateline is None and len(text) <= 120 and (
            _DATELINE.match(text) or _ONLY_DATE.match(text) or _is_dated_line(text)
        ):
            dateline = text
            before = _HAS_DATE.split(text, maxsplit=1)[0].strip(" ,;|·–—-")
            if byline is None and before and not _DATELINE.match(before) and not _ONLY_DATE.match(text):
                byline = before  # "Team X, Mar 5, 2018": the agency or author before the date
            continue
        if block_kind == "item":
            if pending:
                body.append(pending)
                pending = ""
            body.append(text)
            continue
        pending = f"{pending} {text}" if pending else text
        if _SENTENCE_END.search(pending):
            body.append(pending)
            pending = ""
    if pending:
        body.append(pending)
    return Article(tuple(body), title=title or meta.get("title"), byline=byline, dateline=dateline,
                   headings=tuple(headings), path=path, kind=kind, meta=meta)


_DROP = ("script", "style", "noscript", "template", "nav", "aside", "form", "footer", "figure",
         "iframe", "svg", "button", "select", "textarea", "dialog")
_BLOCKS = ("p", "li", "blockquote", "pre", "dd", "h1", "h2", "h3", "h4", "h5", "h6")


def _html_blocks(text: str) -> tuple[list[_Block], dict[str, str]]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    meta = _html_meta(tree)
    root = tree.css_first("article") or tree.css_first("main") or tree.css_first("[role=main]") or tree.body
    if root is None:
        return [], meta
    for node in root.css(", ".join(_DROP)):
        node.decompose()
    for node in root.css("header"):
        if node.css_first("p, li") is None or node.parent is None or node.parent.tag in ("body", "html"):
            # A page header (site name, menu) goes; an article's own header keeps its h1 and
            # byline, which the front-matter rule then sets aside.
            if node.parent is None or node.parent.tag in ("body", "html"):
                node.decompose()
    for node in root.css("br"):
        node.replace_with(" ")
    blocks: list[_Block] = []
    for node in root.css(", ".join(_BLOCKS)):
        if node.tag not in ("h1", "h2", "h3", "h4", "h5", "h6") and any(
            inner.mem_id != node.mem_id for inner in node.css(", ".join(_BLOCKS))
        ):
            continue  # a container: its inner blocks are the paragraphs
        inside_heading = False
        parent = node.parent
        while parent is not None and parent is not root:
            if parent.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                inside_heading = True
                break
            parent = parent.parent
        if inside_heading:
            continue
        content = normalise(node.text(deep=True, separator=""))
        if not content:
            continue
        if node.tag.startswith("h") and node.tag[1:].isdigit():
            blocks.append(("heading", content))
        else:
            blocks.append(("item", content))
    return blocks, meta


def _html_meta(tree) -> dict[str, str]:
    meta: dict[str, str] = {}

    def content(selector: str) -> str | None:
        node = tree.css_first(selector)
        value = node.attributes.get("content") if node is not None else None
        return normalise(value) if value else None

    for key, selectors in (
        ("title", ("meta[property='og:title']", "meta[name='twitter:title']")),
        ("author", ("meta[name='author']", "meta[property='article:author']")),
        ("published", ("meta[property='article:published_time']", "meta[name='date']",
                       "meta[itemprop='datePublished']", "meta[name='pubdate']")),
        ("url", ("meta[property='og:url']",)),
        ("publisher", ("meta[property='og:site_name']",)),
    ):
        for selector in selectors:
            value = content(selector)
            if value:
                meta[key] = value
                break
    if "author" not in meta:
        node = tree.css_first("[rel='author'], [itemprop='author'], .byline, .author, .article-author")
        if node is not None:
            # "By Jane Roe · 25 February 2020": the name, without "By" and what follows a separator
            name = re.split(r"\s*[·|•,]\s*|\s+[-–—]\s+", normalise(node.text(deep=True, separator=" ")))[0]
            name = re.sub(r"^(?:written\s+)?by\s+", "", name, flags=re.IGNORECASE).strip()
            if name and len(name) <= 120 and not _HAS_DATE.search(name):
                meta["author"] = name
    if "published" not in meta:
        node = tree.css_first("time[datetime]")
        if node is not None and node.attributes.get("datetime"):
            meta["published"] = node.attributes["datetime"].strip()
    if "title" not in meta:
        node = tree.css_first("title")
        if node is not None and node.text().strip():
            meta["title"] = normalise(node.text())
    if "url" not in meta:
        node = tree.css_first("link[rel='canonical']")
        if node is not None and node.attributes.get("href"):
            meta["url"] = node.attributes["href"].strip()
    return meta


_SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])"
)
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Lt|Col|Sen|Rep|Gov|Jr|Sr|No|vs|etc|e\.g|i\.e|U\.S|U\.K|Inc|Ltd|Co)\.$")


def sentences(paragraph: str) -> list[str]:
    """Return the sentences of one normalised paragraph, in order, with their punctuation.

    A full stop after a common abbreviation (``Mr.``, ``Dr.``) or inside a quotation does not
    end a sentence."""
    out: list[str] = []
    start = 0
    depth = 0
    for match in _SENTENCE_SPLIT.finditer(paragraph):
        candidate = paragraph[start:match.start()].strip()
        before = paragraph[start:match.end()]
        depth = before.count("“") - before.count("”") + (before.count('"') % 2)
        if _ABBREVIATIONS.search(paragraph[: match.start()].rstrip("\"”’)")) or depth > 0:
            continue
        if candidate:
            out.append(paragraph[start:match.end()].strip())
            start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out
