"""Leave-one-writer-round-out scores: how a labeler does on units from writers it never saw.

The test split's real units hold a handful of strategic and autonomy-first units, so it cannot
choose between labelers on the rare stances. The project's written units come in rounds, each
from other writer sessions with another brief. This script fits each labeler on the real
train + dev units plus every written round but one, and scores it on all units of the round left
out (its train, dev and test-synthetic parts alike), for each written round in turn. The real
test split is never read, and neither is a round held out whole (every unit in
``test-synthetic``, e.g. round 7): it is kept for the final report, not for choosing.

Usage::

    HF_HUB_OFFLINE=1 python scripts/leave_round_out.py --cache-dir /tmp/lro_cache \\
        --labelers combined,combined:ngram_features=0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from discourse.analysis.tables import markdown_table
from discourse.annotations import load_annotations
from discourse.codebook import load_codebook
from discourse.labels.base import make_labeler
from discourse.labels.evaluate import evaluate

try:  # run as a script: scripts/ is on sys.path
    from cv_by_source import parse_spec
except ImportError:  # pragma: no cover - imported as scripts.leave_round_out
    from scripts.cv_by_source import parse_spec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--labelers", default="rules,embed-logreg,combined")
    ap.add_argument("--cache-dir", default=None, help="embedding cache")
    ap.add_argument("--rounds", default=None, help="written rounds to leave out (default: all)")
    args = ap.parse_args()
    cb = load_codebook()
    gold = load_annotations(Path(args.annotations), cb).gold()
    written = gold.sampling.astype(str).str.startswith("synthetic")
    held_whole = gold[written].groupby("round").split.agg(lambda s: set(s) == {"test-synthetic"})
    written &= ~gold["round"].isin(held_whole.index[held_whole])
    real_fit = gold[~written & gold.split.isin(["train", "dev"])]
    rounds = sorted(gold[written]["round"].unique())
    if args.rounds:
        rounds = [r for r in rounds if str(r) in args.rounds.split(",")]
    rows = []
    for r in rounds:
        held = gold[written & (gold["round"] == r)].reset_index(drop=True)
        fit_on = pd.concat([real_fit, gold[written & (gold["round"] != r)]]).reset_index(drop=True)
        for spec in args.labelers.split(","):
            name, settings = parse_spec(spec)
            kwargs = {} if name == "rules" else {"cache_dir": args.cache_dir, "seed": 13}
            model = make_labeler(name, cb, **{**kwargs, **settings})
            model.fit(fit_on.text.tolist(), fit_on)
            pred = model.predict(held.text.tolist()).reset_index(drop=True)
            ev = evaluate(held, pred, cb)
            f1 = ev.stance.per_class.set_index("label").f1
            rows.append(
                {
                    "left out": f"round {r}",
                    "labeler": spec,
                    "n fit": len(fit_on),
                    "n held": len(held),
                    "stance macro-F1": f"{ev.stance.macro_f1:.3f}",
                    "kappa": f"{ev.stance.kappa:.3f}",
                    "mean theme F1": f"{ev.mean_theme_f1:.3f}",
                    **{f"F1 {s}": f"{f1.get(s, float('nan')):.2f}" for s in cb.stance_labels},
                }
            )
            print(markdown_table(pd.DataFrame(rows[-1:])), flush=True)
    print("\nFitted on real train + dev and the other written rounds\n")
    print(markdown_table(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
