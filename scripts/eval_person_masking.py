"""Mention-level precision and recall of person-name masking on the hand-marked passages.

Gold: ``data/privacy/person_names_gold.csv`` (``unit_id, mention, category, note``; one row per
mention, an empty mention for a passage without names) for the passages of
``data/privacy/person_names_sample.csv`` (``scripts/make_person_sample.py``).

Two systems are scored:

- ``ner``: spaCy's ``en_core_web_sm`` PERSON spans as they come (no filtering);
- ``masker``: the full masker (:class:`discourse.privacy.Pseudonymiser`) with the corpus-wide
  author names and usernames of ``data/raw`` as known names; a predicted mention is a piece of
  the passage it replaced by a pseudonym (``P-...``, ``@P-...``, ``u/P-...``).

A predicted mention matches a gold mention of the same passage when one contains the other
(so "Coach Ken" predicted for gold "Ken" counts); each gold mention is matched at most once.
Precision = matched predictions / predictions, recall = matched gold mentions / gold mentions,
overall and for the ``private`` gold mentions (recall only: precision needs every prediction to
have a category). 95% intervals: percentile bootstrap over passages.

Usage: ``python scripts/eval_person_masking.py [--n-boot 2000] [--seed 13]``
"""

from __future__ import annotations

import argparse
import csv
import difflib
import random
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "privacy" / "person_names_sample.csv"
GOLD = ROOT / "data" / "privacy" / "person_names_gold.csv"


def masked_mentions(original: str, masked: str) -> list[str]:
    """Pieces of ``original`` that were replaced by a pseudonym in ``masked``."""
    out = []
    sm = difflib.SequenceMatcher(a=original, b=masked, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "replace" and re.search(r"P-[0-9a-f]", masked[max(0, j1 - 2) : j2 + 2]):
            piece = original[i1:i2].strip(" @/")
            if piece:
                out.append(piece)
    return out


def match(pred: list[str], gold: list[str]) -> tuple[int, list[bool]]:
    """Matched predictions, and for each gold mention whether it was matched."""
    used = [False] * len(gold)
    tp = 0
    for p in pred:
        pl = p.casefold()
        for k, g in enumerate(gold):
            gl = g.casefold()
            if not used[k] and (gl in pl or pl in gl):
                used[k] = True
                tp += 1
                break
    return tp, used


def scores(rows: list[dict]) -> dict[str, float]:
    n_pred = sum(len(r["pred"]) for r in rows)
    tp = sum(r["tp"] for r in rows)
    n_gold = sum(len(r["gold"]) for r in rows)
    hit = sum(sum(r["hit"]) for r in rows)
    priv = [(h, c) for r in rows for h, c in zip(r["hit"], r["cat"]) if c == "private"]
    return {
        "precision": tp / n_pred if n_pred else float("nan"),
        "recall": hit / n_gold if n_gold else float("nan"),
        "recall_private": sum(h for h, _ in priv) / len(priv) if priv else float("nan"),
        "n_pred": n_pred,
        "n_gold": n_gold,
    }


def bootstrap(rows: list[dict], n_boot: int, seed: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(seed)
    draws: dict[str, list[float]] = defaultdict(list)
    for _ in range(n_boot):
        sample = [rows[rng.randrange(len(rows))] for _ in rows]
        for k, v in scores(sample).items():
            if k.startswith(("precision", "recall")) and v == v:
                draws[k].append(v)
    out = {}
    for k, vals in draws.items():
        vals.sort()
        out[k] = (vals[int(0.025 * len(vals))], vals[min(len(vals) - 1, int(0.975 * len(vals)))])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    from discourse.build import document_names
    from discourse.config import PipelineConfig
    from discourse.pipeline import ingest_corpus
    from discourse.privacy import Pseudonymiser, _nlp

    with open(SAMPLE, encoding="utf-8", newline="") as fh:
        sample = list(csv.DictReader(fh))
    gold: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(GOLD, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["mention"].strip():
                gold[row["unit_id"]].append((row["mention"].strip(), row["category"].strip()))

    cfg = PipelineConfig()
    names = sorted(document_names(ingest_corpus(ROOT / "data" / "raw", cfg).documents, cfg))
    masker = Pseudonymiser("evaluation", cfg.privacy, names)
    nlp = _nlp()
    systems: dict[str, list[dict]] = {"ner": [], "masker": []}
    texts = [s["text"] for s in sample]
    for s, doc in zip(sample, nlp.pipe(texts, batch_size=64)):
        g = [m for m, _ in gold[s["unit_id"]]]
        cats = [c for _, c in gold[s["unit_id"]]]
        preds = {
            "ner": [e.text for e in doc.ents if e.label_ == "PERSON"],
            "masker": masked_mentions(s["text"], masker.mask_text(s["text"])),
        }
        for name, pred in preds.items():
            tp, hit = match(pred, g)
            systems[name].append(
                {"unit": s["unit_id"], "pred": pred, "gold": g, "cat": cats, "tp": tp, "hit": hit}
            )
    print(f"{len(sample)} passages, {sum(len(v) for v in gold.values())} gold mentions")
    for name, rows in systems.items():
        sc, ci = scores(rows), bootstrap(rows, args.n_boot, args.seed)
        print(f"\n{name}: {sc['n_pred']} predicted mentions")
        for k in ("precision", "recall", "recall_private"):
            lo, hi = ci.get(k, (float("nan"), float("nan")))
            print(f"  {k:15s} {sc[k]:.2f} [{lo:.2f}, {hi:.2f}]")
        fp = [(r["unit"], p) for r in rows for p in r["pred"] if match([p], r["gold"])[0] == 0]
        fn = [(r["unit"], g) for r in rows for g, h in zip(r["gold"], r["hit"]) if not h]
        print(f"  false positives: {fp}")
        print(f"  missed: {fn}")


if __name__ == "__main__":
    main()
