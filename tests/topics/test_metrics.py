"""Topic metrics on tiny corpora whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from discourse.topics.metrics import (
    mean_pairwise_ari,
    npmi_coherence,
    outlier_rate,
    topic_diversity,
)

# documents x words (a, b, c, d): a and b always together, c and d always together
VOCAB = {"a": 0, "b": 1, "c": 2, "d": 3}
DOCS = sparse.csr_matrix(
    np.array(
        [
            [1, 2, 0, 0],
            [1, 1, 0, 0],
            [0, 0, 1, 1],
            [0, 0, 3, 1],
        ]
    )
)


def test_npmi_known_values() -> None:
    scores = npmi_coherence({0: ["a", "b"], 1: ["a", "c"], 2: ["a", "b", "c"]}, DOCS, VOCAB)
    # p(a)=p(b)=p(a,b)=1/2: log(0.5/0.25)/-log(0.5) = 1
    assert scores[0] == pytest.approx(1.0)
    # a and c never co-occur: -1 by convention
    assert scores[1] == pytest.approx(-1.0)
    # pairs ab=1, ac=-1, bc=-1
    assert scores[2] == pytest.approx(-1 / 3)


def test_npmi_independent_words_score_zero_and_partial_overlap() -> None:
    # a in docs 0,1; b in docs 0,2: p(a)=p(b)=1/2, p(a,b)=1/4 -> independent -> 0
    x = sparse.csr_matrix(np.array([[1, 1], [1, 0], [0, 1], [0, 0]]))
    assert npmi_coherence({0: ["a", "b"]}, x, {"a": 0, "b": 1})[0] == pytest.approx(0.0)
    # a in 0,1,2; b in 0,1: p(a)=3/4, p(b)=1/2, p(ab)=1/2
    x = sparse.csr_matrix(np.array([[1, 1], [1, 1], [1, 0], [0, 0]]))
    expected = math.log(0.5 / (0.75 * 0.5)) / -math.log(0.5)
    assert npmi_coherence({0: ["a", "b"]}, x, {"a": 0, "b": 1})[0] == pytest.approx(expected)


def test_npmi_skips_outlier_topic_top_n_and_unknown_words() -> None:
    scores = npmi_coherence(
        {-1: ["a", "b"], 0: ["a", "zzz", "b", "c"], 1: ["d"]}, DOCS, VOCAB, top_n=3
    )
    assert -1 not in scores
    assert scores[0] == pytest.approx(1.0)  # top 3 = a, zzz (unknown, dropped), b
    assert 1 not in scores  # one word: no pair


def test_diversity() -> None:
    assert topic_diversity({0: ["a", "b"], 1: ["b", "c"]}) == pytest.approx(3 / 4)
    assert topic_diversity({0: ["a", "b"], 1: ["c", "d"], -1: ["a"]}) == 1.0
    words = {0: [f"w{i}" for i in range(30)], 1: [f"w{i}" for i in range(30)]}
    assert topic_diversity(words, top_n=25) == pytest.approx(0.5)


def test_outlier_rate_and_ari() -> None:
    assert outlier_rate([-1, 0, 0, 1]) == 0.25
    mean, m = mean_pairwise_ari([[0, 0, 1, 1], [1, 1, 0, 0], [5, 5, 7, 7]])
    assert mean == pytest.approx(1.0) and m.shape == (3, 3)
    mean, m = mean_pairwise_ari([[0, 0, 1, 1], [0, 1, 0, 1]])
    assert mean == pytest.approx(-0.5)  # sklearn's ARI of two crossed partitions of 4
    with pytest.raises(ValueError, match="two runs"):
        mean_pairwise_ari([[0, 1]])


def test_topic_reappearance_counts_matching_topics_in_other_fits() -> None:
    from discourse.topics.metrics import topic_reappearance

    a = [0, 0, 0, 1, 1, 1, -1]
    same = [5, 5, 5, 2, 2, 2, 2]  # renumbered, topic 1 gains a segment: Jaccard 3/4
    split = [0, 1, 2, 3, 3, 3, 3]  # topic 0 split in three: best Jaccard 1/3
    got = topic_reappearance(a, [same, split])
    assert got[0] == {"reappears": 0.5, "best_jaccard": pytest.approx((1 + 1 / 3) / 2)}
    assert got[1] == {"reappears": 1.0, "best_jaccard": 0.75}
    assert -1 not in got


def test_document_concentration_and_purity() -> None:
    from discourse.topics.metrics import document_concentration

    shares, purity = document_concentration([0, 0, 0, 1, 1, -1], ["a", "a", "b", "b", "c", "a"])
    assert shares == {0: pytest.approx(2 / 3), 1: 0.5}
    assert purity == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match="document ids"):
        document_concentration([0, 1], ["a"])
