"""Statistical analysis of coded segments: prevalence, association, co-occurrence, key words."""

from discourse.analysis.stats import (
    chi_square,
    cooccurrence,
    crosstab,
    log_odds_dirichlet,
    one_hot,
    prevalence,
)

__all__ = [
    "chi_square",
    "cooccurrence",
    "crosstab",
    "log_odds_dirichlet",
    "one_hot",
    "prevalence",
]
