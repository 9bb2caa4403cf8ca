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
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ANN = ROOT / "data" / "annotations"
THEMES = ["shame", "abandonment", "regret"]
CODE_COLS = ["stance", *THEMES]
ROUND = 7
# coder sessions -> coder letters (rounds 1-6 used A-AG)
LETTERS = {"X7": "AH", "Y7": "AI"}
ROLES = {"X7": "primary", "Y7": "second"}


def _new_id(session_id: str) -> str:
    return "syn7-" + session_id.removeprefix("r7-")


def _read_codings(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"unit_id": str}, keep_default_na=False)
    for t in THEMES:
        frame[t] = frame[t].astype(int)
    frame["unit_id"] = frame["unit_id"].map(_new_id)
    return frame[["unit_id", *CODE_COLS, "note"]]


def _units(writers: Path, id_map: pd.DataFrame) -> pd.DataFrame:
    texts = {}
    for folder in sorted(writers.glob("writer_W*")):
        for line in (folder / "units.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                u = json.loads(line)
                texts[u["unit_id"]] = u["text"]
    rows = [
        {
            "unit_id": _new_id(m.unit_id),
            "round": ROUND,
            "doc_id": f"synthetic/{m.writer_unit_id.split('-')[0]}",
            "source_type": m.source_type,
            "sampling": f"synthetic:{m.genre}",
            "text": texts[m.writer_unit_id],
        }
        for m in id_map.itertuples()
    ]
    return pd.DataFrame(rows).sort_values("unit_id").reset_index(drop=True)


def _intent(writers: Path, id_map: pd.DataFrame) -> pd.DataFrame:
    frames = [pd.read_csv(f / "intent.csv", dtype=str) for f in sorted(writers.glob("writer_W*"))]
    intent = pd.concat(frames, ignore_index=True).fillna("")
    new_of = dict(zip(id_map.writer_unit_id, id_map.unit_id.map(_new_id), strict=True))
    intent.insert(0, "writer_unit_id", intent["unit_id"])
    intent["unit_id"] = intent["writer_unit_id"].map(new_of)
    return intent.sort_values("unit_id").reset_index(drop=True)


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

    new_units = _units(args.writers, id_map)
    frames = []
    for session, letter in LETTERS.items():
        frame = _read_codings(args.coding / f"coder_{session}" / "codings.csv")
        frame.insert(1, "coder", letter)
        frame.insert(2, "role", ROLES[session])
        frames.append(frame)
    new_codings = pd.concat(frames, ignore_index=True)
    for role in ("primary", "second"):
        coded = new_codings[new_codings.role == role].unit_id
        assert set(coded) == set(new_units.unit_id) and coded.is_unique, role

    adj = _read_codings(args.coding / "adjudicator_A7" / "adjudication.csv")
    adj["adjudicator"] = "adjudicator_r7"
    adj = adj[["unit_id", *CODE_COLS, "adjudicator", "note"]]

    new_splits = pd.DataFrame({"unit_id": new_units.unit_id, "split": "test-synthetic"})
    pd.concat([units, new_units], ignore_index=True).to_csv(ANN / "units.csv", index=False)
    pd.concat([codings, new_codings], ignore_index=True).to_csv(ANN / "codings.csv", index=False)
    pd.concat([adjudication, adj], ignore_index=True).to_csv(ANN / "adjudication.csv", index=False)
    pd.concat([splits, new_splits], ignore_index=True).to_csv(ANN / "splits.csv", index=False)
    _intent(args.writers, id_map).to_csv(ANN / "round7_writer_intent.csv", index=False)
    print(
        f"added {len(new_units)} synthetic units, {len(new_codings)} codings, "
        f"{len(adj)} adjudications"
    )


if __name__ == "__main__":
    main()
