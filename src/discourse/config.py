"""One typed configuration object for the whole pipeline, loaded from TOML and validated up front.

Unknown keys and wrong types are rejected with a message that names the offending key and,
for unknown keys, lists the keys that are valid at that level.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from discourse.codebook import load_codebook
from discourse.errors import ConfigError  # re-exported from here

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: the topic models' embedding backend when ``embeddings.backend`` is unset: the shipped MiniLM.
#: The static model the default labeler uses is ~150x faster, but its topics did not hold: on
#: the bundled corpus under another salt BERTopic on it fell below NMF in NPMI and diversity and
#: to a mean ARI of 0.74 over seeds (docs/topic_models.md, issue 21)
TOPIC_BACKEND = "minilm"

__all__ = [
    "TOPIC_BACKEND",
    "AnalysisConfig",
    "BoilerplateConfig",
    "CleanConfig",
    "ConfigError",
    "EmbeddingConfig",
    "HdbscanConfig",
    "IngestConfig",
    "LabelConfig",
    "PipelineConfig",
    "PrivacyConfig",
    "SegmentConfig",
    "TableColumns",
    "TopicConfig",
    "UmapConfig",
    "default_annotations_dir",
    "load_config",
    "project_root",
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    return value


#: A string for which emptiness means nothing (a name, a prefix, a path, a pattern).
NonEmptyStr = Annotated[str, AfterValidator(_not_blank)]


class _Section(BaseModel):
    """A config section: unknown keys are errors, and values are not coerced between types
    (``seed = true``, ``follow_symlinks = "yes"`` and ``enabled = 1`` are errors, not guesses);
    an integer is accepted where a float is expected."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


def _check_min_max(model: BaseModel, pairs: list[tuple[str, str]]) -> None:
    """Raise when a ``min`` value of one of ``pairs`` (min field, max field) exceeds its max."""
    problems = []
    for low_key, high_key in pairs:
        low, high = getattr(model, low_key), getattr(model, high_key)
        if low is not None and high is not None and high < low:
            problems.append(f"{high_key} ({high}) is below {low_key} ({low})")
    if problems:
        raise ValueError("; ".join(problems))


class TableColumns(_Section):
    """Column map for tabular inputs (CSV, JSONL, Parquet).

    Each field lists candidate column names (matched case-insensitively); the first one present
    in a file is used. With ``include_title`` the title is put before the text, separated by a
    blank line (Reddit's title + selftext). A file needs a text or a title column.
    """

    text: list[NonEmptyStr] = Field(
        default_factory=lambda: ["selftext", "body", "text", "content", "comment"]
    )
    id: list[NonEmptyStr] = Field(default_factory=lambda: ["id", "name"])
    author: list[NonEmptyStr] = Field(default_factory=lambda: ["author", "username", "user"])
    published: list[NonEmptyStr] = Field(
        default_factory=lambda: ["created_utc", "published", "date", "timestamp"]
    )
    title: list[NonEmptyStr] = Field(default_factory=lambda: ["title"])
    url: list[NonEmptyStr] = Field(default_factory=lambda: ["permalink", "url"])
    outlet: list[NonEmptyStr] = Field(default_factory=lambda: ["subreddit", "outlet", "source"])
    parent_id: list[NonEmptyStr] = Field(default_factory=lambda: ["parent_id"])
    link_id: list[NonEmptyStr] = Field(default_factory=lambda: ["link_id"])
    score: list[NonEmptyStr] = Field(default_factory=lambda: ["score"])
    include_title: bool = True
    kind: Literal["post", "comment", "article", "transcript", "auto"] = "auto"
    deleted_markers: list[NonEmptyStr] = Field(default_factory=lambda: ["[deleted]", "[removed]"])


class IngestConfig(_Section):
    """Which files are read and how."""

    exclude: list[NonEmptyStr] = Field(
        default_factory=lambda: ["README*", "LICENSE*", "PROVENANCE*", "sources.toml", ".*"],
        description="Glob patterns (file names) that are listed in the manifest as skipped.",
    )
    sources_file: NonEmptyStr = "sources.toml"
    table: TableColumns = Field(default_factory=TableColumns)
    max_file_mb: float = Field(200.0, gt=0)
    follow_symlinks: bool = False


class CleanConfig(_Section):
    """Unicode repair and normalisation."""

    fix_mojibake: bool = True
    straight_quotes: bool = True
    normalise_bullets: bool = True
    strip_markdown: bool = True


class BoilerplateConfig(_Section):
    """Boilerplate detection: flagged and kept, never deleted."""

    enabled: bool = True
    extra_patterns: dict[NonEmptyStr, list[NonEmptyStr]] = Field(
        default_factory=dict,
        description="reason -> list of regular expressions (case-insensitive) flagging a unit.",
    )
    teaser_tail_share: float = Field(
        0.2, ge=0, le=1, description="A next-video teaser is only looked for in this final share."
    )

    @field_validator("extra_patterns")
    @classmethod
    def _compile_check(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        import re

        for reason, patterns in value.items():
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(
                        f"bad regular expression for {reason!r}: {pattern!r}: {exc}"
                    ) from exc
        return value


class SegmentConfig(_Section):
    """Segmentation into coding units."""

    transcript_min_words: int = Field(80, gt=0)
    transcript_max_words: int = Field(150, gt=0)
    article_min_words: int = Field(40, ge=0)
    article_max_words: int = Field(200, gt=0)

    @model_validator(mode="after")
    def _max_above_min(self) -> SegmentConfig:
        _check_min_max(
            self,
            [
                ("transcript_min_words", "transcript_max_words"),
                ("article_min_words", "article_max_words"),
            ],
        )
        return self


class PrivacyConfig(_Section):
    """Pseudonymisation and masking of personal data (on by default)."""

    pseudonymise: bool = True
    salt: NonEmptyStr | None = Field(None, description="Secret salt; never written to outputs.")
    salt_file: NonEmptyStr | None = None
    pseudonym_prefix: NonEmptyStr = "P-"
    mask_emails: bool = True
    mask_phones: bool = True
    mask_profile_urls: bool = True
    mask_addresses: bool = True
    mask_person_names: bool = Field(
        True,
        description="Pseudonymise person names that spaCy's NER finds in texts (en_core_web_sm).",
    )
    keep_names: list[NonEmptyStr] = Field(
        default_factory=list,
        description="Names never masked in texts (public figures or experts a study needs).",
    )
    pseudonymise_document_authors: bool = True
    max_quote_chars: int = Field(
        200,
        ge=0,
        description="Longest verbatim excerpt of a segment in derived outputs (representative "
        "segments in topic_info.csv and the report); 0 leaves the texts out.",
    )

    def resolve_salt(self) -> str:
        """Return the salt: config value, then ``salt_file``, then ``$DISCOURSE_SALT``, then a
        per-user salt created once under the user's config directory."""
        if self.salt:
            return self.salt
        if self.salt_file:
            path = Path(self.salt_file).expanduser()
            if not path.is_file():
                raise ConfigError(f"privacy.salt_file does not exist: {path}")
            return path.read_text(encoding="utf-8").strip()
        env = os.environ.get("DISCOURSE_SALT")
        if env:
            return env
        base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "discourse"
        path = base / "salt"
        if not path.is_file():
            base.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(32), encoding="utf-8")
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        return path.read_text(encoding="utf-8").strip()


class LabelConfig(_Section):
    """Stance and theme labelling."""

    enabled: bool = True
    labeler: NonEmptyStr = Field("default", description="A registered labeler name, or 'default'.")
    codebook: NonEmptyStr | None = Field(
        None, description="Path of a codebook TOML; the packaged one if unset."
    )
    cache_dir: NonEmptyStr | None = Field(
        None, description="Embedding cache; embeddings.cache_dir, else '<output>/cache', if unset."
    )
    weights: NonEmptyStr | None = Field(
        None,
        description="Fitted weights (file or folder) for the labeler, e.g. from `discourse train`.",
    )


class EmbeddingConfig(_Section):
    """Sentence embeddings, shared by labelers and topic models when ``backend`` is set."""

    cache_dir: NonEmptyStr | None = Field(
        None, description="Embedding cache folder; '<output>/cache' if unset."
    )
    backend: str | None = Field(
        None,
        description="One embedding backend for every part of the run: minilm (the shipped "
        "all-MiniLM-L6-v2), minilm-static (a static model distilled from it locally, ~150x "
        "faster), minilm-onnx-int8 (~2.5x faster) or mpnet; see docs/embeddings.md. Unset: "
        "each labeler embeds with the backend its weights were fitted on (student: "
        "minilm-static; combined, embed-logreg: minilm) and the topic models with minilm "
        "(TOPIC_BACKEND). Fitted labelers need weights trained on the backend.",
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        from discourse.embedding_backends import backend_names

        if value is not None and value not in backend_names():
            raise ValueError(f"unknown backend {value!r}; valid: {', '.join(backend_names())}")
        return value

    def labeler_backend(self) -> str:
        """The backend handed to the labeler (``minilm``, the registry's default, when unset:
        each labeler then embeds with its own default)."""
        from discourse.embedding_backends import DEFAULT_BACKEND

        return self.backend or DEFAULT_BACKEND

    def topic_backend(self) -> str:
        """The backend the topic models embed with (:data:`TOPIC_BACKEND` when unset)."""
        return self.backend or TOPIC_BACKEND


class UmapConfig(_Section):
    """UMAP parameters; ``None`` takes the value of the preset chosen by corpus size."""

    n_neighbors: int | None = Field(None, ge=2)
    n_components: int | None = Field(None, ge=2)
    min_dist: float | None = Field(None, ge=0)
    metric: NonEmptyStr = "cosine"


class HdbscanConfig(_Section):
    """HDBSCAN parameters; ``None`` takes the value of the preset chosen by corpus size."""

    min_cluster_size: int | None = Field(None, ge=2)
    min_samples: int | None = Field(None, ge=1)
    cluster_selection_method: Literal["eom", "leaf"] | None = None


class TopicConfig(_Section):
    """Topic models: BERTopic on cached embeddings, a classical baseline, stability over seeds."""

    enabled: bool = True
    preset: Literal["auto", "small", "medium", "large"] = Field(
        "auto",
        description="Parameter preset; 'auto' picks by the number of modelled segments "
        "(small < 1,000 <= medium < 10,000 <= large).",
    )
    umap: UmapConfig = Field(default_factory=UmapConfig)
    hdbscan: HdbscanConfig = Field(default_factory=HdbscanConfig)
    nr_topics: int | Literal["auto"] | None = Field(
        None, description="Merge topics down to this number after fitting (BERTopic nr_topics)."
    )
    reduce_outliers: bool = Field(
        True, description="Reassign outlier segments to the nearest topic (by embedding)."
    )
    outlier_threshold: float = Field(
        0.3,
        ge=-1,
        le=1,
        description="Minimum cosine similarity to a topic's centroid for an outlier to be "
        "reassigned; below it the segment stays an outlier.",
    )
    fallback_min_topics: int = Field(
        2,
        ge=2,
        description="If HDBSCAN finds fewer topics than this, k-means on the UMAP space is used.",
    )
    clusterer: Literal["kmeans", "hdbscan"] = Field(
        "kmeans",
        description="'kmeans': k-means on PCA of the embeddings (k from n_topics or chosen over "
        "k_grid), stable across seeds; 'hdbscan': UMAP + HDBSCAN (BERTopic's default parts).",
    )
    n_topics: int | None = Field(
        None, ge=2, description="k of the k-means clusterer; unset: chosen over k_grid."
    )
    k_grid: list[int] | None = Field(
        None,
        description="Candidate k for the k-means clusterer; the k with the best topic quality "
        "(NPMI x diversity of the c-TF-IDF words) wins. Unset: 0.5 to 2 times sqrt(segments) "
        "/ 4 in eight steps (at least 3), so the grid grows with the corpus.",
    )
    pca_components: int = Field(10, ge=2, description="PCA dimensions k-means clusters in.")
    min_df_sqrt: float = Field(
        0.33,
        ge=0,
        description="Words must also be in at least min_df_sqrt x sqrt(segments) segments "
        "(11 of 1,100, 33 of 10,000): rare words never co-occur and are poor topic words; "
        "min_df is the floor.",
    )
    binary_counts: bool = Field(
        True,
        description="c-TF-IDF counts the segments a word is in, not its occurrences (one "
        "post repeating a word does not make it a topic word).",
    )
    generic_passes: int = Field(
        2, ge=0, description="Rounds of generic-word removal (0: none); see generic_topic_share."
    )
    generic_topic_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="A word among the top 25 c-TF-IDF words of more than this share of the "
        "topics (and of at least two) of a first k-means clustering is generic: removed from "
        "every model's vocabulary and so from the metrics' word lists; a second round looks "
        "at the words that move up. Field phrases are exempt.",
    )
    generic_document_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="A word in more than this share of the segments of most (more than half) "
        "of the first clustering's topics is generic too.",
    )
    label_representation: Literal["mmr", "ctfidf"] = Field(
        "mmr",
        description="Topic labels: BERTopic's MaximalMarginalRelevance over the c-TF-IDF words "
        "(embedded with the run's embedding model), or the c-TF-IDF words themselves. The "
        "metrics always use the c-TF-IDF words.",
    )
    label_diversity: float = Field(0.5, ge=0, le=1, description="MMR diversity of labels.")
    document_effects: Literal["auto", "keep", "remove"] = Field(
        "auto",
        description="'remove': subtract each document's mean embedding before clustering, so "
        "topics cut across documents; 'auto': remove when there are fewer than few_documents "
        "documents with a median of at least 5 segments each.",
    )
    few_documents: int = Field(
        20,
        ge=2,
        description="Fewer documents than this: the corpus is flagged too small for topics.",
    )
    max_document_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="A topic taking more than this share of its segments from one document is "
        "a document, not a topic: the corpus is flagged too small for topics.",
    )
    reference_corpus: NonEmptyStr | None = Field(
        default_factory=lambda: default_reference_corpus(),
        description="Texts for an external NPMI check (a folder of CSVs with text or "
        "title/selftext, or of .txt files). Default: data/external/reddit-top-2013 of the "
        "project checkout when present; None: no external check.",
    )
    reference_max_documents: int | None = Field(
        5000, ge=10, description="At most this many reference documents (file order)."
    )
    n_gram_range: tuple[int, int] = (1, 2)
    min_df: int = Field(
        2, ge=1, description="Words in fewer segments are not topic words (nor NPMI words)."
    )
    bm25_weighting: bool = Field(True, description="c-TF-IDF with BM25 weighting.")
    reduce_frequent_words: bool = Field(True, description="c-TF-IDF: square-root term counts.")
    extra_stop_words: list[NonEmptyStr] = Field(default_factory=list)
    top_n_words: int = Field(25, ge=10, description="Words kept per topic (diversity uses 25).")
    n_representative: int = Field(3, ge=1, description="Representative segments per topic.")
    baseline: Literal["nmf", "lda", "none"] = "nmf"
    baseline_n_topics: int | None = Field(
        None, ge=2, description="Topics of the baseline; as many as BERTopic found if unset."
    )
    stability_seeds: int = Field(
        5, ge=2, description="Number of seeds (seed, seed+1, ...) fitted to measure stability."
    )
    model_selection: Literal["seed", "medoid"] = Field(
        "medoid",
        description="'seed': the reported model is the fit with the config seed; 'medoid': the "
        "fit whose assignments agree best (mean ARI) with the other seeds' fits.",
    )
    min_segments: int = Field(20, ge=5, description="Fewer modelled segments is an error.")
    max_fit_segments: int | None = Field(
        20_000,
        ge=100,
        description="Larger corpora: fit (and measure stability) on a seeded random sample of "
        "this many modelled segments, then assign the rest with the fitted models; None: all.",
    )
    exclude_boilerplate: bool = True
    exclude_duplicates: bool = True
    exclude_non_english: bool = True
    time_unit: Literal["year", "quarter", "month"] = "year"
    save_models: bool = True

    @field_validator("n_gram_range", mode="before")
    @classmethod
    def _ngram_from_list(cls, value: Any) -> Any:
        # TOML has arrays, not tuples; the items are still checked strictly.
        return tuple(value) if isinstance(value, list) else value

    @field_validator("n_gram_range")
    @classmethod
    def _ngram_order(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= value[0] <= value[1]:
            raise ValueError(f"n_gram_range must be (low, high) with 1 <= low <= high, got {value}")
        return value

    @model_validator(mode="after")
    def _max_above_min(self) -> TopicConfig:
        _check_min_max(self, [("min_segments", "max_fit_segments")])
        return self


def project_root() -> Path | None:
    """The project checkout the package is installed from, or None.

    For an editable (src layout) install, ``discourse/__init__.py`` lives in
    ``<checkout>/src/discourse/``, so the checkout is two folders above the package and holds
    ``pyproject.toml``. An install into ``site-packages`` has no checkout: None.
    """
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "src").is_dir() else None


def default_reference_corpus() -> str | None:
    """Default of ``topics.reference_corpus``: ``data/external/reddit-top-2013`` of the project
    checkout the package is installed from, if it is there; else None."""
    root = project_root()
    path = root / "data" / "external" / "reddit-top-2013" if root is not None else None
    return str(path) if path is not None and path.is_dir() else None


def default_annotations_dir() -> str | None:
    """Default of ``analysis.annotations``: ``data/annotations`` of the project checkout.

    Resolved against the checkout the package is installed from (:func:`project_root`), not
    against the working directory, so ``discourse run`` finds the hand-coded data wherever it
    is started. None when the package is not installed from a checkout.
    """
    root = project_root()
    return str(root / "data" / "annotations") if root is not None else None


class AnalysisConfig(_Section):
    """Statistics, figures and tables (``figures/`` and ``tables/`` in the output folder).

    Intervals and trends are only drawn where there are enough documents behind them: a group
    (source type, stance) with fewer than ``min_documents_for_interval`` documents gets a point
    estimate without an interval, and a period with fewer than ``min_period_segments`` segments
    or ``min_period_documents`` documents is left out of the topics-over-time figure (and named
    in a note on it and in ``figures_manifest.json``).
    """

    enabled: bool = True
    annotations: NonEmptyStr | None = Field(
        default_factory=default_annotations_dir,
        description="Hand-coded data; the run's labeler is scored on its test split for the "
        "evaluation table and confusion matrices (skipped, with the reason, if absent). "
        "Default: data/annotations of the project checkout the package is installed from "
        "(whatever the working directory); a relative path in a config file resolves against "
        "the file's folder.",
    )
    codes: NonEmptyStr | None = Field(
        None,
        description="Hand codes of a sample of this corpus drawn with `discourse sample` (CSV, "
        "Label Studio JSON or doccano JSONL). When set, fig02/fig03 show corrected "
        "(prediction-powered) estimates and the figures stage writes the naive/coded/corrected "
        "table (tables/prevalence_estimates*) and fig09.",
    )
    design: NonEmptyStr | None = Field(
        None,
        description="The sample's design.json (default: next to the codes file, else "
        "<run>/coding/design.json).",
    )
    n_boot: int = Field(2000, ge=100, description="Bootstrap replicates for the 95% CIs.")
    min_documents_for_interval: int = Field(
        5,
        ge=2,
        description="A group (source type, stance) with fewer documents gets no interval: a "
        "document (cluster) bootstrap over 2-4 documents has only a handful of distinct "
        "replicates, and resampling segments would ignore their nesting in documents.",
    )
    min_period_segments: int = Field(
        30,
        ge=1,
        description="Periods with fewer content segments are left out of topics over time "
        "(fig07): a topic share from fewer than 30 segments moves by 3+ points per segment.",
    )
    min_period_documents: int = Field(
        5,
        ge=1,
        description="Periods with fewer documents are left out of topics over time (fig07): a "
        "period held by one or two documents (e.g. a single comment thread) shows those "
        "documents, not the period.",
    )
    log_odds_alpha0: float = Field(1000.0, gt=0, description="Dirichlet prior strength.")
    log_odds_min_count: int = Field(5, ge=1, description="Minimum corpus count of a word.")
    top_words: int = Field(10, ge=1, description="Distinctive words shown per group.")


class PipelineConfig(_Section):
    """The whole pipeline's configuration."""

    seed: int = Field(
        13, ge=0, lt=2**31, description="Seed of every random choice (numpy, UMAP, torch)."
    )
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    boilerplate: BoilerplateConfig = Field(default_factory=BoilerplateConfig)
    segment: SegmentConfig = Field(default_factory=SegmentConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    label: LabelConfig = Field(default_factory=LabelConfig)
    embeddings: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    topics: TopicConfig = Field(default_factory=TopicConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)

    def cache_dir(self, output_dir: str | os.PathLike[str]) -> str:
        """The embedding cache folder for a run writing to ``output_dir``.

        ``label.cache_dir`` (older configs) wins over ``embeddings.cache_dir``; both default to
        ``<output>/cache``, so labelers and topic models share one cache.
        """
        return self.label.cache_dir or self.embeddings.cache_dir or str(Path(output_dir) / "cache")

    def check_paths(self, output_dir: str | os.PathLike[str] | None = None) -> None:
        """Check, before any work is done, that the paths the config names exist.

        Raises
        ------
        ConfigError
            Listing every problem: a codebook, weights, salt file or (explicitly set) annotation
            folder that does not exist, a codebook that does not validate (every pattern is
            checked), or a cache folder that is an existing file.
        """
        problems: list[str] = []

        def need(value: str | None, what: str, kind: str) -> None:
            if not value:
                return
            p = Path(value).expanduser()
            ok = {"file": p.is_file(), "dir": p.is_dir(), "any": p.exists()}[kind]
            if not ok:
                noun = {"file": "file", "dir": "folder", "any": "file or folder"}[kind]
                found = " (it is a folder)" if kind == "file" and p.is_dir() else ""
                found = " (it is a file)" if kind == "dir" and p.is_file() else found
                problems.append(f"{what}: {noun} does not exist: {p}{found}")

        need(self.privacy.salt_file, "privacy.salt_file", "file")
        if self.label.enabled:
            need(self.label.codebook, "label.codebook", "file")
            need(self.label.weights, "label.weights", "any")
            problems.extend(self._codebook_problems())
        if self.analysis.enabled and "annotations" in self.analysis.model_fields_set:
            need(self.analysis.annotations, "analysis.annotations", "dir")
        if self.analysis.enabled:
            need(self.analysis.codes, "analysis.codes", "file")
            need(self.analysis.design, "analysis.design", "file")
        caches = [("label.cache_dir", self.label.cache_dir)]
        caches.append(("embeddings.cache_dir", self.embeddings.cache_dir))
        if output_dir is not None:
            caches.append(("output directory", str(output_dir)))
        for what, value in caches:
            if value and Path(value).expanduser().is_file():
                problems.append(f"{what}: must be a folder, but is a file: {value}")
        if problems:
            raise ConfigError("; ".join(problems))

    def _codebook_problems(self) -> list[str]:
        """A custom codebook's validation errors (its patterns included), found before any work."""
        path = self.label.codebook
        if not path or not Path(path).expanduser().is_file():
            return []
        try:
            load_codebook(Path(path).expanduser())
        except ConfigError as exc:
            return [f"label.codebook: {exc}"]
        return []

    def public_dict(self) -> dict[str, Any]:
        """The configuration as written to the manifest: the salt is replaced by a fingerprint."""
        data = self.model_dump(mode="json")
        if data["privacy"].get("salt"):
            data["privacy"]["salt"] = "<redacted>"
        return data

    def salt_fingerprint(self) -> str:
        """A short, one-way identifier of the salt in use, so runs can be compared safely."""
        salt = self.privacy.resolve_salt()
        return hashlib.sha256(b"discourse-salt-id\x00" + salt.encode()).hexdigest()[:12]


#: What to write instead, for values of the wrong TOML type (nothing is converted).
_TYPE_HINTS = {
    "bool_type": "write true or false, without quotes",
    "int_type": "write a whole number, without quotes",
    "float_type": "write a number, without quotes",
    "string_type": "write a quoted string",
    "list_type": "write an array [...]",
    "tuple_type": "write an array [...]",
    "dict_type": "write a table",
}


def _format_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            parent = _model_at(PipelineConfig, err["loc"][:-1])
            valid = ", ".join(sorted(parent.model_fields)) if parent else "?"
            lines.append(f"unknown key '{loc}' (valid keys here: {valid})")
        elif err["type"] == "value_error" and isinstance(value, dict):
            # a check across the keys of a section: the message names them
            lines.append(f"'{loc}': {err['msg'].removeprefix('Value error, ')}")
        else:
            hint = _TYPE_HINTS.get(err["type"])
            msg = err["msg"].removeprefix("Value error, ") + (f"; {hint}" if hint else "")
            lines.append(f"'{loc}': {msg} (got {value!r})")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return None
    return model


def config_from_dict(data: dict[str, Any]) -> PipelineConfig:
    """Validate a plain mapping into a :class:`PipelineConfig`.

    Raises
    ------
    ConfigError
        With every problem found, unknown keys listing the valid ones.
    """
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None


#: Config keys holding a path: relative values in a config file are resolved against its folder
PATH_KEYS: tuple[tuple[str, str], ...] = (
    ("privacy", "salt_file"),
    ("label", "codebook"),
    ("label", "cache_dir"),
    ("label", "weights"),
    ("embeddings", "cache_dir"),
    ("analysis", "annotations"),
    ("analysis", "codes"),
    ("analysis", "design"),
    ("topics", "reference_corpus"),
)


def load_config(path: str | os.PathLike[str] | None = None) -> PipelineConfig:
    """Load and validate a TOML configuration file; ``None`` gives the defaults.

    Parameters
    ----------
    path
        A TOML file. Relative paths in it (the keys of :data:`PATH_KEYS`:
        ``privacy.salt_file``, ``label.codebook``, ``label.cache_dir``, ``label.weights``,
        ``embeddings.cache_dir``, ``analysis.annotations``, ``analysis.codes``,
        ``analysis.design``, ``topics.reference_corpus``) are resolved against its folder.

    Raises
    ------
    ConfigError
        If the file does not exist, is not valid TOML, does not validate, or names paths that
        do not exist (see :meth:`PipelineConfig.check_paths`).
    """
    if path is None:
        return PipelineConfig()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file does not exist: {p}")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
    for section, key in PATH_KEYS:
        block = data.get(section)
        value = block.get(key) if isinstance(block, dict) else None
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            block[key] = str((p.parent / value).resolve())
    config = config_from_dict(data)
    try:
        config.check_paths()
    except ConfigError as exc:
        raise ConfigError(f"config file {p}: {exc}") from None
    return config
