"""The Jinja environment that turns a ``FactsFile`` into Markdown-flavoured text.

Templates run in ``sandbox.BriefSandbox`` with ``sandbox.NoteUndefined`` (strict): a misspelt variable is an error,
not an empty string. They see only plain, read-only data (``plaindata.to_plain``), may call only
briefgen's functions, macros and a few allowed methods, and every operation that builds text is
bounded (see ``briefgen.sandbox``). Every value a
template prints with ``{{ ... }}`` is escaped for Markdown (characters that start markup get a
backslash and line breaks become spaces), so a fact's ``*``, ``_``, ``#``, ``|``, ``<`` or ``&``
appears literally in the note instead of becoming markup. Values already Markdown (macro and
block output, ``|safe``, ``|tojson``, ``chart()``) are inserted as they are.

Templates are looked up by name along a search path (folders tried in order, the built-in
templates last); ``sandbox.BoundedLoader`` refuses ``..``, absolute names and names that a
symbolic link leads out of their folder, so a template cannot include files from outside the path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from briefgen import __version__
from briefgen.errors import TemplateError
from briefgen.mdtext import md_escape
from briefgen.formatting import (
    date_preposition,
    format_date,
    format_date_range,
    format_figure,
    format_money,
    format_number,
    format_percent,
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
    "render_template",
    "Rendered",
]

DEFAULT_TEMPLATE = "briefing-note"
TEMPLATE_SUFFIX = ".md.j2"


def _builtin_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "templates"  # inside the wheel
    return installed if installed.is_dir() else here.parent / "templates"  # a source checkout


BUILTIN_TEMPLATES = _builtin_dir()
"""Folder of the built-in templates (in the package when installed, ``templates/`` in a checkout)."""

def _finalize(value: Any) -> Any:
    """Escape a printed value for Markdown, marking the result safe so Jinja's own
    (HTML) autoescaping leaves it alone. Autoescaping is on only so that macro and block output,
    already Markdown, is not escaped a second time."""
    from markupsafe import Markup

    from briefgen.sandbox import check_text

    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    check_text(value, "printing the value")
    return Markup(md_escape(value))


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


class _FilterError(ValueError):
    """A filter or template function refused its argument; the message names the filter."""


def _natural_list(items: Any, conjunction: Any = "and") -> str:
    """``natural_list``, refused before joining if the result would pass the sandbox's limit."""
    from briefgen.sandbox import check_size

    from briefgen.sandbox import check_text

    items = list(items)
    for item in items:
        check_text(item, "the filter 'natural_list'")
    words = [str(i) for i in items]
    check_size(sum(len(w) + 2 for w in words) + len(str(conjunction)), "the filter 'natural_list'")
    return natural_list(words, str(conjunction))


FILTERS = {
    "money": _filter(format_money, "money"),
    "number": _filter(format_number, "number"),
    "figure": _filter(format_figure, "figure"),
    "date": _filter(format_date, "date"),
    "daterange": _filter(format_date_range, "daterange"),
    "natural_list": _filter(lambda items, conjunction="and": _natural_list(items, conjunction), "natural_list"),
    "plural": _filter(plural, "plural"),
    "percent": _filter(format_percent, "percent"),
    "dateprep": _filter(date_preposition, "dateprep"),
}
"""Filters every template can use, by name."""


def make_environment(search_path: list[Path] | list[tuple[Path, str]]):
    """Return a sandboxed Jinja environment (``sandbox.BriefSandbox``) that loads templates from
    ``search_path`` in order, with briefgen's filters.

    ``search_path`` is a list of folders, or of (folder, origin) pairs as returned by
    ``template_search_path``; the built-in templates folder should be last. The loader
    (``env.loader``, a ``sandbox.BoundedLoader``) records in ``loaded`` which file each template
    name came from.
    """
    from briefgen.jinjaspace import KeepLineBreaks
    from briefgen.sandbox import BoundedLoader, BriefSandbox, NoteUndefined

    folders = [(Path(p), "template dir") if not isinstance(p, tuple) else p for p in search_path]
    env = BriefSandbox(
        loader=BoundedLoader(folders),
        bytecode_cache=_compiled_templates(),
        undefined=NoteUndefined,
        autoescape=True,
        finalize=_finalize,
        # A line holding only tags prints nothing; a tag ending a line of text keeps its line
        # break (briefgen.jinjaspace; docs/customizing-templates.md, "Whitespace").
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[KeepLineBreaks],
    )
    env.add_filters(FILTERS)
    # Characters outside the BMP stay characters: escaped as surrogate pairs, they do not
    # survive the front matter's YAML. Records, decimals and dates print as JSON data.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "default": _json_default}
    return env


@functools.cache
def _compiled_templates():
    """Return this process's cache of compiled templates (a ``jinja2.BytecodeCache`` in memory).

    Compiling is half of filling a template; a batch or ``watch`` fills the same ones again.
    Jinja keys an entry by template name and file and reuses it only while the file's text is
    the same (a SHA-1 checksum), so an edited template is compiled afresh. The loader still
    reads every template (the sandbox's bounded reader; ``loaded`` stays exact), and the code
    is the sandbox's own: every environment made here is a ``BriefSandbox`` of the same
    settings, so the cached code is what it would compile."""
    import jinja2

    class Compiled(jinja2.BytecodeCache):
        LIMIT = 256  # templates remembered; then it starts again

        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket) -> None:
            if len(self.code) >= self.LIMIT:
                self.code.clear()
            self.code[bucket.key] = bucket.bytecode_to_string()

    return Compiled()


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    from briefgen.plaindata import Record
    from briefgen.schema import PartialDate

    if isinstance(value, Record):
        return dict(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, PartialDate)):
        return value.isoformat() if isinstance(value, dt.date) else value.iso()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def resolve_template(
    name_or_path: str | None, search_path: list[tuple[Path, str]]
) -> tuple[list[tuple[Path, str]], str]:
    """Return (search path, template name) for ``--template NAME_OR_PATH``.

    ``search_path`` is a list of (folder, origin) pairs. A path to an existing file puts its
    folder first on the search path (origin "--template"); a name is looked up along
    ``search_path`` (``.md.j2`` is added when missing). Raises TemplateError if a path does not
    exist.
    """
    name = name_or_path or DEFAULT_TEMPLATE
    candidate = Path(name)
    if candidate.is_dir():
        raise TemplateError("is a folder, not a template file", path=name,
                            hint="give a .md.j2 file, or add the folder with --template-dir and name a template")
    if candidate.suffix or "/" in name or "\\" in name:
        if candidate.is_file():
            return [(candidate.absolute().parent, "--template"), *search_path], candidate.name
        if candidate.exists() and ("/" in name or "\\" in name):
            raise TemplateError("the template is not a regular file (a device, pipe or socket)", path=name,
                                hint="a template must be an ordinary file")
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
    from briefgen.files import inside

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
        facts_folder = Path(facts_path).resolve().parent
        beside = facts_folder / "templates"
        if beside.is_dir():
            # A bundle of facts + templates from elsewhere may hold a link templates -> /; the
            # folder found implicitly must be a real folder beside the facts file.
            if not inside(beside, facts_folder) or beside.is_symlink():
                raise TemplateError(
                    f"the templates folder beside the facts file is a link to {os.path.realpath(beside)}; refused",
                    path=str(Path(facts_path).parent / "templates"),
                    hint="make it a real folder holding the templates, or name the folder with --template-dir",
                )
            found.append((beside, "beside facts"))
    user = user_template_dir()
    if user.is_dir():
        found.append((user.resolve(), "user"))
    found.append((BUILTIN_TEMPLATES.resolve(), "built-in"))
    for folder, origin in found:
        if folder == Path(folder.anchor) or any(folder == Path(p) or Path(p) in folder.parents
                                                 for p in _SYSTEM_FOLDERS):
            raise TemplateError(f"{folder} cannot be a template folder ({origin})", path=str(folder),
                                hint="keep templates in a folder of their own")
    unique: list[tuple[Path, str]] = []
    for folder, origin in found:
        if folder not in [f for f, _ in unique]:
            unique.append((folder, origin))
    return unique


_SYSTEM_FOLDERS = ("/proc", "/sys", "/dev", "/etc")


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


def paragraphs(value: Any) -> Any:
    """Return a text field printed as Markdown paragraphs: each paragraph of it (text between
    blank lines, as a YAML block ``|`` writes them) a paragraph of the note, escaped as any
    printed value is. Use it where the text stands on its own lines (``{{ note.purpose|paragraphs }}``);
    printed plainly, a text's line breaks become spaces. Raises TemplateLimitError for a value
    too large to print."""
    from markupsafe import Markup

    from briefgen.mdtext import md_paragraphs
    from briefgen.sandbox import check_text

    if value is None:
        return Markup("")
    check_text(value, "printing the value")
    return Markup(md_paragraphs(value))


FILTERS["paragraphs"] = paragraphs


_FIGURE_KEYS = ("label", "value", "min", "max", "unit", "per", "kind")
MAX_CHART_FIGURES = 12


def _unit_key(figure: Mapping) -> tuple[str, str | None]:
    return (str(figure["unit"]), None if figure["per"] is None else str(figure["per"]))


def unit_title(unit: str, per: str | None = None) -> str:
    """Return how a chart names its unit: ``USD``, ``USD per year``, ``%``, ``LNG cargo per month``."""
    return f"{unit} per {per}" if per else unit


def chart_block(figures: Any, title: str = "") -> Any:
    """Return a fenced ```` ```chart ```` block (safe Markdown) drawing ``figures`` as bars.

    ``figures`` is a list of 1 to 12 figures (the ``Record``s of ``figures`` or ``area.figures``)
    sharing one unit and one ``per``: only comparable figures share a chart. Each bar is labelled
    with the figure as the note's text states it (qualifier, range, rate, target date, in the
    note's locale); a range is drawn from its low to its high end. Raises ValueError if the
    figures are not comparable, if an item is not a figure, or if the list is empty or longer
    than 12. The template function ``chart(figures, title)``.
    """
    import json

    from markupsafe import Markup

    figures = list(figures)[:MAX_CHART_FIGURES + 1]
    if not figures:
        raise ValueError("chart() needs at least one figure")
    if any(not isinstance(f, Mapping) or any(k not in f for k in _FIGURE_KEYS) for f in figures):
        raise ValueError("chart() takes figures (from figures or area.figures), nothing else")
    if len(figures) > MAX_CHART_FIGURES:
        raise ValueError(f"chart() draws at most {MAX_CHART_FIGURES} figures; use the key-figures table")
    units = {_unit_key(f) for f in figures}
    if len(units) > 1:
        shown = sorted(unit_title(u, p) for u, p in units)
        raise ValueError(f"chart() figures must share one unit and one 'per' to be comparable; got {shown}")
    unit, per = units.pop()
    bars = []
    for f in figures:
        bar = {"label": str(f["label"]), "value": str(f["value"] if f["value"] is not None else f["max"]),
               "kind": str(f["kind"]), "caption": format_figure(f) + ("" if f["kind"] == "actual" else f" ({f['kind']})")}
        if f["value"] is None:
            bar["low"] = str(f["min"])
        bars.append(bar)
    spec = {"title": str(title), "unit": unit_title(unit, per), "bars": bars}
    # JSON escapes nothing Markdown-special inside a fence; a fence cannot be closed from inside
    # because the JSON is on one line.
    # Blank lines around the fence, so it stands alone even when written inside a line of text.
    return Markup("\n\n```chart\n" + json.dumps(spec, ensure_ascii=False) + "\n```\n\n")


def chart_groups(figures: Any, areas: Any = ()) -> tuple:
    """Return the groups of comparable figures worth a chart, in file order: figures with the
    same ``chart`` name, or else of the same area (top-level figures count as one area), and of
    the same unit and ``per``; only groups of 2 to 12 figures. Each group is a ``Record`` with
    ``title`` ("Investment: USD": the area's title, or "Key figures" for figures of several
    areas or none, and the unit with its ``per``) and ``figures``. The template function ``chart_groups(figures, areas)``.
    """
    from briefgen.plaindata import Record

    area_of: dict[str, Any] = {}
    for area in areas or ():
        for f in area["figures"]:
            area_of[f["id"]] = area
    groups: dict[tuple, list] = {}
    for f in figures:
        if not isinstance(f, Mapping) or any(k not in f for k in _FIGURE_KEYS):
            raise ValueError("chart_groups() takes figures (from figures or area.figures), nothing else")
        area = area_of.get(f.get("id"))
        named = f.get("chart")
        if named == "none":
            continue  # the analyst says it compares with nothing
        key = ("chart", named) if named else ("area", area["id"] if area else None)
        groups.setdefault((*key, *_unit_key(f)), []).append(f)
    out = []
    for (how, name, unit, per), members in groups.items():
        if not 2 <= len(members) <= MAX_CHART_FIGURES:
            continue
        owners = {id(area_of.get(f["id"])) for f in members}
        area = area_of.get(members[0]["id"])
        heading = str(area["title"]) if area is not None and len(owners) == 1 else "Key figures"
        out.append(Record({"title": f"{heading}: {unit_title(unit, per)}", "figures": tuple(members)}))
    return tuple(out)


def note_locale(facts: FactsFile) -> str:
    """Return the locale the note's numbers are written in: ``note.locale``, else the article's
    ``source.language`` (a tag Babel does not know falls back to its language, then ``en``)."""
    return facts.note.locale or facts.source.language or "en"


CONTEXT_VARIABLES = ("facts", "note", "source", "event", "people", "areas", "quotes", "classification",
                     "figures", "headline_figures", "note_date", "locale", "version", "person", "chart",
                     "chart_groups")
"""The names ``template_context`` gives every template (``templates show`` lists those a template uses)."""


def template_context(facts: FactsFile, *, date: dt.date | None = None) -> dict[str, Any]:
    """Return the variables every template gets: plain, read-only data only.

    ``facts`` (the whole facts file as a ``Record``) and, for brevity, its parts: ``note``,
    ``source``, ``event``, ``people``, ``areas``, ``quotes``, ``classification``; ``figures``
    (every figure, top-level first, then each area's), ``headline_figures``; ``note_date``
    (``note.date``, else ``date`` when given, else the article's publication date: a
    ``datetime.date``); ``locale`` (the note's locale tag); ``version`` (briefgen's); the
    functions ``person(id)``, ``chart(figures, title)`` and ``chart_groups(figures, areas)``. Records, tuples, ``str``,
    ``Decimal``, ``int``, ``bool``, ``None``, dates and ``PartialDate`` only: no model object
    and no method of one reaches a template.
    """
    from briefgen.plaindata import to_plain
    from briefgen.sandbox import TemplateFunction

    data = to_plain(facts)
    figures = (*data.figures, *(f for area in data.areas for f in area.figures))
    people = {p.id: p for p in data.people}

    def person(person_id: Any) -> Any:
        """The person with id ``person_id``; raises ValueError if there is none."""
        try:
            return people[person_id]
        except (KeyError, TypeError):
            from briefgen.formatting import _short

            raise ValueError(f"person(): no one in people has the id {_short(person_id)}") from None

    return {
        "facts": data,
        "note": data.note,
        "source": data.source,
        "event": data.event,
        "people": data.people,
        "areas": data.areas,
        "quotes": data.quotes,
        "classification": data.classification,
        "figures": figures,
        "headline_figures": tuple(f for f in figures if f.headline),
        "note_date": data.note.date or date or data.source.published,
        "locale": note_locale(facts),
        "version": __version__,
        "person": TemplateFunction(_filter(person, "person"), "person"),
        "chart": TemplateFunction(_filter(chart_block, "chart"), "chart"),
        "chart_groups": TemplateFunction(_filter(chart_groups, "chart_groups"), "chart_groups"),
    }


def render_markdown(
    facts: FactsFile,
    *,
    template: str | None = None,
    search_path: list[Path] | list[tuple[Path, str]] | None = None,
    date: dt.date | None = None,
    facts_path: str | None = None,
) -> str:
    """Return the Markdown text of ``template`` filled with ``facts``; see ``render_template``."""
    return render_template(facts, template=template, search_path=search_path, date=date,
                           facts_path=facts_path).markdown


@dataclass(frozen=True)
class Rendered:
    """A template's output: ``markdown``; ``templates``, each template name read mapped to
    (file, origin); ``origins``, (offset in ``markdown``, template file, line) per piece of
    output, in order (see ``template_line``)."""

    markdown: str
    templates: dict[str, tuple[Path, str]]
    origins: tuple[tuple[int, str | None, int | None], ...]

    def template_line(self, markdown_line: int) -> tuple[str | None, int | None]:
        """Return (template file, line) that wrote line ``markdown_line`` (1-based) of the
        Markdown, or (None, None) if unknown."""
        import bisect

        offset = 0
        for _ in range(markdown_line - 1):
            offset = self.markdown.find("\n", offset) + 1
            if offset == 0:
                return (None, None)
        # the first piece written at or after the line's start that is not only a line break
        i = max(bisect.bisect_right([o for o, _, _ in self.origins], offset) - 1, 0)
        while i + 1 < len(self.origins) and not self.markdown[self.origins[i][0]:self.origins[i + 1][0]].strip():
            i += 1
        if not self.origins:
            return (None, None)
        start, where, line = self.origins[i]
        if line is not None and start < offset and self._is_template_text(where, line, start):
            line += self.markdown.count("\n", start, offset)  # template text spanning lines
        return where, line

    def _is_template_text(self, where: str | None, line: int, start: int) -> bool:
        """Return True if the piece written at ``start`` is the template's own text from
        ``line`` on (its first line is that line of the file), False if it is a value or a
        macro's output, whose lines are not the template's."""
        from briefgen.files import read_text
        from briefgen.sandbox import MAX_TEMPLATE_BYTES

        if where is None:
            return False
        try:
            lines = read_text(where, limit=MAX_TEMPLATE_BYTES).splitlines()
        except Exception:  # noqa: BLE001 - only a help for locating; the Markdown line is reported too
            return False
        text = self.markdown[start:start + 2000]
        body = text.lstrip()
        if not body:
            return False
        at = line - 1 + text[:len(text) - len(body)].count("\n")  # the first line with text
        first = body.split("\n", 1)[0].strip()
        return 0 <= at < len(lines) and bool(lines[at].strip()) and (
            first in lines[at] or lines[at].strip() in first)


def render_template(
    facts: FactsFile,
    *,
    template: str | None = None,
    search_path: list[Path] | list[tuple[Path, str]] | None = None,
    date: dt.date | None = None,
    facts_path: str | None = None,
) -> Rendered:
    """Return the ``Rendered`` Markdown of ``template`` filled with ``facts``.

    ``search_path``: folders or (folder, origin) pairs, default the built-in templates only.
    ``date`` (``--date``) is the note's date when the facts give no ``note.date``; without
    either, the article's publication date is. Numbers are written in ``note_locale(facts)``. Raises TemplateError naming the template file and line for a missing template, a
    syntax error, an undefined variable (with a close name suggested), a bad filter argument,
    anything the sandbox refuses, a limit passed or a time-out.
    """
    import jinja2

    from briefgen.deadline import DeadlineExceeded
    from briefgen.files import OutsideRootError
    from briefgen.sandbox import TemplateEscapeError, TemplateLimitError, render_bounded

    pairs = [(Path(p), "built-in" if Path(p) == BUILTIN_TEMPLATES else "template dir")
             if not isinstance(p, tuple) else p for p in (search_path or [BUILTIN_TEMPLATES])]
    path_list, name = resolve_template(template, pairs)
    env = make_environment(path_list)
    context = template_context(facts, date=date)
    try:
        tmpl = env.get_template(name)
        _check_block_names(env, tmpl)
        origins: list[tuple[int, str | None, int | None]] = []
        from briefgen.formatting import use_locale

        with use_locale(context["locale"]):
            markdown = render_bounded(tmpl, context, origins=origins)
        return Rendered(markdown, dict(env.loader.loaded), tuple(origins))
    except jinja2.TemplateNotFound as e:
        available = sorted(
            p.name.removesuffix(TEMPLATE_SUFFIX)
            for folder, _ in path_list
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
        shown = repr(missing) if len(str(missing)) <= 80 else repr(str(missing)[:77] + "...")
        raise TemplateError(f"template {shown} not found", path=where, line=line, hint=hint) from None
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(
            f"template syntax error: {e.message}", path=e.filename or e.name, line=e.lineno
        ) from None
    except jinja2.UndefinedError as e:
        where, line = _template_frame(e)
        raise TemplateError(
            f"undefined: {e.message}", path=where, line=line, hint=_suggest(str(e.message), context)
        ) from None
    except TemplateLimitError as e:
        where, line = _template_frame(e)
        if where is None:
            where, line = e.location
        raise TemplateError(f"template limit: {e}", path=where or name, line=line,
                            hint="a note needs far less; look for a loop or a large width or count") from None
    except (TemplateEscapeError, OutsideRootError) as e:
        where, line = _template_frame(e)
        raise TemplateError(f"not allowed in a template: {e}", path=where or name, line=line,
                            hint="copy the template into the template folder instead of linking to it") from None
    except jinja2.exceptions.SecurityError as e:
        where, line = _template_frame(e)
        raise TemplateError(f"not allowed in a template: {e}", path=where, line=line,
                            hint="templates see the facts as plain data: fields, lists, text, numbers and dates; "
                                 "see docs/customizing-templates.md") from None
    except _FilterError as e:
        where, line = _template_frame(e)
        raise TemplateError(str(e), path=where or name, line=line) from None
    except DeadlineExceeded as e:
        where, line = _template_frame(e)
        raise TemplateError(str(e), path=where or name, line=line, hint="look for loops inside loops") from None
    except TemplateError as e:  # from the loader: a template file that cannot be read
        raise e from None
    except MemoryError:
        raise TemplateError("the template ran out of memory", path=name) from None
    except RecursionError:
        raise TemplateError(
            "the template calls itself without end: it extends or includes itself, or a macro "
            "calls itself", path=name,
            hint="give your template its own name, e.g. house-note.md.j2 with "
                 "{% extends \"briefing-note.md.j2\" %}",
        ) from None
    except Exception as e:  # noqa: BLE001 - the template is the user's code: what fails in it is its failure
        # (TypeError, ZeroDivisionError, a NameError Jinja compiles from a literal such as 1e400, ...)
        where, line = _template_frame(e)
        raise TemplateError(f"the template failed: {type(e).__name__}: {e}", path=where or name, line=line) from None


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
        tree = _parsed(env, source, tmpl.name, filename)
        _check_text_outside_blocks(tree, filename)
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


_TREES: dict[tuple, Any] = {}


def _parsed(env, source: str, name: str, filename: str):
    """Return ``env.parse(source, name, filename)``, remembered by text and lexer settings (the
    tree is only read)."""
    key = (source, name, filename, env.lexer)
    if key not in _TREES:
        if len(_TREES) >= 256:
            _TREES.clear()
        _TREES[key] = env.parse(source, name, filename)
    return _TREES[key]


def _check_text_outside_blocks(tree, filename: str | None) -> None:
    """Raise TemplateError naming the line of the first text or ``{{ value }}`` that template
    ``tree`` (one that extends another) has outside its blocks: Jinja drops it without a word."""
    from jinja2 import nodes

    if tree.find(nodes.Extends) is None:
        return

    def outputs(node):
        if isinstance(node, (nodes.Block, nodes.Macro, nodes.CallBlock)):
            return
        if isinstance(node, nodes.Output):
            yield node
            return
        for child in node.iter_child_nodes():
            yield from outputs(child)

    for body in tree.body:
        for output in outputs(body):
            for part in output.nodes:
                if isinstance(part, nodes.TemplateData):
                    if not part.data.strip():
                        continue
                    text = part.data
                    line = output.lineno + text[:len(text) - len(text.lstrip())].count("\n")
                    shown = text.strip().splitlines()[0][:60]
                else:
                    line, shown = part.lineno, "{{ ... }}"
                raise TemplateError(
                    f"text outside any block ({shown!r}): a template that extends another prints "
                    "only its blocks, so this would be lost",
                    path=filename, line=line,
                    hint="put it inside a block, e.g. {% block purpose %}...{% endblock %}; "
                         "'briefgen templates show base' lists the blocks",
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
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:  # compiled template code Jinja has not rewritten (a time-out)
            found = (template.filename, template.get_corresponding_lineno(tb.tb_lineno))
        elif filename.endswith(".j2") or filename.endswith(".jinja"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _suggest(message: str, context: dict[str, Any]) -> str | None:
    from briefgen.plaindata import Record

    attr = re.search(r"(?:has no attribute|there is no field) '([^']+)'", message)
    if attr:
        names: set[str] = set()
        stack = list(context.values())
        while stack:
            value = stack.pop()
            if isinstance(value, Record):
                names.update(value.keys())
                stack.extend(value.values())
            elif isinstance(value, tuple):
                stack.extend(value)
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
