"""Rules labeler: the codebook's patterns as spaCy matchers over lemmas, with negation scope.

Texts are tokenised with ``spacy.blank("en")`` and lemmatised with spaCy's lookup lemmatizer
(tables from ``spacy-lookups-data``): no tagger or parser is needed (about 35-50k words/s on one
core here; ``benchmarks/bench_stages.py`` measures it). Patterns are compiled through the same
pipeline, so a pattern written as "misses" matches every form of "miss".

Negation and purpose: a stance match is discarded when a negation cue stands before it in the
same clause, within ``negation_window`` tokens, or inside it ("no contact is *not to get your ex
back*", "nor to get your ex back", "stop trying to make him miss you"); "no" only counts when it
is not the "no" of "no contact". Purpose constructions are patterns themselves ("so he misses
you", "to get her back"). Matches inside questions count ``question_weight`` of their weight
(asking whether no contact will make him miss you is not advising it).

Scores: a label's score is ``1 - exp(-sum of weights)`` over its non-negated matches. Stance:
a ``precedence`` label (autonomy-first in the default codebook, decision rule 1) wins when its
score reaches ``precedence_threshold``; otherwise the best-scoring label at or above
``stance_threshold`` wins (rules 2-3); otherwise the default ("none", rule 4). ``fit`` tunes the
thresholds on hand-coded data; ``save`` / ``weights=`` keep them.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.codebook import Codebook, LabelSpec
from discourse.labels.base import BaseLabeler, evidence_json, labelers
from discourse.segment.sentences import sentence_spans

__all__ = ["Match", "RuleLabeler", "compile_pattern", "evidence_spans"]

_NEGATION_LEMMAS = frozenset(
    {"not", "never", "nor", "neither", "without", "stop", "quit", "avoid", "instead"}
)
_CLAUSE_BREAK = frozenset(
    {".", ";", ":", "!", "?", ",", "but", "however", "though", "although", "--", "—"}
)
_CHUNK_CHARS = 100_000


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def _lemma(token: Any) -> str:
    return (token.lemma_ or token.text).lower()


def _tokens(text: str) -> list[tuple[str, str]]:
    """(lower form, lower lemma) per token of a pattern fragment."""
    return [(t.lower_, _lemma(t)) for t in _nlp()(text)]


def compile_pattern(pattern: str, macros: dict[str, list[str]]) -> list[list[dict[str, Any]]]:
    """Compile the codebook's pattern syntax into spaCy Matcher patterns.

    Each space-separated item is a slot; ``a|b`` alternatives that the tokenizer splits into
    several tokens ("self-worth", "no contact") become multi-token alternatives, and the slots'
    alternatives are expanded into separate patterns.
    """
    slots: list[list[list[dict[str, Any]]]] = []
    for item in pattern.split():
        optional = item.endswith("?") and item != "?"
        if optional:
            item = item[:-1]
        if re.fullmatch(r"\*\d*", item):
            n = int(item[1:] or 1)
            slots.extend([[[{"OP": "?"}]]] * n)
            continue
        raw_alts: list[str] = []
        for alt in item.split("|"):
            if alt.startswith("@"):
                name = alt[1:]
                if name not in macros:
                    raise ValueError(f"unknown macro @{name} in pattern {pattern!r}")
                raw_alts.extend(macros[name])
            else:
                raw_alts.append(alt)
        single: list[dict[str, Any]] = []
        multi: list[list[dict[str, Any]]] = []
        for alt in raw_alts:
            exact = alt.startswith("=")
            toks = _tokens(alt[1:] if exact else alt)
            specs = [{"LOWER": low} if exact else {"LEMMA": lem} for low, lem in toks]
            if len(specs) == 1:
                single.append(specs[0])
            elif specs:
                multi.append(specs)
        alternatives: list[list[dict[str, Any]]] = []
        singles: list[list[dict[str, Any]]] = []
        lemmas = sorted({s["LEMMA"] for s in single if "LEMMA" in s})
        lowers = sorted({s["LOWER"] for s in single if "LOWER" in s})
        if lemmas:
            singles.append([{"LEMMA": {"IN": lemmas}}])
        if lowers:
            singles.append([{"LOWER": {"IN": lowers}}])
        # Multi-token alternatives of one length share one sequence of IN-sets ("your ex",
        # "my partner" -> {your, my} {ex, partner}): far fewer patterns for the matcher, at the
        # price of harmless cross-combinations.
        by_len: dict[int, list[list[dict[str, Any]]]] = defaultdict(list)
        for specs in multi:
            by_len[len(specs)].append(specs)
        for length in sorted(by_len, reverse=True):
            merged = []
            for i in range(length):
                attr = "LEMMA" if all("LEMMA" in alt[i] for alt in by_len[length]) else None
                if attr:
                    merged.append(
                        {attr: {"IN": sorted({alt[i]["LEMMA"] for alt in by_len[length]})}}
                    )
                else:
                    merged = []
                    break
            if merged:
                alternatives.append(merged)
            else:
                alternatives.extend(by_len[length])
        # Longest alternatives first: the regex backend takes the first that fits.
        alternatives.sort(key=len, reverse=True)
        alternatives.extend(singles)
        if optional:
            alternatives = [
                [{**t, "OP": "?"} for t in alt] if len(alt) == 1 else alt for alt in alternatives
            ]
            if any(len(alt) > 1 for alt in alternatives):
                alternatives.append([])
        slots.append(alternatives)
    out = []
    for combo in itertools.product(*slots):
        toks = [t for part in combo for t in part]
        if toks and any(t.get("OP") != "?" for t in toks):
            out.append(toks)
    return out


@dataclass(frozen=True)
class Match:
    """One non-discarded rule match."""

    label: str
    rule: str
    start: int
    end: int
    text: str
    weight: float


@labelers.register(
    "rules", version="1", description="codebook patterns, spaCy matchers over lemmas"
)
class RuleLabeler(BaseLabeler):
    """Rules labeler over the codebook's patterns.

    Parameters
    ----------
    codebook
        Codebook (default: the packaged one).
    stance_threshold, precedence_threshold, theme_threshold
        Score thresholds (``fit`` tunes them when ``tune=True``).
    question_weight
        Factor for matches inside a question.
    negation_window
        How many tokens before a match are searched for a negation cue.
    tune
        Let ``fit`` tune the thresholds on the gold data.
    weights
        A JSON file written by :meth:`save` (tuned thresholds); used until ``fit`` is called.
    backend
        ``"regex"`` (default): the compiled Matcher patterns run as regular expressions over the
        lemma sequence, several times faster; ``"spacy"``: spaCy's own Matcher, the reference
        the tests compare the fast backend against.
    """

    name = "rules"
    version = "1"

    def __init__(
        self,
        codebook: Codebook | None = None,
        stance_threshold: float = 0.5,
        precedence_threshold: float = 0.5,
        theme_threshold: float = 0.5,
        question_weight: float = 0.5,
        negation_window: int = 5,
        tune: bool = True,
        backend: str = "regex",
        weights: str | Path | None = None,
    ) -> None:
        super().__init__(codebook)
        self.stance_threshold = stance_threshold
        self.precedence_threshold = precedence_threshold
        self.theme_threshold = theme_threshold
        self.question_weight = question_weight
        self.negation_window = negation_window
        self.tune = tune
        self.backend = backend
        self.weights = weights

    # -- compilation -----------------------------------------------------------------------------
    def _compiled(self) -> list[tuple[frozenset[str], Any, tuple[str, str, float, bool]]]:
        """One matcher per codebook pattern, with its anchors and (label, rule, weight, negatable).

        Anchors are the values of a pattern's most selective required token: a text that holds
        none of them cannot match, and its matcher is skipped.
        """
        cached = getattr(self, "_matcher_cache", None)
        cb = self._cb()
        if cached is not None and cached[0] is cb and cached[1] == self.backend:
            return cached[2]
        compiled = []

        def add(spec: LabelSpec, is_theme: bool) -> None:
            for p in spec.patterns:
                key = f"{spec.name}::{p.id}"
                negatable = (not is_theme) if p.negatable is None else p.negatable
                patterns = compile_pattern(p.pattern, cb.macros)
                if not patterns:
                    raise ValueError(f"pattern {key} compiles to nothing: {p.pattern!r}")
                matcher = _make_matcher(key, patterns, self.backend)
                compiled.append(
                    (_anchors(patterns), matcher, (spec.name, p.id, p.weight, negatable))
                )

        for spec in cb.stance.labels:
            add(spec, False)
        for spec in cb.themes:
            add(spec, True)
        self._matcher_cache = (cb, self.backend, compiled)
        return compiled

    # -- matching ----------------------------------------------------------------------------
    def matches(self, text: str) -> list[Match]:
        """All rule matches in ``text`` that survive negation, with character offsets."""
        compiled = self._compiled()
        out: list[Match] = []
        for offset, chunk in _chunks(text):
            out.extend(self._matches_in(chunk, offset, compiled))
        return out

    def _matches_in(self, text: str, offset: int, compiled: list[Any]) -> list[Match]:
        doc = _nlp()(text)
        toks = _Tokens(doc)
        target = toks if self.backend == "regex" else _lowered_doc(doc, toks)
        raw = []
        for anchors, matcher, meta in compiled:
            if anchors and anchors.isdisjoint(toks.words):
                continue
            raw.extend((meta, start, end) for start, end in matcher(target))
        if not raw:
            return []
        questions = [(s, e) for s, e in sentence_spans(text) if text[s:e].rstrip().endswith("?")]
        found: dict[tuple[str, int], Match] = {}
        for (label, rule, weight, negatable), start, end in raw:
            if negatable and self._negated(toks, start, end):
                continue
            cs, ce = toks.idx[start], toks.idx[end - 1] + len(toks.text[end - 1])
            if any(qs <= cs < qe for qs, qe in questions):
                weight *= self.question_weight
            m = Match(label, rule, cs + offset, ce + offset, text[cs:ce], weight)
            # One match per label and start token: keep the longest.
            k = (label, start)
            if k not in found or (found[k].end - found[k].start) < (m.end - m.start):
                found[k] = m
        return sorted(found.values(), key=lambda m: (m.start, m.label, m.rule))

    def _negated(self, toks: _Tokens, start: int, end: int) -> bool:
        """A negation cue in the clause before the match, or inside it ("no contact is *not*
        a way to get him back"); the "no" of "no contact" does not count."""
        lo = max(toks.clause[start], start - self.negation_window)
        for i in [*range(start - 1, lo - 1, -1), *range(start, end)]:
            lem, low = toks.lemma[i], toks.lower[i]
            if lem in _NEGATION_LEMMAS or low in ("n't", "not"):
                return True
            nxt = toks.lower[i + 1] if i + 1 < len(toks.lower) else ""
            if low == "no" and nxt not in ("contact", "-", "more"):
                return True
        return False

    # -- scoring ---------------------------------------------------------------------------------
    def scores(self, matches: list[Match]) -> dict[str, float]:
        """Score per label, ``1 - exp(-sum of weights)`` of its matches."""
        sums: dict[str, float] = defaultdict(float)
        for m in matches:
            sums[m.label] += m.weight
        return {label: 1.0 - math.exp(-s) for label, s in sums.items()}

    def _decide(self, scores: dict[str, float], matches: list[Match]) -> tuple[str, float]:
        cb = self._cb()
        thr = self._thresholds()
        for label in cb.stance.precedence:
            if scores.get(label, 0.0) >= thr["precedence"]:
                return label, scores[label]
        candidates = [
            (
                scores.get(s.name, 0.0),
                max((m.end for m in matches if m.label == s.name), default=0),
                s.name,
            )
            for s in cb.stance.labels
            if s.name not in cb.stance.precedence and scores.get(s.name, 0.0) >= thr["stance"]
        ]
        if candidates:
            score, _, label = max(candidates)
            return label, score
        best = max((scores.get(s.name, 0.0) for s in cb.stance.labels), default=0.0)
        return cb.stance.default, 1.0 - best

    def _thresholds(self) -> dict[str, float]:
        """Fitted thresholds, else those saved in ``weights``, else the constructor's."""
        if not hasattr(self, "thresholds_") and self.weights is not None:
            self._load(self.weights)
        return self.thresholds_ if hasattr(self, "thresholds_") else self._default_thresholds()

    def save(self, path: str | Path) -> None:
        """Write the tuned thresholds as JSON (atomically)."""
        from discourse.io_utils import write_json

        cb = self._cb()
        write_json(
            {
                "labeler": self.name,
                "version": self.version,
                "thresholds": self._thresholds(),
                "codebook": {"name": cb.meta.name, "version": cb.meta.version},
            },
            Path(path),
        )

    def _load(self, path: str | Path) -> None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        cb = self._cb()
        if data.get("labeler") != self.name:
            raise ValueError(f"{path} holds weights for {data.get('labeler')!r}, not {self.name!r}")
        if data["codebook"]["name"] != cb.meta.name:
            raise ValueError(
                f"{path} was tuned for codebook {data['codebook']['name']!r}, not {cb.meta.name!r}"
            )
        self.codebook_ = cb
        self.thresholds_ = {k: float(v) for k, v in data["thresholds"].items()}

    def _default_thresholds(self) -> dict[str, float]:
        cb = self._cb()
        thr = {"stance": self.stance_threshold, "precedence": self.precedence_threshold}
        thr.update({t: self.theme_threshold for t in cb.theme_names})
        return thr

    def _row(self, text: str) -> dict[str, Any]:
        cb = self._cb()
        matches = self.matches(text)
        scores = self.scores(matches)
        stance, stance_score = self._decide(scores, matches)
        thr = self._thresholds()
        row: dict[str, Any] = {
            "stance": stance,
            "stance_score": stance_score,
            "stance_evidence": evidence_json(evidence_spans(matches, stance)),
        }
        for theme in cb.theme_names:
            s = scores.get(theme, 0.0)
            row[theme] = int(s >= thr[theme])
            row[f"{theme}_score"] = s
            row[f"{theme}_evidence"] = evidence_json(
                evidence_spans(matches, theme) if s > 0 else []
            )
        return row

    def _predict_valid(self, texts: list[str]) -> list[dict[str, Any]]:
        return [self._row(t) for t in texts]

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], gold: pd.DataFrame) -> RuleLabeler:
        """Tune thresholds on hand-coded data (grid search: stance macro-F1, F1 per theme)."""
        from sklearn.metrics import f1_score

        self.codebook_ = self._cb()
        cb = self.codebook_
        self.thresholds_ = self._default_thresholds()
        if not self.tune:
            return self
        all_matches = [self.matches(str(t)) for t in texts]
        all_scores = [self.scores(m) for m in all_matches]
        grid = np.round(np.arange(0.15, 0.96, 0.05), 2)
        y = gold["stance"].astype(str).tolist()
        best = (-1.0, self.thresholds_["stance"], self.thresholds_["precedence"])
        for ts in grid:
            for tp in grid:
                self.thresholds_.update(stance=float(ts), precedence=float(tp))
                pred = [self._decide(s, m)[0] for s, m in zip(all_scores, all_matches)]
                f1 = f1_score(y, pred, labels=cb.stance_labels, average="macro", zero_division=0)
                if f1 > best[0] + 1e-12:
                    best = (f1, float(ts), float(tp))
        self.thresholds_.update(stance=best[1], precedence=best[2])
        for theme in cb.theme_names:
            yt = gold[theme].astype(int).to_numpy()
            scores = np.array([s.get(theme, 0.0) for s in all_scores])
            f1s = [
                (f1_score(yt, (scores >= t).astype(int), zero_division=0), -abs(t - 0.5), float(t))
                for t in grid
            ]
            self.thresholds_[theme] = max(f1s)[2]
        return self

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (scikit-learn style)."""
        return {
            "stance_threshold": self.stance_threshold,
            "precedence_threshold": self.precedence_threshold,
            "theme_threshold": self.theme_threshold,
            "question_weight": self.question_weight,
            "negation_window": self.negation_window,
            "tune": self.tune,
            "backend": self.backend,
            "weights": self.weights,
        }


_SAFE = str.maketrans({" ": "_", "/": "_", "\n": "_", "\t": "_", "\r": "_"})


class _Tokens:
    """A Doc's tokens as plain lists (one pass over the Doc), plus the string
    "lemma/lower lemma/lower ..." the regular-expression backend matches against."""

    __slots__ = ("clause", "encoded", "idx", "lemma", "lower", "starts", "text", "words")

    def __init__(self, doc: Any) -> None:
        self.text = [t.text for t in doc]
        self.idx = [t.idx for t in doc]
        self.lower = [t.lower() for t in self.text]
        self.lemma = [(t.lemma_ or t.text).lower() for t in doc]
        self.words = set(self.lemma) | set(self.lower)
        pieces = [
            f"{(lem or '_').translate(_SAFE)}/{(low or '_').translate(_SAFE)} "
            for lem, low in zip(self.lemma, self.lower)
        ]
        starts, pos = [], 0
        for piece in pieces:
            starts.append(pos)
            pos += len(piece)
        starts.append(pos)
        self.encoded = "".join(pieces)
        self.starts = starts
        clause, current = [], 0
        for i, low in enumerate(self.lower):
            clause.append(current)
            if low in _CLAUSE_BREAK or "\n" in low:
                current = i + 1
        self.clause = clause


def _lowered_doc(doc: Any, toks: _Tokens) -> Any:
    """The Doc with lower-cased lemmas, for the spaCy Matcher backend."""
    for tok, lem in zip(doc, toks.lemma):
        tok.lemma_ = lem
    return doc


def _anchors(patterns: list[list[dict[str, Any]]]) -> frozenset[str]:
    """Words one of which must occur for any of ``patterns`` to match (empty: no filter)."""
    out: set[str] = set()
    for pattern in patterns:
        best: set[str] | None = None
        for tok in pattern:
            if tok.get("OP") in ("?", "*"):
                continue
            for attr in ("LEMMA", "LOWER"):
                val = tok.get(attr)
                if val is None:
                    continue
                values = set(val["IN"]) if isinstance(val, dict) else {val}
                if best is None or len(values) < len(best):
                    best = values
        if best is None:
            return frozenset()
        out |= best
    return frozenset(out)


def _token_regex(tok: dict[str, Any]) -> str:
    if set(tok) <= {"OP"}:
        body = r"[^ ]+ "
    else:
        attr = "LEMMA" if "LEMMA" in tok else "LOWER"
        val = tok[attr]
        values = val["IN"] if isinstance(val, dict) else [val]
        alts = "|".join(
            re.escape((v or "_").translate(_SAFE)) for v in sorted(values, key=len, reverse=True)
        )
        body = rf"(?:{alts})/[^ ]* " if attr == "LEMMA" else rf"[^ /]*/(?:{alts}) "
    return f"(?:{body})?" if tok.get("OP") == "?" else body


def _make_matcher(key: str, patterns: list[list[dict[str, Any]]], backend: str) -> Any:
    """A callable ``doc -> [(start, end), ...]`` token spans, for one codebook pattern."""
    if backend == "spacy":
        from spacy.matcher import Matcher

        matcher = Matcher(_nlp().vocab, validate=True)
        matcher.add(key, patterns)
        return lambda doc: [(s, e) for _, s, e in matcher(doc)]
    if backend != "regex":
        raise ValueError(f"unknown matcher backend {backend!r}; valid: regex, spacy")
    body = "|".join("".join(_token_regex(t) for t in p) for p in patterns)
    rx = re.compile(rf"(?:^|(?<= ))(?=((?:{body})))")

    def match(enc: _Tokens) -> list[tuple[int, int]]:
        out = []
        for m in rx.finditer(enc.encoded):
            if not m.group(1):
                continue
            start = bisect.bisect_left(enc.starts, m.start(1))
            end = bisect.bisect_left(enc.starts, m.end(1))
            out.append((start, end))
        return out

    return match


def evidence_spans(matches: list[Match], label: str) -> list[dict[str, Any]]:
    """The evidence entries (character spans and rule) of ``label``'s matches."""
    return [
        {"start": m.start, "end": m.end, "text": m.text, "rule": f"{m.label}.{m.rule}"}
        for m in matches
        if m.label == label
    ]


def _chunks(text: str) -> list[tuple[int, str]]:
    """Split very long text at whitespace into pieces of about ``_CHUNK_CHARS`` characters."""
    if len(text) <= _CHUNK_CHARS:
        return [(0, text)]
    out = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + _CHUNK_CHARS)
        if end < len(text):
            ws = text.rfind(" ", pos + _CHUNK_CHARS // 2, end)
            end = ws if ws > pos else end
        out.append((pos, text[pos:end]))
        pos = end
    return out
