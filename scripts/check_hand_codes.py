"""Agreement of a hand-coded sample with the project's adjudicated codes and with the labeler.

The sample's units that are also in ``data/annotations`` (matched by whitespace-normalised
text) give an inter-coder check of the new codes against the adjudicated gold; all units give
the labeler's agreement with the coder (not a held-out accuracy when the labeler was trained on
some of the units: the split of each overlapping unit is printed).

Usage::

    .venv/bin/python scripts/check_hand_codes.py RUN_DIR data/hand_codes/bundled_sample/codes.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score, f1_score

from discourse.annotations import load_annotations
from discourse.codebook import load_codebook
from discourse.coding.codes import coded_only, read_codes

ROOT = Path(__file__).resolve().parents[1]


def main(run_dir: str, codes_path: str) -> None:
    cb = load_codebook()
    codes = coded_only(read_codes(codes_path, cb))
    segments = pd.read_parquet(Path(run_dir) / "segments.parquet", columns=["segment_id", "text"])
    labels = pd.read_parquet(Path(run_dir) / "labels.parquet")
    pred = labels[["segment_id", "stance", *cb.theme_names]].add_prefix("pred_")
    data = codes.merge(segments, on="segment_id").merge(
        pred, left_on="segment_id", right_on="pred_segment_id"
    )
    print(f"{len(data)} coded units")
    kappa = cohen_kappa_score(data["stance"], data["pred_stance"])
    f1 = f1_score(data["stance"], data["pred_stance"], average="macro")
    print(f"labeler vs coder: stance kappa {kappa:.2f}, macro-F1 {f1:.2f}")
    gold = load_annotations(ROOT / "data" / "annotations", cb).gold()
    key = lambda s: " ".join(str(s).split())  # noqa: E731
    both = data.assign(k=data["text"].map(key)).merge(
        gold.assign(k=gold["text"].map(key))[["k", "split", "stance", *cb.theme_names]],
        on="k",
        suffixes=("", "_gold"),
    )
    splits = both["split"].value_counts().to_dict()
    print(f"{len(both)} units also in data/annotations; splits {splits}")
    agree = (both["stance"] == both["stance_gold"]).mean()
    kappa = cohen_kappa_score(both["stance"], both["stance_gold"])
    print(f"coder vs adjudicated gold: stance kappa {kappa:.2f} ({agree:.0%} agree)")
    for theme in cb.theme_names:
        print(f"  {theme}: kappa {cohen_kappa_score(both[theme], both[theme + '_gold']):.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
