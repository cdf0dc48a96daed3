"""What each distributed copy carries: the names of the plain-text templates offices override
(stamp, watermark, e-mail subject and body) and the plain data those templates see."""

from __future__ import annotations

from briefgen.model import Document
from briefgen.recipients import Recipient

__all__ = ["STAMP_TEMPLATE", "WATERMARK_TEMPLATE", "SUBJECT_TEMPLATE", "BODY_TEMPLATE", "copy_context"]

STAMP_TEMPLATE = "copy-stamp.txt.j2"
WATERMARK_TEMPLATE = "watermark.txt.j2"
SUBJECT_TEMPLATE = "email-subject.txt.j2"
BODY_TEMPLATE = "email-body.txt.j2"


def copy_context(recipient: Recipient | None, copies: int, document: Document) -> dict:
    """Return the plain data a stamp, watermark or e-mail template sees for ``recipient``
    (None: the master copy)."""
    meta = document.meta
    person = recipient or Recipient(name="")
    return {
        "master": recipient is None,
        "copy": person.copy,
        "copies": copies,
        "name": person.name,
        "role": person.role,
        "organisation": person.organisation,
        "organization": person.organisation,
        "email": person.email,
        "title": meta.title,
        "classification": meta.classification,
        "date": meta.date.isoformat() if meta.date else "",
    }
