"""Watching files for changes (``briefgen watch``), with watchfiles."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

__all__ = ["watch_paths"]


def watch_paths(paths: list[Path], stop_event: threading.Event | None = None,
                debounce_ms: int = 300) -> Iterator[set[Path]]:
    """Yield the set of changed paths each time one or more of ``paths`` (files, or folders
    watched recursively) change, until ``stop_event`` is set or the caller stops iterating.

    A file is watched through its folder: editors often save by writing a new file and renaming
    it over the old one, which a watch on the file itself would lose. Changes are grouped over
    ``debounce_ms`` milliseconds so one save gives one rebuild. Paths that do not exist are
    skipped.
    """
    from watchfiles import watch

    files = {p.resolve() for p in paths if p.is_file()}
    folders = {p.resolve() for p in paths if p.is_dir()}
    roots = sorted({str(f.parent) for f in files} | {str(d) for d in folders})
    if not roots:
        return

    def relevant(path: Path) -> bool:
        return path in files or any(path == d or d in path.parents for d in folders)

    for changes in watch(*roots, stop_event=stop_event, debounce=debounce_ms, raise_interrupt=False):
        changed = {Path(p).resolve() for _, p in changes}
        changed = {p for p in changed if relevant(p)}
        if changed:
            yield changed
