"""Renderers: each turns a ``Document`` and a ``Theme`` into the bytes of one output format.

They know nothing of facts or templates, import their heavy library lazily, and are pure
functions, so several can run in parallel processes. ``RENDERERS`` maps a format name to its
renderer's module and function name.
"""

from __future__ import annotations

import importlib
from typing import Callable

__all__ = ["RENDERERS", "FORMATS", "renderer"]

RENDERERS = {"pdf": ("briefgen.render.pdf", "render_pdf"), "docx": ("briefgen.render.docx", "render_docx")}
FORMATS = ("pdf", "docx", "md")
"""Every output format ``briefgen build --format`` accepts; ``md`` is the template's Markdown."""


def renderer(fmt: str) -> Callable:
    """Return the render function for ``fmt`` ("pdf" or "docx"), importing it on first use."""
    module, name = RENDERERS[fmt]
    return getattr(importlib.import_module(module), name)
