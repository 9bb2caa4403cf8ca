"""Rules labeler: negation and purpose, precedence, evidence offsets, backends, bad input."""

from __future__ import annotations

import json

import pytest

from _paths import seed_text
from discourse.codebook import load_codebook
from discourse.labels.rules import RuleLabeler, compile_pattern


@pytest.fixture(scope="module")
def rules() -> RuleLabeler:
    return RuleLabeler(tune=False)


def _stance(rules: RuleLabeler, text: str) -> str:
    return rules.predict([text]).stance[0]


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        # purpose: a strategic goal stated as purpose counts ...
        ("Go no contact so he misses you.", "strategic"),
        ("Stay silent for a month so that she will miss you.", "strategic"),
        ("This is how you get your ex back: no contact.", "strategic"),
        # ... and negated or rejected purpose does not
        ("No contact is not to get your ex back.", "none"),
        (
            "It is for your own well-being, not for anyone else nor to get your ex back.",
            "self-healing",
        ),
        ("It is not for anyone else nor to get your ex back.", "none"),
        ("Stop trying to make him miss you.", "none"),
        ("Don't do it to get her back.", "none"),
        # the "no" of "no contact" is not a negation
        ("No contact makes him miss you.", "strategic"),
        # self-healing
        ("No contact is for your own well-being, so you can heal and move on.", "self-healing"),
        # decision rule 1: rejecting the rule wins even when healing is mentioned
        (
            "Healing matters, but do what feels right for you. No more following rules.",
            "autonomy-first",
        ),
        ("No contact is a childish mind game.", "autonomy-first"),
        ("It is not a game and it is not dishonest.", "none"),
        # decision rule 4
        ("We went to the beach and had ice cream.", "none"),
    ],
)
def test_negation_purpose_and_precedence(rules: RuleLabeler, text: str, stance: str) -> None:
    assert _stance(rules, text) == stance


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        # general phrasings of the codebook's definitions (not taken from the coded data)
        (
            "Don't text her. She needs to feel your absence before she realizes what she lost.",
            "strategic",
        ),
        ("The no contact rule works because it triggers curiosity in your ex.", "strategic"),
        ("Stay silent and get him to think about you again.", "strategic"),
        ("Texting him every day will kill the attraction he still has.", "strategic"),
        ("Silence raises your value in her mind.", "strategic"),
        (
            "When you stop reaching out, you become the prize and he starts to reconsider.",
            "strategic",
        ),
        (
            "Wait until she texts first, that way you have the power in the relationship.",
            "strategic",
        ),
        (
            "Forget the rules. Only you know whether talking to him is good for you.",
            "autonomy-first",
        ),
        ("I don't believe in no contact; it's just a game people play.", "autonomy-first"),
        (
            "There is nothing wrong with staying in touch with an ex if that is what you want.",
            "autonomy-first",
        ),
        ("No contact isn't for everyone. Do what works for you.", "autonomy-first"),
        ("Stop letting other people tell you how to handle your own breakup.", "autonomy-first"),
        (
            "I blocked him so I could finally take care of myself and find peace of mind.",
            "self-healing",
        ),
    ],
)
def test_definition_phrasings(rules: RuleLabeler, text: str, stance: str) -> None:
    assert _stance(rules, text) == stance


def test_several_word_alternatives_need_the_joiner(rules: RuleLabeler) -> None:
    """A space starts a new slot, so a phrase among alternatives is written with "_"."""
    two = compile_pattern("the upper_hand|leverage", {})
    assert [
        {"LEMMA": {"IN": ["the"]}},
        {"LEMMA": {"IN": ["upper"]}},
        {"LEMMA": {"IN": ["hand"]}},
    ] in two
    assert [{"LEMMA": {"IN": ["the"]}}, {"LEMMA": {"IN": ["leverage"]}}] in two
    # the repaired default patterns match their phrases
    for text, rule in [
        ("Do what works for you.", "works_for_you"),
        ("Play hard to get.", "reverse_psych"),
        ("Lean on your friends and family.", "lean_on"),
        ("It came out of the blue.", "without_warning"),
    ]:
        assert rule in {m.rule for m in rules.matches(text)}, (text, rule)


def test_questions_count_less(rules: RuleLabeler) -> None:
    asked = rules.predict(["Will no contact make him miss me?"]).iloc[0]
    said = rules.predict(["No contact will make him miss me."]).iloc[0]
    assert said.stance == "strategic" and asked.stance == "none"


def test_themes_talked_about_count(rules: RuleLabeler) -> None:
    row = rules.predict(
        ["This is nothing to be ashamed of. He ghosted me. I don't regret it."]
    ).iloc[0]
    assert (row.shame, row.abandonment, row.regret) == (1, 1, 1)
    assert (
        rules.predict(["We had a lovely dinner."]).iloc[0][["shame", "abandonment", "regret"]].sum()
        == 0
    )


def test_evidence_offsets_point_into_the_text(rules: RuleLabeler) -> None:
    texts = [
        seed_text("003"),
        seed_text("001"),
        "Prefix text. " * 3 + "Make him miss you, so he misses you!",
    ]
    out = rules.predict(texts)
    n = 0
    for text, (_, row) in zip(texts, out.iterrows()):
        for col in ["stance_evidence", "shame_evidence", "abandonment_evidence", "regret_evidence"]:
            for span in json.loads(row[col]):
                assert text[span["start"] : span["end"]] == span["text"]
                n += 1
        if row.stance != "none":
            assert json.loads(row.stance_evidence), "a non-none stance carries evidence"
    assert n > 5


def test_long_text_is_chunked_not_refused(rules: RuleLabeler) -> None:
    text = (
        "We talked about the weather and the news today. " * 4000
    ) + "Cut contact so you can heal."
    assert len(text) > 150_000
    row = rules.predict([text]).iloc[0]
    assert row.stance == "self-healing"
    span = json.loads(row.stance_evidence)[-1]
    assert text[span["start"] : span["end"]] == span["text"] == "heal"


def test_empty_and_non_english(rules: RuleLabeler) -> None:
    out = rules.predict(
        [
            "",
            "   ",
            None,
            "El contacto cero es para tu bienestar y para sanar de verdad, no para recuperarlo.",
        ]
    )
    assert out.stance.tolist() == ["none"] * 4
    assert out.stance_score.tolist()[:3] == [0.0, 0.0, 0.0]
    assert out[["shame", "abandonment", "regret"]].to_numpy().sum() == 0
    assert out.language.tolist() == ["en", "en", "en", "es"]


def test_regex_backend_equals_spacy_matcher(rules: RuleLabeler) -> None:
    texts = [seed_text(p) for p in ("000", "001", "002", "003", "004")]
    fast = RuleLabeler(tune=False, backend="regex")
    ref = RuleLabeler(tune=False, backend="spacy")
    for t in texts:
        assert fast.matches(t) == ref.matches(t)


def test_compile_pattern_syntax() -> None:
    macros = {"EX": ["him", "your ex"]}
    pats = compile_pattern("make @EX miss you", macros)
    assert {"LEMMA": {"IN": ["he", "him"]}} in pats[0] or {"LEMMA": {"IN": ["him"]}} in pats[-1]
    assert any(len(p) == 5 for p in pats) and any(len(p) == 4 for p in pats)
    with pytest.raises(ValueError, match="unknown macro"):
        compile_pattern("make @NOPE miss", macros)
    assert compile_pattern("=Exactly", {}) == [[{"LOWER": {"IN": ["exactly"]}}]]


def test_fit_tunes_thresholds_on_gold() -> None:
    import pandas as pd

    texts = ["Make him miss you."] * 3 + ["Heal and move on."] * 3 + ["Nice weather."] * 3
    gold = pd.DataFrame(
        {
            "stance": ["strategic"] * 3 + ["self-healing"] * 3 + ["none"] * 3,
            "shame": 0,
            "abandonment": 0,
            "regret": 0,
        }
    )
    r = RuleLabeler().fit(texts, gold)
    assert set(r.thresholds_) == {"stance", "precedence", *load_codebook().theme_names}
    assert r.predict(texts).stance.tolist() == gold.stance.tolist()


def test_saved_thresholds_round_trip(tmp_path) -> None:
    import pandas as pd

    texts = ["Make him miss you."] * 3 + ["Heal and move on."] * 3 + ["Nice weather."] * 3
    gold = pd.DataFrame(
        {
            "stance": ["strategic"] * 3 + ["self-healing"] * 3 + ["none"] * 3,
            "shame": 0,
            "abandonment": 0,
            "regret": 0,
        }
    )
    fitted = RuleLabeler().fit(texts, gold)
    fitted.save(tmp_path / "rules.json")
    loaded = RuleLabeler(weights=tmp_path / "rules.json")
    assert loaded._thresholds() == fitted.thresholds_
    assert loaded.predict(texts).equals(fitted.predict(texts))
    (tmp_path / "other.json").write_text('{"labeler": "combined", "codebook": {"name": "x"}}')
    with pytest.raises(ValueError, match="holds weights for 'combined'"):
        RuleLabeler(weights=tmp_path / "other.json").predict(["Heal and move on."])


def test_weights_from_another_codebook_version_warn(tmp_path) -> None:
    """Thresholds tuned under another version of the patterns still load, with a warning."""
    import warnings

    from discourse.labels.base import CodebookVersionWarning

    RuleLabeler().save(tmp_path / "rules.json")  # the default thresholds
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same version: no warning
        RuleLabeler(weights=tmp_path / "rules.json").predict(["Heal and move on."])
    data = json.loads((tmp_path / "rules.json").read_text())
    data["codebook"]["version"] = "0.9.0"
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.warns(CodebookVersionWarning, match=r"version 0\.9\.0.*Refit"):
        pred = RuleLabeler(weights=tmp_path / "old.json").predict(["Heal and move on."])
    assert pred.stance[0] == "self-healing"


def test_packaged_weights_match_the_packaged_codebook() -> None:
    """Changing the default codebook's version without refitting the packaged weights fails."""
    from importlib.resources import files

    version = load_codebook().meta.version
    for name in ("rules", "embed-logreg", "combined"):
        path = files("discourse.resources") / "models" / f"{name}.json"
        saved = json.loads(path.read_text(encoding="utf-8"))["codebook"]
        assert saved == {"name": load_codebook().meta.name, "version": version}, name


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("*9x", "'*9x' is not a wildcard"),
        ("make|||let @EX miss", "empty alternative in 'make|||let'"),
        ("= ==", "'=' without a word"),
        ("make? him?", "every slot is optional"),
        ("(make|let) him", "not pattern syntax"),
    ],
)
def test_compile_pattern_rejects_bad_syntax(pattern: str, problem: str) -> None:
    """Before the checks, "*9x" and "make|||let" compiled silently (a literal token, an empty
    alternative) and "= ==" failed only when the labeler first ran."""
    with pytest.raises(ValueError, match="bad pattern") as info:
        compile_pattern(pattern, {"EX": ["him", "her"]})
    assert problem in str(info.value)


def test_every_packaged_pattern_compiles_to_matcher_patterns() -> None:
    cb = load_codebook()
    for spec in [*cb.stance.labels, *cb.themes]:
        for p in spec.patterns:
            compiled = compile_pattern(p.pattern, cb.macros)
            assert compiled, (spec.name, p.id)
            assert all(any(t.get("OP") != "?" for t in pat) for pat in compiled)
