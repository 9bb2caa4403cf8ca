"""The bundled run's outputs are byte-identical to a recorded run (refactors change nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _paths import RECORDED_RUN, stable_outputs
from discourse.io_utils import sha256_file


@pytest.mark.slow
def test_bundled_run_matches_the_recorded_outputs(bundled_run: Path) -> None:
    manifest = json.loads((bundled_run / "manifest.json").read_text(encoding="utf-8"))
    got = stable_outputs(manifest)
    for name, digest in got.items():  # the manifest tells the truth about the files
        assert sha256_file(bundled_run / name) == digest, name
    want = json.loads(RECORDED_RUN.read_text(encoding="utf-8"))["outputs"]
    changed = sorted(n for n in set(got) | set(want) if got.get(n) != want.get(n))
    assert not changed, (
        f"{len(changed)} outputs differ from the recorded run: {changed[:12]}. If the change "
        "is intended, re-record with `python scripts/record_run.py` and commit the record."
    )
