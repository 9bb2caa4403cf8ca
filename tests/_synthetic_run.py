"""A synthetic run folder with known true labels, for the coding and prevalence tests.

Synthetic (written by the project, no real text): ``n_docs`` documents of two source types,
each segment with a true stance and themes drawn from known shares and a "prediction" that
errs with a fixed confusion pattern (self-healing over-predicted, autonomy-first mostly
missed, shame over-predicted), the failure shapes the real labeler shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

STANCES = ["strategic", "self-healing", "autonomy-first", "none"]
THEMES = ["shame", "abandonment", "regret"]
TRUE_SHARES = {"article": [0.15, 0.35, 0.15, 0.35], "post": [0.03, 0.55, 0.05, 0.37]}
# P(predicted | true), rows in STANCES order
CONFUSION = np.array(
    [
        [0.55, 0.35, 0.02, 0.08],
        [0.02, 0.85, 0.02, 0.11],
        [0.02, 0.55, 0.30, 0.13],
        [0.01, 0.20, 0.01, 0.78],
    ]
)
THEME_TRUE = [0.30, 0.45, 0.25]
THEME_RATES = [(0.25, 0.85), (0.10, 0.80), (0.08, 0.75)]  # P(pred=1 | true=0), P(pred=1 | true=1)


def make_run(folder: Path, n_docs: int = 60, per_doc: int = 20, seed: int = 0) -> pd.DataFrame:
    """Write segments/documents/labels Parquet files to ``folder``; return the truth
    (``segment_id``, ``stance``, themes)."""
    rng = np.random.default_rng(seed)
    seg_rows, doc_rows, label_rows, truth_rows = [], [], [], []
    for d in range(n_docs):
        source = "article" if d % 3 == 0 else "post"
        doc_id = f"D-synthetic{d:04d}"
        doc_rows.append(
            {"doc_id": doc_id, "source_type": source, "n_words": per_doc * 5, "n_segments": per_doc}
        )
        for k in range(per_doc):
            sid = f"{doc_id}#{k:04d}"
            true = rng.choice(4, p=TRUE_SHARES[source])
            pred = rng.choice(4, p=CONFUSION[true])
            themes_true = rng.random(3) < THEME_TRUE
            p1 = [THEME_RATES[t][int(themes_true[t])] for t in range(3)]
            themes_pred = rng.random(3) < p1
            seg_rows.append(
                {
                    "segment_id": sid,
                    "doc_id": doc_id,
                    "source_type": source,
                    "text": f"synthetic unit {d} {k}",
                    "n_words": 3,
                    "boilerplate": False,
                    "duplicate_of": None,
                }
            )
            label = {"segment_id": sid, "stance": STANCES[pred], "stance_score": 0.5}
            for t, name in enumerate(THEMES):
                label[name] = int(themes_pred[t])
            label["language"] = "en"
            label_rows.append(label)
            truth = {"segment_id": sid, "stance": STANCES[true]}
            for t, name in enumerate(THEMES):
                truth[name] = int(themes_true[t])
            truth_rows.append(truth)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(seg_rows).to_parquet(folder / "segments.parquet")
    pd.DataFrame(doc_rows).to_parquet(folder / "documents.parquet")
    pd.DataFrame(label_rows).to_parquet(folder / "labels.parquet")
    return pd.DataFrame(truth_rows)


def codes_for(truth: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Codes (as :func:`read_codes` returns them) for ``ids``, taken from the truth."""
    codes = truth.set_index("segment_id").loc[ids].reset_index()
    codes["note"] = ""
    return codes[["segment_id", "stance", *THEMES, "note"]]
