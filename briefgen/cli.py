"""The command line: parse arguments, call the pipeline, report, exit.

Exit codes: 0 ok; 2 bad input (facts, template, theme, arguments); 3 an output could not be
written. Errors are printed one problem per line as ``file:line:column: field: message``; no
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


def _build_date(value: dt.date | None) -> dt.date:
    """Return the note date for builds: ``--date``, else SOURCE_DATE_EPOCH, else today."""
    if value:
        return value
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise click.BadParameter(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from None
    return dt.date.today()


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


@cli.command()
@click.argument("facts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the outputs (created if missing).")
@click.option("-f", "--format", "formats", default="pdf,docx", show_default=True,
              callback=_parse_formats,
              help="Comma-separated output formats: pdf, docx, md (the template's Markdown).")
@click.option("-t", "--template", default=None, metavar="NAME_OR_PATH",
              help="Template name (built-in: briefing-note) or path to a .md.j2 file.")
@click.option("--theme", "theme_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Theme file (YAML): page size, margins, fonts, colours, logo. "
                   "Default: the built-in theme.")
@click.option("--missing-glyphs", type=click.Choice(["error", "replace"]), default="error", show_default=True,
              help="What to do with a character no font has: stop with an error, or draw it as "
                   "U+FFFD (a visible marker) and warn.")
@click.option("--date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date of the note (YYYY-MM-DD) when the facts file gives none; "
                   "default: $SOURCE_DATE_EPOCH, else today.")
@click.pass_obj
def build(obj: _Context, facts: tuple[Path, ...], out_dir: Path, formats: tuple[str, ...],
          template: str | None, theme_path: Path | None, missing_glyphs: str,
          date: dt.datetime | None) -> None:
    """Build the briefing note of each FACTS file (YAML).

    Writes OUTPUT/<name>.<format> for each format and prints the paths written. Every output is
    written atomically: a failed build leaves earlier outputs as they were.
    """
    from briefgen.pipeline import build as run_build
    from briefgen.theme import default_theme, load_theme

    note_date = _build_date(date.date() if date else None)
    try:
        theme = load_theme(theme_path) if theme_path else default_theme()
    except BriefgenError as e:
        _report(e)
        sys.exit(e.exit_code)
    status = 0
    for path in facts:
        started = time.perf_counter()
        try:
            result = run_build(path, out_dir, formats=formats, template=template, date=note_date,
                               theme=theme, missing_glyphs=missing_glyphs)
        except BriefgenError as e:
            _report(e)
            status = max(status, e.exit_code)
            continue
        except KeyboardInterrupt:
            _err("interrupted: outputs not yet written were left as they were")
            sys.exit(130)
        except Exception:
            if obj.debug:
                raise
            _err(f"error: {path}: unexpected failure (a bug in briefgen); run with --debug for details")
            status = max(status, 1)
            continue
        for warning in result.warnings:
            _err(f"warning: {warning}")
        for out in result.outputs:
            click.echo(str(out))
        _err(f"built {path} in {time.perf_counter() - started:.2f} s")
    sys.exit(status)


def main() -> None:
    """Run the command line (the ``briefgen`` script and ``python -m briefgen``)."""
    cli(prog_name="briefgen")
