"""The run folder's layout: every file name a run writes, in one place.

Stages write these names into their staging folder and readers (notebooks, ``discourse
figures``, ``sample``, ``estimate``) find them through :class:`RunLayout`, so a name is spelt
once. See the README's output table for what each file holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BASELINE_TOPICS",
    "CACHE",
    "CODING",
    "DOCUMENTS",
    "ESTIMATES",
    "FIGURES_MANIFEST",
    "LABELS",
    "MANIFEST",
    "QUARANTINE",
    "SEGMENTS",
    "STANCE_PROFILE_DOCUMENTS",
    "STANCE_PROFILE_SOURCE_TYPES",
    "TOPICS",
    "TOPICS_BY_SOURCE_TYPE",
    "TOPICS_BY_STANCE",
    "TOPICS_MANIFEST",
    "TOPICS_OVER_TIME",
    "TOPIC_INFO",
    "TOPIC_METRICS",
    "TOPIC_MODELS",
    "RunLayout",
]

DOCUMENTS = "documents.parquet"
SEGMENTS = "segments.parquet"
QUARANTINE = "quarantine.csv"
MANIFEST = "manifest.json"
LABELS = "labels.parquet"
STANCE_PROFILE_DOCUMENTS = "stance_profile_documents.csv"
STANCE_PROFILE_SOURCE_TYPES = "stance_profile_source_types.csv"
TOPICS = "topics.parquet"
TOPIC_INFO = "topic_info.csv"
TOPIC_METRICS = "topic_metrics.json"
BASELINE_TOPICS = "baseline_topics.parquet"
TOPICS_BY_STANCE = "topics_by_stance.csv"
TOPICS_BY_SOURCE_TYPE = "topics_by_source_type.csv"
TOPICS_OVER_TIME = "topics_over_time.csv"
TOPICS_MANIFEST = "topics_manifest.json"
TOPIC_MODELS = "models"  # folder: one subfolder per saved topic model
FIGURES_MANIFEST = "figures_manifest.json"
CACHE = "cache"
CODING = "coding"
ESTIMATES = "estimates"


@dataclass(frozen=True)
class RunLayout:
    """Paths of one run folder's outputs (nothing is checked or created)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def documents(self) -> Path:
        return self.root / DOCUMENTS

    @property
    def segments(self) -> Path:
        return self.root / SEGMENTS

    @property
    def quarantine(self) -> Path:
        return self.root / QUARANTINE

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def labels(self) -> Path:
        return self.root / LABELS

    @property
    def topics(self) -> Path:
        return self.root / TOPICS

    @property
    def topic_info(self) -> Path:
        return self.root / TOPIC_INFO

    @property
    def topic_metrics(self) -> Path:
        return self.root / TOPIC_METRICS

    @property
    def figures_manifest(self) -> Path:
        return self.root / FIGURES_MANIFEST

    @property
    def cache(self) -> Path:
        return self.root / CACHE

    @property
    def coding(self) -> Path:
        return self.root / CODING

    @property
    def estimates(self) -> Path:
        return self.root / ESTIMATES

    def is_run(self) -> bool:
        """True when the folder holds a run's manifest and segments."""
        return self.manifest.is_file() and self.segments.is_file()
