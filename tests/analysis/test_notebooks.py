"""The notebooks run top to bottom on the bundled corpus, and are committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from _paths import ROOT
from discourse.analysis.notebooks import execute_notebook

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_exist_without_outputs_and_with_parameters() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_corpus_exploration.ipynb",
        "02_stance_and_themes.ipynb",
        "03_topics.ipynb",
        "04_paper_figures.ipynb",
    ]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and "RUN_DIR" in tagged[0].source, path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name
        # logic lives in the package: no function or class definitions in notebooks
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "def " not in code and "class " not in code, path.name


def test_parameters_cell_is_required_for_parameters(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        execute_notebook(path, {"RUN_DIR": "x"})


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_bundled_corpus(path: Path, bundled_run: Path, tmp_path: Path) -> None:
    params = {"RUN_DIR": str(bundled_run)}
    if path.stem.startswith("04"):
        params["OUTPUT_DIR"] = str(tmp_path)
    nb = execute_notebook(path, params, output=tmp_path / path.name)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    if path.stem.startswith("04"):
        assert (tmp_path / "figures" / "fig02_stance_by_source_type.png").is_file()
