"""Watching files for changes (``briefgen watch``), with watchfiles."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Iterator

__all__ = ["watch_paths", "watched_folders", "MAX_WATCHED_FOLDERS"]

MAX_WATCHED_FOLDERS = 1_000
"""Most folders watched (a template folder and its sub-folders); more are reported and left out."""


def watched_folders(folders: list[Path], ignore: list[Path] = (),
                    warn: Callable[[str], None] | None = None) -> list[Path]:
    """Return ``folders`` and their real sub-folders, each to be watched on its own (not
    recursively), in a stable order.

    Never follows a symbolic link (a link to ``/`` in a template folder is not descended), never
    enters a folder in ``ignore`` (the output folder), and reports each folder it cannot read
    through ``warn`` as one line instead of failing. At most ``MAX_WATCHED_FOLDERS``.
    """
    skip = {Path(os.path.realpath(p)) for p in ignore}
    found: list[Path] = []
    seen: set[Path] = set()
    for top in folders:
        top = Path(os.path.realpath(top))
        stack = [top]
        while stack:
            folder = stack.pop()
            # The output folder is not descended into, unless it is itself a folder to watch
            # ("--template-dir . -o ."): its templates must still count.
            if folder in seen or (folder in skip and folder != top):
                continue
            seen.add(folder)
            if len(found) >= MAX_WATCHED_FOLDERS:
                if warn:
                    warn(f"more than {MAX_WATCHED_FOLDERS:,} folders under {top}; the rest are not watched")
                return found
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except PermissionError:
                if warn:
                    warn(f"{folder}: permission denied: not watched")
                continue
            except OSError as e:
                if warn:
                    warn(f"{folder}: cannot be read ({e.strerror}): not watched")
                continue
            found.append(folder)
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                        stack.append(Path(entry.path))
                except OSError:
                    continue
    return found


def watch_paths(paths: list[Path], stop_event: threading.Event | None = None,
                debounce_ms: int = 300, *, ignore: list[Path] = (),
                warn: Callable[[str], None] | None = None) -> Iterator[set[Path]]:
    """Yield the set of changed paths each time one or more of ``paths`` change, until
    ``stop_event`` is set or the caller stops iterating.

    A path that is a folder (a template folder) is watched with its real sub-folders, for
    changes to template files (``*.j2``); any other path is a file (a facts file, a theme),
    watched through its folder: editors often save by writing a new file and renaming it over
    the old one, which a watch on the file itself would lose. A file that does not exist yet
    is watched too, and reported when it appears. Changes under ``ignore`` (the output folder)
    are never reported, so writing the outputs does not start another build. Symbolic links
    are not followed out of the watched folders; unreadable folders are reported once through
    ``warn``. A template folder (or sub-folder) made, removed, or moved away and back is
    watched again in its new state, and reported as changed. Changes are grouped over
    ``debounce_ms`` milliseconds so one save gives one rebuild.
    """
    def real(p: Path) -> Path:
        return Path(os.path.realpath(p))

    ignored = [real(p) for p in ignore]
    template_folders = [real(p) for p in paths if p.is_dir()]
    files = {real(p) for p in paths if not p.is_dir()}
    while True:
        folders = watched_folders(template_folders, ignored, warn)
        template_watched = set(folders)
        # Also the folders holding the template folders and the files: a template folder moved
        # away and back, or a facts file saved by rename, is seen there.
        for f in sorted(files | set(template_folders)):
            if f.parent.is_dir() and f.parent not in folders:
                folders.append(f.parent)
        if not folders:
            return
        relayout = yield from _watch_once(folders, files, set(template_folders), template_watched,
                                          stop_event, debounce_ms, real)
        if not relayout:
            return


def _watch_once(folders: list[Path], files: set[Path], template_folders: set[Path],
                template_watched: set[Path], stop_event, debounce_ms: int, real) -> Iterator[set[Path]]:
    """Watch ``folders`` (each not recursively) and yield the relevant changes; return True when
    the folders themselves changed (a template folder or sub-folder made, removed or moved back),
    so the caller watches the new layout, False when the watch ended."""
    from watchfiles import watch

    def relevant(path: Path) -> bool:
        # A watched facts file or theme always counts, even inside the output folder
        # ("watch n.yaml -o ."). A template counts in a folder of the template folders'
        # (which never descend into the output folder); what a build writes is never a ".j2".
        if path in files:
            return True
        return path.name.endswith(".j2") and path.parent in template_watched

    def moves_folders(path: Path) -> bool:
        # A watch on a folder ends with the folder: one removed or made under (or as) a template
        # folder changes what must be watched.
        return (path in template_folders or path in template_watched
                or (path.parent in template_watched and path.is_dir()))

    for changes in watch(*folders, stop_event=stop_event, debounce=debounce_ms, raise_interrupt=False,
                         recursive=False, ignore_permission_denied=True):
        changed = {real(Path(p)) for _, p in changes}
        relayout = any(moves_folders(p) for p in changed)
        shown = {p for p in changed if relevant(p)}
        if relayout:
            # The templates in a folder that came back may differ: rebuild.
            shown |= {p for p in changed if p in template_folders and p.is_dir()}
        if shown:
            yield shown
        if relayout:
            return True
    return False
