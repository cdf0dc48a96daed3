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
    problem: object = None
    """The ``Problem`` that makes the file unusable (not a regular file, not UTF-8, a link out of
    its folder), or None."""


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
    from briefgen.files import OutsideRootError, read_text
    from briefgen.sandbox import MAX_TEMPLATE_BYTES

    try:
        return read_text(path, limit=MAX_TEMPLATE_BYTES, root=root, error=TemplateError, what="template")
    except OutsideRootError as e:
        raise TemplateError(f"is a link to a file outside its template folder {root}; refused",
                            path=str(path), hint=e.problems[0].hint) from None


def _description(path: Path, root: Path) -> tuple[str, object]:
    """Return (the first line of the template's leading ``{# ... #}`` comment or "", the
    ``Problem`` if the file cannot be read, else None)."""
    try:
        head = _read(path, root)[:2000]
    except TemplateError as e:
        return f"(unreadable: {e.problems[0].message})", e.problems[0]
    match = re.match(r"\s*\{#-?\s*(.*?)(?:\n|-?#\})", head, flags=re.DOTALL)
    return (match.group(1).strip() if match else ""), None


def list_templates(template_dirs=(), facts_path: Path | None = None) -> list[TemplateEntry]:
    """Return every ``*.md.j2`` (a note template, named without the suffix) and ``*.txt.j2``
    (a plain-text template of ``distribute``, such as ``copy-stamp.txt``) on the search path,
    in search order, by name within a folder."""
    entries: list[TemplateEntry] = []
    seen: set[str] = set()
    for folder, origin in template_search_path(template_dirs, facts_path):
        for path in sorted([*folder.glob(f"*{TEMPLATE_SUFFIX}"), *folder.glob("*.txt.j2")]):
            name = path.name.removesuffix(TEMPLATE_SUFFIX).removesuffix(".j2")
            description, problem = _description(path, folder)
            entries.append(TemplateEntry(name, path, origin, description, name in seen, problem))
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
    # The variables of the whole chain (a template that only extends another uses the other's),
    # and of the macros it imports with the context.
    flat, _ = flatten_template(entry.name, template_dirs)
    used = set(meta.find_undeclared_variables(env.parse(flat)))
    for imported in meta.find_referenced_templates(env.parse(flat)):
        if imported:
            try:
                used |= meta.find_undeclared_variables(env.parse(_read(_find(imported, template_dirs).path,
                                                                       _find(imported, template_dirs).path.parent)))
            except TemplateError:
                pass
    from briefgen.templating import CONTEXT_VARIABLES

    variables = tuple(sorted(used & set(CONTEXT_VARIABLES)))
    return TemplateInfo(entry.name, entry.path, entry.origin, source, extends, variables)


@dataclass(frozen=True)
class _BlockSpan:
    """Where a ``{% block %}`` sits in a template's source: its name, the offsets of its opening
    tag, its body and the end of its ``{% endblock %}`` tag, and how deep it is nested."""

    name: str
    open_start: int
    body_start: int
    body_end: int
    close_end: int
    depth: int


def _block_spans(source: str, shown: str) -> list[_BlockSpan]:
    """Return the blocks of template ``source``, in source order. Raises TemplateError if the
    tags do not pair up (the build would report the same)."""
    import jinja2

    from briefgen.jinjaspace import _plain_environment

    spans: list[_BlockSpan] = []
    stack: list[tuple[str, int, int]] = []
    pos = 0
    tag: list[tuple[str, str, int]] = []  # tokens of the tag being read: (kind, value, offset)
    try:
        for _, kind, value in _plain_environment().lexer.tokeniter(source, None):
            found = source.find(value, pos) if value else pos
            pos = found + len(value)
            if kind == "block_begin":
                tag = [(kind, value, found)]
                continue
            if tag and kind != "block_end":
                if kind != "whitespace":
                    tag.append((kind, value, found))
                continue
            if tag and kind == "block_end":
                words = [v for k, v, _ in tag[1:] if k == "name"]
                start = tag[0][2]
                if words[:1] == ["block"] and len(words) >= 2:
                    stack.append((words[1], start, pos))
                elif words[:1] == ["endblock"] and stack:
                    name, open_start, body_start = stack.pop()
                    spans.append(_BlockSpan(name, open_start, body_start, start, pos, len(stack)))
                tag = []
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(f"template syntax error: {e.message}", path=shown, line=e.lineno) from None
    return sorted(spans, key=lambda b: b.open_start)


_SUPER = re.compile(r"\{\{-?\s*super\(\)\s*-?\}\}")


def _as_printed(text: str, source: str, spans: list[_BlockSpan], block: str) -> str:
    """Return a block's body ``text`` as Jinja prints it through ``super()``: without the line
    break its opening tag's ``trim_blocks`` (or all the space its ``-%}``) removes."""
    span = next(b for b in spans if b.name == block)
    tag = source[span.open_start:span.body_start]
    if tag.endswith("-%}"):
        return text.lstrip()
    if not tag.endswith("+%}") and text.startswith(("\n", "\r\n")):
        return text.split("\n", 1)[1]
    return text


def flatten_template(name: str, template_dirs=()) -> tuple[str, list[TemplateEntry]]:
    """Return (source, chain): template ``name`` with every template it extends merged into one
    file that extends nothing, and the chain of files it was made from (``name`` first).

    Each block keeps its ``{% block %}`` tags and gets the body of the most derived template
    that defines it; ``{{ super() }}`` is replaced by the parent's body. The result renders the
    same Markdown as the chain. Raises TemplateError if a template in the chain cannot be read
    or parsed, extends a name computed at run time, or calls ``super()`` in another form.
    """
    import jinja2
    from jinja2 import nodes

    from briefgen import __version__

    env = make_environment([folder for folder, _ in template_search_path(template_dirs)])
    chain: list[TemplateEntry] = []
    sources: list[str] = []
    current: str | None = name
    while current is not None:
        entry = _find(current, template_dirs)
        if any(e.path == entry.path for e in chain):
            raise TemplateError("the template extends itself", path=str(entry.path))
        source = _read(entry.path, entry.path.parent)
        try:
            tree = env.parse(source, name=entry.path.name, filename=str(entry.path))
        except jinja2.TemplateSyntaxError as e:
            raise TemplateError(f"template syntax error: {e.message}", path=str(entry.path), line=e.lineno) from None
        chain.append(entry)
        sources.append(source)
        extends = tree.find(nodes.Extends)
        if extends is None:
            current = None
        elif isinstance(extends.template, nodes.Const) and isinstance(extends.template.value, str):
            current = extends.template.value
        else:
            raise TemplateError("extends a template chosen at run time; it cannot be flattened",
                                path=str(entry.path), line=extends.lineno,
                                hint="export it with --no-flatten")
    spans = [_block_spans(src, str(e.path)) for src, e in zip(sources, chain)]

    def definition(block: str, below: int) -> int | None:
        """Index (in ``chain``) of the most derived template at or above ``below`` defining ``block``."""
        for i in range(below, len(chain)):
            if any(b.name == block for b in spans[i]):
                return i
        return None

    def body(i: int, block: str) -> str:
        span = next(b for b in spans[i] if b.name == block)
        text = expand(i, span.body_start, span.body_end)
        if "super(" in text:
            parent = definition(block, i + 1)
            if parent is not None:
                text = _SUPER.sub(lambda _: _as_printed(body(parent, block), sources[parent], spans[parent], block), text)
            if "super(" in text:
                raise TemplateError(f"the block {block!r} calls super() in a way that cannot be flattened",
                                    path=str(chain[i].path), hint="export it with --no-flatten")
        return text

    def expand(i: int, start: int, end: int) -> str:
        out, at = [], start
        for span in spans[i]:
            if span.open_start < at or span.close_end > end:
                continue
            owner = definition(span.name, 0)
            out.append(sources[i][at:span.body_start])
            out.append(body(owner, span.name))
            out.append(sources[i][span.body_end:span.close_end])
            at = span.close_end
        out.append(sources[i][at:end])
        return "".join(out)

    root = len(chain) - 1
    hoisted = []
    for i in range(root):  # statements a child has outside its blocks (set, import), kept first
        outside, at = [], 0
        for span in spans[i]:
            if span.depth == 0:
                outside.append(sources[i][at:span.open_start])
                at = span.close_end
        outside.append(sources[i][at:])
        text = re.sub(r"\{#.*?#\}|\{%-?\s*extends\s.*?%\}", "", "".join(outside), flags=re.DOTALL)
        hoisted += [line for line in text.splitlines() if line.strip()]
    lead = re.match(r"\s*\{#-?.*?-?#\}", sources[0], flags=re.DOTALL)
    names = " -> ".join(e.path.name for e in chain)
    header = (f"{{#- Exported by briefgen {__version__} from {names}, flattened into this one file:\n"
              "    edit any part of it. It no longer extends another template; templates it imports\n"
              "    (macros.md.j2) are still found on the search path. -#}\n")
    parts = [lead.group(0).strip() + "\n" if lead and root else "", header, *(h + "\n" for h in hoisted),
             expand(root, 0, len(sources[root]))]
    return "".join(parts), chain


def export_template(name: str, folder: Path | None = None, *, force: bool = False,
                    flatten: bool | None = None) -> list[Path]:
    """Write template ``name`` (as builds would find it) into ``folder`` for editing; return the
    paths written, the template first.

    ``flatten``: True merges the template and every template it extends into one file
    (``flatten_template``); False copies each file of the chain and writes README.txt saying
    which file holds what; None (default) flattens when the template extends another. ``folder``
    defaults to the user template folder, created if missing. Raises TemplateError if the
    template does not exist or cannot be read, OutputError if a target exists and ``force`` is
    False, is the template itself, or cannot be written. Nothing is written unless all can be.
    """
    from briefgen.output import ensure_folder, write_all_atomic

    entry = _find(name)
    folder = Path(folder) if folder is not None else user_template_dir()
    source, chain = flatten_template(entry.name)
    if flatten is None:
        flatten = len(chain) > 1
    files: list[tuple[Path, bytes]] = []
    if flatten or len(chain) == 1:
        files.append((folder / entry.path.name, source.encode("utf-8") if len(chain) > 1
                      else _read(entry.path, entry.path.parent).encode("utf-8")))
    else:
        for link in chain:
            files.append((folder / link.path.name, _read(link.path, link.path.parent).encode("utf-8")))
        lines = [f"Template {entry.name}, exported by briefgen as the files it is made of:", ""]
        for i, link in enumerate(chain):
            role = ("the template you build with (--template " + entry.name + ")" if i == 0
                    else f"extended by {chain[i - 1].path.name}: its blocks are the defaults")
            lines.append(f"  {link.path.name}: {role} (from {link.origin}, {link.path})")
        lines += ["", "A block defined in a file overrides the block of the same name in the file it extends.",
                  "Text outside blocks in a file that extends another is an error (it would be lost).",
                  "These copies override the built-in templates of the same names for every build that",
                  "searches this folder; delete a file to go back to the built-in one.", ""]
        files.append((folder / "README.txt", "\n".join(lines).encode("utf-8")))
    for target, _ in files:
        if target.exists() and not force:
            raise OutputError("the file exists; not overwritten", path=str(target),
                              hint="use --force to overwrite it, or give another folder")
        if target.exists() and any(target.resolve() == link.path.resolve() for link in chain):
            raise OutputError("that is the template itself", path=str(target))
    ensure_folder(folder)
    write_all_atomic(files)
    return [path for path, _ in files]
