"""A stance model shaped like the codebook's decision rules, against the flat classifier.

Issue 16, build item 3: "a model shaped like the codebook, if it beats a flat classifier". The
codebook's stance rules are ordered: does the unit take a position on contact (otherwise
``none``, rule 4)? does it reject the rule or put the person's own judgment first
(``autonomy-first``, rule 1)? otherwise, whose good is the goal (``strategic`` or
``self-healing``, rule 2)? :class:`OrderedStanceModel` follows that order with three binary
balanced logistic regressions, each fitted only on the units that reach its question:

    P(none)           = 1 - p(position)
    P(autonomy-first) = p(position) * p(rejects rule | position)
    P(strategic)      = p(position) * (1 - p(rejects rule | position)) * p(other's reaction | goal)
    P(self-healing)   = p(position) * (1 - p(rejects rule | position)) * (1 - p(other's ... ))

The flat model is the default labeler's stance model: one balanced multinomial logistic
regression. Both read the same features (the labeler's embedding, rule scores and n-grams),
both choose ``C`` by stratified cross-validation on the fitting units, and both predict the
argmax of their uncalibrated probabilities, so the comparison is of the model's shape alone.

Scored on: the real advice-genre units (the seed documents), each document left out as in
``discourse train``; dev (fitted on train); test and test-synthetic (fitted on train + dev).
The table gives stance macro-F1 and per-class F1 of each, and the ordered minus flat difference
with a paired bootstrap interval over the units.

Usage::

    HF_HUB_OFFLINE=1 python scripts/codebook_shaped_stance.py --cache-dir /tmp/cs_cache \\
        --out /tmp/codebook_shaped.md
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from discourse.analysis.tables import markdown_table
from discourse.annotations import load_annotations
from discourse.codebook import Codebook, load_codebook
from discourse.errors import InputError
from discourse.labels.base import make_labeler
from discourse.labels.bootstrap import bootstrap_difference
from discourse.labels.evaluate import evaluate
from discourse.labels.supervised import _fit_logreg
from discourse.labels.training import document_folds

#: the packaged codebook's stances in the order its decision rules ask about them
STRATEGIC, SELF_HEALING, AUTONOMY, NONE = "strategic", "self-healing", "autonomy-first", "none"
STANCES = (STRATEGIC, SELF_HEALING, AUTONOMY, NONE)


class OrderedStanceModel:
    """Three binary balanced logistic regressions in the codebook's decision order.

    Parameters
    ----------
    seed
        Seed of the cross-validation that chooses each regression's ``C``.
    """

    def __init__(self, seed: int = 13) -> None:
        self.seed = seed

    def _binary(self, X: np.ndarray, y: np.ndarray) -> object:
        model, _ = _fit_logreg(X, [str(int(v)) for v in y], self.seed, True)
        return model

    def fit(self, X: np.ndarray, y: Sequence[str]) -> OrderedStanceModel:
        """Fit the three questions on the units that reach each of them."""
        y = np.asarray(y, dtype=object)
        unknown = sorted(set(y) - set(STANCES))
        if unknown:
            raise InputError(f"stance values {unknown} are not among {list(STANCES)}")
        position = y != NONE
        goal = (y == STRATEGIC) | (y == SELF_HEALING)
        for name, mask in (("position", position), ("goal", goal)):
            if mask.all() or not mask.any():
                raise InputError(f"the {name} question needs units on both sides of it")
        self.position_ = self._binary(X, position)
        self.rejects_rule_ = self._binary(X[np.flatnonzero(position)], y[position] == AUTONOMY)
        self.others_reaction_ = self._binary(X[np.flatnonzero(goal)], y[goal] == STRATEGIC)
        self.classes_ = list(STANCES)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of :data:`STANCES` (columns in that order; rows sum to 1)."""
        pa = self.position_.proba(X)[:, 1]
        pb = self.rejects_rule_.proba(X)[:, 1]
        pc = self.others_reaction_.proba(X)[:, 1]
        goal = pa * (1 - pb)
        return np.column_stack([goal * pc, goal * (1 - pc), pa * pb, 1 - pa])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most probable stance of each row."""
        return np.array(self.classes_, dtype=object)[self.predict_proba(X).argmax(axis=1)]


def _features(
    name: str, cb: Codebook, cache_dir: str | None, train: pd.DataFrame, score: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The stance features of labeler ``name`` (n-grams fitted on ``train`` only)."""
    m = make_labeler(name, cb, cache_dir=cache_dir, seed=13)
    m.codebook_ = cb
    m.rule_weight_ = float(m.rule_weight)
    texts = train.text.tolist()
    X, _ = m._features(texts)
    m._fit_ngrams(texts)
    Xs = m._stance_features(X, texts)
    Xt, _ = m._features(score.text.tolist())
    return Xs, m._stance_features(Xt, score.text.tolist())


def _predict_both(
    name: str, cb: Codebook, cache_dir: str | None, train: pd.DataFrame, score: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    Xs, Xt = _features(name, cb, cache_dir, train, score)
    y = train.stance.astype(str).tolist()
    flat, _ = _fit_logreg(Xs, y, 13, False)
    flat_pred = np.array(flat.classes, dtype=object)[flat.proba(Xt).argmax(axis=1)]
    return flat_pred, OrderedStanceModel().fit(Xs, y).predict(Xt)


def _sets(gold: pd.DataFrame) -> list[tuple[str, list[tuple[pd.DataFrame, pd.DataFrame]]]]:
    """(name, [(fit units, scored units), ...]) for each evaluation."""
    _, lodo = document_folds(gold)
    out = [("seed documents, each left out", lodo)]
    for fit, scored in (
        (["train"], "dev"),
        (["train", "dev"], "test"),
        (["train", "dev"], "test-synthetic"),
    ):
        train = gold[gold.split.isin(fit)].reset_index(drop=True)
        units = gold[gold.split == scored].reset_index(drop=True)
        if not units.empty:
            out.append((f"{scored} (fitted on {' + '.join(fit)})", [(train, units)]))
    return out


def compare(name: str, annotations: str, cache_dir: str | None, n_boot: int) -> pd.DataFrame:
    """One row per evaluation set: flat and ordered scores and their paired difference."""
    cb = load_codebook(None)
    if tuple(cb.stance_labels) != STANCES:
        raise InputError(f"this comparison follows the packaged codebook's stances {STANCES}")
    gold = load_annotations(annotations).gold()
    rows = []
    for label, folds in _sets(gold):
        units, flat, ordered = [], [], []
        for train, scored in folds:
            scored = scored.reset_index(drop=True)
            f, o = _predict_both(name, cb, cache_dir, train, scored)
            units.append(scored)
            flat.append(f)
            ordered.append(o)
        g = pd.concat(units, ignore_index=True)
        # stance only: the theme columns evaluate() requires are constant and not reported
        no_themes = {t: 0 for t in cb.theme_names}
        pf = pd.DataFrame({"stance": np.concatenate(flat), **no_themes})
        po = pd.DataFrame({"stance": np.concatenate(ordered), **no_themes})
        ev_f, ev_o = evaluate(g, pf, cb), evaluate(g, po, cb)
        diff = bootstrap_difference(g, po, pf, cb, n_boot=n_boot, seed=0).set_index("metric")
        d = diff.loc["stance_macro_f1"]
        row = {
            "units": label,
            "n": len(g),
            "flat macro-F1": round(ev_f.stance.macro_f1, 3),
            "ordered macro-F1": round(ev_o.stance.macro_f1, 3),
            "ordered - flat [95% CI]": f"{d.estimate:+.3f} [{d.low:+.3f}, {d.high:+.3f}]",
        }
        f1_f = ev_f.stance.per_class.set_index("label")["f1"]
        f1_o = ev_o.stance.per_class.set_index("label")["f1"]
        for stance in STANCES:
            row[f"F1 {stance} (flat / ordered)"] = f"{f1_f[stance]:.2f} / {f1_o[stance]:.2f}"
        rows.append(row)
        print(row, flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--labeler", default="student", help="whose features both models read")
    ap.add_argument("--cache-dir", default=None, help="embedding cache")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=None, help="write the table as Markdown here")
    args = ap.parse_args()
    table = compare(args.labeler, args.annotations, args.cache_dir, args.n_boot)
    md = markdown_table(table)
    print(md)
    if args.out is not None:
        args.out.write_text(md + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
