"""Shared fixtures: the bundled facts file, builds of it, and text extraction from outputs."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "facts" / "pakistan-azerbaijan-2024-07.yaml"
ARTICLE = ROOT.parent / "shared" / "sources" / "000_ca3aebd60ac62f47.txt"
NOTE_DATE = dt.date(2024, 7, 22)


def printed(text: str) -> str:
    """Return a fact's text as a note prints it: apostrophes curly (markdown-it's smart quotes),
    whitespace squashed (no-break spaces included)."""
    return squash(text.replace("'", "’"))


def straight(text: str) -> str:
    """Return ``text`` with curly quotation marks and apostrophes made straight, whitespace
    squashed: how a fact's text compares with what the note prints, whatever the quote style of
    its language (markdown-it's smart quotes turn the facts' straight quotes curly)."""
    return squash(text.translate(str.maketrans("‘’‚“”„«»", "\'\'\'\"\"\"\"\"")))


def squash(text: str) -> str:
    """Return ``text`` with every run of whitespace as one space (line wraps differ by format)."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path) -> str:
    """Return the text of every page of the PDF at ``path``, whitespace squashed."""
    from pypdf import PdfReader

    return squash(" ".join(page.extract_text() for page in PdfReader(path).pages))


def pdf_outline(path: Path) -> list[tuple[int, str]]:
    """Return the PDF's bookmarks as (depth, title), depth 0 at the top."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    result: list[tuple[int, str]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                result.append((depth, item.title))

    walk(reader.outline, 0)
    return result


def docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    """Return the DOCX body as (style name, text), tables included cell by cell, in order."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out: list[tuple[str, str]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            out.append((item.style.name, item.text))
        elif isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    for p in cell.paragraphs:
                        out.append(("Table:" + p.style.name, p.text))
    return out


def docx_text(path: Path) -> str:
    """Return all text of the DOCX (header, body, footer), whitespace squashed."""
    import docx

    section = docx.Document(str(path)).sections[0]
    header = " ".join(p.text for p in section.header.paragraphs)
    footer = " ".join(p.text for p in section.footer.paragraphs)
    body = " ".join(text for _, text in docx_paragraphs(path))
    return squash(f"{header} {body} {footer}")


@pytest.fixture(scope="session")
def bundled_facts() -> Path:
    return BUNDLED


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Build the bundled note once (PDF, DOCX and Markdown) with a fixed note date."""
    from briefgen.pipeline import build

    out = tmp_path_factory.mktemp("built")
    result = build(BUNDLED, out, formats=("pdf", "docx", "md"), date=NOTE_DATE)
    return {p.suffix.lstrip("."): p for p in result.outputs}


@pytest.fixture
def write_facts(tmp_path):
    """Return a function that writes YAML text to a facts file in a temporary folder."""

    def write(text: str, name: str = "facts.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def bundled_text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m briefgen ARGS`` in a subprocess with a fixed note date; return the result."""
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1721606400", **(env or {})},
        timeout=120,
    )
