"""The Jinja environment that turns a ``FactsFile`` into Markdown-flavoured text.

Templates run in Jinja's ``SandboxedEnvironment`` with ``StrictUndefined``: a misspelt variable is
an error, not an empty string, and a template cannot reach Python internals. Every value a
template prints with ``{{ ... }}`` is escaped for Markdown (every ASCII punctuation character gets
a backslash and line breaks become spaces), so a fact's ``*``, ``_``, ``#``, ``|``, ``<`` or ``&``
appears literally in the note instead of becoming markup. Only values marked safe (``|safe``,
``|tojson``) are inserted as they are.

Templates are looked up by name along a search path (folders tried in order, the built-in
templates last); ``FileSystemLoader`` refuses ``..`` and absolute names, so a template cannot
include files from outside the path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.errors import TemplateError
from briefgen.formatting import (
    format_date,
    format_date_range,
    format_figure,
    format_money,
    format_number,
    natural_list,
    plural,
)
from briefgen.schema import FactsFile

__all__ = [
    "BUILTIN_TEMPLATES",
    "DEFAULT_TEMPLATE",
    "FILTERS",
    "md_escape",
    "make_environment",
    "resolve_template",
    "render_markdown",
    "template_context",
]

DEFAULT_TEMPLATE = "briefing-note"
TEMPLATE_SUFFIX = ".md.j2"


def _builtin_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "templates"  # inside the wheel
    return installed if installed.is_dir() else here.parent / "templates"  # a source checkout


BUILTIN_TEMPLATES = _builtin_dir()
"""Folder of the built-in templates (in the package when installed, ``templates/`` in a checkout)."""

# Characters that start inline markup anywhere (emphasis, code, links, raw HTML, entities, table
# cells, headings inside list items), and those that start a block when they open a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|&~!])")
_MD_LINE_START = re.compile(r"^([-+=:]|\d+(?=[.)]))")


def md_escape(value: Any) -> str:
    """Return ``str(value)`` escaped so Markdown shows it literally, on one line.

    Characters that can start inline markup get a backslash wherever they are; ``-``, ``+``,
    ``=``, ``:`` and ``1.`` get one at the start, where they could open a list or a definition.
    Every run of whitespace, line breaks included, becomes one space.
    """
    text = re.sub(r"\s+", " ", str(value))
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: "\\" + m.group(0) if not m.group(0).isdigit() else m.group(0) + "\\", text, count=1)


def _finalize(value: Any) -> Any:
    from markupsafe import Markup

    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return md_escape(value)


def _filter(fn):
    """Wrap a formatting function so a bad argument becomes a TemplateError-friendly error."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            raise _FilterError(f"filter '{fn.__name__}': {e}") from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class _FilterError(Exception):
    pass


FILTERS = {
    "money": _filter(format_money),
    "number": _filter(format_number),
    "figure": _filter(format_figure),
    "date": _filter(format_date),
    "daterange": _filter(format_date_range),
    "natural_list": _filter(natural_list),
    "plural": _filter(plural),
}
"""Filters every template can use, by name."""


def make_environment(search_path: list[Path]):
    """Return a sandboxed Jinja environment that loads templates from ``search_path`` in order.

    ``search_path`` is a list of folders; the built-in templates folder should be last.
    """
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(p) for p in search_path]),
        undefined=StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def resolve_template(name_or_path: str | None, search_path: list[Path]) -> tuple[list[Path], str]:
    """Return (search path, template name) for ``--template NAME_OR_PATH``.

    A path to an existing file puts its folder first on the search path; a name is looked up
    along ``search_path`` (``.md.j2`` is added when missing). Raises TemplateError if a path
    does not exist.
    """
    name = name_or_path or DEFAULT_TEMPLATE
    candidate = Path(name)
    if candidate.suffix or "/" in name or "\\" in name:
        if candidate.is_file():
            return [candidate.resolve().parent, *search_path], candidate.name
        if "/" in name or "\\" in name:
            raise TemplateError("no such template file", path=name, hint="check the path")
    if not name.endswith(TEMPLATE_SUFFIX):
        name += TEMPLATE_SUFFIX
    return search_path, name


def chart_block(figures: Any, title: str = "") -> Any:
    """Return a fenced ```` ```chart ```` block (safe Markdown) drawing ``figures`` as bars.

    ``figures`` is a list of ``Figure`` sharing one unit; raises ValueError if they do not, or
    if the list is empty. The template function ``chart(figures, title)``.
    """
    import json

    from markupsafe import Markup

    figures = list(figures)
    if not figures:
        raise ValueError("chart() needs at least one figure")
    units = {(f.unit, f.per) for f in figures}
    if len(units) > 1:
        raise ValueError(f"chart() figures must share one unit; got {sorted(u for u, _ in units)}")
    spec = {
        "title": str(title),
        "unit": figures[0].unit,
        "bars": [{"label": f.label, "value": str(f.value), "kind": f.kind} for f in figures],
    }
    # JSON escapes nothing Markdown-special inside a fence; a fence cannot be closed from inside
    # because the JSON is on one line.
    return Markup("```chart\n" + json.dumps(spec, ensure_ascii=False) + "\n```")


def template_context(facts: FactsFile, *, date: dt.date) -> dict[str, Any]:
    """Return the variables every template gets.

    ``facts`` (the whole ``FactsFile``) and, for brevity, its parts: ``note``, ``source``,
    ``event``, ``people``, ``areas``, ``quotes``, ``classification``; ``figures`` (every figure,
    top-level first, then each area's), ``headline_figures``; ``note_date`` (the note's date:
    ``note.date`` or the build date); ``version`` (briefgen's); the function ``person(id)``.
    """
    figures = facts.all_figures()
    return {
        "facts": facts,
        "note": facts.note,
        "source": facts.source,
        "event": facts.event,
        "people": facts.people,
        "areas": facts.areas,
        "quotes": facts.quotes,
        "classification": facts.classification,
        "figures": figures,
        "headline_figures": [f for f in figures if f.headline],
        "note_date": facts.note.date or date,
        "version": __version__,
        "person": facts.person,
        "chart": _filter(chart_block),
    }


def render_markdown(
    facts: FactsFile,
    *,
    template: str | None = None,
    search_path: list[Path] | None = None,
    date: dt.date,
    facts_path: str | None = None,
) -> str:
    """Return the Markdown text of ``template`` filled with ``facts``.

    ``search_path`` defaults to the built-in templates only. ``date`` is the build date, used when
    the facts give no ``note.date``. Raises TemplateError naming the template file and line for a
    missing template, a syntax error, an undefined variable (with a close name suggested) or a
    bad filter argument.
    """
    import jinja2

    path_list, name = resolve_template(template, list(search_path or [BUILTIN_TEMPLATES]))
    env = make_environment(path_list)
    context = template_context(facts, date=date)
    try:
        tmpl = env.get_template(name)
        return tmpl.render(context)
    except jinja2.TemplateNotFound as e:
        available = sorted(
            p.name.removesuffix(TEMPLATE_SUFFIX)
            for folder in path_list
            if Path(folder).is_dir()
            for p in Path(folder).glob(f"*{TEMPLATE_SUFFIX}")
        )
        close = difflib.get_close_matches(name.removesuffix(TEMPLATE_SUFFIX), available, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"available: {', '.join(available) or 'none'}"
        missing = e.name if e.name != name else name
        raise TemplateError(f"template {missing!r} not found", path=facts_path, hint=hint) from None
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(
            f"template syntax error: {e.message}", path=e.filename or e.name, line=e.lineno
        ) from None
    except jinja2.UndefinedError as e:
        where, line = _template_frame(e)
        raise TemplateError(
            f"undefined: {e.message}", path=where, line=line, hint=_suggest(str(e.message), context)
        ) from None
    except jinja2.exceptions.SecurityError as e:
        where, line = _template_frame(e)
        raise TemplateError(f"not allowed in a template: {e}", path=where, line=line) from None
    except _FilterError as e:
        where, line = _template_frame(e)
        raise TemplateError(str(e), path=where, line=line) from None
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError) as e:
        where, line = _template_frame(e)
        raise TemplateError(f"the template failed: {type(e).__name__}: {e}", path=where, line=line) from None


def _template_frame(error: BaseException) -> tuple[str | None, int | None]:
    """Return (template file, line) of the innermost template frame in ``error``'s traceback."""
    found: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith(".jinja"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _suggest(message: str, context: dict[str, Any]) -> str | None:
    from pydantic import BaseModel

    attr = re.search(r"has no attribute '([^']+)'", message)
    if attr:
        names: set[str] = set()
        for value in context.values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, BaseModel):
                    names.update(_field_names(type(item)))
        close = difflib.get_close_matches(attr.group(1), sorted(names), n=1)
        return f"did you mean {close[0]!r}?" if close else None
    var = re.search(r"'([^']+)' is undefined", message)
    if var:
        close = difflib.get_close_matches(var.group(1), sorted(context), n=1)
        return f"did you mean {close[0]!r}?" if close else f"variables: {', '.join(sorted(context))}"
    return None


def _field_names(model: type, seen: set | None = None) -> set[str]:
    import typing

    from pydantic import BaseModel

    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for f in model.model_fields.values():
        stack = [f.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                names |= _field_names(tp, seen)
            stack.extend(typing.get_args(tp))
    return names
