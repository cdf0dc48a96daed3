"""The one bounded reader every input file goes through.

``read_bytes`` opens a regular file (never a device, pipe or folder), reads at most ``limit``
bytes, and, given a ``root``, refuses a path that resolves (symlinks followed) outside it. Facts
files, templates and theme files are read with it, so no input can make briefgen read without
end, block on a FIFO, or follow a link out of the folder it was told to use.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from briefgen.errors import BriefgenError

__all__ = ["read_bytes", "read_text", "decode_utf8", "inside", "OutsideRootError"]


class OutsideRootError(BriefgenError):
    """A path resolves (through ``..`` or a symbolic link) to a place outside its root folder."""


def inside(path: str | Path, root: str | Path) -> bool:
    """Return True if ``path``, with every symlink resolved, is ``root`` or lies under it."""
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    return real == base or real.is_relative_to(base)


def read_bytes(
    path: str | Path,
    *,
    limit: int,
    root: str | Path | None = None,
    error: type[BriefgenError] = BriefgenError,
    shown: str | None = None,
) -> bytes:
    """Return the content of the regular file at ``path``, at most ``limit`` bytes long.

    ``root``: when given, the file's real path (symlinks resolved) must lie inside ``root``'s
    real path, else OutsideRootError is raised. ``error`` is the BriefgenError subclass raised
    for a missing, unreadable, non-regular or oversized file; ``shown`` is the path named in
    messages (default ``str(path)``).
    """
    shown = shown or str(path)
    if root is not None and not inside(path, root):
        raise OutsideRootError(
            f"resolves to {os.path.realpath(path)}, outside the folder {root}; refused",
            path=shown, hint="files are read only from inside their folder; copy the file there instead of linking it",
        )
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(os.path.realpath(path), flags)
    except FileNotFoundError:
        raise error("no such file", path=shown, hint="check the path") from None
    except IsADirectoryError:
        raise error("is a folder, not a file", path=shown) from None
    except PermissionError:
        raise error("permission denied: cannot read the file", path=shown) from None
    except OSError as e:
        raise error(f"cannot read the file: {e.strerror}", path=shown) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error("is a folder, not a file", path=shown)
        if not stat.S_ISREG(info.st_mode):
            raise error("is not a regular file (a device, pipe or socket)", path=shown,
                        hint="save the content to a file and pass its path")
        if info.st_size > limit:
            raise error(f"the file is {info.st_size:,} bytes; the limit is {limit:,} bytes", path=shown)
        chunks: list[bytes] = []
        size = 0
        while True:  # bounded even if the file grows while it is read
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise error(f"the file is larger than the limit of {limit:,} bytes", path=shown)
        return b"".join(chunks)
    except OSError as e:
        raise error(f"cannot read the file: {e.strerror}", path=shown) from None
    finally:
        os.close(fd)


def decode_utf8(data: bytes, shown: str, error: type[BriefgenError] = BriefgenError, what: str = "file") -> str:
    """Return ``data`` decoded as UTF-8 (a leading BOM dropped); raise ``error`` naming the line
    and column of the first byte that is not UTF-8 in ``shown``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise error(f"the {what} is not UTF-8 text (byte 0x{data[e.start]:02x})", path=shown, line=line,
                    column=column, hint="save it as UTF-8; most editors offer this under 'Save with encoding'") from None


def read_text(path: str | Path, *, limit: int, root: str | Path | None = None,
              error: type[BriefgenError] = BriefgenError, shown: str | None = None, what: str = "file") -> str:
    """Return the UTF-8 text of the regular file at ``path``: ``read_bytes`` then
    ``decode_utf8``. ``what`` names the kind of file in messages ("template", "theme file")."""
    shown = shown or str(path)
    try:
        data = read_bytes(path, limit=limit, root=root, error=error, shown=shown)
    except OutsideRootError:
        raise
    except BriefgenError as e:
        problem = e.problems[0]
        if "regular file" in problem.message:
            raise error(f"the {what} is not a regular file (a device, pipe or socket)", path=shown,
                        hint=f"a {what} must be an ordinary file") from None
        raise
    return decode_utf8(data, shown, error, what)
