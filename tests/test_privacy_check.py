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
    names = identifiers_from_inputs(raw).names
    assert {"Margarethe Quill", "throwaway_sad", "Osvaldo", "Diana", "Danielle"} <= names
    assert "[deleted]" not in names and all(len(n) >= 2 for n in names)


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
    from discourse.privacy import name_forms

    pattern = name_forms(["Joy", "Kate"], keep=["joy"])
    assert [k for k, _ in scan_text("Joy and Kate went", pattern)] == ["name"]
    assert list(scan_text("p = 2.3196827493e-45, V = 0.2660000001", None)) == []


# --- issue 15: the planted-data corpus ---------------------------------------------------------

PLANTED = FIXTURES / "planted"


def _ingest(out: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        app,
        ["ingest", "-i", str(PLANTED), "-o", str(out), "--quiet", *extra],
        env={"DISCOURSE_SALT": TEST_SALT},
    )
    assert result.exit_code == 0, result.output


def _check(out: Path, *extra: str):
    return CliRunner().invoke(
        app,
        ["privacy-check", str(out), "-i", str(PLANTED), *extra],
        env={"DISCOURSE_SALT": TEST_SALT},
    )


@pytest.mark.slow
def test_planted_corpus_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _ingest(out)
    result = _check(out)
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in " ".join(result.output.split())
    import pandas as pd

    docs = pd.read_parquet(out / "documents.parquet")
    segs = pd.read_parquet(out / "segments.parquet")
    cells = [*docs.to_numpy().ravel(), *segs.to_numpy().ravel()]
    blob = " ".join(str(c) for c in cells).lower()
    for secret in (
        "whitfield",
        "throwaway_jen",
        "mwhitfield88",
        "sarah",
        "miller",
        "ken adams",
        "coach ken",
        "900123",
        "0199",
        "7946",
        "555-0100",
        "willnc",
        "447700900123",
        "elm street",
        "baker street",
        "4471",
        "tanner",
        "holloway",
        "okafor",
        "danielle",
    ):
        assert secret not in blob, secret
    assert docs.doc_id.str.fullmatch(r"D-[0-9a-f]{12}").all()  # no file names in ids
    assert segs.segment_id.str.fullmatch(r"D-[0-9a-f]{12}#\d{4}").all()
    assert "/r/ExNoContact/comments/pl1/_/" in docs.url.tolist()
    # ordinary words that are also commenters' names keep their meaning
    assert segs.text.str.contains("Will it ever stop hurting?", regex=False).any()
    assert segs.text.str.contains(
        "amazon.com/dp/0735211299/ref=sr_1_3?qid=1589912345", regex=False
    ).any()
    # the file stays findable in the manifest, without the names in its path
    manifest = (out / "manifest.json").read_text()
    assert "threads/" in manifest and "whitfield" not in manifest.lower()
    # the same salt gives the same ids (byte-identical outputs)
    again = tmp_path / "again"
    _ingest(again)
    for name in ("documents.parquet", "segments.parquet", "quarantine.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes()


@pytest.mark.slow
def test_check_finds_what_an_unmasked_run_left_in_the_cache(tmp_path: Path) -> None:
    cfg = tmp_path / "nomask.toml"
    cfg.write_text(
        "[privacy]\npseudonymise = false\nmask_emails = false\nmask_phones = false\n"
        "mask_profile_urls = false\nmask_addresses = false\n"
    )
    out = tmp_path / "out"
    _ingest(out, "--config", str(cfg))
    # the published outputs are removed: what is left is the stage store
    for name in ("documents.parquet", "segments.parquet"):
        (out / name).unlink()
    result = _check(out)
    assert result.exit_code == 4
    text = " ".join(result.output.split())
    assert "cache/stages/ingest/" in text
    for kind in ("email", "phone", "handle", "contact-url", "address", "name"):
        assert f": {kind} " in text, kind


def test_first_names_reported_only_in_their_documents(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from discourse.privacy_check import Identifiers

    ids = Identifiers(names={"Jane", "Mark Whitfield"}, docs={"Jane": {"seed.txt"}})
    pq.write_table(
        pa.table(
            {
                "doc_id": ["seed.txt", "reddit.csv:1", "reddit.csv:2"],
                "text": ["thanks jane", "call her Jane", "mark whitfield said"],
            }
        ),
        tmp_path / "segments.parquet",
    )
    (tmp_path / "topic_info.csv").write_text("label\njane,whitfield,ex\n")
    (tmp_path / "emb.npy").write_bytes(b"\x93NUMPY\x00\x01Mark Whitfield")
    findings, scanned = privacy_check(tmp_path, ids)
    got = sorted((f.path, f.location) for f in findings)
    assert got == [
        ("segments.parquet", "row 0, column text"),  # Jane in her own thread
        ("segments.parquet", "row 2, column text"),  # a full name, lower case, anywhere
        ("topic_info.csv", "line 2"),  # a surname alone as a topic word
    ]
    assert "emb.npy (skipped: binary)" in scanned
