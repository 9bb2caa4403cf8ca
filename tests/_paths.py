"""Paths and helpers shared by the tests (importable as ``_paths``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_SALT = "test-salt-not-secret"


def seed_path(prefix: str) -> Path:
    """The seed document whose name starts with ``prefix`` ("000" ... "004")."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    """Text of the seed document whose name starts with ``prefix``."""
    return seed_path(prefix).read_text(encoding="utf-8")
