"""The pipeline end to end: outputs contract, accounting, quarantine, determinism, privacy."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from _paths import copy_mixed_inputs
from discourse.config import ConfigError, PipelineConfig
from discourse.corpus import DOCUMENT_SCHEMA, SEGMENT_SCHEMA
from discourse.pipeline import run

SEED_COMMENTERS = [
    "Clear",
    "Diana",
    "Jane",
    "Danielle",
    "Min",
    "Dianne",
    "Joy",
    "Sue",
    "Ellen",
    "Ella",
    "Donna",
    "Robin",
    "Nett",
    "Angel",
    "Sabrina Alexis",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Seeds, the text and table fixtures, bad inputs, a README and a sources file."""
    root = tmp_path / "raw"
    copy_mixed_inputs(root)
    (root / "README.md").write_text("Provenance notes, not data.")
    (root / "sources.toml").write_text(
        '["seeds/000_9971e978c8825bd7.txt"]\nkind = "transcript"\noutlet = "YouTube"\n'
        'date = "2020-05-01"\n\n["says_thread.txt"]\nauthor = "Kate"\n'
    )
    return root


def _run(corpus: Path, out: Path, config: PipelineConfig):
    return run(corpus, out, config)


def _id(reader_id: str) -> str:
    """The output doc_id of a reader's id (a keyed hash of it under the test salt)."""
    from _paths import TEST_SALT
    from discourse.privacy import Pseudonymiser

    return Pseudonymiser(TEST_SALT).identifier(reader_id)


def test_outputs_contract(corpus: Path, tmp_path: Path, config: PipelineConfig) -> None:
    out = tmp_path / "out"
    result = _run(corpus, out, config)
    assert sorted(p.name for p in out.iterdir()) == [
        "cache",  # the stage store (stages/) and, with model labelers, embeddings
        "documents.parquet",
        "labels.parquet",
        "manifest.json",
        "quarantine.csv",
        "segments.parquet",
        "stance_profile_documents.csv",
        "stance_profile_source_types.csv",
    ]
    assert pq.read_schema(out / "documents.parquet").names == DOCUMENT_SCHEMA.names
    assert pq.read_schema(out / "segments.parquet").names == SEGMENT_SCHEMA.names
    segs = pd.read_parquet(out / "segments.parquet")
    assert set(segs.source_type) == {"transcript", "article", "comment", "post"}
    assert segs.segment_id.is_unique
    assert set(segs.reply_to.dropna()) <= set(segs.segment_id)
    docs = pd.read_parquet(out / "documents.parquet")
    assert docs.doc_id.is_unique and set(segs.doc_id) <= set(docs.doc_id)
    assert (docs.set_index("doc_id").n_segments.sort_index() == segs.groupby("doc_id").size()).all()
    transcript = docs.set_index("doc_id").loc[_id("seeds/000_9971e978c8825bd7.txt")]
    assert transcript.outlet == "YouTube" and transcript.published == "2020-05-01"
    assert result.manifest["outputs"]["segments.parquet"]


def test_manifest_accounts_for_every_input(
    corpus: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    result = _run(corpus, tmp_path / "out", config)
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    on_disk = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*") if p.is_file())
    assert sorted(i["path"] for i in m["inputs"]) == on_disk
    status = {i["path"]: i["status"] for i in m["inputs"]}
    assert status["README.md"] == "skipped" and status["sources.toml"] == "metadata"
    for bad in ("bad/empty.txt", "bad/whitespace.txt", "bad/image.txt", "bad/broken_utf16.txt"):
        assert status[bad] == "quarantined"
    assert status["bad/compressed_no_ext"] == "processed"
    assert status["tables/reddit_small.csv"] == "partial"
    assert status["tables/pushshift.ndjson"] == "partial"
    assert sum(m["summary"]["files"].values()) == m["summary"]["files_total"] == len(on_disk)
    rows = m["summary"]["table_rows"]
    assert rows["read"] == rows["used"] + rows["quarantined"]
    for i in m["inputs"]:
        if i["status"] in ("processed", "partial"):
            c = i["counts"]
            assert c["segments"] >= 1 and i["sha256"] and i["reader"]
    segs = pd.read_parquet(tmp_path / "out" / "segments.parquet")
    assert m["summary"]["segments"] == len(segs)
    assert m["summary"]["boilerplate_segments"] == int(segs.boilerplate.sum())
    assert m["quarantined"] == len(result.quarantine)
    q = pd.read_csv(tmp_path / "out" / "quarantine.csv")
    assert list(q.columns) == ["path", "location", "reason"]
    assert len(q) == result.n_quarantined == 4 + 2 + 2  # 4 files, 2 CSV rows, 2 JSONL lines
    assert "salt" not in json.dumps(m["config"]["privacy"]).replace(
        '"salt": "<redacted>"', ""
    ).replace("salt_file", "")


def test_same_input_same_config_identical_outputs(
    corpus: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    _run(corpus, tmp_path / "a", config)
    _run(corpus, tmp_path / "b", config)
    for name in ("documents.parquet", "segments.parquet", "quarantine.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    ids = pd.read_parquet(tmp_path / "a" / "segments.parquet").segment_id.tolist()
    assert ids[0].startswith(_id("bad/compressed_no_ext") + "#")


def test_no_commenter_name_in_outputs(corpus: Path, tmp_path: Path, config: PipelineConfig) -> None:
    _run(corpus, tmp_path / "out", config)
    segs = pd.read_parquet(tmp_path / "out" / "segments.parquet")
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    blob = "\n".join(
        segs.astype(str).to_csv(index=False).splitlines()
        + docs.astype(str).to_csv(index=False).splitlines()
    )
    import re

    for name in [
        *SEED_COMMENTERS,
        "Maria",
        "Tom",
        "Kate",
        "throwaway_sad",
        "another_user",
        "op_user",
        "helper1",
        "helper_bot",
    ]:
        assert not re.search(rf"(?<![\w-]){re.escape(name)}(?!\w)", blob), name
    for secret in (
        "sad.person@example.com",
        "tom.smith@example.org",
        "415 555 0199",
        "555-123-4567",
    ):
        assert secret not in blob
    seed_002 = segs[segs.doc_id.isin(docs.doc_id[docs.path.str.startswith("seeds/002")])]
    assert seed_002.author.dropna().str.fullmatch(r"P-[0-9a-f]{8}").all()
    assert seed_002.is_author_reply.sum() == 8
    kate = docs.set_index("doc_id").loc[_id("says_thread.txt")]
    assert kate.author.startswith("P-") and not kate.author_inferred


def test_exact_duplicates_marked(corpus: Path, tmp_path: Path, config: PipelineConfig) -> None:
    _run(corpus, tmp_path / "out", config)
    segs = pd.read_parquet(tmp_path / "out" / "segments.parquet").set_index("segment_id")
    dup = segs.loc[_id("tables/reddit_small.csv:v66sk") + "#0000"]
    assert dup.duplicate_of == _id("tables/reddit_small.csv:v66sg") + "#0000"
    assert segs.duplicate_of.notna().sum() == 1


def test_reply_structure_in_outputs(corpus: Path, tmp_path: Path, config: PipelineConfig) -> None:
    _run(corpus, tmp_path / "out", config)
    segs = pd.read_parquet(tmp_path / "out" / "segments.parquet").set_index("segment_id")
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    s4 = segs[segs.doc_id.isin(docs.doc_id[docs.path.str.startswith("seeds/004")])]
    replies = s4[s4.reply_to.notna()]
    assert len(replies) == 7 and replies.reply_to.isin(s4.index).all()
    assert set(replies.reply_inference) == {"date_order", "date_order+author_burst"}
    push = segs[segs.doc_id == _id("tables/pushshift.ndjson:abc1")]
    assert [x if isinstance(x, str) else None for x in push.reply_to] == [
        None,
        _id("tables/pushshift.ndjson:abc1") + "#0000",
        _id("tables/pushshift.ndjson:abc1") + "#0001",
    ]


def test_output_inside_input_is_refused(corpus: Path, config: PipelineConfig) -> None:
    with pytest.raises(ConfigError, match="read-only"):
        run(corpus, corpus / "processed", config)


def test_missing_input_dir(tmp_path: Path, config: PipelineConfig) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        run(tmp_path / "nope", tmp_path / "out", config)


def test_bad_sources_file(corpus: Path, tmp_path: Path, config: PipelineConfig) -> None:
    (corpus / "sources.toml").write_text('["x.txt"]\ntitel = "typo"\n')
    with pytest.raises(ConfigError, match="titel.*valid keys: kind, title"):
        run(corpus, tmp_path / "out", config)


def test_failed_write_keeps_previous_outputs(
    corpus: Path, tmp_path: Path, config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _run(corpus, out, config)
    before = (out / "segments.parquet").read_bytes()
    import discourse.io_utils as io_utils

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(io_utils.pq, "write_table", boom)
    monkeypatch.setattr(io_utils.pq.ParquetWriter, "write_table", boom)  # streamed tables
    with pytest.raises(OSError, match="disk full"):
        run(corpus, out, config, reuse=False)
    assert (out / "segments.parquet").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_outputs_have_normal_file_modes(
    corpus: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    _run(corpus, out, config)
    for p in out.iterdir():
        if p.is_file():
            assert p.stat().st_mode & 0o044 == 0o044, p.name  # group/other can read (umask 022)


def test_sources_entry_for_a_table_is_refused(tmp_path: Path, config: PipelineConfig) -> None:
    from _paths import FIXTURES

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "posts.csv").write_bytes((FIXTURES / "tables" / "reddit_small.csv").read_bytes())
    (raw / "sources.toml").write_text('["posts.csv"]\noutlet = "Reddit"\n')
    with pytest.raises(ConfigError, match=r"posts.csv names a table \(csv reader\)"):
        run(raw, tmp_path / "out", config)
    (raw / "sources.toml").write_text('["other.txt"]\noutlet = "Blog"\n')
    (raw / "other.txt").write_text("No contact helped me heal.\n")
    assert run(raw, tmp_path / "out", config).manifest["summary"]["documents"] >= 2


def test_in_memory_tables_are_the_streamed_ones(
    corpus: Path, tmp_path: Path, config: PipelineConfig
) -> None:
    """One ingest path: build_tables (in memory) gives the rows run() writes to Parquet."""
    from discourse.build import document_names
    from discourse.pipeline import build_tables, ingest_corpus
    from discourse.privacy import Pseudonymiser
    from discourse.stages import only_stages

    cfg = only_stages(config, ("ingest",))
    run(corpus, tmp_path / "out", cfg)
    ingested = ingest_corpus(corpus, cfg)
    names = sorted(document_names(ingested.documents, cfg))
    masker = Pseudonymiser(cfg.privacy.resolve_salt(), cfg.privacy, names)
    documents, segments, totals = build_tables(ingested, cfg, masker)
    assert segments.schema == SEGMENT_SCHEMA and documents.schema == DOCUMENT_SCHEMA
    streamed = pq.read_table(tmp_path / "out" / "segments.parquet")
    assert segments.equals(streamed)
    assert documents.drop(["path"]).equals(
        pq.read_table(tmp_path / "out" / "documents.parquet").drop(["path"])
    )
    assert totals["segments"] == len(streamed) and totals["duplicate_segments"] > 0
    counted = sum(f.counts.get("duplicate_segments", 0) for f in ingested.files)
    assert counted == totals["duplicate_segments"]
