"""Markdown text (what a template renders) -> ``Document``.

The Markdown is CommonMark plus GFM tables, definition lists (``Term`` / ``: value``) and a YAML
front matter holding the document metadata (``title``, ``classification``, ``subject``,
``author``, ``keywords``, ``lang``, ``date``, ``header``, ``footer``). Raw HTML and HTML comments
written by a template are errors (one format would drop them, or the reader would see them); an
escaped ``<`` (every fact is printed escaped) stays text. Anything the document model has no node for (images, code
blocks, rules, headings deeper than 4) is an error naming the line of the Markdown, so a template
cannot produce content that one output format would silently drop. A fenced block with the info
string ``chart`` holds a chart's data as JSON (see ``templating.chart_block``). See ``briefgen build
--format md`` to look at the Markdown itself.
"""

from __future__ import annotations

import datetime as dt
import re

from briefgen.errors import MarkupError
from briefgen.model import (
    Block,
    BulletList,
    Chart,
    Code,
    DefinitionList,
    Document,
    Emph,
    Heading,
    Inline,
    LineBreak,
    Link,
    Meta,
    OrderedList,
    Paragraph,
    Quote,
    Strong,
    Table,
    Text,
)

__all__ = ["parse", "ALLOWED_LINK_SCHEMES"]

ALLOWED_LINK_SCHEMES = ("http://", "https://", "mailto:")
MAX_TABLE_COLUMNS = 12
"""Most columns in one table: more cannot be read on a portrait page."""
MAX_CHART_TEXT = 300
"""Longest chart title, unit, bar label or caption, in characters (a facts file's line limit)."""
MAX_CHART_VALUE = 1e21
"""Largest value a chart draws (money may be up to 10^18 in the facts)."""
MAX_CHART_BARS = 12
"""Most bars in one chart: more do not fit a page legibly (use the key-figures table)."""
MAX_MARKDOWN_CHARS = 2_000_000
"""Longest Markdown accepted (the template's own limit); a 5-page note is about 20,000."""
MAX_FRONT_MATTER_CHARS = 20_000
"""Longest front matter accepted, in characters."""
MAX_TEXT_CHARS = 100_000
"""Longest paragraph, heading, list item or table cell, in characters (about twenty pages)."""
MAX_BLOCKS = 5_000
"""Most blocks (paragraphs, headings, list items, table rows, ...) in one document."""
MAX_TABLE_ROWS = 500
"""Most rows in one table."""
MAX_CHARTS = 20
"""Most charts in one note: each is drawn as an image (about 0.1 s in the DOCX); a briefing note
needs a few."""
MAX_TABLES = 40
"""Most tables in one note."""
_ATTRIBUTION = re.compile(r"^\s*[—―]\s*")
_META_FIELDS = {"title", "classification", "subject", "author", "keywords", "lang", "date",
                "header", "footer", "density", "max_pages"}
MAX_PAGES_LIMIT = 200
"""Largest page budget a template may declare."""


def parse(markdown: str, *, source: str = "<markdown>", creator: str = "") -> Document:
    """Return the ``Document`` for ``markdown``.

    ``source`` names the text in error messages; ``creator`` goes into ``Meta.creator``.
    Raises MarkupError (with the Markdown line) for unsupported constructs or bad front matter.
    """
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    if len(markdown) > MAX_MARKDOWN_CHARS:
        raise MarkupError(f"the Markdown has {len(markdown):,} characters; the limit is {MAX_MARKDOWN_CHARS:,}",
                          path=source, hint="a briefing note is far shorter; shorten what the template writes")
    from briefgen.typography import quotes_for

    # Curly quotes and apostrophes of the note's language (its front matter's ``lang``, read
    # before the parse that needs it): markdown-it's typographer, smart quotes only. Its
    # "replacements" stay off: they would turn "Article 5(c)" into "Article 5©" and "+-" into "±".
    lang = _FRONT_MATTER_LANG.search(markdown[:MAX_FRONT_MATTER_CHARS + 10])
    md = (
        # HTML is parsed only to be refused (see _Builder.html): with it off, a template's
        # "<!-- TODO -->" would be printed in the note. Facts cannot write HTML: their "<" is escaped.
        MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": True,
                                  "quotes": quotes_for(lang.group(1) if lang else "en")})
        .enable("table")
        .enable("smartquotes")
        .use(front_matter_plugin)
        .use(deflist_plugin)
    )
    # Character references stay separate ("text_special") tokens so the builder can refuse one
    # that is invalid (markdown-it would print U+FFFD); the builder joins the text itself.
    md.disable("text_join")
    decoded_hrefs: dict[str, str] = {}
    normalize_link = md.normalizeLink

    def _normalize_link(url: str) -> str:
        # ``url`` has its character references and escapes decoded; the result is percent- and
        # punycode-encoded, which would hide a forbidden character from the builder's check.
        out = normalize_link(url)
        decoded_hrefs[out] = url
        return out

    md.normalizeLink = _normalize_link
    meta: Meta | None = None
    blocks: list[Block] = []
    builder = _Builder(source, markdown.splitlines(), decoded_hrefs)
    try:
        tree = SyntaxTreeNode(md.parse(markdown))
        for node in tree.children:
            if node.type == "front_matter":
                meta = _meta(node.content, source, creator)
            else:
                blocks.extend(builder.block(node))
    except RecursionError:
        raise MarkupError("the Markdown is nested too deeply (emphasis, links, lists or quotes inside "
                          "one another)", path=source,
                          hint="a briefing note nests a few levels at most; see the Markdown with --format md") from None
    if meta is None:
        raise MarkupError(
            "the Markdown has no front matter with the document title",
            path=source,
            line=1,
            hint="start the template with '---', 'title: ...', '---'",
        )
    from briefgen.model import map_text
    from briefgen.typography import tie

    # No-break spaces inside dates, amounts and initials, in the body and the running texts.
    return map_text(Document(meta=meta, blocks=tuple(blocks)), tie)


_FRONT_MATTER_LANG = re.compile(r"\A---\s*\n(?:.*\n)*?lang:\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)",
                                re.M)


def _key_line(front_matter: str, key: str) -> int:
    """Return the Markdown line of ``key:`` in ``front_matter`` (which starts on line 2), or 1."""
    for number, line in enumerate(front_matter.splitlines(), 2):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _meta(text: str, source: str, creator: str) -> Meta:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise MarkupError(
            f"the front matter has {len(text):,} characters; the limit is {MAX_FRONT_MATTER_CHARS:,}",
            path=source, line=2, hint="the front matter holds short metadata: title, subject, keywords",
        )

    try:
        data = YAML(typ="safe", pure=True).load(text) or {}
    except MarkedYAMLError as e:
        # ruamel's own text spans several lines, names "<unicode string>" and points at its docs:
        # say what it found, at the template line it found it (front matter starts on line 2).
        mark = e.problem_mark or e.context_mark
        raise MarkupError(f"the front matter is not valid YAML: {e.problem or e.context}",
                          path=source, line=(mark.line + 2) if mark else 1,
                          hint="one 'key: value' per line, each key once; quote a value that holds ': ' "
                               "or ' #'") from None
    except YAMLError as e:
        raise MarkupError(f"the front matter is not valid YAML: {' '.join(str(e).split())}",
                          path=source, line=1) from None
    except (ValueError, TypeError, OverflowError) as e:  # a value YAML cannot build, e.g. date: 2024-13-45
        raise MarkupError(f"the front matter has a value that is not valid: {e}", path=source, line=1) from None
    if not isinstance(data, dict):
        raise MarkupError("the front matter must be a mapping", path=source, line=1)
    unknown = set(data) - _META_FIELDS
    if unknown:
        raise MarkupError(
            f"unknown front matter field(s): {', '.join(sorted(map(str, unknown)))}",
            path=source,
            line=1,
            hint=f"known fields: {', '.join(sorted(_META_FIELDS))}",
        )
    if not data.get("title"):
        raise MarkupError("the front matter has no title", path=source, line=1)
    date = data.get("date")
    if date is not None and not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date))
        except ValueError:
            raise MarkupError(f"front matter date {date!r} is not YYYY-MM-DD", path=source, line=1) from None
    density = str(data.get("density") or "normal")
    if density not in ("normal", "compact"):
        raise MarkupError(f"front matter density {density!r} is not 'normal' or 'compact'", path=source,
                          line=_key_line(text, "density"))
    max_pages = data.get("max_pages")
    if max_pages in ("", None):
        max_pages = None
    else:
        # ASCII digits only: int() also reads "٣" (Arabic-Indic three) and " 1_0 ".
        written = str(max_pages).strip()
        max_pages = int(written) if re.fullmatch(r"[0-9]{1,4}", written) else 0
        if not 1 <= max_pages <= MAX_PAGES_LIMIT:
            raise MarkupError(f"front matter max_pages {data.get('max_pages')!r} is not a whole number "
                              f"from 1 to {MAX_PAGES_LIMIT}", path=source, line=_key_line(text, "max_pages"),
                              hint="write it in digits, e.g. 'max_pages: 1'")
    from briefgen.schema import FORBIDDEN_IN_OUTPUT

    for key, value in data.items():
        # YAML escapes ("\\u202e") and the like are decoded by now.
        found = FORBIDDEN_IN_OUTPUT.search(str(value))
        if found is not None:
            import unicodedata

            char = found.group()
            raise MarkupError(
                f"front matter {key}: the template writes the invisible character U+{ord(char):04X} "
                f"{unicodedata.name(char, '(a control character)')}", path=source, line=1,
                hint="remove it from the template; it would corrupt the DOCX or hide text from the reader")
    keywords = data.get("keywords") or ()
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    return Meta(
        title=str(data["title"]),
        classification=str(data.get("classification") or ""),
        subject=str(data.get("subject") or ""),
        author=str(data.get("author") or ""),
        keywords=tuple(str(k) for k in keywords if str(k)),
        lang=str(data.get("lang") or "en"),
        date=date,
        header=str(data.get("header") or ""),
        footer=str(data.get("footer") or ""),
        creator=creator,
        density=density,
        max_pages=max_pages,
    )


class _Builder:
    def __init__(self, source: str, lines: list[str], decoded_hrefs: dict[str, str] | None = None) -> None:
        self.source = source
        self.lines = lines
        self.decoded_hrefs = {} if decoded_hrefs is None else decoded_hrefs
        self._inline = None
        self.count = 0
        self.charts = 0
        self.tables = 0

    def _limit(self, node, what: str) -> MarkupError:
        return MarkupError(what, path=self.source, line=node.map[0] + 1 if node.map else None,
                           hint="a briefing note is far shorter; shorten what the template writes")

    def _error(self, node, what: str) -> MarkupError:
        line = node.map[0] + 1 if node.map else None
        text = self.lines[line - 1].strip() if line and line <= len(self.lines) else ""
        shown = f": {text[:60]!r}" if text else ""
        return MarkupError(
            f"{what} is not supported in a briefing note{shown}",
            path=self.source,
            line=line,
            hint="this line of the Markdown comes from the template's text, not from the facts",
        )

    def blocks(self, nodes) -> tuple[Block, ...]:
        out: list[Block] = []
        for node in nodes:
            out.extend(self.block(node))
        return tuple(out)

    def block(self, node) -> list[Block]:
        line = node.map[0] + 1 if node.map else None
        self.count += 1
        if self.count > MAX_BLOCKS:
            raise self._limit(node, f"the document has more than {MAX_BLOCKS:,} blocks (paragraphs, "
                                    "headings, list items, table rows)")
        match node.type:
            case "heading":
                level = int(node.tag[1])
                if level > 4:
                    raise self._error(node, f"a level-{level} heading")
                return [Heading(level, self.inlines(node.children[0]), line)]
            case "paragraph":
                return [Paragraph(self.inlines(node.children[0]), line)]
            case "bullet_list":
                return [BulletList(tuple(self.blocks(item.children) for item in node.children))]
            case "ordered_list":
                start = int(node.attrs.get("start", 1))
                return [OrderedList(tuple(self.blocks(item.children) for item in node.children), start)]
            case "blockquote":
                inner = list(self.blocks(node.children))
                attribution = None
                last = inner[-1] if inner else None
                if len(inner) > 1 and isinstance(last, Paragraph) and last.children and isinstance(
                    last.children[0], Text
                ) and _ATTRIBUTION.match(last.children[0].text):
                    first = Text(_ATTRIBUTION.sub("", last.children[0].text))
                    attribution = (first, *last.children[1:])
                    inner.pop()
                return [Quote(tuple(inner), attribution)]
            case "table":
                self.tables += 1
                if self.tables > MAX_TABLES:
                    raise MarkupError(f"the note has more than {MAX_TABLES} tables", path=self.source, line=line,
                                      hint="a briefing note needs a few; merge tables or shorten what the template writes")
                return [self.table(node)]
            case "dl":
                items = []
                term = None
                for child in node.children:
                    self.count += 1
                    if self.count > MAX_BLOCKS:
                        raise self._limit(child, f"the document has more than {MAX_BLOCKS:,} blocks")
                    if child.type == "dt":
                        term = self.inlines(child.children[0])
                    elif child.type == "dd" and term is not None:
                        items.append((term, self.blocks(child.children)))
                        term = None
                    elif child.type == "dd" and items:
                        # A second ": definition" of the same term: kept, after the first.
                        items[-1] = (items[-1][0], items[-1][1] + self.blocks(child.children))
                return [DefinitionList(tuple(items))]
            case "hr":
                raise self._error(node, "a horizontal rule")
            case "html_block":
                raise self.html(node, node.content)
            case "fence" if node.info.strip() == "chart":
                self.charts += 1
                if self.charts > MAX_CHARTS:
                    raise MarkupError(
                        f"the note has more than {MAX_CHARTS} charts", path=self.source, line=line,
                        hint="in the facts, give figures not worth a chart 'chart: none', or the same "
                             "'chart:' name to the figures one chart should compare; or draw fewer in the template")
                return [self.chart(node)]
            case "code_block" | "fence":
                raise self._error(node, "a code block (text indented by 4 spaces or fenced)")
            case _:
                raise self._error(node, f"'{node.type}'")

    def html(self, node, content: str) -> MarkupError:
        """The error for HTML written by a template: a comment (which the reader would see) or
        a tag (which one format or the other would drop)."""
        line = node.map[0] + 1 if node.map else None
        shown = " ".join(content.split())[:60]
        if content.lstrip().startswith("<!--"):
            return MarkupError(f"an HTML comment would be printed in the note: {shown!r}", path=self.source,
                               line=line, hint="write template comments as {# ... #}: Jinja removes them")
        return MarkupError(f"raw HTML is not supported in a briefing note: {shown!r}", path=self.source, line=line,
                           hint="use Markdown (**bold**, *italic*, lists, tables); to print '<' literally write '\\<'")

    def chart(self, node) -> Chart:
        """A fenced block ```` ```chart ```` holding JSON: {"title", "unit", "bars": [{"label",
        "value", "kind", "caption", "low"}]}, as the template function ``chart()`` writes it
        (``caption`` defaults to the value with its unit, ``low`` to none)."""
        import json

        from briefgen.formatting import format_value

        def bar(b: dict) -> tuple:
            value, kind = float(b["value"]), str(b.get("kind", "actual"))
            caption = b.get("caption")
            if caption is None:
                caption = format_value(b["value"], str(spec.get("unit", ""))) + ("" if kind == "actual" else f" ({kind})")
            low = b.get("low")
            return (str(b["label"]), value, kind, str(caption), None if low is None else float(low))

        line = node.map[0] + 1 if node.map else None
        try:
            spec = json.loads(node.content)
            bars = tuple(bar(b) for b in spec["bars"])
            chart = Chart(str(spec.get("title", "")), str(spec.get("unit", "")), bars)
        except (ValueError, KeyError, TypeError) as e:
            raise MarkupError(f"the chart data is not valid: {e}", path=self.source, line=line,
                              hint="write charts with the template function chart(figures, title)") from None
        if not 1 <= len(chart.bars) <= MAX_CHART_BARS or any(
            v < 0 or v != v or v == float("inf") or (low is not None and not 0 <= low <= v)
            for _, v, _, _, low in chart.bars
        ):
            raise MarkupError(f"a chart has 1 to {MAX_CHART_BARS} bars, with values of 0 or more",
                              path=self.source, line=line)
        if any(v > MAX_CHART_VALUE for _, v, _, _, _ in chart.bars):
            raise MarkupError(f"a chart's values are at most {MAX_CHART_VALUE:g}", path=self.source, line=line,
                              hint="write charts with the template function chart(figures, title)")
        texts = [chart.title, chart.unit, *(t for label, _, _, caption, _ in chart.bars for t in (label, caption))]
        for t in texts:  # JSON escapes ("\\u202e") are decoded by now
            self._check_text(t, node)
        if any(len(t) > MAX_CHART_TEXT for t in texts):
            raise MarkupError(f"a chart's title, unit, labels and captions are at most {MAX_CHART_TEXT} characters "
                              "each (they are laid out on one chart line)", path=self.source, line=line)
        return chart

    def table(self, node) -> Table:
        header: tuple = ()
        rows: list = []
        aligns: list[str] = []
        width = None
        for section in node.children:
            for tr in section.children:
                cells = tuple(self.inlines(cell.children[0]) if cell.children else () for cell in tr.children)
                written = self._cells_written(tr)
                width = width or written
                if written is not None and width is not None and written > width:
                    # GFM drops cells beyond the header's; a note must not lose text silently.
                    raise MarkupError(
                        f"a table row has {written} cells but the header has {width}",
                        path=self.source, line=tr.map[0] + 1 if tr.map else None,
                        hint="give every row as many cells as the header",
                    )
                if section.type == "thead":
                    header = cells
                    for cell in tr.children:
                        style = cell.attrs.get("style", "")
                        aligns.append(style.split(":")[1] if ":" in style else "left")
                else:
                    rows.append(cells)
                    self.count += 1
                    if len(rows) > MAX_TABLE_ROWS or self.count > MAX_BLOCKS:
                        raise self._limit(tr, f"a table has more than {MAX_TABLE_ROWS:,} rows"
                                          if len(rows) > MAX_TABLE_ROWS else
                                          f"the document has more than {MAX_BLOCKS:,} blocks")
        if len(header) > MAX_TABLE_COLUMNS:
            raise MarkupError(
                f"a table has {len(header)} columns; at most {MAX_TABLE_COLUMNS} fit a page",
                path=self.source, line=node.map[0] + 1 if node.map else None,
                hint="split it into several tables, or put some columns into the text",
            )
        return Table(header, tuple(rows), tuple(aligns))

    def _cells_written(self, tr) -> int | None:
        """Return how many cells the Markdown line of table row ``tr`` holds (``\\|`` and pipes
        in code spans do not separate cells), or None when the line is unknown."""
        if not tr.map or tr.map[0] >= len(self.lines):
            return None
        line = re.sub(r"\\.", "", self.lines[tr.map[0]].strip())
        line = re.sub(r"`[^`]*`", "", line)
        if line.startswith("|"):
            line = line[1:]
        if line.endswith("|"):
            line = line[:-1]
        return line.count("|") + 1

    def _check_text(self, text: str, node, written: str = "") -> None:
        """Raise MarkupError, at the Markdown line, when ``text`` (as the parse decoded it:
        character references such as ``&#x202E;`` or ``&zwj;`` resolved) holds a character no
        note may carry. ``written`` is what the Markdown has there, to find the line."""
        from briefgen.schema import FORBIDDEN_IN_OUTPUT

        found = FORBIDDEN_IN_OUTPUT.search(text)
        if found is not None:
            self._refuse(found.group(), node, written or found.group())

    def _refuse(self, char: str, node, written: str) -> None:
        import unicodedata

        line = node.map[0] + 1 if node is not None and node.map else None
        raw = node.content if node is not None and node is self._inline else ""
        at = raw.find(written) if raw and written else -1
        if line is not None and at > 0:
            line += raw.count("\n", 0, at)
        shown = f" (written {written!r})" if written != char else ""
        name = unicodedata.name(char, "(a control character)")
        raise MarkupError(
            f"the template writes the invisible character U+{ord(char):04X} {name}{shown}",
            path=self.source, line=line,
            hint="remove it from the template; it would corrupt the DOCX or hide text from the reader",
        )

    def inlines(self, node) -> tuple[Inline, ...]:
        if node.map:
            self._inline = node
        if len(node.content or "") > MAX_TEXT_CHARS:
            raise self._limit(node, f"a paragraph, heading, list item or cell has {len(node.content):,} "
                                    f"characters; the limit is {MAX_TEXT_CHARS:,}")
        out: list[Inline] = []
        for child in node.children:
            match child.type:
                case "text_special":
                    # A character reference (``&amp;``, ``&#x202E;``) or a backslash escape,
                    # decoded. markdown-it turns an invalid reference (``&#0;``, a surrogate,
                    # past U+10FFFF) into U+FFFD: refused, not printed as a replacement box.
                    if child.info == "entity" and child.content == "\ufffd":
                        self._refuse_invalid_reference(child.markup, node)
                    self._check_text(child.content, self._inline, child.markup)
                    out.append(Text(child.content))
                case "text":
                    self._check_text(child.content, self._inline)
                    if out and isinstance(out[-1], Text):
                        out[-1] = Text(out[-1].text + child.content)
                    else:
                        out.append(Text(child.content))
                case "softbreak":
                    out.append(Text(" "))
                case "hardbreak":
                    out.append(LineBreak())
                case "strong":
                    out.append(Strong(self.inlines(child)))
                case "em":
                    out.append(Emph(self.inlines(child)))
                case "code_inline":
                    self._check_text(child.content, self._inline)
                    out.append(Code(child.content))
                case "link":
                    href = str(child.attrs.get("href", ""))
                    self._check_text(self.decoded_hrefs.get(href, href), self._inline)
                    self._check_text(href, self._inline)
                    children = self.inlines(child)
                    if href.lower().startswith(ALLOWED_LINK_SCHEMES):
                        out.append(Link(href, children))
                    else:
                        out.extend(children)  # not a safe scheme: keep the text, drop the link
                case "image":
                    raise self._error(node, "an image")
                case "html_inline":
                    raise self.html(node, child.content)
                case _:
                    raise self._error(node, f"inline '{child.type}'")
        return _merge_text(out)

    def _refuse_invalid_reference(self, written: str, node) -> None:
        line = self._inline.map[0] + 1 if self._inline is not None and self._inline.map else None
        raw = self._inline.content if self._inline is not None else ""
        at = raw.find(written) if raw else -1
        if line is not None and at > 0:
            line += raw.count("\n", 0, at)
        raise MarkupError(
            f"the template writes the character reference {written!r}, which names no character "
            "a note can print (it would show as a replacement box)",
            path=self.source, line=line,
            hint="write the character itself, or a valid reference such as '&#x2013;'; "
                 "to print the text literally write '\\&'",
        )


def _merge_text(nodes: list[Inline]) -> tuple[Inline, ...]:
    merged: list[Inline] = []
    for n in nodes:
        if isinstance(n, Text) and not n.text:
            continue
        if isinstance(n, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + n.text)
        else:
            merged.append(n)
    return tuple(merged)
