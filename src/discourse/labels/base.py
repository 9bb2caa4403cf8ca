"""The labeler interface, the output columns, and the registry of labelers.

Every labeler follows scikit-learn's conventions: the constructor only stores its arguments,
``fit(texts, gold)`` learns (``gold`` is a frame with a ``stance`` column and one 0/1 column per
theme) and sets attributes ending in ``_``, ``predict(texts)`` returns one row per text with:

* ``stance``, ``stance_score`` (0-1), ``stance_evidence`` (JSON list of
  ``{"start", "end", "text", "rule"}`` character spans into the text; ``[]`` when none);
* per theme ``<theme>`` (0/1), ``<theme>_score``, ``<theme>_evidence``;
* ``language`` (ISO code; text that is not English is labelled with the default stance).

Empty or whitespace-only texts get the default stance, score 0 and no themes.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from discourse.codebook import Codebook, load_codebook
from discourse.errors import DiscourseError, InputError, MissingInputError
from discourse.labels.language import detect_language
from discourse.registry import Registry

__all__ = [
    "BaseLabeler",
    "CodebookVersionWarning",
    "Evidence",
    "check_codebook_version",
    "labelers",
    "load_weights",
    "make_labeler",
    "output_columns",
]

Evidence = dict[str, Any]

#: What callers may ask of a labeler instead of branching on its name.
LABELER_CAPABILITIES = {
    "needs_weights": "predicts only with fitted weights (packaged, or from `discourse train`)",
    "uses_embeddings": "reads sentence embeddings: takes cache_dir and seed",
    "embedding_backend": "takes another embedding backend than MiniLM (embedding_backend=...)",
    "packaged_weights": "its weights fit in the package (one JSON file); else a folder saved "
    "outside it, so it cannot be the installed default",
    "transformer": "runs a transformer encoder over every text it labels (slow on CPU); the "
    "default prefers a labeler without one when it is as accurate (discourse train)",
}

#: All labelers by name; ``make_labeler(name)`` builds one.
labelers: Registry[Callable[..., BaseLabeler]] = Registry("labeler", LABELER_CAPABILITIES)


def output_columns(codebook: Codebook) -> list[str]:
    """The label columns, in order, for a codebook."""
    cols = ["stance", "stance_score", "stance_evidence"]
    for theme in codebook.theme_names:
        cols += [theme, f"{theme}_score", f"{theme}_evidence"]
    return [*cols, "language"]


class CodebookVersionWarning(UserWarning):
    """Saved weights were fitted under another version of the same codebook.

    The labels may still load and run, but the rule patterns (and so the rules' scores, which
    ``combined`` uses as features) may differ from those the weights were tuned on. Refit with
    ``discourse train`` to silence it.
    """


def load_weights(load: Callable[[Any], None], path: Any) -> None:
    """Call a labeler's ``load(path)``. A weights file is untrusted user input: a missing one is
    a :class:`~discourse.errors.MissingInputError`, a malformed one (not JSON, a missing key, a
    value of the wrong type) an :class:`~discourse.errors.InputError` naming the file."""
    try:
        load(path)
    except DiscourseError:
        raise
    except FileNotFoundError as exc:
        raise MissingInputError(f"weights file does not exist: {path}") from exc
    except (KeyError, TypeError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{path} is not a valid weights file: {what}") from exc


def check_codebook_version(saved: dict[str, Any], codebook: Codebook, path: Any) -> None:
    """Warn with :class:`CodebookVersionWarning` when ``saved["version"]`` (the codebook block of
    a weights file) differs from ``codebook``'s version; the name is checked by the caller."""
    version = saved.get("version")
    if version is not None and version != codebook.meta.version:
        warnings.warn(
            f"{path} was fitted under codebook {saved.get('name')!r} version {version}, but this "
            f"codebook is version {codebook.meta.version}; its patterns may differ from those "
            "the weights were tuned on. Refit with `discourse train` to match.",
            CodebookVersionWarning,
            stacklevel=3,
        )


def make_labeler(name: str, codebook: Codebook | None = None, **params: Any) -> BaseLabeler:
    """Build the labeler registered as ``name`` (an unknown name lists the valid ones)."""
    return labelers.get(name)(codebook=codebook, **params)


class BaseLabeler:
    """Common behaviour: codebook handling, empty and non-English texts, output assembly.

    Subclasses implement :meth:`_predict_valid` for the texts that need labelling and may
    override :meth:`fit`. :meth:`predict` hands them at most :attr:`predict_chunk` texts at a
    time: a labeler's working memory grows with the texts it labels at once (the student's RSS
    rose 723 MB above its base for a 20k-segment batch of article paragraphs, 235 MB in
    chunks of 4,096), and a text's labels do not depend on which texts come with it. So each
    distinct text is labelled once per call, and repeats get a copy of its labels.
    """

    name = "base"
    version = "0"
    #: Most texts handed to :meth:`_predict_valid` at once.
    predict_chunk = 4096

    def __init__(self, codebook: Codebook | None = None) -> None:
        self.codebook = codebook

    # -- sklearn-style API ---------------------------------------------------------------------
    def fit(self, texts: Sequence[str], gold: pd.DataFrame) -> BaseLabeler:
        """Learn from hand-coded data (no-op for labelers that do not learn)."""
        self.codebook_ = self.codebook or load_codebook()
        return self

    def predict(self, texts: Sequence[str]) -> pd.DataFrame:
        """Label ``texts``; one row per text, columns from :func:`output_columns`."""
        cb = self._cb()
        texts = [
            "" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts
        ]
        langs = [detect_language(t) if t.strip() else "en" for t in texts]
        valid = [i for i, t in enumerate(texts) if t.strip() and langs[i] == "en"]
        rows = [self._empty_row(cb) for _ in texts]
        # each distinct text is labelled once: a text's labels do not depend on which texts
        # come with it, so a repeated text (a reposted comment, a template reply) gets a copy
        distinct = list(dict.fromkeys(texts[i] for i in valid))
        done: dict[str, dict[str, Any]] = {}
        step = max(1, int(self.predict_chunk))
        for start in range(0, len(distinct), step):
            part = distinct[start : start + step]
            done.update(zip(part, self._predict_valid(part), strict=True))
        for i in valid:
            rows[i] = dict(done[texts[i]])
        frame = pd.DataFrame(rows, columns=[c for c in output_columns(cb) if c != "language"])
        frame["language"] = langs
        return self._finish(frame, cb)

    # -- for subclasses ----------------------------------------------------------------------
    def _predict_valid(self, texts: list[str]) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def _cb(self) -> Codebook:
        cb = getattr(self, "codebook_", None) or self.codebook
        if cb is None:
            cb = load_codebook()
            self.codebook_ = cb
        return cb

    @staticmethod
    def _empty_row(cb: Codebook) -> dict[str, Any]:
        row: dict[str, Any] = {
            "stance": cb.stance.default,
            "stance_score": 0.0,
            "stance_evidence": "[]",
        }
        for theme in cb.theme_names:
            row[theme] = 0
            row[f"{theme}_score"] = 0.0
            row[f"{theme}_evidence"] = "[]"
        return row

    @staticmethod
    def _finish(frame: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
        frame["stance_score"] = frame["stance_score"].astype(float).round(6)
        for theme in cb.theme_names:
            frame[theme] = frame[theme].astype(int)
            frame[f"{theme}_score"] = frame[f"{theme}_score"].astype(float).round(6)
        return frame


def evidence_json(spans: list[Evidence]) -> str:
    """Evidence spans as a compact, key-sorted JSON string (stable bytes across runs)."""
    return json.dumps(spans, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
