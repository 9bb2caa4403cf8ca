"""Evaluation of labels against hand-coded data: per-class precision, recall and F1, macro-F1,
Cohen's kappa and the confusion matrix, for stance and for each theme."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from discourse.codebook import Codebook, load_codebook

__all__ = ["Evaluation", "agreement", "align_predictions", "evaluate"]


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

    @property
    def mean_theme_f1(self) -> float:
        """Mean over themes of the F1 of the positive class."""
        if not self.themes:
            return float("nan")
        return float(np.mean([_positive_f1(r) for r in self.themes.values()]))

    def summary(self) -> pd.DataFrame:
        """One row per dimension: macro-F1 (stance) or positive-class F1 (theme), kappa, n."""
        rows = [
            {
                "dimension": "stance",
                "metric": "macro_f1",
                "value": self.stance.macro_f1,
                "kappa": self.stance.kappa,
                "accuracy": self.stance.accuracy,
                "n": self.stance.n,
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
            }
        )
        return pd.DataFrame(rows)

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
        missing = set(gold[key]) - set(pred[key])
        if missing:
            raise ValueError(
                f"{len(missing)} gold rows have no prediction (e.g. {sorted(missing)[:3]})"
            )
        pred = pred.set_index(key).loc[gold[key]].reset_index()
    elif len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} rows but pred has {len(pred)}; pass key= to align")
    for col in ["stance", *codebook.theme_names]:
        for name, frame in (("gold", gold), ("pred", pred)):
            if col not in frame.columns:
                raise ValueError(f"{name} table has no column {col!r}")
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
        raise ValueError(
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
    return Evaluation(stance=stance, themes=themes)


def agreement(a: pd.DataFrame, b: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Inter-coder agreement on the units both coded: Cohen's kappa and percent agreement per
    dimension (``a`` and ``b`` indexed or keyed by ``unit_id``)."""
    cb = codebook or load_codebook()
    a = a.set_index("unit_id") if "unit_id" in a.columns else a
    b = b.set_index("unit_id") if "unit_id" in b.columns else b
    common = a.index.intersection(b.index)
    rows = []
    for col in ["stance", *cb.theme_names]:
        x = a.loc[common, col].astype(str).tolist()
        y = b.loc[common, col].astype(str).tolist()
        labels = cb.stance_labels if col == "stance" else ["0", "1"]
        kappa = float(cohen_kappa_score(x, y, labels=labels)) if len(set(x) | set(y)) > 1 else 1.0
        rows.append(
            {
                "dimension": col,
                "n": len(common),
                "kappa": kappa,
                "percent_agreement": float(np.mean(np.array(x) == np.array(y))),
            }
        )
    return pd.DataFrame(rows)
