"""Font families installed with pip (the ``fontpkg`` packages), as four static TrueType faces.

The default theme's families come from ``fontpkg-noto-serif``, ``fontpkg-noto-sans`` and
``fontpkg-source-code-pro`` (SIL Open Font License), so a plain ``pip install briefgen`` has every
font a note needs, on any machine. Any other family installed as ``fontpkg-<name>`` can be named
in a theme too.

These packages ship *variable* fonts (one file, weight as an axis). reportlab embeds only static
TrueType faces, and Word and LibreOffice want one file per face, so the regular (wght 400), bold
(700), italic and bold italic faces are made once (width 100, every other axis at its default) and
kept in the user cache folder (``platformdirs.user_cache_dir``), under a name keyed by the source
file's SHA-256 and the fontTools version: a new font release or a new fontTools makes new files,
never a stale mix. Files are written to a temporary name and moved into place with ``os.replace``,
so builds running at the same time never see half a font.

A face at the variable font's default location (Noto's regular and italic) is its default master
already: it is made by deleting the variation tables (0.05 s a face; the instancer took 7 s), with
the same outlines and advance widths. Other faces go through the instancer. Every face
is made without the OpenType layout tables (GDEF, GPOS, GSUB, BASE, JSTF): nothing downstream reads
them (reportlab neither kerns nor shapes; the DOCX subsets drop them), in a variable font they
hold device tables tied to its variation store, and instancing them was two thirds of the
instancer's time. ``prepare`` makes the faces a theme's families lack in parallel, once, telling
the caller first so a first build never looks hung.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["packaged_family", "prepare", "static_instance", "cached", "digest", "STYLES", "cache_dir"]

_RECIPE = "r3"
"""Changes when the way faces are made changes, so cached faces made the old way are not used."""

STYLES = {"regular": (400, False), "bold": (700, False), "italic": (400, True), "bold_italic": (700, True)}
"""Face -> (weight, italic)."""

_STYLE_NAMES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "Bold Italic"}

_VARIATION_TABLES = ("fvar", "gvar", "HVAR", "VVAR", "MVAR", "STAT", "avar", "cvar")
"""What makes a TrueType font variable; without them the font is its default master."""

_UNUSED_TABLES = ("GDEF", "GPOS", "GSUB", "BASE", "JSTF", "DSIG")
"""Left out of every face (see the module's docstring); a DSIG would no longer match the file."""


def cache_dir() -> Path:
    """Return the folder the instanced faces are kept in (created if missing)."""
    from platformdirs import user_cache_dir

    folder = Path(user_cache_dir("briefgen")) / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _folder() -> Path:
    """Return the cache folder, or a per-user temporary folder when it cannot be written."""
    try:
        return cache_dir()
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"briefgen-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


@functools.lru_cache(maxsize=64)
def digest(path: Path) -> str:
    """Return the first 16 hex digits of the SHA-256 of the file at ``path`` (once per process)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _faces(name: str):
    """Return ``(family name, {face: static path or (variable source, weight, italic)}, missing)``
    for the fontpkg family ``name``, or None if no such package is installed. Makes nothing."""
    try:
        import fontpkg
    except ImportError:
        return None
    try:
        family = fontpkg.family(name)
    except fontpkg.FontpkgError:
        return None
    faces: dict[str, Path | tuple[Path, int, bool]] = {}
    missing: list[str] = []
    for face, (weight, italic) in STYLES.items():
        style = "italic" if italic else "normal"
        files = [f for f in family.files if f.style == style]
        static = next((f for f in files if not f.variable and f.weight == weight), None)
        if static is not None:
            faces[face] = Path(static.path)
            continue
        variable = next((f for f in files if f.variable and f.covers(weight)), None)
        if variable is None:
            missing.append(face)
            continue
        faces[face] = (Path(variable.path), weight, italic)
    return family.name, faces, missing


def packaged_family(name: str) -> tuple[str, dict[str, Path], list[str]] | None:
    """Return ``(family name, {face: static .ttf path}, missing faces)`` for the fontpkg family
    called ``name`` (case and spaces as ``fontpkg`` normalises them), or None if no such package
    is installed. Faces: ``regular``, ``bold``, ``italic``, ``bold_italic``; a face the package
    cannot give (no italic file, a weight outside its range) is listed in ``missing``. Faces not
    yet in the cache are made here, one after another (``prepare`` makes them in parallel first).

    Raises OSError if a face cannot be written to the cache or to a temporary folder.
    """
    found = _faces(name)
    if found is None:
        return None
    family, faces, missing = found
    return family, {face: f if isinstance(f, Path) else static_instance(*f) for face, f in faces.items()}, missing


def prepare(names, notify=None, *, workers: int | None = None) -> list[str]:
    """Make the faces of the fontpkg families ``names`` (iterable of str) that are not in the
    cache yet, in parallel processes (up to ``workers``, default the CPU count). Before making
    any, calls ``notify(message)`` once with a one-line message naming them (a first build takes
    seconds of CPU time, and must not look hung): "preparing fonts for first use (once per
    machine): Noto Serif Bold, Bold Italic; Source Code Pro Regular, ...". Returns the faces
    made, as "Noto Serif Bold".

    Names that are not installed fontpkg families are skipped (``packaged_family`` and the theme
    report them). Raises OSError if a face can be written neither to the cache nor to a
    temporary folder, ValueError if a package's file is not a variable TrueType font.
    """
    todo: dict[Path, tuple[str, str, tuple[Path, int, bool]]] = {}
    for name in names:
        found = _faces(name)
        if found is None:
            continue
        family, faces, _ = found
        for face, f in faces.items():
            if isinstance(f, Path):
                continue
            target = _folder() / _instance_name(*f)
            if not _present(target):
                todo.setdefault(target, (family, _STYLE_NAMES[face], f))
    if not todo:
        return []
    if notify is not None:
        styles: dict[str, list[str]] = {}
        for family, style, _ in todo.values():
            styles.setdefault(family, []).append(style)
        notify("preparing fonts for first use (once per machine): "
               + "; ".join(f"{family} {', '.join(shown)}" for family, shown in styles.items()))
    jobs = [job for _, _, job in todo.values()]
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        # As distribute does: fork where there is one (no re-import), spawn elsewhere.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
                list(pool.map(_make_face, jobs))
        except (BrokenProcessPool, PermissionError, NotImplementedError):
            pass  # no worker processes here (a locked-down sandbox): made one by one below
    for job in jobs:  # cache hits for what the workers made
        static_instance(*job)
    return [f"{family} {style}" for family, style, _ in todo.values()]


def _make_face(job: tuple[Path, int, bool]) -> str:
    return str(static_instance(*job))


def _instance_name(source: Path, weight: int, italic: bool) -> str:
    import fontTools

    stem = source.stem.replace("[", "-").replace("]", "").replace(",", "-")
    return f"{stem}-w{weight}-{digest(source)}-ft{fontTools.version}-{_RECIPE}.ttf"


_SFNT_CHECKSUM = 0xB1B0AFBA
"""The sum of a whole TrueType file's big-endian uint32s, which fontTools makes it by setting
``head.checkSumAdjustment`` when it saves one."""


def _present(target: Path) -> bool:
    """Whether ``target`` is a whole, undamaged face: a file cut short (a full disk, a killed
    build, a copy interrupted) or altered fails the TrueType whole-file checksum and is made
    again, instead of failing every later build."""
    import sys
    from array import array

    try:
        data = target.read_bytes()
    except OSError:
        return False
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"true"):
        return False
    words = array("I")
    words.frombytes(data + b"\0" * (-len(data) % 4))
    if sys.byteorder == "little":
        words.byteswap()
    return sum(words) & 0xFFFFFFFF == _SFNT_CHECKSUM


@functools.lru_cache(maxsize=64)
def static_instance(source: Path, weight: int, italic: bool = False) -> Path:
    """Return a static TrueType face of the variable font ``source`` at ``weight`` (width 100,
    other axes at their defaults), made once and cached (see the module's docstring).

    Raises OSError if it can be written neither to the cache nor to a temporary folder,
    ValueError if ``source`` is not a variable TrueType font.
    """
    return cached(_instance_name(source, weight, italic), lambda: _instance_bytes(source, weight, italic))


def cached(name: str, make) -> Path:
    """Return the cache file ``name``, made with ``make()`` (-> bytes) if it is not there yet.

    The file is written to a temporary name and moved into place (``os.replace``), so a build
    running at the same time sees no file or the whole file. Falls back to a per-user temporary
    folder when the cache folder cannot be written. Raises OSError if neither can be.
    """
    folder = _folder()
    target = folder / name
    if _present(target):
        return target
    data = make()
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".ttf")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temp, 0o644)  # mkstemp makes it private; a shared cache folder wants it readable
        os.replace(temp, target)  # atomic: a concurrent build sees the old state or the whole file
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return target


def _instance_bytes(source: Path, weight: int, italic: bool) -> bytes:
    import io

    from fontTools.ttLib import TTFont, TTLibError
    from fontTools.varLib import instancer

    try:
        font = TTFont(str(source))
    except TTLibError as e:
        raise ValueError(f"{source.name} is not a TrueType font ({e})") from None
    if "fvar" not in font:
        raise ValueError(f"{source.name} is not a variable font")
    location = {}
    for axis in font["fvar"].axes:
        if axis.axisTag == "wght":
            location["wght"] = max(axis.minValue, min(axis.maxValue, weight))
        elif axis.axisTag == "wdth":
            location["wdth"] = max(axis.minValue, min(axis.maxValue, 100))
        else:
            location[axis.axisTag] = axis.defaultValue
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    if all(location[axis.axisTag] == axis.defaultValue for axis in font["fvar"].axes):
        # The default master: its glyf, hmtx and OS/2 are the instance already (avar maps the
        # default to the default; every delta there is zero).
        for tag in _VARIATION_TABLES:
            if tag in font:
                del font[tag]
        static = font
    else:
        static = instancer.instantiateVariableFont(font, location, updateFontNames="STAT" in font)
    if weight >= 700:  # the style bits Word and LibreOffice match faces by
        static["OS/2"].usWeightClass = 700
        static["OS/2"].fsSelection = (static["OS/2"].fsSelection | (1 << 5)) & ~(1 << 6)
        static["head"].macStyle |= 1
    # The names Word, LibreOffice and reportlab match faces by, set whether or not the font has
    # a STAT table for the instancer to name it from: family "Noto Serif", style "Bold Italic".
    names = static["name"]
    family = names.getDebugName(16) or names.getDebugName(1) or source.stem.split("[")[0]
    style = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic",
             (True, True): "Bold Italic"}[(weight >= 700, italic)]
    for name_id in (16, 17):
        names.removeNames(nameID=name_id)
    for name_id, value in ((1, family), (2, style), (4, f"{family} {style}"),
                           (6, f"{family}-{style}".replace(" ", ""))):
        names.setName(value, name_id, 3, 1, 0x409)
    if italic:
        static["OS/2"].fsSelection = (static["OS/2"].fsSelection | 1) & ~(1 << 6)
        static["head"].macStyle |= 2
    out = io.BytesIO()
    static.save(out)
    return out.getvalue()
