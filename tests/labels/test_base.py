"""BaseLabeler.predict: what reaches a labeler's model, and what comes back."""

from __future__ import annotations

from typing import Any

import pandas as pd

from discourse.labels.base import BaseLabeler, make_labeler


class _Counting(BaseLabeler):
    """Labels every text 'none' with a score from its length; records what it was handed."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def _predict_valid(self, texts: list[str]) -> list[dict[str, Any]]:
        self.seen.extend(texts)
        cb = self._cb()
        rows = []
        for t in texts:
            row = self._empty_row(cb)
            row["stance_score"] = len(t) / 100
            rows.append(row)
        return rows


def test_each_distinct_text_is_labelled_once_and_repeats_get_its_labels() -> None:
    labeler = _Counting()
    labeler.predict_chunk = 1
    texts = ["I went no contact.", "Stay strong.", "I went no contact.", "", "Stay strong."]
    out = labeler.predict(texts)
    assert labeler.seen == ["I went no contact.", "Stay strong."]
    assert len(out) == len(texts)
    assert out.stance_score.tolist() == [0.18, 0.12, 0.18, 0.0, 0.12]


def test_repeated_texts_get_the_labels_they_get_alone() -> None:
    rules = make_labeler("rules")
    a = "Go no contact so he misses you and comes back."
    b = "Do what feels right for you; no rule decides that."
    together = rules.predict([a, b, a, a.upper(), b])
    alone = pd.concat([rules.predict([t]) for t in (a, b, a, a.upper(), b)], ignore_index=True)
    pd.testing.assert_frame_equal(together, alone)
