"""Leave-one-document-out scores of the real advice-genre units (`discourse train`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from discourse.codebook import load_codebook
from discourse.errors import InputError
from discourse.labels import training
from discourse.labels.training import document_cross_validation


def _gold() -> pd.DataFrame:
    rows = []
    for doc, n in (("seeds/a.txt", 3), ("seeds/b.txt", 2), ("seeds/c.txt", 2)):
        for i in range(n):
            split = ("train", "dev", "test")[i % 3]
            rows.append((f"{doc}#{i}", doc, "seed", split, "article"))
    for i in range(4):
        rows.append((f"reddit/p{i}#0", f"reddit/p{i}", "random", ("train", "test")[i % 2], "post"))
    gold = pd.DataFrame(rows, columns=["unit_id", "doc_id", "sampling", "split", "source_type"])
    gold["text"] = "text of " + gold.unit_id
    gold["stance"] = ["strategic", "none", "self-healing", "autonomy-first"] * 2 + ["none"] * 3
    for theme in ("shame", "abandonment", "regret"):
        gold[theme] = 0
    return gold


class _Recorder:
    """Stands in for a labeler: records what each fold was fitted on, predicts its fold id."""

    def __init__(self) -> None:
        self.fits: list[list[str]] = []

    def fit(self, name: str, cb: Any, texts: list[str], gold: pd.DataFrame, *args: Any) -> Any:
        self.fits.append(list(gold.unit_id))
        fold = len(self.fits)

        class Fitted:
            def predict(self, texts: list[str]) -> pd.DataFrame:
                return pd.DataFrame(
                    {"stance": ["none"] * len(texts), "fold": [fold] * len(texts), "text": texts}
                )

        return Fitted()


def test_each_document_is_scored_by_a_fit_that_never_saw_it(monkeypatch: Any) -> None:
    gold, rec = _gold(), _Recorder()
    monkeypatch.setattr(training, "_fit", rec.fit)
    units, pred = document_cross_validation("rules", load_codebook(), gold)
    seeds = gold[gold.sampling == "seed"]
    # every seed unit of every split, once, row-aligned with its prediction
    assert sorted(units.unit_id) == sorted(seeds.unit_id)
    assert list(pred.text) == list(units.text)
    assert len(rec.fits) == 3  # one fit per document
    test_ids = set(gold.unit_id[gold.split == "test"])
    for fold, (doc, fitted) in enumerate(zip(sorted(seeds.doc_id.unique()), rec.fits), 1):
        assert not any(u.startswith(doc) for u in fitted)  # not the held-out document
        assert not test_ids & set(fitted)  # never a test-split unit
        # the other documents' train + dev units are all there
        others = gold[(gold.doc_id != doc) & gold.split.isin(["train", "dev"])]
        assert set(fitted) == set(others.unit_id)
        assert set(pred.fold[units.doc_id.to_numpy() == doc]) == {fold}


def test_document_cv_refuses_units_without_documents() -> None:
    gold = _gold()
    with pytest.raises(InputError, match="doc_id"):
        document_cross_validation("rules", load_codebook(), gold.drop(columns="doc_id"))
    with pytest.raises(InputError, match="no coded unit has sampling"):
        document_cross_validation("rules", load_codebook(), gold, sampling="nothing")


@pytest.mark.slow
def test_report_has_the_section_for_every_labeler(tmp_path: Path) -> None:
    """Two labelers through the real protocol on the real seed units (about a minute)."""
    from _annotation_subsets import write_subset
    from _paths import ROOT
    from discourse.annotations import load_annotations

    ann = load_annotations(ROOT / "data" / "annotations")
    gold = ann.gold()
    # the seed units, plus the shortest other units of each split (a fast fit)
    other = gold[gold.sampling != "seed"].assign(n=gold.text.str.len())
    keep = pd.concat(
        [
            gold[gold.sampling == "seed"],
            other.sort_values(["split", "n", "unit_id"]).groupby("split").head(30),
        ]
    )
    out = write_subset(ann, set(keep.unit_id), tmp_path / "ann")
    report = training.train_and_evaluate(out, labeler_names=("rules", "student"))
    n_seed = int((gold.sampling == "seed").sum())
    for name in ("rules", "student"):
        assert report.document_cv[name].stance.n == n_seed
        sources = report.document_cv_sources[name]
        assert sum(e.stance.n for e in sources.values()) == n_seed
    # the default minus the other labeler on the same units, with a paired interval
    other = next(n for n in ("rules", "student") if n != report.default)
    assert set(report.document_cv_differences) == {other}
    row = report.document_cv_differences[other].set_index("metric").loc["stance_macro_f1"]
    cv = report.document_cv
    expected = cv[report.default].stance.macro_f1 - cv[other].stance.macro_f1
    assert abs(row["estimate"] - expected) < 1e-9
    path = tmp_path / "report.md"
    training.write_report(report, path)
    text = path.read_text()
    section = text.split("## Real advice-genre units, each document left out", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert f"The {n_seed} coded units of the 5 seed documents" in section
    for name in ("rules", "student"):
        line = next(r for r in section.splitlines() if r.startswith(f"| {name} |"))
        assert f"{cv[name].stance.macro_f1:.3f}" in line
    assert f"| {report.default} - {other} |" in section
    # the ECE on these units next to what calibrated scores would show on as many units
    for name in ("rules", "student"):
        table = report.document_cv_calibration[name].set_index("dimension")
        assert table.loc["stance", "n"] == n_seed
        assert abs(table.loc["stance", "ece"] - cv[name].ece("stance")) < 1e-12
    assert "| seed documents, each left out | student | stance |" in text
    # switched off: no section
    off = training.train_and_evaluate(out, labeler_names=("rules",), document_cv=False)
    assert not off.document_cv
