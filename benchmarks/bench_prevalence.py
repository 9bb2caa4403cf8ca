"""Simulation study of the prevalence estimators: coverage, bias and interval width.

The classifier in the simulation errs like the default labeler does on the hand-coded test
split: its stance and theme confusion matrices are measured by running it on that split (or read
from a run's ``tables/labeler_confusion.csv`` with ``--confusion``). Two corpora are simulated:

- ``test-split shares``: the true shares coded on the test split (mostly Reddit posts: rare
  strategic and autonomy-first stances);
- ``advice genre``: strategic and autonomy-first at 15% each, as in advice articles and
  coaching pages, where the labeler misses most of them; once with the stratified design and
  once with a simple random sample (where the predictions, not the strata, carry the gain).

Each replicate draws a corpus of 20,000 segments, labels it, draws a stratified sample of ``n``
units (as ``discourse sample`` does), reveals their true labels, and computes the three
estimates. Written to ``benchmarks/results/``: ``PREVALENCE.md`` (the tables below), and
``prevalence_coverage.csv`` and ``prevalence_width_by_n.csv``.

Usage::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_prevalence.py \\
        [--replicates 1000] [--n 200] [--confusion RUN/tables/labeler_confusion.csv]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"


def measured_confusion(labeler_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Confusion rows of ``labeler_name`` on the hand-coded test split, and that split."""
    from discourse.annotations import load_annotations
    from discourse.codebook import load_codebook
    from discourse.labels.evaluate import evaluate
    from discourse.labels.stage import build_labeler

    codebook = load_codebook()
    gold = load_annotations(ROOT / "data" / "annotations", codebook).gold()
    test = gold[gold["split"] == "test"].reset_index(drop=True)
    labeler = build_labeler(labeler_name, codebook)
    pred = labeler.predict(test["text"].tolist())
    return evaluate(test, pred, codebook).confusion_long(), test


def main(argv: list[str] | None = None) -> int:
    from discourse.codebook import load_codebook
    from discourse.prevalence.simulation import confusion_from_long, simulate, width_by_n

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--labeler", default="default")
    parser.add_argument("--confusion", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)

    codebook = load_codebook()
    stances, themes = list(codebook.stance_labels), list(codebook.theme_names)
    t0 = time.perf_counter()
    if args.confusion:
        long = pd.read_csv(args.confusion)
        source = f"{args.confusion}"
        test = None
    else:
        long, test = measured_confusion(args.labeler)
        source = f"labeler `{args.labeler}` on the hand-coded test split ({len(test)} units)"
    model = confusion_from_long(long, stances, themes)
    if test is not None:
        test_shares = [float((test["stance"] == s).mean()) for s in stances]
        theme_shares = [float(test[t].mean()) for t in themes]
    else:  # the gold row sums of the confusion
        counts = model.stance_counts.sum(axis=1)
        test_shares = list(counts / counts.sum())
        theme_shares = [float(m[1].sum() / m.sum()) for m in model.theme_counts]
    advice = {"strategic": 0.15, "self-healing": 0.40, "autonomy-first": 0.15, "none": 0.30}
    scenarios = {
        "test-split shares": test_shares,
        "advice genre": [advice.get(s, 0.0) for s in stances],
    }
    pairs = [(themes.index("shame"), stances.index("self-healing"))] if "shame" in themes else []
    runs = [(name, shares, "stratified") for name, shares in scenarios.items()]
    runs.append(("advice genre, simple random sample", scenarios["advice genre"], "random"))
    frames = []
    for name, shares, strategy in runs:
        result = simulate(
            model,
            shares,
            theme_shares,
            n=args.n,
            replicates=args.replicates,
            seed=args.seed,
            ratio_pairs=pairs,
            strategy=strategy,
        )
        result.insert(0, "scenario", name)
        frames.append(result)
    coverage = pd.concat(frames, ignore_index=True)
    widths = width_by_n(
        model,
        scenarios["advice genre"],
        theme_shares,
        replicates=max(args.replicates // 5, 50),
        seed=args.seed,
    )
    seconds = time.perf_counter() - t0
    args.output.mkdir(parents=True, exist_ok=True)
    coverage.to_csv(args.output / "prevalence_coverage.csv", index=False, float_format="%.4f")
    widths.to_csv(args.output / "prevalence_width_by_n.csv", index=False, float_format="%.4f")
    rows = model.stance_rows()
    lines = [
        "# Prevalence estimators: simulation study",
        "",
        f"`benchmarks/bench_prevalence.py --replicates {args.replicates} --n {args.n}`; "
        f"{seconds:.0f} s on this machine (load average {os.getloadavg()[0]:.1f}).",
        "",
        f"Classifier: confusion of {source}, add-0.5 smoothed. P(predicted | true) for stance:",
        "",
        "| true \\ predicted | " + " | ".join(stances) + " |",
        "|---|" + "---|" * len(stances),
        *[
            f"| {s} | " + " | ".join(f"{p:.2f}" for p in rows[i]) + " |"
            for i, s in enumerate(stances)
        ],
        "",
        "Themes, P(predicted = 1 | true = 0) and P(predicted = 1 | true = 1): "
        + "; ".join(f"{t} {r[0]:.2f} / {r[1]:.2f}" for t, r in zip(themes, model.theme_rates()))
        + ".",
        "",
        f"Corpus of 20,000 segments per replicate, a stratified sample of n = {args.n} (by "
        "predicted stance, floor 5, square-root allocation), 95% intervals. `coverage` is the "
        "share of replicates whose interval holds the corpus's true share (Monte Carlo SE "
        "`coverage_mcse`); `shame | self-healing` is shame's share among truly self-healing "
        "segments, a domain the labeler only predicts.",
        "",
    ]
    for name, _, _ in runs:
        part = coverage[coverage["scenario"] == name].drop(columns=["scenario", "replicates"])
        lines += [f"## {name}", "", _markdown(part), ""]
    lines += [
        "## Interval width against the coded sample size (advice genre)",
        "",
        f"{max(args.replicates // 5, 50)} replicates per n; choose n for the width you need.",
        "",
        _markdown(
            widths.pivot_table(
                index=["variable", "estimator"], columns="n", values="mean_width", sort=False
            ).reset_index()
        ),
        "",
    ]
    (args.output / "PREVALENCE.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


def _markdown(frame: pd.DataFrame) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.3f}"
        return str(v)

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


if __name__ == "__main__":
    sys.exit(main())
