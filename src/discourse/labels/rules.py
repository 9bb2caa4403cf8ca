"""Rules labeler: the codebook's patterns as spaCy matchers over lemmas, with negation scope.

Texts are tokenised with ``spacy.blank("en")`` and lemmatised with spaCy's lookup lemmatizer
(tables from ``spacy-lookups-data``): no tagger or parser is needed. Patterns are compiled
through the same pipeline, so a pattern written as "misses" matches every form of "miss".

Speed (``benchmarks/bench_rules.py``): the regex backend runs spaCy's tokenizer only and reads
the tokens as arrays; the lemmatizer's lookup is cached per word type instead of being applied
to every token, and each pattern's regular expression is tried only at the tokens within its
length before one of its anchor words, not at every token. Both give exactly what the full
pipeline and a scan from every token give; ``tests/labels/test_rules_speed_equivalence.py``
checks this against the spaCy Matcher backend.

Negation and purpose: a stance match is discarded when a negation cue stands before it in the
same clause, within ``negation_window`` tokens, or inside it ("no contact is *not to get your ex
back*", "nor to get your ex back", "stop trying to make him miss you"); "no" only counts when it
is not the "no" of "no contact". Purpose constructions are patterns themselves ("so he misses
you", "to get her back"). Matches inside questions count ``question_weight`` of their weight
(asking whether no contact will make him miss you is not advising it).

Rejected options (codebook boundary case: "a rejected or negated option is not the unit's
stance"): a negatable pattern's match is also discarded inside an option the unit rejects
("letting go too early *only leaves you with* regret", "it never worked *to* get him back",
"people tell you to ..., *but* ...") or only questions ("Does no contact *really* ...?"), and
any match is discarded when it is a spurious collocation ("no contact moving forward", "leaves
you with regret", "leave him alone"); see :class:`_Scopes` and :func:`_spurious`. So a span is
evidence only where the unit puts the option forward, and the evidence of a predicted label is
the set of such spans that gave its score.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from discourse.codebook import Codebook, LabelSpec, check_pattern
from discourse.errors import ConfigError, InputError
from discourse.labels.base import (
    BaseLabeler,
    check_codebook_version,
    evidence_json,
    labelers,
    load_weights,
)
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

    Each space-separated item is a slot; ``a|b`` alternatives of several words are written with
    ``_`` between the words ("upper_hand|leverage"), and alternatives that the tokenizer splits
    ("self-worth", "you'll") are several tokens too. Multi-token alternatives are matched as
    sequences, and the slots' alternatives are expanded into separate patterns.

    Raises
    ------
    ValueError
        If the pattern breaks the syntax (:func:`discourse.codebook.check_pattern`); a loaded
        codebook's patterns have been checked already.
    """
    problems = check_pattern(pattern, macros)
    if problems:
        raise ValueError(f"bad pattern {pattern!r}: {'; '.join(problems)}")
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
            # "_" joins the words of a several-word alternative ("upper_hand"), where a space
            # would start a new slot; an exact form ("=24_7") keeps it as written.
            toks = _tokens(alt[1:] if exact else alt.replace("_", " "))
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
    "rules",
    version="2",
    description="codebook patterns, spaCy matchers over lemmas",
    needs_weights=False,
    uses_embeddings=False,
    embedding_backend=False,
    packaged_weights=True,
    transformer=False,
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
    def _compiled(self) -> list[tuple[frozenset[str], _Anchored | None, Any, _Meta]]:
        """One matcher per codebook pattern, with its anchors and (label, rule, weight, negatable).

        Anchors are the values of a pattern's most selective required token: a text that holds
        none of them cannot match, and its matcher is skipped. With the regex backend the
        anchors also say where a match can start (see :class:`_Anchored`).
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
                try:
                    patterns = compile_pattern(p.pattern, cb.macros)
                except ValueError as exc:
                    raise ConfigError(f"pattern {spec.name}.{p.id}: {exc}") from None
                if not patterns:
                    raise ConfigError(
                        f"pattern {spec.name}.{p.id} compiles to nothing: {p.pattern!r}"
                    )
                matcher = _make_matcher(key, patterns, self.backend)
                anchors = _anchors(patterns)
                anchored = _Anchored.build(patterns) if self.backend == "regex" else None
                compiled.append(
                    (anchors, anchored, matcher, (spec.name, p.id, p.weight, negatable))
                )

        for spec in cb.stance.labels:
            add(spec, False)
        for spec in cb.themes:
            add(spec, True)
        self._matcher_cache = (cb, self.backend, compiled, _AnchorIndex(compiled))
        return compiled

    def _anchor_index(self) -> _AnchorIndex:
        """The regex backend's patterns by anchor word (see :class:`_Anchored`)."""
        self._compiled()
        return self._matcher_cache[3]

    # -- matching ----------------------------------------------------------------------------
    def matches(self, text: str) -> list[Match]:
        """All rule matches in ``text`` that survive negation, with character offsets."""
        compiled = self._compiled()
        out: list[Match] = []
        for offset, chunk in _chunks(text):
            out.extend(self._matches_in(chunk, offset, compiled))
        return out

    def _matches_in(self, text: str, offset: int, compiled: list[Any]) -> list[Match]:
        toks, raw = self._raw_matches(text, compiled)
        if not raw:
            return []
        questions = (
            [(s, e) for s, e in sentence_spans(text) if text[s:e].rstrip().endswith("?")]
            if "?" in text
            else []
        )
        scopes = _Scopes(toks, questions)
        found: dict[tuple[str, int], Match] = {}
        for (label, rule, weight, negatable), start, end in raw:
            if negatable and (self._negated(toks, start, end) or scopes.rejected(start, end)):
                continue
            if _spurious(toks, start, end):
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

    def _raw_matches(
        self, text: str, compiled: list[Any]
    ) -> tuple[_Tokens, list[tuple[_Meta, int, int]]]:
        """The tokens of ``text`` and every pattern's token spans in it, in codebook order,
        before negation and de-duplication."""
        raw: list[tuple[_Meta, int, int]] = []
        if self.backend == "regex":
            toks = _text_tokens(text)
            words = toks.words
            index = self._anchor_index()
            positions = toks.positions(index.vocab)
            # Only the patterns one of whose anchor words occurs can match, in codebook order.
            for k in index.candidates(positions):
                anchors, anchored, matcher, meta = compiled[k]
                if anchors and anchors.isdisjoint(words):
                    continue
                starts = range(len(toks.text)) if anchored is None else anchored.starts(positions)
                raw.extend((meta, start, end) for start, end in matcher(toks, starts))
            return toks, raw
        doc = _nlp()(text)
        toks = _Tokens.from_doc(doc)
        target = _lowered_doc(doc, toks)
        for anchors, _, matcher, meta in compiled:
            if anchors and anchors.isdisjoint(toks.words):
                continue
            raw.extend((meta, start, end) for start, end in matcher(target))
        return toks, raw

    def _negated(self, toks: _Tokens, start: int, end: int) -> bool:
        """A negation cue in the clause before the match, or inside it ("no contact is *not*
        a way to get him back"); the "no" of "no contact" does not count."""
        lo = max(toks.clause_start(start), start - self.negation_window)
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
            load_weights(self._load, self.weights)
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
            raise InputError(f"{path} holds weights for {data.get('labeler')!r}, not {self.name!r}")
        if data["codebook"]["name"] != cb.meta.name:
            raise InputError(
                f"{path} was tuned for codebook {data['codebook']['name']!r}, not {cb.meta.name!r}"
            )
        check_codebook_version(data["codebook"], cb, path)
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

#: (label, rule, weight, negatable) of one codebook pattern.
_Meta = tuple[str, str, float, bool]


def _piece(lemma: str, lower: str) -> str:
    """A token in the regex backend's encoded text: "lemma/lower " with separators replaced."""
    return f"{(lemma or '_').translate(_SAFE)}/{(lower or '_').translate(_SAFE)} "


def _is_break(lower: str) -> bool:
    return lower in _CLAUSE_BREAK or "\n" in lower


class _Tokens:
    """A text's tokens as plain sequences, plus the string "lemma/lower lemma/lower ..." the
    regular-expression backend matches against (``starts``: where each token begins in it)."""

    __slots__ = (
        "breaks",
        "encoded",
        "idx",
        "lemma",
        "lower",
        "starts",
        "text",
        "tlemma",
        "tlower",
        "words",
    )

    text: Sequence[str]
    idx: Sequence[int]
    lower: Sequence[str]
    lemma: Sequence[str]
    tlemma: Sequence[str]
    tlower: Sequence[str]
    words: set[str]
    encoded: str
    starts: list[int]
    breaks: list[int]

    @classmethod
    def from_doc(cls, doc: Any) -> _Tokens:
        """From a Doc that went through the whole pipeline, one Token at a time (the reference
        the fast path is compared against, and the spaCy backend's input)."""
        self = cls()
        self.text = [t.text for t in doc]
        self.idx = [t.idx for t in doc]
        self.lower = [t.lower() for t in self.text]
        self.lemma = [(t.lemma_ or t.text).lower() for t in doc]
        self.tlemma = [(lem or "_").translate(_SAFE) for lem in self.lemma]
        self.tlower = [(low or "_").translate(_SAFE) for low in self.lower]
        self.words = set(self.lemma) | set(self.lower)
        pieces = [_piece(lem, low) for lem, low in zip(self.lemma, self.lower)]
        starts, pos = [], 0
        for piece in pieces:
            starts.append(pos)
            pos += len(piece)
        starts.append(pos)
        self.encoded = "".join(pieces)
        self.starts = starts
        self.breaks = [i for i, low in enumerate(self.lower) if _is_break(low)]
        return self

    def clause_start(self, i: int) -> int:
        """The first token of token ``i``'s clause (the token after the last break before it)."""
        k = bisect.bisect_left(self.breaks, i)
        return self.breaks[k - 1] + 1 if k else 0

    def positions(self, vocab: frozenset[str]) -> dict[str, list[int]]:
        """Token positions of each word of ``vocab`` (encoded lemma or lower form) in the text."""
        out: dict[str, list[int]] = {}
        for forms in (self.tlemma, self.tlower):
            for i in [i for i, w in enumerate(forms) if w in vocab]:
                out.setdefault(forms[i], []).append(i)
        return out


class _TypeCache:
    """The regex backend's tokens without the pipeline's per-Token work.

    Only spaCy's tokenizer runs over the text (the same tokenizer ``_nlp()`` uses, so the same
    tokens), and its tokens are read as arrays. Everything else about a token depends on its
    text alone, so it is computed once per word type and cached: the lookup lemmatizer gives a
    token without a lemma ``table.get(text, text)``; here its own ``lemmatize`` is called on the
    first token of each type, exactly as its ``__call__`` would. A Doc that already holds lemmas
    (which spaCy's tokenizer never sets) or a pipeline that is not a lookup lemmatizer with its
    table goes through the full pipeline instead. The cache is emptied when it holds more than
    ``max_types`` types.
    """

    max_types = 200_000

    def __init__(self, nlp: Any) -> None:
        from spacy.attrs import IDX, LEMMA, ORTH

        self.nlp = nlp
        self.attrs = [ORTH, IDX, LEMMA]
        lemmatizer = nlp.get_pipe("lemmatizer") if nlp.pipe_names == ["lemmatizer"] else None
        self.usable = (
            lemmatizer is not None
            and lemmatizer.mode == "lookup"
            and "lemma_lookup" in lemmatizer.lookups.tables
        )
        self.lemmatizer = lemmatizer
        self.types: dict[int, tuple[Any, ...]] = {}

    def tokens(self, text: str) -> _Tokens:
        if not self.usable:
            return _Tokens.from_doc(self.nlp(text))
        doc = self.nlp.make_doc(text)
        if not len(doc):
            return _Tokens.from_doc(doc)
        arr = doc.to_array(self.attrs)
        if arr[:, 2].any() and not self.lemmatizer.overwrite:
            return _Tokens.from_doc(self.nlp(text))
        orths = arr[:, 0].tolist()
        types = self.types
        infos = list(map(types.get, orths))
        if None in infos:
            if len(types) > self.max_types:
                types.clear()
            i = infos.index(None)
            while True:
                infos[i] = types.get(orths[i]) or self._add(doc[i])
                try:
                    i = infos.index(None, i + 1)
                except ValueError:
                    break
        toks = _Tokens()
        (
            toks.text,
            toks.lower,
            toks.lemma,
            toks.tlemma,
            toks.tlower,
            pieces,
            lengths,
            breaks,
        ) = zip(*infos)
        toks.idx = arr[:, 1].tolist()
        toks.words = set(toks.lemma)
        toks.words.update(toks.lower)
        toks.encoded = "".join(pieces)
        toks.starts = list(itertools.accumulate(lengths, initial=0))
        toks.breaks = list(itertools.compress(itertools.count(), breaks))
        return toks

    def _add(self, token: Any) -> tuple[Any, ...]:
        # The lemmatizer's __call__ for one token (its lemma is 0: checked above), then the
        # lemma read back through the StringStore as ``Token.lemma_`` does.
        token.lemma_ = self.lemmatizer.lemmatize(token)[0]
        text = token.text
        lower = _same(text, text.lower())
        lemma = _same(lower, (token.lemma_ or text).lower())
        tlemma = _same(lemma, (lemma or "_").translate(_SAFE))
        tlower = _same(lower, (lower or "_").translate(_SAFE))
        piece = f"{tlemma}/{tlower} "
        info = (text, lower, lemma, tlemma, tlower, piece, len(piece), _is_break(lower))
        self.types[token.orth] = info
        return info


def _same(old: str, new: str) -> str:
    """``new``, as the ``old`` object when they are equal (the cache keeps fewer strings)."""
    return old if new == old else new


@lru_cache(maxsize=1)
def _type_cache() -> _TypeCache:
    return _TypeCache(_nlp())


def _text_tokens(text: str) -> _Tokens:
    """``_Tokens.from_doc(_nlp()(text))``, computed without the per-Token work."""
    return _type_cache().tokens(text)


def _lowered_doc(doc: Any, toks: _Tokens) -> Any:
    """The Doc with lower-cased lemmas, for the spaCy Matcher backend."""
    for tok, lem in zip(doc, toks.lemma):
        tok.lemma_ = lem
    return doc


def _required_values(pattern: list[dict[str, Any]]) -> Iterator[tuple[int, set[str]]]:
    """Index and allowed values of each constraint on a required token of ``pattern``."""
    for i, tok in enumerate(pattern):
        if tok.get("OP") in ("?", "*"):
            continue
        for attr in ("LEMMA", "LOWER"):
            val = tok.get(attr)
            if val is not None:
                yield i, set(val["IN"]) if isinstance(val, dict) else {val}


def _anchors(patterns: list[list[dict[str, Any]]]) -> frozenset[str]:
    """Words one of which must occur for any of ``patterns`` to match (empty: no filter)."""
    out: set[str] = set()
    for pattern in patterns:
        best: set[str] | None = None
        for _, values in _required_values(pattern):
            if best is None or len(values) < len(best):
                best = values
        if best is None:
            return frozenset()
        out |= best
    return frozenset(out)


#: Very frequent English words and marks (lemmas and lower-case forms): poor anchors for telling
#: where a pattern can match, since they occur everywhere. Only speed depends on this list.
_FREQUENT = frozenset(
    """
    the be is are was were been being am 's 're 'm to of and a an in that have has had 've i
    it for not n't no on with he as you do does did at this but his by from they we say said
    her she or will 'll would 'd my one all there their what so up out if about who get got
    which go going went me when make can like time just him know take people into year your
    good some could them see other than then now look only come its over think also back after
    use two how our work first well way even new want because any these give day most us
    should might must may feel thing really very too much more need let tell try still here
    where why something anything nothing never always yourself myself ex
    . , ' " ! ? - -- — : ; ( ) ...
    """.split()  # noqa: SIM905
)


def _position_anchor(pattern: list[dict[str, Any]]) -> tuple[int, set[str]] | None:
    """Index and values of the required token of ``pattern`` that best tells where it can
    match: few values, few of them frequent words, near the pattern's start (a match can start
    up to ``index`` tokens before it). ``None`` when every token is optional or unconstrained."""
    best: tuple[int, set[str]] | None = None
    best_cost = 0
    for i, values in _required_values(pattern):
        cost = (i + 1) * sum(100 if v in _FREQUENT else 1 for v in values)
        if best is None or cost < best_cost:
            best, best_cost = (i, values), cost
    return best


class _Anchored:
    """Where a pattern's match can start, given where its anchor words occur.

    Each alternative of the pattern has a required token ``i`` (:func:`_position_anchor`); a
    match of the alternative starting at token ``p`` holds it at ``p + j`` with ``j <= i`` (the
    optional tokens before it may be absent). So only the tokens up to ``i`` before an
    occurrence of one of its words need trying; ``offsets`` keeps the largest ``i`` per word, in
    the encoded form the regex sees. ``build`` gives ``None`` when an alternative has no
    required token (every token must then be tried).
    """

    __slots__ = ("offsets", "words")

    def __init__(self, offsets: dict[str, int]) -> None:
        self.offsets = offsets
        self.words = frozenset(offsets)

    @classmethod
    def build(cls, patterns: list[list[dict[str, Any]]]) -> _Anchored | None:
        offsets: dict[str, int] = {}
        for pattern in patterns:
            choice = _position_anchor(pattern)
            if choice is None:
                return None
            i, values = choice
            for v in values:
                key = (v or "_").translate(_SAFE)
                offsets[key] = max(offsets.get(key, 0), i)
        return cls(offsets)

    def starts(self, positions: dict[str, list[int]]) -> list[int]:
        """Sorted candidate start tokens, from the anchor words' ``positions`` in a text."""
        out: list[int] = []
        for word in self.words.intersection(positions):
            back = self.offsets[word]
            if back == 0:
                out.extend(positions[word])
            else:
                for a in positions[word]:
                    out.extend(range(a - back if a > back else 0, a + 1))
        return sorted(set(out))


class _AnchorIndex:
    """For each anchor word, the patterns (indices into the compiled list) it anchors."""

    __slots__ = ("always", "by_word", "vocab")

    def __init__(self, compiled: list[tuple[frozenset[str], _Anchored | None, Any, _Meta]]):
        by_word: dict[str, list[int]] = defaultdict(list)
        self.always = [k for k, (_, anchored, _, _) in enumerate(compiled) if anchored is None]
        for k, (_, anchored, _, _) in enumerate(compiled):
            for word in anchored.words if anchored is not None else ():
                by_word[word].append(k)
        self.by_word = dict(by_word)
        self.vocab = frozenset(by_word)

    def candidates(self, positions: dict[str, list[int]]) -> list[int]:
        """Sorted indices of the patterns that can match a text with these anchor ``positions``
        (the patterns without anchors included)."""
        out = set(self.always)
        for word in positions:
            out.update(self.by_word[word])
        return sorted(out)


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
    """A callable giving one codebook pattern's matches as token spans ``[(start, end), ...]``.

    spaCy backend: ``matcher(doc)``. Regex backend: ``matcher(tokens, starts)``: at each start
    token in ``starts`` (ascending), the span of the first alternative that fits there (the
    alternatives are longest first); trying every token gives every match.
    """
    if backend == "spacy":
        from spacy.matcher import Matcher

        matcher = Matcher(_nlp().vocab, validate=True)
        matcher.add(key, patterns)
        return lambda doc: [(s, e) for _, s, e in matcher(doc)]
    if backend != "regex":
        raise ValueError(f"unknown matcher backend {backend!r}; valid: regex, spacy")
    body = "|".join("".join(_token_regex(t) for t in p) for p in patterns)
    rx_match = re.compile(f"(?:{body})").match

    def match(toks: _Tokens, starts: Sequence[int]) -> list[tuple[int, int]]:
        out = []
        encoded, offsets = toks.encoded, toks.starts
        for start in starts:
            pos = offsets[start]
            m = rx_match(encoded, pos)
            if m is None or m.end() == pos:
                continue
            out.append((start, bisect.bisect_left(offsets, m.end(), start)))
        return out

    return match


# -- rejected options and spurious collocations ---------------------------------------------------
#
# A pattern match is evidence for its label only when the unit puts the matched option forward.
# Besides negation (``RuleLabeler._negated``), a negatable pattern's match is discarded when it
# stands inside an option that the unit rejects or only questions:
#
# * the subject of a rejecting predicate: "letting go before you're ready *only leaves you with*
#   regret", "chasing him *never works*", "getting her back *is a myth*", "... *is not the goal*";
# * the complement of a rejecting frame: "it never worked *to* get a guy back", "it's a mistake
#   *to* ...", "there's no point in ...", "rather than / instead of ...";
# * reported advice that the unit then contradicts: "people tell you to ... so he misses you,
#   *but* ...", "you may hear that ...; however ...";
# * a yes/no question ("Does no contact really get your ex back?"): asking is not advising.
#
# Every match, negatable or not, is discarded when it is a spurious collocation: a pattern's words
# used in another sense ("moving forward" meaning "from now on", "leaves you with regret" is not
# being left, "leave him alone" is not loneliness, "withdrawal symptoms"). Both lists are
# heuristics over the lemma sequence (no parser); tests/fixtures/evidence_cases.json holds the
# cases they are tested on.

_NORMAL = {
    "n't": "not",
    "'s": "be",
    "is": "be",
    "are": "be",
    "was": "be",
    "were": "be",
    "'re": "be",
    "am": "be",
    "'m": "be",
    "been": "be",
    "being": "be",
    "does": "do",
    "did": "do",
    "wo": "will",
    "ca": "can",
    "'ll": "will",
    "'d": "would",
    "'ve": "have",
    "has": "have",
    "had": "have",
}
_STRONG_BREAK = frozenset({".", ";", "!", "?", ":", "but", "however", "although", "though", "yet"})
_CLAUSE_OPENERS = frozenset({"because", "since", "while", "which", "whereas"})
_AFTER_COMMA_OPENERS = frozenset({"and", "so", "as", "or", "then", "who"})
_CONTRAST = frozenset({"but", "however", "yet", "truth", "reality", "actually", "wrong", "myth"})
_AUX = frozenset(
    {"do", "be", "can", "will", "would", "should", "could", "have", "shall", "may", "might", "must"}
)

_W = r"(?:\S+ )"  # one normalised word and its space
#: Rejecting predicates: the option is the clause before them.
_REJECT_BEFORE = re.compile(
    r" (?:only (?:ever )?(?:leave|lead|make|keep|bring|cause|hurt|prolong|delay|set|push|drive|"
    r"give|create|feed|reopen|drag|add)"
    r"|(?:will |would |can |could )?(?:be|seem) (?:just |only |all |really |actually |simply |"
    r"nothing but )?(?:a |an |the )?(?:myth|lie|fairy tale|fantasy|mistake|bad idea|terrible idea|"
    r"waste|trap|illusion|scam|nonsense|pointless|useless|futile|overrated|counterproductive|"
    r"recipe for|dead end)"
    r"|(?:never|not|rarely|seldom) (?:really |actually |ever |always )?(?:work|succeed|pay off)"
    r"|backfire"
    r"|(?:be|do) not (?:the |a |an |your |my )?(?:goal|point|answer|way|aim|purpose|reason|"
    r"solution|key|plan|cure)) "
)
#: Rejecting frames: the option is what follows them, up to the next clause break.
_REJECT_AFTER = re.compile(
    r" (?:(?:never|not|rarely|seldom) (?:have |do |really |ever |actually |always |be )*"
    r"(?:work|help|succeed|pay off|wise|smart|a good idea|the answer|the way|healthy)"
    r"(?: for \S+)? (?:to|by)"
    r"|(?:be|seem) (?:just |only |really |actually |simply )?(?:a |an |the )?(?:myth|lie|mistake|"
    r"bad idea|terrible idea|waste of time|waste|pointless|useless|futile|naive|foolish|"
    r"unrealistic) (?:that|to|of|in|thinking|believing)"
    r"|the (?:myth|lie|illusion|fantasy|fairy tale) (?:that|of)"
    r"|there be no (?:point|use|sense|need) (?:in|to)"
    r"|rather than|instead of"
    r"|give up on|give up hope of|let go of the (?:idea|hope|dream|fantasy) of) "
)
#: Reported advice: an option that the unit only reports; rejected when a contrast follows.
_REPORTED = re.compile(
    r" (?:people|everyone|everybody|they|some|many|coach(?:es)?|experts?|gurus?|articles?|"
    r"friends?|sites?|books?|forums?|advice|videos?|the internet|you) (?:will |may |might |"
    r"often |always |all |usually |"
    rf"keep |probably |also )*(?:tell|say|advise|claim|suggest|insist|promise|preach|hear) {_W}?"
    r"(?:to|that) "
)


class _Scopes:
    """A text's tokens as normalised words, split into scopes at strong clause breaks, with the
    token regions that rejected or questioned options cover."""

    def __init__(self, toks: _Tokens, questions: list[tuple[int, int]]) -> None:
        self.toks = toks
        n = len(toks.lower)
        self.words = [_NORMAL.get(low, lem) for low, lem in zip(toks.lower, toks.lemma)]
        self.strong = [
            i for i in range(n) if toks.lower[i] in _STRONG_BREAK or "\n" in toks.lower[i]
        ]
        self.regions: list[tuple[int, int]] = []
        bounds = [-1, *self.strong, n]
        for a, b in zip(bounds, bounds[1:]):
            if b - a > 1:
                self._scope(a + 1, b)
        self._questions(questions)

    def _scope(self, a: int, b: int) -> None:
        """Rejected regions in the scope of tokens ``a .. b-1``."""
        words = self.words[a:b]
        text = " " + " ".join(words) + " "
        starts = list(itertools.accumulate((len(w) + 1 for w in words), initial=1))

        def tok(pos: int) -> int:
            return a + bisect.bisect_right(starts, pos) - 1

        for m in _REJECT_BEFORE.finditer(text):
            end = tok(m.start() + 1)
            self.regions.append((self._clause_start(a, end), end))
        for m in _REJECT_AFTER.finditer(text):
            start = tok(m.end() - 1) + 1
            self.regions.append((start, self._clause_end(start, b)))
        for m in _REPORTED.finditer(text):
            start = tok(m.end() - 1) + 1
            end = self._clause_end(start, b)
            if self._contrast_follows(end):
                self.regions.append((start, end))

    def _clause_start(self, a: int, end: int) -> int:
        """Where the clause ending at ``end`` begins, within a scope starting at ``a``."""
        lower = self.toks.lower
        for i in range(end - 1, a - 1, -1):
            if lower[i] in _CLAUSE_OPENERS:
                return i + 1
            if lower[i] in _AFTER_COMMA_OPENERS and i > a and lower[i - 1] == ",":
                return i + 1
        return a

    def _clause_end(self, start: int, b: int) -> int:
        """The next comma (or the scope's end ``b``) from token ``start`` on."""
        for i in range(start, b):
            if self.toks.lower[i] == ",":
                return i
        return b

    def _contrast_follows(self, end: int) -> bool:
        """A contrast ("but", "however", "the truth is") after token ``end``: in the rest of the
        sentence or among the first words of the next one."""
        lower, n = self.toks.lower, len(self.toks.lower)
        i = end
        while i < n and lower[i] not in (".", "!", "?") and "\n" not in lower[i]:
            if lower[i] in _CONTRAST:
                return True
            i += 1
        return any(w in _CONTRAST for w in lower[i + 1 : i + 5])

    def _questions(self, questions: list[tuple[int, int]]) -> None:
        """Yes/no questions ("Does no contact really work?") and questions with "really"."""
        idx = self.toks.idx
        for qs, qe in questions:
            lo = bisect.bisect_left(idx, qs)
            hi = bisect.bisect_left(idx, qe)
            words = [w for w in self.words[lo:hi] if w not in ('"', "'", "“", "‘", "(")]
            if words and (words[0] in _AUX or "really" in words):
                self.regions.append((lo, hi))

    def rejected(self, start: int, end: int) -> bool:
        """Whether the match at tokens ``start .. end-1`` begins inside a rejected region."""
        return any(rs <= start < re_ for rs, re_ in self.regions)


_LEAVE_STATE = frozenset(
    {"feeling", "wondering", "more", "less", "open", "vulnerable", "confused", "stuck", "worse"}
    | {"heartbroken", "empty", "hurting", "questioning"}
)
_MOVED_ON_TO = frozenset({"her", "him", "someone", "somebody", "another", "other", "something"})
_FORWARD_LICENSORS = frozenset(
    {"keep", "keeps", "kept", "start", "started", "begin", "began", "be", "is", "are", "am"}
    | {"'re", "'m", "was", "were", "to", "and", "on", "of", "about", "for", "you", "i", "we"}
    | {"by", "toward", "towards", "with", "focus", "it", "help", "helps", "really"}
)
_ADDICTION_AFTER = frozenset(
    {"symptom", "symptoms", "phase", "stage", "period", "effect", "effects", "process"}
)
_EMPTY_OF = frozenset({"promise", "promises", "word", "words", "threat", "threats", "calories"})
_FADING = frozenset(
    {"pain", "feeling", "feelings", "urge", "urges", "craving", "cravings", "hurt", "ache"}
    | {"sadness", "doubt", "doubts", "anxiety", "thought", "thoughts", "symptom", "symptoms"}
)
_HABITS = frozenset(
    {
        "habit",
        "habits",
        "thought",
        "thoughts",
        "routine",
        "urge",
        "behavior",
        "behaviour",
        "pattern",
    }
)


def _spurious(toks: _Tokens, start: int, end: int) -> bool:
    """Whether the match at tokens ``start .. end-1`` is a pattern's words in another sense."""
    lower, n = toks.lower, len(toks.lower)

    def at(i: int) -> str:
        return lower[i] if 0 <= i < n else ""

    for i in range(start, end):
        w = lower[i]
        leave = w in ("leave", "leaves", "leaving") and at(i + 1) in ("you", "us", "me", "one")
        generic = w in ("leave", "leaves") and at(i + 1) in ("you", "us", "one")
        if (leave and at(i + 2) in _LEAVE_STATE) or (generic and at(i + 2) == "with"):
            return True  # "leaves you with regret", "leaves me wondering": not being left
        if w == "alone":
            before = {at(i - 1), at(i - 2)}
            if before & {"leave", "leaving", "let"} and before & {"him", "her", "them", "it"}:
                return True  # "leave him alone": advice, not loneliness
            if at(i - 1) in ("not", "n't") or at(i + 1) == "time" or at(i - 1) == "time":
                return True  # "you are not alone", "alone time"
        if w == "moving" and at(i + 1) == "forward" and at(i - 1) not in _FORWARD_LICENSORS:
            return True  # "no contact moving forward" = from now on
        if w in ("moving", "move", "moved") and at(i + 1) == "on" and at(i + 2) == "to":
            nxt = at(i + 3)
            if nxt in _MOVED_ON_TO or (
                nxt == "the" and at(i + 4) == "next" and at(i + 5) != "chapter"
            ):
                return True  # "moved on to someone else", "moving on to the next step"
        if w.startswith("disappear") and {at(i - 1), at(i - 2), at(i - 3)} & _FADING:
            return True  # "the pain will disappear"
        if w == "withdrawal" and (
            at(i + 1) in _ADDICTION_AFTER
            or {at(i - 1), at(i - 2)} & {"through", "like", "addiction", "drug", "drugs"}
        ):
            return True  # the craving of an addiction, not someone withdrawing
        if w == "empty" and at(i + 1) in _EMPTY_OF:
            return True
        if w.startswith("replac") and {at(i + 1), at(i + 2)} & _HABITS:
            return True  # "replace the habit"
    return False


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
