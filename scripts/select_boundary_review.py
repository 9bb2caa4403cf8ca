"""Select the coded units to re-code under the codebook's "Boundary cases" section.

The research codebook gained a "Boundary cases" section (2026-12-06) that spells out how units of
certain shapes are coded (neutral definitions, question-only units, decision guides, staying
friends, co-parenting, abuse or addiction as the purpose, rejected options, self-improvement as
a means to win back, needy-as-tactic vs shame, generic breakup vs abandonment, the ex's regret).
Units coded before it may follow an older reading. This script selects every coded unit whose
text has one of those shapes by keyword filters (no labeler, no gold code is used to select),
so an independent coder can re-code exactly those units with the new section.

Usage: ``python scripts/select_boundary_review.py`` writes
``data/annotations/boundary_review_units.csv`` (``unit_id, shapes, text``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ANN = ROOT / "data" / "annotations"

SHAPES: dict[str, str] = {
    "definition": r"\bno[- ]contact (?:is|means|rule|period|phase)\b|what counts as contact"
    r"|\b\d+ days? (?:of )?no[- ]contact\b",
    "question_only": r"\A(?=(?:\S+\s+){0,59}\S+\s*\Z)[\s\S]*\?\s*\Z",  # < 60 words, ends in "?"
    "staying_friends": r"\bfriends? with (?:my|your|an|his|her|their) ex\b|\bstay(?:ed|ing)? friends\b"
    r"|\bstill friends\b|\bjust friends\b",
    "co_parenting": r"\bco-?parent|\bcustody\b|\bour (?:kids?|son|daughter|child)\b|\bthe kids\b",
    "abuse_or_addiction": r"\babus|\bnarciss|\bmanipulat|\baddict|\bcraving|\bwithdrawal\b|\brelaps",
    "not_for_everyone": r"\b(?:doesn't|does not|won't|isn't|is not) (?:work|right) for everyone\b"
    r"|\bnot for everyone\b|\bright for you\b|\bfeels? right\b|\byour (?:own )?(?:choice|decision|call)\b"
    r"|\bask yourself\b|\bno rules?\b|\bfollow(?:ing)? (?:the )?rules?\b",
    "rejected_option": r"\bnever (?:has |have )?work|\b(?:doesn't|does not|won't|didn't) work\b"
    r"|\bget (?:him|her|them|a guy|a girl|your ex|my ex) back\b",
    "self_improvement_means": r"\b(?:so|until) (?:that )?(?:he|she|they) (?:see|sees|notice|notices|miss"
    r"|misses|realize|realizes|realise|realises)\b|\bsee your value\b",
    "needy_tactic": r"\bneedy\b|\bdesperate\b|\bclingy\b",
    "missed_window": r"\bwindow\b|\bhis regret\b|\bher regret\b|\bwill regret\b|\bregret losing\b",
}


def shapes_of(text: str) -> list[str]:
    return [name for name, rx in SHAPES.items() if re.search(rx, text, re.IGNORECASE | re.M)]


def main() -> None:
    units = pd.read_csv(ANN / "units.csv", dtype={"unit_id": str})
    units = units[~units["sampling"].astype(str).str.startswith("synthetic")]
    rows = []
    for unit_id, text in zip(units.unit_id, units.text.fillna("")):
        found = shapes_of(text)
        if found:
            rows.append({"unit_id": unit_id, "shapes": ";".join(found), "text": text})
    out = pd.DataFrame(rows)
    out.to_csv(ANN / "boundary_review_units.csv", index=False)
    counts = out.shapes.str.split(";").explode().value_counts()
    print(f"{len(out)} of {len(units)} units selected")
    print(counts.to_string())


if __name__ == "__main__":
    main()
