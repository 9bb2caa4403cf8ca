"""The codebook-shaped stance model of ``scripts/codebook_shaped_stance.py``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from discourse.errors import InputError

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "codebook_shaped_stance.py"


@pytest.fixture(scope="module")
def mod():
    spec = importlib.util.spec_from_file_location("codebook_shaped_stance", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data(seed: int, n: int = 240):
    """Two features: x0 > 0 takes a position; among those, x1 > 1 rejects the rule, x1 < -1
    is strategic, and in between self-healing."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.choice([-2.0, 2.0], n), rng.choice([-2.0, 0.0, 2.0], n)])
    X = X + rng.normal(0, 0.2, X.shape)
    y = np.where(
        X[:, 0] < 0,
        "none",
        np.where(
            X[:, 1] > 1, "autonomy-first", np.where(X[:, 1] < -1, "strategic", "self-healing")
        ),
    )
    return X, y


def test_ordered_model_follows_the_decision_order(mod):
    X, y = _data(0)
    model = mod.OrderedStanceModel().fit(X, y)
    Xt, yt = _data(1)
    P = model.predict_proba(Xt)
    assert P.shape == (len(yt), 4)
    assert np.allclose(P.sum(axis=1), 1.0)
    assert model.classes_ == ["strategic", "self-healing", "autonomy-first", "none"]
    assert (model.predict(Xt) == yt).mean() > 0.95
    # the "goal" question is fitted on strategic and self-healing units only
    assert model.others_reaction_.coef.shape == (1, 2)


def test_ordered_model_rejects_unknown_stances_and_one_sided_questions(mod):
    X, y = _data(0)
    with pytest.raises(InputError, match="not among"):
        mod.OrderedStanceModel().fit(X, np.where(y == "none", "neutral", y))
    with pytest.raises(InputError, match="position question"):
        mod.OrderedStanceModel().fit(X, np.full(len(y), "none"))
