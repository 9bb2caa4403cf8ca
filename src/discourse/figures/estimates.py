"""The prevalence-estimates figure: naive, coded and corrected estimates side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from discourse.figures import _draw
from discourse.figures.style import color_map, size

__all__ = ["ESTIMATOR_STYLE", "estimates_figure"]

#: Marker and label of each estimator (the colour comes from :func:`color_map`).
ESTIMATOR_STYLE = {
    "naive": ("s", "naive (predictions; CI ignores label error)"),
    "coded": ("o", "coded sample only"),
    "corrected": ("D", "corrected (PPI++)"),
}


@_draw.styled
def estimates_figure(table: pd.DataFrame, stances: Sequence[str], themes: Sequence[str]) -> Figure:
    """Overall stance and theme prevalence, three estimators per label, with 95% intervals.

    Parameters
    ----------
    table
        Output of :func:`discourse.prevalence.estimate.estimate_prevalence`; the rows with
        ``by == "overall"`` are drawn.
    stances, themes
        Labels in codebook order.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (stance, themes); per label, the three estimates as points with interval
        whiskers (a point without whiskers has no interval; see the table's ``note``).
    """
    data = table[table["by"] == "overall"]
    fig, axes = _draw.new_figure(
        (size("double")[0], 3.0), 1, 2, gridspec_kw={"width_ratios": [len(stances), len(themes)]}
    )
    colors = color_map(list(ESTIMATOR_STYLE))
    for ax, dimension, labels in zip(axes[0], ("stance", "themes"), (stances, themes)):
        part = data[data["dimension"] == dimension]
        if part.empty:
            _draw.note(ax, f"no {dimension} estimates")
            continue
        for j, (estimator, (marker, label)) in enumerate(ESTIMATOR_STYLE.items()):
            rows = part[part["estimator"] == estimator].set_index("variable").reindex(labels)
            x = np.arange(len(labels)) + (j - 1) * 0.22
            est = rows["estimate"].to_numpy(dtype=float)
            low = rows["ci_low"].to_numpy(dtype=float)
            high = rows["ci_high"].to_numpy(dtype=float)
            has_ci = np.isfinite(low) & np.isfinite(high)
            err = np.vstack([np.where(has_ci, est - low, 0.0), np.where(has_ci, high - est, 0.0)])
            ax.errorbar(
                x,
                est,
                yerr=err,
                fmt=marker,
                color=colors[estimator],
                capsize=2.5,
                markersize=4.5,
                label=label if dimension == "stance" else None,
            )
        ax.set_xticks(np.arange(len(labels)), [_draw.wrap(lab, 12) for lab in labels])
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of content segments" if dimension == "stance" else "")
        ax.set_title(dimension)
    coded = data[data["estimator"] == "coded"]["n_coded"]
    n_coded = int(coded.max()) if len(coded) else 0
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    fig.suptitle(f"Prevalence three ways (95% intervals; {n_coded} coded units)", fontsize=9)
    return _draw.finish(fig)
