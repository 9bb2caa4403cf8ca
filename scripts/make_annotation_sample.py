"""Draw the hand-coding sample from a pipeline run over the bundled corpus (seeded, reproducible).

Usage::

    discourse ingest --input data/raw --output /tmp/ann_run   # with privacy.salt = "annotation"
    python scripts/make_annotation_sample.py /tmp/ann_run data/annotations/units.csv

Round 1: every segment of the five seed documents (boilerplate included: it is part of what a
labeler meets), plus 300 r/BreakUps posts of at most 800 words: 180 drawn from posts that
mention contact (a keyword filter on the text, no labeler involved) and 120 from the rest.

Round 2 (enrichment, drawn after round 1 showed strategic and autonomy-first at about 5% each):
every remaining post of at most 800 words that matches a second keyword filter aimed at those
stances (getting an ex back, being missed, "the rule", breaking no contact, games, "my choice",
"do what feels right"). Order is shuffled with the seed in each round.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

SEED = 20261121
CONTACT = re.compile(
    r"no contact|\bnc\b|contact|text(?:ed|ing)? (?:him|her)|get (?:him|her|them|my ex) back|"
    r"back together|reach(?:ed)? out|ignor|block",
    re.IGNORECASE,
)
ENRICH = re.compile(
    r"(?:get|win|want) (?:him|her|them|my ex|your ex|an ex) back|miss(?:es)? (?:me|you)|"
    r"back together|no contact rule|\brules?\b|break(?:ing)? (?:nc|no contact)|"
    r"broke (?:nc|no contact)|"
    r"reach(?:ed)? out|\bnc\b|jealous|attract|game|my choice|feels right|do what",
    re.IGNORECASE,
)


def main(run_dir: str, out: str) -> None:
    segs = pd.read_parquet(Path(run_dir) / "segments.parquet")
    seeds = segs[segs.doc_id.str.startswith("seeds/")]
    posts = segs[(segs.source_type == "post") & (segs.n_words <= 800)]
    mention = posts.text.str.contains(CONTACT)
    picked = pd.concat(
        [
            seeds,
            posts[mention].sample(180, random_state=SEED),
            posts[~mention].sample(120, random_state=SEED),
        ]
    )
    picked = picked.sample(frac=1.0, random_state=SEED)
    is_post = (segs.source_type == "post") & (segs.n_words <= 800)
    rest = segs[is_post & ~segs.segment_id.isin(picked.segment_id)]
    round2 = rest[rest.text.str.contains(ENRICH)].sample(frac=1.0, random_state=SEED)
    units = pd.concat([_frame(picked, 1), _frame(round2, 2)])
    units.to_csv(out, index=False)
    print(f"{len(units)} units -> {out}")


def _frame(picked: pd.DataFrame, round_no: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": picked.segment_id,
            "round": round_no,
            "doc_id": picked.doc_id,
            "source_type": picked.source_type,
            "sampling": [
                "enrichment_keyword"
                if round_no == 2
                else "seed"
                if d.startswith("seeds/")
                else ("contact_keyword" if CONTACT.search(t) else "random")
                for d, t in zip(picked.doc_id, picked.text)
            ],
            "text": picked.text,
        }
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
