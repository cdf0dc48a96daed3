"""Benchmark: ``briefgen distribute`` of the bundled note to N recipients (PDF and DOCX, with
the manifest), then ``briefgen verify`` of the result, as a user runs them.

Run: ``python bench/distribute_time.py [--recipients 1000] [--jobs 2] [--watermark]``. Prints the
wall time of each command and the files written. Target (checked here, never in the test suite):
1,000 recipients in under 60 s with ``--jobs 2`` on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "facts" / "pakistan-azerbaijan-2024-07.yaml"
TARGET_S = 60.0
ROLES = ["Minister", "Ambassador", "Desk Officer", "Deputy Director-General for South Asia", "Adviser"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--watermark", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        people = Path(tmp) / "people.csv"
        rows = ["name,role,organisation,email"]
        for i in range(1, args.recipients + 1):
            rows.append(f"Recipient Número {i},{ROLES[i % len(ROLES)]},Ministry {i % 17},person{i}@example.org")
        people.write_text("\n".join(rows) + "\n", encoding="utf-8")
        out = Path(tmp) / "copies"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1721606400"}
        command = [sys.executable, "-m", "briefgen", "distribute", str(FACTS), "-r", str(people), "-o", str(out),
                   "-j", str(args.jobs), *(["--watermark"] if args.watermark else [])]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - start
        if done.returncode:
            print(done.stderr)
            return 1
        files = list(out.iterdir())
        size = sum(p.stat().st_size for p in files)
        verdict = "ok" if elapsed <= TARGET_S else f"OVER {TARGET_S:.0f} s"
        print(f"distribute {args.recipients} recipients, pdf+docx, --jobs {args.jobs} "
              f"(machine: {os.cpu_count()} CPUs): {elapsed:.1f} s  {verdict}")
        print(f"  {len(files)} files, {size / 1e6:.0f} MB")
        start = time.perf_counter()
        checked = subprocess.run([sys.executable, "-m", "briefgen", "verify", str(out)], capture_output=True, text=True)
        print(f"verify: {time.perf_counter() - start:.1f} s  ({checked.stderr.strip()})")
        return 0 if elapsed <= TARGET_S and checked.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
