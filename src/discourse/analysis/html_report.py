"""``discourse report``: one self-contained HTML page with a run's figures and tables.

The figures are embedded as PNG data URIs, so the page can be mailed or archived alone. The
page is built from files already written by ``discourse figures`` (run that first); nothing is
recomputed here. Warnings in ``figures_manifest.json`` (e.g. a labeler that was not evaluated on
hand-coded data, so the label-based figures carry no measured accuracy) are shown at the top.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from discourse.analysis.report import FIGURES, TABLES
from discourse.errors import MissingInputError
from discourse.io_utils import write_text
from discourse.layout import FIGURES_MANIFEST, MANIFEST

__all__ = ["write_report"]

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; font-size: 0.85rem; }
.warning { background: #fff3cd; border: 1px solid #e0c060; padding: 0.5rem 0.8rem; }
"""


def write_report(run_dir: str | Path, output: str | Path | None = None) -> Path:
    """Write ``report.html`` for a run folder that has ``figures/`` and ``tables/``.

    Parameters
    ----------
    run_dir
        The run folder (with the outputs of ``discourse figures``).
    output
        The HTML file (default ``<run_dir>/report.html``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileNotFoundError
        If the run has no ``figures_manifest.json`` (figures not drawn yet).
    """
    root = Path(run_dir)
    manifest_path = root / FIGURES_MANIFEST
    if not manifest_path.is_file():
        raise MissingInputError(
            f"{root} has no figures_manifest.json: run `discourse figures -i {root}` first"
        )
    figures_manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    run_manifest_path = root / MANIFEST
    summary = (
        json.loads(run_manifest_path.read_text(encoding="utf-8")).get("summary", {})
        if run_manifest_path.is_file()
        else {}
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>discourse report: {html.escape(root.name)}</title><style>{_CSS}</style></head>",
        "<body>",
        f"<h1>discourse report: {html.escape(str(root))}</h1>",
        f"<p class='note'>discourse {html.escape(figures_manifest.get('discourse_version', ''))}"
        f"; seed {figures_manifest.get('seed')}; {summary.get('documents', '?')} documents, "
        f"{summary.get('segments', '?')} segments, {summary.get('words', '?')} words.</p>",
    ]
    for warning in figures_manifest.get("warnings", []):
        parts.append(f"<p class='warning'><strong>Warning:</strong> {html.escape(warning)}</p>")
    for name, what in TABLES.items():
        csv = root / "tables" / f"{name}.csv"
        parts.append(f"<h2>{html.escape(name)}: {html.escape(what)}</h2>")
        if csv.is_file():
            frame = pd.read_csv(csv)
            parts.append(frame.to_html(index=False, float_format=lambda x: f"{x:.3f}", border=0))
        else:
            reason = figures_manifest.get("skipped", {}).get(name, "not drawn")
            parts.append(f"<p class='note'>Not available: {html.escape(reason)}</p>")
    test = figures_manifest.get("stance_by_source_type_test")
    if test:
        parts.append(
            "<p class='note'>Stance by source type: chi-square({dof}) = {chi2:.2f}, "
            "p = {p_value:.3g}, Cramér's V = {cramers_v:.3f}, n = {n}.</p>".format(**test)
        )
    for name, what in FIGURES.items():
        png = root / "figures" / f"{name}.png"
        parts.append(f"<h2>{html.escape(name)}: {html.escape(what)}</h2>")
        if png.is_file():
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            parts.append(f"<img alt='{html.escape(what)}' src='data:image/png;base64,{data}'>")
            parts.append(f"<p class='note'>Vector version: figures/{name}.pdf</p>")
        else:
            reason = figures_manifest.get("skipped", {}).get(name, "not drawn")
            parts.append(f"<p class='note'>Not available: {html.escape(reason)}</p>")
    parts.append("</body></html>\n")
    target = Path(output) if output is not None else root / "report.html"
    write_text("\n".join(parts), target)
    return target
