"""Writing outputs safely: file names derived from input names, and atomic writes.

``write_atomic`` writes to a temporary file in the target folder and renames it over the target
with ``os.replace``, so a reader never sees a half-written note and a failed or interrupted build
leaves the previous good file in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import time
import unicodedata
from pathlib import Path

from briefgen.errors import OutputError

__all__ = ["safe_stem", "safe_name", "unique_names", "write_atomic", "write_all_atomic", "ensure_folder",
           "output_lock", "remove_stale_temporaries"]

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_STEM = 100
# Letters with no ASCII decomposition, folded the way their languages transliterate them.
_LATIN_EXTRA = str.maketrans({"ı": "i", "ə": "e", "Ə": "E", "ß": "ss", "ø": "o", "Ø": "O",
                              "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE"})


def safe_stem(name: str) -> str:
    """Return a file-name stem safe on Windows, macOS and Linux, derived from ``name``.

    Keeps letters, digits, ``.``, ``_`` and ``-`` (accents are folded to ASCII); anything else
    becomes ``-``. Never empty, never starts with ``.`` or ``-``, never a device name such as
    ``CON``, at most 100 characters. ``"../../etc/passwd"`` becomes ``"etc-passwd"``; a name with
    nothing readable left (``"پاکستان"``) becomes ``note-`` and 8 hex digits of its hash.
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(_LATIN_EXTRA))
    folded = "".join(
        c if c.isascii() else "-" for c in decomposed if not unicodedata.combining(c)
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", folded)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_ ")[:MAX_STEM].rstrip(".-_ ")
    if not re.search(r"[A-Za-z0-9]", stem):
        # Nothing readable survived (a name in another script, or only punctuation): a short
        # hash keeps different names apart.
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"note-{digest}" if name.strip(". ") else "note"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = f"note-{stem}"
    return stem


def safe_name(name: str, max_bytes: int = 60) -> str:
    """Return a file-name part made from a person's ``name``, keeping its letters in any script.

    Letters, digits, combining marks, ``.``, ``_`` and ``-`` are kept (NFC-normalised, so
    "José" stays "José"); anything else (``/``, ``\\``, ``:``, spaces, control and format
    characters) becomes ``-``. Never empty (``"person"``), never ``.``/``..`` or a leading dot or
    dash, never a device name such as ``CON`` or ``nul.txt`` (prefixed ``person-``), and at
    most ``max_bytes`` bytes of UTF-8, cut at a character boundary (file systems limit names
    to 255 bytes, not characters).
    """
    text = unicodedata.normalize("NFC", name)
    out = "".join(
        c if (unicodedata.category(c)[0] in "LNM" or c in "._-") else "-" for c in text
    )
    out = re.sub(r"-{2,}", "-", out).strip(".-_ ")
    encoded = out.encode("utf-8")
    if len(encoded) > max_bytes:
        out = encoded[:max_bytes].decode("utf-8", "ignore")
        # A cut can leave a base letter without its accent: drop trailing marks with it.
        while out and unicodedata.category(out[-1]).startswith("M"):
            out = out[:-1]
        out = out.rstrip(".-_ ")
    if not out:
        return "person"
    if out.split(".")[0].lower() in _RESERVED:
        out = f"person-{out}"
    return out


def unique_names(names: list[str]) -> list[str]:
    """Return ``names`` with later repeats made distinct by ``-2``, ``-3``, ...: the first keeps
    its name, so the result depends only on the order given. Names are compared without case
    (on Windows and macOS ``A.pdf`` and ``a.pdf`` are one file)."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{name}-{n}"
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing.

    Raises OutputError if it cannot be created or a file stands where it should be.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError("a file is in the way of the output folder", path=str(folder),
                          hint="choose another folder") from None
    except NotADirectoryError:
        raise OutputError("part of the output folder's path is a file", path=str(folder),
                          hint="choose another folder") from None
    except PermissionError:
        raise OutputError("permission denied: cannot create the output folder", path=str(folder)) from None
    except OSError as e:
        raise OutputError(f"cannot create the output folder: {e.strerror}", path=str(folder)) from None
    if not folder.is_dir():
        raise OutputError("the output path is not a folder", path=str(folder))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: all of it, or nothing and the old file intact.

    See ``write_all_atomic``. Raises OutputError with the reason.
    """
    write_all_atomic([(path, data)])


def write_all_atomic(files: list[tuple[Path, bytes]]) -> None:
    """Write several files so that either all are replaced or none is.

    Every file is first written in full to a temporary file beside its target (same file
    system, so ``os.replace`` is atomic) and flushed to disk; only then are the targets
    replaced, one rename each. Any failure before that point, KeyboardInterrupt included,
    removes the temporary files and leaves every target as it was. A new file gets the
    permissions the umask allows (as any program's would); a replaced file keeps its own. A
    target without any write permission bit is left alone. Raises OutputError with the reason
    (read-only, permission denied, disk full, ...).
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            mode = _target_mode(path)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp_name, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, mode)
        for tmp_name, path in staged:
            os.replace(tmp_name, path)
        staged = []
    except OutputError:
        raise
    except PermissionError as e:
        raise OutputError("permission denied: cannot write the file", path=_which(e, files),
                          hint="check that the folder is writable and the file is not open elsewhere") from None
    except IsADirectoryError as e:
        raise OutputError("a folder has the output file's name", path=_which(e, files)) from None
    except OSError as e:
        raise OutputError(f"cannot write the file: {e.strerror or e}", path=_which(e, files)) from None
    finally:
        for tmp_name, _ in staged:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _target_mode(path: Path) -> int:
    """Return the permissions for ``path``: its own if it exists, else 0o666 less the umask.

    Raises OutputError if it exists and has no write bit at all.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    except OSError as e:
        raise OutputError(f"cannot reach the output file: {e.strerror}", path=str(path)) from None
    if path.is_dir():
        raise OutputError("a folder has the output file's name", path=str(path))
    if not mode & 0o222:
        # Replacing would succeed (the folder is writable), but a read-only file says "keep me".
        raise OutputError("the output file is read-only; not replaced", path=str(path),
                          hint="make it writable, delete it, or write elsewhere")
    return stat.S_IMODE(mode)


def _which(error: OSError, files: list[tuple[Path, bytes]]) -> str:
    """Return the output path an OSError is about, for the message."""
    name = getattr(error, "filename", None)
    for path, _ in files:
        if name and (str(path) == str(name) or Path(str(name)).parent == path.parent and path.name in str(name)):
            return str(path)
    return str(files[0][0]) if files else str(name)


LOCK_WAIT_SECONDS = 120
"""Longest a build waits for another build writing the same outputs."""
STALE_SECONDS = 600
"""Age after which another stem's temporary file is taken as left by a killed build."""
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


def _lock_file(fd: int, block: bool) -> bool:
    """Take an exclusive lock on the open file ``fd``; return False if ``block`` is False and
    another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False


@contextlib.contextmanager
def output_lock(folder: Path, stem: str, *, wait: float = LOCK_WAIT_SECONDS):
    """Hold the lock of the outputs ``folder/stem.*`` while the block runs, so two builds
    writing the same outputs at the same time replace them one set after the other, never
    mixed (``x.md`` of one with ``x.docx`` of the other).

    The lock is the hidden file ``folder/.stem.lock``, removed when released. Raises
    OutputError if another build holds it for longer than ``wait`` seconds or it cannot be
    created.
    """
    path = folder / f".{stem.casefold()}.lock"
    give_up = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise OutputError(f"cannot create the lock file: {e.strerror}", path=str(path)) from None
        locked = _lock_file(fd, block=False)
        if locked:
            # The holder before us removes the file when done: make sure ours is still the one
            # at the path, or a third build could lock a new file and write beside us.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
        os.close(fd)
        if time.monotonic() > give_up:
            raise OutputError("another briefgen build has been writing these outputs for "
                              f"{wait:.0f} s; not written", path=str(folder / stem),
                              hint=f"wait for it to finish; if none is running, delete {path}")
        time.sleep(0.02)
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass  # Windows keeps an open file; the next build reuses it
        os.close(fd)


def remove_stale_temporaries(folder: Path, names: list[str], *, now: float | None = None) -> list[Path]:
    """Remove briefgen's own temporary files (``.NAME.XXXXXXXX.tmp``, as ``write_all_atomic``
    makes them) left in ``folder`` by a build that was killed; return the paths removed.

    Call it holding ``output_lock`` for the outputs ``names`` (file names such as ``x.pdf``):
    their temporary files cannot belong to a running build and are removed whatever their
    age; those of other outputs only when older than ``STALE_SECONDS``. Other files are
    never touched.
    """
    now = time.time() if now is None else now
    ours = {n.casefold() for n in names}
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if match.group("name").casefold() not in ours and now - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
