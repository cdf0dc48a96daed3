"""Template whitespace: a tag never eats the line break of a line that has text before it.

Jinja's ``trim_blocks`` removes the line break after every ``{% ... %}`` tag. That is what a
line holding only a tag (``{% for p in people %}``) needs, but a line that ends in a tag after
some text (``- Partners: {% for p in x %}{{ p }}{% endfor %}``) then loses its line break and
the next line (a bullet, a numbered item) runs into it. ``keep_line_breaks`` rewrites such a
tag's ``%}`` as ``+%}`` (Jinja's own "do not trim here" marker) before the template is
compiled, so:

- a line with only tags (and spaces) prints nothing, not even a blank line (``trim_blocks``
  with ``lstrip_blocks``);
- a line with text or a ``{{ value }}`` before its last tag keeps its line break;
- ``-%}`` and ``+%}`` written by the author are left as they are.

The rewrite changes no line numbers: messages still name the template's own lines.
"""

from __future__ import annotations

from jinja2.ext import Extension

__all__ = ["keep_line_breaks", "KeepLineBreaks"]

_ENDS = {"block_end": "%}", "comment_end": "#}", "raw_end": "%}"}


def keep_line_breaks(source: str) -> str:
    """Return ``source`` with ``+`` added before the closing ``%}``/``#}`` of every tag that
    ends a line with text before it (see the module docstring). ``source`` that Jinja cannot
    lex is returned unchanged (the compiler reports the syntax error with its line)."""
    import jinja2

    # Jinja reads \r\n and \r as \n anyway; reading them so here keeps offsets comparable.
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    lexer = _plain_environment().lexer
    inserts: list[int] = []
    pos = 0
    text_on_line = False
    try:
        for _, kind, value in lexer.tokeniter(source, None):
            found = source.find(value, pos) if value else pos
            if found < 0:
                return source
            if "\n" in source[pos:found]:  # a line break that whitespace control removed
                text_on_line = False
            pos = found + len(value)
            if kind == "data":
                if "\n" in value:
                    text_on_line = bool(value.rsplit("\n", 1)[1].strip())
                else:
                    text_on_line = text_on_line or bool(value.strip())
            elif kind == "variable_begin":
                text_on_line = True
            elif kind in _ENDS and text_on_line:
                end = _ENDS[kind]
                if (value.endswith(end) and not value.endswith(("-" + end, "+" + end))
                        and source.startswith("\n", pos)):
                    inserts.append(pos - len(end))
    except jinja2.TemplateSyntaxError:
        return source
    if not inserts:
        return source
    pieces, last = [], 0
    for at in inserts:
        pieces += [source[last:at], "+"]
        last = at
    pieces.append(source[last:])
    return "".join(pieces)


_PLAIN = None


def _plain_environment():
    """An environment with Jinja's default delimiters and no whitespace control: its lexer
    gives every line break as data."""
    global _PLAIN
    if _PLAIN is None:
        import jinja2

        _PLAIN = jinja2.Environment()
    return _PLAIN


class KeepLineBreaks(Extension):
    """Jinja extension applying ``keep_line_breaks`` to every template source."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return keep_line_breaks(source)
