"""Bootstrap confidence intervals for the evaluation scores.

Hand-coded test sets are small, and the rare stances may have only a handful of units, so a
point estimate of macro-F1 says little on its own. :func:`bootstrap_intervals` resamples the
evaluated units with replacement and reports percentile intervals for every score that
:func:`discourse.labels.evaluate.evaluate` gives; :func:`bootstrap_difference` does the same for
the difference between two labelers scored on the same units (a paired bootstrap: both are
resampled with the same indices).

The scores are computed from confusion counts with numpy, all resamples at once, with the same
definitions as :func:`~discourse.labels.evaluate.evaluate`: macro-F1 averages over the classes
present in the (resampled) gold labels, theme F1 is the F1 of the positive class, and F1 is 0
when it is undefined. A per-class F1 is left out of a resample whose gold labels lack the class.
When the predictions carry scores (``stance_score``, ``<theme>_score``), the expected calibration
errors are resampled too (``stance_ece``, ``<theme>_ece``; the same bins as
:func:`~discourse.labels.evaluate.expected_calibration_error`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from discourse.codebook import Codebook, load_codebook
from discourse.errors import InputError
from discourse.labels.evaluate import ECE_BINS, align_predictions

__all__ = ["bootstrap_difference", "bootstrap_intervals"]


def _confusions(gold: np.ndarray, pred: np.ndarray, k: int, idx: np.ndarray) -> np.ndarray:
    """Confusion matrices (``B x k x k``, rows gold) of the resamples ``idx`` (``B x n``)."""
    b = idx.shape[0]
    codes = gold[idx] * k + pred[idx] + np.arange(b)[:, None] * (k * k)
    return np.bincount(codes.ravel(), minlength=b * k * k).reshape(b, k, k).astype(np.float64)


def _f1(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 (``B x k``), 0 where undefined."""
    tp = np.diagonal(cm, axis1=1, axis2=2)
    denom = cm.sum(axis=2) + cm.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)


def _kappa(cm: np.ndarray) -> np.ndarray:
    n = cm.sum(axis=(1, 2))
    po = np.trace(cm, axis1=1, axis2=2) / n
    pe = (cm.sum(axis=2) * cm.sum(axis=1)).sum(axis=1) / n**2
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (po - pe) / (1 - pe)
    # a single label in gold and predictions together: agreement is total (1) or nil (0)
    return np.where(pe >= 1 - 1e-12, np.where(po >= 1 - 1e-12, 1.0, 0.0), kappa)


def _ece(score: np.ndarray, outcome: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Expected calibration error (``ECE_BINS`` equal-width bins) of each resample in ``idx``."""
    score = np.asarray(score, dtype=np.float64)
    if not np.all(np.isfinite(score)) or score.min() < 0 or score.max() > 1:
        raise ValueError("scores must be probabilities in [0, 1]")
    b, n = idx.shape
    bins = np.minimum((score * ECE_BINS).astype(int), ECE_BINS - 1)
    codes = (bins[idx] + np.arange(b)[:, None] * ECE_BINS).ravel()

    def sums(weights: np.ndarray) -> np.ndarray:
        w = weights[idx].ravel().astype(np.float64)
        return np.bincount(codes, weights=w, minlength=b * ECE_BINS).reshape(b, ECE_BINS)

    return np.abs(sums(np.asarray(outcome)) - sums(score)).sum(axis=1) / n


def _scores(gold: pd.DataFrame, pred: pd.DataFrame, cb: Codebook, idx: np.ndarray) -> pd.DataFrame:
    """Every score for each resample (rows) as named columns."""
    labels = cb.stance_labels
    code = {lab: i for i, lab in enumerate(labels)}
    for name, frame in (("gold", gold), ("predicted", pred)):
        unknown = sorted(set(frame["stance"].astype(str)) - set(labels))
        if unknown:
            raise InputError(f"{name} stance values {unknown} are not in the codebook: {labels}")
    g = np.array([code[v] for v in gold["stance"].astype(str)])
    p = np.array([code[v] for v in pred["stance"].astype(str)])
    cm = _confusions(g, p, len(labels), idx)
    f1 = _f1(cm)
    present = cm.sum(axis=2) > 0
    out: dict[str, np.ndarray] = {
        "stance_macro_f1": np.where(present, f1, 0).sum(axis=1) / present.sum(axis=1),
        "stance_kappa": _kappa(cm),
        "stance_accuracy": np.trace(cm, axis1=1, axis2=2) / cm.sum(axis=(1, 2)),
    }
    for j, lab in enumerate(labels):
        out[f"f1_{lab}"] = np.where(present[:, j], f1[:, j], np.nan)
    theme_f1 = []
    for theme in cb.theme_names:
        tcm = _confusions(
            gold[theme].astype(int).to_numpy(), pred[theme].astype(int).to_numpy(), 2, idx
        )
        out[f"{theme}_f1"] = _f1(tcm)[:, 1]
        out[f"{theme}_kappa"] = _kappa(tcm)
        theme_f1.append(out[f"{theme}_f1"])
    if theme_f1:
        out["mean_theme_f1"] = np.mean(theme_f1, axis=0)
    score_cols = ["stance_score", *(f"{t}_score" for t in cb.theme_names)]
    if all(c in pred.columns for c in score_cols):
        out["stance_ece"] = _ece(pred["stance_score"].to_numpy(), g == p, idx)
        for theme in cb.theme_names:
            out[f"{theme}_ece"] = _ece(
                pred[f"{theme}_score"].to_numpy(), gold[theme].astype(int).to_numpy(), idx
            )
    return pd.DataFrame(out)


def _prepared(
    gold: pd.DataFrame,
    preds: list[pd.DataFrame],
    codebook: Codebook | None,
    key: str | None,
    n_boot: int,
    level: float,
    seed: int,
) -> tuple[Codebook, pd.DataFrame, list[pd.DataFrame], np.ndarray]:
    """Arguments checked before any work: the codebook, gold with a fresh index, the aligned
    predictions and the resample indices (``n_boot x n``)."""
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level}")
    if n_boot < 1:
        raise InputError(f"n_boot must be at least 1, got {n_boot}")
    cb = codebook or load_codebook()
    preds = [align_predictions(gold, pred, cb, key) for pred in preds]
    gold = gold.reset_index(drop=True)
    n = len(gold)
    if n == 0:
        raise InputError("no units to resample")
    return cb, gold, preds, np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def _point_and_resamples(
    gold: pd.DataFrame, pred: pd.DataFrame, cb: Codebook, idx: np.ndarray
) -> tuple[pd.Series, pd.DataFrame]:
    """Scores on the units as given, and on each resample, from one pass."""
    whole = np.arange(len(gold))[None, :]
    scores = _scores(gold, pred, cb, np.vstack([whole, idx]))
    return scores.iloc[0], scores.iloc[1:].reset_index(drop=True)


def _interval_table(
    point: pd.Series, boot: pd.DataFrame, level: float, n_boot: int
) -> pd.DataFrame:
    tail = (1 - level) / 2 * 100
    rows = []
    for metric in boot.columns:
        values = boot[metric].to_numpy()
        valid = values[~np.isnan(values)]
        low, high = np.percentile(valid, [tail, 100 - tail]) if len(valid) else (np.nan, np.nan)
        rows.append(
            {
                "metric": metric,
                "estimate": float(point[metric]),
                "low": float(low),
                "high": float(high),
                "level": level,
                "n_boot": n_boot,
                "n_valid": len(valid),
            }
        )
    return pd.DataFrame(rows)


def bootstrap_intervals(
    gold: pd.DataFrame,
    pred: pd.DataFrame,
    codebook: Codebook | None = None,
    *,
    key: str | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Percentile bootstrap intervals for the evaluation scores.

    Parameters
    ----------
    gold, pred
        Tables as for :func:`~discourse.labels.evaluate.evaluate` (``stance`` and a 0/1 column
        per theme), aligned on ``key`` or by row order.
    codebook
        Label sets (default codebook when ``None``).
    key
        Join column, e.g. ``"unit_id"``.
    n_boot
        Number of resamples.
    level
        Coverage of the interval (0.95: the 2.5th to 97.5th percentiles).
    seed
        Seed of the resampling; the same inputs and seed give the same intervals.

    Returns
    -------
    pandas.DataFrame
        One row per score: ``metric``, ``estimate`` (on the units as given, equal to
        :func:`~discourse.labels.evaluate.evaluate`), ``low``, ``high``, ``level``, ``n_boot``
        and ``n_valid`` (resamples in which the score is defined: a per-class F1 needs the class
        in the resampled gold labels).
    """
    cb, gold, (pred,), idx = _prepared(gold, [pred], codebook, key, n_boot, level, seed)
    point, boot = _point_and_resamples(gold, pred, cb, idx)
    return _interval_table(point, boot, level, n_boot)


def bootstrap_difference(
    gold: pd.DataFrame,
    pred_a: pd.DataFrame,
    pred_b: pd.DataFrame,
    codebook: Codebook | None = None,
    *,
    key: str | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Paired bootstrap intervals for the score differences ``a - b`` on the same units.

    Both prediction tables are scored on the same resamples, so the interval reflects how the
    two labelers differ on the units, not the spread of each. An interval that excludes 0 is
    evidence that one labeler scores higher on data like these units. Parameters and result as
    in :func:`bootstrap_intervals`, with the differences in ``estimate``, ``low`` and ``high``.
    """
    cb, gold, (pred_a, pred_b), idx = _prepared(
        gold, [pred_a, pred_b], codebook, key, n_boot, level, seed
    )
    point_a, boot_a = _point_and_resamples(gold, pred_a, cb, idx)
    point_b, boot_b = _point_and_resamples(gold, pred_b, cb, idx)
    return _interval_table(point_a - point_b, boot_a - boot_b, level, n_boot)
