"""Naive, coded and corrected prevalence for a run and a hand-coded sample of it.

:func:`estimate_prevalence` is the computation (a tidy table, nothing written);
:func:`estimate_run` reads a run folder, its sample design and the codes, checks that they
belong together, and writes the table (CSV + LaTeX), a figure and a manifest
(``discourse estimate``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse import __version__
from discourse.codebook import Codebook
from discourse.coding.sample import SampleDesign, fingerprints, population, strata_of
from discourse.errors import InputError, MissingInputError
from discourse.layout import LABELS
from discourse.prevalence.estimators import (
    Estimate,
    StratifiedCodes,
    check_strata,
    coded_ratio,
    corrected_ratio,
    naive_ratio,
)

__all__ = [
    "ESTIMATE_COLUMNS",
    "ESTIMATORS",
    "CodedSample",
    "EstimateInputs",
    "design_beside",
    "estimate_matched",
    "estimate_prevalence",
    "estimate_run",
    "load_inputs",
    "match_codes",
    "prevalence_estimates",
]

ESTIMATORS = ("naive", "coded", "corrected")
ESTIMATE_COLUMNS = [
    "dimension",
    "variable",
    "by",
    "group",
    "estimator",
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "domain_size",
    "n_coded",
    "n_documents",
    "lambda",
    "interval",
    "note",
]
#: Fewer coded units of a domain than this: the interval is flagged as unreliable.
MIN_CODED = 10


@dataclass(frozen=True)
class CodedSample:
    """Codes matched to a run's population: the coded units' rows and their strata."""

    rows: np.ndarray  # row of each coded unit in the population frame
    codes: pd.DataFrame  # the coded units' codes, aligned with ``rows``
    design: StratifiedCodes
    strata_names: list[str]
    n_sampled: int
    n_uncoded: int
    #: False when the labels changed since the sample was drawn: the strata sizes are then
    #: taken from the design file (the estimators stay valid with any predictions)
    strata_verified: bool = True


def match_codes(
    content: pd.DataFrame, design: SampleDesign, codes: pd.DataFrame
) -> tuple[pd.DataFrame, CodedSample]:
    """Check the design and the codes against a run and align them with its population.

    Parameters
    ----------
    content
        The run's labelled content segments.
    design
        The sample design (``design.json``).
    codes
        Output of :func:`discourse.coding.codes.read_codes`.

    Returns
    -------
    population, sample
        The population frame (content segments sorted by id) and the coded sample.

    Raises
    ------
    ValueError
        If the sample was drawn from another corpus, the design file contradicts itself, a
        code names a unit not in the sample, or a stratum has fewer than two coded units.

    Notes
    -----
    The labels may have changed since the sample was drawn (a retrained labeler): the design
    (strata and inclusion probabilities) was fixed when it was drawn, and the corrected
    estimator is unbiased for any predictions fixed before the sample is coded. The strata
    sizes then cannot be re-derived from the run and are taken from the design file
    (``strata_verified`` is False). Never train the labeler on the coded sample itself: its
    predictions on those units would no longer be honest.
    """
    frame = population(content)
    population_sha, strata_sha = fingerprints(frame, design.strategy)
    if population_sha != design.population_sha256 or len(frame) != design.population_size:
        raise InputError(
            f"sample {design.sample_id} was drawn from another corpus: this run's content "
            "segments are not the ones the sample was drawn from. Draw a new sample for this run."
        )
    unit_stratum = dict(design.units)
    unit_key = dict(zip((u for u, _ in design.units), design.unit_keys))
    by_key = pd.Index(frame["unit_key"].astype(str))
    verified = strata_sha == design.strata_sha256
    current = strata_of(frame, design.strategy).to_numpy() if verified else None
    if current is not None:
        sizes = pd.Series(current).value_counts().to_dict()
        declared = {s.name: s.N for s in design.strata}
        if {str(k): int(v) for k, v in sizes.items()} != declared:
            raise InputError(
                f"{design.sample_id}: the design's strata sizes do not match its own strata "
                "fingerprint (the design file was edited): draw the sample again"
            )
    rows = by_key.get_indexer(design.unit_keys)
    if (rows < 0).any():
        missing = [u for u, r in zip(unit_stratum, rows) if r < 0][:5]
        raise InputError(f"units of the sample are not content segments of this run: {missing}")
    if current is not None:
        moved = [u for u, r in zip(unit_stratum, rows) if current[r] != unit_stratum[u]]
        if moved:
            raise InputError(
                f"{len(moved)} sampled unit(s) are listed under another stratum than their own "
                f"(e.g. {moved[0]}): the design file was edited; draw the sample again"
            )
    unknown = sorted(set(codes["segment_id"]) - set(unit_stratum))
    if unknown:
        raise InputError(
            f"{len(unknown)} coded unit(s) are not in sample {design.sample_id} "
            f"(e.g. {unknown[:3]}): codes must come from this sample's files"
        )
    coded = codes[codes["stance"].notna()].reset_index(drop=True)
    names = [s.name for s in design.strata]
    position = {h: i for i, h in enumerate(names)}
    strata = np.array([position[unit_stratum[u]] for u in coded["segment_id"]], dtype=np.int64)
    design_codes = StratifiedCodes(strata, np.array([s.N for s in design.strata], float))
    check_strata(design_codes, names)
    sample = CodedSample(
        rows=by_key.get_indexer([unit_key[u] for u in coded["segment_id"]]),
        codes=coded,
        design=design_codes,
        strata_names=names,
        n_sampled=design.n,
        n_uncoded=design.n - len(coded),
        strata_verified=verified,
    )
    return frame, sample


def _note(n_coded: int, est: Estimate, estimator: str) -> str:
    if estimator == "naive":
        return "" if np.isfinite(est.ci_low) else "no interval: fewer than 5 documents"
    if n_coded == 0:
        return "no coded unit in the domain"
    notes = []
    if n_coded < MIN_CODED:
        notes.append(f"only {n_coded} coded units in the domain: interval unreliable")
    if est.se < 1e-6:
        notes.append(
            "no design variance (no coded variation within strata): Wilson interval with the "
            "number of coded units"
        )
    return "; ".join(notes)


def _rows(
    dimension: str,
    variable: str,
    by: str,
    group: str,
    y: np.ndarray,
    x: np.ndarray,
    f_y: np.ndarray,
    f_x: np.ndarray,
    sample: CodedSample,
    clusters: np.ndarray,
    known: bool,
    level: float,
    n_boot: int,
    rng: np.random.Generator,
    min_documents: int,
) -> list[dict[str, Any]]:
    r = sample.rows
    naive, k = naive_ratio(f_y, f_x, clusters, n_boot, rng, level, min_documents)
    coded = coded_ratio(y, x, sample.design, level)
    corrected = corrected_ratio(
        y, x, f_y[r], f_x[r], float(f_y.sum()), float(f_x.sum()), sample.design, level, known
    )
    n_coded = int(x.sum())
    out = []
    for name, est in (("naive", naive), ("coded", coded), ("corrected", corrected)):
        interval = {
            "naive": f"document bootstrap ({n_boot} replicates); ignores label error",
            "coded": "design-based Wilson, effective n (coded sample only)",
            "corrected": "design-based Wilson, effective n (PPI++)",
        }[name]
        if name == "naive" and not np.isfinite(est.ci_low):
            interval = f"none: {k} documents < {min_documents}"
        out.append(
            {
                "dimension": dimension,
                "variable": variable,
                "by": by,
                "group": group,
                "estimator": name,
                "estimate": est.estimate,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "se": est.se,
                "domain_size": est.domain_size,
                "n_coded": n_coded if name != "naive" else 0,
                "n_documents": k if name == "naive" else 0,
                "lambda": est.lam[0] if name == "corrected" else float("nan"),
                "interval": interval,
                "note": _note(n_coded, est, name),
            }
        )
    return out


def _check_by(frame: pd.DataFrame, by: Sequence[str], codebook: Codebook) -> None:
    for column in by:
        if column not in frame.columns:
            raise InputError(
                f"cannot group by {column!r}: the content segments have no such column; "
                f"valid: {sorted(c for c in frame.columns if frame[c].dtype == object)}"
            )
        if column in ("stance", *codebook.theme_names):
            raise InputError(f"cannot group by the label column {column!r}")


def estimate_prevalence(
    content: pd.DataFrame,
    design: SampleDesign,
    codes: pd.DataFrame,
    codebook: Codebook,
    by: Sequence[str] = ("source_type",),
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 13,
    min_documents: int = 5,
) -> pd.DataFrame:
    """Stance and theme prevalence three ways: ``naive``, ``coded`` and ``corrected``.

    Parameters
    ----------
    content
        The run's labelled content segments (predictions in ``stance`` and the theme columns;
        ``doc_id`` for the naive document bootstrap; the ``by`` columns).
    design
        The sample design the codes follow.
    codes
        Output of :func:`discourse.coding.codes.read_codes` (uncoded units are left out of the
        sample; they are assumed missing at random within their stratum).
    codebook
        The codebook (stance labels and themes).
    by
        Grouping columns (known for every unit): estimates per group besides ``overall``.
        Themes are also estimated within each *coded* stance (``by = "stance"``).
    level
        Interval coverage.
    n_boot
        Bootstrap replicates of the naive interval.
    seed
        Seed of the naive bootstrap.
    min_documents
        Fewer documents than this in a domain: no naive interval.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS`, one row per dimension, variable, grouping, group and
        estimator (see :mod:`discourse.prevalence.estimators` for the estimators).

    Raises
    ------
    ValueError
        On a design or codes that do not fit the run (see :func:`match_codes`) or a grouping
        column the segments do not have.
    """
    _check_by(content, by, codebook)
    frame, sample = match_codes(content, design, codes)
    return estimate_matched(frame, sample, codebook, by, level, n_boot, seed, min_documents)


def estimate_matched(
    frame: pd.DataFrame,
    sample: CodedSample,
    codebook: Codebook,
    by: Sequence[str] = ("source_type",),
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 13,
    min_documents: int = 5,
) -> pd.DataFrame:
    """:func:`estimate_prevalence` on a population and sample already matched by
    :func:`match_codes` (as :func:`load_inputs` returns them)."""
    _check_by(frame, by, codebook)
    rng = np.random.default_rng(seed)
    clusters = frame["doc_id"].astype(str).to_numpy()
    coded = sample.codes
    stances = list(codebook.stance_labels)
    pred_stance = frame["stance"].astype(str).to_numpy()
    true_stance = coded["stance"].astype(str).to_numpy()
    variables: list[tuple[str, str, np.ndarray, np.ndarray]] = [
        ("stance", s, (true_stance == s).astype(float), (pred_stance == s).astype(float))
        for s in stances
    ]
    variables += [
        (
            "themes",
            t,
            coded[t].to_numpy(dtype=float),
            frame[t].astype(int).to_numpy(dtype=float),
        )
        for t in codebook.theme_names
    ]
    n = len(frame)
    domains: list[tuple[str, str, np.ndarray]] = [("overall", "all", np.ones(n))]
    for column in by:
        values = frame[column].astype(str).to_numpy()
        domains += [(column, g, (values == g).astype(float)) for g in sorted(set(values))]
    rows: list[dict[str, Any]] = []
    common = {"sample": sample, "clusters": clusters, "level": level, "n_boot": n_boot}
    for by_name, group, dom in domains:
        x = dom[sample.rows]
        for dimension, name, y, f in variables:
            rows += _rows(
                dimension,
                name,
                by_name,
                group,
                y * x,
                x,
                f * dom,
                dom,
                known=True,
                rng=rng,
                min_documents=min_documents,
                **common,
            )
    for s in stances:
        x = (true_stance == s).astype(float)
        f_x = (pred_stance == s).astype(float)
        for dimension, name, y, f in variables:
            if dimension != "themes":
                continue
            rows += _rows(
                dimension,
                name,
                "stance",
                s,
                y * x,
                x,
                f * f_x,
                f_x,
                known=False,
                rng=rng,
                min_documents=min_documents,
                **common,
            )
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


def wide_table(table: pd.DataFrame) -> pd.DataFrame:
    """The tidy table as one row per estimate target, ``estimate [low, high]`` per estimator
    (the LaTeX table)."""

    def cell(row: pd.Series) -> str:
        if not np.isfinite(row["estimate"]):
            return "--"
        if not np.isfinite(row["ci_low"]):
            return f"{row['estimate']:.3f} (no CI)"
        return f"{row['estimate']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"

    keys = ["dimension", "variable", "by", "group"]
    frame = table.assign(cell=table.apply(cell, axis=1))
    wide = frame.pivot_table(index=keys, columns="estimator", values="cell", aggfunc="first")
    wide = wide.reindex(columns=list(ESTIMATORS)).reset_index()
    coded_n = frame[frame["estimator"] == "coded"].set_index(keys)["n_coded"]
    wide["n_coded"] = coded_n.reindex(pd.MultiIndex.from_frame(wide[keys])).to_numpy()
    order = {"overall": 0}
    wide["_o"] = wide["by"].map(lambda b: order.get(b, 1 if b != "stance" else 2))
    wide = wide.sort_values(["_o", "by", "group", "dimension", "variable"], kind="mergesort")
    return wide.drop(columns="_o").reset_index(drop=True)


@dataclass(frozen=True)
class EstimateInputs:
    """A run's content segments, a sample design and its codes, checked to belong together."""

    run_dir: Path
    codes_path: Path
    design_path: Path
    codebook: Codebook
    design: SampleDesign
    codes: pd.DataFrame
    #: the content segments, sorted by unit key (see :func:`match_codes`)
    population: pd.DataFrame
    sample: CodedSample

    def estimate(self, by: Sequence[str], n_boot: int, seed: int, min_documents: int) -> Any:
        """The estimates table (:func:`estimate_matched`, 95% intervals)."""
        return estimate_matched(
            self.population, self.sample, self.codebook, by, 0.95, n_boot, seed, min_documents
        )


def load_inputs(
    run_dir: str | Path,
    codes_path: str | Path,
    design_path: str | Path | None = None,
    config: Any = None,
    codes_format: str = "auto",
) -> EstimateInputs:
    """Read a run, its sample design and the codes (nothing is written).

    Parameters
    ----------
    run_dir
        A ``discourse run`` output folder (with ``labels.parquet``).
    codes_path
        The codes (CSV from the coding page or a spreadsheet, Label Studio JSON, doccano JSONL).
    design_path
        The sample's ``design.json`` (default: next to the codes file, else
        ``run_dir/coding/design.json``).
    config
        Pipeline configuration (the codebook is used).
    codes_format
        See :func:`discourse.coding.codes.read_codes`.

    Raises
    ------
    FileNotFoundError, ValueError
        On a missing or invalid input, with what to do about it.
    """
    from discourse.analysis.run_data import require_run
    from discourse.codebook import load_codebook
    from discourse.coding.codes import read_codes
    from discourse.coding.sample import load_design
    from discourse.coding.stage import read_population
    from discourse.config import PipelineConfig

    cfg = config or PipelineConfig()
    run_dir, codes_path = Path(run_dir), Path(codes_path)
    require_run(run_dir)
    if not (run_dir / LABELS).is_file():
        raise MissingInputError(f"{run_dir} has no labels.parquet: run the label stage first")
    design_file = Path(design_path) if design_path else _find_design(codes_path, run_dir)
    codebook = load_codebook(cfg.label.codebook)
    design = load_design(design_file)
    codes = read_codes(codes_path, codebook, codes_format)
    content, _ = read_population(run_dir, cfg)
    frame, sample = match_codes(content, design, codes)  # fail here, before anything is written
    return EstimateInputs(run_dir, codes_path, design_file, codebook, design, codes, frame, sample)


def prevalence_estimates(
    run_dir: str | Path,
    codes: str | Path,
    design: str | Path | None = None,
    by: Sequence[str] = ("source_type",),
    config: Any = None,
    codes_format: str = "auto",
) -> pd.DataFrame:
    """Naive, coded and corrected prevalence of a run's labels, as a tidy table (nothing is
    written; ``discourse estimate`` writes the same table with its figure and manifest).

    Parameters
    ----------
    run_dir
        A ``discourse run`` output folder with ``labels.parquet``.
    codes
        The hand codes (see :func:`discourse.coding.codes.read_codes`).
    design
        The sample's ``design.json`` (default: next to the codes, else ``run_dir/coding``).
    by
        Grouping columns besides ``overall``.
    config
        Pipeline configuration (codebook, ``seed``, ``analysis.n_boot`` and
        ``analysis.min_documents_for_interval``); defaults when ``None``.
    codes_format
        See :func:`discourse.coding.codes.read_codes`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS` (see :func:`estimate_prevalence`).
    """
    from discourse.config import PipelineConfig

    cfg = config or PipelineConfig()
    inputs = load_inputs(run_dir, codes, design, cfg, codes_format)
    an = cfg.analysis
    return inputs.estimate(tuple(by), an.n_boot, cfg.seed, an.min_documents_for_interval)


def estimate_run(
    inputs: EstimateInputs,
    output_dir: str | Path,
    config: Any = None,
    by: Sequence[str] = ("source_type",),
) -> dict[str, Any]:
    """Estimate and write ``prevalence_estimates.csv/.tex`` (tidy),
    ``prevalence_estimates_wide.csv/.tex`` (one row per target), the figure
    ``fig09_prevalence_estimates.pdf/.png`` and ``estimate_manifest.json``.

    Parameters
    ----------
    inputs
        From :func:`load_inputs`.
    output_dir
        Where the files go (a staging folder: the caller publishes it).
    config
        Pipeline configuration (``seed`` and ``analysis`` are used).
    by
        Grouping columns besides ``overall``.

    Returns
    -------
    dict
        The manifest.
    """
    from discourse.analysis.tables import write_table
    from discourse.coding.stage import run_inputs
    from discourse.config import PipelineConfig
    from discourse.figures import save_figure
    from discourse.figures.estimates import estimates_figure
    from discourse.io_utils import sha256_file, write_json

    cfg = config or PipelineConfig()
    t0 = time.perf_counter()
    out = Path(output_dir)
    design, codebook, codes = inputs.design, inputs.codebook, inputs.codes
    an = cfg.analysis
    table = inputs.estimate(by, an.n_boot, cfg.seed, an.min_documents_for_interval)
    files: list[str] = []
    n_coded = int(codes["stance"].notna().sum())
    verified = inputs.sample.strata_verified
    note = (
        "naive: predicted labels taken as true (document bootstrap; ignores label error). "
        f"coded: the {n_coded} hand-coded units only. corrected: prediction-powered "
        f"(PPI++, design-based, {design.strategy} sample {design.sample_id}). 95% intervals."
    )
    write_table(table, out, "prevalence_estimates", "Prevalence estimates", float_format="%.6f")
    files += ["prevalence_estimates.csv", "prevalence_estimates.tex"]
    write_table(
        wide_table(table),
        out,
        "prevalence_estimates_wide",
        "Prevalence: naive, coded and corrected estimates with 95% intervals",
        note,
    )
    files += ["prevalence_estimates_wide.csv", "prevalence_estimates_wide.tex"]
    fig = estimates_figure(table, list(codebook.stance_labels), list(codebook.theme_names))
    saved = save_figure(fig, out, "fig09_prevalence_estimates")
    files += [Path(p).relative_to(out).as_posix() for p in saved]
    run_dir = inputs.run_dir
    manifest = {
        "discourse_version": __version__,
        "command": "estimate",
        "run_dir": str(run_dir),
        "inputs": {
            **run_inputs(run_dir),
            "codes": {"path": str(inputs.codes_path), "sha256": sha256_file(inputs.codes_path)},
            "design": {
                "path": str(inputs.design_path),
                "sha256": sha256_file(inputs.design_path),
            },
        },
        "sample_id": design.sample_id,
        "strategy": design.strategy,
        "n_sampled": design.n,
        "n_coded": n_coded,
        "n_uncoded": design.n - n_coded,
        "strata_verified": verified,
        "strata_note": None
        if verified
        else (
            "the labels changed since the sample was drawn: the strata sizes are taken from "
            "design.json; the corrected estimates use the current predictions"
        ),
        "uncoded_assumption": (
            "uncoded units of the sample are treated as missing at random within their stratum"
            if n_coded < design.n
            else None
        ),
        "by": list(by),
        "seed": cfg.seed,
        "estimators": {
            "naive": "predicted labels as true; document bootstrap interval",
            "coded": "ratio (Hajek) estimator on the coded sample; design-based interval",
            "corrected": "PPI++ difference estimator with power-tuned lambda in [0, 1]; "
            "design-based (stratified SRS, finite-population correction) interval",
        },
        "interval": "Wilson score interval with the design's effective sample size",
        "seconds": round(time.perf_counter() - t0, 3),
    }
    manifest["outputs"] = {f: sha256_file(out / f) for f in sorted(files)}
    write_json(manifest, out / "estimate_manifest.json")
    return manifest


def design_beside(codes_path: str | Path, run_dir: str | Path) -> Path | None:
    """The sample design that goes with a codes file: ``design.json`` next to it, else in
    ``run_dir/coding`` (where ``discourse sample`` writes by default); ``None`` if neither."""
    for candidate in (Path(codes_path).parent, Path(run_dir) / "coding"):
        if (candidate / "design.json").is_file():
            return candidate / "design.json"
    return None


def _find_design(codes_path: Path, run_dir: Path) -> Path:
    found = design_beside(codes_path, run_dir)
    if found is not None:
        return found
    raise MissingInputError(
        f"no design.json next to {codes_path} or in {run_dir / 'coding'}: pass --design with "
        "the design.json `discourse sample` wrote"
    )
