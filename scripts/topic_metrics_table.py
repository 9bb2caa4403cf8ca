"""Markdown table of topic_metrics.json files, one row per corpus and model.

Usage::

    python scripts/topic_metrics_table.py "bundled=data/processed" "seeds=/tmp/seeds"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from discourse.analysis.tables import markdown_table

COLUMNS = [
    ("n_topics", "topics", "{}"),
    ("npmi_top10", "NPMI (top 10)", "{:.3f}"),
    ("diversity_top25", "diversity (top 25)", "{:.3f}"),
    ("outlier_rate_before_reduction", "outliers before reduction", "{:.3f}"),
    ("outlier_rate", "outlier rate", "{:.3f}"),
    ("stability_ari_mean", "stability (mean ARI)", "{:.3f}"),
    ("stability_ari_min", "min ARI", "{:.3f}"),
]


def table(runs: list[tuple[str, Path]]) -> str:
    """The markdown table for ``(name, run folder)`` pairs."""
    head = ["corpus", "segments", "preset", "model", *(c[1] for c in COLUMNS)]
    rows = []
    for name, folder in runs:
        m = json.loads((folder / "topic_metrics.json").read_text(encoding="utf-8"))
        for model, values in m["models"].items():
            cells = [name, str(m["n_segments_modelled"]), m["preset"], model]
            rows.append(cells + [fmt.format(values[key]) for key, _, fmt in COLUMNS])
    return markdown_table(pd.DataFrame(rows, columns=head))


if __name__ == "__main__":
    pairs = [arg.split("=", 1) for arg in sys.argv[1:]]
    print(table([(name, Path(path)) for name, path in pairs]))
