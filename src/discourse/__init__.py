"""discourse: a research toolkit for the computational study of breakup-advice discourse.

The names below are the public Python API. They are imported lazily, on first use, so
``import discourse`` stays fast and loads no model::

    import discourse

    result = discourse.run("data/raw", "data/processed")   # the whole pipeline
    run = discourse.load_run("data/processed")              # its outputs as DataFrames
    labeler = discourse.make_labeler("default")             # ready to predict
    labeler.predict(["No contact is for you, not for getting them back."])

Everything else lives in sub-packages (``discourse.analysis``, ``discourse.labels``,
``discourse.topics``, ...) and may change between versions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> (module, attribute; "" for the module itself), imported on first use (PEP 562)
_EXPORTS: dict[str, tuple[str, str]] = {
    "run": ("discourse.pipeline", "run"),
    "RunResult": ("discourse.pipeline", "RunResult"),
    "load_run": ("discourse.analysis.run_data", "load_run"),
    "RunData": ("discourse.analysis.run_data", "RunData"),
    "RunLayout": ("discourse.layout", "RunLayout"),
    "load_config": ("discourse.config", "load_config"),
    "PipelineConfig": ("discourse.config", "PipelineConfig"),
    "load_codebook": ("discourse.codebook", "load_codebook"),
    "Codebook": ("discourse.codebook", "Codebook"),
    "make_labeler": ("discourse.labels.stage", "build_labeler"),
    "labelers": ("discourse.labels", "labelers"),
    "readers": ("discourse.ingest", "readers"),
    "load_annotations": ("discourse.annotations", "load_annotations"),
    "make_figures": ("discourse.analysis.report", "make_figures"),
    "corpus_summary": ("discourse.analysis.report", "corpus_summary"),
    "evidence_examples": ("discourse.analysis.run_data", "evidence_examples"),
    "FIGURES": ("discourse.analysis.report", "FIGURES"),
    "stats": ("discourse.analysis.stats", ""),
    "draw_sample": ("discourse.coding.stage", "draw_run_sample"),
    "read_codes": ("discourse.coding.codes", "read_codes"),
    "prevalence_estimates": ("discourse.prevalence.estimate", "prevalence_estimates"),
}

__all__ = [
    "FIGURES",
    "Codebook",
    "PipelineConfig",
    "RunData",
    "RunLayout",
    "RunResult",
    "__version__",
    "corpus_summary",
    "draw_sample",
    "evidence_examples",
    "labelers",
    "load_annotations",
    "load_codebook",
    "load_config",
    "load_run",
    "make_figures",
    "make_labeler",
    "prevalence_estimates",
    "read_codes",
    "readers",
    "run",
    "stats",
]
# (a literal list, so linters see the lazy names; a test checks it matches _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from discourse.analysis import stats
    from discourse.analysis.report import FIGURES, corpus_summary, make_figures
    from discourse.analysis.run_data import RunData, evidence_examples, load_run
    from discourse.annotations import load_annotations
    from discourse.codebook import Codebook, load_codebook
    from discourse.coding.codes import read_codes
    from discourse.coding.stage import draw_run_sample as draw_sample
    from discourse.config import PipelineConfig, load_config
    from discourse.ingest import readers
    from discourse.labels import labelers
    from discourse.labels.stage import build_labeler as make_labeler
    from discourse.layout import RunLayout
    from discourse.pipeline import RunResult, run
    from discourse.prevalence.estimate import prevalence_estimates


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'discourse' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attribute:
        value = getattr(value, attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return list(__all__)
