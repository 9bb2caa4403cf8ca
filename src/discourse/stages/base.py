"""What a pipeline stage is: the :class:`Stage` protocol, its context and its result.

A stage declares its name, the run-folder files it reads (``inputs``, ``optional_inputs``),
the config sections its cache key covers and its one switch (:attr:`Stage.switch`); it computes
in :meth:`Stage.run`. :class:`~discourse.stages.runner.StageRunner` does everything around
that for every stage alike: the cache key, reuse from the stage cache, timing, progress
messages and output hashes. Adding a stage is one module with a class like these plus one
entry in :data:`discourse.stages.STAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from discourse.config import PipelineConfig

__all__ = ["Stage", "StageContext", "StageResult", "is_enabled", "only_stages"]


@dataclass
class StageContext:
    """What every stage of one run (or one standalone command) shares.

    Attributes
    ----------
    config
        The validated configuration.
    source
        Folder the stage reads its inputs from (a finished run folder, or the staging folder
        of the run in progress).
    target
        Staging folder the stage writes its outputs to (published when the run finishes).
    output_dir
        The final output folder (for look-ups relative to it, e.g. a coding sample's design).
    cache_dir
        Embedding and model cache.
    engine
        Where per-file and per-batch work runs (:mod:`discourse.engines`).
    input_dir
        The raw inputs (the ingest stage only).
    progress, on_stage, detail
        Optional callables: ``progress(path)`` per input file, ``on_stage(message)`` per stage,
        ``detail(message)`` for steps within a stage (the standalone commands).
    state
        Values one stage computes for later ones in the same run (e.g. the input plan).
    """

    config: PipelineConfig
    source: Path
    target: Path
    output_dir: Path
    cache_dir: str
    engine: Any = None
    input_dir: Path | None = None
    progress: Any = None
    on_stage: Any = None
    detail: Any = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def public(self) -> dict[str, Any]:
        """The configuration as recorded in manifests (no secrets)."""
        if "public" not in self.state:
            self.state["public"] = self.config.public_dict()
        return self.state["public"]


@dataclass
class StageResult:
    """What :meth:`Stage.run` returns.

    Attributes
    ----------
    info
        The stage's manifest entry (JSON-serialisable; stored with a cached stage).
    outputs
        Files it wrote, relative to the target folder.
    timings
        Seconds of named sub-steps (reported beside the stage's own time, which excludes them).
    extra
        Further manifest entries that only a fresh computation knows (``None`` on reuse).
    """

    info: dict[str, Any]
    outputs: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Stage(Protocol):
    """A step of the pipeline.

    Attributes
    ----------
    name
        Stage name: its timing, its stage-cache folder, and what ``--only``-style callers name.
    manifest_key
        Key of its entry in the manifest.
    inputs
        Run-folder files it needs (hashed into its cache key; missing ones are an error).
    optional_inputs
        Run-folder files it reads when present (hashed into its cache key when present).
    config_sections
        Config sections its cache key covers (besides :meth:`key_parts`).
    switch
        The stage's one on/off switch: a boolean config setting (``"section.key"``), or
        ``None`` for a stage that always runs.
    extra_keys
        Manifest keys of :attr:`StageResult.extra` (``None`` when the stage was reused).
    """

    name: str
    manifest_key: str
    inputs: tuple[str, ...]
    optional_inputs: tuple[str, ...]
    config_sections: tuple[str, ...]
    switch: str | None
    extra_keys: tuple[str, ...]

    def key_parts(self, ctx: StageContext) -> dict[str, Any]:
        """What its cache key covers besides its inputs and config sections."""
        ...

    def describe(self, ctx: StageContext) -> str:
        """A one-line progress message."""
        ...

    def run(self, ctx: StageContext) -> StageResult:
        """Compute the stage: read from ``ctx.source``, write to ``ctx.target``."""
        ...

    def manifest_entries(self, info: dict[str, Any]) -> dict[str, Any]:
        """The manifest entries for its info (usually ``{manifest_key: info}``)."""
        ...


def is_enabled(stage: Stage, config: PipelineConfig) -> bool:
    """Whether ``stage`` runs under ``config`` (its :attr:`Stage.switch`)."""
    if stage.switch is None:
        return True
    section, key = stage.switch.split(".")
    return bool(getattr(getattr(config, section), key))


def only_stages(
    config: PipelineConfig, stages: tuple[Stage, ...], names: tuple[str, ...]
) -> PipelineConfig:
    """A copy of ``config`` with every switchable stage not in ``names`` switched off."""
    out = config.model_copy(deep=True)
    for stage in stages:
        if stage.switch is not None and stage.name not in names:
            section, key = stage.switch.split(".")
            setattr(getattr(out, section), key, False)
    return out
