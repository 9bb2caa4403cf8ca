"""Peak memory of ``discourse ingest`` on gzip bombs (issue 15).

A small gzip file that unpacks to gigabytes must be refused by ``ingest.max_file_mb`` without
ever being unpacked in full. Each bomb (repeated text, one gzip stream written in pieces, so
building it needs little memory) is put next to a small good file, and ``discourse ingest``
runs on the folder in a child process; the child's peak resident memory (``ru_maxrss`` from
``wait4``) is reported with the bomb's sizes and the manifest's verdict.

Usage::

    .venv/bin/python benchmarks/bench_gzip_bomb.py [--unpacked-gb 2 6] [--workdir DIR]

Issue 15 measured 4.07 GB peak for 2 GB unpacked and 11.9 GB for 6 GB before the fix.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

PIECE = b"no contact is the only way I could heal after the breakup. " * 17_000  # ~1 MB


def write_bomb(path: Path, unpacked: int) -> None:
    """A gzip file holding ``unpacked`` bytes of repeated text (written as one stream)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    written = 0
    with path.open("wb") as fh:
        while written < unpacked:
            piece = PIECE[: unpacked - written]
            fh.write(comp.compress(piece))
            written += len(piece)
        fh.write(comp.flush())


def run_ingest(input_dir: Path, output_dir: Path) -> tuple[int, float, int]:
    """Run ``discourse ingest`` in a child; return (exit code, seconds, peak RSS in bytes)."""
    cmd = [
        sys.executable,
        "-m",
        "discourse.cli",
        "ingest",
        "--input",
        str(input_dir),
        "--output",
        str(output_dir),
        "--quiet",
    ]
    env = {**os.environ, "DISCOURSE_SALT": "benchmark"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, seconds, usage.ru_maxrss * 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--unpacked-gb", type=float, nargs="+", default=[2.0, 6.0])
    ap.add_argument("--workdir", default=None, help="scratch folder (default: a temp folder)")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_bomb_"))
    try:
        for gb in args.unpacked_gb:
            raw = work / f"raw_{gb:g}gb"
            raw.mkdir(parents=True, exist_ok=True)
            (raw / "good.txt").write_text(
                "No contact was the best thing I did for my own healing.\n", encoding="utf-8"
            )
            bomb = raw / "bomb.txt.gz"
            write_bomb(bomb, int(gb * 1e9))
            code, seconds, peak = run_ingest(raw, work / f"out_{gb:g}gb")
            manifest = json.loads((work / f"out_{gb:g}gb" / "manifest.json").read_text())
            entry = next(f for f in manifest["inputs"] if f["path"].startswith("bomb"))
            print(
                f"bomb {bomb.stat().st_size / 1e6:.1f} MB gzip -> {gb:g} GB unpacked: "
                f"exit {code}, {seconds:.1f} s, peak RSS {peak / 1e9:.3f} GB; "
                f"{entry['status']}: {entry.get('reason')}"
            )
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
