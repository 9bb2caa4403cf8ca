"""One conformance suite that every registered reader and labeler must pass (as scikit-learn's
``check_estimator``): a new part is tested by registering it, with no test of its own needed to
hold it to the contract. A new reader needs an example file below; a new labeler runs with its
default parameters (or the fast ones below)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _paths import FIXTURES
from _tiny_labels import GOLD, TEXTS
from discourse.codebook import load_codebook
from discourse.config import PipelineConfig
from discourse.ingest import SUFFIXES, readers
from discourse.labels import labelers, make_labeler, output_columns
from discourse.labels.base import LABELER_CAPABILITIES
from discourse.pipeline import ingest_corpus


def _copy(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        target = folder / Path(name).name
        shutil.copyfile(FIXTURES / name, target)
        return target

    return make


def _parquet(folder: Path) -> Path:
    target = folder / "reddit_small.parquet"
    rows = pd.read_csv(FIXTURES / "tables" / "reddit_small.csv", on_bad_lines="skip")
    rows.to_parquet(target)
    return target


#: reader name -> a function writing one valid example of its format into a folder
READER_EXAMPLES: dict[str, Callable[[Path], Path]] = {
    "text": _copy("text/says_thread.txt"),
    "html": _copy("html/wordpress_article.html"),
    "csv": _copy("tables/reddit_small.csv"),
    "jsonl": _copy("tables/pushshift.ndjson"),
    "parquet": _parquet,
    "vtt": _copy("captions/speakers.vtt"),
    "srt": _copy("captions/plain.srt"),
    "sbv": _copy("captions/youtube_studio.sbv"),
}


@pytest.fixture
def config() -> PipelineConfig:
    cfg = PipelineConfig()
    cfg.privacy.salt = "conformance"
    return cfg


def test_every_reader_has_an_example() -> None:
    missing = sorted(set(readers.names()) - set(READER_EXAMPLES))
    assert not missing, f"add an example file for reader(s) {missing} to READER_EXAMPLES"


@pytest.mark.parametrize("name", readers.names())
def test_reader_declares_its_suffixes(name: str) -> None:
    suffixes = readers.capabilities(name)["suffixes"]
    assert suffixes and all(s.startswith(".") and s == s.lower() for s in suffixes)
    assert all(SUFFIXES[s] == name for s in suffixes)
    assert readers.entry(name).version and readers.entry(name).description


@pytest.mark.parametrize("name", sorted(READER_EXAMPLES))
def test_reader_reads_its_example(name: str, tmp_path: Path, config: PipelineConfig) -> None:
    path = READER_EXAMPLES[name](tmp_path)
    assert SUFFIXES[path.suffix.lower()] == name
    result = ingest_corpus(tmp_path, config)
    assert all(q.reason and q.location for q in result.quarantine)  # bad rows, if any
    assert [f.reader for f in result.files] == [name]
    docs = [p.document for p in result.documents]
    assert docs and all(d.doc_id and d.source_type for d in docs)
    assert any(u.text.strip() for d in result.documents for u in d.units)


@pytest.mark.parametrize("name", readers.names())
def test_reader_accounts_for_garbage(name: str, tmp_path: Path, config: PipelineConfig) -> None:
    """Random bytes under the reader's suffix: a quarantine entry with a reason or documents,
    never an exception, and the file is in the records either way."""
    rng = np.random.default_rng(7)
    for i, suffix in enumerate(readers.capabilities(name)["suffixes"]):
        (tmp_path / f"garbage{i}{suffix}").write_bytes(rng.bytes(2048))
    result = ingest_corpus(tmp_path, config)
    assert len(result.files) == len(readers.capabilities(name)["suffixes"])
    assert all(q.reason for q in result.quarantine)
    for record in result.files:  # read, or quarantined with the reason
        assert record.status == "ok" or record.reason, record
    assert result.quarantine or result.documents


# -- labelers -----------------------------------------------------------------------------------

EDGE = ["", "   ", "Das ist ein deutscher Satz über eine Trennung und keinen Kontakt mehr."]

#: labeler name -> parameters that make it fast enough for the suite (default: none)
FAST_PARAMS: dict[str, dict[str, object]] = {
    "setfit": {"max_seq_length": 32, "pairs_per_text": 2, "batch_size": 8},
}


def _build(name: str, tmp_path: Path, **extra: object) -> object:
    params = dict(FAST_PARAMS.get(name, {}), **extra)
    if labelers.capabilities(name)["uses_embeddings"]:
        params["cache_dir"] = tmp_path / "cache"
    return make_labeler(name, **params)


def _check_output(pred: pd.DataFrame, texts: list[str]) -> None:
    cb = load_codebook()
    assert list(pred.columns) == output_columns(cb) and len(pred) == len(texts)
    assert set(pred["stance"]) <= set(cb.stance_labels)
    assert pred["stance_score"].between(0, 1).all()
    for theme in cb.theme_names:
        assert set(pred[theme]) <= {0, 1}
        assert pred[f"{theme}_score"].between(0, 1).all()
    for column in [c for c in pred.columns if c.endswith("_evidence")]:
        for text, raw in zip(texts, pred[column]):
            for span in json.loads(raw):
                assert text[span["start"] : span["end"]] == span["text"], (column, span)
    for i, text in enumerate(texts):
        if not text.strip():
            assert pred.loc[i, "stance"] == cb.stance.default
            assert pred.loc[i, cb.theme_names].sum() == 0


def test_labeler_capabilities_are_declared() -> None:
    for name in labelers.names():
        assert set(labelers.capabilities(name)) == set(LABELER_CAPABILITIES)
        cls = labelers.get(name)
        assert cls.name == name and cls.version == labelers.entry(name).version


@pytest.mark.slow
@pytest.mark.parametrize("name", labelers.names())
def test_labeler_contract(name: str, tmp_path: Path) -> None:
    caps = labelers.capabilities(name)
    texts = TEXTS + EDGE
    unfitted = _build(name, tmp_path)
    if caps["needs_weights"]:
        with pytest.raises((RuntimeError, ValueError), match="fit"):
            unfitted.predict(TEXTS[:1])
    model = _build(name, tmp_path).fit(TEXTS, GOLD)
    pred = model.predict(texts)
    _check_output(pred, texts)
    pd.testing.assert_frame_equal(pred, model.predict(texts))  # deterministic
    # the same model, saved and loaded, predicts the same
    target = tmp_path / ("weights.json" if caps["packaged_weights"] else "weights")
    model.save(target)
    loaded = _build(name, tmp_path, weights=target).predict(texts)
    assert (loaded["stance"] == pred["stance"]).all()
    scores = [c for c in pred.columns if c.endswith("_score")]
    assert np.allclose(loaded[scores], pred[scores], atol=1e-4)
