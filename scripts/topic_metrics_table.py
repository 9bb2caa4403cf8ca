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
    ("npmi_reference_top10", "NPMI on reference", "{:.3f}"),
    ("diversity_top25", "diversity (top 25)", "{:.3f}"),
    ("outlier_rate", "outlier rate", "{:.3f}"),
    ("stability_ari_mean", "stability (mean ARI)", "{:.3f}"),
    ("stability_ari_min", "min ARI", "{:.3f}"),
    ("topic_reappearance_mean", "topics reappearing", "{:.2f}"),
    ("largest_document_share_max", "max largest-document share", "{:.2f}"),
    ("document_purity", "document purity", "{:.3f}"),
]


def _cell(value: object, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def too_small(runs: list[tuple[str, Path]]) -> list[str]:
    """One line per corpus flagged too small for topics, with the reasons."""
    lines = []
    for name, folder in runs:
        corpus = json.loads((folder / "topic_metrics.json").read_text(encoding="utf-8"))
        corpus = corpus.get("corpus", {})
        if corpus.get("too_small_for_topics"):
            lines.append(
                f"- {name}: too small for topics: {'; '.join(corpus['too_small_reasons'])}"
            )
    return lines


def table(runs: list[tuple[str, Path]]) -> str:
    """The markdown table for ``(name, run folder)`` pairs."""
    head = ["corpus", "segments", "documents", "model", *(c[1] for c in COLUMNS)]
    rows = []
    for name, folder in runs:
        m = json.loads((folder / "topic_metrics.json").read_text(encoding="utf-8"))
        for model, values in m["models"].items():
            docs = str(m.get("corpus", {}).get("n_documents", "–"))
            cells = [name, str(m["n_segments_modelled"]), docs, model]
            rows.append(cells + [_cell(values.get(key), fmt) for key, _, fmt in COLUMNS])
    return markdown_table(pd.DataFrame(rows, columns=head))


if __name__ == "__main__":
    pairs = [arg.split("=", 1) for arg in sys.argv[1:]]
    runs = [(name, Path(path)) for name, path in pairs]
    print(table(runs))
    for line in too_small(runs):
        print(line)
