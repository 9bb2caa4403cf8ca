"""Record the output hashes of the bundled run that ``tests/test_recorded_run.py`` compares.

The test runs the whole pipeline on ``data/raw`` (as ``make run``, with the test salt) and
requires every output except the manifests (timings, paths) to be byte-identical to this
record, so a refactor that changes an output by accident fails. When an output is meant to
change (new labeler weights, a new figure, a topic-model change), re-record and commit the
record with the change that explains it:

    .venv/bin/python scripts/record_run.py

Usage: ``python scripts/record_run.py [--output DIR]`` (the run folder; default a temporary one).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _paths import RECORDED_RUN, bundled_config, stable_outputs  # noqa: E402
from discourse.pipeline import run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=None)
    args = ap.parse_args()
    out = args.output or Path(tempfile.mkdtemp(prefix="recorded-run-"))
    result = run(ROOT / "data" / "raw", out, bundled_config(), reuse=False)
    record = {
        "what": "SHA-256 of every output of the bundled run (tests/_paths.py bundled_config) "
        "except the manifests; made by scripts/record_run.py",
        "discourse_version": result.manifest["discourse_version"],
        "outputs": stable_outputs(result.manifest),
    }
    RECORDED_RUN.parent.mkdir(parents=True, exist_ok=True)
    RECORDED_RUN.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(record['outputs'])} outputs of {out} -> {RECORDED_RUN}")


if __name__ == "__main__":
    main()
