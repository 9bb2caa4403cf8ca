"""The whole pipeline runs with the network blocked (as on air-gapped servers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _paths import ROOT, SEEDS, TEST_SALT
from discourse.embeddings import MODEL_ID
from discourse.labels.stage import default_labeler_name

GUARD = """
import socket, sys

class NetworkBlocked(RuntimeError):
    pass

def _blocked(*args, **kwargs):
    raise NetworkBlocked("network access attempted: %r" % (args[1:] if len(args) > 1 else args,))

socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked

from discourse.cli import main
sys.argv = ["discourse"] + sys.argv[1:]
main()
"""


@pytest.mark.slow
def test_full_pipeline_with_sockets_blocked(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[privacy]\nsalt = "{TEST_SALT}"\n[analysis]\nn_boot = 200\n'
        f'annotations = "{ROOT / "data" / "annotations"}"\n'
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    }
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            GUARD,
            "run",
            "-i",
            str(SEEDS),
            "-o",
            str(out),
            "-c",
            str(cfg),
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,  # the toolkit itself must switch the Hugging Face libraries to offline mode
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "network access attempted" not in proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    # the packaged default labeler, whichever measured performance chose
    assert manifest["labels"]["labeler"] == default_labeler_name()
    # the topic stage embeds with MiniLM, loaded from the installed package
    metrics = json.loads((out / "topic_metrics.json").read_text())
    assert metrics["embedding_model"] == MODEL_ID, metrics["embedding_model"]
    assert manifest["topics"]["summary"]["bertopic"]["n_topics"] >= 2
    skipped = manifest["figures"]["skipped"]  # only what needs hand codes of this corpus
    assert set(skipped) == {"fig09_prevalence_estimates", "tab05_prevalence_estimates"}, skipped


def test_the_guard_really_blocks_the_network() -> None:
    code = GUARD.replace(
        "from discourse.cli import main",
        "import urllib.request\nurllib.request.urlopen('http://192.0.2.1/', timeout=5)\nmain = None",
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "network access attempted" in proc.stderr
