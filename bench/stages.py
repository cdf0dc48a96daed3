"""Warm per-stage times of building notes in one process, for bench/run.py.

``python bench/stages.py RUNS FACTS [FACTS ...]`` builds each facts file RUNS+1 times in this
process (the first run discarded: imports, fonts, caches), timing each stage of
``briefgen.pipeline.build`` separately, and prints one JSON object per file: the median
CPU milliseconds (time.process_time) of each stage, the PDF's page count and this process's peak RSS.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

NOTE_DATE = dt.date(2024, 7, 22)


def stages(facts_path: Path, runs: int) -> dict:
    from briefgen.facts import _load_yaml_once, load_facts
    from briefgen.pipeline import build, check_document_text, compose, render
    from briefgen.templating import template_search_path
    from briefgen.textcheck import check_facts_text
    from briefgen.themefile import default_theme

    theme = default_theme()
    times: dict[str, list[float]] = {}

    def timed(name, fn):
        start = time.process_time()
        value = fn()
        times.setdefault(name, []).append(time.process_time() - start)
        return value

    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs + 1):
            # A rebuild reads an edited file: the YAML remembered for the same text is forgotten
            # (compiled templates are kept: a rebuild in the same process reuses them).
            _load_yaml_once.cache_clear()
            facts = timed("load", lambda: load_facts(facts_path, note_date=NOTE_DATE))
            timed("text check", lambda: check_facts_text(facts, theme, facts_path))
            search = template_search_path((), facts_path)
            _, document = timed("template", lambda: compose(facts, date=NOTE_DATE, search_path=search,
                                                            facts_path=str(facts_path)))
            timed("text check", lambda: check_document_text(document, theme))
            pdf = timed("pdf", lambda: render(document, theme, "pdf"))
            timed("docx", lambda: render(document, theme, "docx"))
            _load_yaml_once.cache_clear()
            timed("build", lambda: build(facts_path, Path(out), date=NOTE_DATE, theme=theme))
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    # "text check" ran twice per build (facts, then the document): add each run's pair.
    checks = times.pop("text check")
    times["text check"] = [a + b for a, b in zip(checks[::2], checks[1::2])]
    result = {name: statistics.median(values[1:]) * 1000 for name, values in times.items()}
    result["pages"] = pages
    result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main(argv: list[str]) -> int:
    runs = int(argv[0])
    for path in argv[1:]:
        print(json.dumps({"facts": path, **stages(Path(path), runs)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
