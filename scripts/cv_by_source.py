"""Cross-validated labeler scores by source, on train + dev only (the test splits are read only
with ``--held-out``, to report an ablation after a choice was made).

The held-out test split has 20 units from the seed documents (advice articles, video
transcripts, reader comments), too few to say how a labeler does on that kind of source. This
script gives every train + dev unit an out-of-fold prediction (stratified k-fold on stance, each
fold's labeler fitted on the other folds) and scores the predictions for each source group:
``seed`` (the five seed documents), ``reddit`` (r/BreakUps and the four other subreddits),
``real`` (seed + reddit), ``synthetic`` (the project's written round-4 units, in the folds for
training like the rest) and ``all``.

Usage::

    HF_HUB_OFFLINE=1 python scripts/cv_by_source.py --cache-dir /tmp/cv_cache

A labeler can carry constructor settings after a colon, for ablations, e.g.
``--labelers combined,combined:ngram_features=0`` (``combined`` without its n-gram features).

It prints markdown tables: scores per labeler and group, and the stance confusion matrix of
each labeler on the seed group.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from discourse.analysis.tables import markdown_table
from discourse.annotations import load_annotations
from discourse.codebook import Codebook, load_codebook
from discourse.labels.base import make_labeler
from discourse.labels.evaluate import evaluate


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``name`` or ``name:key=value:key=value`` -> (name, settings); values are read as Python
    literals (numbers, ``None``) and otherwise kept as strings."""
    name, *pairs = spec.split(":")
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"bad labeler setting {pair!r} in {spec!r}: use key=value")
        try:
            settings[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[key] = value
    return name, settings


def out_of_fold(
    gold: pd.DataFrame,
    names: list[str],
    cb: Codebook,
    folds: int,
    seed: int,
    cache_dir: str | None,
) -> dict[str, pd.DataFrame]:
    """One out-of-fold prediction per unit of ``gold`` for each labeler, in ``gold``'s order."""
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in names}
    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train_idx, held_idx in skf.split(gold, gold.stance):
        train = gold.iloc[train_idx].reset_index(drop=True)
        held = gold.iloc[held_idx].reset_index(drop=True)
        for spec in names:
            name, settings = parse_spec(spec)
            kwargs = {} if name == "rules" else {"cache_dir": cache_dir, "seed": 13}
            model = make_labeler(name, cb, **{**kwargs, **settings})
            model.fit(train.text.tolist(), train)
            pred = model.predict(held.text.tolist()).reset_index(drop=True)
            parts[spec].append(pred.assign(unit_id=held.unit_id.to_numpy()))
    return {
        n: pd.concat(p).set_index("unit_id").loc[gold.unit_id].reset_index()
        for n, p in parts.items()
    }


def scores(
    gold: pd.DataFrame, group: pd.Series, preds: dict[str, pd.DataFrame], cb: Codebook
) -> pd.DataFrame:
    """One row per labeler and source group: n, stance macro-F1, kappa, mean theme F1 and the
    F1 of each stance class."""
    rows = []
    for name, pred in preds.items():
        for g in ("seed", "reddit", "real", "synthetic", "all"):
            if g == "all":
                mask = np.ones(len(gold), dtype=bool)
            elif g == "real":
                mask = (group != "synthetic").to_numpy()
            else:
                mask = (group == g).to_numpy()
            ev = evaluate(gold[mask].reset_index(drop=True), pred[mask].reset_index(drop=True), cb)
            f1 = ev.stance.per_class.set_index("label").f1
            rows.append(
                {
                    "labeler": name,
                    "group": g,
                    "n": int(mask.sum()),
                    "stance macro-F1": ev.stance.macro_f1,
                    "kappa": ev.stance.kappa,
                    "mean theme F1": ev.mean_theme_f1,
                    **{f"F1 {s}": f1.get(s, float("nan")) for s in cb.stance_labels},
                }
            )
    return pd.DataFrame(rows)


def held_out(annotations: str, names: list[str], cb: Codebook, cache_dir: str | None) -> None:
    """Print each labeler's scores on the test and test-synthetic splits, fitted on train + dev."""
    gold = load_annotations(Path(annotations), cb).gold()
    fit_on = gold[gold.split.isin(["train", "dev"])].reset_index(drop=True)
    rows = []
    for spec in names:
        name, settings = parse_spec(spec)
        kwargs = {} if name == "rules" else {"cache_dir": cache_dir, "seed": 13}
        model = make_labeler(name, cb, **{**kwargs, **settings})
        model.fit(fit_on.text.tolist(), fit_on)
        for split in ("test", "test-synthetic"):
            part = gold[gold.split == split].reset_index(drop=True)
            pred = model.predict(part.text.tolist()).reset_index(drop=True)
            ev = evaluate(part, pred, cb)
            f1 = ev.stance.per_class.set_index("label").f1
            rows.append(
                {
                    "labeler": spec,
                    "split": split,
                    "n": len(part),
                    "stance macro-F1": f"{ev.stance.macro_f1:.3f}",
                    "mean theme F1": f"{ev.mean_theme_f1:.3f}",
                    **{f"F1 {s}": f"{f1.get(s, float('nan')):.2f}" for s in cb.stance_labels},
                }
            )
    print("\nFitted on train + dev, scored on the held-out splits\n")
    print(markdown_table(pd.DataFrame(rows)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--labelers", default="rules,embed-logreg,combined")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0, help="fold assignment (first repeat)")
    ap.add_argument(
        "--repeats", type=int, default=1, help="fold assignments seed, seed+1, ...: mean and sd"
    )
    ap.add_argument("--cache-dir", default=None, help="embedding cache")
    ap.add_argument(
        "--held-out",
        action="store_true",
        help="also fit each labeler on train + dev and score the test and test-synthetic splits "
        "(to report an ablation after the choice was made, never to make it)",
    )
    args = ap.parse_args()
    if args.repeats < 1 or args.folds < 2:
        raise SystemExit("--repeats must be >= 1 and --folds >= 2")
    cb = load_codebook()
    gold = load_annotations(Path(args.annotations), cb).gold()
    gold = gold[gold.split.isin(["train", "dev"])].reset_index(drop=True)
    group = pd.Series("reddit", index=gold.index)
    group[gold.unit_id.str.startswith("seeds/")] = "seed"
    group[gold.sampling.astype(str).str.startswith("synthetic")] = "synthetic"
    names = args.labelers.split(",")
    tables, first = [], None
    for r in range(args.repeats):
        preds = out_of_fold(gold, names, cb, args.folds, args.seed + r, args.cache_dir)
        first = first or preds
        tables.append(scores(gold, group, preds, cb))
    both = pd.concat(tables)
    keys = ["labeler", "group", "n"]
    mean = both.groupby(keys, sort=False).mean().reset_index()
    sd = both.groupby(keys, sort=False).std(ddof=1).reset_index()
    shown = mean.copy()
    for col in mean.columns[len(keys) :]:
        digits = 3 if "F1 " not in col else 2
        shown[col] = [
            f"{m:.{digits}f}" + (f" ± {d:.{digits}f}" if args.repeats > 1 else "")
            for m, d in zip(mean[col], sd[col])
        ]
    seeds = ", ".join(str(args.seed + r) for r in range(args.repeats))
    print(
        f"{args.folds}-fold out-of-fold predictions on train + dev (fold seeds {seeds}"
        + ("; mean ± sd over the repeats" if args.repeats > 1 else "")
        + ")\n"
    )
    print(markdown_table(shown))
    if args.held_out:
        held_out(args.annotations, names, cb, args.cache_dir)
    seed_mask = (group == "seed").to_numpy()
    for name in names:
        cm = pd.crosstab(
            gold.stance[seed_mask].to_numpy(), first[name].stance[seed_mask].to_numpy()
        ).reindex(index=cb.stance_labels, columns=cb.stance_labels, fill_value=0)
        print(f"\n{name} on the seed group, fold seed {args.seed} (rows gold, columns predicted)\n")
        print(markdown_table(cm.rename_axis("gold \\ predicted").reset_index()))


if __name__ == "__main__":
    main()
