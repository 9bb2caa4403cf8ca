"""Drawing helpers shared by the figure functions: figures, labels, bars, heatmaps, notes."""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from discourse.figures.style import ANNOTATION_SIZE, CMAP, paper_style

P = ParamSpec("P")
R = TypeVar("R")

MISSING_COLOR = "#E8E8E8"


# --------------------------------------------------------------------------------------------
# figures


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Run a figure function under :func:`paper_style` (rcParams are read while drawing)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paper_style():
            return func(*args, **kwargs)

    return wrapper


def new_figure(
    figsize: tuple[float, float], nrows: int = 1, ncols: int = 1, **kwargs: Any
) -> tuple[Figure, np.ndarray]:
    """A figure with an Agg canvas (no pyplot state, no GUI) and a 2-D array of axes."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def grid(n: int, max_cols: int) -> tuple[int, int]:
    """Rows and columns of a balanced grid holding ``n`` panels, at most ``max_cols`` wide.

    The fewest rows that fit, then the fewest columns for those rows (4 panels: 2 x 2).
    """
    n = max(n, 1)
    nrows = math.ceil(n / max_cols)
    return nrows, math.ceil(n / nrows)


def note(ax: Axes, text: str) -> None:
    """Replace a panel's content by a centred note (e.g. "no data")."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.3")


# --------------------------------------------------------------------------------------------
# categories and labels


def ordered(present: Iterable[Hashable], canonical: Sequence[Hashable] | None) -> list[Any]:
    """Present categories in canonical order, then any others in order of first appearance."""
    seen = list(dict.fromkeys(present))
    if canonical is None:
        return seen
    first = [c for c in canonical if c in set(seen)]
    return first + [c for c in seen if c not in set(first)]


def wrap(text: Any, width: int = 14) -> str:
    """Wrap a label onto lines of at most ``width`` characters (breaking at spaces/hyphens)."""
    return textwrap.fill(str(text), width=width) or str(text)


def shorten(text: Any, width: int = 40) -> str:
    """Cut a label to at most ``width`` characters, ending in an ellipsis when cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def with_n(label: Any, n: int | float, width: int = 14) -> str:
    """Category label wrapped, with its count on its own line: ``"article\\nn = 1,234"``."""
    return f"{wrap(label, width)}\nn = {count(n)}"


def count(n: int | float) -> str:
    """Integer with thousands separators (``"1,234"``); ``"?"`` when missing."""
    return "?" if pd.isna(n) else f"{int(n):,}"


def _compact(x: float, _pos: int | None = None) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:g}{suffix}"
    return f"{x:g}"


#: Axis formatter for counts: 1,500 -> "1.5k", 2,000,000 -> "2M".
COMPACT = FuncFormatter(_compact)


def unwrap(text: str) -> str:
    """Undo :func:`wrap`, keeping a trailing ``"n = ..."`` line of :func:`with_n` apart."""
    lines = text.split("\n")
    tail = [lines.pop()] if len(lines) > 1 and lines[-1].startswith("n = ") else []
    head = ""
    for line in lines:
        head += line if not head or head.endswith("-") else " " + line
    return "\n".join([head, *tail])


def rotate_if_overlapping(fig: Figure, axes: Iterable[Axes]) -> None:
    """Turn an axes' x tick labels by 90 degrees (unwrapped) when any two of them overlap.

    Overlap is judged on the drawn bounding boxes (after constrained layout), so the check
    uses the actual font and figure size.
    """
    axes = list(axes)
    fig.draw_without_rendering()
    for ax in axes:
        labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        boxes = [t.get_window_extent() for t in labels]
        if any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]):
            ax.set_xticks(
                ax.get_xticks(),
                [unwrap(t.get_text()) for t in ax.get_xticklabels()],
                rotation=90,
                rotation_mode="anchor",
                ha="right",
                va="center",
            )


def finish(fig: Figure, label_axes: Iterable[Axes] = ()) -> Figure:
    """Fix the layout of a finished figure and return it.

    Turns overlapping x tick labels of ``label_axes`` (:func:`rotate_if_overlapping`), lets
    constrained layout settle, then freezes the axes positions (layout engine ``"none"``).
    Constrained layout is not a pure function of the figure: its result depends slightly on
    earlier draws and on the output dpi, so without freezing a figure shown in a notebook
    before saving, or saved as PDF (72 dpi layout) and PNG (300 dpi), would get different
    positions and bytes. Frozen, the layout is the same for every output.
    """
    axes = list(label_axes)
    if axes:
        rotate_if_overlapping(fig, axes)
    for _ in range(2):
        fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


# --------------------------------------------------------------------------------------------
# bars


#: Hatch of bars drawn without an interval (hollow, coloured edge, no whisker).
NO_INTERVAL_HATCH = "////"


def no_interval_patch(color: str, label: str) -> Patch:
    """Legend handle matching a bar without an interval (see :func:`grouped_bars`)."""
    return Patch(
        facecolor="white", edgecolor=color, hatch=NO_INTERVAL_HATCH, linewidth=0.8, label=label
    )


def grouped_bars(
    ax: Axes,
    est: pd.DataFrame,
    low: pd.DataFrame,
    high: pd.DataFrame,
    colors: dict[Any, str],
    legend_labels: dict[Any, str] | None = None,
) -> list[BarContainer]:
    """Grouped vertical bars with interval whiskers.

    ``est``, ``low`` and ``high`` share index (x categories) and columns (bar colours); missing
    estimates draw no bar. A bar with an estimate but a missing bound has no interval: it is
    drawn hollow and hatched in its colour, without a whisker (:func:`no_interval_patch` is the
    matching legend handle), so it cannot be mistaken for a bar with a tight interval.
    """
    n_hue = max(len(est.columns), 1)
    width = 0.8 / n_hue
    x = np.arange(len(est.index))
    containers = []
    for j, hue in enumerate(est.columns):
        y = est[hue].to_numpy(dtype=float)
        err = np.vstack(
            [
                np.clip(y - low[hue].to_numpy(dtype=float), 0, None),
                np.clip(high[hue].to_numpy(dtype=float) - y, 0, None),
            ]
        )
        label = (legend_labels or {}).get(hue, str(hue))
        containers.append(
            ax.bar(
                x - 0.4 + width * (j + 0.5),
                np.nan_to_num(y),
                width=width * 0.92,
                yerr=np.where(np.isnan(y), np.nan, err),
                color=colors[hue],
                label=label,
                error_kw={"elinewidth": 0.8, "ecolor": "0.15"},
            )
        )
        no_interval = ~np.isnan(y) & (
            np.isnan(low[hue].to_numpy(dtype=float)) | np.isnan(high[hue].to_numpy(dtype=float))
        )
        for patch, hollow in zip(containers[-1].patches, no_interval):
            if hollow:
                patch.set_facecolor("white")
                patch.set_edgecolor(colors[hue])
                patch.set_hatch(NO_INTERVAL_HATCH)
                patch.set_linewidth(0.8)
    ax.set_xticks(x)
    ax.set_xlim(-0.6, len(est.index) - 0.4)
    ax.set_ylim(bottom=0)
    return containers


def hbars(
    ax: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    color: str | Sequence[str],
    texts: Sequence[str],
) -> BarContainer:
    """Horizontal bars, first label at the top, each annotated at its end."""
    y = np.arange(len(labels))
    bars = ax.barh(y, values, color=color, height=0.7)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=list(texts), padding=2, fontsize=ANNOTATION_SIZE)
    ax.margins(x=0.18)
    return bars


# --------------------------------------------------------------------------------------------
# heatmaps


def _text_color(rgba: Sequence[float]) -> str:
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def annotated_heatmap(
    ax: Axes,
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    texts: np.ndarray,
    vmin: float,
    vmax: float,
) -> AxesImage:
    """Heatmap of ``values`` (nan cells drawn light grey) with ``texts`` written in the cells.

    Text is black on light cells and white on dark ones.
    """
    values = np.asarray(values, dtype=float)
    cmap = colormaps[CMAP].with_extremes(bad=MISSING_COLOR)
    norm = Normalize(vmin=vmin, vmax=vmax)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    for (i, j), text in np.ndenumerate(texts):
        if not text:
            continue
        v = values[i, j]
        color = "0.2" if np.isnan(v) else _text_color(cmap(norm(v)))
        ax.text(j, i, text, ha="center", va="center", color=color, fontsize=ANNOTATION_SIZE)
    ax.set_xticks(np.arange(values.shape[1]), list(col_labels))
    ax.set_yticks(np.arange(values.shape[0]), list(row_labels))
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image
