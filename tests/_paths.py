"""Paths and helpers shared by the tests (importable as ``_paths``)."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_SALT = "test-salt-not-secret"


RECORDED_RUN = FIXTURES / "recorded_run" / "bundled_output_hashes.json"
#: Outputs that hold timings and paths, so differ between identical runs.
VOLATILE_OUTPUTS = frozenset({"manifest.json", "figures_manifest.json", "topics_manifest.json"})


def bundled_config() -> object:
    """The configuration of the recorded bundled run (as ``make run``, with the test salt)."""
    from discourse.config import PipelineConfig

    cfg = PipelineConfig()
    cfg.privacy.salt = TEST_SALT
    cfg.analysis.annotations = str(ROOT / "data" / "annotations")
    cfg.analysis.codes = str(ROOT / "data" / "hand_codes" / "bundled_sample" / "codes.csv")
    return cfg


def stable_outputs(manifest: dict) -> dict[str, str]:
    """A run manifest's output hashes without the volatile outputs."""
    return {k: v for k, v in sorted(manifest["outputs"].items()) if k not in VOLATILE_OUTPUTS}


def seed_path(prefix: str) -> Path:
    """The seed document whose name starts with ``prefix`` ("000" ... "004")."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    """Text of the seed document whose name starts with ``prefix``."""
    return seed_path(prefix).read_text(encoding="utf-8")


def copy_mixed_inputs(root: Path) -> Path:
    """Copy the seeds, the table fixtures, the bad inputs and a "Name says" thread into ``root``
    (a mixed input folder for whole-pipeline tests) and return ``root``."""
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(FIXTURES / "tables", root / "tables")
    shutil.copytree(FIXTURES / "bad", root / "bad")
    shutil.copy(FIXTURES / "text" / "says_thread.txt", root / "says_thread.txt")
    return root
