"""Round 5 of the hand-coded data: 150 more real units from the bundled text, double-coded.

Issue 16 asks for at least 150 more real units wherever real text is bundled. Every segment of
the five seed documents was coded in round 1, so round 5 draws from the Reddit posts (the
bundled r/BreakUps snapshot and the four other subreddits in ``data/external``) that no earlier
round sampled: posts of 20 to 1,500 words, not boilerplate or duplicate, that talk about an ex
or a breakup, with a keyword filter aimed at the rare stances (getting an ex back, making them
miss you, games, rules, one's own choice, "not for everyone", staying friends).
Every post matching it is taken (``rare_keyword``; 90 posts), and the rest of the 150 are drawn
at random from the other such posts about an ex or a breakup (``ex_topic``). No labeler was run
to pick a unit. Every unit is coded by two independent coder sessions, and an adjudicator
decides where they differ.

Steps::

    export DISCOURSE_SALT=annotation
    discourse ingest --input data/raw --output /tmp/ann_run
    discourse ingest --input data/external --output /tmp/ann_ext
    python scripts/add_round5.py sample /tmp/ann_run /tmp/ann_ext --out /tmp/round5
    # coders: /tmp/round5/coder_<X>/codings.csv; adjudicator: /tmp/round5/adjudicator/
    python scripts/add_round5.py merge --work /tmp/round5

``merge`` appends to ``units.csv``, ``codings.csv``, ``adjudication.csv`` and ``splits.csv``
(round 5 is split on its own, stratified by stance, so no earlier unit moves). It refuses to run
twice.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pandas as pd

from discourse.annotations import make_splits

ROOT = Path(__file__).resolve().parents[1]
ANN = ROOT / "data" / "annotations"
THEMES = ["shame", "abandonment", "regret"]
CODES = ["stance", *THEMES]
SEED = 20261207
N_UNITS = 150
#: the coder sessions: primary coders P5a-P5c split the units in three, second coders S5a-S5c
#: re-code the same three batches independently (every unit double-coded)
PRIMARY = {"P5a": "W", "P5b": "X", "P5c": "Y"}
SECOND = {"S5a": "Z", "S5b": "AA", "S5c": "AB"}

EX_TOPIC = re.compile(
    r"\bex\b|\bexes\b|\bex-|broke up|break ?up|breakup|dumped|no contact|\bnc\b", re.IGNORECASE
)
RARE = re.compile(
    r"(?:get|win|want|getting|winning) (?:him|her|them|my ex|your ex|an ex|it) back|"
    r"miss (?:me|you)\b|make (?:him|her|them) (?:miss|jealous|want|regret)|jealous|"
    r"\bgames?\b|\brules?\b|my (?:own )?(?:choice|decision|terms)|your (?:own )?(?:choice|call)|"
    r"(?:not|isn't|doesn't) (?:work )?for everyone|feels? right|trust (?:my|your) gut|"
    r"(?:stay|staying|be|remain) friends|friends with (?:my|an|your|her|his) ex|"
    r"up to you|your own (?:judg|heart|pace)",
    re.IGNORECASE,
)


def _legacy_ids(folder: Path) -> pd.DataFrame:
    """The run's segments with ``segment_id``/``doc_id`` in the form earlier rounds used
    (``<file>:<post id>#<nnnn>``), which does not depend on the privacy salt."""
    segs = pd.read_parquet(folder / "segments.parquet")
    docs = pd.read_parquet(folder / "documents.parquet", columns=["doc_id", "path", "url"])
    post = docs.url.str.extract(r"/comments/([^/]+)/", expand=False)
    legacy = dict(zip(docs.doc_id, docs.path + ":" + post))
    suffix = segs.segment_id.str.split("#").str[1]
    segs = segs.assign(doc_id=segs.doc_id.map(legacy))
    segs = segs.assign(segment_id=segs.doc_id + "#" + suffix)
    return segs[segs.doc_id.notna()]


def sample(run_dir: Path, external_dir: Path, out: Path) -> pd.DataFrame:
    """Draw round 5 and write the coders' folders under ``out``."""
    coded = set(pd.read_csv(ANN / "units.csv", usecols=["unit_id"]).unit_id)
    frames = []
    for folder in (run_dir, external_dir):
        segs = _legacy_ids(folder)
        frames.append(
            segs[
                (segs.source_type == "post")
                & ~segs.boilerplate
                & segs.n_words.between(20, 1500)
                & segs.duplicate_of.isna()
                & ~segs.segment_id.isin(coded)
                & segs.text.str.contains(EX_TOPIC)
            ]
        )
    pool = pd.concat(frames).sort_values("segment_id").reset_index(drop=True)
    rare = pool[pool.text.str.contains(RARE)]
    rare = rare.sample(min(N_UNITS, len(rare)), random_state=SEED).assign(sampling="rare_keyword")
    rest = pool[~pool.segment_id.isin(rare.segment_id)]
    rest = rest.sample(N_UNITS - len(rare), random_state=SEED).assign(sampling="ex_topic")
    picked = pd.concat([rare, rest]).sample(frac=1.0, random_state=SEED)
    units = pd.DataFrame(
        {
            "unit_id": picked.segment_id,
            "round": 5,
            "doc_id": picked.doc_id,
            "source_type": picked.source_type,
            "sampling": picked.sampling,
            "text": picked.text,
        }
    ).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    units.to_csv(out / "units_round5.csv", index=False)
    batches = [units.iloc[i::3] for i in range(3)]
    for sessions in (PRIMARY, SECOND):
        for session, batch in zip(sessions, batches):
            folder = out / f"coder_{session}"
            folder.mkdir(exist_ok=True)
            (folder / "codebook.md").write_text(
                (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8"), encoding="utf-8"
            )
            lines = [
                json.dumps({"unit_id": u, "source_type": s, "text": t}, ensure_ascii=False)
                for u, s, t in zip(batch.unit_id, batch.source_type, batch.text)
            ]
            (folder / "units.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"pool {len(pool)} posts ({len(rare)} rare_keyword), drew {len(units)} -> {out}")
    return units


def _codings(work: Path, sessions: dict[str, str], role: str) -> pd.DataFrame:
    parts = []
    for session, letter in sessions.items():
        frame = pd.read_csv(
            work / f"coder_{session}" / "codings.csv", dtype={"unit_id": str}, keep_default_na=False
        )
        parts.append(frame.assign(coder=letter, role=role))
    out = pd.concat(parts, ignore_index=True)
    for t in THEMES:
        out[t] = out[t].astype(int)
    return out


def merge(work: Path) -> None:
    """Append round 5 to the annotation files (refuses to run twice)."""
    units = pd.read_csv(work / "units_round5.csv", dtype={"unit_id": str})
    old_units = pd.read_csv(ANN / "units.csv", dtype={"unit_id": str})
    if units.unit_id.isin(old_units.unit_id).any():
        raise SystemExit("round 5 is already in units.csv")
    primary = _codings(work, PRIMARY, "primary")
    second = _codings(work, SECOND, "second")
    for name, frame in (("primary", primary), ("second", second)):
        if sorted(frame.unit_id) != sorted(units.unit_id):
            raise SystemExit(f"{name} codings do not cover the round-5 units exactly once")
    cols = ["unit_id", "coder", "role", *CODES, "note"]
    both = primary.merge(second, on="unit_id", suffixes=("_1", "_2"))
    differ = both[[any(r[f"{c}_1"] != r[f"{c}_2"] for c in CODES) for _, r in both.iterrows()]]
    adj = pd.read_csv(work / "adjudicator" / "decisions.csv", dtype={"unit_id": str})
    if sorted(adj.unit_id) != sorted(differ.unit_id):
        raise SystemExit("the adjudicator's decisions do not cover the disagreements exactly")
    for t in THEMES:
        adj[t] = adj[t].astype(int)
    old_adj = pd.read_csv(ANN / "adjudication.csv", dtype={"unit_id": str}, keep_default_na=False)
    adj = adj.assign(adjudicator="adjudicator_r5")[
        [c for c in old_adj.columns if c in adj.columns or c == "adjudicator"]
    ]
    final = primary.set_index("unit_id")[CODES].copy()
    final.update(adj.set_index("unit_id")[CODES])
    gold = final.reset_index()
    splits = make_splits(gold, seed=SEED)
    pd.concat([old_units, units]).to_csv(ANN / "units.csv", index=False)
    old_codings = pd.read_csv(ANN / "codings.csv", dtype={"unit_id": str}, keep_default_na=False)
    pd.concat([old_codings, primary[cols], second[cols]]).to_csv(ANN / "codings.csv", index=False)
    pd.concat([old_adj, adj]).to_csv(ANN / "adjudication.csv", index=False)
    old_splits = pd.read_csv(ANN / "splits.csv", dtype={"unit_id": str})
    pd.concat([old_splits, splits]).to_csv(ANN / "splits.csv", index=False)
    print(
        f"round 5: {len(units)} units, {len(differ)} disagreements adjudicated; "
        f"stance {gold.stance.value_counts().to_dict()}; "
        f"splits {splits.split.value_counts().to_dict()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("run_dir", type=Path)
    s.add_argument("external_dir", type=Path)
    s.add_argument("--out", type=Path, default=Path("/tmp/round5"))
    m = sub.add_parser("merge")
    m.add_argument("--work", type=Path, default=Path("/tmp/round5"))
    args = ap.parse_args()
    if args.cmd == "sample":
        sample(args.run_dir, args.external_dir, args.out)
    else:
        merge(args.work)


if __name__ == "__main__":
    main()
