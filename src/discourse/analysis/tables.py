"""Paper tables: each written as CSV and as LaTeX (booktabs), atomically and reproducibly."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from discourse.io_utils import write_text

__all__ = ["markdown_table", "write_table"]


def write_table(
    frame: pd.DataFrame,
    out_dir: Path,
    name: str,
    caption: str,
    note: str | None = None,
    float_format: str = "%.3f",
) -> list[str]:
    """Write ``<name>.csv`` and ``<name>.tex`` (booktabs, via pandas' Styler) under ``out_dir``.

    Parameters
    ----------
    frame
        The table.
    out_dir
        The ``tables/`` folder.
    name
        File stem.
    caption
        LaTeX caption (the label is ``tab:<name>``).
    note
        A line set below the LaTeX table (e.g. the test result); the CSV holds data only.
    float_format
        Number format for floats in both files.

    Returns
    -------
    list of str
        File names written.
    """
    write_text(frame.to_csv(index=False, float_format=float_format), out_dir / f"{name}.csv")
    latex = frame.to_latex(
        index=False,
        escape=True,
        float_format=lambda x: float_format % x,
        caption=caption,
        label=f"tab:{name.replace('_', '-')}",
        na_rep="--",
    )
    if note:
        escaped = note.replace("%", r"\%").replace("_", r"\_").replace("&", r"\&")
        latex = latex.replace(
            r"\end{tabular}",
            r"\end{tabular}" + "\n" + r"\par\smallskip{\footnotesize " + escaped + "}",
        )
    write_text(latex, out_dir / f"{name}.tex")
    return [f"{name}.csv", f"{name}.tex"]


def markdown_table(
    frame: pd.DataFrame, float_format: str = "{:.3f}", missing: str | None = None
) -> str:
    """A markdown (pipe) table of ``frame``: its columns as the header, one line per row.

    Parameters
    ----------
    frame
        The table; cells that are not floats are written with ``str``.
    float_format
        ``str.format`` pattern for float cells.
    missing
        Text for NaN and infinite floats; ``None`` formats them like any float.
    """
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if not isinstance(v, float):
                cells.append(str(v))
            elif missing is not None and not math.isfinite(v):
                cells.append(missing)
            else:
                cells.append(float_format.format(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
