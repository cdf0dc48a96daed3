"""A small valid facts file for tests, line numbers stable (tests assert them)."""

MINIMAL = """\
schema: 1
classification: OFFICIAL
note:
  to: Minister
  from: Desk
  subject: Test subject
  purpose: Test purpose.
  key_points:
    - {text: Point one., source: {para: 1, evidence: one}}
    - {text: Point two., source: {para: 1, evidence: two}}
    - {text: Point three., source: {para: 1, evidence: three}}
  outlook:
    - {text: Outlook one., source: {para: 1, evidence: one}}
source:
  title: Test article
  author: A. Author
  published: 2024-07-20
event:
  title: Test visit
  start: 2024-07-11
  end: 2024-07-12
  countries: [Azerbaijan, Pakistan]
  summary: A visit happened.
  source: {para: 1, evidence: visit}
people:
  - {id: sharif, name: Shehbaz Sharif, role: Prime Minister, source: {para: 1, evidence: x}}
areas:
  - id: trade
    title: Trade and commerce
    summary: Trade summary.
    points:
      - text: Trade point.
        source: {para: 2, evidence: trade}
    figures:
      - id: goal
        label: Investment goal
        value: 2000000000
        unit: USD
        kind: target
        source: {para: 3, evidence: goal}
"""
# Line numbers in MINIMAL (1-based) that tests refer to.
LINE_AREAS_ITEM = 28  # "  - id: trade"
LINE_FIGURE_VALUE = 37  # "        value: 2000000000"


def replace_line(text: str, line: int, new: str) -> str:
    """Return ``text`` with 1-based ``line`` replaced by ``new``."""
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"
