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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from discourse.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Codebook", "LabelSpec", "PatternSpec", "check_macro", "check_pattern", "load_codebook"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_MACRO_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WILDCARD_RE = re.compile(r"^\*([1-9][0-9]*)?$")
#: Characters with a meaning in the pattern syntax, allowed only where the syntax puts them.
_OPERATORS = "|?*@="
#: Characters a regular expression would use, not part of the syntax (no grouping, no escapes).
_FOREIGN = "()[]{}\\"


def _word_problems(word: str, where: str, joiners: str) -> list[str]:
    """What is wrong with a word or phrase (``joiners`` separate its words; none: an exact
    form, taken as written, brackets included)."""
    problems = []
    for char in sorted({c for c in word if c in _OPERATORS}):
        hint = {
            "|": "alternatives are separated by '|' only between whole alternatives",
            "?": "'?' goes at the end of a slot ('word?') and makes it optional",
            "*": "a wildcard is a slot of its own ('*' or '*N')",
            "@": "a macro is a whole alternative ('@NAME')",
            "=": "'=' goes only at the start of an exact form ('=word')",
        }[char]
        problems.append(f"stray {char!r} in {where} ({hint})")
    foreign = sorted({c for c in word if c in _FOREIGN}) if joiners else []
    if foreign:
        problems.append(
            f"{' '.join(repr(c) for c in foreign)} in {where} is not pattern syntax (no brackets "
            "or escapes: alternatives a|b apply to one slot, '_' joins the words of a phrase; "
            "an exact form such as '=:)' matches punctuation itself)"
        )
    if joiners and any(not part for part in re.split(f"[{re.escape(joiners)}]", word)):
        problems.append(f"empty word in {where} (a '_' at an end or doubled)")
    return problems


def _alternative_problems(alt: str, item: str, macros: dict[str, list[str]]) -> list[str]:
    where = f"{alt!r}" if alt == item else f"{alt!r} of {item!r}"
    if not alt:
        return [f"empty alternative in {item!r} (a '|' at an end or doubled)"]
    if alt.startswith("@"):
        name = alt[1:]
        if not name:
            return [f"'@' without a macro name in {item!r}"]
        if not _MACRO_NAME_RE.match(name):
            return [f"bad macro name in {where}: letters, digits and '_' only"]
        if name not in macros:
            return [f"unknown macro @{name}; defined: {sorted(macros)}"]
        return []
    if alt.startswith("="):
        form = alt[1:]
        if not form:
            return [f"'=' without a word in {item!r} (an exact form is '=word')"]
        return _word_problems(form, where, "")
    return _word_problems(alt, where, "_")


def check_pattern(pattern: str, macros: dict[str, list[str]]) -> list[str]:
    """Every problem with a pattern of the codebook's mini-language (empty: it is valid).

    The syntax (see the default codebook's header): space-separated slots; a slot is ``a|b|c``
    alternatives, each a lemma, a phrase with ``_`` between its words, an exact lower-cased form
    ``=word`` or a macro ``@NAME``; ``?`` at the end of a slot makes it optional; ``*`` or
    ``*N`` is a slot of up to N optional tokens of any kind. A pattern needs at least one slot
    that is not optional, else it matches nothing.

    Parameters
    ----------
    pattern
        The pattern text.
    macros
        The codebook's macros (name -> alternatives).

    Returns
    -------
    list of str
        One message per problem, naming the offending part.
    """
    items = pattern.split()
    if not items:
        return ["the pattern is empty"]
    problems: list[str] = []
    required = False
    for item in items:
        body, optional = (item[:-1], True) if item.endswith("?") else (item, False)
        if not body:
            problems.append("stray '?' (it goes at the end of a slot: 'word?')")
            continue
        if body.startswith("*"):
            if not _WILDCARD_RE.match(body):
                problems.append(
                    f"{item!r} is not a wildcard: write '*' (one optional token) or '*N' "
                    "(up to N optional tokens, N a whole number from 1)"
                )
            continue
        for alt in body.split("|"):
            problems.extend(_alternative_problems(alt, item, macros))
        required = required or not optional
    if not problems and not required:
        problems.append("every slot is optional ('?' or '*'), so the pattern matches nothing")
    return list(dict.fromkeys(problems))


def check_macro(name: str, alternatives: list[str]) -> list[str]:
    """Every problem with a macro definition (empty: it is valid).

    A macro's alternatives are words or phrases (words separated by spaces or ``_``), or exact
    forms ``=word``; they cannot refer to other macros or hold operators.
    """
    if not _MACRO_NAME_RE.match(name):
        return [f"bad macro name {name!r}: letters, digits and '_' only, not starting with a digit"]
    if not alternatives:
        return [f"macro {name} has no alternatives"]
    problems = []
    for alt in alternatives:
        where = f"{alt!r} of macro {name}"
        if not alt.strip():
            problems.append(f"empty alternative in macro {name}")
        elif alt.startswith("="):
            form = alt[1:]
            problems.extend(
                _word_problems(form, where, "")
                if form.strip()
                else [f"'=' without a word in macro {name} (an exact form is '=word')"]
            )
        else:
            problems.extend(_word_problems(" ".join(alt.split()), where, "_ "))
    return problems


class _Strict(BaseModel):
    """Codebook models: unknown keys are errors and TOML values are not coerced between types."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PatternSpec(_Strict):
    """One rule pattern (see the syntax in the default codebook's header and
    :func:`check_pattern`)."""

    id: str
    pattern: str = Field(min_length=1)
    weight: float = Field(1.0, gt=0, le=5)
    negatable: bool | None = None

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(f"pattern id {v!r} must be letters, digits, '-' or '_'")
        return v


class LabelSpec(_Strict):
    """A stance label or a theme."""

    name: str
    definition: str = Field(min_length=1)
    examples: list[str] = Field(default_factory=list)
    boundary_cases: list[str] = Field(default_factory=list)
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
    boundary_cases: list[str] = Field(default_factory=list)
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
        problems = [
            f"macros.{name}: {problem}"
            for name, alternatives in self.macros.items()
            for problem in check_macro(name, alternatives)
        ]
        for spec in [*self.stance.labels, *self.themes]:
            problems.extend(
                f"pattern {spec.name}.{p.id} ({p.pattern!r}): {problem}"
                for p in spec.patterns
                for problem in check_pattern(p.pattern, self.macros)
            )
        if problems:
            raise ValueError("\n  ".join(problems))
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


def _error_line(error: Any) -> str:
    """``location: message`` of one validation error (checks across the codebook: message)."""
    msg = str(error["msg"]).removeprefix("Value error, ")
    loc = ".".join(str(x) for x in error["loc"])
    return f"{loc}: {msg}" if loc else msg


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
        problems = "\n  ".join(_error_line(e) for e in exc.errors())
        raise ConfigError(f"codebook {where} is invalid:\n  {problems}") from None
