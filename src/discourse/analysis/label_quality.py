"""The run's labeler scored on the hand-coded test split, for the report (fig08, tab03)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from discourse.config import PipelineConfig

__all__ = ["annotations_folder", "evaluation", "summary_note"]


def annotations_folder(config: PipelineConfig) -> tuple[Path | None, str | None]:
    """The hand-coded data folder for the labeler evaluation, or None with the reason.

    ``analysis.annotations`` is absolute when it comes from a config file (relative paths
    there resolve against the file's folder, :func:`discourse.config.load_config`) or from
    the default (``data/annotations`` of the project checkout the package is installed from,
    :func:`discourse.config.default_annotations_dir`); a relative path set in Python resolves
    against the working directory.

    Returns
    -------
    folder, reason
        The existing folder and None, or None and a reason naming where it looked and how to
        set ``analysis.annotations``.
    """
    from discourse.config import project_root

    how = (
        "set analysis.annotations to the folder of hand-coded data (in a config file: "
        '[analysis] annotations = "path/to/annotations", relative to the config file)'
    )
    value = config.analysis.annotations
    default = "annotations" not in config.analysis.model_fields_set
    if not value:
        if default and project_root() is None:
            package = Path(__file__).resolve().parents[1]
            return None, (
                "no hand-coded data: the package is not installed from a project checkout "
                f"(no pyproject.toml two folders above {package}), so there is no default "
                f"data/annotations; {how}"
            )
        return None, f"no hand-coded data: analysis.annotations is unset; {how}"
    folder = Path(value).expanduser()
    where = folder if folder.is_absolute() else Path.cwd() / folder
    if not folder.is_dir():
        origin = (
            "the default: data/annotations of the checkout the package is installed from"
            if default
            else "analysis.annotations"
            + ("" if folder.is_absolute() else ", relative to the working directory")
        )
        return None, f"no hand-coded data at {where} ({origin}); {how}"
    return where, None


def evaluation(config: PipelineConfig, codebook: Any, cache_dir: str | Path) -> Any:
    """Score the run's labeler on the hand-coded test split (``None`` with a reason if not)."""
    from discourse.annotations import load_annotations
    from discourse.labels.bootstrap import bootstrap_intervals
    from discourse.labels.evaluate import evaluate
    from discourse.labels.stage import build_labeler

    folder, reason = annotations_folder(config)
    if folder is None:
        return None, reason
    try:
        gold = load_annotations(folder, codebook).gold()
    except (ValueError, KeyError) as exc:
        return None, f"hand-coded data at {folder} do not fit the codebook: {exc}"
    test = gold[gold["split"] == "test"].reset_index(drop=True)
    if test.empty:
        return None, f"hand-coded data at {folder} have no test split"
    labeler = build_labeler(
        config.label.labeler,
        codebook,
        cache_dir=cache_dir,
        weights=config.label.weights,
        embedding_backend=config.embeddings.labeler_backend(),
    )
    pred = labeler.predict(test["text"].tolist())
    intervals = bootstrap_intervals(
        test, pred, codebook, n_boot=config.analysis.n_boot, seed=config.seed
    )
    return (evaluate(test, pred, codebook), labeler, intervals), None


def summary_note(summary: pd.DataFrame, intervals: pd.DataFrame) -> str:
    ci = intervals.set_index("metric")

    def interval(metric: str) -> str:
        return f" [{ci.loc[metric, 'low']:.2f}, {ci.loc[metric, 'high']:.2f}]"

    parts = []
    for row in summary.itertuples(index=False):
        if row.dimension == "themes":
            parts.append(f"mean theme F1 {row.value:.2f}{interval('mean_theme_f1')}")
            continue
        name = "macro-F1" if row.metric == "macro_f1" else "F1"
        metric = "stance_macro_f1" if row.dimension == "stance" else f"{row.dimension}_f1"
        parts.append(
            f"{row.dimension}: {name} {row.value:.2f}{interval(metric)}, kappa {row.kappa:.2f}"
        )
    n = int(summary["n"].iloc[0])
    level = float(ci["level"].iloc[0])
    return (
        f"Held-out test split of the hand-coded data (n = {n} units); {level:.0%} bootstrap "
        "intervals over the units in brackets. " + "; ".join(parts) + "."
    )
