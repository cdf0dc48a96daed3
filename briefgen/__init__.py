"""briefgen: turn the facts of an article about a bilateral event into a briefing note.

The pipeline (see ``briefgen.pipeline``) is facts file -> validated ``FactsFile`` -> Jinja template
-> Markdown-flavoured text -> ``Document`` model -> PDF (reportlab) and DOCX (python-docx).

This module stays light on purpose: ``import briefgen`` must not import reportlab, python-docx,
pydantic or Jinja, so the CLI starts quickly.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
