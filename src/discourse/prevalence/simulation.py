"""Simulation study: do the intervals cover the true prevalence, and how wide are they?

Corpora with a known true prevalence are generated, a classifier with a given confusion
pattern (by default the one measured on the hand-coded test split) labels every unit, a sample
is drawn and "coded" (its true labels revealed) by the same design as ``discourse sample``, and
the three estimators of :mod:`discourse.prevalence.estimators` are computed. Over many
replicates this gives each estimator's coverage of the truth, bias, RMSE and interval width,
and the width against the coded sample size so a researcher can choose ``n``.

The naive interval here is the binomial normal interval of the predicted share (units are
independent in the simulation, so it is what the document bootstrap estimates); it ignores
label error, which is the point of reporting its coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from discourse.coding.sample import allocate
from discourse.prevalence.estimators import (
    StratifiedCodes,
    coded_ratio,
    corrected_ratio,
    normal_interval,
)

__all__ = [
    "ConfusionModel",
    "confusion_from_long",
    "simulate",
    "width_by_n",
]

SIMULATION_COLUMNS = [
    "variable",
    "estimator",
    "true_mean",
    "coverage",
    "coverage_mcse",
    "bias",
    "rmse",
    "mean_width",
    "replicates",
]


@dataclass(frozen=True)
class ConfusionModel:
    """A classifier's error pattern: ``P(predicted | true)`` for stance and for each theme.

    Attributes
    ----------
    stance_labels
        Stance labels (rows and columns of ``stance_counts``).
    stance_counts
        Gold x predicted counts.
    theme_names
        Themes.
    theme_counts
        One 2 x 2 gold x predicted count matrix per theme (rows/columns 0, 1).
    smoothing
        Added to every cell before normalising rows, so a label seen a few times (or a cell
        never seen) still has a non-zero probability.
    """

    stance_labels: tuple[str, ...]
    stance_counts: np.ndarray
    theme_names: tuple[str, ...]
    theme_counts: np.ndarray
    smoothing: float = 0.5

    def stance_rows(self) -> np.ndarray:
        """``P(predicted | true)`` for stance, rows summing to 1."""
        counts = np.asarray(self.stance_counts, dtype=float) + self.smoothing
        return counts / counts.sum(axis=1, keepdims=True)

    def theme_rates(self) -> np.ndarray:
        """Per theme ``(P(pred=1 | true=0), P(pred=1 | true=1))``."""
        counts = np.asarray(self.theme_counts, dtype=float) + self.smoothing
        return counts[:, :, 1] / counts.sum(axis=2)


def confusion_from_long(
    frame: pd.DataFrame, stance_labels: Sequence[str], theme_names: Sequence[str]
) -> ConfusionModel:
    """A :class:`ConfusionModel` from long confusion rows (``dimension``, ``gold``,
    ``predicted`` or ``pred``, ``n`` or ``count``), as written by ``discourse figures``
    (``tables/labeler_confusion.csv``) or :meth:`Evaluation.confusion_long`."""
    data = frame.rename(columns={"pred": "predicted", "count": "n"})
    missing = {"dimension", "gold", "predicted", "n"} - set(data.columns)
    if missing:
        raise ValueError(f"confusion rows lack columns {sorted(missing)}")
    stance = data[data["dimension"] == "stance"]
    table = (
        stance.pivot_table(index="gold", columns="predicted", values="n", aggfunc="sum")
        .reindex(index=list(stance_labels), columns=list(stance_labels))
        .fillna(0)
    )
    themes = []
    for theme in theme_names:
        part = data[data["dimension"] == theme].copy()
        if part.empty:
            raise ValueError(f"no confusion rows for theme {theme!r}")
        part["gold"] = part["gold"].astype(str).map(_binary)
        part["predicted"] = part["predicted"].astype(str).map(_binary)
        cm = np.zeros((2, 2))
        for row in part.itertuples(index=False):
            cm[row.gold, row.predicted] += row.n
        themes.append(cm)
    return ConfusionModel(
        tuple(stance_labels), table.to_numpy(dtype=float), tuple(theme_names), np.stack(themes)
    )


def _binary(value: str) -> int:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "1.0", "yes"):
        return 1
    if lowered in ("0", "false", "0.0", "no"):
        return 0
    raise ValueError(f"theme confusion rows must be 0/1, got {value!r}")


def _draw_labels(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(probs), size=size, p=probs)


def _predict(rng: np.random.Generator, rows: np.ndarray, true: np.ndarray) -> np.ndarray:
    cum = np.cumsum(rows, axis=1)
    u = rng.random(true.size)
    return np.minimum((u[:, None] > cum[true]).sum(axis=1), rows.shape[1] - 1)


def _replicate(
    rng: np.random.Generator,
    model: ConfusionModel,
    prevalence: np.ndarray,
    theme_prevalence: np.ndarray,
    population: int,
    n: int,
    strategy: str,
    min_per_stratum: int,
    level: float,
    ratio_pairs: Sequence[tuple[int, int]],
) -> list[tuple[str, str, float, float, float, float]]:
    """One corpus, one sample: (variable, estimator, truth, estimate, low, high) rows."""
    true = _draw_labels(rng, prevalence, population)
    pred = _predict(rng, model.stance_rows(), true)
    rates = model.theme_rates()
    theme_true = rng.random((population, len(theme_prevalence))) < theme_prevalence
    p_pred = np.where(theme_true, rates[:, 1], rates[:, 0])
    theme_pred = rng.random(p_pred.shape) < p_pred
    strata = pred if strategy == "stratified" else np.zeros(population, dtype=np.int64)
    labels, sizes = np.unique(strata, return_counts=True)
    alloc = allocate({str(k): int(v) for k, v in zip(labels, sizes)}, n, min_per_stratum)
    picked, codes_of = [], []
    for i, lab in enumerate(labels):
        rows = np.flatnonzero(strata == lab)
        chosen = rng.choice(rows, size=alloc[str(lab)], replace=False)
        picked.append(chosen)
        codes_of.append(np.full(chosen.size, i))
    rows_s = np.concatenate(picked)
    design = StratifiedCodes(np.concatenate(codes_of), sizes.astype(float))
    ones = np.ones(rows_s.size)
    out = []
    variables = [
        (model.stance_labels[k], (true == k).astype(float), (pred == k).astype(float))
        for k in range(len(model.stance_labels))
    ] + [
        (model.theme_names[t], theme_true[:, t].astype(float), theme_pred[:, t].astype(float))
        for t in range(len(model.theme_names))
    ]
    for name, y_all, f_all in variables:
        truth = float(y_all.mean())
        p = float(f_all.mean())
        low, high = normal_interval(p, float(np.sqrt(p * (1 - p) / population)), level)
        out.append((name, "naive", truth, p, low, high))
        coded = coded_ratio(y_all[rows_s], ones, design, level)
        out.append((name, "coded", truth, coded.estimate, coded.ci_low, coded.ci_high))
        corr = corrected_ratio(
            y_all[rows_s],
            ones,
            f_all[rows_s],
            ones,
            float(f_all.sum()),
            float(population),
            design,
            level,
            known_domain=True,
        )
        out.append((name, "corrected", truth, corr.estimate, corr.ci_low, corr.ci_high))
    for t, k in ratio_pairs:
        name = f"{model.theme_names[t]} | {model.stance_labels[k]}"
        x_all = (true == k).astype(float)
        fx_all = (pred == k).astype(float)
        y_all = theme_true[:, t] * x_all
        fy_all = theme_pred[:, t] * fx_all
        truth = float(y_all.sum() / max(x_all.sum(), 1.0))
        p = float(fy_all.sum() / max(fx_all.sum(), 1.0))
        se = float(np.sqrt(p * (1 - p) / max(fx_all.sum(), 1.0)))
        low, high = normal_interval(p, se, level)
        out.append((name, "naive", truth, p, low, high))
        coded = coded_ratio(y_all[rows_s], x_all[rows_s], design, level)
        out.append((name, "coded", truth, coded.estimate, coded.ci_low, coded.ci_high))
        corr = corrected_ratio(
            y_all[rows_s],
            x_all[rows_s],
            fy_all[rows_s],
            fx_all[rows_s],
            float(fy_all.sum()),
            float(fx_all.sum()),
            design,
            level,
        )
        out.append((name, "corrected", truth, corr.estimate, corr.ci_low, corr.ci_high))
    return out


def simulate(
    model: ConfusionModel,
    prevalence: Sequence[float],
    theme_prevalence: Sequence[float],
    population: int = 20_000,
    n: int = 200,
    replicates: int = 1000,
    strategy: str = "stratified",
    min_per_stratum: int = 5,
    level: float = 0.95,
    seed: int = 20261206,
    ratio_pairs: Sequence[tuple[int, int]] = (),
) -> pd.DataFrame:
    """Coverage, bias, RMSE and width of the three estimators over simulated corpora.

    Parameters
    ----------
    model
        The classifier's confusion pattern.
    prevalence
        True stance shares (in ``model.stance_labels`` order; sums to 1).
    theme_prevalence
        True share of each theme (independent of stance in the simulation).
    population
        Segments per simulated corpus.
    n
        Coded sample size.
    replicates
        Number of corpora (each with one sample).
    strategy
        ``stratified`` (by predicted stance) or ``random``.
    min_per_stratum
        Floor per stratum.
    level
        Interval coverage.
    seed
        Seed of the whole study.
    ratio_pairs
        ``(theme index, stance index)`` pairs: also estimate the theme's share among units of
        that *true* stance (a domain the labeler only predicts).

    Returns
    -------
    pandas.DataFrame
        One row per variable and estimator: columns ``variable, estimator, true_mean,
        coverage, coverage_mcse, bias, rmse, mean_width, replicates`` (a replicate whose
        estimate is undefined, e.g. no coded unit in the domain, counts as not covered).
    """
    probs = np.asarray(prevalence, dtype=float)
    if probs.size != len(model.stance_labels) or not np.isclose(probs.sum(), 1.0):
        raise ValueError("prevalence needs one share per stance label, summing to 1")
    themes = np.asarray(theme_prevalence, dtype=float)
    if themes.size != len(model.theme_names):
        raise ValueError("theme_prevalence needs one share per theme")
    if strategy not in ("random", "stratified"):
        raise ValueError(f"unknown strategy {strategy!r}; valid: ['random', 'stratified']")
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(replicates):
        rows += _replicate(
            rng,
            model,
            probs,
            themes,
            population,
            n,
            strategy,
            min_per_stratum,
            level,
            ratio_pairs,
        )
    frame = pd.DataFrame(rows, columns=["variable", "estimator", "truth", "est", "low", "high"])
    frame["covered"] = (frame["low"] <= frame["truth"]) & (frame["truth"] <= frame["high"])
    frame["error"] = frame["est"] - frame["truth"]
    frame["width"] = frame["high"] - frame["low"]
    order = {v: i for i, v in enumerate(dict.fromkeys(frame["variable"]))}
    grouped = frame.groupby(["variable", "estimator"], sort=False)
    out = grouped.agg(
        true_mean=("truth", "mean"),
        coverage=("covered", "mean"),
        bias=("error", "mean"),
        rmse=("error", lambda e: float(np.sqrt(np.nanmean(e**2)))),
        mean_width=("width", "mean"),
        replicates=("covered", "size"),
    ).reset_index()
    out["coverage_mcse"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["replicates"])
    est_order = {"naive": 0, "coded": 1, "corrected": 2}
    out = out.sort_values(
        ["variable", "estimator"],
        key=lambda s: s.map(order) if s.name == "variable" else s.map(est_order),
    )
    return out[SIMULATION_COLUMNS].reset_index(drop=True)


def width_by_n(
    model: ConfusionModel,
    prevalence: Sequence[float],
    theme_prevalence: Sequence[float],
    sizes: Sequence[int] = (50, 100, 200, 400, 800),
    replicates: int = 200,
    **kwargs: object,
) -> pd.DataFrame:
    """Mean interval width and coverage of the coded and corrected estimators per sample size.

    Returns
    -------
    pandas.DataFrame
        ``n`` followed by the columns of :func:`simulate`, naive rows left out.
    """
    frames = []
    for n in sizes:
        result = simulate(
            model,
            prevalence,
            theme_prevalence,
            n=n,
            replicates=replicates,
            **kwargs,  # type: ignore[arg-type]
        )
        result.insert(0, "n", n)
        frames.append(result[result["estimator"] != "naive"])
    return pd.concat(frames, ignore_index=True)
