"""Benchmark: capture and check on the real article; capture's recall against the hand-made file.

Run: ``python bench/capture_check.py [--repeat N]``. Needs the article at
``../shared/sources/000_ca3aebd60ac62f47.txt`` beside the checkout. Prints the median time of
reading + numbering the article, of ``capture`` and of ``check`` (in process, after one warm-up),
the cold-start time of ``briefgen capture`` and ``briefgen check`` as commands, and capture's
recall: of the hand-made facts file's figures (value and unit), areas, people, quotations and
locators (a hand-made locator is recalled when the draft cites a sentence containing its
evidence in the same paragraph). Targets (checked here, never in the tests): each command under
1.5 s, figure and area recall 100 %.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT.parent / "shared" / "sources" / "000_ca3aebd60ac62f47.txt"
FACTS = ROOT / "facts" / "pakistan-azerbaijan-2024-07.yaml"
HAND_TO_LEXICON = {"political": "diplomacy", "minerals": "mining", "justice": "law"}


def timed(fn, repeat: int) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not ARTICLE.is_file():
        print(f"the article is not at {ARTICLE}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from briefgen.article import fold, read_article
    from briefgen.capture import capture, load_lexicon, to_yaml
    from briefgen.check import check_file
    from briefgen.facts import load_facts

    lexicon = load_lexicon()
    article = read_article(ARTICLE)
    print(f"read + number the article: {timed(lambda: read_article(ARTICLE), args.repeat) * 1000:.0f} ms")
    print(f"capture (in process):      {timed(lambda: capture(article, lexicon), args.repeat) * 1000:.0f} ms")
    print(f"check (in process):        {timed(lambda: check_file(FACTS, ARTICLE), args.repeat) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        draft_path = Path(tmp) / "draft.yaml"
        for name, command in (("briefgen capture", ["capture", str(ARTICLE), "-o", str(draft_path), "--force"]),
                              ("briefgen check", ["check", str(FACTS), "--source", str(ARTICLE)])):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "briefgen", *command], check=True, capture_output=True)
            print(f"{name + ' (command)':<27}{(time.perf_counter() - start) * 1000:.0f} ms")

    hand = load_facts(FACTS)
    draft = capture(article, lexicon).data
    drafted_figures = [*draft.get("figures", []), *(f for a in draft["areas"] for f in a.get("figures", []))]
    got = {(str(f["value"]), f["unit"].split()[-1].lower()) for f in drafted_figures}
    want = {(str(int(f.value)), f.unit.split()[-1].lower()) for f in hand.all_figures()}
    areas_got = {a["id"] for a in draft["areas"]}
    areas_want = {HAND_TO_LEXICON.get(a.id, a.id) for a in hand.areas}
    people_got = {p["name"] for p in draft["people"]}
    people_want = {p.name for p in hand.people}
    quotes_got = {fold(q["text"]).rstrip(".") for q in draft.get("quotes", [])}
    quotes_want = {fold(q.text).rstrip(".") for q in hand.quotes}

    def sentences_cited(node, out):
        if isinstance(node, dict):
            if "text" in node and isinstance(node.get("source"), dict):
                out.add((node["source"]["para"], fold(node["text"])))
            for value in node.values():
                sentences_cited(value, out)
        elif isinstance(node, list):
            for value in node:
                sentences_cited(value, out)
        return out

    cited = sentences_cited(draft, set())
    from pydantic import BaseModel

    from briefgen.schema import Locator

    def locators(node):
        if isinstance(node, Locator):
            yield node
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                yield from locators(getattr(node, name))
        elif isinstance(node, (list, tuple)):
            for item in node:
                yield from locators(item)

    hand_locs = list(locators(hand))
    recalled = sum(1 for loc in hand_locs if any(p == loc.para and fold(loc.evidence) in text for p, text in cited))

    def line(name, found, wanted):
        hit = len(wanted & found) if isinstance(found, set) else found
        total = len(wanted) if isinstance(wanted, set) else wanted
        print(f"recall {name:<10} {hit}/{total} ({hit / total:.0%})")

    line("figures", got, want)
    line("areas", areas_got, areas_want)
    line("people", people_got, people_want)
    line("quotes", quotes_got, quotes_want)
    line("locators", recalled, len(hand_locs))
    print(f"draft: {len(draft['areas'])} areas, {len(drafted_figures)} figures, {len(draft['people'])} people, "
          f"{len(draft.get('organisations', []))} organisations, {len(to_yaml(capture(article, lexicon)).splitlines())} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
