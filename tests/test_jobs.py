"""``briefgen build --jobs N``: many facts files in worker processes, the same files as one
process writes, failures listed at the end with their located errors."""

from __future__ import annotations

import shutil

from conftest import BUNDLED, run_cli
from minimal import MINIMAL


def _facts(folder, count: int) -> list[str]:
    folder.mkdir()
    paths = []
    for i in range(count):
        path = folder / f"note-{i}.yaml"
        if i % 2:
            shutil.copyfile(BUNDLED, path)
        else:
            path.write_text(MINIMAL.replace("Test subject", f"Test subject {i}"), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_parallel_build_writes_the_same_bytes_as_one_process(tmp_path):
    paths = _facts(tmp_path / "facts", 4)
    one = run_cli("build", *paths, "-o", str(tmp_path / "one"), "--jobs", "1")
    two = run_cli("build", *paths, "-o", str(tmp_path / "two"), "--jobs", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(f"note-{i}.{fmt}" for i in range(4) for fmt in ("pdf", "docx"))
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in names:  # SOURCE_DATE_EPOCH is set by run_cli: the builds are reproducible
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    # Every output path is printed once, whatever the order the workers finished in.
    assert sorted(two.stdout.split()) == sorted(str(tmp_path / "two" / n) for n in names)
    assert two.stderr.count("built ") == 4


def test_failures_are_listed_at_the_end_with_file_and_line_and_the_others_are_built(tmp_path):
    paths = _facts(tmp_path / "facts", 3)
    bad = tmp_path / "facts" / "bad.yaml"
    bad.write_text(MINIMAL.replace("  subject: Test subject\n", "  subject: [unclosed\n"), encoding="utf-8")
    result = run_cli("build", paths[0], str(bad), *paths[1:], "-o", str(tmp_path / "out"), "--jobs", "2")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    error_at = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert error_at and all(lines[i].startswith(f"error: {bad}:") for i in error_at), result.stderr
    assert max(i for i, line in enumerate(lines) if line.startswith("built ")) < min(error_at)
    assert lines[-1] == "1 of 4 notes failed (errors above); the others were built"
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"note-{i}.{fmt}" for i in range(3) for fmt in ("pdf", "docx"))


def test_a_pipe_gets_no_progress_bar(tmp_path):
    paths = _facts(tmp_path / "facts", 2)
    result = run_cli("build", *paths, "-o", str(tmp_path / "out"), "--jobs", "2", "--format", "md")
    assert result.returncode == 0
    assert "\x1b" not in result.stderr and "building notes" not in result.stderr


def test_jobs_out_of_range_is_a_usage_error(tmp_path):
    result = run_cli("build", str(BUNDLED), "-o", str(tmp_path), "--jobs", "0")
    assert result.returncode == 2 and "--jobs" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_terminal_gets_a_progress_bar(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    paths = _facts(tmp_path / "facts", 3)
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "briefgen", "build", *paths, "-o", str(tmp_path / "out"),
                             "--jobs", "2", "--format", "md"], stdout=subprocess.PIPE, stderr=child,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1721606400", "COLUMNS": "100"})
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.stdout.read()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    os.close(main)
    assert b"building notes" in seen and b"3/3" in seen


def test_files_refused_for_clashing_outputs_are_counted_in_the_summary(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    files = [tmp_path / "a" / "n.yaml", tmp_path / "b" / "n.yaml", tmp_path / "a" / "m.yaml",
             tmp_path / "a" / "k.yaml"]
    for f in files:
        f.write_text(MINIMAL, encoding="utf-8")
    result = run_cli("build", *map(str, files), "-j", "2", "-f", "md", "-o", str(tmp_path / "out"), "--no-check")
    assert result.returncode == 2, result.stderr
    assert "its outputs would overwrite those of" in result.stderr
    assert "1 of 4 facts files were not built" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["k.md", "m.md", "n.md"]
