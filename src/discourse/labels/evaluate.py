"""Evaluation of labels against hand-coded data: per-class precision, recall and F1, macro-F1,
Cohen's kappa and the confusion matrix, for stance and for each theme; expected calibration
error of the scores (:func:`expected_calibration_error`, :func:`calibration_table`) and how it
compares with the ECE of calibrated scores on as many units (:func:`calibration_check`); predicted
against coded prevalence per source type (:func:`prevalence_table`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from discourse.annotations import agreement
from discourse.codebook import Codebook, load_codebook
from discourse.errors import InputError

__all__ = [
    "ECE_BINS",
    "Evaluation",
    "agreement",
    "align_predictions",
    "calibration_check",
    "calibration_checks",
    "calibration_table",
    "evaluate",
    "expected_calibration_error",
    "prevalence_table",
]

#: Equal-width bins of the expected calibration error.
ECE_BINS = 10


@dataclass
class DimensionResult:
    """Scores for one dimension (stance, or one theme)."""

    name: str
    labels: list[str]
    per_class: pd.DataFrame
    macro_f1: float
    accuracy: float
    kappa: float
    confusion: pd.DataFrame
    n: int


@dataclass
class Evaluation:
    """Evaluation of a prediction table against gold labels."""

    stance: DimensionResult
    themes: dict[str, DimensionResult] = field(default_factory=dict)
    calibration: pd.DataFrame | None = None

    @property
    def mean_theme_f1(self) -> float:
        """Mean over themes of the F1 of the positive class."""
        if not self.themes:
            return float("nan")
        return float(np.mean([_positive_f1(r) for r in self.themes.values()]))

    def ece(self, dimension: str) -> float:
        """Expected calibration error of ``dimension`` ("stance" or a theme); NaN when the
        predictions had no scores."""
        if self.calibration is None:
            return float("nan")
        row = self.calibration[self.calibration["dimension"] == dimension]
        return float(row["ece"].iloc[0]) if len(row) else float("nan")

    def summary(self) -> pd.DataFrame:
        """One row per dimension: macro-F1 (stance) or positive-class F1 (theme), kappa, n, and
        the expected calibration error of its scores (``ece``, top-label for stance, binary for
        themes, over ``ece_bins`` equal-width bins; NaN without scores)."""
        rows = [
            {
                "dimension": "stance",
                "metric": "macro_f1",
                "value": self.stance.macro_f1,
                "kappa": self.stance.kappa,
                "accuracy": self.stance.accuracy,
                "n": self.stance.n,
                "ece": self.ece("stance"),
            }
        ]
        for name, r in self.themes.items():
            rows.append(
                {
                    "dimension": name,
                    "metric": "f1",
                    "value": _positive_f1(r),
                    "kappa": r.kappa,
                    "accuracy": r.accuracy,
                    "n": r.n,
                    "ece": self.ece(name),
                }
            )
        rows.append(
            {
                "dimension": "themes",
                "metric": "mean_f1",
                "value": self.mean_theme_f1,
                "kappa": float("nan"),
                "accuracy": float("nan"),
                "n": self.stance.n,
                "ece": float("nan"),
            }
        )
        out = pd.DataFrame(rows)
        out["ece_bins"] = ECE_BINS
        return out

    def per_class(self) -> pd.DataFrame:
        """Per-class precision, recall, F1 and support for every dimension, in one table."""
        frames = [self.stance.per_class.assign(dimension="stance")]
        frames += [r.per_class.assign(dimension=name) for name, r in self.themes.items()]
        out = pd.concat(frames, ignore_index=True)
        return out[["dimension", "label", "precision", "recall", "f1", "support"]]

    def confusion_long(self) -> pd.DataFrame:
        """All confusion matrices as rows ``dimension, gold, pred, count``."""
        rows = []
        for name, r in [("stance", self.stance), *self.themes.items()]:
            for g in r.confusion.index:
                for p in r.confusion.columns:
                    rows.append(
                        {
                            "dimension": name,
                            "gold": g,
                            "pred": p,
                            "count": int(r.confusion.loc[g, p]),
                        }
                    )
        return pd.DataFrame(rows)


def _positive_f1(r: DimensionResult) -> float:
    return float(r.per_class.set_index("label").loc["1", "f1"])


def _dimension(name: str, gold: list[str], pred: list[str], labels: list[str]) -> DimensionResult:
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per_class = pd.DataFrame({"label": labels, "precision": p, "recall": r, "f1": f, "support": s})
    cm = confusion_matrix(gold, pred, labels=labels)
    if len(set(gold) | set(pred)) < 2:
        kappa = 1.0 if gold == pred else 0.0
    else:
        kappa = float(cohen_kappa_score(gold, pred, labels=labels))
    present = [lab for lab in labels if lab in set(gold)]
    macro = (
        float(np.mean(per_class.set_index("label").loc[present, "f1"])) if present else float("nan")
    )
    return DimensionResult(
        name=name,
        labels=labels,
        per_class=per_class,
        macro_f1=macro,
        accuracy=float(np.mean(np.array(gold) == np.array(pred))) if gold else float("nan"),
        kappa=kappa,
        confusion=pd.DataFrame(
            cm, index=pd.Index(labels, name="gold"), columns=pd.Index(labels, name="pred")
        ),
        n=len(gold),
    )


def align_predictions(
    gold: pd.DataFrame, pred: pd.DataFrame, codebook: Codebook, key: str | None = None
) -> pd.DataFrame:
    """``pred`` in the row order of ``gold`` (joined on ``key``, or as given when ``key`` is
    ``None``) with a fresh index; raises ``ValueError`` when a gold row has no prediction, the
    lengths differ, or a table lacks the stance or a theme column."""
    if key is not None:
        for name, frame in (("gold", gold), ("pred", pred)):
            if key not in frame.columns:
                raise InputError(f"{name} table has no key column {key!r}")
        missing = set(gold[key]) - set(pred[key])
        if missing:
            raise InputError(
                f"{len(missing)} gold rows have no prediction (e.g. {sorted(missing)[:3]})"
            )
        pred = pred.set_index(key).loc[gold[key]].reset_index()
    elif len(gold) != len(pred):
        raise InputError(f"gold has {len(gold)} rows but pred has {len(pred)}; pass key= to align")
    for col in ["stance", *codebook.theme_names]:
        for name, frame in (("gold", gold), ("pred", pred)):
            if col not in frame.columns:
                raise InputError(f"{name} table has no column {col!r}")
    return pred.reset_index(drop=True)


def evaluate(
    gold: pd.DataFrame, pred: pd.DataFrame, codebook: Codebook | None = None, key: str | None = None
) -> Evaluation:
    """Compare predictions with gold labels.

    Parameters
    ----------
    gold, pred
        Tables with a ``stance`` column and a 0/1 column per theme. When ``key`` is given both
        are aligned on it (every gold row must have a prediction); otherwise row order is used.
    codebook
        Fixes the label set and order (default codebook when ``None``).
    key
        Join column, e.g. ``"unit_id"`` or ``"segment_id"``.

    Notes
    -----
    Macro-F1 averages the per-class F1 over the classes present in the gold labels, so a class
    absent from a small test set does not count as a zero.
    """
    cb = codebook or load_codebook()
    pred = align_predictions(gold, pred, cb, key)
    unknown = set(gold["stance"]) - set(cb.stance_labels)
    if unknown:
        raise InputError(
            f"gold stance values {sorted(unknown)} are not in the codebook: {cb.stance_labels}"
        )
    stance = _dimension(
        "stance",
        gold["stance"].astype(str).tolist(),
        pred["stance"].astype(str).tolist(),
        cb.stance_labels,
    )
    themes = {
        t: _dimension(
            t,
            gold[t].astype(int).astype(str).tolist(),
            pred[t].astype(int).astype(str).tolist(),
            ["0", "1"],
        )
        for t in cb.theme_names
    }
    calibration = calibration_table(gold, pred, cb) if _has_scores(pred, cb) else None
    return Evaluation(stance=stance, themes=themes, calibration=calibration)


def _has_scores(pred: pd.DataFrame, cb: Codebook) -> bool:
    return all(c in pred.columns for c in ["stance_score", *(f"{t}_score" for t in cb.theme_names)])


def expected_calibration_error(
    score: Sequence[float] | np.ndarray,
    outcome: Sequence[bool | int] | np.ndarray,
    n_bins: int = ECE_BINS,
) -> float:
    """Expected calibration error over ``n_bins`` equal-width bins of [0, 1].

    ``sum over bins of (n_bin / n) * |mean(outcome) - mean(score)|`` in the bin, where bin
    ``b`` holds the scores in ``[b / n_bins, (b + 1) / n_bins)`` (1.0 in the last bin).

    Parameters
    ----------
    score
        Predicted probabilities in [0, 1]. Top-label ECE: the probability of the predicted
        class; binary ECE: the probability of the positive class.
    outcome
        1/True where the event happened. Top-label ECE: the predicted class was right; binary
        ECE: the unit has the label.
    n_bins
        Number of equal-width bins (10 by convention).

    Returns
    -------
    float
        The ECE in [0, 1]; NaN for no units.

    Raises
    ------
    ValueError
        When lengths differ, a score is outside [0, 1] or not finite, or ``n_bins < 1``.
    """
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"score and outcome must be 1-d of one length: {s.shape} vs {y.shape}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    if not len(s):
        return float("nan")
    if not np.all(np.isfinite(s)) or s.min() < 0 or s.max() > 1:
        raise ValueError("scores must be probabilities in [0, 1]")
    bins = np.minimum((s * n_bins).astype(int), n_bins - 1)
    gap = np.abs(
        np.bincount(bins, weights=y, minlength=n_bins)
        - np.bincount(bins, weights=s, minlength=n_bins)
    )
    return float(gap.sum() / len(s))


def calibration_check(
    score: Sequence[float] | np.ndarray,
    outcome: Sequence[bool | int] | np.ndarray,
    n_bins: int = ECE_BINS,
    n_sim: int = 2000,
    seed: int = 0,
) -> dict[str, float]:
    """The ECE of ``score`` next to the ECE a perfectly calibrated labeler would show.

    On a few hundred units the ECE is far from 0 even for perfectly calibrated scores: each
    bin's observed rate varies around its mean score by chance. This draws ``n_sim`` outcome
    vectors from the scores themselves (unit ``i`` happens with probability ``score[i]``,
    which is what calibration means) and computes their ECE with the same bins: the reference
    distribution of a calibrated labeler with these scores on this many units.

    Parameters
    ----------
    score, outcome, n_bins
        As for :func:`expected_calibration_error`.
    n_sim
        Simulated outcome vectors.
    seed
        Seed of the simulation; the same inputs and seed give the same result.

    Returns
    -------
    dict
        ``ece`` (observed), ``calibrated_mean``, ``calibrated_low`` and ``calibrated_high``
        (mean and 2.5th / 97.5th percentiles of the reference ECE), and ``p_value``: the
        share of simulations with an ECE at least the observed one (small: miscalibration
        that chance does not explain; large: the test set cannot tell these scores from
        calibrated ones). NaN throughout for no units.

    Raises
    ------
    ValueError
        As :func:`expected_calibration_error` does, and when ``n_sim < 1``.
    """
    s = np.asarray(score, dtype=np.float64)
    observed = expected_calibration_error(s, outcome, n_bins)
    if n_sim < 1:
        raise ValueError(f"n_sim must be at least 1, got {n_sim}")
    nan = float("nan")
    if not len(s):
        return {
            k: nan
            for k in ("ece", "calibrated_mean", "calibrated_low", "calibrated_high", "p_value")
        }
    rng = np.random.default_rng(seed)
    drawn = (rng.random((n_sim, len(s))) < s).astype(np.float64)
    bins = np.minimum((s * n_bins).astype(int), n_bins - 1)
    # per simulation and bin: (sum of outcomes) - (sum of scores), through one bincount
    codes = (bins[None, :] + np.arange(n_sim)[:, None] * n_bins).ravel()
    hits = np.bincount(codes, weights=drawn.ravel(), minlength=n_sim * n_bins)
    expected = np.bincount(bins, weights=s, minlength=n_bins)
    sims = np.abs(hits.reshape(n_sim, n_bins) - expected).sum(axis=1) / len(s)
    return {
        "ece": observed,
        "calibrated_mean": float(sims.mean()),
        "calibrated_low": float(np.percentile(sims, 2.5)),
        "calibrated_high": float(np.percentile(sims, 97.5)),
        "p_value": float(np.mean(sims >= observed - 1e-12)),
    }


def calibration_checks(
    gold: pd.DataFrame,
    pred: pd.DataFrame,
    codebook: Codebook | None = None,
    n_sim: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`calibration_check` for the stance (top-label) and each theme (binary), one row
    per dimension: ``dimension, n`` and the check's values. Rows aligned as in
    :func:`evaluate`; ``pred`` needs the score columns."""
    rows = []
    for name, _, s, outcome in _scored_outcomes(gold, pred, codebook or load_codebook()):
        check = calibration_check(s, outcome, n_sim=n_sim, seed=seed)
        rows.append({"dimension": name, "n": len(s), **check})
    return pd.DataFrame(rows)


def _scored_outcomes(
    gold: pd.DataFrame, pred: pd.DataFrame, cb: Codebook, key: str | None = None
) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """``(dimension, kind, scores, outcomes)`` per dimension: the stance (top-label: the score
    against whether the predicted stance is right) and each theme (binary: the score against
    the coded 0/1); rows aligned as in :func:`evaluate`."""
    pred = align_predictions(gold, pred, cb, key)
    gold = gold.reset_index(drop=True)
    if not _has_scores(pred, cb):
        raise InputError("pred has no stance_score or <theme>_score columns to calibrate")
    correct = (gold["stance"].astype(str) == pred["stance"].astype(str)).to_numpy()
    outcomes = [("stance", "top-label", pred["stance_score"], correct)]
    outcomes += [
        (t, "binary", pred[f"{t}_score"], gold[t].astype(int).to_numpy()) for t in cb.theme_names
    ]
    return [(n, k, sc.astype(float).to_numpy(), o) for n, k, sc, o in outcomes]


def calibration_table(
    gold: pd.DataFrame,
    pred: pd.DataFrame,
    codebook: Codebook | None = None,
    key: str | None = None,
    n_bins: int = ECE_BINS,
) -> pd.DataFrame:
    """Expected calibration error of the scores, one row per dimension.

    Stance: top-label ECE (``stance_score`` against whether the predicted stance is right).
    Theme: binary ECE (``<theme>_score`` against the coded 0/1). Columns ``dimension, kind,
    ece, n_bins, n, mean_score, observed`` (observed: accuracy for stance, coded prevalence
    for a theme). ``pred`` needs the score columns; rows are aligned as in :func:`evaluate`.
    """
    rows = []
    for name, kind, s, outcome in _scored_outcomes(gold, pred, codebook or load_codebook(), key):
        rows.append(
            {
                "dimension": name,
                "kind": kind,
                "ece": expected_calibration_error(s, outcome, n_bins),
                "n_bins": n_bins,
                "n": len(s),
                "mean_score": float(s.mean()) if len(s) else float("nan"),
                "observed": float(np.mean(outcome)) if len(s) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def prevalence_table(
    gold: pd.DataFrame,
    pred: pd.DataFrame,
    codebook: Codebook | None = None,
    key: str | None = None,
    by: str = "source_type",
) -> pd.DataFrame:
    """Predicted against coded prevalence of every theme and stance, per group and overall.

    Parameters
    ----------
    gold, pred
        As for :func:`evaluate`; ``gold`` needs the column ``by``.
    codebook
        Label sets (default codebook when ``None``).
    key
        Join column (row order when ``None``).
    by
        Grouping column of ``gold`` (default ``source_type``).

    Returns
    -------
    pandas.DataFrame
        One row per group (``"all"`` last) and label: ``group, dimension, label, n, coded,
        predicted`` (counts), ``coded_share, predicted_share, ratio`` (predicted / coded share,
        NaN when nothing was coded) and ``f1`` (the label's F1 in the group: positive class for
        a theme, the class for a stance; NaN when neither coded nor predicted).
    """
    cb = codebook or load_codebook()
    pred = align_predictions(gold, pred, cb, key)
    gold = gold.reset_index(drop=True)
    if by not in gold.columns:
        raise InputError(f"gold table has no column {by!r} to group by")
    groups = [(str(g), (gold[by] == g).to_numpy()) for g in sorted(gold[by].dropna().unique())]
    groups.append(("all", np.ones(len(gold), dtype=bool)))
    items = [
        ("stance", lab, gold["stance"].astype(str) == lab, pred["stance"].astype(str) == lab)
        for lab in cb.stance_labels
    ]
    items += [(t, "1", gold[t].astype(int) == 1, pred[t].astype(int) == 1) for t in cb.theme_names]
    rows = []
    for group, mask in groups:
        n = int(mask.sum())
        for dimension, label, g, p in items:
            gi, pi = g.to_numpy()[mask], p.to_numpy()[mask]
            coded, predicted, tp = int(gi.sum()), int(pi.sum()), int((gi & pi).sum())
            rows.append(
                {
                    "group": group,
                    "dimension": dimension,
                    "label": label,
                    "n": n,
                    "coded": coded,
                    "predicted": predicted,
                    "coded_share": coded / n if n else float("nan"),
                    "predicted_share": predicted / n if n else float("nan"),
                    "ratio": predicted / coded if coded else float("nan"),
                    "f1": 2 * tp / (coded + predicted) if coded + predicted else float("nan"),
                }
            )
    return pd.DataFrame(rows)
