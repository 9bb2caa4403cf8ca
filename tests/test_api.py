"""The curated top-level API: every name resolves, nothing heavy is imported up front."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import discourse
from discourse.config import PipelineConfig


def test_all_lists_exactly_the_lazy_names() -> None:
    assert sorted(discourse.__all__) == sorted(["__version__", *discourse._EXPORTS])
    assert dir(discourse) == sorted(discourse.__all__)


@pytest.mark.parametrize("name", sorted(discourse._EXPORTS))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(discourse, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        discourse.nope  # noqa: B018


def test_import_loads_no_heavy_package() -> None:
    code = (
        "import sys, discourse; "
        "heavy = [m for m in ('pandas', 'torch', 'spacy', 'sklearn') if m in sys.modules]; "
        "subs = [m for m in sys.modules if m.startswith('discourse.')]; "
        "print(heavy, subs)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] []"


def test_run_and_load_run_through_the_api(
    tmp_path: Path, seeds_dir: Path, config: PipelineConfig
) -> None:
    out = tmp_path / "out"
    result = discourse.run(seeds_dir, out, config)
    layout = discourse.RunLayout(out)
    assert layout.is_run() and not discourse.RunLayout(tmp_path).is_run()
    for path in (layout.documents, layout.segments, layout.labels, layout.quarantine):
        assert path.is_file() and path.name in result.manifest["outputs"]
    loaded = discourse.load_run(out)
    assert isinstance(loaded, discourse.RunData)
    assert len(loaded.segments) == result.manifest["summary"]["segments"]
    assert set(loaded.content["stance"]) <= set(discourse.load_codebook().stance_labels)


def test_make_labeler_is_ready_to_predict() -> None:
    labeler = discourse.make_labeler("rules")
    got = labeler.predict(["No contact is for my own healing, not to win him back."])
    assert isinstance(got, pd.DataFrame) and len(got) == 1
    assert "rules" in discourse.labelers and discourse.readers
