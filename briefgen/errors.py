"""The ``BriefgenError`` hierarchy: every error a user can cause, with where it happened.

Each error carries one or more ``Problem``s. ``str(error)`` gives one line per problem in the form
``facts/x.yaml:12:5: areas[2].title: Field required`` so that editors and terminals can jump to it.
Library code raises these; only the CLI prints them and turns ``exit_code`` into the process status.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Problem",
    "BriefgenError",
    "FactsError",
    "TemplateError",
    "MarkupError",
    "ThemeError",
    "RenderError",
    "OutputError",
    "UsageError",
    "RecipientsError",
    "ManifestError",
    "SendError",
    "ArticleError",
]


@dataclass(frozen=True)
class Problem:
    """One located problem.

    ``line`` and ``column`` are 1-based (as editors count); ``field`` is a dotted path into the
    input such as ``areas[3].figures[0].value``; ``hint`` says how to fix it.
    """

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


class BriefgenError(Exception):
    """Root of every error briefgen reports to a user.

    ``problems`` is a non-empty tuple of ``Problem``; ``exit_code`` is the process exit status the
    CLI uses (2: bad input, 3: an output could not be written).
    """

    exit_code = 2

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        problems: list[Problem] | tuple[Problem, ...] | None = None,
    ) -> None:
        if problems:
            self.problems = tuple(problems)
        else:
            self.problems = (
                Problem(
                    message or "error",
                    None if path is None else str(path),
                    line,
                    column,
                    field,
                    hint,
                ),
            )
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class FactsError(BriefgenError):
    """The facts file cannot be read or does not match the schema."""


class TemplateError(BriefgenError):
    """A template is missing, has a syntax error, or failed while rendering."""


class MarkupError(BriefgenError):
    """The Markdown produced by the template uses something the document model does not have."""


class ThemeError(BriefgenError):
    """The theme file or a font it names is unusable."""


class RenderError(BriefgenError):
    """A renderer could not lay out the document (for example, text no font can show)."""


class RecipientsError(BriefgenError):
    """The recipients file of ``distribute`` cannot be read or has invalid rows."""


class ManifestError(BriefgenError):
    """A distribution folder's manifest is missing or invalid."""


class SendError(BriefgenError):
    """The SMTP server cannot be reached or refuses the login (nothing was sent)."""


class ArticleError(BriefgenError):
    """The article (text, Markdown or HTML) cannot be read or has no body text."""


class UsageError(BriefgenError):
    """A command-line argument is invalid."""


class OutputError(BriefgenError):
    """An output file could not be written; the previous file, if any, is left untouched."""

    exit_code = 3
