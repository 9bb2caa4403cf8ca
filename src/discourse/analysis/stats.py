"""Descriptive statistics for coded segments: prevalence, association, co-occurrence, key words.

Segments are nested in documents, so uncertainty about shares comes from a cluster (document)
bootstrap rather than from treating segments as independent; a group with too few documents for
that gets no interval at all (never a segment bootstrap standing in for one). Everything is
deterministic: the same inputs and ``seed`` give identical outputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import chi2_contingency
from sklearn.feature_extraction.text import CountVectorizer

__all__ = [
    "chi_square",
    "cooccurrence",
    "crosstab",
    "has_interval",
    "log_odds_dirichlet",
    "no_interval_reason",
    "one_hot",
    "prevalence",
]

PREVALENCE_COLUMNS = [
    "group",
    "variable",
    "n_segments",
    "n_clusters",
    "estimate",
    "ci_low",
    "ci_high",
    "resampled",
]
COOCCURRENCE_COLUMNS = ["a", "b", "n_a", "n_b", "n_both", "jaccard", "phi", "p_b_given_a"]
LOG_ODDS_COLUMNS = ["group", "word", "count_group", "count_rest", "delta", "var", "z"]


# --------------------------------------------------------------------------------------------
# validation helpers


def _binary_matrix(indicators: pd.DataFrame) -> np.ndarray:
    """``indicators`` as an int matrix, refusing missing or non-0/1 values (naming the column)."""
    if not isinstance(indicators, pd.DataFrame):
        raise ValueError(f"indicators must be a pandas DataFrame, got {type(indicators).__name__}")
    if indicators.columns.duplicated().any():
        dupes = sorted(map(str, indicators.columns[indicators.columns.duplicated()]))
        raise ValueError(f"indicators has duplicate columns: {dupes}")
    out = np.zeros(indicators.shape, dtype=np.int64)
    for j, column in enumerate(indicators.columns):
        col = indicators[column]
        if col.isna().any():
            raise ValueError(
                f"indicator column {column!r} has {int(col.isna().sum())} missing value(s)"
            )
        values = pd.to_numeric(col, errors="coerce")
        if values.isna().any() or not values.isin([0, 1]).all():
            bad = sorted({str(v) for v in col[~values.isin([0, 1]) | values.isna()]})[:5]
            raise ValueError(f"indicator column {column!r} must be 0/1 or bool; found {bad}")
        out[:, j] = values.to_numpy(dtype=np.int64)
    return out


def _labels(values: pd.Series | Sequence[Any], name: str, n: int) -> np.ndarray:
    """Labels as an object array of length ``n`` without missing values."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if len(series) != n:
        raise ValueError(f"{name} has {len(series)} entries but {n} were expected")
    if series.isna().any():
        raise ValueError(f"{name} has {int(series.isna().sum())} missing value(s)")
    return series.to_numpy(dtype=object)


def _check_categories(categories: Sequence[Any]) -> list[Any]:
    cats = list(categories)
    if not cats:
        raise ValueError("categories must not be empty")
    if len(set(cats)) != len(cats):
        raise ValueError(f"categories contain duplicates: {cats}")
    return cats


def _check_in_categories(values: pd.Series, categories: list[Any], name: str) -> None:
    invalid = values.isna() | ~values.isin(categories)
    if invalid.any():
        bad = sorted({"<missing>" if pd.isna(v) else str(v) for v in values[invalid]})
        raise ValueError(f"{name} has values not in categories: {bad}; valid: {categories}")


# --------------------------------------------------------------------------------------------
# prevalence with a cluster bootstrap


def one_hot(values: pd.Series, categories: list[str]) -> pd.DataFrame:
    """One 0/1 column per category, in the order of ``categories``.

    Parameters
    ----------
    values
        One label per row (e.g. the stance of each segment).
    categories
        All valid labels; the output has exactly these columns, in this order.

    Returns
    -------
    pandas.DataFrame
        Int 0/1 columns named after the categories, indexed like ``values``.

    Raises
    ------
    ValueError
        If a value (including a missing one) is not in ``categories``.
    """
    cats = _check_categories(categories)
    _check_in_categories(values, cats, "values")
    data = {cat: (values == cat).astype(np.int64).to_numpy() for cat in cats}
    return pd.DataFrame(data, index=values.index, columns=cats)


def _bootstrap_ratios(
    unit_sums: np.ndarray,
    unit_sizes: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Replicate ratios sum(indicator) / sum(size) over units resampled with replacement.

    ``unit_sums`` is units x variables, ``unit_sizes`` the number of segments per unit. Returns
    an ``n_boot`` x variables array. Each replicate is encoded as a row of draw counts per unit,
    so the totals are one matrix product.
    """
    k = unit_sizes.shape[0]
    draws = rng.integers(0, k, size=(n_boot, k))
    flat = (draws + np.arange(n_boot)[:, None] * k).ravel()
    weights = np.bincount(flat, minlength=n_boot * k).reshape(n_boot, k).astype(np.float64)
    totals = weights @ unit_sums.astype(np.float64)
    sizes = weights @ unit_sizes.astype(np.float64)
    return totals / sizes[:, None]


def no_interval_reason(n_clusters: int, min_clusters: int) -> str:
    """The ``resampled`` value of a group too small for an interval: ``"none: 3 documents < 5"``.

    Parameters
    ----------
    n_clusters
        Documents (clusters) in the group.
    min_clusters
        The threshold the group fell short of.

    Returns
    -------
    str
        Starts with ``"none"`` (see :func:`has_interval`).
    """
    noun = "document" if n_clusters == 1 else "documents"
    return f"none: {n_clusters} {noun} < {min_clusters}"


def has_interval(resampled: pd.Series) -> pd.Series:
    """True where a prevalence row has an interval (its ``resampled`` does not start "none")."""
    return ~resampled.astype(str).str.startswith("none")


def _group_prevalence(
    x: np.ndarray,
    clusters: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    level: float,
    min_clusters: int = 5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, str]:
    """Estimates, CI bounds, number of clusters and resampling unit for one group's rows.

    With fewer than ``max(2, min_clusters)`` clusters the bounds are nan and no replicate is
    drawn (the generator is left untouched).
    """
    codes, uniques = pd.factorize(pd.Series(clusters, dtype=object))
    n_clusters = len(uniques)
    estimate = x.sum(axis=0) / x.shape[0]
    threshold = max(2, min_clusters)
    if n_clusters < threshold:
        missing = np.full(x.shape[1], np.nan)
        return (
            estimate,
            missing,
            missing.copy(),
            n_clusters,
            no_interval_reason(n_clusters, threshold),
        )
    unit_sums = np.zeros((n_clusters, x.shape[1]), dtype=np.int64)
    np.add.at(unit_sums, codes, x)
    unit_sizes = np.bincount(codes, minlength=n_clusters)
    reps = _bootstrap_ratios(unit_sums, unit_sizes, n_boot, rng)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(reps, [tail, 1.0 - tail], axis=0)
    return estimate, low, high, n_clusters, "documents"


def prevalence(
    indicators: pd.DataFrame,
    groups: pd.Series | None,
    clusters: pd.Series,
    n_boot: int = 2000,
    seed: int = 13,
    level: float = 0.95,
    min_clusters: int = 5,
) -> pd.DataFrame:
    """Share of segments with each indicator, per group, with a cluster-bootstrap interval.

    The estimate is ``sum(indicator) / n_segments`` within the group. The interval is the
    percentile interval of ``n_boot`` replicates in which the group's clusters (documents) are
    resampled with replacement and the share is recomputed as a ratio of the resampled clusters'
    indicator sum to their segment count.

    A group with fewer than ``min_clusters`` clusters (at least 2) gets the estimate but no
    interval: ``ci_low`` and ``ci_high`` are nan and ``resampled`` says why (``"none: 3
    documents < 5"``). With two documents a cluster bootstrap has three distinct replicates,
    and resampling the segments instead would treat segments of one document as independent
    and give an interval that is too narrow while looking like the others; no interval is the
    honest answer. Every interval in the output therefore comes from resampling documents.

    Parameters
    ----------
    indicators
        One 0/1 (or bool) column per variable, one row per segment.
    groups
        Group label per row (e.g. ``source_type``), or None for a single group named ``"all"``.
    clusters
        Cluster id per row (e.g. ``doc_id``).
    n_boot
        Number of bootstrap replicates.
    seed
        Seed for :func:`numpy.random.default_rng`; groups are processed in sorted order from
        one generator, so the output is reproducible.
    level
        Coverage of the percentile interval, in (0, 1).
    min_clusters
        Fewer clusters (documents) in a group than this (or than 2): no interval (see above).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, variable, n_segments, n_clusters, estimate, ci_low, ci_high,
        resampled`` (``"documents"``, or ``"none: <n> document(s) < <min>"`` without an
        interval; see :func:`has_interval`), sorted by group, then variable in the order of
        ``indicators``' columns. Rows are matched to ``groups`` and ``clusters`` by position.

    Raises
    ------
    ValueError
        On missing or non-0/1 indicator values (naming the column), missing group or cluster
        labels, length mismatches, no rows, ``n_boot < 1`` or ``level`` outside (0, 1).
    """
    x = _binary_matrix(indicators)
    n = x.shape[0]
    if n == 0:
        raise ValueError("indicators has no rows")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    cluster_ids = _labels(clusters, "clusters", n)
    group_ids = np.full(n, "all", dtype=object) if groups is None else _labels(groups, "groups", n)
    rng = np.random.default_rng(seed)
    variables = list(indicators.columns)
    frames = []
    for group in sorted(pd.unique(group_ids)):
        mask = group_ids == group
        est, low, high, n_clusters, resampled = _group_prevalence(
            x[mask], cluster_ids[mask], n_boot, rng, level, min_clusters
        )
        frames.append(
            pd.DataFrame(
                {
                    "group": [group] * len(variables),
                    "variable": variables,
                    "n_segments": int(mask.sum()),
                    "n_clusters": n_clusters,
                    "estimate": est,
                    "ci_low": low,
                    "ci_high": high,
                    "resampled": resampled,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[PREVALENCE_COLUMNS]


# --------------------------------------------------------------------------------------------
# contingency tables


def crosstab(
    groups: pd.Series, values: pd.Series, categories: list[str] | None = None
) -> pd.DataFrame:
    """Counts of ``values`` per group, with every category as a column (zeros kept).

    Parameters
    ----------
    groups
        Row label per observation (e.g. ``source_type``).
    values
        Category per observation (e.g. stance), matched to ``groups`` by position.
    categories
        Columns of the table, in this order; None uses the sorted distinct values.

    Returns
    -------
    pandas.DataFrame
        Int counts, rows sorted by group label, columns in category order.

    Raises
    ------
    ValueError
        On length mismatch, missing labels, or a value not in ``categories`` (listing them).
    """
    n = len(values)
    group_ids = _labels(groups, "groups", n)
    vals = pd.Series(values.to_numpy(dtype=object), dtype=object)
    if categories is None:
        if vals.isna().any():
            raise ValueError(f"values has {int(vals.isna().sum())} missing value(s)")
        cats = sorted(pd.unique(vals))
    else:
        cats = _check_categories(categories)
        _check_in_categories(vals, cats, "values")
    rows = sorted(pd.unique(group_ids))
    row_codes = pd.Index(rows).get_indexer(group_ids)
    col_codes = pd.Index(cats).get_indexer(vals)
    counts = np.zeros((len(rows), len(cats)), dtype=np.int64)
    np.add.at(counts, (row_codes, col_codes), 1)
    table = pd.DataFrame(counts, index=pd.Index(rows), columns=pd.Index(cats))
    table.index.name = groups.name
    table.columns.name = values.name
    return table


def chi_square(table: pd.DataFrame) -> dict[str, Any]:
    """Pearson chi-square test of independence on a contingency table, with Cramér's V.

    All-zero rows and columns are dropped first (they carry no information and would give zero
    expected counts). No continuity correction is applied.

    Parameters
    ----------
    table
        Non-negative counts, e.g. source types x stances (see :func:`crosstab`).

    Returns
    -------
    dict
        ``chi2, dof, p_value, cramers_v, n, min_expected, share_expected_below_5,
        dropped_rows, dropped_columns`` as Python floats and ints, where
        ``cramers_v = sqrt(chi2 / (n * (min(r, c) - 1)))`` on the reduced table and
        ``share_expected_below_5`` is the share of cells with an expected count below 5.

    Raises
    ------
    ValueError
        On missing or negative counts, or fewer than two rows or columns after dropping.
    """
    counts = table.apply(pd.to_numeric, errors="coerce")
    if counts.isna().any().any():
        raise ValueError("table must contain only numeric, non-missing counts")
    arr = counts.to_numpy(dtype=np.float64)
    if (arr < 0).any():
        raise ValueError("table counts must be non-negative")
    keep_rows = arr.sum(axis=1) > 0
    keep_cols = arr.sum(axis=0) > 0
    reduced = arr[keep_rows][:, keep_cols]
    r, c = reduced.shape
    if r < 2 or c < 2:
        raise ValueError(
            f"chi_square needs at least 2 non-empty rows and 2 non-empty columns, got {r} x {c}"
        )
    res = chi2_contingency(reduced, correction=False)
    n = float(reduced.sum())
    chi2 = float(res.statistic)
    expected = np.asarray(res.expected_freq)
    return {
        "chi2": chi2,
        "dof": int(res.dof),
        "p_value": float(res.pvalue),
        "cramers_v": math.sqrt(chi2 / (n * (min(r, c) - 1))),
        "n": round(n),
        "min_expected": float(expected.min()),
        "share_expected_below_5": float((expected < 5).mean()),
        "dropped_rows": int((~keep_rows).sum()),
        "dropped_columns": int((~keep_cols).sum()),
    }


# --------------------------------------------------------------------------------------------
# co-occurrence


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with nan where ``den`` is zero."""
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def cooccurrence(indicators: pd.DataFrame) -> pd.DataFrame:
    """Pairwise co-occurrence of 0/1 indicators: counts, Jaccard, phi and P(b | a).

    Parameters
    ----------
    indicators
        One 0/1 (or bool) column per variable (e.g. themes), one row per segment.

    Returns
    -------
    pandas.DataFrame
        One row per ordered pair ``(a, b)`` of columns, including ``a == b``, ordered by ``a``
        then ``b`` in column order, with columns ``a, b, n_a, n_b, n_both, jaccard, phi,
        p_b_given_a``. ``jaccard = n_both / (n_a + n_b - n_both)``; ``phi`` is the Pearson
        correlation of the two columns, ``(n11 n00 - n10 n01) / sqrt(n1. n0. n.1 n.0)``;
        ``p_b_given_a = n_both / n_a``. Each is nan when its denominator is 0.

    Raises
    ------
    ValueError
        On missing or non-0/1 values (naming the column).
    """
    x = _binary_matrix(indicators).astype(np.float64)
    n = float(x.shape[0])
    both = x.T @ x
    totals = x.sum(axis=0)
    n_a = np.repeat(totals, len(totals))
    n_b = np.tile(totals, len(totals))
    n11 = both.ravel()
    n10 = n_a - n11
    n01 = n_b - n11
    n00 = n - n_a - n_b + n11
    names = list(indicators.columns)
    return pd.DataFrame(
        {
            "a": np.repeat(np.array(names, dtype=object), len(names)),
            "b": np.tile(np.array(names, dtype=object), len(names)),
            "n_a": n_a.astype(np.int64),
            "n_b": n_b.astype(np.int64),
            "n_both": n11.astype(np.int64),
            "jaccard": _safe_divide(n11, n_a + n_b - n11),
            "phi": _safe_divide(n11 * n00 - n10 * n01, np.sqrt(n_a * (n - n_a) * n_b * (n - n_b))),
            "p_b_given_a": _safe_divide(n11, n_a),
        },
        columns=COOCCURRENCE_COLUMNS,
    )


# --------------------------------------------------------------------------------------------
# distinctive words: log-odds with an informative Dirichlet prior


def _default_tokenizer() -> Callable[[str], list[str]]:
    from discourse.topics.vectorize import make_count_vectorizer

    return make_count_vectorizer(n_gram_range=(1, 1), min_df=1).build_analyzer()


def _group_word_counts(
    texts: Sequence[str], group_ids: np.ndarray, tokenizer: Callable[[str], list[str]]
) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Sorted group labels, vocabulary and groups x words count matrix."""
    vectorizer = CountVectorizer(analyzer=tokenizer)
    try:
        doc_term = vectorizer.fit_transform(texts)
    except ValueError as exc:  # empty vocabulary
        raise ValueError(f"log_odds_dirichlet found no tokens in texts: {exc}") from exc
    labels = sorted(pd.unique(group_ids))
    codes = pd.Index(labels).get_indexer(group_ids)
    membership = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(labels), len(codes))
    )
    counts = np.asarray((membership @ doc_term).todense(), dtype=np.float64)
    return labels, vectorizer.get_feature_names_out(), counts


def _log_odds(
    y_i: np.ndarray, y_j: np.ndarray, alpha: np.ndarray, a0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Monroe et al. (2008) eq. 16 and 18: log-odds difference and its approximate variance."""
    n_i, n_j = y_i.sum(), y_j.sum()
    with np.errstate(divide="ignore"):
        delta = np.log((y_i + alpha) / (n_i + a0 - y_i - alpha)) - np.log(
            (y_j + alpha) / (n_j + a0 - y_j - alpha)
        )
    var = 1.0 / (y_i + alpha) + 1.0 / (y_j + alpha)
    return delta, var


def log_odds_dirichlet(
    texts: Sequence[str],
    groups: Sequence[str],
    alpha0: float = 1000.0,
    min_count: int = 5,
    tokenizer: Callable[[str], list[str]] | None = None,
) -> pd.DataFrame:
    """Distinctive words per group: log-odds ratio with an informative Dirichlet prior.

    "Fightin' Words" (Monroe, Colaresi & Quinn 2008): each group ``i`` is compared with all
    other groups pooled (``j``). The prior is ``alpha_w = alpha0 * c_w / N`` with ``c_w`` the
    corpus count of word ``w`` and ``N`` the corpus token total, so ``a0 = sum_w alpha_w =
    alpha0``. With ``y`` the word counts and ``n`` the token totals of each side::

        delta_w = log((y_iw + alpha_w) / (n_i + a0 - y_iw - alpha_w))
                - log((y_jw + alpha_w) / (n_j + a0 - y_jw - alpha_w))
        var_w   = 1 / (y_iw + alpha_w) + 1 / (y_jw + alpha_w)
        z_w     = delta_w / sqrt(var_w)

    Parameters
    ----------
    texts
        One text per document/segment.
    groups
        Group label per text; at least two distinct groups.
    alpha0
        Total prior mass (> 0).
    min_count
        Only words with a corpus count of at least this are reported (totals ``n`` and the
        prior still use every token).
    tokenizer
        Text -> tokens. Default: the topic-model analyser (unigrams, lower-cased, stop words,
        pseudonyms and digits removed).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, word, count_group, count_rest, delta, var, z``, every reported word for
        every group, sorted by group, then ``z`` descending, then word.

    Raises
    ------
    ValueError
        On fewer than two groups, length mismatch, missing groups or texts, ``alpha0 <= 0`` or
        texts without any token.
    """
    texts = list(texts)
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("texts must all be strings (missing texts are not allowed)")
    group_ids = _labels(groups, "groups", len(texts))
    n_groups = len(pd.unique(group_ids))
    if n_groups < 2:
        raise ValueError(f"log_odds_dirichlet needs at least 2 groups, got {n_groups}")
    if not alpha0 > 0:
        raise ValueError(f"alpha0 must be positive, got {alpha0}")
    labels, vocab, counts = _group_word_counts(
        texts, group_ids, tokenizer if tokenizer is not None else _default_tokenizer()
    )
    corpus = counts.sum(axis=0)
    alpha = alpha0 * corpus / corpus.sum()
    keep = corpus >= min_count
    frames = []
    for i, label in enumerate(labels):
        y_i = counts[i]
        y_j = corpus - y_i
        delta, var = _log_odds(y_i, y_j, alpha, float(alpha0))
        frames.append(
            pd.DataFrame(
                {
                    "group": [label] * int(keep.sum()),
                    "word": vocab[keep],
                    "count_group": y_i[keep].astype(np.int64),
                    "count_rest": y_j[keep].astype(np.int64),
                    "delta": delta[keep],
                    "var": var[keep],
                    "z": delta[keep] / np.sqrt(var[keep]),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)[LOG_ODDS_COLUMNS]
    out = out.sort_values(["group", "z", "word"], ascending=[True, False, True], kind="mergesort")
    return out.reset_index(drop=True)
