"""Add round 6 to the hand-coded data: harder synthetic units in the advice genres.

How round 6 was made (data/annotations/README.md has the protocol): three writer sessions
(W5 forum posts and replies, W6 advice web pages: article sections, coaching pages, advice
columns, listicle items, W7 video and podcast transcript windows and comments) wrote 130
original units each from the research codebook and a brief asking for units as hard as real
text (the position in one clause of a longer unit, varied wording, caring-sounding strategy,
autonomy-first after the benefits of no contact, implicit themes). Their units were shuffled
and renamed (``r6-NNNN``) so that neither writer nor genre shows in an id; three primary coders
(P5-P7, 130 each) coded all 390 and two second coders (S3, S4) a seeded random 150, each seeing
only the codebook and its own units; an adjudicator decided the units where they differed.

Session outputs read: ``<writers>/writer_W{5,6,7}/{units.jsonl,intent.csv}``,
``<coding>/id_map.csv``, ``<coding>/coder_{P5,P6,P7,S3,S4}/codings.csv`` and
``<coding>/adjudicator_A6/adjudication.csv``. Writes rows of ``units.csv``, ``codings.csv``,
``adjudication.csv`` and ``splits.csv`` (train / dev / test-synthetic, own seed: no earlier unit
moves) and ``round6_writer_intent.csv``. It refuses to run twice.

Usage: ``python scripts/add_round6.py [--writers /tmp/round6] [--coding /tmp/coding6]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from shuffled_round import CODE_COLS, read_codings, writer_intent
from shuffled_round import units as units_of

from discourse.annotations import make_splits

ROOT = Path(__file__).resolve().parents[1]

ANN = ROOT / "data" / "annotations"
ROUND = 6
# coder sessions -> coder letters (rounds 1-5 used A-AB)
LETTERS = {"P5": "AC", "P6": "AD", "P7": "AE", "S3": "AF", "S4": "AG"}
ROLES = {"P5": "primary", "P6": "primary", "P7": "primary", "S3": "second", "S4": "second"}
SPLIT_SEED = 20261208


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=Path, default=Path("/tmp/round6"))
    ap.add_argument("--coding", type=Path, default=Path("/tmp/coding6"))
    args = ap.parse_args()

    units = pd.read_csv(ANN / "units.csv", dtype={"unit_id": str})
    if (units["round"] == ROUND).any():
        raise SystemExit(f"round {ROUND} is already in units.csv")
    codings = pd.read_csv(ANN / "codings.csv", dtype={"unit_id": str}, keep_default_na=False)
    adjudication = pd.read_csv(ANN / "adjudication.csv", dtype={"unit_id": str})
    splits = pd.read_csv(ANN / "splits.csv", dtype={"unit_id": str})
    id_map = pd.read_csv(args.coding / "id_map.csv", dtype=str)

    new_units = units_of(args.writers, id_map, ROUND)
    frames = []
    for session, letter in LETTERS.items():
        frame = read_codings(args.coding / f"coder_{session}" / "codings.csv", ROUND)
        frame.insert(1, "coder", letter)
        frame.insert(2, "role", ROLES[session])
        frames.append(frame)
    new_codings = pd.concat(frames, ignore_index=True)
    primary = new_codings[new_codings.role == "primary"]
    assert set(primary.unit_id) == set(new_units.unit_id) and primary.unit_id.is_unique

    adj = read_codings(args.coding / "adjudicator_A6" / "adjudication.csv", ROUND)
    adj["adjudicator"] = "adjudicator_r6"
    adj = adj[["unit_id", *CODE_COLS, "adjudicator", "note"]]

    gold = primary.set_index("unit_id")[CODE_COLS].copy()
    adj_idx = adj.set_index("unit_id")[CODE_COLS]
    gold.loc[adj_idx.index, CODE_COLS] = adj_idx
    new_splits = make_splits(gold.reset_index(), seed=SPLIT_SEED)
    new_splits["split"] = new_splits["split"].replace({"test": "test-synthetic"})

    pd.concat([units, new_units], ignore_index=True).to_csv(ANN / "units.csv", index=False)
    pd.concat([codings, new_codings], ignore_index=True).to_csv(ANN / "codings.csv", index=False)
    pd.concat([adjudication, adj], ignore_index=True).to_csv(ANN / "adjudication.csv", index=False)
    pd.concat([splits, new_splits], ignore_index=True).to_csv(ANN / "splits.csv", index=False)
    writer_intent(args.writers, id_map, ROUND).to_csv(ANN / "round6_writer_intent.csv", index=False)
    print(
        f"added {len(new_units)} synthetic units, {len(new_codings)} codings, "
        f"{len(adj)} adjudications"
    )
    print(gold.stance.value_counts().to_string())
    print(new_splits.split.value_counts().to_string())


if __name__ == "__main__":
    main()
