"""The manifest of a distribution, and checking a folder against it (``briefgen verify``).

``manifest.json`` (the record ``verify`` reads) and ``manifest.csv`` (the same rows, for a
spreadsheet) list every file ``distribute`` wrote: recipient, copy number, format, pages,
bytes and SHA-256, with the SHA-256 of the facts and recipients files and briefgen's version.
Neither holds the time of the run, so the same inputs give the same manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from briefgen import __version__
from briefgen.errors import ManifestError

__all__ = ["MANIFEST_JSON", "MANIFEST_CSV", "SEND_LOG", "build_manifest", "write_manifest", "verify",
           "VerifyReport", "load_manifest"]

MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
SEND_LOG = "send-log.jsonl"
"""Files of the output folder that are not themselves listed in the manifest."""
CSV_COLUMNS = ("file", "kind", "copy", "name", "role", "organisation", "email", "format", "pages", "bytes", "sha256")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def build_manifest(facts_path: Path, recipients_path: Path, copies, by_copy: dict, emails: dict, document) -> dict:
    """Return the manifest (a JSON-ready dict) of the copies written.

    ``copies`` are ``distribute.Copy``; ``by_copy`` maps a copy number to its ``CopyResult``;
    ``emails`` maps a copy number to (file name, bytes, SHA-256) of its ``.eml``. Copies that
    failed are left out (their files were not written).
    """

    files = []
    for c in copies:
        result = by_copy[c.copy]
        person = c.recipient
        who = {"name": person.name, "role": person.role, "organisation": person.organisation,
               "email": person.email} if person else {"name": "", "role": "", "organisation": "", "email": ""}
        kind = "copy" if person else "master"
        for name, fmt, pages, size, digest in result.files:
            files.append({"file": name, "kind": kind, "copy": c.copy, **who, "format": fmt, "pages": pages,
                          "bytes": size, "sha256": digest})
        if c.copy in emails:
            name, size, digest = emails[c.copy]
            files.append({"file": name, "kind": "email", "copy": c.copy, **who, "format": "eml", "pages": None,
                          "bytes": size, "sha256": digest})
    return {
        "manifest": 1,
        "briefgen": __version__,
        "title": document.meta.title,
        "date": document.meta.date.isoformat() if document.meta.date else None,
        "facts": {"file": Path(facts_path).name, "sha256": sha256_file(facts_path)},
        "recipients": {"file": Path(recipients_path).name, "sha256": sha256_file(recipients_path),
                       "count": sum(1 for c in copies if c.recipient)},
        "files": files,
    }


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: a recipient named
    # "=HYPERLINK(...)" must stay text (OWASP "CSV injection").
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_manifest(manifest: dict, out_dir: Path) -> Path:
    """Write ``manifest.json`` and ``manifest.csv`` into ``out_dir`` together, atomically;
    return the JSON's path. Raises OutputError."""
    from briefgen.output import write_all_atomic

    data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8") + b"\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in manifest["files"]:
        writer.writerow([_csv_cell(entry[k]) for k in CSV_COLUMNS])
    # With a byte-order mark, Excel opens it as UTF-8 (names keep their accents).
    table = buffer.getvalue().encode("utf-8-sig")
    target = out_dir / MANIFEST_JSON
    write_all_atomic([(target, data), (out_dir / MANIFEST_CSV, table)])
    return target


def load_manifest(folder: Path) -> dict:
    """Return the manifest of ``folder``. Raises ManifestError if it is missing or invalid."""
    path = folder / MANIFEST_JSON
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise ManifestError("no manifest.json in this folder", path=str(folder),
                            hint="give the folder 'briefgen distribute -o' wrote") from None
    except OSError as e:
        raise ManifestError(f"cannot read the manifest: {e.strerror}", path=str(path)) from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError("the manifest is too large", path=str(path))
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        line = getattr(e, "lineno", None)
        raise ManifestError(f"the manifest is not valid JSON: {getattr(e, 'msg', e)}", path=str(path), line=line) from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("file"), str) and isinstance(f.get("sha256"), str)
        and isinstance(f.get("bytes"), int) for f in files
    ):
        raise ManifestError("the manifest has no valid 'files' list", path=str(path))
    for entry in files:
        name = entry["file"]
        # A manifest names files of its own folder only: never a path elsewhere.
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ManifestError(f"the manifest names a file outside its folder: {name!r}", path=str(path))
    return manifest


@dataclass
class VerifyReport:
    """The result of ``verify``: files that match, and (file, what is wrong) for the rest:
    "changed", "missing", "not in the manifest"."""

    ok: list[str]
    problems: list[tuple[str, str]]


def verify(folder: Path) -> VerifyReport:
    """Re-hash every file the manifest of ``folder`` lists; report changed, missing and extra
    files (anything else in the folder but the manifest itself and the send log).

    Raises ManifestError if the manifest is missing or invalid.
    """

    manifest = load_manifest(folder)
    ok: list[str] = []
    problems: list[tuple[str, str]] = []
    listed = set()
    for entry in manifest["files"]:
        name = entry["file"]
        listed.add(name)
        path = folder / name
        try:
            if not path.is_file():
                problems.append((name, "missing"))
                continue
            size = path.stat().st_size
            digest = sha256_file(path)
        except OSError as e:
            problems.append((name, f"cannot be read: {e.strerror}"))
            continue
        if digest != entry["sha256"] or size != entry["bytes"]:
            problems.append((name, f"changed (SHA-256 {digest[:12]}…, manifest {entry['sha256'][:12]}…; "
                                   f"{size:,} bytes, manifest {entry['bytes']:,})"))
        else:
            ok.append(name)
    for path in sorted(folder.iterdir()):
        if path.name not in listed and path.name not in (MANIFEST_JSON, MANIFEST_CSV, SEND_LOG):
            problems.append((path.name, "not in the manifest"))
    return VerifyReport(ok, problems)


def sha256_file(path: Path) -> str:
    """Return the SHA-256 (hex) of the file at ``path``, read in 1 MB blocks. Raises OSError."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
