"""The report's parts: each figure and table is drawn by one registered part."""

from __future__ import annotations

import pytest

from discourse.analysis.figure_parts import FIGURES, MISSING, TABLES, figure_parts
from discourse.registry import Registry


def test_each_output_has_one_part_and_a_description() -> None:
    drawn = [n for p in figure_parts.in_order() for n in figure_parts.capabilities(p)["draws"]]
    assert len(drawn) == len(set(drawn))
    assert set(drawn) == set(FIGURES) | set(TABLES)
    assert all(FIGURES.values()) and all(TABLES.values())
    assert list(FIGURES) == sorted(FIGURES) and "fig08_labeler_confusion" in FIGURES


def test_a_missing_input_has_a_reason() -> None:
    for part in figure_parts.in_order():
        for need in figure_parts.capabilities(part)["needs"]:
            assert need in MISSING, (part, need)


def test_parts_declare_what_they_need_and_draw() -> None:
    registry: Registry = Registry("figure part", {"needs": "", "draws": ""})
    with pytest.raises(ValueError, match="capabilities must be exactly"):
        registry.register("fig99", needs=())(lambda ctx: None)
    registry.register("b", needs=(), draws={})(lambda ctx: None)
    registry.register("a", needs=(), draws={})(lambda ctx: None)
    assert registry.in_order() == ["b", "a"] and registry.names() == ["a", "b"]
