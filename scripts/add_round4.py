"""Add round 4 to the hand-coded data: synthetic advice-genre units and the boundary-case review.

How round 4 was made (data/annotations/README.md has the protocol): four writer sessions wrote
original units in the genres the toolkit is for (``/tmp/round4/writer_W*/units.jsonl``, their
intended codes in ``intent.csv``, never shown to coders); four primary coders (P1-P4) coded all
of them and two second coders (S1, S2) a seeded random 200, each seeing only the research
codebook and its own units; an adjudicator decided where the two codings differed. Separately,
one coder (R1) re-coded under the codebook's new "Boundary cases" section the earlier units that
``scripts/select_boundary_review.py`` selects, and an adjudicator decided where that re-coding
and the existing gold label differed.

This script turns those session outputs into rows of ``units.csv``, ``codings.csv``,
``adjudication.csv`` and ``splits.csv`` (synthetic units: train / dev / test-synthetic, drawn with
their own seed, so no earlier unit moves and the real test split stays real), plus
``round4_writer_intent.csv``. It refuses to run twice.

Usage: ``python scripts/add_round4.py [--writers /tmp/round4] [--coding /tmp/coding]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from discourse.annotations import make_splits

ROOT = Path(__file__).resolve().parents[1]
ANN = ROOT / "data" / "annotations"
THEMES = ["shame", "abandonment", "regret"]
CODE_COLS = ["stance", *THEMES]
SOURCE_TYPE = {
    "article": "article",
    "listicle": "article",
    "coaching": "article",
    "newsletter": "article",
    "transcript": "transcript",
    "podcast": "transcript",
    "comment": "comment",
    "author_reply": "comment",
    "forum_reply": "comment",
}
# coder sessions -> coder letters (rounds 1-3 used A-O)
LETTERS = {"P1": "P", "P2": "Q", "P3": "R", "P4": "S", "S1": "T", "S2": "U", "R1": "V"}
SPLIT_SEED = 20261206


def _read_codings(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"unit_id": str}, keep_default_na=False)
    for t in THEMES:
        frame[t] = frame[t].astype(int)
    return frame


def _units(writers: Path) -> pd.DataFrame:
    rows = []
    for folder in sorted(writers.glob("writer_W*")):
        for line in (folder / "units.jsonl").read_text(encoding="utf-8").splitlines():
            u = json.loads(line)
            rows.append(
                {
                    "unit_id": u["unit_id"],
                    "round": 4,
                    "doc_id": f"synthetic/{folder.name.removeprefix('writer_')}",
                    "source_type": SOURCE_TYPE[u["genre"]],
                    "sampling": f"synthetic:{u['genre']}",
                    "text": u["text"],
                }
            )
    return pd.DataFrame(rows)


def _intent(writers: Path) -> pd.DataFrame:
    frames = [pd.read_csv(f / "intent.csv", dtype=str) for f in sorted(writers.glob("writer_W*"))]
    return pd.concat(frames, ignore_index=True).fillna("")


def _round4_codings(coding: Path) -> pd.DataFrame:
    rows = []
    for session, role in [("P1", "primary"), ("P2", "primary"), ("P3", "primary"),
                          ("P4", "primary"), ("S1", "second"), ("S2", "second")]:  # fmt: skip
        frame = _read_codings(coding / f"r4_{session}" / "codings.csv")
        frame.insert(1, "coder", LETTERS[session])
        frame.insert(2, "role", role)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def _adjudication(path: Path, adjudicator: str) -> pd.DataFrame:
    frame = _read_codings(path)
    frame["adjudicator"] = adjudicator
    return frame[["unit_id", *CODE_COLS, "adjudicator", "note"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=Path, default=Path("/tmp/round4"))
    ap.add_argument("--coding", type=Path, default=Path("/tmp/coding"))
    args = ap.parse_args()

    units = pd.read_csv(ANN / "units.csv", dtype={"unit_id": str})
    if (units["round"] == 4).any():
        raise SystemExit("round 4 is already in units.csv")
    codings = pd.read_csv(ANN / "codings.csv", dtype={"unit_id": str}, keep_default_na=False)
    adjudication = pd.read_csv(ANN / "adjudication.csv", dtype={"unit_id": str})
    splits = pd.read_csv(ANN / "splits.csv", dtype={"unit_id": str})

    new_units = _units(args.writers)
    new_codings = _round4_codings(args.coding)
    assert set(new_codings[new_codings.role == "primary"].unit_id) == set(new_units.unit_id)

    # boundary-case review of earlier units: the re-coding is kept as role "review"
    review = _read_codings(args.coding / "review_R1" / "codings.csv")
    review.insert(1, "coder", LETTERS["R1"])
    review.insert(2, "role", "review")

    # adjudications: round-4 double codings, and the boundary review where it differed from the
    # gold label; a boundary adjudication replaces an earlier adjudication of the same unit,
    # which is kept in adjudication_superseded.csv
    adj_r4 = _adjudication(args.coding / "adjud_r4" / "adjudication.csv", "adjudicator_r4")
    adj_b = _adjudication(args.coding / "adjud_B1" / "adjudication.csv", "adjudicator_boundary")
    superseded = adjudication[adjudication.unit_id.isin(adj_b.unit_id)]
    if len(superseded):
        superseded.to_csv(ANN / "adjudication_superseded.csv", index=False)
    adjudication = pd.concat(
        [adjudication[~adjudication.unit_id.isin(adj_b.unit_id)], adj_b, adj_r4],
        ignore_index=True,
    )

    # splits for the synthetic units, by the gold stance (primary, or adjudicated)
    gold = new_codings[new_codings.role == "primary"].set_index("unit_id")[CODE_COLS].copy()
    adj_idx = adj_r4.set_index("unit_id")[CODE_COLS]
    gold.loc[adj_idx.index, CODE_COLS] = adj_idx
    new_splits = make_splits(gold.reset_index(), seed=SPLIT_SEED)
    new_splits["split"] = new_splits["split"].replace({"test": "test-synthetic"})

    pd.concat([units, new_units], ignore_index=True).to_csv(ANN / "units.csv", index=False)
    pd.concat([codings, new_codings, review], ignore_index=True).to_csv(
        ANN / "codings.csv", index=False
    )
    adjudication.to_csv(ANN / "adjudication.csv", index=False)
    pd.concat([splits, new_splits], ignore_index=True).to_csv(ANN / "splits.csv", index=False)
    _intent(args.writers).to_csv(ANN / "round4_writer_intent.csv", index=False)
    print(
        f"added {len(new_units)} synthetic units, {len(review)} boundary re-codings, "
        f"{len(adj_r4)} + {len(adj_b)} adjudications ({len(superseded)} earlier ones superseded)"
    )
    print(new_splits.split.value_counts().to_string())


if __name__ == "__main__":
    main()
