"""Training and held-out evaluation of every labeler on the hand-coded data.

Protocol (``discourse train``): each labeler is fitted on the train split and scored on dev;
the default labeler is the one with the best mean of stance macro-F1 and mean theme F1 on dev,
unless a labeler that runs no transformer (registry capability ``transformer``) comes within
:data:`SPEED_TOLERANCE` of it on dev on both stance macro-F1 and mean theme F1: then the best
such fast labeler is the default (issue 21: a labeler 100x faster at the same accuracy is the
better default; the report shows the test-split difference with paired bootstrap intervals).
Each labeler is then refitted on train + dev and scored once on test, and those test numbers
are what the documentation reports, with 95% percentile bootstrap intervals over the test units
and paired bootstrap intervals for the default minus each other labeler. Nothing is tuned on
test.

The test split holds only 20 units of the real advice-genre documents (the seed documents: an
advice article, a video transcript, comment threads), where the rare stances live. So every
labeler is also scored on all of those units by leaving one document out
(:func:`document_cross_validation`): for each document, the labeler is fitted on the train + dev
units of every other document and predicts all units of the held-out one (any split). No fold
sees the held-out document's text or any test-split unit, so the estimate is for an advice
source the labeler has never seen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from discourse.analysis.tables import markdown_table
from discourse.annotations import load_annotations
from discourse.codebook import Codebook, load_codebook
from discourse.embedding_backends import DEFAULT_BACKEND
from discourse.errors import InputError
from discourse.io_utils import write_json, write_text
from discourse.labels.base import BaseLabeler, labelers, make_labeler
from discourse.labels.bootstrap import bootstrap_difference, bootstrap_intervals
from discourse.labels.evaluate import (
    Evaluation,
    calibration_checks,
    evaluate,
    prevalence_table,
)

__all__ = [
    "ADVICE_GENRE_SAMPLING",
    "SPEED_TOLERANCE",
    "TrainingReport",
    "choose_default",
    "document_cross_validation",
    "document_folds",
    "train_and_evaluate",
]

N_BOOT = 2000
#: how far below the most accurate labeler on dev (stance macro-F1 and mean theme F1 each) a
#: labeler without a transformer may be and still be the default (issue 21's bound)
SPEED_TOLERANCE = 0.02
# the scores shown with intervals in the report
INTERVAL_METRICS = ("stance_macro_f1", "stance_kappa", "mean_theme_f1")
#: the ``sampling`` group of the real advice-genre units scored by leaving one document out
ADVICE_GENRE_SAMPLING = "seed"


@dataclass
class TrainingReport:
    """Dev and test evaluations per labeler, and the chosen default."""

    dev: dict[str, Evaluation] = field(default_factory=dict)
    test: dict[str, Evaluation] = field(default_factory=dict)
    fit_seconds: dict[str, float] = field(default_factory=dict)
    default: str = "rules"
    most_accurate: str = "rules"
    split_sizes: dict[str, int] = field(default_factory=dict)
    agreement: pd.DataFrame | None = None
    test_groups: dict[str, dict[str, Evaluation]] = field(default_factory=dict)
    test_intervals: dict[str, pd.DataFrame] = field(default_factory=dict)
    coder_intervals: pd.DataFrame | None = None
    test_differences: dict[str, pd.DataFrame] = field(default_factory=dict)
    synthetic: dict[str, Evaluation] = field(default_factory=dict)
    synthetic_intervals: dict[str, pd.DataFrame] = field(default_factory=dict)
    agreement_real: pd.DataFrame | None = None
    agreement_synthetic: pd.DataFrame | None = None
    test_prevalence: dict[str, pd.DataFrame] = field(default_factory=dict)
    synthetic_rounds: dict[str, dict[str, Evaluation]] = field(default_factory=dict)
    document_cv: dict[str, Evaluation] = field(default_factory=dict)
    document_cv_intervals: dict[str, pd.DataFrame] = field(default_factory=dict)
    document_cv_sources: dict[str, dict[str, Evaluation]] = field(default_factory=dict)
    document_cv_prevalence: dict[str, pd.DataFrame] = field(default_factory=dict)
    document_cv_units: pd.DataFrame | None = None
    document_cv_differences: dict[str, pd.DataFrame] = field(default_factory=dict)
    test_calibration: dict[str, pd.DataFrame] = field(default_factory=dict)
    document_cv_calibration: dict[str, pd.DataFrame] = field(default_factory=dict)

    def interval_table(
        self, differences: bool = False, synthetic: bool = False, document_cv: bool = False
    ) -> pd.DataFrame:
        """Test scores with 95% bootstrap intervals, one row per labeler (``differences``: the
        paired intervals of the default minus each other labeler; ``synthetic``: on the held-out
        synthetic units; ``document_cv``: on the real advice-genre units, each document left
        out), as ``estimate [low, high]`` strings, plus the per-class F1 of the stance labels."""
        if synthetic:
            return _interval_rows(self.synthetic_intervals, self.default, False)
        if document_cv:
            if differences:
                return _interval_rows(self.document_cv_differences, self.default, True)
            return _interval_rows(self.document_cv_intervals, self.default, False)
        source = self.test_differences if differences else self.test_intervals
        return _interval_rows(source, self.default, differences)

    def coder_table(self) -> pd.DataFrame:
        """The second coding scored against the first on the double-coded units, with 95%
        bootstrap intervals: how far two careful coders agree, a ceiling for any labeler."""
        if self.coder_intervals is None:
            return pd.DataFrame()
        return _interval_rows({"coder vs coder": self.coder_intervals}, self.default, False)

    def group_table(
        self, name: str, synthetic_rounds: bool = False, document_cv: bool = False
    ) -> pd.DataFrame:
        """The test split of labeler ``name`` broken down by sampling group (units' ``sampling``
        column: seed documents, r/BreakUps posts, other sources), with the group sizes
        (``synthetic_rounds``: the held-out synthetic units broken down by writer round;
        ``document_cv``: the real advice-genre units, each document left out, by source type)."""
        rows = []
        if document_cv:
            groups = self.document_cv_sources
        else:
            groups = self.synthetic_rounds if synthetic_rounds else self.test_groups
        for group, ev in groups.get(name, {}).items():
            pc = ev.stance.per_class.set_index("label")
            row: dict[str, Any] = {
                "group": group,
                "n": ev.stance.n,
                "stance_macro_f1": ev.stance.macro_f1,
                "stance_accuracy": ev.stance.accuracy,
            }
            for label in pc.index:
                row[f"support_{label}"] = int(pc.loc[label, "support"])
            row["mean_theme_f1"] = ev.mean_theme_f1
            rows.append(row)
        return pd.DataFrame(rows)

    def table(self, split: str) -> pd.DataFrame:
        """Side-by-side table: one row per labeler, stance and theme scores as columns."""
        evals = {
            "dev": self.dev,
            "test": self.test,
            "test-synthetic": self.synthetic,
            "document-cv": self.document_cv,
        }[split]
        rows = []
        for name, ev in evals.items():
            row: dict[str, Any] = {
                "labeler": name,
                "stance_macro_f1": ev.stance.macro_f1,
                "stance_kappa": ev.stance.kappa,
                "stance_accuracy": ev.stance.accuracy,
            }
            pc = ev.stance.per_class.set_index("label")
            for label in pc.index:
                row[f"f1_{label}"] = pc.loc[label, "f1"]
            for theme, r in ev.themes.items():
                row[f"{theme}_f1"] = float(r.per_class.set_index("label").loc["1", "f1"])
                row[f"{theme}_kappa"] = r.kappa
            row["mean_theme_f1"] = ev.mean_theme_f1
            row["stance_ece"] = ev.ece("stance")
            for theme in ev.themes:
                row[f"{theme}_ece"] = ev.ece(theme)
            rows.append(row)
        return pd.DataFrame(rows)


def _interval_rows(
    source: dict[str, pd.DataFrame], default: str, differences: bool
) -> pd.DataFrame:
    """``estimate [low, high]`` strings, one row per entry of ``source``."""
    rows = []
    for name, frame in source.items():
        ci = frame.set_index("metric")
        row: dict[str, Any] = {"labeler": f"{default} - {name}" if differences else name}
        metrics = [*INTERVAL_METRICS, *(m for m in ci.index if m.startswith("f1_"))]
        for metric in metrics:
            e, lo, hi = ci.loc[metric, ["estimate", "low", "high"]]
            if pd.isna(e) or pd.isna(lo):
                row[metric] = "n/a"  # the class has no units here
                continue
            row[metric] = (
                f"{e:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                if differences
                else f"{e:.3f} [{lo:.3f}, {hi:.3f}]"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _score(ev: Evaluation) -> float:
    return (ev.stance.macro_f1 + ev.mean_theme_f1) / 2


def choose_default(
    dev: dict[str, Evaluation], names: list[str], tolerance: float = SPEED_TOLERANCE
) -> tuple[str, str]:
    """``(most accurate, default)`` among ``names`` by their dev evaluations.

    The most accurate has the best mean of stance macro-F1 and mean theme F1 (ties: name). The
    default is the most accurate unless a labeler registered without a transformer is within
    ``tolerance`` of it on stance macro-F1 and on mean theme F1 alike; then it is the best of
    those (the same labeler when it is itself the most accurate).
    """
    best = max(names, key=lambda n: (_score(dev[n]), n))
    fast = [
        n
        for n in names
        if not labelers.capabilities(n)["transformer"]
        and dev[n].stance.macro_f1 >= dev[best].stance.macro_f1 - tolerance
        and dev[n].mean_theme_f1 >= dev[best].mean_theme_f1 - tolerance
    ]
    if not fast or best in fast:
        return best, best
    return best, max(fast, key=lambda n: (_score(dev[n]), n))


def _fit(
    name: str,
    codebook: Codebook,
    texts: list[str],
    gold: pd.DataFrame,
    cache_dir: str | None,
    seed: int,
    embedding_backend: str = "minilm",
) -> BaseLabeler:
    caps = labelers.capabilities(name)
    params: dict[str, Any] = {}
    if caps["uses_embeddings"]:
        params = {"cache_dir": cache_dir, "seed": seed}
    if caps["embedding_backend"] and embedding_backend != DEFAULT_BACKEND:
        params["embedding_backend"] = embedding_backend
    labeler = make_labeler(name, codebook, **params)
    return labeler.fit(texts, gold)


def _group_evaluations(
    gold: pd.DataFrame, pred: pd.DataFrame, column: str, codebook: Codebook
) -> dict[str, Evaluation]:
    """One evaluation per value of ``gold[column]`` (sorted), ``pred`` row-aligned with
    ``gold``."""
    values = gold[column].astype(str).to_numpy()
    return {
        g: evaluate(
            gold[values == g].reset_index(drop=True),
            pred[values == g].reset_index(drop=True),
            codebook,
        )
        for g in sorted(set(values))
    }


def document_cross_validation(
    name: str,
    codebook: Codebook,
    gold: pd.DataFrame,
    cache_dir: str | None = None,
    seed: int = 13,
    embedding_backend: str = "minilm",
    sampling: str = ADVICE_GENRE_SAMPLING,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score labeler ``name`` on the units of one sampling group, leaving one document out.

    Parameters
    ----------
    name
        A registered labeler.
    codebook
        Label sets.
    gold
        Every coded unit (:meth:`~discourse.annotations.AnnotationSet.gold`): ``text``, the
        labels, ``split``, ``sampling`` and ``doc_id``.
    cache_dir, seed, embedding_backend
        As for the labeler's fit.
    sampling
        The group scored (default: the seed documents, the real advice-genre units).

    Returns
    -------
    tuple of pandas.DataFrame
        ``(units, predictions)``, row-aligned: the group's units (every split, sorted by
        document and unit) and, for each, the prediction of the labeler fitted on the train +
        dev units of every other document.
    """
    units, folds = document_folds(gold, sampling)
    preds = []
    for train, held in folds:
        model = _fit(name, codebook, train.text.tolist(), train, cache_dir, seed, embedding_backend)
        preds.append(model.predict(held.text.tolist()).reset_index(drop=True))
    return units, pd.concat(preds, ignore_index=True)


def document_folds(
    gold: pd.DataFrame, sampling: str = ADVICE_GENRE_SAMPLING
) -> tuple[pd.DataFrame, list[tuple[pd.DataFrame, pd.DataFrame]]]:
    """The folds of :func:`document_cross_validation`, for any model.

    Returns
    -------
    tuple
        ``(units, folds)``: the group's units (every split, sorted by document and unit) and,
        per document in sorted order, ``(fit units, held-out units)``: the train + dev units of
        every other document, and that document's units (their rows of ``units``, in order).
    """
    for col in ("doc_id", "sampling", "split"):
        if col not in gold.columns:
            raise InputError(f"the coded units have no {col!r} column; cannot leave documents out")
    units = gold[gold.sampling.astype(str) == sampling].sort_values(["doc_id", "unit_id"])
    units = units.reset_index(drop=True)
    if units.empty:
        raise InputError(f"no coded unit has sampling {sampling!r}")
    fit_pool = gold[gold.split.isin(["train", "dev"])]
    folds = [
        (fit_pool[fit_pool.doc_id != doc].reset_index(drop=True), units[units.doc_id == doc])
        for doc in sorted(units.doc_id.unique())
    ]
    return units, folds


def train_and_evaluate(
    annotations: str | Path,
    output_dir: str | Path | None = None,
    labeler_names: tuple[str, ...] | None = None,
    codebook: Codebook | None = None,
    cache_dir: str | None = None,
    seed: int = 13,
    setfit_dir: str | Path | None = None,
    embedding_backend: str = "minilm",
    document_cv: bool = True,
) -> TrainingReport:
    """Run the protocol above; write the final weights to ``output_dir`` when given.

    ``labeler_names`` defaults to every registered labeler. The fine-tuned encoder of
    ``setfit`` (about 90 MB; a labeler without ``packaged_weights``) is written to
    ``setfit_dir`` when given, never into the package. ``document_cv``: also score every
    labeler on the real advice-genre units, leaving one document out (one more fit per
    document), when the units carry documents.
    """
    labeler_names = tuple(labeler_names or labelers.names())
    unknown = [name for name in labeler_names if name not in labelers]
    if unknown:
        raise InputError(
            f"unknown labeler(s) {unknown}; valid options: {', '.join(sorted(labelers.names()))}"
        )
    cb = codebook or load_codebook()
    ann = load_annotations(annotations, cb)
    gold = ann.gold()
    if "split" not in gold.columns:
        raise InputError("the annotations have no splits.csv; create the splits first")
    report = TrainingReport(
        split_sizes=gold.split.value_counts().to_dict(),
        agreement=ann.agreement(),
        agreement_real=ann.agreement(synthetic=False),
        agreement_synthetic=ann.agreement(synthetic=True),
    )
    # the ceiling for the (real) test split: coder vs coder on real units only
    both = ann.double_coded(synthetic=False).rename_axis("unit_id").reset_index()
    if len(both):
        cols = ["unit_id", *ann.label_columns()]
        first = both[["unit_id", *(f"{c}_primary" for c in cols[1:])]]
        second = both[["unit_id", *(f"{c}_second" for c in cols[1:])]]
        report.coder_intervals = bootstrap_intervals(
            first.set_axis(cols, axis=1),
            second.set_axis(cols, axis=1),
            cb,
            n_boot=N_BOOT,
            seed=seed,
        )
    parts = {
        s: gold[gold.split == s].reset_index(drop=True)
        for s in ("train", "dev", "test", "test-synthetic")
    }
    trdev = pd.concat([parts["train"], parts["dev"]], ignore_index=True)
    test_preds: dict[str, pd.DataFrame] = {}
    cv_preds: dict[str, pd.DataFrame] = {}
    for name in labeler_names:
        t0 = time.perf_counter()
        model = _fit(
            name,
            cb,
            parts["train"].text.tolist(),
            parts["train"],
            cache_dir,
            seed,
            embedding_backend,
        )
        report.dev[name] = evaluate(parts["dev"], model.predict(parts["dev"].text.tolist()), cb)
        final = _fit(name, cb, trdev.text.tolist(), trdev, cache_dir, seed, embedding_backend)
        pred = final.predict(parts["test"].text.tolist()).reset_index(drop=True)
        report.test[name] = evaluate(parts["test"], pred, cb)
        test_preds[name] = pred
        report.test_prevalence[name] = prevalence_table(parts["test"], pred, cb)
        if report.test[name].calibration is not None:  # the labeler gives scores
            report.test_calibration[name] = calibration_checks(
                parts["test"], pred, cb, n_sim=N_BOOT, seed=seed
            )
        report.test_intervals[name] = bootstrap_intervals(
            parts["test"], pred, cb, n_boot=N_BOOT, seed=seed
        )
        if len(parts["test-synthetic"]):
            syn = parts["test-synthetic"]
            syn_pred = final.predict(syn.text.tolist()).reset_index(drop=True)
            report.synthetic[name] = evaluate(syn, syn_pred, cb)
            report.synthetic_intervals[name] = bootstrap_intervals(
                syn, syn_pred, cb, n_boot=N_BOOT, seed=seed
            )
            rounds = syn["round"].astype(str).to_numpy()
            report.synthetic_rounds[name] = {
                f"round {r}": evaluate(
                    syn[rounds == r].reset_index(drop=True),
                    syn_pred[rounds == r].reset_index(drop=True),
                    cb,
                )
                for r in sorted(set(rounds), key=lambda r: (len(r), r))
            }
        if "sampling" in parts["test"].columns:
            report.test_groups[name] = _group_evaluations(parts["test"], pred, "sampling", cb)
        if document_cv and _has_advice_documents(gold):
            cv_units, cv_pred = document_cross_validation(
                name, cb, gold, cache_dir, seed, embedding_backend
            )
            report.document_cv_units = cv_units
            cv_preds[name] = cv_pred
            report.document_cv[name] = evaluate(cv_units, cv_pred, cb)
            report.document_cv_intervals[name] = bootstrap_intervals(
                cv_units, cv_pred, cb, n_boot=N_BOOT, seed=seed
            )
            report.document_cv_prevalence[name] = prevalence_table(cv_units, cv_pred, cb)
            if report.document_cv[name].calibration is not None:
                report.document_cv_calibration[name] = calibration_checks(
                    cv_units, cv_pred, cb, n_sim=N_BOOT, seed=seed
                )
            report.document_cv_sources[name] = _group_evaluations(
                cv_units, cv_pred, "source_type", cb
            )
        report.fit_seconds[name] = time.perf_counter() - t0
        if output_dir is not None:
            out = Path(output_dir)
            if labelers.capabilities(name)["packaged_weights"]:
                final.save(out / f"{name}.json")
            elif setfit_dir is not None:
                final.save(setfit_dir)
    # The default must work after installation, from the weights packaged in ``output_dir``;
    # a labeler whose weights are a folder saved outside the package (setfit's fine-tuned
    # encoder) can be chosen only when it is the sole labeler trained (its dev scores are
    # reported either way).
    packaged = set(labelers.having(packaged_weights=True))
    usable = [n for n in labeler_names if n in packaged] or list(labeler_names)
    report.most_accurate, report.default = choose_default(report.dev, usable)
    for name in labeler_names:
        if name != report.default:
            report.test_differences[name] = bootstrap_difference(
                parts["test"],
                test_preds[report.default],
                test_preds[name],
                cb,
                n_boot=N_BOOT,
                seed=seed,
            )
            if name in cv_preds and report.default in cv_preds:
                report.document_cv_differences[name] = bootstrap_difference(
                    report.document_cv_units,
                    cv_preds[report.default],
                    cv_preds[name],
                    cb,
                    n_boot=N_BOOT,
                    seed=seed,
                )
    if output_dir is not None:
        write_json(
            {
                "labeler": report.default,
                "selected_on": "dev",
                "criterion": "mean of stance macro-F1 and mean theme F1; a labeler without a "
                f"transformer instead when within {SPEED_TOLERANCE} of the best on both",
                "most_accurate_on_dev": report.most_accurate,
                "dev_scores": {n: round(_score(report.dev[n]), 4) for n in report.dev},
                "dev_stance_macro_f1": {
                    n: round(report.dev[n].stance.macro_f1, 4) for n in report.dev
                },
                "dev_mean_theme_f1": {n: round(report.dev[n].mean_theme_f1, 4) for n in report.dev},
            },
            Path(output_dir) / "default.json",
        )
    return report


def _calibration_md(report: TrainingReport) -> list[str]:
    """The ECE of each labeler on the test split (and on the seed documents, each left out)
    next to what calibrated scores would show on as many units."""
    rows = []
    sets = (
        ("test", report.test_calibration),
        ("seed documents, each left out", report.document_cv_calibration),
    )
    for units, tables in sets:
        for name, table in tables.items():
            for r in table.itertuples(index=False):
                rows.append(
                    {
                        "units": units,
                        "labeler": name,
                        "dimension": r.dimension,
                        "n": r.n,
                        "ece": r.ece,
                        "ece if calibrated [95% range]": (
                            f"{r.calibrated_mean:.3f} "
                            f"[{r.calibrated_low:.3f}, {r.calibrated_high:.3f}]"
                        ),
                        "p": r.p_value,
                    }
                )
    return [
        "### Calibration against chance (test split; seed documents, each left out)",
        "",
        "A perfectly calibrated labeler does not show ECE 0 on a few hundred units: each bin's "
        "observed rate varies around its mean score by chance. For each labeler and score, "
        f"{N_BOOT} outcome vectors were drawn from the scores themselves (a unit is right, or "
        "has the theme, with the probability its score says) and scored with the same 10 bins "
        "(`discourse.labels.evaluate.calibration_check`). `ece if calibrated` is the mean and "
        "95% range of that reference; `p` is the share of draws with an ECE at least the "
        "observed one. A small `p` is miscalibration that chance does not explain; a large one "
        "means these units cannot tell the scores from calibrated ones.",
        "",
        markdown_table(pd.DataFrame(rows)),
        "",
    ]


def _document_cv_md(report: TrainingReport) -> list[str]:
    """The report's section on the real advice-genre units, each document left out."""
    units = report.document_cv_units
    n_units = 0 if units is None else len(units)
    n_docs = 0 if units is None else units.doc_id.nunique()
    by_split = (
        ""
        if units is None
        else ", ".join(f"{n} {s}" for s, n in sorted(units.split.value_counts().items()))
    )
    parts = [
        "## Real advice-genre units, each document left out (cross-validation)",
        "",
        f"The {n_units} coded units of the {n_docs} seed documents (advice articles, a video "
        f"transcript and reader comment threads; by split: {by_split}). The test split alone "
        "holds too few of them to score the rare stances. For each document, every labeler is "
        "fitted on the train + dev units of all other documents and predicts every unit of the "
        "held-out one; no fit sees the held-out document or a test-split unit. This estimates "
        "accuracy on an advice source the labeler has never seen. Each fold's model is fitted on "
        "fewer units than the packaged one, and units of one document are not independent, so "
        f"the intervals ({N_BOOT} resamples of the units) are if anything too narrow.",
        "",
        markdown_table(report.table("document-cv")),
        "",
        markdown_table(report.interval_table(document_cv=True)),
        "",
    ]
    if report.document_cv_differences:
        parts += [
            f"`{report.default}` minus each other labeler on the same units (paired bootstrap; "
            "an interval that contains 0 cannot tell the two apart):",
            "",
            markdown_table(report.interval_table(differences=True, document_cv=True)),
            "",
        ]
    if report.default in report.document_cv:
        parts += [
            f"### `{report.default}` on the held-out documents by source type",
            "",
            markdown_table(report.group_table(report.default, document_cv=True)),
            "",
            f"Stance confusion matrix of `{report.default}` (rows gold, columns predicted):",
            "",
            markdown_table(
                report.document_cv[report.default]
                .stance.confusion.rename_axis("gold")
                .reset_index()
            ),
            "",
            f"Coded vs predicted prevalence of `{report.default}` by source type:",
            "",
            markdown_table(report.document_cv_prevalence[report.default]),
            "",
        ]
    return parts


def _has_advice_documents(gold: pd.DataFrame) -> bool:
    """Whether the coded units carry documents and at least two real advice-genre ones."""
    if not {"doc_id", "sampling", "split"} <= set(gold.columns):
        return False
    seeds = gold[gold.sampling.astype(str) == ADVICE_GENRE_SAMPLING]
    return seeds.doc_id.nunique() >= 2


def _choice_sentence(report: TrainingReport) -> str:
    """How the default was chosen, in one sentence for the report."""
    if report.default == report.most_accurate or report.most_accurate not in report.dev:
        return "It has the best mean of stance macro-F1 and mean theme F1 on dev."
    best, chosen = report.dev[report.most_accurate], report.dev[report.default]
    return (
        f"`{report.most_accurate}` is the most accurate on dev (stance macro-F1 "
        f"{best.stance.macro_f1:.3f}, mean theme F1 {best.mean_theme_f1:.3f}); "
        f"`{report.default}` runs no transformer and is within {SPEED_TOLERANCE} of it on both "
        f"({chosen.stance.macro_f1:.3f}, {chosen.mean_theme_f1:.3f}), so it is the default "
        "(issue 21). Their test-split difference, with paired bootstrap intervals, is below."
    )


def _agreement_md(table: pd.DataFrame | None) -> str:
    return markdown_table(table) if table is not None and len(table) else "(none)"


def write_report(report: TrainingReport, path: str | Path) -> None:
    """Markdown report with the agreement table and the dev and test tables side by side."""

    parts = [
        "# Labeler evaluation",
        "",
        "Generated by `discourse train` from `data/annotations/` (protocol: its README).",
        f"Split sizes: {json.dumps(report.split_sizes, sort_keys=True)}. "
        f"Default labeler (chosen on dev): **{report.default}**. {_choice_sentence(report)}",
        "",
        "## Inter-coder agreement (independent double coding)",
        "",
        "Real units (the bundled corpus and other subreddits):",
        "",
        _agreement_md(
            report.agreement_real if report.agreement_real is not None else report.agreement
        ),
        "",
    ]
    if report.agreement_synthetic is not None and len(report.agreement_synthetic):
        parts += [
            "Synthetic units written by the project (round 4). Their writers aimed each unit at "
            "one code, so agreement here is far higher than on real text and says nothing about "
            "how hard real text is:",
            "",
            _agreement_md(report.agreement_synthetic),
            "",
        ]
    parts += [
        "## Test split (each labeler fitted on train + dev, scored once)",
        "",
        markdown_table(report.table("test")),
        "",
        f"### Test split: 95% bootstrap intervals ({N_BOOT} resamples of the test units)",
        "",
        "Percentile intervals from resampling the test units with replacement "
        "(`discourse.labels.bootstrap`). They show how far the scores above can be trusted at "
        "this test-set size; a rare class with a handful of test units has a very wide one.",
        "",
        markdown_table(report.interval_table()),
        "",
    ]
    if report.coder_intervals is not None:
        real = report.agreement_real if report.agreement_real is not None else report.agreement
        n_units = int(real.n.iloc[0]) if real is not None and len(real) else 0
        parts += [
            "### The same scores between two coders (a ceiling for any labeler)",
            "",
            "The second, independent coding scored against the first on the "
            f"{n_units} double-coded real units (95% bootstrap intervals, {N_BOOT} resamples). "
            "A labeler is unlikely to agree with the gold labels better than two careful "
            "coders agree with each other.",
            "",
            markdown_table(report.coder_table()),
            "",
        ]
    if report.test_differences:
        parts += [
            f"### Test split: `{report.default}` minus each other labeler (paired bootstrap)",
            "",
            "Both labelers are scored on the same resamples. An interval that contains 0 means "
            "the test split cannot tell the two apart on that score.",
            "",
            markdown_table(report.interval_table(differences=True)),
            "",
        ]
    if report.test_calibration:
        parts += _calibration_md(report)
    if report.document_cv:
        parts += _document_cv_md(report)
    if report.synthetic:
        parts += [
            "## Held-out synthetic units (`test-synthetic`; not part of the test split)",
            "",
            "Units written by the project in the advice genres (articles, coaching pages, "
            "transcripts, comments) and held out like the test split. They are easier than real "
            "text (see the agreement above); read them as a check that the boundary cases were "
            "learnt, not as an estimate of accuracy on real sources.",
            "",
            markdown_table(report.table("test-synthetic")),
            "",
            markdown_table(report.interval_table(synthetic=True)),
            "",
        ]
        for name in report.synthetic_rounds:
            parts += [
                f"### Held-out synthetic units of `{name}` by writer round",
                "",
                "Each round's units come from other writer sessions with another brief "
                "(data/annotations/README.md). Rounds 4 and 6 also have units in train and dev "
                "(the held-out ones are written by the same writers); every round-7 unit is "
                "held out, so round 7 is text from writers whose units the labeler never saw.",
                "",
                markdown_table(report.group_table(name, synthetic_rounds=True)),
                "",
            ]
    parts += [
        "## Dev split (each labeler fitted on train; used to choose the default)",
        "",
        markdown_table(report.table("dev")),
        "",
    ]
    if report.default in report.test:
        conf = report.test[report.default].stance.confusion
        parts += [
            f"## Test split: stance confusion matrix of `{report.default}` (rows gold, "
            "columns predicted)",
            "",
            markdown_table(conf.rename_axis("gold").reset_index()),
            "",
        ]
    if report.default in report.test_prevalence:
        parts += [
            f"## Test split: coded vs predicted prevalence of `{report.default}` by source type",
            "",
            "How often each label was coded and predicted (counts and shares), their ratio, "
            "and the label's F1 in that group. A ratio far from 1 means the labeler's shares "
            "are biased there, whatever its F1. `ece` columns in the tables above are the "
            "expected calibration error of the scores (10 equal-width bins; top-label for "
            "stance, binary per theme).",
            "",
            markdown_table(report.test_prevalence[report.default]),
            "",
        ]
    if report.test_groups.get(report.default):
        parts += [
            f"## Test split of `{report.default}` by sampling group",
            "",
            "Groups are the units' `sampling` column (data/annotations/README.md): `seed` = the "
            "five seed documents; `contact_keyword`, `random`, `enrichment_keyword` = r/BreakUps "
            "posts of at most 800 words; `long_post` = r/BreakUps posts of 801-1,500 words; "
            "`external_keyword` = posts from four other subreddits; `rare_keyword`, `ex_topic` = "
            "round 5, posts from r/BreakUps and the four other subreddits about an ex or a "
            "breakup (with / without a keyword filter aimed at the rare stances). Groups are "
            "small: read the supports before the scores.",
            "",
            markdown_table(report.group_table(report.default)),
            "",
        ]
    write_text("\n".join(parts), Path(path))
