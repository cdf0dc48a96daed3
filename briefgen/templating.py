"""The Jinja environment that turns a ``FactsFile`` into Markdown-flavoured text.

Templates run in Jinja's ``SandboxedEnvironment`` with ``StrictUndefined``: a misspelt variable is
an error, not an empty string, and a template cannot reach Python internals. Every value a
template prints with ``{{ ... }}`` is escaped for Markdown (characters that start markup get a
backslash and line breaks become spaces), so a fact's ``*``, ``_``, ``#``, ``|``, ``<`` or ``&``
appears literally in the note instead of becoming markup. Values already Markdown (macro and
block output, ``|safe``, ``|tojson``, ``chart()``) are inserted as they are.

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
    """Escape a printed value for Markdown, marking the result safe so Jinja's own
    (HTML) autoescaping leaves it alone. Autoescaping is on only so that macro and block output,
    already Markdown, is not escaped a second time."""
    from markupsafe import Markup

    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    return Markup(md_escape(value))


def _join(value: Any, separator: str = "", attribute: Any = None) -> Any:
    """``join`` that escapes items for Markdown (Jinja's escapes them for HTML)."""
    from markupsafe import Markup

    items = [getattr(v, attribute) if attribute else v for v in value]
    return Markup(md_escape(separator)).join(i if isinstance(i, Markup) else Markup(md_escape(i)) for i in items)


def _filter(fn, name: str):
    """Wrap a formatting function so a bad argument becomes an error naming the filter."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            raise _FilterError(f"filter '{name}': {e}") from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class _FilterError(Exception):
    pass


FILTERS = {
    "money": _filter(format_money, "money"),
    "number": _filter(format_number, "number"),
    "figure": _filter(format_figure, "figure"),
    "date": _filter(format_date, "date"),
    "daterange": _filter(format_date_range, "daterange"),
    "natural_list": _filter(natural_list, "natural_list"),
    "plural": _filter(plural, "plural"),
}
"""Filters every template can use, by name."""


MAX_OUTPUT_CHARS = 5_000_000
"""Longest Markdown a template may produce (a note is typically 20,000 characters)."""
MAX_SECONDS = 20
"""Longest a template may run, in seconds (enforced where the platform has SIGALRM)."""
MAX_VALUE_CHARS = 1_000_000
"""Longest string or list a template expression may build with ``*`` or ``~``."""


def _sandbox_class():
    from jinja2.sandbox import SandboxedEnvironment

    class BriefSandbox(SandboxedEnvironment):
        """Jinja's sandbox, plus limits on what ``*``, ``**`` and ``~`` may build, so a template
        cannot exhaust memory or the CPU with ``'x' * 10**9`` or ``9 ** 9 ** 9``."""

        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context, operator, left, right):
            from jinja2.exceptions import SecurityError

            if operator == "**":
                if isinstance(right, (int, float)) and abs(right) > 100:
                    raise SecurityError(f"the exponent {right} is too large (limit 100)")
                if isinstance(left, (int, float)) and abs(left) > 10**6 and right > 10:
                    raise SecurityError("the power is too large")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                        if len(seq) * n > MAX_VALUE_CHARS:
                            raise SecurityError(
                                f"the result would have {len(seq) * n:,} items (limit {MAX_VALUE_CHARS:,})"
                            )
            return super().call_binop(context, operator, left, right)

    return BriefSandbox


def make_environment(search_path: list[Path]):
    """Return a sandboxed Jinja environment that loads templates from ``search_path`` in order.

    ``search_path`` is a list of folders; the built-in templates folder should be last.
    """
    from jinja2 import FileSystemLoader, StrictUndefined

    env = _sandbox_class()(
        loader=FileSystemLoader([str(p) for p in search_path]),
        undefined=StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    # Characters outside the BMP stay characters: escaped as surrogate pairs, they do not
    # survive the front matter's YAML.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.filters["join"] = _join
    # Jinja's replace HTML-escapes under autoescape; on plain text it is an ordinary replace.
    env.filters["replace"] = lambda value, old, new, count=-1: str(value).replace(str(old), str(new), count)
    return env


def _render_limited(template, context: dict) -> str:
    """Render ``template`` with limits on output size and (where SIGALRM exists, in the main
    thread) on time. Raises TemplateError when a limit is hit."""
    import signal
    import threading

    use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()

    def on_alarm(signum, frame):
        raise _TemplateTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise _FilterError(f"the template produced more than {MAX_OUTPUT_CHARS:,} characters "
                                   f"({template.filename})")
            parts.append(chunk)
        return "".join(parts)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class _TemplateTimeout(Exception):
    pass


def resolve_template(name_or_path: str | None, search_path: list[Path]) -> tuple[list[Path], str]:
    """Return (search path, template name) for ``--template NAME_OR_PATH``.

    A path to an existing file puts its folder first on the search path; a name is looked up
    along ``search_path`` (``.md.j2`` is added when missing). Raises TemplateError if a path
    does not exist.
    """
    name = name_or_path or DEFAULT_TEMPLATE
    candidate = Path(name)
    if candidate.is_dir():
        raise TemplateError("is a folder, not a template file", path=name,
                            hint="give a .md.j2 file, or add the folder with --template-dir and name a template")
    if candidate.suffix or "/" in name or "\\" in name:
        if candidate.is_file():
            return [candidate.resolve().parent, *search_path], candidate.name
        if "/" in name or "\\" in name:
            raise TemplateError("no such template file", path=name, hint="check the path")
    if not name.endswith(TEMPLATE_SUFFIX):
        name += TEMPLATE_SUFFIX
    return search_path, name


def template_search_path(
    template_dirs: list[Path] | tuple[Path, ...] = (),
    facts_path: Path | None = None,
    environ: dict[str, str] | None = None,
) -> list[tuple[Path, str]]:
    """Return the template folders in the order they are searched, each with its origin.

    1. ``--template-dir`` folders, in the order given (origin "template dir");
    2. the folders of ``$BRIEFGEN_TEMPLATE_PATH`` (``os.pathsep``-separated; "BRIEFGEN_TEMPLATE_PATH");
    3. ``templates/`` beside the facts file ("beside facts");
    4. ``templates/`` in the user's config folder, e.g. ``~/.config/briefgen/templates`` ("user");
    5. the built-in templates ("built-in").
    A template found earlier overrides one of the same name later. Folders that do not exist
    are left out, except ``--template-dir`` ones: raises TemplateError for those.
    """
    import os

    environ = os.environ if environ is None else environ
    found: list[tuple[Path, str]] = []
    for folder in template_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise TemplateError("no such template folder", path=str(folder),
                                hint="--template-dir takes a folder of .md.j2 templates")
        found.append((folder.resolve(), "template dir"))
    for entry in environ.get("BRIEFGEN_TEMPLATE_PATH", "").split(os.pathsep):
        if entry and Path(entry).is_dir():
            found.append((Path(entry).resolve(), "BRIEFGEN_TEMPLATE_PATH"))
    if facts_path is not None:
        beside = Path(facts_path).resolve().parent / "templates"
        if beside.is_dir():
            found.append((beside, "beside facts"))
    user = user_template_dir()
    if user.is_dir():
        found.append((user.resolve(), "user"))
    found.append((BUILTIN_TEMPLATES.resolve(), "built-in"))
    unique: list[tuple[Path, str]] = []
    for folder, origin in found:
        if folder not in [f for f, _ in unique]:
            unique.append((folder, origin))
    return unique


def user_template_dir() -> Path:
    """Return the user's own template folder (it may not exist yet):
    ``<user config dir>/briefgen/templates``, per platformdirs (``~/.config`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("briefgen", appauthor=False)) / "templates"


def md_plain(value: Any) -> str:
    """Return the plain text of a piece of Markdown (what the reader sees: escapes resolved,
    emphasis markers dropped). For metadata such as the footer, which is not Markdown."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).parseInline(str(value).strip())
    out: list[str] = []
    for token in tokens:
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append(" ")
    return " ".join("".join(out).split())


FILTERS["md_plain"] = md_plain


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
    # Blank lines around the fence, so it stands alone even when written inside a line of text.
    return Markup("\n\n```chart\n" + json.dumps(spec, ensure_ascii=False) + "\n```\n\n")


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
        "chart": _filter(chart_block, "chart"),
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
        _check_block_names(env, tmpl)
        return _render_limited(tmpl, context)
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
        where, line = _template_frame(e)
        if where is None and missing != name:
            where, line = _line_naming(env, name, str(missing))
        if where is None:
            where = facts_path
        if missing != name:
            hint = "templates are looked up by name in the template folders; paths outside them are never read"
        raise TemplateError(f"template {missing!r} not found", path=where, line=line, hint=hint) from None
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
        raise TemplateError(str(e), path=where or name, line=line) from None
    except _TemplateTimeout as e:
        where, line = _template_frame(e)
        raise TemplateError(f"the template ran for more than {MAX_SECONDS} seconds", path=where or name,
                            line=line, hint="look for loops inside loops") from None
    except MemoryError:
        raise TemplateError("the template ran out of memory", path=name) from None
    except RecursionError:
        raise TemplateError(
            "the template calls itself without end: it extends or includes itself, or a macro "
            "calls itself", path=name,
            hint="give your template its own name, e.g. house-note.md.j2 with "
                 "{% extends \"briefing-note.md.j2\" %}",
        ) from None
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError, IndexError) as e:
        where, line = _template_frame(e)
        raise TemplateError(f"the template failed: {type(e).__name__}: {e}", path=where, line=line) from None


def _line_naming(env, name: str, needle: str) -> tuple[str | None, int | None]:
    """Return (file, line) of the first line of template ``name`` that mentions ``needle``."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except Exception:  # the template itself is what is missing
        return None, None
    for number, text in enumerate(source.splitlines(), 1):
        if needle in text:
            return filename, number
    return filename, None


def _check_block_names(env, template) -> None:
    """Raise TemplateError if ``template`` overrides a block its parents do not have: a
    misspelt ``{% block fotter %}`` would otherwise be ignored without a word."""
    from jinja2 import nodes

    def parent_of(tmpl):
        source, filename, _ = env.loader.get_source(env, tmpl.name)
        tree = env.parse(source, tmpl.name, filename)
        extends = tree.find(nodes.Extends)
        if extends is None or not isinstance(extends.template, nodes.Const):
            return None, tree
        return env.get_template(extends.template.value), tree

    parent, tree = parent_of(template)
    if parent is None:
        return
    known: set[str] = set()
    seen = set()
    while parent is not None and parent.name not in seen:
        seen.add(parent.name)
        known |= set(parent.blocks)
        parent, _ = parent_of(parent)
    for block in tree.find_all(nodes.Block):
        if block.name not in known and block.name not in _own_nested_blocks(tree, block):
            close = difflib.get_close_matches(block.name, sorted(known), n=1)
            raise TemplateError(
                f"the block {block.name!r} is not a block of the template this one extends, so it "
                "would never be shown",
                path=template.filename, line=block.lineno,
                hint=f"did you mean {close[0]!r}?" if close else f"blocks: {', '.join(sorted(known))}",
            )


def _own_nested_blocks(tree, block) -> set[str]:
    """Return names of blocks defined inside other blocks of the same template (allowed)."""
    from jinja2 import nodes

    names: set[str] = set()
    for outer in tree.find_all(nodes.Block):
        if outer is not block:
            names |= {inner.name for inner in outer.find_all(nodes.Block)}
    return names


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
        hint = f"did you mean {close[0]!r}?" if close else f"variables: {', '.join(sorted(context))}"
        if var.group(1) in ("area", "figure", "point", "quote", "milestone", "loop"):
            hint += (f"; a block inside a loop sees the loop's {var.group(1)!r} only when declared"
                     " scoped: {% block area scoped %}")
        return hint
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
