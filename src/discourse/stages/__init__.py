"""The pipeline's stages, in order, and the machinery that runs them alike.

:data:`STAGES` is the pipeline: :func:`discourse.pipeline.run` runs every enabled stage in
this order; ``discourse topics`` and ``discourse figures`` run one of them on a finished run
folder through the same :class:`StageRunner` (and so the same stage cache). To add a stage,
write a module with a class following :class:`Stage` and add it here.
"""

from __future__ import annotations

from discourse.config import PipelineConfig
from discourse.stages.base import Stage, StageContext, StageResult, is_enabled
from discourse.stages.base import only_stages as _only_stages
from discourse.stages.figures import FiguresStage
from discourse.stages.ingest import IngestStage
from discourse.stages.label import LabelStage
from discourse.stages.runner import StageRunner
from discourse.stages.topics import TopicsStage

__all__ = [
    "STAGES",
    "Stage",
    "StageContext",
    "StageResult",
    "StageRunner",
    "get_stage",
    "is_enabled",
    "only_stages",
]

#: The pipeline, in order.
STAGES: tuple[Stage, ...] = (IngestStage(), LabelStage(), TopicsStage(), FiguresStage())


def get_stage(name: str) -> Stage:
    """The stage called ``name``; a clear error lists the valid names."""
    from discourse.errors import ConfigError

    for stage in STAGES:
        if stage.name == name:
            return stage
    valid = ", ".join(s.name for s in STAGES)
    raise ConfigError(f"unknown stage {name!r}; valid stages: {valid}")


def only_stages(config: PipelineConfig, names: tuple[str, ...]) -> PipelineConfig:
    """A copy of ``config`` that runs only the stages in ``names`` (unknown names refused)."""
    for name in names:
        get_stage(name)
    return _only_stages(config, STAGES, names)
