"""The command line: parse arguments, call the pipeline, report, exit.

Exit codes: 0 ok; 1 a check found problems (a fact not supported by its article); 2 bad input (facts, template, theme, arguments); 3 an output could not be
written; 70 an internal error (a bug: please report it, with ``--debug`` output). Errors are printed one problem per line as ``file:line:column: field: message``; no
traceback unless ``--debug``. Heavy modules are imported inside the commands, so ``briefgen
--help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import click
from dataclasses import dataclass

from briefgen import __version__
from briefgen.errors import BriefgenError

__all__ = ["main", "cli"]

_FORMATS = ("pdf", "docx", "md")
EXIT_BUG = 70  # EX_SOFTWARE: an internal error, never the user's input


class _Context:
    def __init__(self, debug: bool) -> None:
        self.debug = debug


def _err(message: str) -> None:
    """Print one message line on stderr, control characters escaped (see ``_printable``)."""
    click.echo(_printable(message), err=True)


def _out(text: str) -> None:
    """Print one line on stdout, control characters escaped (see ``_printable``)."""
    click.echo(_printable(text))


def _notice(message: str) -> None:
    """Print a note the library passes up while it works (e.g. fonts being made on first use)."""
    _err(f"note: {message}")


def _printable(text: str, keep: str = "") -> str:
    """Return ``text`` with control and format characters (but those in ``keep``) shown as
    ``\\x1b``-style escapes, so a file name, key or value from elsewhere cannot drive the user's
    terminal (ESC and OSC sequences, a line break that forges a second message, bidi overrides).
    Every message the CLI prints goes through it."""
    import unicodedata

    return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in keep
                   else c for c in str(text))


def _report(error: BriefgenError) -> None:
    for problem in error.problems:
        _err(f"error: {problem}")


def _unexpected(obj: _Context, command: str) -> None:
    """Report an exception that is not the user's input (a bug) and exit with EXIT_BUG."""
    if obj is not None and obj.debug:
        import traceback

        traceback.print_exc()
    _err(f"error: unexpected failure (a bug in briefgen); "
         + ("please report the traceback above" if obj is not None and obj.debug
            else f"run 'briefgen --debug {command} ...' to see the traceback"))
    sys.exit(EXIT_BUG)


def _parse_formats(ctx, param, value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in formats if f not in _FORMATS]
    if bad or not formats:
        raise click.BadParameter(
            f"unknown format {', '.join(bad) or '(none)'}; choose from {', '.join(_FORMATS)} "
            "(comma-separated, e.g. pdf,docx)"
        )
    return formats


def _build_date(value: dt.date | None) -> dt.date | None:
    """Return the note date for facts without ``note.date``: ``--date``, else SOURCE_DATE_EPOCH,
    else None (the article's publication date is used: a date that cannot change between builds)."""
    if value:
        if not 1900 <= value.year <= 2100:
            raise click.BadParameter(f"{value.isoformat()}: the year must be between 1900 and 2100",
                                     param_hint="'--date'")
        return value
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise click.BadParameter(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from None
    return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="briefgen")
@click.option("--debug", is_flag=True, help="Show the full traceback of unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """briefgen turns a facts file about a bilateral event into a briefing note (PDF and DOCX).

    \b
    Example:
      briefgen build facts/pakistan-azerbaijan-2024-07.yaml
      -> out/pakistan-azerbaijan-2024-07.pdf and .docx
    """
    ctx.obj = _Context(debug)


def _build_options(fn):
    """The options ``build`` and ``watch`` share."""
    options = [
        click.argument("facts", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
                     show_default=True, help="Folder for the outputs (created if missing)."),
        click.option("-f", "--format", "formats", default="pdf,docx", show_default=True,
                     callback=_parse_formats,
                     help="Comma-separated output formats: pdf, docx, md (the template's Markdown)."),
        click.option("-t", "--template", default=None, metavar="NAME_OR_PATH",
                     help="Template name (briefing-note, one-pager, memo, or one of yours) or "
                          "path to a .md.j2 file."),
        click.option("--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path),
                     metavar="DIR", help="Folder searched for templates before all others (repeatable)."),
        click.option("--theme", "theme_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
                     help="Theme file (YAML): page size, margins, fonts, colours, logo. "
                          "Default: the built-in theme."),
        click.option("--missing-glyphs", type=click.Choice(["error", "replace"]), default="error",
                     show_default=True,
                     help="What to do with a character no font has: stop with an error, or draw "
                          "it as U+FFFD (a visible marker) and warn."),
        click.option("--date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                     help="Date of the note (YYYY-MM-DD) when the facts file gives none; "
                          "default: $SOURCE_DATE_EPOCH, else the article's publication date."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


class _Builder:
    """Builds FACTS files with the command line's options; reports and returns an exit status."""

    def __init__(self, obj: _Context, out_dir: Path, formats, template, template_dirs, theme_path,
                 missing_glyphs, date) -> None:
        self.obj = obj
        self.out_dir = out_dir
        self.formats = formats
        self.template = template
        self.template_dirs = tuple(template_dirs)
        self.theme_path = theme_path
        self.missing_glyphs = missing_glyphs
        self.date = _build_date(date.date() if date else None)
        self.check_source: Path | None = None  # --check-source ARTICLE
        self.check = True  # False: --no-check
        self.show_sources = False  # --show-sources
        self._theme = None

    def check_against_source(self, path: Path, err=None) -> int:
        """Return 0 if ``path`` may be built: its facts are supported by the article given with
        --check-source or named by its source.path (or neither is given); else report and
        return the exit status (1 unsupported facts, 2 bad input). Messages go to ``err`` (one
        line a call; default: stderr)."""
        err = err or _err
        if not self.check:
            return 0
        from briefgen.check import check_file

        try:
            if self.check_source is None:
                from briefgen.facts import load_facts

                if not getattr(load_facts(path).source, "path", None):
                    return 0
            report = check_file(path, self.check_source)
        except BriefgenError as e:
            for problem in e.problems:
                err(f"error: {problem}")
            return e.exit_code
        if report.ok:
            return 0
        for problem in report.problems:
            err(f"error: {problem}")
        err(f"error: {path}: not built: {report.summary()} "
             "(fix the facts, or build with --no-check to skip the check)")
        return 1

    def build_all(self, facts: tuple[Path, ...], jobs: int = 1) -> int:
        """Build every file of ``facts`` (``jobs`` processes at once when there are several);
        print the outputs written, warnings, and, at the end, each failed file's errors.
        Return the exit status: the highest of the files'."""
        from briefgen.pipeline import output_path

        try:
            self.theme()
        except BriefgenError as e:
            _report(e)
            return e.exit_code
        status = 0
        claimed: dict[Path, Path] = {}
        todo: list[Path] = []
        for path in facts:
            # Compared without case: on Windows and macOS, X.pdf and x.pdf are one file.
            target = Path(str(output_path(path, self.out_dir, "x").with_suffix("")).lower())
            if target in claimed and claimed[target] != path:
                _err(f"error: {path}: its outputs would overwrite those of {claimed[target]} "
                     f"({target}.*); build it separately with another -o")
                status = max(status, 2)
                continue
            claimed[target] = path
            todo.append(path)
        if len(todo) <= 1 or jobs <= 1:
            for path in todo:
                outcome = self.build_one(path)
                _show(outcome, errors=True)
                status = max(status, outcome.status)
            return status
        failed: dict[Path, _Outcome] = {}
        bar = _ProgressBar("building notes")
        with bar:
            for outcome in _build_parallel(self, todo, jobs, bar.start):
                _show(outcome, errors=False, console=bar.progress.console if bar.progress else None)
                if outcome.status:
                    failed[outcome.path] = outcome
        for path in todo:  # the failures, in the order given, once the bar is gone
            if path in failed:
                _show(failed[path], errors=True, done=False)
                status = max(status, failed[path].status)
        if failed:
            _err(f"{len(failed)} of {len(todo)} notes failed (errors above); the others were built")
        skipped = len(facts) - len(todo)
        if skipped:
            # Counted apart: refused before any build, their errors are at the top.
            _err(f"{skipped} of {len(facts)} facts files were not built: their outputs would overwrite "
                 "another file's (errors at the top)")
        return status

    def theme(self):
        """Return the theme (loaded once per process). Raises ThemeError."""
        if self._theme is None:
            from briefgen.themefile import default_theme, load_theme

            self._theme = (load_theme(self.theme_path, notify=_notice) if self.theme_path
                           else default_theme(notify=_notice))
        return self._theme

    def __getstate__(self) -> dict:
        # Sent to worker processes: each loads the theme itself (fonts are not picklable).
        return {**self.__dict__, "_theme": None}

    def build_one(self, path: Path) -> _Outcome:
        """Build one facts file; return what to print and its exit status (never raises for
        the user's input or a bug: both become the outcome's errors)."""
        from briefgen.pipeline import build as run_build

        started = time.perf_counter()
        errors: list[str] = []
        refused = self.check_against_source(path, errors.append)
        if refused:
            return _Outcome(path, refused, errors=tuple(errors))
        try:
            result = run_build(path, self.out_dir, formats=self.formats, template=self.template,
                               template_dirs=self.template_dirs, date=self.date, theme=self.theme(),
                               missing_glyphs=self.missing_glyphs, show_sources=self.show_sources)
        except BriefgenError as e:
            return _Outcome(path, e.exit_code, errors=tuple(f"error: {p}" for p in e.problems))
        except Exception:
            trace = ""
            if self.obj.debug:
                import traceback

                trace = traceback.format_exc().rstrip("\n") + "\n"
            return _Outcome(path, EXIT_BUG, errors=(
                trace + f"error: {path}: unexpected failure (a bug in briefgen); "
                + ("please report the traceback above" if self.obj.debug
                   else "run 'briefgen --debug build ...' to see the traceback"),))
        notes = [f"warning: {w}" for w in result.warnings]
        # A templates/ folder shipped beside a facts file changes the note: say so.
        notes += [_printable(f"note: template {name} from {file} ({origin}), not the built-in")
                  for name, file, origin in result.templates]
        return _Outcome(path, 0, tuple(str(out) for out in result.outputs), tuple(notes),
                        f"built {path} in {time.perf_counter() - started:.2f} s")


@dataclass(frozen=True)
class _Outcome:
    """What building one facts file gave: exit status, output paths (stdout), warnings and
    notes (stderr), errors (stderr), and the closing "built ... in" line."""

    path: Path
    status: int
    outputs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    done: str = ""
    errors: tuple[str, ...] = ()


def _show(outcome: _Outcome, *, errors: bool, done: bool = True, console=None) -> None:
    """Print ``outcome``: warnings and notes, errors (when ``errors``), outputs, the done line.
    With a progress bar's ``console``, printed above the bar."""
    lines = [(True, n) for n in outcome.notes] + [(True, e) for e in outcome.errors if errors]
    lines += [(False, o) for o in outcome.outputs] + ([(True, outcome.done)] if outcome.done and done else [])
    for to_err, line in lines:
        if console is not None:
            console.print(_printable(line), markup=False, highlight=False, soft_wrap=True)
        elif to_err:
            _err(line)
        else:
            _out(line)


_WORKER: dict = {}


def _init_worker(builder: _Builder, parent: int | None = None) -> None:
    """Set up a --jobs worker process: ``builder`` builds its files; ``parent`` is the main
    process's id. A worker must not outlive it (a killed ``build`` would go on writing outputs):
    on Linux the kernel sends it SIGTERM when the parent dies; everywhere, it checks the parent
    before each file (``_worker_build``)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    _WORKER["builder"] = builder
    _WORKER["parent"] = parent
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # the check before each file still stops it
    _exit_if_orphaned()  # the parent may have died before prctl took effect


def _exit_if_orphaned() -> None:
    parent = _WORKER.get("parent")
    if parent is not None and os.getppid() != parent:
        os._exit(EXIT_BUG)


def _worker_build(path: Path) -> _Outcome:
    _exit_if_orphaned()
    return _WORKER["builder"].build_one(path)


def _build_parallel(builder: _Builder, paths: list[Path], jobs: int, progress_start):
    """Yield the outcome of each of ``paths`` as it is built, in ``jobs`` worker processes.

    Workers are started with ``spawn`` (the same on every platform, and safe with the threads a
    progress bar runs); each loads the theme and fonts once and builds many files. On Ctrl-C,
    pending files are cancelled and running ones finish their atomic writes."""
    import concurrent.futures as cf
    import multiprocessing

    pool = cf.ProcessPoolExecutor(max_workers=min(jobs, len(paths)),
                                  mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_worker, initargs=(builder, os.getpid()))
    try:
        futures = {pool.submit(_worker_build, path): path for path in paths}
        advance = progress_start(len(paths))
        for future in cf.as_completed(futures):
            path = futures[future]
            try:
                outcome = future.result()
            except Exception as e:  # the worker process died
                outcome = _Outcome(path, EXIT_BUG, errors=(
                    f"error: {path}: the worker process building it failed: {e}",))
            advance()
            yield outcome
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@cli.command()
@_build_options
@click.pass_obj
@click.option("--check-source", "check_source", type=click.Path(path_type=Path), default=None,
              metavar="ARTICLE", help="Check every fact against ARTICLE first (as 'briefgen check' "
              "does) and refuse to build a note with an unsupported fact. A facts file whose "
              "source.path names its article is checked against it without this option.")
@click.option("--no-check", is_flag=True, help="Do not check the facts against the article of source.path.")
@click.option("--show-sources", is_flag=True,
              help="Mark each point, figure, milestone and quotation with a superscript reference to "
                   "its article paragraph, listed in closing source notes (PDF and DOCX).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Notes built in parallel processes when several FACTS files are given "
                   "(default: the number of CPUs, at most 8).")
def build(obj: _Context, facts: tuple[Path, ...], out_dir: Path, formats: tuple[str, ...],
          template: str | None, template_dirs: tuple[Path, ...], theme_path: Path | None,
          missing_glyphs: str, date: dt.datetime | None, check_source: Path | None, no_check: bool,
          show_sources: bool, jobs: int | None) -> None:
    """Build the briefing note of each FACTS file (YAML).

    Writes OUTPUT/<name>.<format> for each format and prints the paths written. Every output is
    written atomically: a failed build leaves earlier outputs as they were. Several FACTS files
    are built in --jobs processes (a progress bar on a terminal); the errors of the files that
    failed are listed at the end, the others are built. Exit status 1 when a note was refused
    because a fact is not supported by its article, else the highest of the files'.
    """
    if check_source is not None and no_check:
        raise click.UsageError("--check-source and --no-check exclude each other")
    builder = _Builder(obj, out_dir, formats, template, template_dirs, theme_path, missing_glyphs, date)
    builder.check_source = check_source
    builder.check = not no_check
    builder.show_sources = show_sources
    try:
        status = builder.build_all(facts, jobs or _default_jobs())
    except KeyboardInterrupt:
        _err("interrupted: outputs not yet written were left as they were")
        sys.exit(130)
    sys.exit(status)


@cli.command()
@_build_options
@click.pass_obj
def watch(obj: _Context, facts: tuple[Path, ...], out_dir: Path, formats: tuple[str, ...],
          template: str | None, template_dirs: tuple[Path, ...], theme_path: Path | None,
          missing_glyphs: str, date: dt.datetime | None) -> None:
    """Build FACTS, then rebuild whenever a facts file, a template on the search path or the
    theme changes. Errors are shown and the last good outputs stay. Stop with Ctrl-C."""
    from briefgen.templating import template_search_path
    from briefgen.watch import watch_paths

    builder = _Builder(obj, out_dir, formats, template, template_dirs, theme_path, missing_glyphs, date)
    paths = [Path(f) for f in facts]
    try:
        for f in facts:
            paths += [folder for folder, origin in template_search_path(template_dirs, f)]
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    if theme_path:
        paths.append(Path(theme_path))
    if template and Path(template).is_file():
        paths.append(Path(template))
    builder.build_all(facts)
    _err(f"watching {len(set(paths))} paths; Ctrl-C to stop")
    try:
        # The output folder is never watched: writing the outputs must not start another build.
        for changed in watch_paths(paths, ignore=[out_dir], warn=lambda m: _err(f"warning: {m}")):
            started = time.perf_counter()
            _err(f"changed: {', '.join(sorted(str(c) for c in changed))}")
            status = builder.build_all(facts)
            verdict = "rebuilt" if status == 0 else "rebuild failed; the last good outputs are unchanged"
            _err(f"{verdict} ({time.perf_counter() - started:.2f} s)")
    except KeyboardInterrupt:
        pass


@cli.group()
def templates() -> None:
    """List, show and export templates."""


@templates.command("list")
@click.option("--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR")
@click.option("--facts", "facts_path", type=click.Path(path_type=Path), default=None,
              help="Also search the templates/ folder beside this facts file.")
def templates_list(template_dirs: tuple[Path, ...], facts_path: Path | None) -> None:
    """List the templates on the search path: name, origin and description.

    A template shadowed by one of the same name earlier on the path is marked "(overridden)".
    """
    from briefgen.templates import list_templates

    try:
        entries = list_templates(template_dirs, facts_path)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    width = max((len(e.name) for e in entries), default=4)
    for entry in entries:
        note = " (overridden)" if entry.shadowed else ""
        click.echo(_printable(f"{entry.name:<{width}}  {entry.origin + note:<24}  {entry.description}"))
    broken = [e.problem for e in entries if e.problem is not None]
    if broken:
        _report(BriefgenError(problems=broken))
        sys.exit(2)


@templates.command("show")
@click.argument("name")
@click.option("--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR")
def templates_show(name: str, template_dirs: tuple[Path, ...]) -> None:
    """Print the source of template NAME and the variables it uses."""
    from briefgen.templates import describe_template

    try:
        info = describe_template(name, template_dirs)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    click.echo(_printable(f"# {info.path} ({info.origin})"))
    if info.extends:
        _out(f"# extends: {', '.join(info.extends)}")
    click.echo(f"# variables: {', '.join(info.variables) or 'none'}")
    click.echo(_printable(info.source, keep="\n\t"), nl=not info.source.endswith("\n"))


@templates.command("export")
@click.argument("name")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files of the same names in FOLDER.")
@click.option("--flatten/--no-flatten", default=None,
              help="Merge the template and every template it extends into one file to edit "
                   "(the default when it extends another), or copy each file of the chain with a "
                   "README.txt saying which file holds what.")
def templates_export(name: str, folder: Path | None, force: bool, flatten: bool | None) -> None:
    """Write template NAME into FOLDER for editing (default: your user template folder, which is
    on the search path, so the copy takes effect at once). A template that extends another is
    flattened into one file holding the whole note. Never overwrites without --force."""
    from briefgen.templates import export_template

    try:
        written = export_template(name, folder, force=force, flatten=flatten)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    for target in written:
        click.echo(_printable(str(target)))


# --- distribute and verify ---------------------------------------------------------------------

def _parse_copy_formats(ctx, param, value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in formats if f not in ("pdf", "docx")]
    if bad or not formats:
        raise click.BadParameter(f"unknown format {', '.join(bad) or '(none)'}; choose from pdf, docx "
                                 "(comma-separated)")
    return formats


def _parse_smtp(ctx, param, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r}: give HOST:PORT, e.g. smtp.example.org:587")
    return host.strip("[]"), int(port)


def _default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@cli.command()
@click.argument("facts", type=click.Path(path_type=Path))
@click.option("-r", "--recipients", "recipients_path", required=True, type=click.Path(path_type=Path),
              metavar="FILE", help="Recipients file: CSV with a header row, or YAML (see docs/distribution.md).")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the copies, messages and manifest (default: out/<note>-copies).")
@click.option("-f", "--format", "formats", default="pdf,docx", show_default=True, callback=_parse_copy_formats,
              help="Comma-separated formats of each copy: pdf, docx.")
@click.option("-t", "--template", default=None, metavar="NAME_OR_PATH", help="Template, as for build.")
@click.option("--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Folder searched for templates (the note's and the stamp's) before all others (repeatable).")
@click.option("--theme", "theme_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Theme file, as for build.")
@click.option("--missing-glyphs", type=click.Choice(["error", "replace"]), default="error", show_default=True,
              help="What to do with a character no font has, as for build.")
@click.option("--date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date of the note when the facts file gives none (default: $SOURCE_DATE_EPOCH, else today).")
@click.option("--watermark", is_flag=True, help="Also print the recipient across every page, light and diagonal.")
@click.option("--eml", is_flag=True, help="Also write one e-mail (.eml) per recipient with the copy attached.")
@click.option("--from", "sender", default=None, metavar="ADDRESS",
              help="The e-mails' From address (needed with --send).")
@click.option("--send", is_flag=True, help="Send the e-mails (implies --eml) through --smtp.")
@click.option("--smtp", default=None, callback=_parse_smtp, metavar="HOST:PORT", help="SMTP server for --send.")
@click.option("--starttls", "security", flag_value="starttls", help="Upgrade the SMTP connection with STARTTLS.")
@click.option("--ssl", "security", flag_value="ssl", help="Connect to the SMTP server over TLS (port 465).")
@click.option("--user", default=None, help="SMTP login; the password comes from $BRIEFGEN_SMTP_PASSWORD or a prompt.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Copies rendered in parallel (default: the number of CPUs, at most 8).")
@click.pass_obj
def distribute(obj: _Context, facts: Path, recipients_path: Path, out_dir: Path | None, formats: tuple[str, ...],
               template: str | None, template_dirs: tuple[Path, ...], theme_path: Path | None,
               missing_glyphs: str, date: dt.datetime | None, watermark: bool, eml: bool, sender: str | None,
               send: bool, smtp: tuple[str, int] | None, security: str | None, user: str | None,
               jobs: int | None) -> None:
    """Make a numbered, stamped copy of the note of FACTS for each recipient, a master copy
    ending with the distribution list, and a manifest (manifest.json, manifest.csv) with every
    file's SHA-256; with --eml/--send, one e-mail per recipient.

    \b
    Example:
      briefgen distribute facts/x.yaml --recipients people.csv -o out/x-copies
      briefgen verify out/x-copies
    """
    from briefgen.distribute import Options, distribute as run

    eml = eml or send
    if send and not smtp:
        raise click.UsageError("--send needs --smtp HOST:PORT")
    if send and not sender:
        raise click.UsageError("--send needs --from ADDRESS (the sender of the e-mails)")
    if sender:
        from email.utils import parseaddr

        if "@" not in parseaddr(sender)[1] or any(c in sender for c in "\r\n"):
            raise click.BadParameter(f"{sender!r} is not an e-mail address", param_hint="'--from'")
    password = None
    if send and user:
        password = os.environ.get("BRIEFGEN_SMTP_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                _err("error: --user needs a password: set BRIEFGEN_SMTP_PASSWORD or run in a terminal to be asked")
                sys.exit(2)
            password = click.prompt(f"SMTP password for {user}", hide_input=True, err=True)
    from briefgen.pipeline import output_path

    out_dir = out_dir or Path("out") / f"{output_path(facts, Path('.'), 'x').stem}-copies"
    options = Options(formats=formats, template=template, template_dirs=tuple(template_dirs), theme_path=theme_path,
                      missing_glyphs=missing_glyphs, date=_build_date(date.date() if date else None),
                      watermark=watermark, eml=eml, require_email=eml, sender=sender,
                      jobs=jobs or _default_jobs())
    started = time.perf_counter()
    progress_bar = _ProgressBar("rendering copies")
    try:
        with progress_bar:
            outcome = run(facts, recipients_path, out_dir, options, progress_start=progress_bar.start,
                          notify=_notice)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        _err("interrupted: no file was left half-written; run the same command again to complete the set")
        sys.exit(130)
    for warning in outcome.warnings:
        _err(f"warning: {warning}")
    status = 0
    for result in outcome.failed:
        who = "the master copy" if result.copy == 0 else f"copy {result.copy}"
        for problem in result.problems:
            _err(f"error: {who}: {problem}")
        status = max(status, 3 if result.exit_code == 3 else 1)
    files = len(outcome.data.get("files", ())) if outcome.data else sum(len(r.files) for r in outcome.results)
    copies = [r for r in outcome.results if r.copy != 0]
    master_ok = all(not r.problems for r in outcome.results if r.copy == 0)
    _out(str(outcome.manifest))
    _err(f"{sum(1 for r in copies if not r.problems)} of {len(copies)} copies"
         f"{' and the master' if master_ok else ' (the master failed)'}: {files} files in "
         f"{time.perf_counter() - started:.1f} s; manifest {outcome.manifest}")
    if send:
        status = max(status, _send(outcome, out_dir, smtp, security, user, password, sender))
    if outcome.failed:
        _err(f"{len(outcome.failed)} copies failed (listed above); fix them and run the command again")
    sys.exit(status)


def _send(outcome, out_dir: Path, smtp, security, user, password, sender) -> int:
    from email.utils import parseaddr

    from briefgen.mail import SmtpSettings, send_messages

    settings = SmtpSettings(host=smtp[0], port=smtp[1], sender=parseaddr(sender)[1], security=security or "none",
                            user=user, password=password)
    bar = _ProgressBar("sending")
    pending = sum(1 for e in outcome.data["files"] if e["format"] == "eml")
    try:
        with bar:
            report = send_messages(outcome.data, out_dir, settings, progress=bar.start(pending))
    except BriefgenError as e:
        _report(e)
        return 1
    except KeyboardInterrupt:
        _err("interrupted: the send log records every message accepted so far; run again to send the rest")
        sys.exit(130)
    for name, to, reason in report.failed:
        _err(f"error: {to} ({name}): {reason}")
    _err(f"sent {len(report.sent)}, already sent before {len(report.skipped)}, failed {len(report.failed)}")
    return 1 if report.failed else 0


class _ProgressBar:
    """A rich progress bar on stderr when it is a terminal; silent in a pipe or a log file."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.progress = None
        self.task = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def start(self, total: int):
        """Show the bar (on a terminal), counting to ``total``; return the function to call per
        item done. The bar's refresh thread starts here, not before: worker processes are
        forked before this is called."""
        if sys.stderr.isatty() and self.progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                     console=Console(stderr=True), transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task(self.label, total=total)
        return lambda *_: self.advance()

    def advance(self) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task)


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
def verify(folder: Path) -> None:
    """Check every file of a distribution FOLDER against its manifest.json (SHA-256 and size).

    Reports each changed, missing or unlisted file; exit code 1 if there is any.
    """
    from briefgen.manifest import verify as run

    try:
        report = run(folder)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    for name, what in report.problems:
        _out(f"{folder / name}: {what}")
    verdict = "OK" if not report.problems else f"{len(report.problems)} problem(s)"
    _err(f"{verdict}: {len(report.ok)} file(s) match the manifest")
    sys.exit(1 if report.problems else 0)
@cli.command("article")
@click.argument("article", type=click.Path(path_type=Path))
@click.pass_obj
def article_command(obj: _Context, article: Path) -> None:
    """Print the numbered body paragraphs of ARTICLE (text, Markdown or HTML), as facts files
    cite them (``para``). The title, byline, date line and headings are shown but not counted."""
    from briefgen.article import read_article

    try:
        found = read_article(article)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    except Exception:
        _unexpected(obj, "article")
    for label, value in (("title", found.title), ("byline", found.byline), ("date", found.dateline)):
        if value:
            _out(f"{label}: {value}")
    headings = dict(found.headings)
    for number, text in enumerate(found.paragraphs, 1):
        click.echo("")
        if number in headings:
            _out(f"## {headings[number]}")
            click.echo("")
        _out(f"[{number}] {text}")


@cli.command("check")
@click.argument("facts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-s", "--source", "source", type=click.Path(path_type=Path), default=None, metavar="ARTICLE",
              help="The article (text, Markdown or HTML). Default: the facts file's source.path.")
@click.pass_obj
def check_command(obj: _Context, facts: tuple[Path, ...], source: Path | None) -> None:
    """Check every fact of each FACTS file against the article: evidence in its paragraph,
    numbers, amounts, qualifiers, dates, quotations and names stated there.

    Prints one line per problem (file:line:column: field: message) and a summary. Exit status:
    0 all supported, 1 a fact is unsupported, 2 bad input.
    """
    from briefgen.check import check_file

    status = 0
    for path in facts:
        try:
            report = check_file(path, source)
        except BriefgenError as e:
            _report(e)
            status = max(status, e.exit_code)
            continue
        except Exception:
            _unexpected(obj, "check")
        for problem in report.problems:
            _out(str(problem))
        _err(f"{path}: {report.summary()}")
        if not report.ok:
            status = max(status, 1)
    sys.exit(status)


@cli.command("capture")
@click.argument("article", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None, metavar="FACTS",
              help="Write the draft facts file here (e.g. facts/NAME.yaml); default: print it.")
@click.option("--force", is_flag=True, help="Replace FACTS if it exists.")
@click.option("--lexicon", "lexicon_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Areas, roles and units to use instead of the built-in lexicon (YAML; copy "
                   "briefgen/data/lexicon.yaml to start).")
@click.option("--classification", default="OFFICIAL", show_default=True, help="Classification marking of the note.")
@click.pass_obj
def capture_command(obj: _Context, article: Path, output: Path | None, force: bool, lexicon_path: Path | None,
                    classification: str) -> None:
    """Draft a facts file from ARTICLE (text, Markdown or HTML): metadata, event, people,
    organisations, figures, quotations, milestones, and areas sorted by the lexicon.

    Every drafted fact cites its paragraph and evidence; the draft is marked status: draft (DRAFT
    on every page of its note) and passes 'briefgen check'. Offline and repeatable. Never
    replaces an existing file without --force; written atomically.
    """
    import os

    from briefgen.article import read_article
    from briefgen.capture import capture, load_lexicon, to_yaml
    from briefgen.errors import OutputError
    from briefgen.facts import parse_facts
    from briefgen.output import ensure_folder, write_atomic

    try:
        if output is not None and output.exists() and not force:
            raise OutputError("the file exists; not replaced", path=str(output),
                              hint="pass --force to replace it, or choose another name")
        found = read_article(article)
        relative = None
        if output is not None:
            folder = output.resolve().parent
            real = article.resolve()
            if folder in real.parents:
                relative = os.path.relpath(real, folder)
        draft = capture(found, load_lexicon(lexicon_path), classification=classification, source_path=relative)
        header = (f"Draft facts captured by briefgen from {article.name}; review every entry, rewrite the\n"
                  "points in your own words, then set note.status: final. Check with 'briefgen check'.")
        text = to_yaml(draft, header)
        try:
            parse_facts(text, str(output or "<draft>"))
        except BriefgenError as e:  # a draft that is not schema-valid is briefgen's fault
            raise RuntimeError(f"capture drafted an invalid facts file:\n{e}") from e
        if output is None:
            click.echo(text, nl=False)
        else:
            ensure_folder(output.parent if str(output.parent) else Path("."))
            write_atomic(output, text.encode("utf-8"))
            _out(str(output))
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    except Exception:
        _unexpected(obj, "capture")
    for warning in draft.warnings:
        _err(f"warning: {warning}")


def _terminate(signum, frame) -> None:
    # Turn SIGTERM into an exception so every ``finally`` runs: temporary files are removed
    # and the outputs already in place stay as they were.
    raise SystemExit(128 + signum)


def main() -> None:
    """Run the command line (the ``briefgen`` script and ``python -m briefgen``)."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="briefgen")
