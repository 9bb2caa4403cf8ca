"""The bad-input catalogue: each hostile input next to a good control file, with its expected outcome.

Every case runs the pipeline on an input folder holding the case and a control comment thread,
and checks (1) the case's manifest status and reason, (2) what was kept from it, (3) that the
control file's segments are exactly those of a run on the control alone (the rest of the run is
unaffected) and (4) that the manifest accounts for every file. ``docs/bad_input.md`` lists the
same catalogue for users.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from _paths import FIXTURES
from discourse.config import PipelineConfig
from discourse.ingest.files import display_name
from discourse.pipeline import run

N_COMMENTS = 100_000
CONTROL = "control/says_thread.txt"
POST = (
    "I went no contact after the breakup and it was the best thing I did for my own healing. "
    "The first weeks were hard but I kept busy with friends.\n"
)


@dataclass
class Case:
    """One catalogue entry: ``build(root)`` writes the input(s) and returns the paths to check."""

    name: str
    build: Callable[[Path], list[str]]
    status: str  # expected manifest status of every built path
    reason: str | None = None  # substring of the manifest reason
    check: Callable[[pd.DataFrame, dict, Path], None] | None = None
    rows_quarantined: int | None = None
    config: dict = field(default_factory=dict)  # config overrides for this case


def _write(root: Path, rel: str, data: bytes | str) -> list[str]:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return [rel]


def _segments_of(segs: pd.DataFrame, docs: pd.DataFrame, rel: str) -> pd.DataFrame:
    ids = docs.loc[docs["path"] == rel, "doc_id"]
    return segs[segs["doc_id"].isin(ids)]


def _has_text(rel: str, needle: str) -> Callable[[pd.DataFrame, dict, Path], None]:
    def check(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
        docs = pd.read_parquet(out / "documents.parquet")
        texts = " ".join(_segments_of(segs, docs, rel)["text"])
        assert needle in texts, texts[:300]

    return check


# -- builders -------------------------------------------------------------------------------
def _thread_100k(root: Path) -> list[str]:
    """One submission with 100,000 comments, each replying to the previous one (depth 100k)."""
    path = root / "big_thread.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "id": "s1",
                    "title": "No contact day one",
                    "selftext": POST,
                    "author": "op",
                    "created_utc": 1500000000,
                }
            )
            + "\n"
        )
        parent = "t3_s1"
        for i in range(N_COMMENTS):
            cid = f"c{i}"
            fh.write(
                json.dumps(
                    {
                        "id": cid,
                        "body": f"Comment {i}: stay strong, day {i % 90} of no contact.",
                        "author": f"user{i % 977}",
                        "parent_id": parent,
                        "link_id": "t3_s1",
                        "created_utc": 1500000000 + i,
                    }
                )
                + "\n"
            )
            parent = f"t1_{cid}"
    return ["big_thread.jsonl"]


def _check_thread(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    docs = pd.read_parquet(out / "documents.parquet")
    thread = _segments_of(segs, docs, "big_thread.jsonl")
    assert len(thread) == 100_001
    comments = thread[thread["source_type"] == "comment"]
    assert comments["reply_to"].notna().all()  # the whole chain is resolved
    assert comments["author"].str.startswith("user").sum() == 0  # pseudonymised


def _symlink_loop(root: Path) -> list[str]:
    (root / "loop").mkdir()
    os.symlink("../loop", root / "loop" / "again")
    os.symlink("b.txt", root / "a.txt")
    os.symlink("a.txt", root / "b.txt")
    return ["loop/again", "a.txt", "b.txt"]


def _unreadable(root: Path) -> list[str]:
    rel = _write(root, "locked.txt", POST)
    (root / "locked.txt").chmod(0)
    return rel


def _duplicate_files(root: Path) -> list[str]:
    shutil.copy(FIXTURES / "text" / "says_thread.txt", root / "copy_of_thread.txt")
    return ["copy_of_thread.txt"]


def _check_duplicate(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    entry = next(f for f in manifest["inputs"] if f["path"] == "copy_of_thread.txt")
    assert CONTROL in entry["reason"]
    control = next(f for f in manifest["inputs"] if f["path"] == CONTROL)
    assert entry["sha256"] == control["sha256"]


def _check_spanish(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    """Kept, and marked as not English by the language check the label stage runs (the
    topic models and figures leave non-English segments out)."""
    from discourse.labels.language import detect_language

    _has_text("spanish.txt", "ruptura")(segs, manifest, out)
    docs = pd.read_parquet(out / "documents.parquet")
    texts = _segments_of(segs, docs, "spanish.txt")["text"]
    assert [detect_language(t) for t in texts] == ["es"]


# -- issue 15: file names, deep nesting, bombs, long cells, mislabelled content -------------
UNDECODABLE = os.fsdecode(b"caf\xe9_thread.txt")  # Latin-1 e-acute: not UTF-8
UNDECODABLE_SHOWN = "caf\\xe9_thread.txt"  # how outputs spell it (a real backslash)


def _undecodable_name(root: Path) -> list[str]:
    (root / UNDECODABLE).write_text(POST, encoding="utf-8")
    return [UNDECODABLE_SHOWN]


def _check_undecodable(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    entry = next(f for f in manifest["inputs"] if f["path"] == UNDECODABLE_SHOWN)
    assert any("not valid UTF-8" in n for n in entry["notes"])
    docs = pd.read_parquet(out / "documents.parquet")
    assert UNDECODABLE_SHOWN in docs["path"].tolist()
    _has_text(UNDECODABLE_SHOWN, "best thing I did")(segs, manifest, out)
    (out / "quarantine.csv").read_text(encoding="utf-8")  # written, and valid UTF-8


def _forum_posts(n: int) -> str:
    """A forum page whose ``n`` posts are never closed: each nests inside the previous one."""
    posts = "".join(
        f'<div class="post"><p>Post {i}: day {i} of no contact, and I am still holding on.</p>'
        for i in range(n)
    )
    return f"<html><head><title>Forum</title></head><body>{posts}</body></html>"


def _check_posts(rel: str, n: int) -> Callable[[pd.DataFrame, dict, Path], None]:
    def check(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
        docs = pd.read_parquet(out / "documents.parquet")
        texts = " ".join(_segments_of(segs, docs, rel)["text"])
        missing = [i for i in range(n) if f"Post {i}:" not in texts]
        assert not missing, f"{len(missing)} posts lost, first {missing[:5]}"
        entry = next(f for f in manifest["inputs"] if f["path"] == rel)
        assert any("nested" in note for note in entry["notes"])

    return check


DEEP_TEXT = "The whole text sits at the bottom of the page, and no contact is what finally helped."


def _deep_divs(root: Path) -> list[str]:
    page = "<div>" * 100_000 + f"<p>{DEEP_TEXT}</p>" + "</div>" * 100_000
    return _write(root, "deep_divs.html", f"<html><body>{page}</body></html>")


def _gzip_bomb(root: Path) -> list[str]:
    """20 MB of text from a small gzip file (identical members, as ``cat a.gz a.gz`` gives)."""
    member = gzip.compress(b"no contact " * 100_000, mtime=0)  # 1.1 MB unpacked
    return _write(root, "bomb.txt.gz", member * 19)


def _jsonl_deep_line(root: Path) -> list[str]:
    deep = '{"id": "p9", "selftext": ' + "[" * 10_000 + "]" * 10_000 + "}"
    lines = [
        json.dumps({"id": "p1", "selftext": POST, "author": "u1"}),
        deep,
        json.dumps({"id": "p2", "selftext": "Day two of no contact.", "author": "u2"}),
    ]
    return _write(root, "deep.jsonl", "\n".join(lines) + "\n")


def _check_deep_jsonl(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    _has_text("deep.jsonl", "best thing I did")(segs, manifest, out)
    _has_text("deep.jsonl", "Day two of no contact")(segs, manifest, out)
    rows = pd.read_csv(out / "quarantine.csv")
    assert rows.loc[rows["path"] == "deep.jsonl", "location"].tolist() == ["line 2"]


SRT_BAD_NUMBER = (
    "1\n00:00:01,000 --> 00:00:03,000\nI blocked him on everything.\n\n"
    "x\n00:00:03,000 --> 00:00:09,000\nOverlapping cue about the first week.\n\n"
    "3\n00:00:09,000 --> 00:00:12,000\nThen it got easier.\n"
)


def _check_srt(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    docs = pd.read_parquet(out / "documents.parquet")
    texts = " ".join(_segments_of(segs, docs, "bad_number.srt")["text"])
    assert texts.count("Overlapping cue about the first week.") == 1
    assert "-->" not in texts and " x " not in f" {texts} "
    assert "Then it got easier" in texts


REDDIT_NDJSON = "".join(
    json.dumps(row) + "\n"
    for row in [
        {
            "id": "t1",
            "title": "Day 30 of no contact",
            "selftext": POST.strip(),
            "author": "throwaway_heartbreak88",
            "created_utc": 1612345678,
            "subreddit": "BreakUps",
        },
        {
            "id": "c1",
            "body": "Proud of you, keep going.",
            "author": "kind_stranger_77",
            "parent_id": "t3_t1",
            "link_id": "t3_t1",
            "created_utc": 1612349999,
        },
    ]
)


def _check_ndjson_md(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    docs = pd.read_parquet(out / "documents.parquet")
    mine = _segments_of(segs, docs, "reddit_dump.md")
    assert sorted(mine["source_type"]) == ["comment", "post"]
    text = " ".join(mine["text"])
    assert "created_utc" not in text and "{" not in text and "[phone]" not in text
    everything = " ".join(map(str, mine.to_numpy().ravel()))
    assert "throwaway_heartbreak88" not in everything and "kind_stranger_77" not in everything
    entry = next(f for f in manifest["inputs"] if f["path"] == "reddit_dump.md")
    assert "content is JSON, read as JSON Lines" in entry["notes"]


LONG_CELL_WORDS = 200_000


def _long_cell(root: Path) -> list[str]:
    sentence = "After the breakup I kept busy and no contact helped me heal slowly. "
    cell = sentence * (LONG_CELL_WORDS // 13)
    return _write(root, "long_cell.csv", f'id,title,selftext,author\na1,Day one,"{cell}",u1\n')


def _check_long_cell(segs: pd.DataFrame, manifest: dict, out: Path) -> None:
    from discourse.config import SegmentConfig

    docs = pd.read_parquet(out / "documents.parquet")
    mine = _segments_of(segs, docs, "long_cell.csv")
    assert mine["n_words"].max() <= SegmentConfig().transcript_max_words
    # every word is kept (the title is its own 2 words at the start of the first window)
    assert mine["n_words"].sum() == LONG_CELL_WORDS // 13 * 13 + 2
    assert (mine["source_type"] == "post").all() and (mine["source_location"] == "line 2").all()
    entry = next(f for f in manifest["inputs"] if f["path"] == "long_cell.csv")
    assert entry["counts"]["long_cells"] == 1


NON_ENGLISH = (
    "Después de la ruptura dejé de hablar con él durante dos meses. Fue muy difícil, pero "
    "aprendí a cuidarme y a pasar tiempo con mis amigas. No sé si volveré a confiar en alguien.\n"
)

CASES = [
    Case("empty file", lambda r: _write(r, "empty.txt", b""), "quarantined", "empty"),
    Case(
        "whitespace-only file",
        lambda r: _write(r, "blank.txt", " \n\t\r\n   \n"),
        "quarantined",
        "whitespace",
    ),
    Case(
        "binary file with a text extension",
        lambda r: _write(r, "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40),
        "quarantined",
        "binary",
    ),
    Case(
        "gzip without an extension",
        lambda r: _write(r, "archive_no_ext", gzip.compress(POST.encode(), mtime=0)),
        "processed",
        check=_has_text("archive_no_ext", "best thing I did"),
    ),
    Case(
        "corrupt gzip",
        lambda r: _write(r, "broken.gz", gzip.compress(POST.encode(), mtime=0)[:30]),
        "quarantined",
        "gzip",
    ),
    Case(
        "Latin-1 text",
        lambda r: _write(
            r, "latin1.txt", ("Café au lait, naïve façade. " + POST).encode("latin-1")
        ),
        "processed",
        check=_has_text("latin1.txt", "Café au lait, naïve façade"),
    ),
    Case(
        "cp1252 text (curly quotes, dashes)",
        lambda r: _write(
            r, "cp1252.txt", ("\u201cI\u2019m done\u201d \u2014 she said. " + POST).encode("cp1252")
        ),
        "processed",
        check=_has_text("cp1252.txt", '"I\'m done" \u2014 she said'),
    ),
    Case(
        "UTF-16 with BOM",
        lambda r: _write(r, "utf16.txt", codecs.BOM_UTF16_LE + POST.encode("utf-16-le")),
        "processed",
        check=_has_text("utf16.txt", "best thing I did"),
    ),
    Case(
        "broken UTF-16 (odd byte count)",
        lambda r: _write(
            r, "utf16_broken.txt", (FIXTURES / "bad" / "broken_utf16.txt").read_bytes()
        ),
        "quarantined",
    ),
    Case(
        "mojibake (UTF-8 read as cp1252)",
        lambda r: _write(r, "mojibake.txt", "I\u00e2\u20ac\u2122m fine, really. " + POST),
        "processed",
        check=_has_text("mojibake.txt", "I'm fine, really"),  # repaired; quotes uncurled
    ),
    Case(
        "CRLF line endings",
        lambda r: _write(r, "crlf.txt", "Title line\r\n\r\n" + POST.replace("\n", "\r\n")),
        "processed",
        check=_has_text("crlf.txt", "best thing I did"),
    ),
    Case(
        "lone CR line endings (old Mac)",
        lambda r: _write(
            r,
            "cr.txt",
            (FIXTURES / "text" / "says_thread.txt")
            .read_text()
            .replace("\n", "\r")
            .replace("Maria", "Marta"),
        ),
        "processed",
        check=_has_text("cr.txt", "sixty days"),
    ),
    Case(
        "one 5 MB line",
        lambda r: _write(r, "one_line.txt", ("so anyway no contact helps you heal " * 140_000)),
        "processed",
        check=_has_text("one_line.txt", "no contact helps you heal"),
    ),
    Case(
        "100,000-comment thread (reply chain 100,000 deep)",
        _thread_100k,
        "processed",
        check=_check_thread,
    ),
    Case(
        "CSV with ragged rows",
        lambda r: _write(
            r,
            "ragged.csv",
            "id,title,selftext,author\n"
            f"a1,Day one,{POST.strip()},u1\n"
            "a2,Too,many,fields,here,u2\n"
            "a3,Day three,Still going strong.,u3\n",
        ),
        "partial",
        "fields",
        rows_quarantined=1,
    ),
    Case(
        "CSV with embedded newlines in quoted fields",
        lambda r: _write(
            r,
            "newlines.csv",
            'id,title,selftext,author\na1,Day one,"First line.\nSecond line, no contact.",u1\n',
        ),
        "processed",
        check=_has_text("newlines.csv", "First line.\nSecond line"),
    ),
    Case(
        "CSV with a semicolon delimiter",
        lambda r: _write(
            r, "semicolon.csv", f"id;title;selftext;author\na1;Day one;{POST.strip()};u1\n"
        ),
        "processed",
        check=_has_text("semicolon.csv", "best thing I did"),
    ),
    Case(
        "TSV saved as .csv",
        lambda r: _write(
            r, "tabs.csv", f"id\ttitle\tselftext\tauthor\na1\tDay one\t{POST.strip()}\tu1\n"
        ),
        "processed",
        check=_has_text("tabs.csv", "best thing I did"),
    ),
    Case(
        "CSV without any text column",
        lambda r: _write(r, "no_text.csv", "id,score,flair\n1,3,x\n2,5,y\n"),
        "quarantined",
        "column",
    ),
    Case(
        "CSV with unexpected extra columns",
        lambda r: _write(
            r,
            "extra_cols.csv",
            f"id,title,selftext,author,mood,weather\na1,Day one,{POST.strip()},u1,sad,rain\n",
        ),
        "processed",
        check=_has_text("extra_cols.csv", "best thing I did"),
    ),
    Case(
        "JSONL with one broken line",
        lambda r: _write(
            r,
            "posts.jsonl",
            json.dumps({"id": "p1", "selftext": POST, "author": "u1"})
            + "\n{not json at all\n"
            + json.dumps({"id": "p2", "selftext": "Day two of no contact.", "author": "u2"})
            + "\n",
        ),
        "partial",
        rows_quarantined=1,
        check=_has_text("posts.jsonl", "Day two of no contact"),
    ),
    Case(
        "duplicate file (same bytes)",
        _duplicate_files,
        "skipped",
        "duplicate",
        check=_check_duplicate,
    ),
    Case("unreadable file (no permission)", _unreadable, "quarantined", "read"),
    Case("symlink loop", _symlink_loop, "skipped", "symlink"),
    Case(
        "symlink loop, symlinks followed",
        _symlink_loop,
        "skipped",
        "loop",
        config={"ingest": {"follow_symlinks": True}},
    ),
    Case(
        "non-English text",
        lambda r: _write(r, "spanish.txt", NON_ENGLISH),
        "processed",
        check=_check_spanish,
    ),
    Case(
        "file name that is not valid UTF-8",
        _undecodable_name,
        "processed",
        check=_check_undecodable,
    ),
    Case(
        "HTML: 400 unclosed forum posts (nested 400 deep)",
        lambda r: _write(r, "forum.html", _forum_posts(400)),
        "processed",
        check=_check_posts("forum.html", 400),
    ),
    Case(
        "HTML: 3,000 unclosed forum posts (deeper than libxml2's 2048 levels)",
        lambda r: _write(r, "forum_deep.html", _forum_posts(3000)),
        "processed",
        check=_check_posts("forum_deep.html", 3000),
    ),
    Case(
        "HTML: text under 100,000 nested divs",
        _deep_divs,
        "processed",
        check=_has_text("deep_divs.html", DEEP_TEXT),
    ),
    Case(
        "gzip bomb (unpacks past ingest.max_file_mb)",
        _gzip_bomb,
        "quarantined",
        "decompressed size is above ingest.max_file_mb",
        config={"ingest": {"max_file_mb": 5}},
    ),
    Case(
        "CSV with one 200,000-word cell",
        _long_cell,
        "processed",
        check=_check_long_cell,
    ),
    Case(
        "JSONL with one line nested 10,000 deep",
        _jsonl_deep_line,
        "partial",
        "nested 10001 levels deep",
        rows_quarantined=1,
        check=_check_deep_jsonl,
    ),
    Case(
        "SRT cue whose number is not a number",
        lambda r: _write(r, "bad_number.srt", SRT_BAD_NUMBER),
        "processed",
        check=_check_srt,
    ),
    Case(
        "Reddit NDJSON saved as .md",
        lambda r: _write(r, "reddit_dump.md", REDDIT_NDJSON),
        "processed",
        check=_check_ndjson_md,
    ),
]


@pytest.fixture(scope="module")
def control_segments(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("control") / "raw"
    (root / "control").mkdir(parents=True)
    shutil.copy(FIXTURES / "text" / "says_thread.txt", root / CONTROL)
    out = root.parent / "out"
    cfg = _config()
    run(root, out, cfg)
    return pd.read_parquet(out / "segments.parquet")["text"].tolist()


def _config(overrides: dict | None = None) -> PipelineConfig:
    from _paths import TEST_SALT

    cfg = PipelineConfig.model_validate(overrides or {})
    cfg.privacy.salt = TEST_SALT
    cfg.label.enabled = False
    cfg.topics.enabled = False
    cfg.analysis.enabled = False
    return cfg


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(
    case: Case, tmp_path: Path, control_segments: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if case.name.startswith("unreadable") and os.geteuid() == 0:
        # root reads files whatever their mode: make the read fail the way it would for a user
        real = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "locked.txt":
                raise PermissionError(13, "Permission denied")
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    root = tmp_path / "raw"
    (root / "control").mkdir(parents=True)
    shutil.copy(FIXTURES / "text" / "says_thread.txt", root / CONTROL)
    paths = case.build(root)
    out = tmp_path / "out"
    result = run(root, out, _config(case.config))
    manifest = json.loads((out / "manifest.json").read_text())
    by_path = {f["path"]: f for f in manifest["inputs"]}

    # the case: expected status and reason
    for rel in paths:
        entry = by_path[rel]
        assert entry["status"] == case.status, entry
        if case.reason:
            assert case.reason in entry.get("reason", "") or any(
                case.reason in q.reason for q in result.quarantine if q.path == rel
            ), entry
        if case.status in ("quarantined", "partial"):
            assert any(q.path == rel for q in result.quarantine)
        if case.rows_quarantined is not None:
            assert entry["counts"]["rows_quarantined"] == case.rows_quarantined
    segs = pd.read_parquet(out / "segments.parquet")
    docs = pd.read_parquet(out / "documents.parquet")
    if case.check:
        case.check(segs, manifest, out)

    # the rest of the run is unaffected
    assert by_path[CONTROL]["status"] == "processed"
    assert _segments_of(segs, docs, CONTROL)["text"].tolist() == control_segments

    # every file on disk (and every symlink) is in the manifest, once
    on_disk = sorted(
        display_name(str(p.relative_to(root)))
        for p in root.rglob("*")
        if p.is_symlink() or p.is_file()
    )
    assert sorted(by_path) == on_disk
    assert len(manifest["inputs"]) == len(by_path)
    assert manifest["quarantined"] == len(result.quarantine)
    assert sum(manifest["summary"]["files"].values()) == manifest["summary"]["files_total"]
