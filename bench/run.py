"""The benchmark: what a user of briefgen waits for, next to what the libraries alone take.

Run from a clone: ``pip install -e '.[bench]'`` then ``python bench/run.py`` (about 3 minutes on
2 cores; ``--quick`` for a rough look). Prints one Markdown report:

1. Cold whole processes, in one interleaved loop (every round runs every command once, in a
   rotated order): ``python -c pass``, the import floor (``import reportlab.platypus, docx,
   jinja2``), ``briefgen --help``, ``briefgen build --format pdf|docx|pdf,docx`` of the bundled
   note, and the baselines of bench/baselines.py (reportlab platypus alone, python-docx alone,
   docxtpl, Typst) building similar content. Wall time min/median/max, CPU time, peak RSS of
   the child (``os.wait4``), and the ratio to the floor paired within each round, so that a
   machine whose speed drifts moves both sides of a ratio alike.
2. Warm per-stage times in one process after a discarded first run (bench/stages.py), and the
   warm baselines.
3. A batch of 200 notes, both formats, with ``--jobs 1`` and ``--jobs 2`` (alternated).
4. Notes of 10, 50 and 200 areas (made from the bundled note's areas): warm time, pages, RSS.
5. The issue's targets, each with the measured figure and met / not met.

No figure here is checked by the test suite: timing assertions in tests only measure the machine.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
FACTS = ROOT / "facts" / "pakistan-azerbaijan-2024-07.yaml"
PY = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1721606400", "PYTHONDONTWRITEBYTECODE": "0"}
MIB = 1024  # ru_maxrss is in KiB on Linux
AREAS = (8, 10, 50, 200)


def briefgen(*args: str) -> list[str]:
    """The command a user runs: the installed ``briefgen`` script beside this Python."""
    script = Path(PY).with_name("briefgen")
    return [str(script), *args] if script.exists() else [PY, "-m", "briefgen", *args]


def run_child(argv: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """Run ``argv``; return (wall s, cpu s, peak RSS MiB, exit code) from the kernel's accounting."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / MIB, proc.returncode


def stats(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def content_from_facts(work: Path) -> Path:
    """Write the baselines' content (the bundled note's text, no YAML to read) to content.json."""
    from briefgen.facts import load_facts
    from briefgen.themefile import default_theme

    facts = load_facts(FACTS)
    body = default_theme().body_font
    content = {
        "title": facts.note.subject,
        "summary": f"{facts.note.purpose} {facts.event.summary}",
        "sections": [{"title": a.title, "summary": a.summary or "", "points": [p.text for p in a.points]}
                     for a in facts.areas],
        "figures": [(f.label, str(f.value)) for f in facts.figures]
        + [(f.label, str(f.value)) for a in facts.areas for f in a.figures],
        "fonts": {face: str(path) for face, path in body.files().items()},
        "docxtpl_template": str(work / "template.docx"),
    }
    path = work / "content.json"
    path.write_text(json.dumps(content, default=str), encoding="utf-8")
    return path


def has_module(name: str) -> bool:
    return subprocess.run([PY, "-c", f"import {name}"], capture_output=True).returncode == 0


def prepare(work: Path) -> None:
    """Write the inputs (content.json, the docxtpl template, the area notes) into ``work``. Run in
    a child process: the driver stays small, since a child's peak RSS counts the pages of the
    parent it was forked from."""
    sys.path.insert(0, str(BENCH))
    content_from_facts(work)
    if has_module("docxtpl"):
        import baselines

        baselines.docxtpl_template(str(work / "template.docx"))
    for n in AREAS:
        area_facts(work, n)


def cold(work: Path, rounds: int) -> dict[str, dict]:
    content = work / "content.json"
    commands: dict[str, list[str]] = {
        "`python -c pass`": [PY, "-c", "pass"],
        "floor: `import reportlab.platypus, docx, jinja2`": [PY, "-c", "import reportlab.platypus, docx, jinja2"],
        "`briefgen --help`": briefgen("--help"),
        "briefgen `--format pdf`": briefgen("build", str(FACTS), "-o", "out", "--format", "pdf"),
        "briefgen `--format docx`": briefgen("build", str(FACTS), "-o", "out", "--format", "docx"),
        "briefgen `--format pdf,docx`": briefgen("build", str(FACTS), "-o", "out", "--format", "pdf,docx"),
        "reportlab platypus alone": [PY, str(BENCH / "baselines.py"), "reportlab", str(content), "b.pdf"],
        "python-docx alone (naive)": [PY, str(BENCH / "baselines.py"), "docx", str(content), "b.docx"],
    }
    if (work / "template.docx").exists():
        commands["docxtpl"] = [PY, str(BENCH / "baselines.py"), "docxtpl", str(content), "t.docx"]
    if has_module("typst"):
        commands["Typst (Python binding)"] = [PY, str(BENCH / "baselines.py"), "typst", str(content), "t.pdf"]
    names = list(commands)
    for name in names:  # warm-up: page cache, .pyc files
        run_child(commands[name], work)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            wall, cpu, rss, _ = run_child(commands[name], work)
            samples[name].append((wall, cpu, rss))
    floor = names[1]
    result = {}
    for name in names:
        walls = [s[0] for s in samples[name]]
        ratio_floor = [a[0] / b[0] for a, b in zip(samples[name], samples[floor])]
        ratio_pass = [a[0] / b[0] for a, b in zip(samples[name], samples[names[0]])]
        cpu_floor = [a[1] / b[1] for a, b in zip(samples[name], samples[floor])]
        cpu_pass = [a[1] / max(b[1], 1e-3) for a, b in zip(samples[name], samples[names[0]])]
        result[name] = {
            "wall": stats(walls), "cpu": statistics.median(s[1] for s in samples[name]),
            "rss": max(s[2] for s in samples[name]),
            "x_floor": statistics.median(ratio_floor), "x_pass": statistics.median(ratio_pass),
            "cpu_x_floor": statistics.median(cpu_floor), "cpu_x_pass": statistics.median(cpu_pass),
            "content": str(content),
        }
    return result


def warm_baselines(content: str, runs: int) -> dict[str, float]:
    found = {}
    for kind in ("reportlab", "docx", "docxtpl", "typst"):
        if kind in ("docxtpl", "typst") and not has_module(kind):
            continue
        out = subprocess.run([PY, str(BENCH / "baselines.py"), kind, content, os.devnull, "--warm", str(runs)],
                             capture_output=True, text=True, check=True, env=ENV)
        found[kind] = json.loads(out.stdout)["ms"]
    return found


def warm_stages(files: list[Path], runs: int) -> list[dict]:
    out = subprocess.run([PY, str(BENCH / "stages.py"), str(runs), *map(str, files)],
                         capture_output=True, text=True, env=ENV)
    if out.returncode:
        raise SystemExit(f"bench: stages failed:\n{out.stderr}")
    return [json.loads(line) for line in out.stdout.splitlines()]


def area_facts(work: Path, count: int) -> Path:
    """Write a facts file with ``count`` areas, cycled from the bundled note's (ids made unique)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    data = yaml.load(FACTS.read_text(encoding="utf-8"))
    areas = list(data["areas"])
    made = []
    for i in range(count):
        area = copy.deepcopy(areas[i % len(areas)])
        area["id"] = f"{area['id']}-{i}"
        area["title"] = f"{area['title']} ({i + 1})"
        for figure in area.get("figures", []) or []:
            figure["id"] = f"{figure['id']}-{i}"
            figure["headline"] = False
        made.append(area)
    data["areas"] = made
    path = work / f"areas-{count}.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def batch(work: Path, notes: int, rounds: int) -> dict[int, list[float]]:
    folder = work / "batch"
    folder.mkdir(exist_ok=True)
    for i in range(notes):
        shutil.copyfile(FACTS, folder / f"note-{i:03d}.yaml")
    files = sorted(str(p) for p in folder.glob("*.yaml"))
    rates: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    loads: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(rounds):
        for jobs in (1, 2):
            wall, cpu, *_ = run_child(briefgen("build", *files, "-o", f"batch-out-{jobs}", "--jobs", str(jobs)), work)
            rates[jobs].append(notes / wall)
            cpus[jobs].append(cpu / notes)
            loads[jobs].append(os.getloadavg()[0])
    return {"rates": rates, "cpu": cpus, "load": loads}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load average "
            f"{os.getloadavg()[0]:.1f}")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the cold loop (default 7)")
    parser.add_argument("--warm-runs", type=int, default=10, help="warm builds per file after the discarded first")
    parser.add_argument("--batch", type=int, default=200, help="notes in the batch (default 200)")
    parser.add_argument("--batch-rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 rounds, 3 warm runs, a batch of 40")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return 0
    if args.quick:
        args.rounds, args.warm_runs, args.batch, args.batch_rounds = 3, 3, 40, 1
    print(f"# briefgen benchmark\n\n{machine()}\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="briefgen-bench-") as tmp:
        work = Path(tmp)
        subprocess.run([PY, __file__, "--prepare", str(work)], check=True, env=ENV)
        coldr = cold(work, args.rounds)
        content = next(iter(coldr.values()))["content"]
        base = warm_baselines(content, args.warm_runs)
        area_files = [work / f"areas-{n}.yaml" for n in AREAS]
        bundled, *_ = warm_stages([FACTS], args.warm_runs)
        # Large notes take seconds a build: fewer runs, still a median.
        areas = warm_stages(area_files, min(args.warm_runs, 3))
        # The 200-area note at fewer runs would be fairer to a busy machine, but medians need several.
        batched = batch(work, args.batch, args.batch_rounds)
        rates = batched["rates"]

    print(f"## Cold: whole process, {args.rounds} interleaved rounds\n")
    print("Ratios are medians of the ratios paired within each round; CPU (user + system) ratios "
          "hold when other jobs share the machine, wall-clock ratios only on an idle one.\n")
    print("| what | wall min / median / max | CPU | × floor (CPU / wall) | × `pass` (CPU / wall) | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in coldr.items():
        lo, mid, hi = r["wall"]
        print(f"| {name} | {lo:.2f} / **{mid:.2f}** / {hi:.2f} s | {r['cpu']:.2f} s "
              f"| {r['cpu_x_floor']:.1f}× / {r['x_floor']:.1f}× | {r['cpu_x_pass']:.1f}× / {r['x_pass']:.1f}× "
              f"| {r['rss']:.0f} MiB |")

    print(f"\n## Warm: per note in one process, median of {args.warm_runs} after a discarded first\n")
    print("CPU time of this process (on an idle machine the same as the wait).\n")
    print("| stage | CPU ms |\n| --- | --- |")
    for stage in ("load", "text check", "template", "pdf", "docx", "build"):
        label = {"build": "whole `build()` (pdf+docx, files written)", "text check": "font coverage check (both passes)",
                 "template": "template + Markdown parse"}.get(stage, stage)
        print(f"| {label} | {bundled[stage]:.1f} |")
    for kind, ms in base.items():
        print(f"| baseline: {kind} alone | {ms:.1f} |")

    print(f"\n## Batch of {args.batch} notes, both formats\n")
    print("A rate can only double when two cores are free: the load average (1 min) is printed beside "
          "each round.\n")
    print("| `--jobs` | notes/s (each round) | CPU s per note | load average |\n| --- | --- | --- | --- |")
    for jobs, values in rates.items():
        print(f"| {jobs} | {' / '.join(f'{v:.2f}' for v in values)} "
              f"| {statistics.median(batched['cpu'][jobs]):.2f} | {' / '.join(f'{v:.1f}' for v in batched['load'][jobs])} |")

    print("\n## Growth with the number of areas (warm, in one process)\n")
    print("| areas | build ms | pdf ms | docx ms | × 8-area build | pages | process peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, r in zip(AREAS, areas):
        print(f"| {n} | {r['build']:.0f} | {r['pdf']:.0f} | {r['docx']:.0f} | {r['build'] / areas[0]['build']:.1f}× "
              f"| {r['pages']} | {r['rss_mib']:.0f} MiB |")

    both = coldr["briefgen `--format pdf,docx`"]
    helps = coldr["`briefgen --help`"]
    jobs_ratio = statistics.median(rates[2]) / statistics.median(rates[1])
    cpu_ratio = statistics.median(batched["cpu"][2]) / statistics.median(batched["cpu"][1])
    busy = statistics.median(batched["load"][2])
    growth = areas[-1]["build"] / areas[0]["build"]
    rss = max(coldr[k]["rss"] for k in coldr if k.startswith("briefgen `"))
    targets = [
        ("cold `build --format pdf,docx` ≤ 1.5 × floor (CPU)", f"{both['cpu_x_floor']:.1f}× (wall {both['x_floor']:.1f}×)",
         both["cpu_x_floor"] <= 1.5),
        ("`--help` ≤ 5 × `python -c pass` (CPU)", f"{helps['cpu_x_pass']:.1f}× (wall {helps['x_pass']:.1f}×)",
         helps["cpu_x_pass"] <= 5),
        ("warm PDF ≤ 1.5 × reportlab alone", f"{bundled['pdf']:.0f} / {base['reportlab']:.0f} ms = "
         f"{bundled['pdf'] / base['reportlab']:.1f}×", bundled["pdf"] <= 1.5 * base["reportlab"]),
    ]
    if "docxtpl" in base:
        targets.append(("warm DOCX ≤ 1.5 × docxtpl", f"{bundled['docx']:.0f} / {base['docxtpl']:.0f} ms = "
                        f"{bundled['docx'] / base['docxtpl']:.1f}×", bundled["docx"] <= 1.5 * base["docxtpl"]))
    targets += [
        ("warm PDF ≤ 60 ms", f"{bundled['pdf']:.0f} ms", bundled["pdf"] <= 60),
        ("warm DOCX ≤ 60 ms", f"{bundled['docx']:.0f} ms", bundled["docx"] <= 60),
        (f"batch `--jobs 2` ≥ 1.7 × `--jobs 1`", f"{jobs_ratio:.2f}× (CPU per note {cpu_ratio:.2f}× of `--jobs 1`; "
         f"load average {busy:.1f} on {os.cpu_count()} CPUs)", jobs_ratio >= 1.7),
        ("200 areas ≤ 25 × 8-area time", f"{growth:.1f}×", growth <= 25),
        ("peak RSS of one build ≤ 80 MiB", f"{rss:.0f} MiB", rss <= 80),
    ]
    print("\n## Targets (issue 15)\n\n| target | measured | verdict |\n| --- | --- | --- |")
    for name, measured, ok in targets:
        print(f"| {name} | {measured} | {verdict(ok)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
