"""The deciding-sentence evidence of the model labelers, with a stand-in scorer (no model)."""

from __future__ import annotations

import json
from typing import Any

from discourse.labels.supervised import EmbeddingLogReg


class _Stub(EmbeddingLogReg):
    """Supports a piece of text only when it holds both "alpha" and "beta"."""

    def _best_pieces(
        self, texts: list[str], rows: list[dict[str, Any]], owners: list[tuple[int, int, int]]
    ) -> dict[int, tuple[int, int]]:
        out: dict[int, tuple[int, int]] = {}
        for i, s0, e0 in owners:
            piece = texts[i][s0:e0]
            if "alpha" in piece and "beta" in piece and i not in out:
                out[i] = (s0, e0)
        return out


def _evidence(texts: list[str]) -> list[list[dict[str, Any]]]:
    rows = [{"stance": "strategic", "stance_evidence": "[]"} for _ in texts]
    _Stub()._sentence_evidence(texts, rows, list(range(len(texts))))
    return [json.loads(r["stance_evidence"]) for r in rows]


def test_one_sentence_first_then_runs_of_two_or_three() -> None:
    one = "Nothing here at all. Then alpha and beta together. And more words here."
    two = "Words before alpha here. Then beta comes next. Something unrelated to close."
    three = "It starts with alpha. Middle words go here. Then beta ends it. Last words here."
    ev_one, ev_two, ev_three = _evidence([one, two, three])
    assert ev_one == [
        {
            "start": one.index("Then"),
            "end": one.index(" And"),
            "text": "Then alpha and beta together.",
            "rule": "strategic.sentence",
        }
    ]
    assert ev_two[0]["text"] == "Words before alpha here. Then beta comes next."
    assert ev_three[0]["text"] == "It starts with alpha. Middle words go here. Then beta ends it."
    assert all(two[e["start"] : e["end"]] == e["text"] for e in ev_two)


def test_the_whole_unit_is_not_its_own_evidence() -> None:
    """Two sentences that support the label only together: the pair is the whole unit, which is
    no evidence of where the label came from; a one-sentence unit quotes itself."""
    split, whole = "It has alpha here. It has beta there.", "One sentence with alpha and beta."
    ev_split, ev_whole = _evidence([split, whole])
    assert ev_split == [] and ev_whole[0]["text"] == whole


def test_lower_case_sentences_are_split_and_spans_trimmed() -> None:
    """ASR-like lower-case text is several sentences, not one; spans carry no outer space."""
    text = "  i went no contact. it has alpha and beta here.\r\nand the rest is more words.  "
    (ev,) = _evidence([text])
    assert ev[0]["text"] == "it has alpha and beta here."
    assert text[ev[0]["start"] : ev[0]["end"]] == ev[0]["text"]
