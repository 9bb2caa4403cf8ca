"""Prevalence estimators for a corpus with predicted labels and a hand-coded sample.

The target is a share in the corpus (the finite population of content segments), possibly
within a domain: ``theta = T_y / T_x``, the total of an indicator ``y`` over the total of a
domain indicator ``x`` (``x = 1`` for the whole corpus; ``x = 1[source_type = g]`` for a known
group; ``x = 1[stance = s]`` for a domain defined by the *coded* stance, e.g. a theme's
prevalence among strategic segments).

Every unit has a prediction ``f`` (the labeler's 0/1 label); a sample drawn by a stratified
simple random design (strata ``h`` of sizes ``N_h``, ``n_h`` coded units, weight
``w = N_h / n_h``) also has the true code ``Y``. Three estimators:

- ``naive``: ``sum_U f_y / sum_U f_x``, the predictions taken as true. Its interval (a document
  bootstrap, :func:`naive_ratio`) covers the wrong number whenever the labeler errs
  systematically.
- ``coded``: the coded sample only, ``sum_S w Y_y / sum_S w Y_x`` (the Hajek / ratio
  estimator).
- ``corrected``: prediction-powered, power-tuned (PPI++, Angelopoulos et al. 2023, in its
  design-based form, which is the survey difference estimator of Egami et al.'s DSL):
  ``T_v = lambda_v * sum_U f_v + sum_S w (Y_v - lambda_v f_v)`` for numerator and denominator,
  with ``lambda`` chosen from the sample to minimise the estimated variance and clipped to
  [0, 1]. With ``lambda = 0`` it is the coded estimator, so the predictions can only help; it is
  unbiased whatever the labeler's errors (up to the O(1/n) effect of estimating ``lambda`` and
  of the ratio). A known domain (``x`` observed for every unit) keeps ``lambda_x = 1``: its size
  is then exact.

Variances are design-based (Taylor linearisation of the ratio; within-stratum sample variances
with the finite-population correction); intervals are Wilson score intervals for the design's
effective sample size (:func:`wilson_interval`), which keep their coverage near 0 and 1 where
normal intervals fail. Randomness
comes only from the sampling design, so the intervals are valid for *this corpus* and need no
model of documents: the nesting of segments in documents does not bias them. A domain with few
coded units gets a wide (or, with no coded variation, degenerate) interval and a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from discourse.analysis.stats import _bootstrap_ratios
from discourse.errors import InputError

__all__ = [
    "Estimate",
    "StratifiedCodes",
    "check_strata",
    "coded_ratio",
    "corrected_ratio",
    "naive_ratio",
    "normal_interval",
    "wilson_interval",
]


@dataclass(frozen=True)
class StratifiedCodes:
    """The design of a coded sample: stratum of each coded unit and the stratum sizes.

    Attributes
    ----------
    strata
        Int stratum index (0..H-1) of each coded unit.
    N_h
        Population size of each stratum (length H).
    """

    strata: np.ndarray
    N_h: np.ndarray

    def __post_init__(self) -> None:
        strata = np.asarray(self.strata, dtype=np.int64)
        sizes = np.asarray(self.N_h, dtype=np.float64)
        if strata.ndim != 1 or sizes.ndim != 1:
            raise ValueError("strata and N_h must be one-dimensional")
        if strata.size and (strata.min() < 0 or strata.max() >= sizes.size):
            raise ValueError("a stratum index is out of range")
        n_h = np.bincount(strata, minlength=sizes.size).astype(np.float64)
        if (n_h > sizes).any():
            raise ValueError("a stratum has more coded units than its population size")
        object.__setattr__(self, "strata", strata)
        object.__setattr__(self, "N_h", sizes)

    @property
    def n_h(self) -> np.ndarray:
        """Coded units per stratum."""
        return np.bincount(self.strata, minlength=self.N_h.size).astype(np.float64)

    @property
    def weights(self) -> np.ndarray:
        """Design weight ``N_h / n_h`` of each coded unit."""
        n_h = self.n_h
        return (self.N_h / np.where(n_h > 0, n_h, 1.0))[self.strata]

    @property
    def variance_factor(self) -> np.ndarray:
        """``N_h^2 (1 - n_h/N_h) / n_h`` per stratum (0 where fewer than 2 units are coded,
        whose variance cannot be estimated; :func:`check_strata` refuses such designs)."""
        n_h = self.n_h
        ok = n_h >= 2
        safe = np.where(ok, n_h, 1.0)
        return np.where(ok, self.N_h**2 * (1.0 - n_h / self.N_h) / safe, 0.0)

    def covariance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Within-stratum sample covariance (ddof 1) of ``u`` and ``v`` (columns allowed),
        returned as ``sum_h factor_h * cov_h``: the design variance of a total's
        estimator when ``u = v``."""
        u2 = u.reshape(len(u), -1).astype(np.float64)
        v2 = v.reshape(len(v), -1).astype(np.float64)
        H, n_h = self.N_h.size, self.n_h
        safe = np.where(n_h > 0, n_h, 1.0)
        mean_u = np.stack([np.bincount(self.strata, u2[:, j], H) for j in range(u2.shape[1])], 1)
        mean_v = np.stack([np.bincount(self.strata, v2[:, j], H) for j in range(v2.shape[1])], 1)
        mean_u /= safe[:, None]
        mean_v /= safe[:, None]
        du = u2 - mean_u[self.strata]
        dv = v2 - mean_v[self.strata]
        factor = self.variance_factor / np.where(n_h > 1, n_h - 1.0, 1.0)
        weights = factor[self.strata]
        return (du * weights[:, None]).T @ dv


def check_strata(codes: StratifiedCodes, names: list[str] | None = None) -> None:
    """Refuse a design whose variance cannot be estimated: a stratum with units in the
    population but fewer than two coded (unless it is coded completely)."""
    n_h = codes.n_h
    bad = np.flatnonzero((n_h < 2) & (n_h < codes.N_h))
    if bad.size:
        label = [names[i] if names else str(i) for i in bad]
        detail = ", ".join(
            f"{lab} ({int(n_h[i])} of {int(codes.N_h[i])} coded)" for lab, i in zip(label, bad)
        )
        raise InputError(
            f"stratum/strata with fewer than 2 coded units: {detail}; code at least two units "
            "of each stratum of the sample (the coding page's order mixes strata, so coding "
            "the whole sample always works)"
        )


@dataclass(frozen=True)
class Estimate:
    """One estimate with its standard error and interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    domain_size: float
    lam: tuple[float, float] = (0.0, 0.0)


def normal_interval(estimate: float, se: float, level: float) -> tuple[float, float]:
    """``estimate +- z * se`` clipped to [0, 1] (NaN in, NaN out)."""
    if not np.isfinite(estimate) or not np.isfinite(se):
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + level / 2.0))
    return max(0.0, estimate - z * se), min(1.0, estimate + z * se)


def wilson_interval(
    estimate: float, se: float, level: float, n_coded: float
) -> tuple[float, float]:
    """Wilson score interval with the design's effective sample size.

    ``m = theta (1 - theta) / se**2`` is the sample size a simple random sample would need
    for the same variance (Korn and Graubard 1998 use it with Clopper-Pearson for complex
    surveys); the Wilson interval for ``m`` is asymmetric near 0 and 1, where the normal one
    undercovers. With no estimated variance (e.g. no coded unit of the domain has the label)
    ``m`` is the number of coded units in the domain, so the interval still has a width: within
    strata without coded variation (or coded completely) the design variance is zero, which
    says nothing about the units never coded.
    """
    if not np.isfinite(estimate) or not np.isfinite(se):
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + level / 2.0))
    theta = min(max(estimate, 0.0), 1.0)
    var = se * se
    if var > 1e-12 and 0.0 < theta < 1.0:
        m = theta * (1.0 - theta) / var
    elif n_coded > 0:
        m = float(n_coded)
    else:
        return float("nan"), float("nan")
    centre = (theta + z * z / (2 * m)) / (1 + z * z / m)
    half = z / (1 + z * z / m) * np.sqrt(theta * (1 - theta) / m + z * z / (4 * m * m))
    return max(0.0, centre - half), min(1.0, centre + half)


def _ratio(
    y: np.ndarray,
    x: np.ndarray,
    fy: np.ndarray,
    fx: np.ndarray,
    fy_total: float,
    fx_total: float,
    codes: StratifiedCodes,
    lam: tuple[float, float],
    level: float,
) -> Estimate:
    w = codes.weights
    ey = y - lam[0] * fy
    ex = x - lam[1] * fx
    t_y = lam[0] * fy_total + float(w @ ey)
    t_x = lam[1] * fx_total + float(w @ ex)
    if t_x <= 0:
        nan = float("nan")
        return Estimate(nan, nan, nan, nan, t_x, lam)
    theta = t_y / t_x
    z = ey - theta * ex
    var = float(codes.covariance(z, z)[0, 0]) / t_x**2
    se = float(np.sqrt(max(var, 0.0)))
    low, high = wilson_interval(theta, se, level, float(x.sum()))
    return Estimate(theta, se, low, high, t_x, lam)


def coded_ratio(
    y: np.ndarray, x: np.ndarray, codes: StratifiedCodes, level: float = 0.95
) -> Estimate:
    """The coded-sample-only ratio estimator ``sum_S w y / sum_S w x`` with its design-based
    interval.

    Parameters
    ----------
    y, x
        Coded numerator and domain indicators of the coded units (0/1).
    codes
        The design (stratum of each coded unit, stratum sizes).
    level
        Interval coverage.
    """
    zeros = np.zeros(len(y))
    return _ratio(
        np.asarray(y, float),
        np.asarray(x, float),
        zeros,
        zeros,
        0.0,
        0.0,
        codes,
        (0.0, 0.0),
        level,
    )


def _tuned_lambda(
    y: np.ndarray,
    x: np.ndarray,
    fy: np.ndarray,
    fx: np.ndarray,
    theta0: float,
    codes: StratifiedCodes,
    known_domain: bool,
) -> tuple[float, float]:
    """The ``lambda`` minimising the linearised design variance, clipped to [0, 1]."""
    if known_domain:
        denom = float(codes.covariance(fy, fy)[0, 0])
        if denom <= 1e-12:
            return 0.0, 1.0
        lam_y = float(codes.covariance(fy, y)[0, 0]) / denom
        return float(np.clip(lam_y, 0.0, 1.0)), 1.0
    a = y - theta0 * x
    b = np.column_stack([fy, -theta0 * fx])
    m = codes.covariance(b, b)
    r = codes.covariance(b, a)[:, 0]
    lam = np.linalg.lstsq(m, r, rcond=1e-10)[0] if np.abs(m).sum() > 1e-12 else np.zeros(2)
    lam = np.clip(np.nan_to_num(lam), 0.0, 1.0)
    return float(lam[0]), float(lam[1])


def corrected_ratio(
    y: np.ndarray,
    x: np.ndarray,
    fy: np.ndarray,
    fx: np.ndarray,
    fy_total: float,
    fx_total: float,
    codes: StratifiedCodes,
    level: float = 0.95,
    known_domain: bool = False,
    lam: tuple[float, float] | None = None,
) -> Estimate:
    """The prediction-powered (PPI++, design-based) ratio estimator.

    Parameters
    ----------
    y, x
        Coded numerator and domain indicators of the coded units.
    fy, fx
        The labeler's predictions of the same indicators for the coded units.
    fy_total, fx_total
        Sums of the predictions over the whole population (every content segment).
    codes
        The design.
    level
        Interval coverage.
    known_domain
        ``x`` is observed for every unit (``fx == x``): its total is used as exact.
    lam
        Fixed ``(lambda_y, lambda_x)``; None tunes them (PPI++).

    Returns
    -------
    Estimate
        With the ``lambda`` used; NaN when the coded sample holds no unit of the domain.
    """
    y, x, fy, fx = (np.asarray(v, dtype=np.float64) for v in (y, x, fy, fx))
    if lam is None:
        base = coded_ratio(y, x, codes, level)
        if not np.isfinite(base.estimate) and not known_domain:
            return base
        theta0 = base.estimate if np.isfinite(base.estimate) else 0.0
        lam = _tuned_lambda(y, x, fy, fx, theta0, codes, known_domain)
    return _ratio(y, x, fy, fx, fy_total, fx_total, codes, lam, level)


def naive_ratio(
    fy: np.ndarray,
    fx: np.ndarray,
    clusters: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    level: float = 0.95,
    min_clusters: int = 5,
) -> tuple[Estimate, int]:
    """Predictions taken as true: ``sum f_y / sum f_x``, with a cluster (document) bootstrap
    percentile interval over the documents with a unit in the domain.

    Returns the estimate and the number of documents; fewer than ``min_clusters`` documents
    give no interval (NaN): with so few documents there is no document-level claim to make.
    """
    fy = np.asarray(fy, dtype=np.float64)
    fx = np.asarray(fx, dtype=np.float64)
    total_x = float(fx.sum())
    if total_x <= 0:
        nan = float("nan")
        return Estimate(nan, nan, nan, nan, 0.0), 0
    theta = float(fy.sum()) / total_x
    in_domain = fx > 0
    codes, uniques = _factorize(np.asarray(clusters, dtype=object)[in_domain])
    k = len(uniques)
    if k < max(2, min_clusters):
        nan = float("nan")
        return Estimate(theta, nan, nan, nan, total_x), k
    sum_y = np.bincount(codes, fy[in_domain], minlength=k)
    sum_x = np.bincount(codes, fx[in_domain], minlength=k)
    reps = _bootstrap_ratios(sum_y[:, None], sum_x, n_boot, rng)[:, 0]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(reps, [tail, 1.0 - tail])
    return Estimate(theta, float(np.std(reps, ddof=1)), float(low), float(high), total_x), k


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list]:
    uniques = sorted(set(values.tolist()), key=str)
    index = {v: i for i, v in enumerate(uniques)}
    return np.array([index[v] for v in values], dtype=np.int64), uniques
