"""Drawing a coding sample from a run, with known inclusion probabilities.

A researcher hand-codes a small sample of their own corpus so that prevalence estimates can be
corrected for the labeler's errors (:mod:`discourse.prevalence`). That correction is valid only
if every unit's chance of being in the sample is known, so the sample is drawn by a declared
design and the design is written next to the sample:

- ``random``: a simple random sample without replacement of the run's content segments; every
  unit has inclusion probability ``n / N``.
- ``stratified``: strata are the source type crossed with the predicted stance, so rare
  predicted stances and small source types are seen. A stratified simple random sample without
  replacement is drawn: each stratum gets at least ``min(N_h, min_per_stratum)`` units, the rest
  of ``n`` is allocated in proportion to ``sqrt(N_h)`` (Kish's power allocation with q = 1/2, a
  compromise between proportional and equal allocation), capped at ``N_h``, by largest
  remainder. A unit in stratum ``h`` has inclusion probability ``n_h / N_h``.

The population is the run's content segments (no boilerplate, exact duplicates or non-English
text; see :func:`discourse.analysis.run_data.content_segments`), as in every figure. Units are
listed for coding in a random order, so a coder cannot tell the strata (and the predicted label)
from the position of a unit.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from discourse.errors import InputError, MissingInputError

__all__ = [
    "DESIGN_FORMAT",
    "STRATEGIES",
    "SampleDesign",
    "Stratum",
    "allocate",
    "draw_sample",
    "fingerprints",
    "load_design",
    "population",
    "strata_of",
    "unit_keys",
]

STRATEGIES = ("random", "stratified")
DESIGN_FORMAT = "discourse-coding-sample/1"
#: The columns a stratified design crosses.
STRATA_BY = ("source_type", "stance")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Stratum(_Strict):
    """One stratum: its name, population size ``N`` and sample size ``n``."""

    name: str = Field(min_length=1)
    N: int = Field(ge=1)
    n: int = Field(ge=0)

    @model_validator(mode="after")
    def _check(self) -> Stratum:
        if self.n > self.N:
            raise ValueError(f"stratum {self.name!r}: sample size {self.n} > population {self.N}")
        return self


class SampleDesign(_Strict):
    """A drawn coding sample: the design, its strata and the sampled units.

    Written as ``design.json`` next to the sample. The file is untrusted when read back
    (:func:`load_design` validates it, and :func:`discourse.prevalence.estimate.estimate_run`
    checks it against the run's current labels).
    """

    format: Literal["discourse-coding-sample/1"] = DESIGN_FORMAT
    sample_id: str = Field(min_length=1)
    strategy: Literal["random", "stratified"]
    seed: int
    n: int = Field(ge=1)
    min_per_stratum: int = Field(ge=0)
    strata_by: list[str]
    population_size: int = Field(ge=1)
    #: SHA-256 of the sorted content segment ids: the corpus the sample was drawn from
    population_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    #: SHA-256 of every unit's stratum: lets a later run check the strata sizes
    strata_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    codebook: str
    labeler: str
    strata: list[Stratum] = Field(min_length=1)
    #: segment id -> stratum name, in coding order
    units: list[tuple[str, str]] = Field(min_length=1)
    #: each unit's salt-independent key (:func:`unit_keys`), in the order of ``units``
    unit_keys: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SampleDesign:
        names = [s.name for s in self.strata]
        if len(set(names)) != len(names):
            raise ValueError("strata names are not unique")
        if sum(s.N for s in self.strata) != self.population_size:
            raise ValueError("the strata sizes do not add up to population_size")
        ids = [u for u, _ in self.units]
        if len(set(ids)) != len(ids):
            raise ValueError("a unit is listed twice")
        counts: dict[str, int] = {}
        for _, stratum in self.units:
            counts[stratum] = counts.get(stratum, 0) + 1
        unknown = sorted(set(counts) - set(names))
        if unknown:
            raise ValueError(f"units name strata that are not listed: {unknown[:5]}")
        for s in self.strata:
            if counts.get(s.name, 0) != s.n:
                raise ValueError(
                    f"stratum {s.name!r} says n={s.n} but {counts.get(s.name, 0)} units are listed"
                )
        if len(ids) != self.n:
            raise ValueError(f"n={self.n} but {len(ids)} units are listed")
        if len(self.unit_keys) != len(ids) or len(set(self.unit_keys)) != len(ids):
            raise ValueError("unit_keys must hold one distinct key per unit")
        return self

    def inclusion_probabilities(self) -> pd.DataFrame:
        """One row per sampled unit: ``segment_id``, ``stratum``, ``inclusion_probability``."""
        sizes = {s.name: s for s in self.strata}
        return pd.DataFrame(
            {
                "segment_id": [u for u, _ in self.units],
                "stratum": [h for _, h in self.units],
                "inclusion_probability": [sizes[h].n / sizes[h].N for _, h in self.units],
            }
        )


def unit_keys(frame: pd.DataFrame, pseudonym_prefix: str = "P-") -> pd.Series:
    """A key per segment that does not depend on the privacy salt.

    Segment and document ids, and the pseudonyms in masked text, are keyed hashes of the
    per-user salt, so the same corpus gets other ids on another machine. The key is the
    SHA-256 (16 hex digits) of where the segment comes from (the document's input ``path``,
    ``source_location`` and ``position``, those of the columns the frame has) and its text with
    every pseudonym (``<prefix><8 hex digits>``) replaced by ``<prefix>*``, so the key
    identifies the segment on any machine.
    """
    pattern = re.compile(re.escape(pseudonym_prefix) + r"[0-9a-f]{8}")
    parts = [
        frame[c].astype(str).where(frame[c].notna(), "").str.replace(pattern, "*", regex=True)
        for c in ("path", "source_location", "position")
        if c in frame.columns
    ]
    texts = frame["text"].astype(str).map(lambda t: pattern.sub(pseudonym_prefix + "*", t))
    where = ["\x00".join(row) for row in zip(*parts)] if parts else [""] * len(frame)
    keys = [
        hashlib.sha256((w + "\x01" + t).encode("utf-8")).hexdigest()[:16]
        for w, t in zip(where, texts)
    ]
    return pd.Series(keys, index=frame.index, dtype=object)


def population(content: pd.DataFrame, pseudonym_prefix: str = "P-") -> pd.DataFrame:
    """The sampling frame: content segments with their ``unit_key`` (:func:`unit_keys`,
    computed unless present), sorted by it, so neither the row order of the run's files nor the
    salt changes the sample."""
    missing = [c for c in ("segment_id", "text", *STRATA_BY) if c not in content.columns]
    if missing:
        raise InputError(f"the run's content segments lack columns {missing}")
    if content["segment_id"].duplicated().any():
        raise InputError("the run's segments have duplicate segment ids")
    frame = content.copy()
    if "unit_key" not in frame.columns:
        frame["unit_key"] = unit_keys(frame, pseudonym_prefix)
    if frame["unit_key"].duplicated().any():
        twins = frame.loc[frame["unit_key"].duplicated(keep=False), "segment_id"].tolist()[:4]
        raise InputError(
            f"content segments {twins} have the same text at the same place of the same input "
            "file once pseudonyms are set aside; they cannot be told apart across machines"
        )
    return frame.sort_values("unit_key", kind="mergesort").reset_index(drop=True)


def strata_of(frame: pd.DataFrame, strategy: str) -> pd.Series:
    """The stratum name of every row for ``strategy`` (``"all"`` for a random sample)."""
    _check_strategy(strategy)
    if strategy == "random":
        return pd.Series("all", index=frame.index, dtype=object)
    parts = [frame[c].astype(str) for c in STRATA_BY]
    return (parts[0] + " | " + parts[1]).astype(object)


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise InputError(f"unknown sampling strategy {strategy!r}; valid: {list(STRATEGIES)}")


def allocate(sizes: dict[str, int], n: int, min_per_stratum: int = 5) -> dict[str, int]:
    """Sample size per stratum: a floor of ``min(N_h, min_per_stratum)``, the rest in
    proportion to ``sqrt(N_h)``, capped at ``N_h``, rounded by largest remainder.

    Parameters
    ----------
    sizes
        Stratum name -> population size ``N_h`` (all >= 1).
    n
        Total sample size, at most ``sum(N_h)``.
    min_per_stratum
        The floor per stratum (a stratum smaller than it is taken whole).

    Returns
    -------
    dict
        Stratum name -> ``n_h``, summing to ``n``; deterministic (ties by name).

    Raises
    ------
    ValueError
        If ``n`` exceeds the population or cannot cover the floors.
    """
    total = sum(sizes.values())
    if n < 1:
        raise InputError(f"the sample size must be at least 1, got {n}")
    if n > total:
        raise InputError(f"cannot sample {n} units from a population of {total}")
    names = sorted(sizes)
    alloc = {h: min(sizes[h], min_per_stratum) for h in names}
    if sum(alloc.values()) > n:
        raise InputError(
            f"{len(names)} strata need at least {sum(alloc.values())} units for the floor of "
            f"{min_per_stratum} per stratum, more than n={n}: raise --n, lower the floor, or "
            "use --strategy random"
        )
    remaining = n - sum(alloc.values())
    while remaining > 0:
        open_ = [h for h in names if alloc[h] < sizes[h]]
        weight = {h: math.sqrt(sizes[h]) for h in open_}
        scale = remaining / sum(weight.values())
        ideal = {h: weight[h] * scale for h in open_}
        add = {h: min(math.floor(ideal[h]), sizes[h] - alloc[h]) for h in open_}
        left = remaining - sum(add.values())
        order = sorted(open_, key=lambda h: (-(ideal[h] - math.floor(ideal[h])), h))
        for h in order:
            if left == 0:
                break
            if alloc[h] + add[h] < sizes[h]:
                add[h] += 1
                left -= 1
        for h in open_:
            alloc[h] += add[h]
        remaining = n - sum(alloc.values())
    return alloc


def draw_sample(
    content: pd.DataFrame,
    n: int,
    strategy: str = "stratified",
    seed: int = 13,
    min_per_stratum: int = 5,
    codebook: str = "",
    labeler: str = "",
) -> tuple[SampleDesign, pd.DataFrame]:
    """Draw a coding sample from a run's content segments.

    Parameters
    ----------
    content
        The run's labelled content segments (``segment_id``, ``text``, ``source_type``,
        ``stance``).
    n
        Sample size.
    strategy
        ``"random"`` or ``"stratified"`` (see the module docstring).
    seed
        Seed of the draw and of the coding order.
    min_per_stratum
        Floor per stratum of a stratified sample.
    codebook, labeler
        Recorded in the design (``name version``).

    Returns
    -------
    design, units
        The design, and the sampled units in coding order (``segment_id``, ``text``).

    Raises
    ------
    ValueError
        On an unknown strategy (listing the valid ones), an impossible size, or a frame without
        the needed columns.
    """
    _check_strategy(strategy)
    frame = population(content)
    strata = strata_of(frame, strategy)
    sizes = strata.value_counts().to_dict()
    alloc = allocate({str(k): int(v) for k, v in sizes.items()}, n, min_per_stratum)
    rng = np.random.default_rng(seed)
    picked: list[int] = []
    unit_stratum: dict[int, str] = {}
    for h in sorted(alloc):
        rows = np.flatnonzero((strata == h).to_numpy())
        chosen = np.sort(rng.choice(rows, size=alloc[h], replace=False)) if alloc[h] else []
        for r in chosen:
            unit_stratum[int(r)] = h
        picked.extend(int(r) for r in chosen)
    order = rng.permutation(np.array(sorted(picked), dtype=np.int64))
    ids = frame["segment_id"].astype(str).to_numpy()
    keys = frame["unit_key"].astype(str).to_numpy()
    units = [(str(ids[r]), unit_stratum[int(r)]) for r in order]
    sample_id = _sample_id(keys, strata.to_numpy(), [str(keys[r]) for r in order], strategy, seed)
    population_sha, strata_sha = fingerprints(frame, strategy)
    design = SampleDesign(
        sample_id=sample_id,
        strategy=strategy,  # type: ignore[arg-type]
        seed=seed,
        n=n,
        min_per_stratum=min_per_stratum,
        strata_by=[] if strategy == "random" else list(STRATA_BY),
        population_size=len(frame),
        population_sha256=population_sha,
        strata_sha256=strata_sha,
        codebook=codebook,
        labeler=labeler,
        strata=[Stratum(name=h, N=int(sizes[h]), n=alloc[h]) for h in sorted(alloc)],
        units=units,
        unit_keys=[str(keys[r]) for r in order],
    )
    coded = frame.iloc[order][["segment_id", "text"]].reset_index(drop=True)
    coded["segment_id"] = coded["segment_id"].astype(str)
    return design, coded


def fingerprints(frame: pd.DataFrame, strategy: str) -> tuple[str, str]:
    """SHA-256 of a population's sorted unit keys, and of its units' strata under
    ``strategy`` (``frame`` as returned by :func:`population`); both salt-independent."""
    ids = frame["unit_key"].astype(str).tolist()
    strata = strata_of(frame, strategy).astype(str).tolist()
    pop, both = hashlib.sha256(), hashlib.sha256()
    for unit, stratum in zip(ids, strata):
        pop.update(unit.encode("utf-8") + b"\x00")
        both.update(f"{unit}\x01{stratum}\x00".encode())
    return pop.hexdigest(), both.hexdigest()


def _sample_id(
    keys: np.ndarray, strata: np.ndarray, picked: list[str], strategy: str, seed: int
) -> str:
    digest = hashlib.sha256()
    for part in (strategy, str(seed), *map(str, keys), *map(str, strata), "|", *picked):
        digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()[:12]


def design_json(design: SampleDesign) -> dict[str, Any]:
    """The design as JSON-ready data (``design.json``)."""
    return design.model_dump(mode="json")


def load_design(path: str | Path) -> SampleDesign:
    """Read and validate a ``design.json`` written by ``discourse sample``.

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        If it is not valid JSON or not a valid design (naming the first problem).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(
            f"no sample design at {path}: draw the sample with `discourse sample` (it writes "
            "design.json next to the coding files) or pass --design"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a JSON sample design: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("units"), list):
        data["units"] = [tuple(u) if isinstance(u, list) else u for u in data["units"]]
    if isinstance(data, dict) and data.get("format") != DESIGN_FORMAT:
        raise InputError(f"{path} is not a {DESIGN_FORMAT} design (format={data.get('format')!r})")
    try:
        return SampleDesign.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "design"
        raise InputError(f"{path} is not a valid sample design: {where}: {first['msg']}") from None
