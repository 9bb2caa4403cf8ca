"""Would the student's theme models gain from the stance model's word n-grams? (issue 16/21)

The student's theme models read the static embedding and the rule scores; its stance model also
reads the 1-3-gram TF-IDF. This script fits the student on the train split as packaged, and again
with each theme model refitted on the embedding, rule scores and the n-grams (times ``scale``),
with the same cross-validated ``C``, calibration and threshold rule, and prints dev-split scores.
Only train and dev are read. Not adopted so far: dev mean theme F1 0.752 as packaged, 0.757 /
0.759 / 0.737 with n-grams at scale 0.5 / 1 / 2 (stance unchanged, 0.836), a gain within what
392 dev units can tell apart.

Usage::

    HF_HUB_OFFLINE=1 python scripts/student_theme_ngrams.py --cache-dir /tmp/exp_cache \\
        --scales 0.5,1,2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.annotations import load_annotations
from discourse.codebook import load_codebook
from discourse.labels.evaluate import evaluate
from discourse.labels.student import StudentLabeler, _fit_distilled


class NgramThemeStudent(StudentLabeler):
    """The student with n-gram features in its theme models (an experiment, not registered)."""

    scale = 1.0

    def _features(self, texts: Any, embedder: Any = None) -> Any:
        self._texts = list(texts)  # the theme models need the texts of the rows
        return super()._features(texts, embedder)

    def _theme_X(self, X: np.ndarray, texts: list[str]) -> Any:
        import scipy.sparse as sp

        T = self.ngrams_.transform(texts) * self.ngram_scale_ * self.scale
        return sp.hstack([sp.csr_matrix(X), T], format="csr")

    def fit(self, texts: Any, gold: pd.DataFrame) -> NgramThemeStudent:
        super().fit(texts, gold)
        texts = list(texts)
        Xg, _ = self._features(texts)
        Xt = self._theme_X(Xg, texts)
        w = self._sample_weights(gold)
        w = np.ones(len(texts)) if w is None else np.asarray(w, dtype=float)
        none = np.array([], dtype=object)
        for theme in self._cb().theme_names:
            y = gold[theme].astype(int).astype(str).to_numpy()
            model, c, p = _fit_distilled(
                Xt, y, w, Xt[:0], none, np.zeros(0), ["0", "1"], self.seed, True
            )
            self.theme_models_[theme] = model
            self._calibrate_theme_cv(theme, p, y.astype(int), c, w)
        return self

    def _theme_proba(self, theme: str, X: np.ndarray) -> np.ndarray:
        return super()._theme_proba(theme, self._theme_X(X, self._texts))


def _scores(model: StudentLabeler, dev: pd.DataFrame, cb: Any) -> dict[str, float]:
    ev = evaluate(dev, model.predict(dev.text.tolist()), cb)
    return {
        "stance_macro_f1": round(ev.stance.macro_f1, 4),
        "mean_theme_f1": round(ev.mean_theme_f1, 4),
        **{
            t: round(float(r.per_class.set_index("label").loc["1", "f1"]), 4)
            for t, r in ev.themes.items()
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--cache-dir", required=True)
    ap.add_argument("--scales", default="0.5,1,2")
    args = ap.parse_args()
    cb = load_codebook()
    gold = load_annotations(Path(args.annotations), cb).gold()
    train = gold[gold.split == "train"].reset_index(drop=True)
    dev = gold[gold.split == "dev"].reset_index(drop=True)
    base = StudentLabeler(cache_dir=args.cache_dir).fit(train.text.tolist(), train)
    print("packaged", json.dumps(_scores(base, dev, cb)), flush=True)
    for scale in (float(s) for s in args.scales.split(",")):
        NgramThemeStudent.scale = scale
        model = NgramThemeStudent(cache_dir=args.cache_dir).fit(train.text.tolist(), train)
        print(f"n-grams x{scale}", json.dumps(_scores(model, dev, cb)), flush=True)


if __name__ == "__main__":
    main()
