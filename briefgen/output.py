"""Writing outputs safely: file names derived from input names, and atomic writes.

``write_atomic`` writes to a temporary file in the target folder and renames it over the target
with ``os.replace``, so a reader never sees a half-written note and a failed or interrupted build
leaves the previous good file in place.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from briefgen.errors import OutputError

__all__ = ["safe_stem", "write_atomic", "ensure_folder"]

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_STEM = 100
# Letters with no ASCII decomposition, folded the way their languages transliterate them.
_LATIN_EXTRA = str.maketrans({"ı": "i", "ə": "e", "Ə": "E", "ß": "ss", "ø": "o", "Ø": "O",
                              "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE"})


def safe_stem(name: str) -> str:
    """Return a file-name stem safe on Windows, macOS and Linux, derived from ``name``.

    Keeps letters, digits, ``.``, ``_`` and ``-`` (accents are folded to ASCII); anything else
    becomes ``-``. Never empty, never starts with ``.`` or ``-``, never a device name such as
    ``CON``, at most 100 characters. ``"../../etc/passwd"`` becomes ``"etc-passwd"``.
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(_LATIN_EXTRA))
    folded = "".join(
        c if c.isascii() else "-" for c in decomposed if not unicodedata.combining(c)
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", folded)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_ ")[:MAX_STEM].rstrip(".-_ ")
    if not stem:
        stem = "note"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = f"note-{stem}"
    return stem


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing.

    Raises OutputError if it cannot be created or a file stands where it should be.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError("a file is in the way of the output folder", path=str(folder),
                          hint="choose another folder with -o") from None
    except NotADirectoryError:
        raise OutputError("part of the output folder's path is a file", path=str(folder),
                          hint="choose another folder with -o") from None
    except PermissionError:
        raise OutputError("permission denied: cannot create the output folder", path=str(folder)) from None
    except OSError as e:
        raise OutputError(f"cannot create the output folder: {e.strerror}", path=str(folder)) from None
    if not folder.is_dir():
        raise OutputError("the output path is not a folder", path=str(folder))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: all of it, or nothing and the old file intact.

    The temporary file is created beside ``path`` (same file system, so ``os.replace`` is atomic)
    and removed on any failure, including KeyboardInterrupt. An existing ``path`` without any
    write permission bit is left alone. Raises OutputError with the reason (read-only, permission
    denied, disk full, ...).
    """
    folder = path.parent
    tmp_name = None
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise OutputError(f"cannot reach the output file: {e.strerror}", path=str(path)) from None
    if mode is not None and not mode & 0o222:
        # Replacing would succeed (the folder is writable), but a read-only file says "keep me".
        raise OutputError("the output file is read-only; not replaced", path=str(path),
                          hint="make it writable, delete it, or write elsewhere with -o")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
        tmp_name = None
    except PermissionError:
        raise OutputError("permission denied: cannot write the file", path=str(path),
                          hint="check that the folder is writable and the file is not read-only or open") from None
    except IsADirectoryError:
        raise OutputError("a folder has the output file's name", path=str(path)) from None
    except OSError as e:
        raise OutputError(f"cannot write the file: {e.strerror or e}", path=str(path)) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
