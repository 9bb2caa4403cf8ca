"""Fit and evaluate the distilled ``student`` labeler against its teacher (issue 21).

The protocol of ``discourse train``: fit on train and choose settings on dev, refit on
train + dev, score test (real units) and test-synthetic (written units) once.

* Dev phase: the teacher is ``combined`` fitted on train only (as ``discourse train`` fits it
  for its dev scores), so the soft labels the student learns from hold nothing of dev. Students
  are fitted on train with each ``teacher_weight`` of the grid; the one with the best mean of
  stance macro-F1 and mean theme F1 on dev is chosen (0 = no teacher rows, for reference).
* Final: the teacher is ``combined`` with its packaged weights (fitted on train + dev); the
  student is refitted on train + dev with the chosen weight and both score test and
  test-synthetic, with 95% bootstrap intervals and paired intervals of student minus teacher.

Usage (from the repository root; MiniLM and static embeddings are cached in ``--cache-dir``)::

    HF_HUB_OFFLINE=1 PYTHONPATH=src .venv/bin/python scripts/train_student.py \\
        --cache-dir /tmp/cache21 --output benchmarks/results/student_vs_teacher.json \\
        [--weights-out src/discourse/resources/models/student.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pandas as pd

from discourse.annotations import load_annotations
from discourse.codebook import load_codebook
from discourse.labels.bootstrap import bootstrap_difference, bootstrap_intervals
from discourse.labels.evaluate import Evaluation, evaluate
from discourse.labels.stage import packaged_weights
from discourse.labels.student import StudentLabeler
from discourse.labels.supervised import CombinedLabeler

N_BOOT = 2000
GRID = (0.0, 0.25, 0.5, 1.0, 2.0)


def _summary(ev: Evaluation) -> dict[str, Any]:
    pc = ev.stance.per_class.set_index("label")
    return {
        "stance_macro_f1": round(ev.stance.macro_f1, 4),
        "stance_accuracy": round(ev.stance.accuracy, 4),
        **{f"f1_{lab}": round(float(pc.loc[lab, "f1"]), 4) for lab in pc.index},
        **{
            f"{t}_f1": round(float(r.per_class.set_index("label").loc["1", "f1"]), 4)
            for t, r in ev.themes.items()
        },
        "mean_theme_f1": round(ev.mean_theme_f1, 4),
        "stance_ece": round(ev.ece("stance"), 4),
    }


def _table(frame: pd.DataFrame) -> dict[str, list[float]]:
    ci = frame.set_index("metric")
    return {
        m: [round(float(v), 4) for v in ci.loc[m, ["estimate", "low", "high"]]] for m in ci.index
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--annotations", default="data/annotations")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--grid", default=",".join(str(g) for g in GRID))
    ap.add_argument("--output", default=None, help="results as JSON")
    ap.add_argument("--weights-out", default=None, help="save the final student's weights here")
    args = ap.parse_args()

    cb = load_codebook()
    gold = load_annotations(Path(args.annotations), cb).gold()
    parts = {
        s: gold[gold.split == s].reset_index(drop=True)
        for s in ("train", "dev", "test", "test-synthetic")
    }
    trdev = pd.concat([parts["train"], parts["dev"]], ignore_index=True)
    common = {"codebook": cb, "cache_dir": args.cache_dir, "seed": args.seed}
    out: dict[str, Any] = {"seconds": {}, "dev": {}, "grid": {}}

    def student(weight: float, teacher_weights: Path | str) -> StudentLabeler:
        return StudentLabeler(
            **common,
            teacher_weight=weight,
            teacher_weights=teacher_weights,
            annotations_dir=args.annotations,
        )

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        teacher_dev = CombinedLabeler(**common).fit(parts["train"].text.tolist(), parts["train"])
        out["seconds"]["teacher_fit_train"] = round(time.perf_counter() - t0, 1)
        teacher_dev_path = Path(tmp) / "combined-train.json"
        teacher_dev.save(teacher_dev_path)
        dev_texts = parts["dev"].text.tolist()
        teacher_dev_pred = teacher_dev.predict(dev_texts).reset_index(drop=True)
        out["dev"]["teacher"] = _summary(evaluate(parts["dev"], teacher_dev_pred, cb))
        print("dev teacher", out["dev"]["teacher"], flush=True)
        best: tuple[float, float] | None = None
        dev_preds: dict[float, pd.DataFrame] = {}
        for weight in (float(g) for g in args.grid.split(",")):
            t0 = time.perf_counter()
            model = student(weight, teacher_dev_path).fit(
                parts["train"].text.tolist(), parts["train"]
            )
            fit_s = time.perf_counter() - t0
            pred = model.predict(dev_texts).reset_index(drop=True)
            ev = evaluate(parts["dev"], pred, cb)
            score = (ev.stance.macro_f1 + ev.mean_theme_f1) / 2
            out["grid"][str(weight)] = {
                **_summary(ev),
                "dev_score": round(score, 4),
                "fit_seconds": round(fit_s, 1),
                "pool_segments": model.pool_size_,
            }
            print("dev student", weight, out["grid"][str(weight)], flush=True)
            dev_preds[weight] = pred
            if best is None or score > best[0]:
                best = (score, weight)
        assert best is not None
        chosen = best[1]
        out["chosen_teacher_weight"] = chosen
        out["dev"]["student"] = out["grid"][str(chosen)]
        out["dev"]["student_minus_teacher"] = _table(
            bootstrap_difference(
                parts["dev"],
                dev_preds[chosen],
                teacher_dev_pred,
                cb,
                n_boot=N_BOOT,
                seed=args.seed,
            )
        )

    # final: refit on train + dev with the packaged teacher; score test and test-synthetic once
    t0 = time.perf_counter()
    final = student(chosen, packaged_weights("combined")).fit(trdev.text.tolist(), trdev)
    out["seconds"]["student_fit_train_dev"] = round(time.perf_counter() - t0, 1)
    out["pool_segments"] = final.pool_size_
    if args.weights_out:
        final.save(args.weights_out)
    teacher = CombinedLabeler(**common, weights=packaged_weights("combined"))
    for split in ("test", "test-synthetic"):
        texts = parts[split].text.tolist()
        ps = final.predict(texts).reset_index(drop=True)
        pt = teacher.predict(texts).reset_index(drop=True)
        out[split] = {
            "n": len(texts),
            "student": _summary(evaluate(parts[split], ps, cb)),
            "teacher": _summary(evaluate(parts[split], pt, cb)),
            "student_intervals": _table(
                bootstrap_intervals(parts[split], ps, cb, n_boot=N_BOOT, seed=args.seed)
            ),
            "teacher_intervals": _table(
                bootstrap_intervals(parts[split], pt, cb, n_boot=N_BOOT, seed=args.seed)
            ),
            "student_minus_teacher": _table(
                bootstrap_difference(parts[split], ps, pt, cb, n_boot=N_BOOT, seed=args.seed)
            ),
        }
        print(split, json.dumps({k: out[split][k] for k in ("student", "teacher")}), flush=True)
    text = json.dumps(out, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
