"""Draw the hand-coding sample from a pipeline run over the bundled corpus (seeded, reproducible).

Usage::

    export DISCOURSE_SALT=annotation   # the salt the units were pseudonymised with
    discourse ingest --input data/raw --output /tmp/ann_run
    discourse ingest --input data/external --output /tmp/ann_ext
    python scripts/make_annotation_sample.py /tmp/ann_run data/annotations/units.csv /tmp/ann_ext

Round 1: every segment of the five seed documents (boilerplate included: it is part of what a
labeler meets), plus 300 r/BreakUps posts of at most 800 words: 180 drawn from posts that
mention contact (a keyword filter on the text, no labeler involved) and 120 from the rest.

Round 2 (enrichment, drawn after round 1 showed strategic and autonomy-first at about 5% each):
every remaining post of at most 800 words that matches a second keyword filter aimed at those
stances (getting an ex back, being missed, "the rule", breaking no contact, games, "my choice",
"do what feels right"). Order is shuffled with the seed in each round.

Round 3 (drawn after the round-1/2 test split held only 4 strategic and 3 autonomy-first
units, and to measure the labelers beyond r/BreakUps): 180 posts from the four other
subreddits of the same snapshot (data/external/reddit-top-2013: relationships,
relationship_advice, dating_advice, LongDistance), 20 to 1,500 words, not boilerplate, that
talk about an ex or a breakup (EX_TOPIC) and about contact (CONTACT or ENRICH): every post
matching all three filters, the rest drawn at random from those matching EX_TOPIC and one of the
two; plus 50 r/BreakUps posts of 801 to 1,500 words that mention contact (the long posts rounds
1-2 left out). Keyword filters only; no labeler was run to pick a unit.
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
EX_TOPIC = re.compile(
    r"\bex\b|\bexes\b|\bex-|broke up|break ?up|breakup|dumped|no contact|\bnc\b", re.IGNORECASE
)
ROUND3_EXTERNAL = 180
ROUND3_LONG = 50


def main(run_dir: str, out: str, external_run_dir: str | None = None) -> None:
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
    frames = [_frame(picked, 1), _frame(round2, 2)]
    if external_run_dir is not None:
        frames.append(_round3(segs, pd.read_parquet(Path(external_run_dir) / "segments.parquet")))
    units = pd.concat(frames)
    units.to_csv(out, index=False)
    print(f"{len(units)} units -> {out}")


def _round3(segs: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    ext = external[
        (external.source_type == "post")
        & ~external.boilerplate
        & external.n_words.between(20, 1500)
        & external.text.str.contains(EX_TOPIC)
    ]
    contact, enrich = ext.text.str.contains(CONTACT), ext.text.str.contains(ENRICH)
    core = ext[contact & enrich]
    rest = ext[(contact | enrich) & ~(contact & enrich)]
    ext_pick = pd.concat(
        [core, rest.sample(ROUND3_EXTERNAL - len(core), random_state=SEED)]
    ).assign(sampling="external_keyword")
    long_posts = segs[
        (segs.source_type == "post")
        & segs.n_words.between(801, 1500)
        & segs.text.str.contains(CONTACT)
    ]
    long_pick = long_posts.sample(ROUND3_LONG, random_state=SEED).assign(sampling="long_post")
    picked = pd.concat([ext_pick, long_pick]).sample(frac=1.0, random_state=SEED)
    return _frame(picked, 3)


def _frame(picked: pd.DataFrame, round_no: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": picked.segment_id,
            "round": round_no,
            "doc_id": picked.doc_id,
            "source_type": picked.source_type,
            "sampling": list(picked.sampling)
            if "sampling" in picked
            else [
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
    main(*sys.argv[1:4])
