"""Memory of the label stage batch by batch (issue 21): one JSON line per 20k-segment batch.

Runs ``discourse.stages.label.label_segments`` on a copy of a run's ``segments.parquet`` and
prints, as each batch comes back from the labeler: RSS and its peak (``/proc/self/status``),
glibc's heaps (``mallinfo2``: mapped, in use, free, mapped on their own), the C heap's resident
pages (``/proc/self/smaps``), Python's object arenas and Arrow's allocated bytes. Linux and
glibc only. Results and what they showed: ``benchmarks/results/RESULTS.md``
("Label stage memory, found").

    python benchmarks/make_corpus.py --segments 1000000 --out C
    discourse ingest --input C --output R --config nonner.toml
    python benchmarks/label_memory_batches.py --segments R/segments.parquet --work W

where ``nonner.toml`` holds ``[privacy]`` with ``salt = "benchmark"`` and
``mask_person_names = false`` (NER off, as in RESULTS.md).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _FIELDS.split(" ")]


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) // 1024
    return out


def _heap_rss_mb() -> int:
    """Resident MB of the main C heap (``[heap]`` in smaps)."""
    kb, in_heap = 0, False
    with open("/proc/self/smaps") as fh:
        for line in fh:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5:
                in_heap = len(parts) > 5 and parts[5] == "[heap]"
            elif in_heap and parts[0] == "Rss:":
                kb += int(parts[1])
    return kb // 1024


def _python_arenas() -> int:
    """Python's object arenas now allocated (``sys._debugmallocstats``)."""
    with tempfile.TemporaryFile() as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode()
    for line in text.splitlines():
        if line.startswith("# arenas allocated current"):
            return int(line.split("=")[-1].replace(",", ""))
    return -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segments", type=Path, required=True, help="a run's segments.parquet")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (replaced)")
    ap.add_argument("--labeler", default="default")
    ap.add_argument("--cache", type=Path, help="embedding cache folder (default: WORK/cache)")
    ap.add_argument(
        "--reset-peak",
        action="store_true",
        help="reset the peak RSS after each batch, so VmHWM is each batch's own peak",
    )
    args = ap.parse_args()

    import pyarrow as pa

    from discourse.config import config_from_dict
    from discourse.engines import LocalEngine
    from discourse.stages import label as label_stage

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    shutil.copy(args.segments, args.work / "segments.parquet")
    t0 = time.perf_counter()

    class Logged(LocalEngine):
        def map(self, fn: Any, items: Any, **kwargs: Any) -> Any:
            for i, out in enumerate(super().map(fn, items, **kwargs)):
                info = libc.mallinfo2()
                row = {
                    "batch": i,
                    "s": round(time.perf_counter() - t0, 1),
                    **_status(),
                    "heaps_mb": info.arena >> 20,
                    "in_use_mb": info.uordblks >> 20,
                    "free_mb": info.fordblks >> 20,
                    "mapped_alone_mb": info.hblkhd >> 20,
                    "heap_rss_mb": _heap_rss_mb(),
                    "python_arenas": _python_arenas(),
                    "arrow_mb": pa.total_allocated_bytes() >> 20,
                }
                print(json.dumps(row), flush=True)
                if args.reset_peak:
                    with open("/proc/self/clear_refs", "w") as fh:
                        fh.write("5")
                yield out

    cfg = config_from_dict({"privacy": {"salt": "benchmark"}, "label": {"labeler": args.labeler}})
    cache = args.cache or args.work / "cache"
    label_stage.label_segments(args.work, cfg, str(cache), Logged())
    print(json.dumps({"done_s": round(time.perf_counter() - t0, 1), **_status()}), flush=True)


if __name__ == "__main__":
    main()
