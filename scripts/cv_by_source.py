"""Cross-validated labeler scores by source, on train + dev only (the test split is not read).

The held-out test split has 20 units from the seed documents (advice articles, video
transcripts, reader comments), too few to say how a labeler does on that kind of source. This
script gives every train + dev unit an out-of-fold prediction (stratified k-fold on stance, each
fold's labeler fitted on the other folds) and scores the predictions for each source group:
``seed`` (the five seed documents), ``reddit`` (r/BreakUps and the four other subreddits),
``synthetic`` (the project's written round-4 units, in the folds for training like the rest) and
``all``.

Usage::

    HF_HUB_OFFLINE=1 python scripts/cv_by_source.py --cache-dir /tmp/cv_cache

It prints markdown tables: scores per labeler and group, and the stance confusion matrix of
each labeler on the seed group.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from sklearn.model_selection import StratifiedKFold

from discourse.analysis.tables import markdown_table
from discourse.annotations import load_annotations
from discourse.codebook import Codebook, load_codebook
from discourse.labels.base import make_labeler
from discourse.labels.evaluate import evaluate


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
        for name in names:
            kwargs = {} if name == "rules" else {"cache_dir": cache_dir, "seed": 13}
            model = make_labeler(name, cb, **kwargs).fit(train.text.tolist(), train)
            pred = model.predict(held.text.tolist()).reset_index(drop=True)
            parts[name].append(pred.assign(unit_id=held.unit_id.to_numpy()))
    return {
        n: pd.concat(p).set_index("unit_id").loc[gold.unit_id].reset_index()
        for n, p in parts.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--labelers", default="rules,embed-logreg,combined")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0, help="fold assignment")
    ap.add_argument("--cache-dir", default=None, help="embedding cache")
    args = ap.parse_args()
    cb = load_codebook()
    gold = load_annotations(Path(args.annotations), cb).gold()
    gold = gold[gold.split != "test"].reset_index(drop=True)
    group = pd.Series("reddit", index=gold.index)
    group[gold.unit_id.str.startswith("seeds/")] = "seed"
    group[gold.sampling.astype(str).str.startswith("synthetic")] = "synthetic"
    names = args.labelers.split(",")
    preds = out_of_fold(gold, names, cb, args.folds, args.seed, args.cache_dir)
    head = ["labeler", "group", "n", "stance macro-F1", "kappa", "mean theme F1"]
    head += [f"F1 {s}" for s in cb.stance_labels]
    rows = [head]
    for name in names:
        for g in ("seed", "reddit", "synthetic", "all"):
            mask = (group == g).to_numpy() if g != "all" else slice(None)
            ev = evaluate(
                gold[mask].reset_index(drop=True), preds[name][mask].reset_index(drop=True), cb
            )
            f1 = ev.stance.per_class.set_index("label").f1
            rows.append(
                [name, g, str(len(gold[mask]))]
                + [f"{v:.3f}" for v in (ev.stance.macro_f1, ev.stance.kappa, ev.mean_theme_f1)]
                + [f"{f1.get(s, float('nan')):.2f}" for s in cb.stance_labels]
            )
    print(f"{args.folds}-fold out-of-fold predictions on train + dev (fold seed {args.seed})\n")
    print(markdown_table(pd.DataFrame(rows[1:], columns=rows[0])))
    seed_mask = (group == "seed").to_numpy()
    for name in names:
        cm = pd.crosstab(
            gold.stance[seed_mask].to_numpy(), preds[name].stance[seed_mask].to_numpy()
        ).reindex(index=cb.stance_labels, columns=cb.stance_labels, fill_value=0)
        print(f"\n{name} on the seed group (rows gold, columns predicted)\n")
        print(markdown_table(cm.rename_axis("gold \\ predicted").reset_index()))


if __name__ == "__main__":
    main()
