"""Benchmark: how long building the bundled note takes, stage by stage, and how much memory.

Run: ``python bench/build_time.py [--repeat N]``. Prints the median time of each stage over N
runs (after one warm-up), the cold start of ``briefgen --help``, and the peak resident memory.
Targets (checked here, never in the test suite): a warm build of both formats under 1.5 s,
``briefgen --help`` under 0.5 s, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "facts" / "pakistan-azerbaijan-2024-07.yaml"
TARGETS = {"build (pdf+docx)": 1.5, "briefgen --help": 0.5}
PEAK_MB_TARGET = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from briefgen.facts import load_facts
    from briefgen.pipeline import compose, render
    from briefgen.themefile import default_theme

    theme = default_theme()
    timings: dict[str, list[float]] = {}

    def timed(name, fn):
        start = time.perf_counter()
        value = fn()
        timings.setdefault(name, []).append(time.perf_counter() - start)
        return value

    for i in range(args.repeat + 1):
        t0 = time.perf_counter()
        facts = timed("load + validate", lambda: load_facts(FACTS))
        _, document = timed("template + parse", lambda: compose(facts, date=dt.date(2024, 7, 22)))
        timed("render pdf", lambda: render(document, theme, "pdf"))
        timed("render docx", lambda: render(document, theme, "docx"))
        timings.setdefault("build (pdf+docx)", []).append(time.perf_counter() - t0)
        if i == 0:  # warm-up: imports and font loading
            timings = {k: [] for k in timings}

    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "briefgen", "--help"], check=True, capture_output=True)
        timings.setdefault("briefgen --help", []).append(time.perf_counter() - start)

    failed = False
    for name, values in timings.items():
        median = statistics.median(values)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("  ok" if median <= target else f"  OVER {target:.2f} s")
        failed |= target is not None and median > target
        print(f"{name:20s} {median * 1000:8.1f} ms{verdict}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':20s} {peak_mb:8.1f} MB{'  ok' if peak_mb <= PEAK_MB_TARGET else '  OVER'}")
    return 1 if failed or peak_mb > PEAK_MB_TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
