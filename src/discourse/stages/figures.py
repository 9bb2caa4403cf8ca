"""The figures stage: statistics, figures and tables of a run (:mod:`discourse.analysis`).

Writes ``figures/``, ``tables/`` and ``figures_manifest.json``. With ``analysis.codes`` set,
the coding sample's design is found beside the codes file or in ``<output>/coding``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from discourse.config import PipelineConfig
from discourse.layout import (
    DOCUMENTS,
    FIGURES_MANIFEST,
    LABELS,
    SEGMENTS,
    TOPIC_INFO,
    TOPICS_BY_STANCE,
    TOPICS_OVER_TIME,
)
from discourse.stage_cache import hash_tree
from discourse.stages.base import StageContext, StageResult
from discourse.stages.runner import codebook_hash

__all__ = ["FiguresStage", "with_design"]


def with_design(cfg: PipelineConfig, output_dir: Path) -> PipelineConfig:
    """``cfg`` with ``analysis.design`` found for ``analysis.codes`` when unset: the codes
    file's folder, then ``<output>/coding`` (the figures stage runs in a staging folder, where
    ``discourse sample``'s default folder is not)."""
    from discourse.prevalence.estimate import design_beside

    if not cfg.analysis.codes or cfg.analysis.design:
        return cfg
    found = design_beside(cfg.analysis.codes, output_dir)
    if found is not None:
        cfg = cfg.model_copy(deep=True)
        cfg.analysis.design = str(found.resolve())
    return cfg


class FiguresStage:
    """Run outputs -> figures and tables (switch: ``analysis.enabled``)."""

    name = "figures"
    manifest_key = "figures"
    inputs = (SEGMENTS, DOCUMENTS)
    optional_inputs = (LABELS, TOPICS_BY_STANCE, TOPICS_OVER_TIME, TOPIC_INFO)
    config_sections = ("analysis", "label")
    switch: str | None = "analysis.enabled"
    extra_keys: tuple[str, ...] = ()

    def key_parts(self, ctx: StageContext) -> dict[str, Any]:
        design = with_design(ctx.config, ctx.output_dir).analysis.design
        return {
            "design": hash_tree(design),
            "codebook": codebook_hash(ctx.config),
            "seed": ctx.config.seed,
        }

    def describe(self, ctx: StageContext) -> str:
        return "figures and tables"

    def run(self, ctx: StageContext) -> StageResult:
        from discourse.analysis.report import make_figures

        cfg = with_design(ctx.config, ctx.output_dir)
        info = make_figures(
            ctx.source, ctx.target, cfg, progress=ctx.detail, cache_dir=ctx.cache_dir
        )
        return StageResult(info=info, outputs=[*info.pop("outputs"), FIGURES_MANIFEST])

    def manifest_entries(self, info: dict[str, Any]) -> dict[str, Any]:
        return {self.manifest_key: info}
