"""Synthetic scale corpora for the throughput benchmarks, resampled from real sentences.

Usage::

    .venv/bin/python benchmarks/make_corpus.py --segments 100000 --seed 13 --out /tmp/corpus-100k

The bundled corpus (``data/raw``) is split into sentences and the sentences are drawn again,
with replacement, into new inputs with the shape of a real collection:

* ``reddit/submissions/RS_0000.csv``, ...: Reddit posts in the bundled CSV's columns (plus
  ``author``), title + 1-4 paragraphs of selftext; about 12% of the segments;
* ``reddit/comments/RC_0000.jsonl``, ...: Pushshift-style comments (``link_id``, ``parent_id``,
  replies to replies) of those posts, about 78% of the segments; ~1% are ``[deleted]`` rows,
  which the pipeline quarantines;
* ``transcripts/000/t_000000.txt``, ...: ~1,400-2,600-word ASR-like transcripts on one line
  (about 5% of the segments, 80-150-word windows);
* ``articles/000/a_000000.txt`` and ``.html``: advice articles of 45-180-word paragraphs; the
  HTML pages carry WordPress-style comment threads (about 5% of the segments).

Tables hold ``--rows-per-file`` rows each (10,000 by default; a comment file is closed at a
thread boundary), so a corpus can be read in chunks. Rows are streamed to their files: memory
stays at the size of the sentence pools (a few MB) whatever ``--segments`` is.

Where the sentences come from: Reddit sentences (titles, selftext, markdown kept) from the raw
``reddit/BreakUps.csv``; transcript, article and comment sentences from the seed documents
after the pipeline's own ingest, cleaning and pseudonymisation (so commenter names in the seeds
never reach a synthetic file). Usernames are synthetic. The output is deterministic for a given
``--seed``, ``--segments``, ``--rows-per-file`` and source folder. ``PROVENANCE.md`` in the
output says all this; ``.corpus_stats.json`` holds the counts (both are skipped by the
pipeline's default ``ingest.exclude``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENERATOR_VERSION = "1"
SHARES = {"post": 0.12, "comment": 0.78, "transcript": 0.05, "article": 0.05}
REDDIT_COLUMNS = [
    "created_utc",
    "score",
    "domain",
    "id",
    "title",
    "ups",
    "downs",
    "num_comments",
    "permalink",
    "selftext",
    "link_flair_text",
    "over_18",
    "thumbnail",
    "subreddit_id",
    "edited",
    "link_flair_css_class",
    "author_flair_css_class",
    "is_self",
    "name",
    "url",
    "distinguished",
    "author",
]
SUBREDDITS = ["BreakUps", "BreakUps", "BreakUps", "relationship_advice", "ExNoContact"]
T_START, T_END = 1_230_768_000, 1_704_067_200  # 2009-01-01 .. 2024-01-01 (UTC)
TRANSCRIPT_WORDS_PER_SEGMENT = 115  # the segmenter's 80-150-word windows, on average


# -- sentence pools -----------------------------------------------------------------------------


@dataclass
class Pools:
    """Real sentences by origin, and Reddit titles."""

    reddit: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    article: list[str] = field(default_factory=list)
    comment: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # path -> sha256

    def sizes(self) -> dict[str, int]:
        names = ("reddit", "titles", "transcript", "article", "comment")
        return {k: len(getattr(self, k)) for k in names}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _keep(sentence: str) -> bool:
    s = sentence.strip()
    return len(s.split()) >= 3 and "http" not in s and len(s) <= 600


def load_pools(source: Path) -> Pools:
    """Split the bundled corpus into sentence pools (see the module docstring)."""
    from discourse.config import PipelineConfig
    from discourse.ingest.text import paragraphs
    from discourse.pipeline import build_tables, ingest_corpus
    from discourse.privacy import Pseudonymiser
    from discourse.segment.sentences import restore_asr_boundaries, split_sentences

    pools = Pools()
    csv.field_size_limit(2**31 - 1)
    for path in sorted(source.rglob("*.csv")):
        pools.sources[str(path.relative_to(source))] = _sha256(path)
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                title = (row.get("title") or "").strip()
                if title and len(title.split()) <= 25:
                    pools.titles.append(title)
                for para in paragraphs((row.get("selftext") or "").replace("\r\n", "\n")):
                    pools.reddit.extend(s for s in split_sentences(para) if _keep(s))
    seeds = source / "seeds"
    if seeds.is_dir():
        cfg = PipelineConfig()
        cfg.privacy.salt = "make-corpus"
        for path in sorted(seeds.iterdir()):
            if path.is_file():
                pools.sources[str(path.relative_to(source))] = _sha256(path)
        ingested = ingest_corpus(seeds, cfg)
        _, segments, _ = build_tables(ingested, cfg, Pseudonymiser("make-corpus", cfg.privacy))
        for text, kind, boiler in zip(
            segments.column("text").to_pylist(),
            segments.column("source_type").to_pylist(),
            segments.column("boilerplate").to_pylist(),
        ):
            if boiler:
                continue
            if kind == "transcript":
                pools.transcript.extend(
                    text[a:b].strip() for a, b in restore_asr_boundaries(text) if _keep(text[a:b])
                )
            else:
                target = pools.comment if kind == "comment" else pools.article
                for para in paragraphs(text):
                    target.extend(s for s in split_sentences(para) if _keep(s))
    if not pools.reddit or not pools.titles:
        raise SystemExit(f"no Reddit sentences found under {source} (need a Reddit CSV)")
    # a tiny source folder still works: empty pools borrow the Reddit sentences
    for name in ("transcript", "article", "comment"):
        if not getattr(pools, name):
            setattr(pools, name, pools.reddit)
    return pools


# -- writers ------------------------------------------------------------------------------------


class RotatingTable:
    """Rows streamed into numbered files of at most ``rows_per_file`` rows."""

    def __init__(self, folder: Path, prefix: str, suffix: str, rows_per_file: int) -> None:
        self.folder, self.prefix, self.suffix = folder, prefix, suffix
        self.rows_per_file = rows_per_file
        self.index = -1
        self.in_file = 0
        self.files = 0
        self.rows = 0
        self.fh: Any = None
        self.writer: Any = None
        folder.mkdir(parents=True, exist_ok=True)

    def _open(self) -> None:
        self.close()
        self.index += 1
        self.files += 1
        path = self.folder / f"{self.prefix}_{self.index:04d}{self.suffix}"
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.in_file = 0
        if self.suffix == ".csv":
            self.writer = csv.writer(self.fh, lineterminator="\n")
            self.writer.writerow(REDDIT_COLUMNS)

    def maybe_rotate(self, upcoming: int = 1) -> None:
        """Start a new file unless ``upcoming`` more rows fit (an empty file takes any)."""
        if self.fh is None or (self.in_file and self.in_file + upcoming > self.rows_per_file):
            self._open()

    def write(self, row: dict[str, Any] | list[Any]) -> None:
        if self.fh is None:
            self._open()
        if self.suffix == ".csv":
            self.writer.writerow(row)
        else:
            self.fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.in_file += 1
        self.rows += 1

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def _base36(n: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = chars[r] + out
        if not n:
            return out


class Generator:
    """Draws documents from the pools with one seeded random stream."""

    def __init__(self, pools: Pools, seed: int, n_users: int) -> None:
        self.p = pools
        self.rng = random.Random(seed)
        self.n_users = n_users
        self.words = 0

    # sentences ------------------------------------------------------------------------------
    def _mixed(self, pairs: list[tuple[list[str], float]]) -> str:
        r = self.rng.random()
        for pool, weight in pairs:
            if r < weight:
                return self.rng.choice(pool)
            r -= weight
        return self.rng.choice(pairs[-1][0])

    def sentences(self, n: int, pairs: list[tuple[list[str], float]]) -> list[str]:
        return [self._mixed(pairs) for _ in range(n)]

    def paragraph(self, min_words: int, max_words: int, pairs: list[tuple[list[str], float]]):
        target = self.rng.randint(min_words, max_words)
        out: list[str] = []
        words = 0
        while words < target:
            s = self._mixed(pairs)
            if out and words + len(s.split()) > max_words:
                if words >= min_words:
                    break
                continue
            out.append(s)
            words += len(s.split())
        return " ".join(out)

    def user(self) -> str:
        u = self.rng.randrange(self.n_users)
        return f"user_{hashlib.blake2s(str(u).encode(), digest_size=4).hexdigest()}"

    def timestamp(self, low: int = T_START, high: int = T_END) -> int:
        return self.rng.randrange(low, high)

    # documents ------------------------------------------------------------------------------
    def post(self, n: int, sub: str) -> tuple[str, list[Any], int]:
        rng = self.rng
        sid = "s" + _base36(n)
        title = rng.choice(self.p.titles)
        if rng.random() < 0.03:
            selftext = ""
        else:
            paras = []
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
                k = rng.choice([1, 2, 3, 3, 4, 5])
                paras.append(" ".join(self.sentences(k, [(self.p.reddit, 1.0)])))
            selftext = "\n\n".join(paras)
        created = self.timestamp()
        score = int(rng.paretovariate(1.2))
        slug = "_".join(title.lower().split()[:6])
        slug = "".join(c for c in slug if c.isalnum() or c == "_")[:50]
        permalink = f"http://www.reddit.com/r/{sub}/comments/{sid}/{slug}/"
        row = [
            f"{created}.0",
            score,
            f"self.{sub}",
            sid,
            title,
            score,
            0,
            0,
            permalink,
            selftext,
            "",
            "False",
            "",
            "t5_2qh4n",
            "False",
            "",
            "",
            "True",
            f"t3_{sid}",
            permalink,
            "",
            "",  # author, filled by the caller
        ]
        return sid, row, created

    def comment_body(self) -> str:
        rng = self.rng
        k = rng.choices([1, 2, 3, 4, 5, 6, 8, 12], weights=[5, 30, 20, 15, 10, 8, 7, 5])[0]
        pools = [(self.p.reddit, 0.75), (self.p.comment, 0.15), (self.p.article, 0.10)]
        sents = self.sentences(k, pools)
        if k >= 5 and rng.random() < 0.5:  # a paragraph break in longer comments
            cut = rng.randint(1, k - 1)
            body = " ".join(sents[:cut]) + "\n\n" + " ".join(sents[cut:])
        else:
            body = " ".join(sents)
        self.words += len(body.split())
        return body

    def transcript(self) -> tuple[str, int]:
        rng = self.rng
        target = rng.randint(1400, 2600)
        out: list[str] = []
        words = 0
        while words < target:
            s = self._mixed([(self.p.transcript, 0.6), (self.p.article, 0.2), (self.p.reddit, 0.2)])
            if rng.random() < 0.5:  # ASR: the full stop is often lost
                s = s.rstrip(".!?")
            out.append(s)
            words += len(s.split())
        self.words += words
        return " ".join(out) + "\n", words

    def article_paragraphs(self) -> list[str]:
        n = self.rng.randint(5, 14)
        pairs = [(self.p.article, 0.7), (self.p.reddit, 0.3)]
        paras = [self.paragraph(45, 180, pairs) for _ in range(n)]
        self.words += sum(len(p.split()) for p in paras)
        return paras

    def article_title(self) -> str:
        for _ in range(50):
            t = self.rng.choice(self.p.titles).strip().rstrip(".,;:…")
            if 3 <= len(t.split()) <= 12:
                return t
        return "No contact after a breakup"


def _html_page(title: str, paras: list[str], comments: list[tuple[str, str, int, int | None]]):
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} | Synthetic Advice Blog</title>",
        '<meta name="author" content="Synthetic Author">',
        "</head><body>",
        '<header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>',
        f'<main><article class="post"><h1 class="entry-title">{esc(title)}</h1>',
        f'<div class="entry-content">\n{body}\n</div></article>',
    ]
    if comments:
        parts.append('<div id="comments" class="comments-area"><ol class="comment-list">')
        depth_open: list[int] = []
        for i, (author, text, ts, parent) in enumerate(comments):
            # a reply to the previous comment nests inside it; otherwise close back to top level
            if parent is not None and parent == i - 1:
                parts.append('<ol class="children">')
                depth_open.append(i)
            else:
                while depth_open:
                    parts.append("</li></ol>")
                    depth_open.pop()
                if i:
                    parts.append("</li>")
            date = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))
            parts.append(
                f'<li id="comment-{i + 1}" class="comment">'
                f'<article class="comment-body"><footer class="comment-meta">'
                f'<div class="comment-author vcard"><b class="fn">{esc(author)}</b></div>'
                f'<time datetime="{date}">{date[:10]}</time></footer>'
                f'<div class="comment-content"><p>{esc(text)}</p></div></article>'
            )
        while depth_open:
            parts.append("</li></ol>")
            depth_open.pop()
        parts.append("</li></ol></div>")
    parts.append("<footer><p>© Synthetic Advice Blog</p></footer></main></body></html>")
    return "\n".join(parts) + "\n"


# -- the corpus ---------------------------------------------------------------------------------


def make_corpus(
    n_segments: int, seed: int, out: Path, source: Path, rows_per_file: int = 10_000
) -> dict[str, Any]:
    """Write a corpus of about ``n_segments`` segments to ``out`` and return its statistics."""
    t0 = time.perf_counter()
    pools = load_pools(source)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    gen = Generator(pools, seed, n_users=max(500, n_segments // 4))
    rng = gen.rng
    target = {k: round(v * n_segments) for k, v in SHARES.items()}
    est = dict.fromkeys(SHARES, 0)
    subs = RotatingTable(out / "reddit" / "submissions", "RS", ".csv", rows_per_file)
    coms = RotatingTable(out / "reddit" / "comments", "RC", ".jsonl", rows_per_file)
    counts = {"deleted_comments": 0, "transcript_files": 0, "article_txt": 0, "article_html": 0}

    # Reddit: a thread at a time, posts and comments in proportion
    mean_comments = SHARES["comment"] / SHARES["post"]
    n_post = n_comment_ids = 0
    while est["post"] < target["post"] or est["comment"] < target["comment"]:
        sub = rng.choice(SUBREDDITS)
        sid, row, created = gen.post(n_post, sub)
        n_post += 1
        op = gen.user()
        row[-1] = op
        k = min(int(rng.expovariate(1 / mean_comments)), 500)
        if est["post"] >= target["post"]:
            k = max(k, 1)
        else:
            subs.maybe_rotate()
            subs.write(row)
            est["post"] += 1
            gen.words += len(row[4].split()) + len(row[9].split())
        k = min(k, max(target["comment"] - est["comment"], 0))
        if not k:
            continue
        coms.maybe_rotate(k)
        ids: list[str] = []
        t = created
        for _ in range(k):
            cid = "c" + _base36(n_comment_ids)
            n_comment_ids += 1
            t += int(rng.expovariate(1 / 3600)) + 1
            reply = bool(ids) and rng.random() < 0.55
            parent = "t1_" + rng.choice(ids[-20:]) if reply else "t3_" + sid
            author = op if (ids and rng.random() < 0.08) else gen.user()
            if rng.random() < 0.01:
                body, author = rng.choice(["[deleted]", "[removed]"]), "[deleted]"
                counts["deleted_comments"] += 1
            else:
                body = gen.comment_body()
                est["comment"] += 1
            coms.write(
                {
                    "id": cid,
                    "author": author,
                    "body": body,
                    "created_utc": t,
                    "parent_id": parent,
                    "link_id": "t3_" + sid,
                    "subreddit": sub,
                    "score": int(rng.paretovariate(1.5)),
                }
            )
            ids.append(cid)
    subs.close()
    coms.close()

    # transcripts
    i = 0
    while est["transcript"] < target["transcript"]:
        text, words = gen.transcript()
        folder = out / "transcripts" / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"t_{i:06d}.txt").write_text(text, encoding="utf-8")
        est["transcript"] += max(1, round(words / TRANSCRIPT_WORDS_PER_SEGMENT))
        counts["transcript_files"] += 1
        i += 1

    # articles: two in three plain text, one in three HTML with a comment thread
    i = 0
    while est["article"] < target["article"]:
        title = gen.article_title()
        paras = gen.article_paragraphs()
        folder = out / "articles" / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 3 == 2:
            comments = []
            ts = gen.timestamp()
            for j in range(rng.choice([0, 2, 4, 6, 8])):
                parent = j - 1 if j and rng.random() < 0.3 else None
                ts += int(rng.expovariate(1 / 86400)) + 60
                comments.append((gen.user(), gen.comment_body(), ts, parent))
            (folder / f"a_{i:06d}.html").write_text(
                _html_page(title, paras, comments), encoding="utf-8"
            )
            est["article"] += len(paras) + len(comments)
            counts["article_html"] += 1
        else:
            (folder / f"a_{i:06d}.txt").write_text(
                title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8"
            )
            est["article"] += len(paras)
            counts["article_txt"] += 1
        i += 1

    stats = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "requested_segments": n_segments,
        "estimated_segments": sum(est.values()),
        "estimated_segments_by_kind": est,
        "words": gen.words,
        "rows": {"submissions": subs.rows, "comments": coms.rows},
        "files": {
            "submission_csv": subs.files,
            "comment_jsonl": coms.files,
            "transcripts": counts["transcript_files"],
            "articles_txt": counts["article_txt"],
            "articles_html": counts["article_html"],
        },
        "deleted_comment_rows": counts["deleted_comments"],
        "rows_per_file": rows_per_file,
        "sentence_pools": pools.sizes(),
        "sources": pools.sources,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / ".corpus_stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    (out / "PROVENANCE.md").write_text(_provenance(stats, source), encoding="utf-8")
    return stats


def _provenance(stats: dict[str, Any], source: Path) -> str:
    src = "\n".join(f"    {sha}  {path}" for path, sha in sorted(stats["sources"].items()))
    return f"""# Synthetic benchmark corpus (resampled, not real data)

Made by `benchmarks/make_corpus.py` (generator version {stats["generator_version"]}) with
`--segments {stats["requested_segments"]} --seed {stats["seed"]}` from `{source}`.

Every sentence in these files is a real sentence of the bundled corpus, drawn again at random
(with replacement) and put together into posts, comments, transcripts and articles that never
existed. Usernames, ids, dates, scores and the blog's name are synthetic. Sentences from the seed
documents were taken after the pipeline's pseudonymisation, so no commenter name from them is
here. Use it for timing and memory benchmarks only: it is not a sample of any community and
says nothing about discourse.

- about {stats["estimated_segments"]:,} segments after segmentation (estimate; the run's
  manifest has the real count), {stats["words"]:,} words
- files: {stats["files"]}
- rows: {stats["rows"]} ({stats["deleted_comment_rows"]} `[deleted]`/`[removed]` comments,
  quarantined by the pipeline)
- sentence pools: {stats["sentence_pools"]}

Source files (SHA-256):

{src}
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segments", type=int, required=True, help="about this many segments")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, required=True, help="output folder (replaced)")
    ap.add_argument("--source", type=Path, default=Path("data/raw"), help="the bundled corpus")
    ap.add_argument("--rows-per-file", type=int, default=10_000)
    args = ap.parse_args(argv)
    if args.segments < 1:
        ap.error("--segments must be positive")
    stats = make_corpus(args.segments, args.seed, args.out, args.source, args.rows_per_file)
    print(
        f"{args.out}: ~{stats['estimated_segments']:,} segments, {stats['words']:,} words, "
        f"{sum(stats['files'].values()):,} files in {stats['seconds']} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
