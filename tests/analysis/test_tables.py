"""Markdown tables shared by the training report, the benchmarks and the scripts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from discourse.analysis.tables import markdown_table


def test_markdown_table_formats_floats_and_keeps_other_cells() -> None:
    frame = pd.DataFrame(
        {"labeler": ["rules", "combined"], "n": [155, 155], "f1": [0.35312, np.nan]}
    )
    assert markdown_table(frame).splitlines() == [
        "| labeler | n | f1 |",
        "|---|---|---|",
        "| rules | 155 | 0.353 |",
        "| combined | 155 | nan |",
    ]
    assert markdown_table(frame, "{:.1f}", missing="").splitlines()[2:] == [
        "| rules | 155 | 0.4 |",
        "| combined | 155 |  |",
    ]


def test_markdown_table_of_an_empty_frame_is_its_header() -> None:
    assert markdown_table(pd.DataFrame(columns=["a", "b"])) == "| a | b |\n|---|---|"
