"""Draw the passages hand-marked for person names (the NER evaluation set of the privacy masking).

The sample is drawn from the bundled raw data only (seed documents and r/BreakUps posts), with a
fixed seed, so it can be redrawn. Two strata:

- ``capitalised``: sentences holding a capitalised word that does not start the sentence and is
  not "I"/"I'm"/... (where names can be; chosen without any NER, so the sample does not favour
  what the model finds);
- ``seed-capitalised``: the same, from the seed documents only (comment threads address people
  by name far more often than Reddit posts do);
- ``random``: sentences drawn at random (to count false alarms on ordinary text).

Usage: ``python scripts/make_person_sample.py [--n-cap 110] [--n-seed 50] [--n-random 40]
[--seed 13]``
writes ``data/privacy/person_names_sample.csv`` (``unit_id, stratum, source, text``).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
OUT = ROOT / "data" / "privacy" / "person_names_sample.csv"

SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z])|\n+")
PRONOUN = {"I", "I'm", "I've", "I'd", "I'll", "OK", "Ok"}
CAP_RE = re.compile(r"\b[A-Z][a-z]+\b")


def sentences(text: str) -> list[str]:
    out = []
    for s in SENT_RE.split(text):
        s = " ".join(s.split())
        if 6 <= len(s.split()) <= 60:
            out.append(s)
    return out


def capitalised_inside(s: str) -> bool:
    words = s.split()
    return any(
        CAP_RE.fullmatch(w.strip(".,!?;:\"'()")) and w.strip(".,!?;:\"'()") not in PRONOUN
        for w in words[1:]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cap", type=int, default=110)
    ap.add_argument("--n-seed", type=int, default=50)
    ap.add_argument("--n-random", type=int, default=40)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    pool: list[tuple[str, str]] = []
    for f in sorted((RAW / "seeds").glob("*.txt")):
        for s in sentences(f.read_text(encoding="utf-8")):
            pool.append((f"seeds/{f.name}", s))
    with open(RAW / "reddit" / "BreakUps.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for s in sentences(f"{row['title']}\n{row['selftext']}"):
                pool.append((f"reddit/BreakUps.csv:{row['id']}", s))
    seen: set[str] = set()
    pool = [p for p in pool if not (p[1] in seen or seen.add(p[1]))]
    rng = random.Random(args.seed)
    seed_cap = [p for p in pool if p[0].startswith("seeds/") and capitalised_inside(p[1])]
    picked_seed = rng.sample(seed_cap, min(args.n_seed, len(seed_cap)))
    cap = [p for p in pool if capitalised_inside(p[1]) and p not in picked_seed]
    picked_cap = rng.sample(cap, args.n_cap)
    rest = [p for p in pool if p not in picked_cap and p not in picked_seed]
    picked_rand = rng.sample(rest, args.n_random)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_id", "stratum", "source", "text"])
        for i, (src, s) in enumerate(picked_cap):
            w.writerow([f"pn-c{i:03d}", "capitalised", src, s])
        for i, (src, s) in enumerate(picked_seed):
            w.writerow([f"pn-s{i:03d}", "seed-capitalised", src, s])
        for i, (src, s) in enumerate(picked_rand):
            w.writerow([f"pn-r{i:03d}", "random", src, s])
    n = len(picked_cap) + len(picked_seed) + len(picked_rand)
    print(f"{n} passages -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
