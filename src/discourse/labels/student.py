"""A distilled fast labeler (issue 21): ``student``.

The ``combined`` labeler (the teacher) spends almost all of its time embedding text with the
MiniLM transformer. The student has the same structure (the rules' per-label scores, word
1-3-gram TF-IDF for stance, calibrated logistic regression, the same evidence logic) on the
static ``minilm-static`` embeddings, about 150x cheaper to compute. Static embeddings alone lose
stance accuracy, so the student learns from more text than the coded units: every unlabelled
real segment of the bundled corpus, labelled by the teacher with its calibrated probabilities.

Soft labels: an unlabelled segment becomes one training row per stance class, weighted by the
teacher's calibrated probability of that class times ``teacher_weight`` (the weight of a
teacher-labelled segment relative to a coded unit); each theme likewise gets a row for "1"
(weight ``teacher_weight * p``) and one for "0" (``teacher_weight * (1 - p)``). Rows under
:data:`MIN_ROW_PROBABILITY` are dropped and the rest of the unit's rows rescaled, so each
segment's rows still sum to ``teacher_weight``.

On the dev split the teacher rows lowered stance macro-F1 (``scripts/train_student.py``,
docs/student_labeler.md), so :attr:`StudentLabeler.default_teacher_weight` is 0: by default the
student is ``combined`` on static embeddings fitted on the coded units alone.

Only the coded units are ever used to choose the regularisation strength, to calibrate and to
choose theme thresholds: the folds of the cross-validation split the coded units, and every
fold's model is fitted on its training units plus all teacher rows.

The unlabelled pool (:func:`unlabelled_pool`) leaves out every text that is a coded unit in any
split (normalised text), every segment of a post or document that a coded unit comes from (of
any split, dev and test included), and near copies of a unit, so the teacher's answers on the
held-out texts never reach the student.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.codebook import Codebook
from discourse.embeddings import EmbeddingCache
from discourse.errors import InputError
from discourse.labels.base import labelers
from discourse.labels.language import detect_language
from discourse.labels.supervised import (
    _C_GRID,
    CombinedLabeler,
    _Constant,
    _cv_splits,
    _Linear,
    apply_temperature,
)

__all__ = [
    "MIN_ROW_PROBABILITY",
    "StudentLabeler",
    "corpus_segments",
    "normalise_text",
    "segment_doc_key",
    "soft_rows",
    "teacher_probabilities",
    "unit_doc_key",
    "unlabelled_pool",
]

#: A soft-label row whose teacher probability is below this is dropped (its unit's other rows
#: are rescaled to keep the unit's total weight).
MIN_ROW_PROBABILITY = 0.02
#: Words per shingle, and the share of shared shingles that makes a segment a near copy of a
#: coded unit (:func:`unlabelled_pool`).
SHINGLE_WORDS = 5
OVERLAP_SHARE = 0.5
#: The pseudonymisation salt of the bundled corpus's segments (as benchmarks/bench_labelers.py).
CORPUS_SALT = "benchmark"

_SPACE = re.compile(r"\s+")
_REDDIT_POST = re.compile(r"/comments/([A-Za-z0-9]+)")


# -- the unlabelled pool -----------------------------------------------------------------------
def normalise_text(text: str) -> str:
    """Text compared for exclusion: NFKC, lower case, runs of white space as one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(text)).lower()).strip()


def unit_doc_key(unit_id: str) -> str:
    """The post or document a coded unit comes from: its id before ``#``
    (``reddit/BreakUps.csv:14wkm0#0000`` -> ``reddit/BreakUps.csv:14wkm0``; a seed unit
    ``seeds/000_x.txt#0003`` -> ``seeds/000_x.txt``)."""
    return str(unit_id).split("#", 1)[0]


def segment_doc_key(path: str, url: str | None) -> str:
    """The same key for a corpus segment: ``<source file>:<post id>`` for a Reddit post (the id
    read from its URL), else the source file."""
    match = _REDDIT_POST.search(str(url or ""))
    return f"{path}:{match.group(1)}" if match else str(path)


def _shingles(text: str, n: int = SHINGLE_WORDS) -> set[str]:
    """Runs of ``n`` words of the normalised text (the whole text when it is shorter)."""
    words = normalise_text(text).split()
    if len(words) <= n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def _overlapping(segments: list[str], units: list[str], share: float) -> np.ndarray:
    """Per segment: whether it shares at least ``share`` of its own word shingles with the
    coded units together, or holds at least ``share`` of one unit's shingles."""
    from collections import Counter, defaultdict

    seg_sh = [_shingles(t) for t in segments]
    index: dict[str, list[int]] = defaultdict(list)
    for i, sh in enumerate(seg_sh):
        for g in sh:
            index[g].append(i)
    out = np.zeros(len(segments), dtype=bool)
    every: set[str] = set()
    for text in units:
        sh = _shingles(text)
        every |= sh
        if not sh:
            continue
        hits = Counter(i for g in sh for i in index.get(g, ()))
        for i, k in hits.items():
            if k >= share * len(sh):
                out[i] = True
    for i, sh in enumerate(seg_sh):
        if sh and len(sh & every) >= share * len(sh):
            out[i] = True
    return out


def unlabelled_pool(segments: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The segments the teacher may label for the student.

    Parameters
    ----------
    segments
        Corpus segments with columns ``text`` and ``doc_key`` (:func:`segment_doc_key`).
    units
        Every coded unit, with ``unit_id``, ``text`` and ``split``.

    Returns
    -------
    pandas.DataFrame
        ``segments`` without

        (a) any segment whose normalised text is the normalised text of a unit in any split;
        (b) any segment of a post or document that a unit of any split comes from (a unit's
            id names its post; the held-out splits are what matters, but the corpus's
            pseudonymiser rewrites some words of a post, so its text can differ from the
            unit's and (a) alone would miss it);
        (c) any segment that shares at least :data:`OVERLAP_SHARE` of its 5-word shingles with
            the units, or holds that share of one unit's (a unit copied into another post);
        (d) repeats of a normalised text already kept, and empty texts;

        in the original order, with a new index.
    """
    coded = {normalise_text(t) for t in units["text"]}
    unit_docs = {unit_doc_key(u) for u in units["unit_id"]}
    norm = segments["text"].map(normalise_text)
    keep = ~norm.isin(coded) & ~segments["doc_key"].isin(unit_docs) & ~norm.duplicated()
    keep &= norm.str.len() > 0
    keep &= ~_overlapping(segments["text"].tolist(), units["text"].tolist(), OVERLAP_SHARE)
    return segments[keep.to_numpy()].reset_index(drop=True)


@lru_cache(maxsize=2)
def _corpus_segments(corpus_dir: str) -> pd.DataFrame:
    from discourse.config import PipelineConfig
    from discourse.pipeline import build_tables, ingest_corpus
    from discourse.privacy import Pseudonymiser

    cfg = PipelineConfig()
    cfg.privacy.salt = CORPUS_SALT
    ingested = ingest_corpus(Path(corpus_dir), cfg)
    docs, segments, _ = build_tables(ingested, cfg, Pseudonymiser(CORPUS_SALT, cfg.privacy))
    seg = segments.to_pandas()
    doc = docs.to_pandas()[["doc_id", "path", "url"]]
    seg = seg.merge(doc, on="doc_id", how="left")
    seg = seg[~seg["boilerplate"].astype(bool) & seg["duplicate_of"].isna()]
    seg["doc_key"] = [segment_doc_key(p, u) for p, u in zip(seg["path"], seg["url"])]
    return seg[["segment_id", "doc_key", "text"]].reset_index(drop=True)


def corpus_segments(corpus_dir: str | Path) -> pd.DataFrame:
    """Segments of a corpus folder (``segment_id``, ``doc_key``, ``text``), made as
    ``benchmarks/bench_labelers.py`` makes them (default configuration, salt
    :data:`CORPUS_SALT`), without boilerplate and exact duplicates; cached per process."""
    return _corpus_segments(str(Path(corpus_dir).resolve())).copy()


# -- teacher soft labels -----------------------------------------------------------------------
def teacher_probabilities(
    teacher: CombinedLabeler, texts: list[str]
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """The teacher's calibrated probabilities: stance classes, an ``n x k`` stance matrix (rows
    sum to 1) and each theme's probability of being present."""
    teacher._ensure_fitted()
    X, _ = teacher._features(texts)
    raw = teacher.stance_model_.proba(teacher._stance_features(X, texts))
    stance = apply_temperature(raw, teacher.stance_calibration_)
    themes = {t: teacher._theme_proba(t, X) for t in teacher._cb().theme_names}
    return list(teacher.stance_model_.classes), stance, themes


def soft_rows(
    proba: np.ndarray, classes: list[str], factor: float, floor: float = MIN_ROW_PROBABILITY
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Weighted rows for soft labels.

    Parameters
    ----------
    proba
        ``n x k`` class probabilities (rows summing to 1), one row per unlabelled unit.
    classes
        The ``k`` class names, in column order.
    factor
        Total weight of each unit's rows.
    floor
        Rows with a probability under ``floor`` are dropped; the unit's remaining rows are
        rescaled to sum to ``factor`` (its most likely class is always kept).

    Returns
    -------
    tuple
        ``(unit index per row, class per row, weight per row)``, units in order, classes in
        column order within a unit.
    """
    p = np.asarray(proba, dtype=np.float64)
    keep = p >= floor
    keep[np.arange(len(p)), p.argmax(axis=1)] = True
    kept = np.where(keep, p, 0.0)
    kept = kept / kept.sum(axis=1, keepdims=True) * factor
    unit, col = np.nonzero(keep)
    return unit, [classes[c] for c in col], kept[unit, col]


def _binary_proba(p: np.ndarray) -> np.ndarray:
    """A theme's probability as two columns, ``"0"`` then ``"1"``."""
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.column_stack([1 - p, p])


# -- weighted logistic regression with teacher rows --------------------------------------------
def _balanced(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row weights times balanced class weights computed on the weighted class totals."""
    classes, inv = np.unique(y, return_inverse=True)
    totals = np.bincount(inv, weights=w, minlength=len(classes))
    return w * (w.sum() / (len(classes) * totals))[inv]


def _fit_rows(X: Any, y: np.ndarray, w: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000)
    return model.fit(X, y, sample_weight=_balanced(y, w))


def _stack(A: Any, B: Any) -> Any:
    import scipy.sparse as sp

    if sp.issparse(A) or sp.issparse(B):
        return sp.vstack([sp.csr_matrix(A), sp.csr_matrix(B)], format="csr")
    return np.vstack([A, B])


def _fit_distilled(
    Xg: Any,
    yg: np.ndarray,
    wg: np.ndarray,
    Xt: Any,
    yt: np.ndarray,
    wt: np.ndarray,
    classes: list[str],
    seed: int,
    binary: bool,
) -> tuple[_Linear | _Constant, float, np.ndarray | None]:
    """Fit on coded rows ``(Xg, yg, wg)`` plus teacher rows ``(Xt, yt, wt)``.

    ``C`` is chosen by stratified cross-validation over the coded rows only (each fold's model
    is fitted on its coded training rows and every teacher row; F1 of a theme, macro-F1 of
    stance, on the held-out coded rows). Returns the final model, ``C`` and the chosen ``C``'s
    cross-validated probabilities of the coded rows (columns in ``classes`` order; ``None``
    when a class has fewer than 2 coded rows).
    """
    from sklearn.metrics import f1_score

    seen = sorted(set(yg) | set(yt))
    if len(seen) < 2:
        return _Constant(classes, seen[0]), float("nan"), None
    counts = pd.Series(yg).value_counts()
    folds = int(min(5, counts.min())) if len(counts) == len(classes) else 0
    best_c, best_p = 1.0, None
    if folds >= 2:
        splits = _cv_splits(yg, folds, seed)
        best = -1.0
        for c in _C_GRID:
            p = np.zeros((len(yg), len(classes)))
            for tr, te in splits:
                model = _fit_rows(
                    _stack(Xg[tr], Xt),
                    np.concatenate([yg[tr], yt]),
                    np.concatenate([wg[tr], wt]),
                    c,
                )
                cols = [list(model.classes_).index(k) for k in classes]
                p[te] = model.predict_proba(Xg[te])[:, cols]
            pred = np.array(classes)[p.argmax(axis=1)]
            score = float(
                f1_score(yg, pred, pos_label="1", zero_division=0)
                if binary
                else f1_score(yg, pred, average="macro", zero_division=0)
            )
            if score > best:
                best, best_c, best_p = score, c, p
    model = _fit_rows(_stack(Xg, Xt), np.concatenate([yg, yt]), np.concatenate([wg, wt]), best_c)
    fitted = _Linear.from_sklearn(model)
    if fitted.classes != [k for k in classes if k in seen]:
        raise InputError(f"distillation saw classes {fitted.classes}, expected {classes}")
    return fitted, best_c, best_p


def _checkout_dir(given: str | Path | None, default: str) -> Path:
    """``given``, else ``default`` inside the project checkout (not the working directory)."""
    if given is not None:
        return Path(given)
    from discourse.config import project_root

    root = project_root()
    if root is None:
        raise InputError(
            f"no project checkout to find {default} in (the package is installed without one); "
            "pass corpus_dir and annotations_dir to distil the student"
        )
    return root / default


# -- the labeler -------------------------------------------------------------------------------
@labelers.register(
    "student",
    version="1",
    description=(
        "combined's structure on static embeddings (minilm-static), ~100x faster; can be "
        "distilled from combined's soft labels on the unlabelled bundled corpus "
        "(teacher_weight; 0 by default, chosen on dev); rule evidence"
    ),
    needs_weights=True,
    uses_embeddings=True,
    embedding_backend=True,
    packaged_weights=True,
    transformer=False,
)
class StudentLabeler(CombinedLabeler):
    """``combined`` on static embeddings, trained on coded units plus teacher soft labels.

    Parameters
    ----------
    codebook, cache_dir, embedder, seed, weights, rule_weight, ngram_features, ngram_scale,
    real_weight
        As for :class:`~discourse.labels.supervised.CombinedLabeler`.
    embedding_backend
        The student's embeddings (default ``minilm-static``); the teacher always embeds with
        its own (MiniLM), through the same ``cache_dir``.
    teacher_weight
        Total weight of one teacher-labelled segment's rows relative to a coded unit (``None``:
        :attr:`default_teacher_weight`, chosen on the dev split by
        ``scripts/train_student.py``: 0). 0 trains on the coded units alone and never loads
        the teacher or reads the corpus.
    teacher_weights
        The teacher's weights file (``None``: ``combined``'s packaged weights).
    teacher
        A fitted teacher object instead (tests); overrides ``teacher_weights``.
    corpus_dir
        The corpus whose segments form the unlabelled pool (default: ``data/raw`` of the
        checkout the package is installed from, whatever the working directory).
    annotations_dir
        The coded units excluded from the pool (default: the checkout's ``data/annotations``).
    unlabelled
        The unlabelled pool itself, a frame with ``text`` (and optionally ``doc_key``) instead
        of ``corpus_dir`` (tests); it is filtered by :func:`unlabelled_pool` all the same.
    units
        The coded units to exclude (``unit_id``, ``text``, ``split``) instead of reading
        ``annotations_dir`` (tests).
    """

    default_embedding_backend = "minilm-static"
    #: chosen on dev by scripts/train_student.py among 0, 0.5 and 1 (docs/student_labeler.md):
    #: teacher rows lowered dev stance macro-F1 (0.836 at 0, 0.829 at 0.5, 0.819 at 1), so by
    #: default the student learns from the coded units only; pass ``teacher_weight`` to distil
    default_teacher_weight = 0.0

    def __init__(
        self,
        codebook: Codebook | None = None,
        cache_dir: str | Path | None = None,
        embedder: EmbeddingCache | None = None,
        seed: int = 13,
        weights: str | Path | None = None,
        embedding_backend: str = "minilm",
        rule_weight: float = 3.0,
        ngram_features: int | None = None,
        ngram_scale: float = 2.0,
        real_weight: float | None = None,
        teacher_weight: float | None = None,
        teacher_weights: str | Path | None = None,
        teacher: CombinedLabeler | None = None,
        corpus_dir: str | Path | None = None,
        annotations_dir: str | Path | None = None,
        unlabelled: pd.DataFrame | None = None,
        units: pd.DataFrame | None = None,
    ) -> None:
        # "minilm" is the registry-wide default that build_labeler leaves out: the student's
        # own default is the static model (another backend can still be asked for)
        if embedding_backend == "minilm":
            embedding_backend = self.default_embedding_backend
        super().__init__(
            codebook=codebook,
            cache_dir=cache_dir,
            embedder=embedder,
            seed=seed,
            weights=weights,
            embedding_backend=embedding_backend,
            rule_weight=rule_weight,
            ngram_features=ngram_features,
            ngram_scale=ngram_scale,
            real_weight=real_weight,
        )
        self.teacher_weight = teacher_weight
        self.teacher_weights = teacher_weights
        self.teacher = teacher
        self.corpus_dir = corpus_dir
        self.annotations_dir = annotations_dir
        self.unlabelled = unlabelled
        self.units = units

    # -- the distillation data ---------------------------------------------------------------
    def _teacher(self) -> CombinedLabeler:
        if self.teacher is not None:
            return self.teacher
        from discourse.labels.stage import packaged_weights

        path = self.teacher_weights or packaged_weights("combined")
        if path is None:
            raise InputError("the student needs the teacher's weights: none are packaged")
        self.teacher = CombinedLabeler(
            codebook=self._cb(), cache_dir=self.cache_dir, weights=path, seed=self.seed
        )
        return self.teacher

    def _coded_units(self) -> pd.DataFrame:
        if self.units is not None:
            return self.units
        from discourse.annotations import load_annotations

        ann = load_annotations(_checkout_dir(self.annotations_dir, "data/annotations"), self._cb())
        units = ann.units[["unit_id", "text"]].copy()
        if ann.splits is not None:
            units = units.merge(ann.splits[["unit_id", "split"]], on="unit_id", how="left")
        else:
            units["split"] = None
        return units

    def pool(self) -> pd.DataFrame:
        """The unlabelled segments the teacher labels (:func:`unlabelled_pool`), English and
        non-empty only (the texts :meth:`predict` would label)."""
        if self.unlabelled is not None:
            segments = self.unlabelled.copy()
            if "doc_key" not in segments.columns:
                segments["doc_key"] = ""
        else:
            segments = corpus_segments(_checkout_dir(self.corpus_dir, "data/raw"))
        pool = unlabelled_pool(segments, self._coded_units())
        english = [bool(t.strip()) and detect_language(t) == "en" for t in pool["text"]]
        return pool[english].reset_index(drop=True)

    def _teacher_fingerprint(self) -> str | None:
        path = self.teacher_weights
        if path is None and self.teacher is None:
            from discourse.labels.stage import packaged_weights

            path = packaged_weights("combined")
        if path is None:
            return None
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    # -- fit ---------------------------------------------------------------------------------
    def fit(self, texts: Any, gold: pd.DataFrame) -> StudentLabeler:
        """Fit on the coded ``texts`` / ``gold`` plus the teacher's soft labels on the pool.

        Parameters
        ----------
        texts
            The coded units' texts.
        gold
            Their labels (``stance``, one 0/1 column per theme, optionally ``sampling``).

        Returns
        -------
        StudentLabeler
            ``self``, fitted.
        """
        cb = self._cb()
        self.codebook_ = cb
        texts = list(texts)
        factor = self.teacher_weight
        factor = self.default_teacher_weight if factor is None else float(factor)
        if not np.isfinite(factor) or factor < 0:
            raise ValueError(f"teacher_weight must be a number >= 0, got {factor!r}")
        self.teacher_weight_ = factor
        self.rule_weight_ = float(self.rule_weight)
        wg = self._sample_weights(gold)
        wg = np.ones(len(texts)) if wg is None else np.asarray(wg, dtype=np.float64)

        pool_texts = self.pool()["text"].tolist() if factor > 0 else []
        self.pool_size_ = len(pool_texts)
        self.teacher_sha256_ = self._teacher_fingerprint() if pool_texts else None
        if pool_texts:
            t_classes, t_stance, t_themes = teacher_probabilities(self._teacher(), pool_texts)
        else:
            t_classes, t_stance, t_themes = [], np.zeros((0, 0)), {}

        Xg, _ = self._features(texts)
        Xp, _ = self._features(pool_texts) if pool_texts else (np.zeros((0, Xg.shape[1])), None)
        # the n-gram vocabulary is the coded units' (as the teacher's): the pool's long posts
        # would otherwise push the stance n-grams out of the 2,000 kept
        self._fit_ngrams(texts)
        Xgs = self._stance_features(Xg, texts)
        Xps = self._stance_features(Xp, pool_texts) if pool_texts else Xgs[:0]

        # stance
        yg = gold["stance"].astype(str).to_numpy()
        classes = sorted(set(yg) | set(t_classes))
        if pool_texts:
            proba = np.zeros((len(pool_texts), len(classes)))
            for j, k in enumerate(t_classes):
                proba[:, classes.index(k)] = t_stance[:, j]
            unit, yt, wt = soft_rows(proba, classes, factor)
        else:
            unit, yt, wt = np.zeros(0, dtype=int), [], np.zeros(0)
        self.stance_rows_ = len(unit)
        self.stance_model_, self.stance_c_, p = _fit_distilled(
            Xgs, yg, wg, Xps[unit], np.array(yt, dtype=object), wt, classes, self.seed, False
        )
        report: dict[str, Any] = {"stance": self._calibrate_stance_cv(p, yg, wg)}

        # themes
        self.theme_models_: dict[str, Any] = {}
        self.theme_thresholds_: dict[str, float] = {}
        self.theme_calibration_: dict[str, dict[str, float]] = {}
        report["themes"] = {}
        for theme in cb.theme_names:
            yth = gold[theme].astype(int).astype(str).to_numpy()
            if pool_texts:
                unit, yt, wt = soft_rows(_binary_proba(t_themes[theme]), ["0", "1"], factor)
            else:
                unit, yt, wt = np.zeros(0, dtype=int), [], np.zeros(0)
            model, c, p = _fit_distilled(
                Xg, yth, wg, Xp[unit], np.array(yt, dtype=object), wt, ["0", "1"], self.seed, True
            )
            self.theme_models_[theme] = model
            report["themes"][theme] = self._calibrate_theme_cv(theme, p, yth.astype(int), c, wg)
        report["distillation"] = {
            "teacher_weight": factor,
            "pool_segments": self.pool_size_,
            "stance_rows": self.stance_rows_,
        }
        self.calibration_report_ = report
        return self

    def _calibrate_stance_cv(
        self, p: np.ndarray | None, y: np.ndarray, weight: np.ndarray
    ) -> dict[str, Any]:
        """Temperature scaling and decision rule from cross-validated probabilities ``p`` of the
        coded units (as :meth:`CombinedLabeler._calibrate_stance`, without refitting)."""
        info = self._stance_calibration_from_cv(p, y, weight)
        return info if p is None else {**info, "C": self.stance_c_}

    def _calibrate_theme_cv(
        self, theme: str, p: np.ndarray | None, y: np.ndarray, c: float, weight: np.ndarray
    ) -> dict[str, Any]:
        """Platt scaling and threshold of a theme from cross-validated probabilities ``p``."""
        info = self._theme_calibration_from_cv(theme, p, y, weight)
        return info if p is None else {**info, "C": c}

    # -- persistence -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Fitted state as JSON-serialisable data (``combined``'s, plus the distillation)."""
        data = super().to_dict()
        data["distillation"] = {
            "teacher": "combined",
            "teacher_weights_sha256": getattr(self, "teacher_sha256_", None),
            "teacher_weight": getattr(self, "teacher_weight_", None),
            "pool_segments": getattr(self, "pool_size_", None),
            "stance_rows": getattr(self, "stance_rows_", None),
            "min_row_probability": MIN_ROW_PROBABILITY,
            "corpus_salt": CORPUS_SALT,
        }
        return data

    def _load(self, path: str | Path) -> None:
        super()._load(path)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.real_weight_ = data.get("real_weight")
        saved = data.get("distillation") or {}
        self.teacher_weight_ = saved.get("teacher_weight")
        self.teacher_sha256_ = saved.get("teacher_weights_sha256")
        self.pool_size_ = saved.get("pool_segments")
        self.stance_rows_ = saved.get("stance_rows")
