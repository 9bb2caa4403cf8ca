"""No pickle is ever loaded: fitted things are JSON or safetensors, and loaders refuse pickles."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest

from _paths import ROOT


def test_package_source_never_unpickles() -> None:
    pattern = re.compile(r"\b(pickle\.loads?|joblib\.load|torch\.load|np\.load|numpy\.load|dill)\b")
    hits = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in (ROOT / "src" / "discourse").rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert hits == []


def test_topic_model_loader_refuses_a_pickled_bertopic(tmp_path: Path) -> None:
    from discourse.topics import load_topic_model

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "discourse_topics.json").write_text(json.dumps({"model": "bertopic", "params": {}}))
    (folder / "bertopic").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(ValueError, match="not a safetensors BERTopic folder"):
        load_topic_model(folder)


def test_setfit_loader_refuses_pickle_weights(tmp_path: Path) -> None:
    from discourse.codebook import load_codebook
    from discourse.labels.setfit import SetFitLabeler

    folder = tmp_path / "setfit"
    (folder / "encoder").mkdir(parents=True)
    (folder / "heads.json").write_text("{}")
    (folder / "encoder" / "pytorch_model.bin").write_bytes(pickle.dumps([1, 2, 3]))
    labeler = SetFitLabeler(load_codebook(), weights=folder)  # weights load lazily
    with pytest.raises(ValueError, match="pickle-based weights"):
        labeler.predict(["No contact helped me heal."])
