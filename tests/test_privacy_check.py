"""``discourse privacy-check``: the pipeline's outputs pass it; planted personal data fails it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _paths import FIXTURES, SEEDS, TEST_SALT
from discourse.cli import app
from discourse.config import PipelineConfig
from discourse.pipeline import run
from discourse.privacy_check import identifiers_from_inputs, privacy_check, scan_text


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Raw inputs full of names, usernames, e-mails and phone numbers, and a run over them."""
    root = tmp_path_factory.mktemp("privacy")
    raw = root / "raw"
    shutil.copytree(SEEDS, raw / "seeds")
    shutil.copytree(FIXTURES / "tables", raw / "tables")
    shutil.copy(FIXTURES / "text" / "says_thread.txt", raw / "says_thread.txt")
    (raw / "contacts.csv").write_text(
        "id,author,text\n"
        "a1,Margarethe Quill,My ex said to write to margarethe.quill@example.org. No contact now.\n"
        "a2,throwaway_sad,Text me on +44 20 7946 0958 or (555) 201-3344 when you need to talk.\n"
        "a3,Osvaldo,Margarethe told me no contact saved her. Osvaldo agrees.\n",
        encoding="utf-8",
    )
    cfg = PipelineConfig()
    cfg.privacy.salt = TEST_SALT
    cfg.label.labeler = "rules"
    cfg.topics.enabled = False
    cfg.analysis.n_boot = 200
    cfg.analysis.annotations = None
    out = root / "out"
    run(raw, out, cfg)
    return raw, out


def test_identifiers_come_from_the_raw_inputs(seeded) -> None:
    raw, _ = seeded
    names = identifiers_from_inputs(raw)
    assert {"Margarethe Quill", "throwaway_sad", "Osvaldo", "Diana", "Danielle"} <= names
    assert "[deleted]" not in names and all(len(n) >= 3 for n in names)


def test_pipeline_outputs_pass_the_check(seeded) -> None:
    raw, out = seeded
    findings, scanned = privacy_check(out, identifiers_from_inputs(raw))
    assert findings == [], [str(f) for f in findings]
    # every kind of output was scanned, figures included
    assert {"segments.parquet", "documents.parquet", "manifest.json"} <= set(scanned)
    assert any(s.endswith(".pdf") for s in scanned) and any(s.endswith(".tex") for s in scanned)


def test_the_salt_is_never_written(seeded) -> None:
    _, out = seeded
    for path in out.rglob("*"):
        if path.is_file():
            assert TEST_SALT.encode() not in path.read_bytes(), path


def test_planted_leaks_are_found_with_their_locations(seeded, tmp_path: Path) -> None:
    raw, out = seeded
    leak = tmp_path / "out"
    shutil.copytree(out, leak)
    (leak / "tables" / "leak.csv").write_text(
        "quote\nSee you soon\nMargarethe Quill wrote from quill@example.net, call 555-201-3344\n"
    )
    findings, _ = privacy_check(leak, identifiers_from_inputs(raw))
    found = {(f.path, f.location, f.kind) for f in findings}
    assert found == {
        ("tables/leak.csv", "line 3", "name"),
        ("tables/leak.csv", "line 3", "email"),
        ("tables/leak.csv", "line 3", "phone"),
    }
    assert all("Margarethe" not in f.masked for f in findings)  # the report masks them

    runner = CliRunner()
    result = runner.invoke(app, ["privacy-check", str(leak), "-i", str(raw)])
    assert result.exit_code == 4, result.output
    assert "tables/leak.csv [line 3]: email" in result.output
    result = runner.invoke(app, ["privacy-check", str(out), "-i", str(raw)])
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in " ".join(result.output.split())


def test_allow_list_and_decimal_numbers() -> None:
    from discourse.privacy_check import _name_pattern

    pattern = _name_pattern(["Joy", "Kate"], allow=["joy"])
    assert [k for k, _ in scan_text("Joy and Kate went", pattern)] == ["name"]
    assert list(scan_text("p = 2.3196827493e-45, V = 0.2660000001", None)) == []
