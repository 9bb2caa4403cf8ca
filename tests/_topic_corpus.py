"""A constructed corpus with a known answer: three themes, distinct words, separated vectors."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

THEMES = {
    "gym": ["gym", "workout", "running", "weights", "lifting", "cardio", "stretching", "treadmill"],
    "phone": [
        "phone",
        "text",
        "message",
        "blocked",
        "unfollow",
        "instagram",
        "notification",
        "reply",
    ],
    "sleep": ["sleep", "dream", "nightmare", "insomnia", "pillow", "bedtime", "awake", "night"],
}
SHARED = ["breakup", "ex", "week"]


def make_corpus(per_theme: int = 20, seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, their embeddings and the true theme of each (0, 1, 2)."""
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(384, 3)))[0].T  # orthonormal theme directions
    texts, vecs, truth = [], [], []
    for k, words in enumerate(THEMES.values()):
        for _ in range(per_theme):
            picked = rng.choice(words, size=6, replace=False).tolist()
            picked += rng.choice(SHARED, size=2, replace=False).tolist()
            texts.append(" ".join(picked))
            v = centres[k] + rng.normal(scale=0.02, size=384)
            vecs.append(v / np.linalg.norm(v))
            truth.append(k)
    return texts, np.asarray(vecs, dtype=np.float32), np.asarray(truth)


class FakeEmbedder:
    """``encode`` from a fixed text -> vector table (no model is loaded); any other text (a
    topic word embedded for a label) gets a vector seeded by its hash."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        self.table = dict(zip(texts, vectors))
        self.dim = int(np.asarray(vectors).shape[1])

    def _other(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).normal(size=self.dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.table[t] if t in self.table else self._other(t) for t in texts])


def make_segments(texts: list[str]) -> pd.DataFrame:
    """A segments table as written by ``discourse run`` for the constructed texts."""
    n = len(texts)
    return pd.DataFrame(
        {
            "segment_id": [f"doc{i:03d}#0000" for i in range(n)],
            "doc_id": [f"doc{i:03d}" for i in range(n)],
            "source_type": ["post" if i % 2 else "comment" for i in range(n)],
            "published": [f"{2011 + i % 3}-06-01T00:00:00Z" if i % 5 else None for i in range(n)],
            "text": texts,
            "boilerplate": [False] * n,
            "duplicate_of": [None] * n,
        }
    )
