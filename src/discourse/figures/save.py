"""Write figures as PDF and PNG: atomically, and byte for byte reproducibly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from discourse.figures.style import paper_style
from discourse.io_utils import atomic_path

__all__ = ["PDF_METADATA", "PNG_METADATA", "save_figure"]

#: PDF document info: no creation/modification dates (None drops the key) and no version
#: strings, so the same figure gives the same bytes on every run.
PDF_METADATA: dict[str, Any] = {
    "CreationDate": None,
    "ModDate": None,
    "Producer": "discourse",
    "Creator": "discourse",
}
#: PNG text chunks: drop the "Software" entry that names the Matplotlib version.
PNG_METADATA: dict[str, Any] = {"Software": None}

_DPI = 300


def save_figure(fig: Figure, out_dir: Path, name: str) -> list[Path]:
    """Save ``fig`` as ``<name>.pdf`` and ``<name>.png`` (300 dpi) in ``out_dir``, then close it.

    Each file is written to a temporary file in ``out_dir`` and renamed into place, so a reader
    never sees a half-written figure. Dates and version strings are left out of the metadata:
    the same figure gives byte-identical files. Saving happens under
    :func:`~discourse.figures.style.paper_style`, so fonts are embedded as TrueType.

    Parameters
    ----------
    fig
        The figure; it is closed afterwards (also when saving fails).
    out_dir
        Output folder, created if missing.
    name
        File stem, without extension or folder.

    Returns
    -------
    list of Path
        ``[<out_dir>/<name>.pdf, <out_dir>/<name>.png]``.

    Raises
    ------
    ValueError
        If ``name`` is empty or contains a path separator.
    """
    if not name or Path(name).name != name or name in {".", ".."}:
        raise ValueError(f"name must be a plain file stem, got {name!r}")
    out_dir = Path(out_dir)
    pdf_path = out_dir / f"{name}.pdf"
    png_path = out_dir / f"{name}.png"
    try:
        with paper_style():
            with atomic_path(pdf_path) as tmp:
                fig.savefig(tmp, format="pdf", metadata=PDF_METADATA)
            with atomic_path(png_path) as tmp:
                fig.savefig(tmp, format="png", dpi=_DPI, metadata=PNG_METADATA)
    finally:
        plt.close(fig)
    return [pdf_path, png_path]
