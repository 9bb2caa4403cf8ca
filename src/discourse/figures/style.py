"""House style for publication figures: colour-blind-safe palette, sizes and rcParams."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib import cycler

__all__ = [
    "ANNOTATION_SIZE",
    "CMAP",
    "CYCLE",
    "FONT_SIZE",
    "OKABE_ITO",
    "RC_PARAMS",
    "WIDTHS",
    "color_map",
    "paper_style",
    "size",
]

#: Okabe & Ito (2008) colour-blind-safe palette, by name.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}

#: Order in which categories receive colours (yellow, the weakest on white, comes late).
CYCLE: tuple[str, ...] = tuple(
    OKABE_ITO[name]
    for name in ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "yellow", "black")
)

#: Sequential colormap for heatmaps (perceptually uniform and colour-vision-deficiency safe).
CMAP = "cividis"

#: Figure widths in inches: one column and two columns of a two-column journal page.
WIDTHS: dict[str, float] = {"single": 3.5, "double": 7.16}

#: Base font size in points; titles are one point larger.
FONT_SIZE = 8.0
#: Font size of numbers written into heatmap cells and next to bars.
ANNOTATION_SIZE = 7.0

#: rcParams applied by :func:`paper_style`. The font ships with Matplotlib, so the output does
#: not depend on the fonts installed on the machine.
RC_PARAMS: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "legend.title_fontsize": FONT_SIZE,
    "figure.titlesize": FONT_SIZE + 1,
    "figure.labelsize": FONT_SIZE,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=list(CYCLE)),
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 3.0,
    "ytick.major.size": 3.0,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.0,
    "errorbar.capsize": 2.0,
    "image.cmap": CMAP,
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 300,
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "discourse",
}


def size(layout: str = "single", aspect: float = 0.75) -> tuple[float, float]:
    """Figure size in inches for a journal layout.

    Parameters
    ----------
    layout
        ``"single"`` (one column, 3.5 in wide) or ``"double"`` (two columns, 7.16 in wide).
    aspect
        Height divided by width.

    Returns
    -------
    tuple of float
        ``(width, height)`` in inches.

    Raises
    ------
    ValueError
        On an unknown layout or a non-positive aspect.
    """
    if layout not in WIDTHS:
        raise ValueError(f"unknown layout {layout!r}; valid options: {', '.join(WIDTHS)}")
    if not aspect > 0:
        raise ValueError(f"aspect must be positive, got {aspect}")
    width = WIDTHS[layout]
    return (width, round(width * aspect, 4))


def color_map(categories: Sequence[Any]) -> dict[Any, str]:
    """Fixed colour per category: the i-th category gets the i-th colour of :data:`CYCLE`.

    Pass the same full category list (e.g. every stance of the codebook) to every figure and a
    category keeps its colour across figures, whichever subset a figure shows. Beyond eight
    categories the colours repeat.

    Parameters
    ----------
    categories
        Category labels in their canonical order.

    Returns
    -------
    dict
        Category -> hex colour.
    """
    return {cat: CYCLE[i % len(CYCLE)] for i, cat in enumerate(categories)}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Apply the publication rcParams (:data:`RC_PARAMS`) inside a ``with`` block.

    Fonts of 8-9 pt, TrueType fonts embedded in PDF/PS (``fonttype = 42``), a fixed SVG hash
    salt, no top/right spines, 300 dpi output and constrained layout. The previous rcParams are
    restored on exit.
    """
    with mpl.rc_context(RC_PARAMS):
        yield
