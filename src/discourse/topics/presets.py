"""UMAP and HDBSCAN parameters chosen by corpus size, overridable one by one in the config.

Measured on this project's corpora (``benchmarks/`` and the issue notes): with the library
defaults (``min_cluster_size=10``) a corpus of about 100 segments often collapses into two
topics or mostly outliers, and the topic count swings between seeds. The small preset uses
smaller clusters and ``min_samples=1`` (fewer outliers); larger corpora get larger minimum
cluster sizes so they are not split into hundreds of micro-topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from discourse.config import TopicConfig

__all__ = ["PRESETS", "TopicParams", "preset_for", "resolve_params"]

PRESETS: dict[str, dict[str, Any]] = {
    "small": {  # fewer than 1,000 segments (e.g. a handful of articles, transcripts and threads)
        "umap": {"n_neighbors": 15, "n_components": 5, "min_dist": 0.0},
        "hdbscan": {"min_cluster_size": 5, "min_samples": 1, "cluster_selection_method": "eom"},
        "min_cluster_share": 1 / 40,
    },
    "medium": {  # 1,000 to 10,000 segments
        "umap": {"n_neighbors": 15, "n_components": 5, "min_dist": 0.0},
        "hdbscan": {"min_cluster_size": 10, "min_samples": 5, "cluster_selection_method": "eom"},
        "min_cluster_share": 1 / 100,
    },
    "large": {  # 10,000 segments and more
        "umap": {"n_neighbors": 30, "n_components": 5, "min_dist": 0.0, "low_memory": True},
        "hdbscan": {"min_cluster_size": 25, "min_samples": 10, "cluster_selection_method": "eom"},
        "min_cluster_share": 1 / 400,
    },
}


@dataclass(frozen=True)
class TopicParams:
    """Resolved parameters of one topic-model fit."""

    preset: str
    umap: dict[str, Any]
    hdbscan: dict[str, Any]


def preset_for(n_segments: int) -> str:
    """The preset name for a corpus of ``n_segments`` modelled segments."""
    if n_segments < 1_000:
        return "small"
    if n_segments < 10_000:
        return "medium"
    return "large"


def resolve_params(n_segments: int, config: TopicConfig) -> TopicParams:
    """Preset values (scaled by corpus size) overridden by any value set in the config."""
    name = preset_for(n_segments) if config.preset == "auto" else config.preset
    preset = PRESETS[name]
    umap = {**preset["umap"], "metric": config.umap.metric}
    hdbscan = dict(preset["hdbscan"])
    hdbscan["min_cluster_size"] = max(
        hdbscan["min_cluster_size"], round(n_segments * preset["min_cluster_share"])
    )
    for key, value in config.umap.model_dump().items():
        if value is not None:
            umap[key] = value
    for key, value in config.hdbscan.model_dump().items():
        if value is not None:
            hdbscan[key] = value
    return TopicParams(preset=name, umap=umap, hdbscan=hdbscan)
