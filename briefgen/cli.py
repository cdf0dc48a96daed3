"""The command line: parse arguments, call the pipeline, report, exit.

Exit codes: 0 ok; 2 bad input (facts, template, theme, arguments); 3 an output could not be
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

from briefgen import __version__
from briefgen.errors import BriefgenError

__all__ = ["main", "cli"]

_FORMATS = ("pdf", "docx", "md")
EXIT_BUG = 70  # EX_SOFTWARE: an internal error, never the user's input


class _Context:
    def __init__(self, debug: bool) -> None:
        self.debug = debug


def _err(message: str) -> None:
    click.echo(message, err=True)


def _report(error: BriefgenError) -> None:
    for problem in error.problems:
        _err(f"error: {problem}")


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

    def build_all(self, facts: tuple[Path, ...]) -> int:
        from briefgen.pipeline import build as run_build
        from briefgen.theme import default_theme, load_theme

        try:
            theme = load_theme(self.theme_path) if self.theme_path else default_theme()
        except BriefgenError as e:
            _report(e)
            return e.exit_code
        status = 0
        claimed: dict[Path, Path] = {}
        for path in facts:
            started = time.perf_counter()
            from briefgen.pipeline import output_path

            # Compared without case: on Windows and macOS, X.pdf and x.pdf are one file.
            target = Path(str(output_path(path, self.out_dir, "x").with_suffix("")).lower())
            if target in claimed and claimed[target] != path:
                _err(f"error: {path}: its outputs would overwrite those of {claimed[target]} "
                     f"({target}.*); build it separately with another -o")
                status = max(status, 2)
                continue
            claimed[target] = path
            try:
                result = run_build(path, self.out_dir, formats=self.formats, template=self.template,
                                   template_dirs=self.template_dirs, date=self.date, theme=theme,
                                   missing_glyphs=self.missing_glyphs)
            except BriefgenError as e:
                _report(e)
                status = max(status, e.exit_code)
                continue
            except Exception:
                if self.obj.debug:
                    import traceback

                    traceback.print_exc()
                _err(f"error: {path}: unexpected failure (a bug in briefgen); "
                     + ("please report the traceback above" if self.obj.debug
                        else "run 'briefgen --debug build ...' to see the traceback"))
                status = max(status, EXIT_BUG)
                continue
            for warning in result.warnings:
                _err(f"warning: {warning}")
            for name, file, origin in result.templates:
                # A templates/ folder shipped beside a facts file changes the note: say so.
                _err(f"note: template {name} from {file} ({origin}), not the built-in")
            for out in result.outputs:
                click.echo(str(out))
            _err(f"built {path} in {time.perf_counter() - started:.2f} s")
        return status


@cli.command()
@_build_options
@click.pass_obj
def build(obj: _Context, facts: tuple[Path, ...], out_dir: Path, formats: tuple[str, ...],
          template: str | None, template_dirs: tuple[Path, ...], theme_path: Path | None,
          missing_glyphs: str, date: dt.datetime | None) -> None:
    """Build the briefing note of each FACTS file (YAML).

    Writes OUTPUT/<name>.<format> for each format and prints the paths written. Every output is
    written atomically: a failed build leaves earlier outputs as they were.
    """
    builder = _Builder(obj, out_dir, formats, template, template_dirs, theme_path, missing_glyphs, date)
    try:
        status = builder.build_all(facts)
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
        for changed in watch_paths(paths):
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
        click.echo(f"{entry.name:<{width}}  {entry.origin + note:<24}  {entry.description}")


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
    click.echo(f"# {info.path} ({info.origin})")
    if info.extends:
        click.echo(f"# extends: {', '.join(info.extends)}")
    click.echo(f"# variables: {', '.join(info.variables) or 'none'}")
    click.echo(info.source, nl=not info.source.endswith("\n"))


@templates.command("export")
@click.argument("name")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a file of the same name in FOLDER.")
def templates_export(name: str, folder: Path | None, force: bool) -> None:
    """Copy template NAME into FOLDER for editing (default: your user template folder, which is
    on the search path, so the copy takes effect at once). Never overwrites without --force."""
    from briefgen.templates import export_template

    try:
        target = export_template(name, folder, force=force)
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    click.echo(str(target))


def _terminate(signum, frame) -> None:
    # Turn SIGTERM into an exception so every ``finally`` runs: temporary files are removed
    # and the outputs already in place stay as they were.
    raise SystemExit(128 + signum)


def main() -> None:
    """Run the command line (the ``briefgen`` script and ``python -m briefgen``)."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="briefgen")
