"""Property-based tests (hypothesis) on ingest, cleaning and segmentation.

* decoding arbitrary bytes either gives text or a :class:`RejectedInput`, never another error;
* cleaning arbitrary text never crashes and gives normalised text;
* parsing and segmenting arbitrary documents never crashes, and every segment with a source
  span is traceable: its words occur, in order, in that span of the source text;
* on a folder of arbitrary files, the manifest accounts for every file and its counts add up.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _paths import TEST_SALT
from discourse.clean.boilerplate import BoilerplateDetector
from discourse.clean.normalize import normalise_newlines, normalise_text
from discourse.config import PipelineConfig
from discourse.corpus import Document
from discourse.ingest.files import RejectedInput, decode_text
from discourse.ingest.text import parse_text
from discourse.pipeline import run
from discourse.segment.segmenter import segment_document

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = [
    "no",
    "contact",
    "he",
    "she",
    "texted",
    "me",
    "after",
    "weeks",
    "heal",
    "yourself",
    "win",
    "back",
    "ex",
    "rules",
    "do",
    "what",
    "feels",
    "right",
    "I",
    "felt",
    "ashamed",
    "café",
    "naïve",
    "don't",
    "self-care",
    "day",
    "30",
    "u/someone",
    "mail@example.com",
    "Share",
    "comments",
    "below",
    "Subscribe",
    "channel",
    "Page",
    "2",
    "of",
    "3",
]
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from([" ", "  ", "\n", "\n\n", "\r\n", "\r", "\t", ". ", "? ", "! ", ", "]),
    st.sampled_from(
        [
            "\nMaria says\n",
            "\nTom says\nMarch 3, 2019 at 4:12 pm\n",
            "\nReply\n",
            "\nMarch 3, 2019 at 4:12 pm Reply\n",
            "\n- ",
            "\n1. ",
            "\n# Heading\n",
            "[Music]",
            "Thanks for reading!",
            "xoxo\nAnna",
            "\u200b",
            "\u2028",
            "\u00e2\u20ac\u2122",
            "&amp;",
            "**bold**",
        ]
    ),
    st.text(max_size=12),
)
DOCS = st.lists(PIECES, max_size=120).map("".join)


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[^\W_]+", text)


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(w == h for h in it) for w in needle)


@PROFILE
@given(st.binary(max_size=400))
def test_decode_never_crashes(data: bytes) -> None:
    try:
        text, encoding = decode_text(data)
    except RejectedInput as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and encoding


@PROFILE
@given(st.one_of(DOCS, st.text(max_size=300)), st.booleans())
def test_cleaning_never_crashes(text: str, markdown: bool) -> None:
    out = normalise_text(text, markdown=markdown)
    assert isinstance(out, str)
    assert "\r" not in out and "\u200b" not in out
    assert out == out.strip()
    assert "\n\n\n" not in out


@PROFILE
@given(DOCS, st.sampled_from([None, "transcript", "article", "thread"]))
def test_segments_are_traceable_to_source_offsets(text: str, kind: str | None) -> None:
    from discourse.ingest.base import SourceOverride

    cfg = PipelineConfig()
    doc = Document(doc_id="d", source_type="article", path="d.txt", sha256="0")
    try:
        parsed = parse_text(text, doc, SourceOverride(kind=kind) if kind else None)
    except RejectedInput:
        assert not normalise_newlines(text).strip() or True  # refused with a reason
        return
    drafts, stats = segment_document(parsed, cfg, BoilerplateDetector(cfg.boilerplate))
    assert stats["units_in"] == len(parsed.units)
    source = normalise_newlines(text)
    for d in drafts:
        assert d.text.strip()
        assert d.source_start is not None and d.source_end is not None  # text files: always
        assert 0 <= d.source_start < d.source_end <= len(source)
        span = normalise_text(source[d.source_start : d.source_end], cfg.clean)
        assert _is_subsequence(_tokens(d.text), _tokens(span)), (d.text, span)


FILES = st.lists(
    st.tuples(
        st.sampled_from([".txt", ".csv", ".jsonl", ".md", ".gz", ""]),
        st.one_of(DOCS.map(lambda s: s.encode("utf-8")), st.binary(max_size=200)),
    ),
    min_size=1,
    max_size=6,
)


def _content(suffix: str, body: bytes) -> bytes:
    if suffix == ".csv":
        return b"id,title,selftext,author\n1,t," + body.replace(b"\n", b" ") + b",u\n" + body
    if suffix == ".jsonl":
        line = json.dumps({"id": "a", "selftext": body.decode("utf-8", "replace")}).encode()
        return line + b"\n" + body
    if suffix == ".gz":
        import gzip

        return gzip.compress(body, mtime=0)
    return body


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES)
def test_manifest_counts_add_up(files: list[tuple[str, bytes]]) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        root = tmp / "raw"
        root.mkdir()
        for i, (suffix, body) in enumerate(files):
            (root / f"f{i}{suffix}").write_bytes(_content(suffix, body))
        cfg = PipelineConfig()
        cfg.privacy.salt = TEST_SALT
        cfg.label.enabled = cfg.topics.enabled = cfg.analysis.enabled = False
        result = run(root, tmp / "out", cfg)
        m = json.loads((tmp / "out" / "manifest.json").read_text())
        assert sorted(f["path"] for f in m["inputs"]) == sorted(p.name for p in root.iterdir())
        assert m["summary"]["files_total"] == len(files)
        assert sum(m["summary"]["files"].values()) == len(files)
        segs = pd.read_parquet(tmp / "out" / "segments.parquet")
        docs = pd.read_parquet(tmp / "out" / "documents.parquet")
        assert m["summary"]["segments"] == len(segs)
        assert m["summary"]["documents"] == len(docs)
        assert sum(f["counts"].get("segments", 0) for f in m["inputs"]) == len(segs)
        assert sum(f["counts"].get("documents", 0) for f in m["inputs"]) == len(docs)
        assert docs["n_segments"].sum() == len(segs)
        assert m["quarantined"] == len(result.quarantine)
        for f in m["inputs"]:
            if f["status"] in ("quarantined", "skipped"):
                assert f.get("reason")
                assert f["path"] not in set(docs["path"])
            if f["status"] in ("processed", "partial"):
                assert f["counts"]["documents"] >= 1
        q = pd.read_csv(tmp / "out" / "quarantine.csv")
        assert len(q) == len(result.quarantine)
        assert q["reason"].notna().all()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
