"""``setfit``: contrastive few-shot fine-tuning of the shipped MiniLM, then linear heads.

SetFit's recipe (Tunstall et al. 2022) on CPU with a plain PyTorch loop, so that it runs without
extra training libraries and is deterministic: pairs of training texts are labelled similar
(same stance) or dissimilar, the sentence encoder is fine-tuned with a cosine-similarity loss,
and logistic-regression heads for stance and themes are fitted on the fine-tuned embeddings.

Determinism: seeds for Python, NumPy and PyTorch, deterministic PyTorch algorithms, a fixed
number of threads, and pairs drawn from a seeded generator; the same data and seed give the
same weights on the same machine type.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.codebook import Codebook
from discourse.embeddings import EmbeddingCache
from discourse.errors import InputError
from discourse.labels.base import labelers
from discourse.labels.supervised import EmbeddingLogReg

__all__ = ["SetFitLabeler", "make_pairs"]


def make_pairs(
    labels: Sequence[str], pairs_per_text: int, seed: int
) -> list[tuple[int, int, float]]:
    """Balanced positive (same label, 1.0) and negative (different label, 0.0) pairs.

    Every text is the anchor of ``pairs_per_text`` positive and as many negative pairs; texts of
    a class with a single member get no positive pair.
    """
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_class.setdefault(lab, []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for i, lab in enumerate(labels):
        same = [j for j in by_class[lab] if j != i]
        other = [j for j in range(len(labels)) if labels[j] != lab]
        for _ in range(pairs_per_text):
            if same:
                pairs.append((i, int(same[rng.integers(len(same))]), 1.0))
            if other:
                pairs.append((i, int(other[rng.integers(len(other))]), 0.0))
    order = rng.permutation(len(pairs))
    return [pairs[k] for k in order]


@labelers.register(
    "setfit",
    version="2",
    description="contrastively fine-tuned MiniLM + logistic heads; deciding-sentence evidence",
    needs_weights=True,
    uses_embeddings=True,
    embedding_backend=False,
    packaged_weights=False,
    transformer=True,
)
class SetFitLabeler(EmbeddingLogReg):
    """Fine-tuned sentence encoder with logistic-regression heads.

    Parameters
    ----------
    codebook
        Codebook.
    pairs_per_text, epochs, batch_size, learning_rate, max_seq_length
        Fine-tuning settings.
    threads
        PyTorch threads (fixed for reproducibility).
    seed
        Seed for pairs, initialisation order and cross-validation.
    weights
        A folder written by :meth:`save` (fine-tuned encoder + heads).
    base_model
        Encoder to start from (default: the shipped MiniLM); tests pass a small stand-in.
    """

    use_rules = False

    def __init__(
        self,
        codebook: Codebook | None = None,
        pairs_per_text: int = 4,
        epochs: int = 1,
        batch_size: int = 16,
        learning_rate: float = 2e-5,
        max_seq_length: int = 256,
        threads: int = 2,
        seed: int = 13,
        weights: str | Path | None = None,
        cache_dir: str | Path | None = None,
        base_model: Any = None,
    ) -> None:
        super().__init__(codebook, cache_dir=cache_dir, seed=seed, weights=weights)
        self.pairs_per_text = pairs_per_text
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_seq_length = max_seq_length
        self.threads = threads
        self.base_model = base_model

    def _seed_everything(self) -> None:
        import torch

        random.seed(self.seed)
        np.random.seed(self.seed)
        torch.manual_seed(self.seed)
        torch.set_num_threads(self.threads)
        torch.use_deterministic_algorithms(True)

    def _finetune(self, texts: Sequence[str], stance: Sequence[str]) -> Any:
        import torch
        from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

        from discourse.embeddings import load_model

        self._seed_everything()
        if self.base_model is not None:
            model = self.base_model
        else:
            import copy

            model = copy.deepcopy(load_model())
        model.max_seq_length = self.max_seq_length
        model.train()
        loss_fn = CosineSimilarityLoss(model)
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.learning_rate)
        pairs = make_pairs(list(stance), self.pairs_per_text, self.seed)
        self.n_pairs_ = len(pairs)
        self.losses_: list[float] = []
        encode = getattr(model, "preprocess", None) or model.tokenize
        for _epoch in range(self.epochs):
            for b in range(0, len(pairs), self.batch_size):
                batch = pairs[b : b + self.batch_size]
                fa = encode([texts[i] for i, _, _ in batch])
                fb = encode([texts[j] for _, j, _ in batch])
                target = torch.tensor([y for _, _, y in batch], dtype=torch.float32)
                loss = loss_fn([fa, fb], target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                self.losses_.append(float(loss.detach()))
        model.eval()
        torch.use_deterministic_algorithms(False)
        return model

    def fit(self, texts: Sequence[str], gold: pd.DataFrame) -> SetFitLabeler:
        """Fine-tune the encoder on stance pairs, then fit the heads on its embeddings."""
        self.codebook_ = self._cb()
        texts = [str(t) for t in texts]
        model = self._finetune(texts, gold["stance"].astype(str).tolist())
        digest = hashlib.sha256(
            json.dumps([*self.losses_[:5], len(texts), self.seed]).encode()
        ).hexdigest()[:10]
        self.model_id_ = f"minilm-setfit-{digest}"
        self.encoder_ = model
        self.embedder = EmbeddingCache(self.cache_dir, model=model, model_id=self.model_id_)
        return super().fit(texts, gold)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the fine-tuned encoder (safetensors) and the heads (JSON) to folder ``path``."""
        from discourse.io_utils import write_json

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder_.save(str(folder / "encoder"), safe_serialization=True)
        data = self.to_dict()
        data["model_id"] = self.model_id_
        write_json(data, folder / "heads.json")

    def _load(self, path: str | Path) -> None:
        from sentence_transformers import SentenceTransformer

        folder = Path(path)
        if not (folder / "heads.json").is_file() or not (folder / "encoder").is_dir():
            raise InputError(f"{folder} is not a setfit model folder (heads.json + encoder/)")
        unsafe = sorted(
            p.name
            for p in (folder / "encoder").rglob("*")
            if p.suffix in {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt"}
        )
        if unsafe:
            raise InputError(
                f"{folder / 'encoder'} holds pickle-based weights ({', '.join(unsafe)}); only "
                "safetensors weights are loaded (save with `discourse train --setfit-dir`)"
            )
        heads = folder / "heads.json"
        data = json.loads(heads.read_text(encoding="utf-8"))
        self.encoder_ = SentenceTransformer(
            str(folder / "encoder"), device="cpu", local_files_only=True
        )
        self.model_id_ = data["model_id"]
        self.embedder = EmbeddingCache(self.cache_dir, model=self.encoder_, model_id=self.model_id_)
        super()._load(heads)
