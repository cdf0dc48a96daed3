"""The build pipeline, from a facts file to output files, chained in one place.

``compose`` is pure: facts + template -> (Markdown, ``Document``). ``render`` is pure:
(``Document``, ``Theme``, format) -> bytes, safe to run in parallel processes. ``build`` does the
I/O: reads the facts file, renders every requested format in memory first, and only then writes
them atomically, so a failure in any format leaves every earlier output untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen import __version__
from dataclasses import replace

from briefgen.deadline import DeadlineExceeded, deadline
from briefgen.errors import MarkupError, Problem, RenderError
from briefgen.facts import load_facts
from briefgen.model import Document
from briefgen.output import ensure_folder, output_lock, remove_stale_temporaries, safe_stem, write_all_atomic
from briefgen.render import FORMATS, renderer
from briefgen.schema import FactsFile
from briefgen.textcheck import check_facts_text
from briefgen.theme import Theme
from briefgen.themefile import default_theme

if TYPE_CHECKING:
    from briefgen.templating import Rendered

__all__ = ["compose", "render", "build", "output_path", "BuildResult"]


@dataclass(frozen=True)
class BuildResult:
    """What one ``build`` wrote: the facts file, the output paths in format order, and warnings
    (characters replaced because no font has them)."""

    facts: Path
    outputs: tuple[Path, ...]
    warnings: tuple[str, ...] = ()
    templates: tuple[tuple[str, Path, str], ...] = ()
    """Every template file the build read that is not a built-in: (name, file, origin)."""


def compose(
    facts: FactsFile,
    *,
    date: dt.date | None = None,
    template: str | None = None,
    search_path: list[Path] | list[tuple[Path, str]] | None = None,
    facts_path: str | None = None,
    used: dict | None = None,
) -> tuple[str, Document]:
    """Return (Markdown, Document) for ``facts`` filled into ``template``.

    ``date`` is the note's date when the facts give no ``note.date`` (else the article's
    publication date is). ``search_path``:
    template folders, or (folder, origin) pairs. ``used``, when given, is filled with the template
    files read: name -> (file, origin). Raises TemplateError or MarkupError.
    """
    from briefgen.markup import parse
    from briefgen.templating import render_template

    from dataclasses import replace

    from briefgen.errors import TemplateError

    try:
        rendered = render_template(
            facts, template=template, search_path=search_path, date=date, facts_path=facts_path
        )
    except TemplateError as e:
        if not facts_path:
            raise
        # Name the facts file too: the same template may work with another file's facts.
        raise TemplateError(problems=[
            replace(p, message=f"{p.message} (building {facts_path})") if p.path != facts_path else p
            for p in e.problems
        ]) from None
    if used is not None:
        used.update(rendered.templates)
    markdown = rendered.markdown
    source = f"{template or 'briefing-note'} (rendered Markdown)"
    _check_characters(rendered, source)
    try:
        with deadline(PARSE_SECONDS, "reading the template's Markdown"):
            document = parse(markdown, source=source, creator=f"briefgen {__version__}")
    except MarkupError as e:
        raise MarkupError(problems=[_at_template_line(p, rendered, source) for p in e.problems]) from None
    except DeadlineExceeded as e:
        raise MarkupError(str(e), path=source, hint="the template writes far more than a note needs") from None
    if document.meta.classification not in ("", facts.classification):
        raise TemplateError(
            f"the template sets the classification marking to {document.meta.classification!r}, "
            f"but the facts file says {facts.classification!r}",
            path=template or "briefing-note",
            hint="the marking comes from the facts file only: use {{ classification|tojson }} or leave it out",
        )
    # The marking is printed on every page whatever the template does; a draft (what capture
    # writes, not yet reviewed) says so beside it, so no page of it passes for a final note.
    marking = facts.classification
    if getattr(facts.note, "status", "final") == "draft":
        marking = f"DRAFT – {marking}"
    document = replace(document, meta=replace(document.meta, classification=marking))
    return markdown, document


def _check_characters(rendered: Rendered, source: str) -> None:
    """Raise MarkupError, at the template line, for a character no note may carry (controls,
    zero-width and bidirectional marks, U+2028/U+2029) in what the template wrote: the facts
    are checked when loaded, the template's own text and expressions here."""
    import unicodedata

    from briefgen.schema import FORBIDDEN_IN_OUTPUT

    found = FORBIDDEN_IN_OUTPUT.search(rendered.markdown)
    if found is None:
        return
    char = found.group()
    line = rendered.markdown.count("\n", 0, found.start()) + 1
    where, template_line = rendered.template_line(line)
    raise MarkupError(
        f"the template writes the invisible character U+{ord(char):04X} "
        f"{unicodedata.name(char, '(a control character)')} (Markdown line {line})",
        path=where or source, line=template_line if where else line,
        hint="remove it from the template; it would corrupt the DOCX or hide text from the reader",
    )


def _at_template_line(problem: Problem, rendered: Rendered, source: str) -> Problem:
    """Return ``problem`` (located in the rendered Markdown) located at the template line that
    wrote it, the Markdown line kept in the message."""
    if problem.path != source or problem.line is None:
        return problem
    where, line = rendered.template_line(problem.line)
    if where is None:
        return problem
    return replace(problem, path=where, line=line, column=None,
                   message=f"{problem.message} (Markdown line {problem.line}; see it with --format md)")


PARSE_SECONDS = 30
"""Longest the Markdown parse of one note may take, in seconds."""
RENDER_SECONDS = 120
"""Longest rendering one note to one format may take, in seconds."""


def render(document: Document, theme: Theme, fmt: str) -> bytes:
    """Return the bytes of ``document`` in format ``fmt`` ("pdf" or "docx").

    Raises RenderError or ThemeError for problems of the input, RenderError if rendering takes
    longer than ``RENDER_SECONDS``; any other exception is a bug in briefgen and propagates as
    it is (the CLI reports it with exit code 70).
    """
    try:
        with deadline(RENDER_SECONDS, f"rendering the {fmt.upper()}"):
            return renderer(fmt)(document, theme)
    except DeadlineExceeded as e:
        raise RenderError(str(e), hint="the note is far longer than a briefing note should be; "
                                       "shorten what the template writes") from None


def build(
    facts_path: Path,
    out_dir: Path,
    *,
    formats: tuple[str, ...] = ("pdf", "docx"),
    template: str | None = None,
    template_dirs: tuple[Path, ...] = (),
    date: dt.date | None = None,
    theme: Theme | None = None,
    missing_glyphs: str = "error",
    show_sources: bool = False,
) -> BuildResult:
    """Build ``facts_path`` into ``out_dir/<stem>.<format>`` for each of ``formats``.

    Templates are looked up along ``templating.template_search_path(template_dirs, facts_path)``.
    ``stem`` is the facts file's name without ``.yaml``, made safe by ``safe_stem``. Every
    character is checked against the theme's fonts first (``missing_glyphs``: "error" or
    "replace", see ``textcheck``). ``show_sources`` adds a superscript reference to the article
    paragraph of each point, figure, milestone and quotation, and a closing list of them
    (``sources.annotate``; PDF and DOCX, not the template's Markdown). Raises FactsError, TemplateError, MarkupError, ThemeError,
    RenderError (nothing written) or OutputError (the files written before the failure are
    complete; none is partial).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s): {', '.join(unknown)}")
    from briefgen.templating import template_search_path

    theme = theme or default_theme()
    date_warnings: list[str] = []
    facts = load_facts(facts_path, warnings=date_warnings, note_date=date)
    search_path = template_search_path(template_dirs, facts_path)
    warnings = check_facts_text(facts, theme, facts_path, missing=missing_glyphs)
    used: dict[str, tuple[Path, str]] = {}
    markdown, document = compose(
        facts,
        date=date,
        template=template,
        search_path=search_path,
        facts_path=str(facts_path),
        used=used,
    )
    if show_sources:
        from briefgen.sources import annotate

        document = annotate(document, facts)
    document, more = check_document_text(document, theme, missing=missing_glyphs)
    if not warnings:  # the facts check already named these characters, field by field
        warnings += more
    warnings = [*date_warnings, *warnings]
    if set(formats) & {"pdf", "docx"}:
        _check_furniture(document, theme, facts_path, template)
    if theme.toc and "docx" in formats:
        _refuse_docx_contents(theme)
    payloads: dict[str, bytes] = {}
    try:
        if document.meta.max_pages is not None and "docx" in formats and "pdf" not in formats:
            # The page budget is checked on the PDF's layout: the DOCX is held to the same pages.
            render(document, theme, "pdf")
        for fmt in formats:
            payloads[fmt] = markdown.encode("utf-8") if fmt == "md" else render(document, theme, fmt)
    except RenderError as e:
        if e.problems[0].field != "max_pages":
            raise
        raise RenderError(problems=[replace(e.problems[0], path=template or "briefing-note")]) from None
    ensure_folder(out_dir)
    files = [(output_path(facts_path, out_dir, fmt), data) for fmt, data in payloads.items()]
    # One build at a time replaces the outputs of one stem: concurrent builds of same-named
    # facts files never leave x.md of one beside x.docx of the other.
    with output_lock(out_dir, output_path(facts_path, out_dir, "x").stem):
        remove_stale_temporaries(out_dir, [output_path(facts_path, out_dir, f).name for f in FORMATS])
        write_all_atomic(files)
    own = tuple((name, path, origin) for name, (path, origin) in sorted(used.items()) if origin != "built-in")
    return BuildResult(facts_path, tuple(path for path, _ in files), tuple(warnings), own)


def _refuse_docx_contents(theme: Theme) -> None:
    """Raise ThemeError, at the theme's ``toc`` line: a DOCX table of contents would show
    either no entries (a field Word fills in only when asked) or page numbers taken from the
    PDF's layout, which Word's own layout does not keep. Neither is a contents page to send."""
    from briefgen.errors import ThemeError

    line = _key_line(theme.source, "toc")
    raise ThemeError(
        "toc: true gives the PDF a table of contents with page numbers; the DOCX cannot carry "
        "one whose page numbers are right before Word lays it out, so it is not made",
        path=theme.source, line=line, field="toc",
        hint="build the PDF alone (--format pdf) for a note with contents, or set toc: false",
    )


def _check_furniture(document: Document, theme: Theme, facts_path: Path, template: str | None) -> None:
    """Refuse, before anything is rendered, a marking, running header or footer longer than a
    page shows (``render.pdf.FURNITURE_MAX_LINES`` lines): located at the facts file's
    ``classification`` line, or at the template that writes the header or footer."""
    from briefgen.render.pdf import check_furniture

    try:
        check_furniture(document, theme)
    except RenderError as e:
        problem = e.problems[0]
        if problem.field == "classification":
            line = _key_line(facts_path, "classification")
            raise RenderError(problems=[replace(problem, path=str(facts_path), line=line)]) from None
        if problem.field == "margins_mm":
            line = _key_line(theme.source, "margins_mm")
            path = theme.source if Path(theme.source).is_file() else "the built-in theme"
            raise RenderError(problems=[replace(problem, path=path, line=line)]) from None
        raise RenderError(problems=[replace(problem, path=template or "briefing-note")]) from None


def _key_line(path: str | Path, key: str) -> int | None:
    """Return the line of the top-level ``key:`` in the YAML file at ``path`` (a facts file or
    theme this build has already read), or None when it cannot be told (the built-in theme, a
    file gone since). Read through the one bounded reader."""
    import re

    from briefgen.errors import BriefgenError
    from briefgen.files import read_text
    from briefgen.yamlload import MAX_BYTES

    try:
        text = read_text(path, limit=MAX_BYTES)
    except (BriefgenError, OSError, ValueError):
        return None
    found = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else None


def output_path(facts_path: Path, out_dir: Path, fmt: str) -> Path:
    """Return where ``build`` writes format ``fmt`` of ``facts_path``: ``out_dir/<stem>.<fmt>``,
    the stem being the file name without ``.yaml``/``.yml`` (any case), made safe."""
    name = Path(facts_path).name
    for suffix in (".yaml", ".yml"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return out_dir / f"{safe_stem(name)}.{fmt}"


def check_document_text(document: Document, theme: Theme, *, missing: str = "error") -> tuple[Document, list[str]]:
    """Return ``document`` (with unknown characters replaced, for ``missing="replace"``) and
    warnings. Catches characters that come from the template's own text or the metadata,
    which the facts check cannot see.

    Raises RenderError for right-to-left text or, with ``missing="error"``, a character no
    font has.
    """
    from briefgen.fonts import REPLACEMENT, describe, is_rtl, plan_fonts
    from briefgen.model import characters, map_text

    chars = characters(document)
    rtl = sorted(c for c in chars if is_rtl(c))
    if rtl:
        raise RenderError(f"right-to-left text is not supported: {describe(rtl[0])} in the template's text")
    plan = plan_fonts(chars, theme)
    if not plan.missing:
        return document, []
    shown = ", ".join(describe(c) for c in plan.missing[:5])
    if missing != "replace":
        raise RenderError(
            f"no font has {shown} (in the template's text)",
            hint="install a font that has it, name one in the theme's fallback_fonts, or build "
            "with --missing-glyphs replace",
        )
    absent = set(plan.missing)
    replaced = map_text(document, lambda t: "".join(REPLACEMENT if c in absent else c for c in t))
    return replaced, [f"no font has {shown}; drawn as {REPLACEMENT}"]
