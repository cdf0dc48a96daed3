"""Article text as extracted from a PDF or web page: normalising and numbering its paragraphs.

Source locators in a facts file (``para`` + ``evidence``) refer to the paragraphs this module
finds, so that a fact can be checked against the article it came from.
"""

from __future__ import annotations

import re

__all__ = ["normalise", "paragraphs", "find_evidence"]

_SENTENCE_END = re.compile(r"[.!?:\"”’)]\s*$")
_FRONT_MATTER = re.compile(r"^(by\s|published\b)", re.IGNORECASE)


def normalise(text: str) -> str:
    """Return ``text`` with extraction noise removed: markdown emphasis markers, escaped ``\\$``,
    and every run of whitespace (including hard line wraps) as one space."""
    text = text.replace("\\$", "$").replace("**", "").replace("__", "")
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(text: str) -> list[str]:
    """Return the article's body paragraphs, normalised, numbered from 1 by list position + 1.

    Headings (``#`` lines), the byline ("By ...") and the publication line are left out. A block
    that does not end a sentence is joined with the next one: PDF extraction often breaks a
    paragraph with blank lines in mid-sentence.
    """
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    body: list[str] = []
    pending = ""
    for block in blocks:
        if block.startswith("#"):
            continue
        if not body and not pending and _FRONT_MATTER.match(block):
            continue
        pending = f"{pending} {block}" if pending else block
        if _SENTENCE_END.search(pending):
            body.append(normalise(pending))
            pending = ""
    if pending:
        body.append(normalise(pending))
    return body


def find_evidence(text: str, para: int, evidence: str) -> bool:
    """Return True if ``evidence`` occurs verbatim (after ``normalise``) in paragraph ``para``."""
    paras = paragraphs(text)
    return 1 <= para <= len(paras) and normalise(evidence) in paras[para - 1]
