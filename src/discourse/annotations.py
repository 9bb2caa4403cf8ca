"""The hand-coded data set: units, codings, adjudication, gold labels, agreement and splits.

Files in the annotations folder (``data/annotations`` in this repository):

* ``units.csv``: ``unit_id, round, doc_id, source_type, sampling, text``;
* ``codings.csv``: one row per (unit, coder): ``unit_id, coder, role, stance, <themes>, note``,
  ``role`` is ``primary`` or ``second`` (independent double coding);
* ``adjudication.csv``: for double-coded units where the coders disagreed, the adjudicated codes;
* ``splits.csv``: ``unit_id, split`` (train / dev / test), drawn once, stratified by stance;
  units written by the project (``sampling`` = ``synthetic:<genre>``) are never in ``test``:
  their held-out part is ``test-synthetic``, reported on its own.

The gold label of a unit is its primary coding, replaced by the adjudicated coding where there
is one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from discourse.codebook import Codebook, load_codebook
from discourse.errors import InputError

__all__ = ["AnnotationSet", "agreement", "load_annotations", "make_splits"]

SPLITS = ("train", "dev", "test", "test-synthetic")
# units written by the project (round 4): never in "test", their held-out part is "test-synthetic"
SYNTHETIC_PREFIX = "synthetic"


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


class AnnotationSet:
    """The annotation folder, loaded and checked.

    Parameters
    ----------
    folder
        The annotations folder.
    codebook
        Codebook the codes must follow.
    """

    def __init__(self, folder: str | Path, codebook: Codebook | None = None) -> None:
        self.folder = Path(folder)
        self.codebook = codebook or load_codebook()
        self.units = pd.read_csv(self.folder / "units.csv", dtype={"unit_id": str})
        self.codings = pd.read_csv(self.folder / "codings.csv", dtype={"unit_id": str})
        adj = self.folder / "adjudication.csv"
        self.adjudication = pd.read_csv(adj, dtype={"unit_id": str}) if adj.is_file() else None
        sp = self.folder / "splits.csv"
        self.splits = pd.read_csv(sp, dtype={"unit_id": str}) if sp.is_file() else None

    def label_columns(self) -> list[str]:
        return ["stance", *self.codebook.theme_names]

    def validate(self) -> list[str]:
        """Problems found (empty when the data set is sound)."""
        problems: list[str] = []
        cb = self.codebook
        if not self.units.unit_id.is_unique:
            problems.append("units.csv: duplicate unit_id")
        known = set(self.units.unit_id)
        for name, frame in (("codings", self.codings), ("adjudication", self.adjudication)):
            if frame is None:
                continue
            unknown = set(frame.unit_id) - known
            if unknown:
                problems.append(f"{name}: {len(unknown)} unit_ids not in units.csv")
            bad = set(frame.stance) - set(cb.stance_labels)
            if bad:
                problems.append(f"{name}: stance values {sorted(bad)} not in codebook")
            for t in cb.theme_names:
                if not set(frame[t].unique()) <= {0, 1}:
                    problems.append(f"{name}: theme {t} has values other than 0/1")
        prim = self.codings[self.codings.role == "primary"]
        if not prim.unit_id.is_unique:
            problems.append("codings: a unit has more than one primary coding")
        missing = known - set(prim.unit_id)
        if missing:
            problems.append(f"codings: {len(missing)} units have no primary coding")
        twice = self.double_coded()
        for uid in twice.index:
            if twice.loc[uid, "coder_primary"] == twice.loc[uid, "coder_second"]:
                problems.append(f"{uid}: coded twice by the same coder")
        if self.splits is not None:
            if not self.splits.unit_id.is_unique:
                problems.append("splits: a unit is in more than one split")
            if set(self.splits.unit_id) != known:
                problems.append("splits: units missing from or unknown to splits.csv")
            if not set(self.splits.split) <= set(SPLITS):
                problems.append(f"splits: values other than {SPLITS}")
            syn = self.synthetic_ids()
            split_of = self.splits.set_index("unit_id").split
            if (split_of[split_of.index.isin(syn)] == "test").any():
                problems.append(
                    "splits: a synthetic unit is in the test split (use test-synthetic)"
                )
            if (split_of[~split_of.index.isin(syn)] == "test-synthetic").any():
                problems.append("splits: a real unit is in test-synthetic")
        return problems

    def synthetic_ids(self) -> set[str]:
        """Units written by the project (``sampling`` starting with ``synthetic``)."""
        sampling = self.units["sampling"].astype(str)
        return set(self.units.unit_id[sampling.str.startswith(SYNTHETIC_PREFIX)])

    def _subset(self, synthetic: bool | None) -> set[str] | None:
        if synthetic is None:
            return None
        syn = self.synthetic_ids()
        return syn if synthetic else set(self.units.unit_id) - syn

    def double_coded(self, synthetic: bool | None = None) -> pd.DataFrame:
        """Units coded by two coders: both codings side by side (suffixes _primary, _second);
        ``synthetic``: only the project's written units (True) or only real ones (False)."""
        prim = self.codings[self.codings.role == "primary"].set_index("unit_id")
        sec = self.codings[self.codings.role == "second"].set_index("unit_id")
        common = prim.index.intersection(sec.index)
        keep = self._subset(synthetic)
        if keep is not None:
            common = common[common.isin(list(keep))]
        return prim.loc[common].merge(
            sec.loc[common], left_index=True, right_index=True, suffixes=("_primary", "_second")
        )

    def agreement(self, synthetic: bool | None = None) -> pd.DataFrame:
        """Cohen's kappa and percent agreement between the two independent codings
        (``synthetic``: only the project's written units, or only real ones)."""
        cols = ["unit_id", *self.label_columns()]
        prim = self.codings[self.codings.role == "primary"][cols]
        sec = self.codings[self.codings.role == "second"][cols]
        keep = self._subset(synthetic)
        if keep is not None:
            prim, sec = prim[prim.unit_id.isin(keep)], sec[sec.unit_id.isin(keep)]
        return agreement(prim, sec, self.codebook)

    def disagreements(self) -> pd.DataFrame:
        """Double-coded units where the coders differ on any dimension."""
        both = self.double_coded()
        diff = pd.Series(False, index=both.index)
        for c in self.label_columns():
            diff |= both[f"{c}_primary"].astype(str) != both[f"{c}_second"].astype(str)
        return both[diff]

    def gold(self) -> pd.DataFrame:
        """Gold labels: primary coding, replaced by adjudication where present; with the split
        and the unit's document (``doc_id``)."""
        cols = self.label_columns()
        gold = self.codings[self.codings.role == "primary"].set_index("unit_id")[cols].copy()
        gold["source"] = "primary"
        if self.adjudication is not None:
            adj = self.adjudication.set_index("unit_id")[cols]
            gold.loc[adj.index, cols] = adj
            gold.loc[adj.index, "source"] = "adjudicated"
        gold = gold.join(
            self.units.set_index("unit_id")[
                ["text", "source_type", "round", "sampling"]
                + (["doc_id"] if "doc_id" in self.units.columns else [])
            ]
        )
        if self.splits is not None:
            gold = gold.join(self.splits.set_index("unit_id")["split"])
        for t in self.codebook.theme_names:
            gold[t] = gold[t].astype(int)
        return gold.reset_index()


def load_annotations(folder: str | Path, codebook: Codebook | None = None) -> AnnotationSet:
    """Load an annotation folder and raise if it is not sound."""
    ann = AnnotationSet(folder, codebook)
    problems = ann.validate()
    if problems:
        raise InputError("annotation data has problems:\n  " + "\n  ".join(problems))
    return ann


def make_splits(
    gold: pd.DataFrame, seed: int, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
) -> pd.DataFrame:
    """Stratified train/dev/test split by stance (each stance spread over the three splits).

    Within each stance the units are shuffled with ``seed`` and cut by ``fractions``; a class
    with fewer than three units goes to train.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for stance in sorted(gold.stance.unique()):
        ids = sorted(gold.loc[gold.stance == stance, "unit_id"])
        ids = [ids[i] for i in rng.permutation(len(ids))]
        n = len(ids)
        if n < 3:
            rows += [(u, "train") for u in ids]
            continue
        n_test = max(1, round(n * fractions[2]))
        n_dev = max(1, round(n * fractions[1]))
        rows += [(u, "test") for u in ids[:n_test]]
        rows += [(u, "dev") for u in ids[n_test : n_test + n_dev]]
        rows += [(u, "train") for u in ids[n_test + n_dev :]]
    return (
        pd.DataFrame(rows, columns=["unit_id", "split"])
        .sort_values("unit_id")
        .reset_index(drop=True)
    )
