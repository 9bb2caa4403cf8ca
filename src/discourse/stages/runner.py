"""Run stages the same way: cache key, reuse, timing, progress and output hashes.

Used by :func:`discourse.pipeline.run` (every enabled stage in order) and by the standalone
commands (``discourse topics``, ``discourse figures``: one stage on a finished run folder),
so both reuse the same stage-cache entries for the same inputs and configuration.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from discourse.config import PATH_KEYS, PipelineConfig
from discourse.errors import MissingInputError
from discourse.io_utils import sha256_file
from discourse.stage_cache import StageCache, hash_tree
from discourse.stages.base import Stage, StageContext, StageResult

__all__ = ["StageRunner", "codebook_hash", "require_inputs"]

#: Path settings whose files' contents (not paths) belong in a cache key; the other path
#: settings are caches, the salt file (the salt enters as its fingerprint) and the codebook
#: (its default is the packaged one: stages that read it add :func:`codebook_hash`).
CONTENT_PATHS = frozenset(
    {
        ("label", "weights"),
        ("analysis", "annotations"),
        ("analysis", "codes"),
        ("analysis", "design"),
        ("topics", "reference_corpus"),
    }
)


def codebook_hash(config: PipelineConfig) -> str | None:
    """The content hash of the configured codebook, or of the packaged one by default."""
    from importlib import resources

    packaged = resources.files("discourse.resources").joinpath("codebook.toml")
    return hash_tree(config.label.codebook or str(packaged))


def _missing(path: Path) -> MissingInputError:
    return MissingInputError(
        f"{path} does not exist: run `discourse run` or `discourse ingest` first"
    )


def require_inputs(stage: Stage, folder: Path) -> None:
    """Raise :class:`~discourse.errors.MissingInputError` naming the first required input of
    ``stage`` that is not a file in ``folder``."""
    for name in stage.inputs:
        if not (folder / name).is_file():
            raise _missing(folder / name)


class StageRunner:
    """Computes or restores stages into ``ctx.target`` and keeps what the manifest needs.

    Parameters
    ----------
    ctx
        The run's context.
    store
        The stage cache (a :class:`~discourse.stage_cache.StageCache` with ``root=None``
        computes everything).

    Attributes
    ----------
    hashes
        SHA-256 of every file read or written so far, by run-folder name.
    infos, extras
        Each stage's manifest entry, and the extra entries of freshly computed stages.
    timings
        Seconds per stage and named sub-step.
    reused
        Names of the stages restored from the cache.
    outputs
        Every output written so far, in order.
    """

    def __init__(self, ctx: StageContext, store: StageCache) -> None:
        self.ctx = ctx
        self.store = store
        self.hashes: dict[str, str] = {}
        self.infos: dict[str, dict[str, Any]] = {}
        self.extras: dict[str, Any] = {}
        self.timings: dict[str, float] = {}
        self.reused: list[str] = []
        self.outputs: list[str] = []

    def input_hashes(self, stage: Stage) -> dict[str, str]:
        """SHA-256 of the stage's inputs (required ones must exist)."""
        out: dict[str, str] = {}
        for name in (*stage.inputs, *stage.optional_inputs):
            if name not in self.hashes:
                path = self.ctx.source / name
                if not path.is_file():
                    if name in stage.inputs:
                        raise _missing(path)
                    continue
                self.hashes[name] = sha256_file(path)
            out[name] = self.hashes[name]
        return dict(sorted(out.items()))

    def key(self, stage: Stage) -> str:
        """The stage's cache key: its inputs' contents, config sections, files and parts."""
        public = self.ctx.public
        config: dict[str, Any] = {}
        files: dict[str, str | None] = {}
        for section in stage.config_sections:
            values = dict(public[section])
            for sec, key in PATH_KEYS:
                if sec == section and key in values:
                    if (sec, key) in CONTENT_PATHS:
                        value = getattr(getattr(self.ctx.config, sec), key)
                        files[f"{sec}.{key}"] = hash_tree(value)
                    values[key] = None  # by content, not by path: a copy is the same
            config[section] = values
        parts = {"inputs": self.input_hashes(stage), "config": config, "files": files}
        return self.store.key(stage.name, {**parts, **stage.key_parts(self.ctx)})

    def run(self, stage: Stage) -> dict[str, Any]:
        """Compute ``stage`` or restore it from the cache; return its manifest info."""
        t0 = time.perf_counter()
        key = self.key(stage)
        found = self.store.get(stage.name, key)
        verified: dict[str, str] = {}
        if found is not None:
            if self.ctx.on_stage:
                self.ctx.on_stage(f"{stage.describe(self.ctx)} (reused from the stage cache)")
            found.restore(self.ctx.target)
            verified = found.files
            self.reused.append(stage.name)
            info = dict(found.info)
            outputs = list(info.pop("outputs", []))
            result = StageResult(info=info, outputs=outputs)
            for name in stage.extra_keys:
                self.extras.setdefault(name, None)
        else:
            if self.ctx.on_stage:
                self.ctx.on_stage(stage.describe(self.ctx))
            result = stage.run(self.ctx)
            stored = {**result.info, "outputs": result.outputs}
            self.store.put(stage.name, key, self.ctx.target, result.outputs, stored)
            self.extras.update(result.extra)
        for name in result.outputs:
            self.hashes[name] = verified.get(name) or sha256_file(self.ctx.target / name)
        self.outputs.extend(result.outputs)
        self.infos[stage.name] = result.info
        self.timings.update(result.timings)
        self.timings[stage.name] = time.perf_counter() - t0 - sum(result.timings.values())
        if self.ctx.on_stage and "skipped" in result.info:
            self.ctx.on_stage(f"{stage.name} skipped: {result.info['skipped']}")
        return result.info

    def manifest_entries(self, stages: list[Stage]) -> dict[str, Any]:
        """The manifest entries of ``stages`` (``None`` for a stage that did not run)."""
        out: dict[str, Any] = {}
        for stage in stages:
            info = self.infos.get(stage.name)
            if info is None:
                out[stage.manifest_key] = None
            else:
                out.update(stage.manifest_entries(info))
            for name in stage.extra_keys:
                out[name] = self.extras.get(name)
        return out
