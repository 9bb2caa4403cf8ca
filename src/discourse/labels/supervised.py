"""Supervised labelers trained on the hand-coded data.

* ``embed-logreg``: logistic regression on cached MiniLM embeddings (one multinomial model for
  stance, one binary model per theme);
* ``combined``: the same on embeddings plus the rules labeler's per-label scores, returning the
  rules' evidence spans for the labels it predicts.

Regularisation strength is chosen by stratified cross-validation on the training data only, and
theme decision thresholds from cross-validated probabilities on the training data. Fitted
weights are plain numbers (saved as JSON with :meth:`EmbeddingLogReg.save`, never pickled).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.codebook import Codebook
from discourse.embeddings import EmbeddingCache
from discourse.labels.base import BaseLabeler, check_codebook_version, evidence_json, labelers
from discourse.labels.rules import RuleLabeler, evidence_spans

__all__ = ["CombinedLabeler", "EmbeddingLogReg"]

_C_GRID = (0.05, 0.1, 0.3, 1.0, 3.0, 10.0)


class _Linear:
    """A fitted linear classifier as plain arrays (softmax for >2 classes, sigmoid for 2)."""

    def __init__(self, classes: list[str], coef: np.ndarray, intercept: np.ndarray) -> None:
        self.classes = classes
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)

    @classmethod
    def from_sklearn(cls, model: Any) -> _Linear:
        return cls([str(c) for c in model.classes_], model.coef_, model.intercept_)

    def proba(self, X: np.ndarray) -> np.ndarray:
        z = X @ self.coef.T + self.intercept
        if len(self.classes) == 2 and z.shape[1] == 1:
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.column_stack([1 - p1, p1])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "coef": self.coef.round(8).tolist(),
            "intercept": self.intercept.round(8).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Linear:
        return cls(d["classes"], np.array(d["coef"]), np.array(d["intercept"]))


class _Constant:
    """A 'classifier' for a label with a single class in the training data."""

    def __init__(self, classes: list[str], value: str) -> None:
        self.classes = classes
        self.value = value

    def proba(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros((len(X), len(self.classes)))
        out[:, self.classes.index(self.value)] = 1.0
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"classes": self.classes, "constant": self.value}


def _from_dict(d: dict[str, Any]) -> _Linear | _Constant:
    return _Constant(d["classes"], d["constant"]) if "constant" in d else _Linear.from_dict(d)


def _fit_logreg(
    X: np.ndarray, y: list[str], seed: int, binary: bool
) -> tuple[_Linear | _Constant, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    classes = sorted(set(y))
    if len(classes) < 2:
        return _Constant(["0", "1"] if binary else classes, classes[0]), float("nan")
    counts = pd.Series(y).value_counts()
    folds = int(min(5, counts.min())) if counts.min() >= 2 else 0
    best_c = 1.0
    if folds >= 2:
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        scoring = "f1" if binary else "f1_macro"
        scores = []
        for c in _C_GRID:
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
            yy = np.array([int(v) for v in y]) if binary else np.array(y)
            scores.append(cross_val_score(model, X, yy, cv=cv, scoring=scoring).mean())
        best_c = _C_GRID[int(np.argmax(scores))]
    model = LogisticRegression(C=best_c, class_weight="balanced", max_iter=5000)
    model.fit(X, np.array(y))
    return _Linear.from_sklearn(model), best_c


def _cv_threshold(X: np.ndarray, y: np.ndarray, c: float, seed: int) -> float:
    """Decision threshold maximising F1 on cross-validated training probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    if y.sum() < 2 or (len(y) - y.sum()) < 2 or np.isnan(c):
        return 0.5
    folds = int(min(5, y.sum(), len(y) - y.sum()))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    p = cross_val_predict(
        LogisticRegression(C=c, class_weight="balanced", max_iter=5000),
        X,
        y,
        cv=cv,
        method="predict_proba",
    )[:, 1]
    grid = np.round(np.arange(0.2, 0.81, 0.025), 3)
    f1s = [(f1_score(y, (p >= t).astype(int), zero_division=0), -abs(t - 0.5)) for t in grid]
    return float(grid[int(np.argmax([f for f, _ in f1s]))])


@labelers.register(
    "embed-logreg", version="1", description="logistic regression on cached MiniLM embeddings"
)
class EmbeddingLogReg(BaseLabeler):
    """Logistic regression on sentence embeddings.

    Parameters
    ----------
    codebook
        Codebook (label sets).
    cache_dir
        Embedding cache folder (``None``: in memory).
    embedder
        An :class:`~discourse.embeddings.EmbeddingCache` to use instead of building one.
    seed
        Seed for the cross-validation folds.
    weights
        A path to a JSON file written by :meth:`save`; loaded instead of fitting.
    embedding_backend
        A :mod:`discourse.embedding_backends` name; saved weights record the embedding model
        and refuse to load with another one.
    rule_weight
        Factor on the rules' per-label scores when they are features (``combined``); 3.0 was
        chosen by 5-fold cross-validation on train + dev (1.0 to 8.0 tried; the test split was
        not used). Saved with the weights.
    """

    name = "embed-logreg"
    version = "1"
    use_rules = False

    def __init__(
        self,
        codebook: Codebook | None = None,
        cache_dir: str | Path | None = None,
        embedder: EmbeddingCache | None = None,
        seed: int = 13,
        weights: str | Path | None = None,
        embedding_backend: str = "minilm",
        rule_weight: float = 3.0,
    ) -> None:
        super().__init__(codebook)
        self.cache_dir = cache_dir
        self.embedder = embedder
        self.seed = seed
        self.weights = weights
        self.embedding_backend = embedding_backend
        self.rule_weight = rule_weight

    # -- features ----------------------------------------------------------------------------
    def _embedder(self) -> EmbeddingCache:
        if self.embedder is None:
            from discourse.embedding_backends import make_embedder

            self.embedder = make_embedder(self.embedding_backend, self.cache_dir)
        return self.embedder

    def _rules(self) -> RuleLabeler:
        if getattr(self, "rules_", None) is None:
            self.rules_ = RuleLabeler(self._cb(), tune=False)
        return self.rules_

    def _features(self, texts: Sequence[str]) -> tuple[np.ndarray, list[list[Any]] | None]:
        X = self._embedder().encode(list(texts))
        if not self.use_rules:
            return X, None
        rules = self._rules()
        cb = self._cb()
        names = [s.name for s in cb.stance.labels] + cb.theme_names
        all_matches = [rules.matches(t) for t in texts]
        R = np.array([[rules.scores(m).get(n, 0.0) for n in names] for m in all_matches])
        weight = getattr(self, "rule_weight_", self.rule_weight)
        return np.hstack([X, weight * R.reshape(len(texts), len(names))]), all_matches

    # -- fit / predict -----------------------------------------------------------------------
    def fit(self, texts: Sequence[str], gold: pd.DataFrame) -> EmbeddingLogReg:
        """Fit the stance and theme models on ``texts`` with gold labels ``gold``."""
        cb = self._cb()
        self.codebook_ = cb
        self.rule_weight_ = float(self.rule_weight)
        X, _ = self._features(texts)
        self.stance_model_, self.stance_c_ = _fit_logreg(
            X, gold["stance"].astype(str).tolist(), self.seed, False
        )
        self.theme_models_: dict[str, Any] = {}
        self.theme_thresholds_: dict[str, float] = {}
        for theme in cb.theme_names:
            y = gold[theme].astype(int).astype(str).tolist()
            model, c = _fit_logreg(X, y, self.seed, True)
            self.theme_models_[theme] = model
            self.theme_thresholds_[theme] = _cv_threshold(
                X, np.array([int(v) for v in y]), c, self.seed
            )
        return self

    def _ensure_fitted(self) -> None:
        if hasattr(self, "stance_model_"):
            return
        if self.weights is None:
            raise RuntimeError(f"{self.name} is not fitted: call fit() or pass weights=<json file>")
        self._load(self.weights)

    def _predict_valid(self, texts: list[str]) -> list[dict[str, Any]]:
        self._ensure_fitted()
        cb = self._cb()
        X, all_matches = self._features(texts)
        ps = self.stance_model_.proba(X)
        classes = self.stance_model_.classes
        rows = []
        theme_p = {
            t: self.theme_models_[t].proba(X)[:, self.theme_models_[t].classes.index("1")]
            if "1" in self.theme_models_[t].classes
            else np.zeros(len(texts))
            for t in cb.theme_names
        }
        for i in range(len(texts)):
            j = int(np.argmax(ps[i]))
            stance = classes[j]
            matches = all_matches[i] if all_matches is not None else []
            row: dict[str, Any] = {
                "stance": stance,
                "stance_score": float(ps[i, j]),
                "stance_evidence": evidence_json(evidence_spans(matches, stance)),
            }
            for t in cb.theme_names:
                p = float(theme_p[t][i])
                present = int(p >= self.theme_thresholds_[t])
                row[t] = present
                row[f"{t}_score"] = p
                row[f"{t}_evidence"] = evidence_json(evidence_spans(matches, t) if present else [])
            rows.append(row)
        return rows

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Fitted state as JSON-serialisable data."""
        self._ensure_fitted()
        cb = self._cb()
        return {
            "labeler": self.name,
            "version": self.version,
            "codebook": {"name": cb.meta.name, "version": cb.meta.version},
            "embedding_model": self._embedder().model_id,
            "use_rules": self.use_rules,
            "rule_weight": getattr(self, "rule_weight_", self.rule_weight),
            "stance": self.stance_model_.to_dict(),
            "themes": {t: m.to_dict() for t, m in self.theme_models_.items()},
            "theme_thresholds": self.theme_thresholds_,
        }

    def save(self, path: str | Path) -> None:
        """Write the fitted weights as JSON (atomically)."""
        from discourse.io_utils import write_json

        write_json(self.to_dict(), Path(path))

    def _load(self, path: str | Path) -> None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("labeler") != self.name:
            raise ValueError(f"{path} holds weights for {data.get('labeler')!r}, not {self.name!r}")
        cb = self._cb()
        if data["codebook"]["name"] != cb.meta.name or set(data["themes"]) != set(cb.theme_names):
            raise ValueError(
                f"{path} was trained for codebook {data['codebook']['name']!r} with themes "
                f"{sorted(data['themes'])}; this codebook is {cb.meta.name!r} with {cb.theme_names}"
            )
        check_codebook_version(data["codebook"], cb, path)
        fitted_on, ours = data.get("embedding_model"), self._embedder().model_id
        if fitted_on and fitted_on != ours:
            raise ValueError(
                f"{path} was fitted on {fitted_on!r} embeddings, but this run embeds with "
                f"{ours!r} (embeddings.backend = {self.embedding_backend!r}); use the matching "
                "backend, or fit weights for this one with `discourse train --embedding-backend`"
            )
        self.stance_model_ = _from_dict(data["stance"])
        self.theme_models_ = {t: _from_dict(d) for t, d in data["themes"].items()}
        self.theme_thresholds_ = {t: float(v) for t, v in data["theme_thresholds"].items()}
        # weights saved before rule_weight existed were fitted on unscaled rule scores
        self.rule_weight_ = float(data.get("rule_weight", 1.0))
        self.codebook_ = cb


@labelers.register(
    "combined",
    version="2",
    description="logistic regression on MiniLM embeddings + weighted rule scores; rule evidence",
)
class CombinedLabeler(EmbeddingLogReg):
    """Embeddings plus the rules labeler's scores (times ``rule_weight``) as features; evidence
    from the rules. Version 2: rule scores weighted 3.0 (version 1: 1.0)."""

    name = "combined"
    version = "2"
    use_rules = True
