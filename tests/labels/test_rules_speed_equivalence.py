"""The rules labeler's fast path gives exactly what the straightforward computation gives.

The regex backend reads spaCy's tokenizer output as arrays with lemmas cached per word type
(``_text_tokens``) and tries each pattern only near its anchor words (``_Anchored``). Here it is
compared, on texts chosen to be awkward, with

* the full pipeline's tokens read one Token at a time (``_Tokens.from_doc``);
* a scan from every token with one lookahead regex per pattern (the implementation before the
  speed-up, kept below as the reference);
* the spaCy Matcher backend (``matches`` and ``predict``).

No timing here: speed is measured by ``benchmarks/bench_rules.py``.
"""

from __future__ import annotations

import bisect
import re

import pytest

from _paths import seed_text
from discourse.codebook import Codebook, load_codebook
from discourse.labels import rules
from discourse.labels.rules import RuleLabeler

TRICKY = [
    # empty and whitespace only
    "",
    " ",
    "\n",
    "  \n\t ",
    # negation and purpose
    "Don't go no contact to make him miss you.",
    "It is not about making her miss you, and it never was.",
    "No contact is not a game. Stop trying to get your ex back, nor to win him back.",
    "No-contact isn't there to get him back; no more following the rules!",
    "No contact makes him miss you. No, it doesn't make him miss you.",
    "Without contact you heal. Instead of healing, she waited until he texts first.",
    "I'm not saying you shouldn't. Never blame yourself, never ever.",
    # questions
    "Will no contact make him miss me? I hope so. Make him miss you!",
    "Is it my fault?? Maybe. What if I regret it?\nI should have known.",
    "Why?? Why would he leave me? ? ?",
    # hyphens and dashes
    "self-worth, self worth, no-contact, push-pull, one-size-fits-all, re-attract, well-being",
    "It's a mind-game -- a childish, stupid mind game — and a power-play.",
    "co-parent; x-y-z; --no contact--; —heal—",
    # newlines, tabs and other whitespace
    "Heal.\n\nMove on.\r\nLet go.\tBreathe  and  grow.\n",
    "   leading and trailing spaces, make him miss you   ",
    "non-breaking\u00a0space: make him\u00a0miss you\u00a0\u00a0and heal",
    "line\u2028separator heal\u2029paragraph, ideographic\u3000space move on",
    "odd\x0bwhitespace\x0cheal\x1cand\x1dmove\x1eon\x1fnow\x85ok",
    "zero\u200bwidth make\u200bhim miss you",
    # unicode
    "Make him miss you 😊😂 — it’s “strategic”, isn’t it? He’ll come back.",
    "İstanbul ﬁnal straße ΣΊΣΥΦΟΣ Café naïve résumé e\u0301 heal",
    "ＦＵＬＬＷＩＤＴＨ ｈｅａｌ and make him miss you ｍｅ",
    "He’ll miss you; she’ll come crawling back; you’ll be okay; I’ll be fine.",
    # tokenizer special cases, contractions, emoticons, abbreviations
    "I'm, you're, can't, won't, y'all, ma'am, o'clock at 3 a.m. or 4 p.m., e.g. in the U.S. :)",
    ":) :-( <3 (: :P ;) =) the dogs' sake, Chris' car, 's 'S ''",
    "should've shouldn't've could've woulda shoulda, I wish I'd waited",
    "you'll be okay, i'll be fine, it's okay to text him, there's no rule, don't have to go nc",
    # slashes, underscores, urls, numbers
    "and/or he/she make him/her miss you/me 24/7 a / b under_score 24_7",
    "https://example.com/no-contact?make=him&miss=you and mail me@example.com, #heal @you",
    "30 days of no contact, the 2nd week, 3:00am, $100, 1,000 times, 50%",
    # casing and exact forms
    "MAKE HIM MISS YOU. mAkE hIm MiSs YoU. Broken, BROKEN, broke. FAILURE, failures.",
    # wildcards and optional tokens
    "After the third day then text him. Once the week, call. No contact is honestly really "
    "a childish game. No contact will really help to get her back.",
    "Show him what he is missing. Show her what exactly she will lose. Get him back.",
    # punctuation only
    "!!! ... ??? --- ;;; ,,,",
]


def _long_text(min_chars: int) -> str:
    parts = [seed_text(p) for p in ("000", "001", "002", "003", "004")] + TRICKY[4:]
    out, n = [], 0
    while n < min_chars:
        for part in parts:
            out.append(part)
            n += len(part) + 1
    return "\n".join(out)


def _texts() -> list[str]:
    return [*TRICKY, *(seed_text(p) for p in ("000", "001", "002", "003", "004"))]


@pytest.fixture(scope="module")
def fast() -> RuleLabeler:
    return RuleLabeler(tune=False)


@pytest.fixture(scope="module")
def ref() -> RuleLabeler:
    return RuleLabeler(tune=False, backend="spacy")


@pytest.fixture(scope="module")
def reference_raw(fast: RuleLabeler) -> dict[str, list[tuple[tuple, int, int]]]:
    return {t: _reference_raw(fast, t) for t in _texts()}


@pytest.fixture
def cold_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from an empty word-type cache, and clear it often while running."""
    cache = rules._type_cache()
    cache.types.clear()
    monkeypatch.setattr(cache, "max_types", 50)


# -- reference implementation (before the speed-up) ---------------------------------------------
def _reference_tokens(text: str) -> rules._Tokens:
    return rules._Tokens.from_doc(rules._nlp()(text))


def _reference_clause(lower: list[str]) -> list[int]:
    clause, current = [], 0
    for i, low in enumerate(lower):
        clause.append(current)
        if low in rules._CLAUSE_BREAK or "\n" in low:
            current = i + 1
    return clause


_REFERENCE_PATTERNS: dict[int, tuple[Codebook, list]] = {}


def _reference_patterns(cb: Codebook) -> list[tuple[frozenset[str], re.Pattern[str], tuple]]:
    """Per codebook pattern: its text-level anchors, one lookahead regex tried at every token,
    and (label, rule, weight, negatable)."""
    if id(cb) in _REFERENCE_PATTERNS:
        return _REFERENCE_PATTERNS[id(cb)][1]
    out = []
    for spec, is_theme in [(s, False) for s in cb.stance.labels] + [(s, True) for s in cb.themes]:
        for p in spec.patterns:
            patterns = rules.compile_pattern(p.pattern, cb.macros)
            body = "|".join("".join(rules._token_regex(t) for t in pat) for pat in patterns)
            rx = re.compile(rf"(?:^|(?<= ))(?=((?:{body})))")
            negatable = (not is_theme) if p.negatable is None else p.negatable
            out.append((rules._anchors(patterns), rx, (spec.name, p.id, p.weight, negatable)))
    _REFERENCE_PATTERNS[id(cb)] = (cb, out)
    return out


def _reference_raw(labeler: RuleLabeler, text: str) -> list[tuple[tuple, int, int]]:
    """Every pattern's spans: its regex tried at every token of the full pipeline's tokens,
    after the text-level anchor filter."""
    toks = _reference_tokens(text)
    raw = []
    for anchors, rx, meta in _reference_patterns(labeler._cb()):
        if anchors and anchors.isdisjoint(toks.words):
            continue
        for m in rx.finditer(toks.encoded):
            if not m.group(1):
                continue
            start = bisect.bisect_left(toks.starts, m.start(1))
            end = bisect.bisect_left(toks.starts, m.end(1))
            raw.append((meta, start, end))
    return raw


def _fields(toks: rules._Tokens) -> dict[str, object]:
    return {
        "text": list(toks.text),
        "idx": list(toks.idx),
        "lower": list(toks.lower),
        "lemma": list(toks.lemma),
        "tlemma": list(toks.tlemma),
        "tlower": list(toks.tlower),
        "words": toks.words,
        "encoded": toks.encoded,
        "starts": list(toks.starts),
        "clause": [toks.clause_start(i) for i in range(len(toks.text))],
    }


# -- tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", _texts())
def test_fast_tokens_equal_the_full_pipeline(cold_types: None, text: str) -> None:
    fast = _fields(rules._text_tokens(text))
    ref = _fields(_reference_tokens(text))
    assert fast == ref
    assert ref["clause"] == _reference_clause(ref["lower"])
    # the tokens tile the text as spaCy's do
    assert all(text[i : i + len(t)] == t for i, t in zip(fast["idx"], fast["text"]))


def test_fast_tokens_are_the_same_warm_and_cold(cold_types: None) -> None:
    texts = _texts()
    cold = [_fields(rules._text_tokens(t)) for t in texts]
    rules._type_cache().types.clear()
    warm = [_fields(rules._text_tokens(t)) for t in texts]
    assert cold == warm


@pytest.mark.parametrize("text", _texts())
def test_anchored_regex_equals_scan_from_every_token(
    fast: RuleLabeler, reference_raw: dict[str, list], text: str
) -> None:
    _, raw = fast._raw_matches(text, fast._compiled())
    assert raw == reference_raw[text]


def test_every_pattern_is_exercised_and_anchored(
    fast: RuleLabeler, reference_raw: dict[str, list]
) -> None:
    """The comparison above means something: most patterns match somewhere, and every one is
    restricted to start tokens near its anchors (never a scan from every token)."""
    assert all(anchored is not None for _, anchored, _, _ in fast._compiled())
    hit = {meta[:2] for raw in reference_raw.values() for meta, _, _ in raw}
    assert len(hit) >= 40


@pytest.mark.parametrize("text", _texts())
def test_regex_backend_equals_spacy_matcher(fast: RuleLabeler, ref: RuleLabeler, text: str) -> None:
    assert fast.matches(text) == ref.matches(text)


def test_predict_frames_equal_across_backends(
    fast: RuleLabeler, ref: RuleLabeler, cold_types: None
) -> None:
    texts = [*_texts(), None, "El contacto cero es para tu bienestar y para sanar, no para volver."]
    out = fast.predict(texts)
    assert out.equals(ref.predict(texts))
    assert (out.stance != "none").sum() >= 10


def test_chunked_texts_equal_across_backends(
    fast: RuleLabeler, ref: RuleLabeler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "_CHUNK_CHARS", 120)
    text = "\n".join(TRICKY[4:])
    assert len(rules._chunks(text)) > 10
    out = fast.matches(text)
    assert out == ref.matches(text)
    assert len(out) > 30 and all(text[m.start : m.end] == m.text for m in out)


def test_text_longer_than_a_chunk(fast: RuleLabeler) -> None:
    text = _long_text(rules._CHUNK_CHARS + 2_000)
    chunks = rules._chunks(text)
    assert len(chunks) == 2
    for _, chunk in chunks:
        _, raw = fast._raw_matches(chunk, fast._compiled())
        assert raw == _reference_raw(fast, chunk)
    out = fast.matches(text)
    assert len(out) > 100 and out[-1].start > rules._CHUNK_CHARS
    assert all(text[m.start : m.end] == m.text for m in out)


def test_custom_codebook_with_awkward_patterns() -> None:
    """Anchors that are frequent words, wildcards first, exact forms with separators the regex
    encoding replaces ("24/7" and "24_7" both encode as 24_7)."""
    data = load_codebook().model_dump()
    data["meta"]["name"] = "awkward"
    data["stance"]["labels"] = [
        {
            "name": "odd",
            "definition": "awkward patterns",
            "patterns": [
                {"id": "frequent", "pattern": "i be the|a"},
                {"id": "wild_first", "pattern": "*2 heal|grow"},
                {"id": "exact_slash", "pattern": "=24/7"},
                {"id": "exact_underscore", "pattern": "=24_7 *"},
                {"id": "emoticon", "pattern": "=:) you?"},
                {"id": "optional_heavy", "pattern": "so? that? he|she will? miss you"},
            ],
        }
    ]
    data["stance"]["precedence"] = []
    cb = Codebook.model_validate(data)
    texts = [
        *TRICKY,
        "I am the one, I was a fool, and I'm a mess :) you",
        "24/7 and 24_7 too :) you",
        "only 24_7 here",
        "only 24/7 here",
        "so that she will miss you; he miss you; so he will miss you",
    ]
    fast = RuleLabeler(cb, tune=False, backend="regex")
    ref = RuleLabeler(cb, tune=False, backend="spacy")
    for text in texts:
        _, raw = fast._raw_matches(text, fast._compiled())
        assert raw == _reference_raw(fast, text), text
    # The regex encoding does not tell "/" from "_" (as before the speed-up), so "=24_7" also
    # matches "24/7" in a text that holds "24_7"; the spaCy Matcher does not.
    same = [t for t in texts if "24_7" not in t]
    for text in same:
        assert fast.matches(text) == ref.matches(text), text
    assert fast.predict(same).equals(ref.predict(same))
    assert any(m.rule == "exact_underscore" for t in texts for m in fast.matches(t))
    assert {m.rule for t in same for m in fast.matches(t)} >= {
        "frequent",
        "wild_first",
        "exact_slash",
        "emoticon",
        "optional_heavy",
    }
