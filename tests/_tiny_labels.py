"""Ten hand-labelled sentences, one or more per stance: the tiny training set of the labeler
tests (written for the tests; not from any source)."""

from __future__ import annotations

import pandas as pd

TEXTS = [
    "Go no contact so he misses you and comes back.",
    "Make her miss you by disappearing for thirty days.",
    "Silence is your best shot at winning your ex back.",
    "No contact helps you heal and move on with your life.",
    "Focus on yourself and your own healing, not on him.",
    "Cut contact to protect your peace and your self-worth.",
    "Do what feels right for you, there is no rule.",
    "I need contact sometimes and that is fine, rules are for others.",
    "We went to the beach yesterday and ate ice cream.",
    "Thanks for the article, see you next week!",
]
GOLD = pd.DataFrame(
    {
        "stance": ["strategic"] * 3 + ["self-healing"] * 3 + ["autonomy-first"] * 2 + ["none"] * 2,
        "shame": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        "abandonment": [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "regret": [0] * 10,
    }
)
