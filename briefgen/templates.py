"""Template management: list the templates on the search path, describe one, export one.

Used by ``briefgen templates list|show|export``. Every function takes the same search-path inputs
as a build (``--template-dir`` folders and, optionally, a facts file) so what is listed is what a
build would use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import OutputError, TemplateError
from briefgen.templating import (
    TEMPLATE_SUFFIX,
    make_environment,
    template_search_path,
    user_template_dir,
)

__all__ = ["TemplateEntry", "TemplateInfo", "list_templates", "describe_template", "export_template"]


@dataclass(frozen=True)
class TemplateEntry:
    """One template file on the search path. ``shadowed`` is True when a template of the same
    name earlier on the path is the one builds use."""

    name: str
    path: Path
    origin: str
    description: str
    shadowed: bool


@dataclass(frozen=True)
class TemplateInfo:
    """A template's source, where it was found, what it extends and the variables it uses."""

    name: str
    path: Path
    origin: str
    source: str
    extends: tuple[str, ...]
    variables: tuple[str, ...]


def _read(path: Path, root: Path) -> str:
    """Return the text of template file ``path`` through the bounded reader, refusing a file
    that a symbolic link leads out of ``root``. Raises TemplateError."""
    from briefgen.files import OutsideRootError, read_bytes
    from briefgen.sandbox import MAX_TEMPLATE_BYTES

    try:
        data = read_bytes(path, limit=MAX_TEMPLATE_BYTES, root=root, error=TemplateError)
    except OutsideRootError as e:
        raise TemplateError(f"is a link to a file outside its template folder {root}; refused",
                            path=str(path), hint=e.problems[0].hint) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TemplateError(f"the template is not UTF-8 text (byte {e.start + 1})", path=str(path)) from None


def _description(path: Path, root: Path) -> str:
    """Return the first line of the template's leading ``{# ... #}`` comment, or ""."""
    try:
        head = _read(path, root)[:2000]
    except TemplateError as e:
        return f"(unreadable: {e.problems[0].message})"
    match = re.match(r"\s*\{#-?\s*(.*?)(?:\n|-?#\})", head, flags=re.DOTALL)
    return match.group(1).strip() if match else ""


def list_templates(template_dirs=(), facts_path: Path | None = None) -> list[TemplateEntry]:
    """Return every ``*.md.j2`` (a note template, named without the suffix) and ``*.txt.j2``
    (a plain-text template of ``distribute``, such as ``copy-stamp.txt``) on the search path,
    in search order, by name within a folder."""
    entries: list[TemplateEntry] = []
    seen: set[str] = set()
    for folder, origin in template_search_path(template_dirs, facts_path):
        for path in sorted([*folder.glob(f"*{TEMPLATE_SUFFIX}"), *folder.glob("*.txt.j2")]):
            name = path.name.removesuffix(TEMPLATE_SUFFIX).removesuffix(".j2")
            entries.append(TemplateEntry(name, path, origin, _description(path, folder), name in seen))
            seen.add(name)
    return entries


def _find(name: str, template_dirs=()) -> TemplateEntry:
    name = name.removesuffix(TEMPLATE_SUFFIX).removesuffix(".j2")
    for entry in list_templates(template_dirs):
        if entry.name == name and not entry.shadowed:
            return entry
    import difflib

    names = sorted({e.name for e in list_templates(template_dirs)})
    close = difflib.get_close_matches(name, names, n=1)
    raise TemplateError(f"template {name!r} not found",
                        hint=f"did you mean {close[0]!r}?" if close else f"available: {', '.join(names)}")


def describe_template(name: str, template_dirs=()) -> TemplateInfo:
    """Return the source of template ``name`` and the variables it uses (Jinja's analysis of
    the names it reads that it does not set itself). Raises TemplateError if it is not found
    or does not parse."""
    import jinja2
    from jinja2 import meta

    entry = _find(name, template_dirs)
    source = _read(entry.path, entry.path.parent)
    env = make_environment([folder for folder, _ in template_search_path(template_dirs)])
    try:
        tree = env.parse(source, name=entry.path.name, filename=str(entry.path))
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(f"template syntax error: {e.message}", path=str(entry.path), line=e.lineno) from None
    extends = tuple(t for t in meta.find_referenced_templates(tree) if t)
    variables = tuple(sorted(meta.find_undeclared_variables(tree) - set(env.globals)))
    return TemplateInfo(entry.name, entry.path, entry.origin, source, extends, variables)


def export_template(name: str, folder: Path | None = None, *, force: bool = False) -> Path:
    """Copy template ``name`` (as builds would find it) into ``folder`` and return the new path.

    ``folder`` defaults to the user template folder, created if missing. Raises TemplateError if
    the template does not exist, OutputError if the target exists and ``force`` is False or it
    cannot be written.
    """
    from briefgen.output import ensure_folder, write_atomic

    entry = _find(name)
    folder = Path(folder) if folder is not None else user_template_dir()
    ensure_folder(folder)
    target = folder / entry.path.name
    if target.exists() and not force:
        raise OutputError("the file exists; not overwritten", path=str(target),
                          hint="use --force to overwrite it, or give another folder")
    if target.resolve() == entry.path.resolve():
        raise OutputError("that is the template itself", path=str(target))
    write_atomic(target, _read(entry.path, entry.path.parent).encode("utf-8"))
    return target
