"""The codebook as data: labels, definitions, decision rules, patterns and examples.

The default codebook (``resources/codebook.toml``) is the project's research spec for stance and
themes. A user's own codebook (other stances, more themes such as hope or anger) is loaded and
validated the same way, and every labeler and output follows it: nothing about the default
labels is hard-coded elsewhere.
"""

from __future__ import annotations

import re
import sys
from functools import cached_property
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from discourse.config import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Codebook", "LabelSpec", "PatternSpec", "load_codebook"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternSpec(_Strict):
    """One rule pattern (see the syntax in the default codebook's header)."""

    id: str
    pattern: str = Field(min_length=1)
    weight: float = Field(1.0, gt=0, le=5)
    negatable: bool | None = None


class LabelSpec(_Strict):
    """A stance label or a theme."""

    name: str
    definition: str = Field(min_length=1)
    examples: list[str] = Field(default_factory=list)
    patterns: list[PatternSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name_ok(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError(f"label name {v!r} must be lower-case letters, digits, '-' or '_'")
        return v

    @model_validator(mode="after")
    def _unique_pattern_ids(self) -> LabelSpec:
        ids = [p.id for p in self.patterns]
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            raise ValueError(f"label {self.name!r}: duplicate pattern ids {dups}")
        return self


class StanceSpec(_Strict):
    """The single-label dimension."""

    question: str = ""
    default: str = "none"
    decision_rules: list[str] = Field(default_factory=list)
    precedence: list[str] = Field(default_factory=list)
    labels: list[LabelSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> StanceSpec:
        names = [label.name for label in self.labels]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate stance labels in {names}")
        if self.default in names:
            raise ValueError(
                f"the default stance {self.default!r} must not also be a pattern label"
            )
        unknown = [p for p in self.precedence if p not in names]
        if unknown:
            raise ValueError(f"precedence names unknown stance labels {unknown}; valid: {names}")
        return self


class MetaSpec(_Strict):
    name: str
    version: str
    unit: str = ""
    source: str = ""


class Codebook(_Strict):
    """A validated codebook.

    Attributes
    ----------
    stance_labels
        All stance values, the default ("none") last.
    theme_names
        Theme names in codebook order.
    """

    meta: MetaSpec
    macros: dict[str, list[str]] = Field(default_factory=dict)
    stance: StanceSpec
    themes: list[LabelSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Codebook:
        stance_names = {label.name for label in self.stance.labels} | {self.stance.default}
        theme_names = [t.name for t in self.themes]
        if len(set(theme_names)) != len(theme_names):
            raise ValueError(f"duplicate theme names in {theme_names}")
        reserved = {"stance", "text", "segment_id"}
        clash = (set(theme_names) & stance_names) | (set(theme_names) & reserved)
        if clash:
            raise ValueError(
                f"theme names clash with stance labels or output columns: {sorted(clash)}"
            )
        for spec in [*self.stance.labels, *self.themes]:
            for p in spec.patterns:
                for macro in re.findall(r"@([A-Za-z_]+)", p.pattern):
                    if macro not in self.macros:
                        raise ValueError(
                            f"pattern {spec.name}.{p.id} uses unknown macro @{macro}; "
                            f"defined: {sorted(self.macros)}"
                        )
        return self

    @cached_property
    def stance_labels(self) -> list[str]:
        return [label.name for label in self.stance.labels] + [self.stance.default]

    @cached_property
    def theme_names(self) -> list[str]:
        return [t.name for t in self.themes]

    def label(self, name: str) -> LabelSpec:
        """The stance label or theme called ``name``."""
        for spec in [*self.stance.labels, *self.themes]:
            if spec.name == name:
                return spec
        valid = ", ".join([*self.stance_labels, *self.theme_names])
        raise KeyError(f"no label {name!r} in codebook {self.meta.name}; valid: {valid}")


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook TOML file (``None``: the default codebook).

    Raises
    ------
    ConfigError
        If the file is missing, not TOML, or does not validate; the message says where.
    """
    if path is None:
        text = (
            resources.files("discourse.resources")
            .joinpath("codebook.toml")
            .read_text(encoding="utf-8")
        )
        where = "default codebook"
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"codebook file does not exist: {p}")
        text = p.read_text(encoding="utf-8")
        where = str(p)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"codebook {where} is not valid TOML: {exc}") from None
    try:
        return Codebook.model_validate(data)
    except ValidationError as exc:
        problems = "\n  ".join(
            f"{'.'.join(str(x) for x in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"codebook {where} is invalid:\n  {problems}") from None
