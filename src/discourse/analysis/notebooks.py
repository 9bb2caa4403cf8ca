"""Run the project's notebooks top to bottom with parameters (papermill-style, via nbclient).

Each notebook in ``notebooks/`` has one code cell tagged ``parameters`` (``RUN_DIR = ...``).
:func:`execute_notebook` replaces that cell's assignments with the given values and executes
the notebook in a fresh kernel, so the notebooks can be pointed at any run folder::

    execute_notebook("notebooks/02_stance_and_themes.ipynb", {"RUN_DIR": "/data/my_run"},
                     output="/tmp/02_executed.ipynb")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["execute_notebook"]


def execute_notebook(
    path: str | Path,
    parameters: dict[str, Any] | None = None,
    output: str | Path | None = None,
    timeout: int = 900,
) -> Any:
    """Execute a notebook with parameters and return the executed notebook.

    Parameters
    ----------
    path
        The ``.ipynb`` file.
    parameters
        Name -> value; written as Python literals into the cell tagged ``parameters``
        (after its own lines, so they win).
    output
        Where to save the executed notebook (not saved when ``None``; the source notebook is
        never modified).
    timeout
        Seconds allowed per cell.

    Raises
    ------
    ValueError
        If parameters are given but the notebook has no cell tagged ``parameters``.
    nbclient.exceptions.CellExecutionError
        If a cell fails (the message shows the cell and the traceback).
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if parameters:
        cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        if not cells:
            raise ValueError(f"{path} has no cell tagged 'parameters'")
        lines = [f"{name} = {value!r}" for name, value in parameters.items()]
        cells[0].source = cells[0].source + "\n# injected\n" + "\n".join(lines)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    if output is not None:
        from discourse.io_utils import write_text

        write_text(nbformat.writes(nb), Path(output))
    return nb
