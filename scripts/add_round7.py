"""Add round 7 to the hand-coded data: units from new writers, held out whole.

Round 7 measures how the labeler does on advice-genre text from writers whose units it never
saw in training (data/annotations/README.md has the protocol): three writer sessions (W8 article
sections, listicle items and advice columns; W9 coaching pages and newsletters, blog comments
and author replies; W10 video and podcast transcript windows and forum replies) wrote 60 units
each from the research codebook and ``writer_brief_round7.md`` (the round-6 brief with new
genre lists). Their units were shuffled and renamed (``r7-NNNN``) so that neither writer nor
genre shows in an id; two coders (X7 primary, Y7 second) coded all 180, each seeing only the
codebook, the round-6 coding instructions and its own units; an adjudicator decided the units
where they differed. Every unit goes to ``test-synthetic``: none is used for fitting.

Session outputs read: ``<writers>/writer_W{8,9,10}/{units.jsonl,intent.csv}``,
``<coding>/id_map.csv``, ``<coding>/coder_{X7,Y7}/codings.csv`` and
``<coding>/adjudicator_A7/adjudication.csv``. Writes rows of ``units.csv``, ``codings.csv``,
``adjudication.csv`` and ``splits.csv`` and ``round7_writer_intent.csv``. It refuses to run twice.

Usage: ``python scripts/add_round7.py [--writers /tmp/round7] [--coding /tmp/coding7]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from shuffled_round import CODE_COLS, read_codings, writer_intent
from shuffled_round import units as units_of

ROOT = Path(__file__).resolve().parents[1]

ANN = ROOT / "data" / "annotations"
ROUND = 7
# coder sessions -> coder letters (rounds 1-6 used A-AG)
LETTERS = {"X7": "AH", "Y7": "AI"}
ROLES = {"X7": "primary", "Y7": "second"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=Path, default=Path("/tmp/round7"))
    ap.add_argument("--coding", type=Path, default=Path("/tmp/coding7"))
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
    for role in ("primary", "second"):
        coded = new_codings[new_codings.role == role].unit_id
        assert set(coded) == set(new_units.unit_id) and coded.is_unique, role

    adj = read_codings(args.coding / "adjudicator_A7" / "adjudication.csv", ROUND)
    adj["adjudicator"] = "adjudicator_r7"
    adj = adj[["unit_id", *CODE_COLS, "adjudicator", "note"]]

    new_splits = pd.DataFrame({"unit_id": new_units.unit_id, "split": "test-synthetic"})
    pd.concat([units, new_units], ignore_index=True).to_csv(ANN / "units.csv", index=False)
    pd.concat([codings, new_codings], ignore_index=True).to_csv(ANN / "codings.csv", index=False)
    pd.concat([adjudication, adj], ignore_index=True).to_csv(ANN / "adjudication.csv", index=False)
    pd.concat([splits, new_splits], ignore_index=True).to_csv(ANN / "splits.csv", index=False)
    writer_intent(args.writers, id_map, ROUND).to_csv(ANN / "round7_writer_intent.csv", index=False)
    print(
        f"added {len(new_units)} synthetic units, {len(new_codings)} codings, "
        f"{len(adj)} adjudications"
    )


if __name__ == "__main__":
    main()
