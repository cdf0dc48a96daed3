"""Numbered, personalised copies of one note for a distribution list.

The note is composed once (template and Markdown parse) and laid out once per format; each copy is
the same ``Document`` with its own ``meta.stamp`` ("Copy 3 of 12 — prepared for NAME, ROLE", from the office-editable
``copy-stamp.txt.j2``) and, with ``--watermark``, ``meta.watermark``. A master copy ends with the
distribution list. A copy's PDF is the base layout with its stamp layer laid over every page
(``render.pdf.stamp_pdf``), its DOCX the base with its header and footer parts rewritten
(``docx_from_base``); tests check both give what rendering the stamped document directly gives.
Copies are rendered in parallel processes and written atomically; the manifest (``manifest.json``, ``manifest.csv``, see ``manifest.py``) is written last.

Pure steps (planning copies, stamping, the master document) are separate from the I/O
(``distribute``), which the CLI calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from briefgen.errors import BriefgenError, OutputError, Problem, RecipientsError, RenderError
from briefgen.model import Document, Heading, Table, Text
from briefgen.recipients import Recipient
from briefgen.stamps import BODY_TEMPLATE, STAMP_TEMPLATE, SUBJECT_TEMPLATE, WATERMARK_TEMPLATE, copy_context
from briefgen.theme import Theme

__all__ = [
    "Copy",
    "CopyResult",
    "DistributionResult",
    "TextTemplates",
    "plan_copies",
    "stamped",
    "master_document",
    "distribute",
    "STAMP_TEMPLATE",
    "WATERMARK_TEMPLATE",
]

MASTER = 0
"""Copy number of the master copy."""


@dataclass(frozen=True)
class Copy:
    """One set of files to write: a recipient's copy, or the master (``copy == MASTER``,
    ``recipient`` None). ``stem`` is the file name without suffix; ``formats`` the formats to
    render; ``stamp`` and ``watermark`` the texts printed on it."""

    copy: int
    recipient: Recipient | None
    stem: str
    formats: tuple[str, ...]
    stamp: str
    watermark: str = ""


@dataclass(frozen=True)
class CopyResult:
    """What rendering one ``Copy`` gave: per written file (name, format, pages or None, bytes,
    SHA-256 hex), or the problems that stopped it (nothing of it written)."""

    copy: int
    files: tuple[tuple[str, str, int | None, int, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    exit_code: int = 0


@dataclass
class DistributionResult:
    """The outcome of ``distribute``: every copy's result in copy order (the master first),
    the manifest path, and warnings."""

    results: list[CopyResult] = field(default_factory=list)
    manifest: Path | None = None
    warnings: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    """The manifest itself."""

    @property
    def failed(self) -> list[CopyResult]:
        return [r for r in self.results if r.problems]


class TextTemplates:
    """The plain-text templates of a distribution (stamp, watermark, e-mail subject and body),
    looked up along the same search path as the note's templates, so an office overrides them
    by putting a file of the same name in its template folder.

    Values are printed as they are (no Markdown escaping: these are not Markdown), in the same
    sandbox, with the same filters; templates see only the plain data given to ``render``.
    """

    MAX_CHARS = 10_000
    """Longest text one of these templates may produce."""
    MAX_SECONDS = 5
    """Longest one of these templates may run, in seconds."""

    def __init__(self, search_path: list[Path]) -> None:
        from briefgen.sandbox import bounded_filter, check_text, plain_join
        from briefgen.templating import make_environment

        def finalize(value):
            if value is None:
                return ""
            check_text(value, "printing the value")
            return value

        base = make_environment(list(search_path))
        env = base.overlay(autoescape=False, finalize=finalize)
        env.filters = {**base.filters, "join": bounded_filter("join", plain_join)}
        self.env = env
        self._cache: dict[str, object] = {}

    def render(self, name: str, context: dict, *, one_line: bool = True) -> str:
        """Return template ``name`` filled with ``context`` (str/int/bool/lists of str), with
        whitespace squashed to single spaces when ``one_line``.

        Raises TemplateError naming the template and line.
        """
        import jinja2

        from briefgen.deadline import DeadlineExceeded
        from briefgen.errors import TemplateError
        from briefgen.sandbox import TemplateLimitError, render_bounded

        template = None
        try:
            template = self._cache.get(name) or self.env.get_template(name)
            self._cache[name] = template
            text = render_bounded(template, context, seconds=self.MAX_SECONDS, max_chars=self.MAX_CHARS)
        except TemplateError:
            raise
        except TemplateLimitError as e:
            where, line = e.location
            raise TemplateError(f"template limit: {e}", path=where or _where(template, name),
                                line=line or _line(e, template)) from None
        except DeadlineExceeded as e:
            raise TemplateError(str(e), path=_where(template, name), hint="look for loops inside loops") from None
        except jinja2.TemplateNotFound:
            raise TemplateError(f"template {name!r} not found", path=name,
                                hint="it is built in; a copy in your template folder overrides it") from None
        except jinja2.TemplateSyntaxError as e:
            raise TemplateError(f"template syntax error: {e.message}", path=e.filename or name, line=e.lineno) from None
        except jinja2.UndefinedError as e:
            raise TemplateError(f"undefined: {e.message}", path=_where(template, name), line=_line(e, template),
                                hint=f"available: {', '.join(sorted(context))}") from None
        except jinja2.exceptions.SecurityError as e:
            raise TemplateError(f"not allowed in a template: {e}", path=_where(template, name),
                                line=_line(e, template)) from None
        except (TypeError, ValueError, LookupError, AttributeError, ArithmeticError, RuntimeError,
                jinja2.TemplateError) as e:
            raise TemplateError(f"the template failed: {type(e).__name__}: {e}", path=_where(template, name),
                                line=_line(e, template)) from None
        from briefgen.schema import FORBIDDEN_IN_OUTPUT

        bad = FORBIDDEN_IN_OUTPUT.search(text)
        if bad:
            import unicodedata

            raise TemplateError(
                f"the template writes the invisible character U+{ord(bad.group()):04X} "
                f"{unicodedata.name(bad.group(), '(a control character)')}",
                path=_where(template, name),
                hint="remove it: it would hide or reorder what the recipient reads",
            )
        return " ".join(text.split()) if one_line else text.strip() + "\n"


def _where(template, name: str) -> str:
    return getattr(template, "filename", None) or name


def _line(error: BaseException, template) -> int | None:
    """Return the template line an error was raised at (Jinja maps its frames to the
    template's file and line), or None."""
    filename = getattr(template, "filename", None)
    line = None
    tb = error.__traceback__
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def plan_copies(recipients: list[Recipient], document: Document, note_stem: str, formats: tuple[str, ...],
                templates: TextTemplates, *, watermark: bool = False) -> list[Copy]:
    """Return the master copy and one ``Copy`` per recipient, in copy order.

    File stems are ``<note>-copy-<n>-<name>`` (``n`` zero-padded to the width of N, the name
    made safe by ``output.safe_name``) and ``<note>-master``; the copy number makes them
    distinct, and ``output.unique_names`` guards the rest. A recipient's own ``formats``
    narrow ``formats``. Raises TemplateError for a broken stamp or watermark template, and
    RecipientsError naming each row whose stamp is empty or who asks only for formats this run
    does not make.
    """
    from briefgen.output import safe_name, unique_names

    n = len(recipients)
    width = len(str(n))
    problems: list[Problem] = []
    entries: list[tuple[Recipient | None, str, str]] = []
    for recipient in [None, *recipients]:
        context = copy_context(recipient, n, document)
        stamp = templates.render(STAMP_TEMPLATE, context)
        mark = templates.render(WATERMARK_TEMPLATE, context) if watermark else ""
        if not stamp and recipient is not None:
            problems.append(Problem(f"the stamp template ({STAMP_TEMPLATE}) gives no text for this recipient",
                                    recipient.source, recipient.line))
        if recipient is not None and recipient.formats and not set(recipient.formats) & set(formats):
            problems.append(Problem(f"asks for {' and '.join(recipient.formats)}, but this run makes only "
                                    f"{' and '.join(formats)}", recipient.source, recipient.line, field="formats",
                                    hint="add the format to --format, or change the row"))
        entries.append((recipient, stamp, mark))
    if problems:
        raise RecipientsError(problems=problems)
    stems = unique_names([
        f"{note_stem}-master" if r is None else f"{note_stem}-copy-{r.copy:0{width}d}-{safe_name(r.name)}"
        for r, _, _ in entries
    ])
    plan = []
    for (recipient, stamp, mark), stem in zip(entries, stems):
        own = tuple(f for f in formats if not recipient or not recipient.formats or f in recipient.formats)
        plan.append(Copy(recipient.copy if recipient else MASTER, recipient, stem, own, stamp, mark))
    return plan


def stamped(document: Document, copy: Copy, reserve: int) -> Document:
    """Return ``document`` carrying ``copy``'s stamp and watermark; the PDF keeps room for
    ``reserve`` stamp lines so every copy breaks its pages alike."""
    return replace(document, meta=replace(document.meta, stamp=copy.stamp, stamp_lines=reserve,
                                          watermark=copy.watermark))


def master_document(document: Document, recipients: list[Recipient]) -> Document:
    """Return ``document`` with a last section, "Distribution list": a table of copy number,
    name, role and organisation, one row per recipient in copy order."""
    rows = tuple(
        ((Text(str(r.copy)),), (Text(r.name),), (Text(r.role),), (Text(r.organisation),))
        for r in recipients
    )
    table = Table(header=((Text("Copy"),), (Text("Name"),), (Text("Role"),), (Text("Organisation"),)),
                  rows=rows, aligns=("right", "left", "left", "left"))
    return replace(document, blocks=(*document.blocks, Heading(2, (Text("Distribution list"),)), table))


def check_copy_text(copies: list[Copy], document: Document, theme: Theme, *,
                    missing: str = "error") -> tuple[int, list[Copy]]:
    """Check that the fonts can draw every stamp and watermark and that each stamp fits the
    foot of a PDF page; return (the number of stamp lines to keep room for on every copy, the
    copies with characters no font has drawn as U+FFFD when ``missing="replace"``).

    Raises RecipientsError naming the recipients file row of each copy that cannot be drawn
    (a character no font has unless ``missing="replace"``, right-to-left text, a stamp over
    ``STAMP_MAX_LINES`` lines).
    """
    from briefgen.fonts import describe, is_rtl, plan_fonts
    from briefgen.render.pdf import stamp_layout

    problems: list[Problem] = []
    chars = set()
    for c in copies:
        chars.update(c.stamp + c.watermark)
    plan = plan_fonts(chars, theme)
    absent = set(plan.missing) if missing != "replace" else set()
    if missing == "replace" and plan.missing:
        from briefgen.fonts import REPLACEMENT

        gone = set(plan.missing)

        def swap(t: str) -> str:
            return "".join(REPLACEMENT if ch in gone else ch for ch in t)

        copies = [replace(c, stamp=swap(c.stamp), watermark=swap(c.watermark)) for c in copies]
    lines = 0
    for c in copies:
        where = (c.recipient.source, c.recipient.line) if c.recipient else ("<master copy>", None)
        person = c.recipient
        text = c.stamp + c.watermark + (person.name + person.role + person.organisation if person else "")
        rtl = sorted({ch for ch in text if is_rtl(ch)})
        lacking = sorted({ch for ch in text if ch in absent})
        if rtl:
            problems.append(Problem(f"right-to-left text is not supported in the stamp: {describe(rtl[0])}",
                                    *where, field="name"))
            continue
        if lacking:
            problems.append(Problem(f"no font has {', '.join(describe(ch) for ch in lacking[:3])} (in the stamp)",
                                    *where, field="name",
                                    hint="add a font that has it to the theme's fallback_fonts, or use --missing-glyphs replace"))
            continue
        try:
            lines = max(lines, len(stamp_layout(replace(document, meta=replace(document.meta, stamp=c.stamp)), theme)))
        except RenderError as e:
            problems.extend(replace(p, path=where[0], line=where[1], field="name") for p in e.problems)
    if problems:
        raise RecipientsError(problems=problems)
    return lines, copies


# --- rendering, in worker processes -------------------------------------------------------

_SENTINEL_STAMP = "BRIEFGENSTAMP0d1e5a"
_SENTINEL_MARK = "BRIEFGENWATERMARK0d1e5a"
_WORKER: dict = {}


def _init_worker(document: Document, master: Document, theme: Theme, reserve: int, out_dir: str,
                 docx_base: bytes | None, pdf_base: bytes | None = None) -> None:
    import signal

    # Ctrl-C is the parent's to handle: it cancels what is pending and lets the running copies
    # finish their atomic writes, so no half-written file is ever left.
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread (jobs=1 runs in the caller)
        pass
    _WORKER.update(document=document, master=master, theme=theme, reserve=reserve, out_dir=Path(out_dir),
                   docx_base=docx_base, pdf_base=pdf_base)


def docx_from_base(base: bytes, stamp: str, watermark: str, theme: Theme) -> bytes:
    """Return a copy's DOCX from ``base``, the DOCX rendered with the sentinel stamp and
    watermark: only the header and footer parts differ between copies, so they are the only
    parts rewritten (the same bytes as rendering the stamped document, at a fraction of the
    cost). Entry order, names and fixed timestamps are kept."""
    from xml.sax.saxutils import escape

    from briefgen.render.docx import watermark_geometry

    swaps = [(_SENTINEL_STAMP.encode(), escape(" ".join(stamp.split())).encode("utf-8"))]
    if watermark:
        text = " ".join(watermark.split())
        old_w, old_h, _ = watermark_geometry(_SENTINEL_MARK, theme)
        new_w, new_h, _ = watermark_geometry(text, theme)
        # the watermark lives in attributes: quotes are escaped too, as lxml does
        swaps += [(_SENTINEL_MARK.encode(), escape(text, {'"': "&quot;"}).encode("utf-8")),
                  (f"width:{old_w}pt;height:{old_h}pt".encode(), f"width:{new_w}pt;height:{new_h}pt".encode())]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith(("word/header", "word/footer")):
                for old, new in swaps:
                    data = data.replace(old, new)
            info = zipfile.ZipInfo(item.filename, date_time=item.date_time)
            info.compress_type = item.compress_type
            info.external_attr = item.external_attr
            dst.writestr(info, data)
    return out.getvalue()


def pdf_pages(data: bytes) -> int:
    """Return the number of pages of a PDF briefgen wrote (reportlab writes one uncompressed
    ``/Type /Page`` dictionary per page)."""
    return len(re.findall(rb"/Type /Page(?![a-zA-Z])", data))


def render_copy(copy: Copy) -> CopyResult:
    """Render and write ``copy`` (in a worker set up by ``_init_worker``); return its files.

    Never raises for a problem of the input or the output folder: the problems are returned,
    so one failed copy does not stop the others.
    """
    from briefgen.output import write_all_atomic
    from briefgen.render import renderer

    try:
        base = _WORKER["master"] if copy.recipient is None else _WORKER["document"]
        document = stamped(base, copy, _WORKER["reserve"])
        files = []
        for fmt in copy.formats:
            if fmt == "docx" and copy.recipient is not None and _WORKER["docx_base"] is not None:
                data = docx_from_base(_WORKER["docx_base"], copy.stamp, copy.watermark, _WORKER["theme"])
            elif fmt == "pdf" and copy.recipient is not None and _WORKER["pdf_base"] is not None:
                from briefgen.render.pdf import render_pdf_overlay, stamp_pdf

                data = stamp_pdf(_WORKER["pdf_base"], render_pdf_overlay(document, _WORKER["theme"]))
            else:
                data = renderer(fmt)(document, _WORKER["theme"])
            files.append((f"{copy.stem}.{fmt}", fmt, pdf_pages(data) if fmt == "pdf" else None, data))
        write_all_atomic([(_WORKER["out_dir"] / name, data) for name, _, _, data in files])
        return CopyResult(copy.copy, tuple((name, fmt, pages, len(data), hashlib.sha256(data).hexdigest())
                                           for name, fmt, pages, data in files))
    except BriefgenError as e:
        return CopyResult(copy.copy, problems=e.problems, exit_code=e.exit_code)
    except Exception as e:  # a bug: reported for this copy, the others still go
        return CopyResult(copy.copy, problems=(Problem(f"unexpected failure (a bug in briefgen): "
                                                       f"{type(e).__name__}: {e}"),), exit_code=70)


def render_all(copies: list[Copy], init_args: tuple, *, jobs: int = 1,
               progress_start: Callable[[int], Callable[[CopyResult], None]] | None = None) -> list[CopyResult]:
    """Render ``copies`` in ``jobs`` processes (1: in this process); return the results in
    copy order. ``progress_start(total)`` gives the function called as each copy finishes; it
    is called once the worker processes exist (a progress bar's thread must not be running
    when they are forked). On KeyboardInterrupt, pending copies are cancelled, running ones
    finish their atomic writes, and the interrupt is raised again."""
    results: dict[int, CopyResult] = {}
    if jobs <= 1:
        progress = progress_start(len(copies)) if progress_start else None
        _init_worker(*init_args)
        for c in copies:
            results[c.copy] = render_copy(c)
            if progress:
                progress(results[c.copy])
        return [results[c.copy] for c in copies]
    import concurrent.futures as cf
    import multiprocessing

    # fork shares the parsed document and loaded fonts; spawn elsewhere re-imports.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                                  initargs=init_args)
    try:
        futures = {pool.submit(render_copy, c): c for c in copies}
        progress = progress_start(len(copies)) if progress_start else None
        for future in cf.as_completed(futures):
            c = futures[future]
            try:
                results[c.copy] = future.result()
            except Exception as e:  # the worker process died
                results[c.copy] = CopyResult(c.copy, problems=(Problem(f"the worker rendering this copy failed: {e}"),),
                                             exit_code=70)
            if progress:
                progress(results[c.copy])
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [results[c.copy] for c in copies]


# --- the whole run ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Options:
    """What ``distribute`` is asked to do (the command line's options)."""

    formats: tuple[str, ...] = ("pdf", "docx")
    template: str | None = None
    template_dirs: tuple[Path, ...] = ()
    theme_path: Path | None = None
    missing_glyphs: str = "error"
    date: dt.date | None = None
    watermark: bool = False
    eml: bool = False
    require_email: bool = False
    sender: str | None = None
    jobs: int = 1


def prepare(facts_path: Path, recipients_path: Path, options: Options,
            notify: Callable[[str], None] | None = None):
    """Load, check and compose everything before a single file is written; return
    (recipients, document, master, theme, copies, reserve, templates, warnings). ``notify`` is
    called with a one-line message before font faces are made for the first time on this
    machine (see ``themefile.load_theme``).

    Raises FactsError, RecipientsError, TemplateError, MarkupError, ThemeError, RenderError,
    with every problem of the recipients file at once.
    """
    from briefgen.facts import load_facts
    from briefgen.pipeline import check_document_text, compose, output_path
    from briefgen.recipients import load_recipients
    from briefgen.templating import template_search_path
    from briefgen.textcheck import check_facts_text
    from briefgen.theme import for_density
    from briefgen.themefile import default_theme, load_theme

    recipients = load_recipients(recipients_path, require_email=options.require_email)
    theme = (load_theme(options.theme_path, notify=notify) if options.theme_path
             else default_theme(notify=notify))
    facts = load_facts(facts_path)
    search_path = [folder for folder, _ in template_search_path(options.template_dirs, facts_path)]
    warnings = check_facts_text(facts, theme, facts_path, missing=options.missing_glyphs)
    _, document = compose(facts, date=options.date or dt.date.today(), template=options.template,
                          search_path=search_path, facts_path=str(facts_path))
    document, more = check_document_text(document, theme, missing=options.missing_glyphs)
    if not warnings:
        warnings += more
    templates = TextTemplates(_text_search_path(search_path, options.template))
    note_stem = output_path(facts_path, Path("."), "x").stem
    copies = plan_copies(recipients, document, note_stem, options.formats, templates, watermark=options.watermark)
    # Names are checked row by row first, so an undrawable one is reported with its line.
    reserve, copies = check_copy_text(copies, document, for_density(theme, document.meta.density),
                              missing=options.missing_glyphs)
    master, _ = check_document_text(master_document(document, recipients), theme, missing=options.missing_glyphs)
    return recipients, document, master, theme, copies, reserve, templates, list(warnings)


def _text_search_path(search_path: list[Path], template: str | None) -> list[Path]:
    """The stamp and e-mail templates are looked up beside a ``--template FILE`` too."""
    if template and Path(template).is_file():
        return [Path(template).resolve().parent, *search_path]
    return list(search_path)


def distribute(facts_path: Path, recipients_path: Path, out_dir: Path, options: Options,
               progress_start: Callable[[int], Callable[[CopyResult], None]] | None = None,
               notify: Callable[[str], None] | None = None) -> DistributionResult:
    """Write the master copy and every recipient's copy of ``facts_path`` into ``out_dir``,
    then the ``.eml`` messages (``options.eml``) and the manifest. ``notify(message)`` is called
    before font faces are made for the first time on this machine.

    Everything is checked before anything is written (raises as ``prepare`` does). A copy that
    fails to render or write is reported in the result and the others still go; the manifest
    lists the files written. Raises OutputError if the folder cannot be created or the
    manifest cannot be written, KeyboardInterrupt as ``render_all`` does.
    """
    from briefgen.manifest import MANIFEST_CSV, MANIFEST_JSON, SEND_LOG, build_manifest, write_manifest
    from briefgen.output import ensure_folder

    recipients, document, master, theme, copies, reserve, templates, warnings = prepare(
        facts_path, recipients_path, options, notify)
    if options.eml:
        # The e-mail templates are tried on every recipient before anything is written, so a
        # broken subject or body is exit 2 with no file left behind, like a broken stamp.
        for c in copies:
            if c.recipient is not None:
                context = {**copy_context(c.recipient, len(recipients), document),
                           "files": [f"{c.stem}.{fmt}" for fmt in c.formats]}
                templates.render(SUBJECT_TEMPLATE, context)
                templates.render(BODY_TEMPLATE, context, one_line=False)
    ensure_folder(out_dir)
    docx_base = None
    if "docx" in options.formats and any(c.recipient for c in copies if "docx" in c.formats):
        from briefgen.render.docx import render_docx

        sentinel = Copy(1, None, "", ("docx",), _SENTINEL_STAMP, _SENTINEL_MARK if options.watermark else "")
        docx_base = render_docx(stamped(document, sentinel, reserve), theme)
    pdf_base = None
    if "pdf" in options.formats and any(c.recipient for c in copies if "pdf" in c.formats):
        from briefgen.render.pdf import render_pdf

        # Laid out once, with room kept for the stamp; each copy only adds its stamp layer.
        pdf_base = render_pdf(stamped(document, Copy(1, None, "", ("pdf",), ""), reserve), theme)
    init_args = (document, master, theme, reserve, str(out_dir), docx_base, pdf_base)
    results = render_all(copies, init_args, jobs=options.jobs, progress_start=progress_start)
    outcome = DistributionResult(results=results, warnings=warnings)
    by_copy = {r.copy: r for r in results}
    emails: dict[int, tuple[str, int, str]] = {}
    if options.eml:
        from briefgen.mail import write_messages

        emails = write_messages([c for c in copies if c.recipient and not by_copy[c.copy].problems], by_copy,
                                document, len(recipients), out_dir, templates, outcome, sender=options.sender)
    manifest = build_manifest(facts_path, recipients_path, copies, by_copy, emails, document)
    outcome.manifest = write_manifest(manifest, out_dir)
    outcome.data = manifest
    listed = {entry["file"] for entry in manifest["files"]}
    stale = sorted(p.name for p in out_dir.iterdir()
                   if p.name not in listed and p.name not in (MANIFEST_JSON, MANIFEST_CSV, SEND_LOG))
    if stale:
        outcome.warnings.append(
            f"{out_dir}: {len(stale)} file(s) not part of this distribution, e.g. {stale[0]} "
            "(from an earlier run?); 'briefgen verify' will report them: remove them or use a new folder")
    return outcome


