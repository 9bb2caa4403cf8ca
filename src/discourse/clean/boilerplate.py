"""Boilerplate detection. Boilerplate is flagged with a reason and kept, never deleted.

Reasons: ``call_to_action``, ``url``, ``signoff``, ``pagination``, ``comment_prompt``, ``promo``
and ``teaser`` (a transcript's next-video pitch), plus any reason a user adds through
``boilerplate.extra_patterns``.

Units are judged as a whole (a paragraph, a comment, a post); transcripts are judged sentence by
sentence so that a promo block inside a one-line ASR transcript can be set aside as a block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from discourse.config import BoilerplateConfig

__all__ = [
    "BoilerplateDetector",
    "is_closing_block",
    "pagination_title",
    "split_inline_pagination",
]

_I = re.IGNORECASE

STRONG: dict[str, list[str]] = {
    "call_to_action": [
        r"\b(?:book|schedule|reserve)\s+(?:a|your|my|an?)?\s*(?:free\s+)?(?:call|session|consultation|coaching|appointment)\b",
        r"\bclick\s+(?:here|the\s+link|on\s+the\s+link|the\s+button|below|this\s+link)\b",
        r"\b(?:link|links)\s+(?:is\s+|are\s+)?(?:below|in\s+the\s+description|in\s+my\s+bio)\b",
        r"\b(?:take|try)\s+(?:our|my|the|this)\b[^\n]{0,120}?\bquiz\b",
        r"\b(?:sign\s+up|subscribe|enrol+|register)\b[^.!?\n]{0,40}\b(?:now|today|here|newsletter|course|program|programme|channel|list)\b",
        r"\b(?:download|grab|get)\s+(?:my|our|your|the)\s+(?:free\s+)?(?:guide|e-?book|checklist|workbook|course|cheat\s*sheet)\b",
        r"\b(?:hit|smash|ring)\s+(?:the|that)\s+(?:like|subscribe|bell)\b",
        r"\buse\s+(?:my|the|our)\s+(?:code|coupon)\b",
    ],
    "promo": [
        r"\bjoin\s+(?:the|our|my|us)\b[^.!?\n]{0,60}\b(?:community|program|programme|course|group|tribe|membership|mastery|academy|masterclass)\b",
        r"\buntil\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|midnight|tomorrow)\b[^.!?\n]{0,60}\b(?:join|sign|enrol|register|get)\b",
        r"\bsee\s+you\s+(?:on\s+the\s+inside|inside)\b",
        r"\b(?:if\s+you\s+(?:want|wanna)\s+to\s+join|if\s+you\s+wanna\s+join)\b",
        r"\bbecome\s+a\s+(?:part|member)\s+of\s+(?:this|our|the)\b",
        r"\b(?:this|today's)\s+(?:video|episode)\s+is\s+(?:sponsored|brought\s+to\s+you)\b",
    ],
    "comment_prompt": [
        r"\b(?:share|leave|tell|let\s+(?:me|us)\s+know)\b[^.!?\n]{0,80}\b(?:in|below\s+in|down\s+in)\s+the\s+comments?\b",
        r"\b(?:comment|comments)\s+(?:below|down\s+below)\b",
        r"\bleave\s+(?:a|your)\s+(?:comment|reply)\b",
    ],
    "pagination": [
        r"^\W*\(?\s*(?:previous|next)\s+page\b",
        r"\bpage\s+\d+\s+(?:of|/)\s+\d+\b",
        r"^\W*(?:continue\s+reading|read\s+more|continued\s+on\s+(?:the\s+)?next\s+page|next\s+page)\W*$",
        r"^\W*(?:page\s+)?\d{1,3}\W*$",
    ],
}

# Cues that only count next to a strong cue (a transcript's promo block, a sign-off's name line).
WEAK_PROMO = [
    r"\b(?:community|membership|tribe|accountable|program|programme|masterclass|course)\b",
    r"\bevery\s+single\s+(?:week|day|month)\b",
    r"\b(?:we|i)\s+(?:have|'ve|’ve)?\s*(?:just\s+)?(?:started|launched|created|opened)\b",
    r"\b(?:announce|launching|launch)\b",
    r"\bjoin\b",
]

TEASER = [
    r"\b(?:if\s+you\s+(?:want|wanna)|check\s+out|watch|click\s+on|go\s+and\s+click)\b[^.!?\n]{0,80}\bvideos?\b",
    r"\b(?:my|this|the\s+next|another)\s+video\b[^.!?\n]{0,60}\b(?:show|share|explain|teach)\b",
    r"\bone\s+of\s+my\s+most\s+(?:powerful|popular|watched)\s+videos\b",
    r"\bsee\s+you\s+in\s+the\s+next\s+(?:video|one)\b",
]

SIGNOFF_LINE = re.compile(
    r"^(?:lots\s+of\s+love|all\s+my\s+love|much\s+love|with\s+love|love|xoxo|xo|warmly|cheers|"
    r"best\s+wishes|best|kind\s+regards|regards|sincerely|yours\s+truly|talk\s+soon|until\s+next\s+time|"
    r"to\s+your\s+success|big\s+hugs|hugs|peace)\s*[,!.]*$",
    _I,
)
NAME_LINE = re.compile(r"^[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,3}\s*[,!.]?$")
URL_RE = re.compile(r"https?://\S+|\bwww\.[\w.-]+\.\w+\S*", _I)
PAGINATION_PREFIX = re.compile(r"^\s*(?:…|\.\.\.)?\s*\((?:previous|next)\s+page\b[^)]*\)\s*", _I)
_PREVIOUS_PAGE_TITLE = re.compile(
    r"^\s*(?:…|\.\.\.)?\s*\(\s*previous\s+page\s*[–—:-]\s*(?P<title>[^()\n]{3,200}?)\s*\)", _I
)

_SENT_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def _compile(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, _I | re.MULTILINE) for p in patterns]


def is_signoff(block: str) -> bool:
    """A closing formula ("Lots of love,") alone or followed by a short name line."""
    lines = [ln.strip() for ln in block.strip().split("\n") if ln.strip()]
    if not lines or len(lines) > 3 or not SIGNOFF_LINE.match(lines[0]):
        return False
    return all(NAME_LINE.match(ln) and len(ln.split()) <= 4 for ln in lines[1:])


def split_inline_pagination(text: str) -> tuple[str | None, str]:
    """Split a leading "… (Previous page – Title)" marker off a paragraph.

    Returns
    -------
    (marker or None, rest of the paragraph)
    """
    m = PAGINATION_PREFIX.match(text)
    if not m:
        return None, text
    return text[: m.end()].strip(), text[m.end() :].strip()


def pagination_title(text: str) -> str | None:
    """The article title named by a leading "… (Previous page – Title)" marker, or ``None``.

    A later page of a paginated article names the page before it, which carries the article's
    (the series') title.
    """
    m = _PREVIOUS_PAGE_TITLE.match(text)
    return m.group("title").strip() if m else None


@dataclass
class BoilerplateDetector:
    """Rule-based boilerplate detector.

    Parameters
    ----------
    config
        Options; ``extra_patterns`` adds reasons and patterns.
    """

    config: BoilerplateConfig | None = None

    def __post_init__(self) -> None:
        cfg = self.config or BoilerplateConfig()
        self.config = cfg
        self._strong = {reason: _compile(p) for reason, p in STRONG.items()}
        for reason, patterns in cfg.extra_patterns.items():
            self._strong.setdefault(reason, []).extend(_compile(patterns))
        self._weak = _compile(WEAK_PROMO)
        self._teaser = _compile(TEASER)

    # -- units ------------------------------------------------------------------------------
    def strong_reason(self, text: str) -> str | None:
        """The first boilerplate reason whose strong pattern matches ``text``."""
        for reason, patterns in self._strong.items():
            if any(p.search(text) for p in patterns):
                return reason
        return None

    def classify_unit(self, text: str, source_type: str) -> str | None:
        """The boilerplate reason for a whole unit, or ``None`` for content.

        An article paragraph is boilerplate when it is a sign-off, when it is mostly a link, or
        when a cue matches and the paragraph is short (at most 60 words) or most of its
        sentences carry a cue. Comments and posts need most of their sentences to carry a cue
        (a reader mentioning a link is not boilerplate).
        """
        if not self.config.enabled:
            return None
        stripped = text.strip()
        words = len(stripped.split())
        if source_type == "article" and is_signoff(stripped):
            return "signoff"
        urls = URL_RE.findall(stripped)
        if urls and words <= 25 and len(URL_RE.sub("", stripped).split()) <= 12:
            return "url"
        whole = self.strong_reason(stripped)
        if whole is None:
            return None
        if source_type in ("article", "transcript") and words <= 60:
            return whole
        sentences = [s for s in _SENT_RE.findall(stripped) if s.strip()] or [stripped]
        hits = [r for r in (self.strong_reason(s) for s in sentences) if r]
        majority = bool(hits) and len(hits) * 2 >= len(sentences)
        if majority and (source_type in ("article", "transcript") or words <= 150):
            return hits[0]
        return None

    # -- transcripts --------------------------------------------------------------------------
    def tag_sentences(self, sentences: Sequence[str]) -> list[str | None]:
        """Boilerplate reason per transcript sentence.

        A promo block is a run of sentences with promo or call-to-action cues, where weak cues
        ("community", "every single week", "join") count only inside a run that holds at least
        one strong cue, and single cue-less sentences between cue sentences are absorbed. A
        teaser ("if you want a video that shows ...") in the final ``teaser_tail_share`` of the
        transcript marks everything from there to the end.
        """
        n = len(sentences)
        if not self.config.enabled or n == 0:
            return [None] * n
        strong = [self.strong_reason(s) for s in sentences]
        weak = [any(p.search(s) for p in self._weak) for s in sentences]
        tags: list[str | None] = [None] * n
        i = 0
        while i < n:
            if not (strong[i] or weak[i]):
                i += 1
                continue
            j = i
            last_cue = i
            while j + 1 < n and (
                strong[j + 1] or weak[j + 1] or (j + 2 < n and (strong[j + 2] or weak[j + 2]))
            ):
                j += 1
                if strong[j] or weak[j]:
                    last_cue = j
            run = range(i, last_cue + 1)
            if any(strong[k] for k in run):
                reasons = [strong[k] for k in run if strong[k]]
                reason = "promo" if "promo" in reasons else reasons[0]
                for k in run:
                    tags[k] = reason
            i = last_cue + 1
        tail_start = int(n * (1 - self.config.teaser_tail_share))
        for k in range(max(tail_start, 0), n):
            if any(p.search(sentences[k]) for p in self._teaser):
                for m in range(k, n):
                    if tags[m] is None:
                        tags[m] = "teaser"
                break
        return tags


def is_closing_block(block: str) -> bool:
    """True for a block that closes an article: a sign-off, a call to action, a comment prompt."""
    if is_signoff(block):
        return True
    reason = BoilerplateDetector().classify_unit(block, "article")
    return reason in {"call_to_action", "comment_prompt", "signoff", "url", "promo"}
