"""Language identification for the "non-English text is flagged and labelled none" rule."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["detect_language"]

_EN_FUNCTION_WORDS = frozenset(
    """
    the a an and or but if to of in on at for with is are was were be been i you he she it
    we they me him her them my your his our their this that not no do does did have has had
    will would can could should just so what when how why
    """.split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # The model (a NumPy archive, not a pickle) ships inside the py3langid package.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, min_words: int = 6, min_prob: float = 0.9) -> str:
    """ISO 639-1 code of ``text``'s language, ``"en"`` when unsure.

    Short texts (fewer than ``min_words`` words) and texts where English function words make up
    at least a fifth of the words count as English; otherwise py3langid decides when it is at
    least ``min_prob`` sure.
    """
    words = _WORD.findall(text[:5000].lower())
    if len(words) < min_words:
        return "en"
    share = sum(w in _EN_FUNCTION_WORDS for w in words) / len(words)
    if share >= 0.2:
        return "en"
    lang, prob = _identifier().classify(text[:5000])
    return lang if prob >= min_prob else "en"
