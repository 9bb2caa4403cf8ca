"""Evidence that supports the label (issue 16 item 5): no span quoting a negated, rejected or
questioned option, nor a pattern's words in another sense; cases in
tests/fixtures/evidence/evidence_cases.json (written for the tests)."""

from __future__ import annotations

import json

import pytest

from _paths import FIXTURES
from discourse.labels.rules import RuleLabeler

CASES = json.loads((FIXTURES / "evidence" / "evidence_cases.json").read_text(encoding="utf-8"))[
    "cases"
]


@pytest.fixture(scope="module")
def rules() -> RuleLabeler:
    return RuleLabeler(tune=False)


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i}-{c['kind']}-{c['label']}" for i, c in enumerate(CASES)]
)
def test_evidence_fixture(rules: RuleLabeler, case: dict) -> None:
    found = [m.text for m in rules.matches(case["text"]) if m.label == case["label"]]
    assert found == case["evidence"], case["text"]


def test_fixture_covers_every_guard() -> None:
    kinds = {c["kind"] for c in CASES}
    assert {
        "rejected-predicate",
        "rejected-frame",
        "reported-and-contradicted",
        "questioned",
        "negated",
        "spurious",
        "kept",
    } <= kinds
    # cases that must keep their evidence, so the guards cannot pass by removing everything
    assert sum(bool(c["evidence"]) for c in CASES) >= 8


def test_predicted_evidence_never_quotes_a_rejected_option(rules: RuleLabeler) -> None:
    """Through ``predict``: every evidence column holds only spans the fixture allows."""
    texts = [c["text"] for c in CASES]
    pred = rules.predict(texts)
    for case, (_, row) in zip(CASES, pred.iterrows()):
        col = "stance" if case["label"] in rules._cb().stance_labels else case["label"]
        spans = json.loads(row[f"{col}_evidence"])
        for span in spans:
            assert case["text"][span["start"] : span["end"]] == span["text"]
        if col == "stance" and row["stance"] != case["label"]:
            continue
        quoted = [s["text"] for s in spans if s["rule"].startswith(case["label"] + ".")]
        assert set(quoted) <= set(case["evidence"]), case["text"]


def test_rejected_options_do_not_decide_the_stance(rules: RuleLabeler) -> None:
    assert rules.predict(["Honestly, it never worked to get him back with silence."]).stance[0] == (
        "none"
    )
    text = "Coaches tell you to vanish so he misses you, but you deserve better and need to heal."
    assert rules.predict([text]).stance[0] == "self-healing"
