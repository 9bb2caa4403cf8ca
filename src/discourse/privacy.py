"""Personal data: stable pseudonyms for people, and masking of contact details in text.

Author names and usernames become ``P-`` plus eight hex digits of a keyed hash (HMAC-SHA-256
with a secret salt), so the same person gets the same pseudonym across documents and runs, and
nobody without the salt can recompute it from a list of candidate names. The same names are
replaced where they appear in text ("Hi Danielle" -> "Hi P-1a2b3c4d"); e-mail addresses, phone
numbers, profile URLs and ``u/username`` mentions are masked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from discourse.config import PrivacyConfig

__all__ = ["Pseudonymiser"]

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]?\d{3,4}(?!\w)"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d{2,4}){3,4}(?!\w)"
    r"|(?<![\w%.,])\d{10,11}(?![\w%.,])"
)
PROFILE_URL_RE = re.compile(
    r"(?:https?://)?(?:www\.|m\.|old\.)?(?:"
    r"(?:facebook|fb|instagram|twitter|x|tiktok|linkedin|pinterest|snapchat|youtube)\.com/(?!watch\b)[^\s)\]]+"
    r"|reddit\.com/(?:u|user)/[\w-]+/?"
    r")",
    re.IGNORECASE,
)
USER_MENTION_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")


@dataclass
class Pseudonymiser:
    """Keyed pseudonyms and text masking.

    Parameters
    ----------
    salt
        Secret key; the same salt gives the same pseudonyms.
    config
        Which kinds of masking are on, and the pseudonym prefix.
    """

    salt: str
    config: PrivacyConfig | None = None

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = PrivacyConfig()
        self._key = self.salt.encode("utf-8")
        self._cache: dict[str, str] = {}
        self._matchers: dict[frozenset[str], tuple[re.Pattern[str] | None, dict[str, str]]] = {}

    @staticmethod
    def canonical(name: str) -> str:
        """The form of a name that is hashed: no ``u/`` prefix, whitespace folded, casefolded."""
        name = re.sub(r"^/?u/", "", name.strip())
        return re.sub(r"\s+", " ", name).casefold()

    def pseudonym(self, name: str | None) -> str | None:
        """The pseudonym of ``name`` (``None`` stays ``None``)."""
        if name is None or not name.strip():
            return None
        if not self.config.pseudonymise:
            return name
        key = self.canonical(name)
        if key not in self._cache:
            digest = hmac.new(self._key, key.encode("utf-8"), hashlib.sha256).hexdigest()
            self._cache[key] = f"{self.config.pseudonym_prefix}{digest[:8]}"
        return self._cache[key]

    def name_pattern(self, names: Iterable[str]) -> re.Pattern[str] | None:
        """One regex matching any of ``names`` as whole words: the name as written and in capitals,
        and for multi-word names also the first word when it is at least three letters long."""
        forms: dict[str, str] = {}
        for name in names:
            if not name or not name.strip():
                continue
            name = re.sub(r"\s+", " ", name.strip())
            variants = {name, name.upper(), name.title() if name.islower() else name}
            first = name.split(" ")[0]
            if " " in name and len(first) >= 3:
                variants |= {first, first.upper()}
            for v in variants:
                forms[v] = name
        if not forms:
            return None
        alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<![\w@/])(?:{alternation})(?![\w@])")

    def _name_matcher(self, names: frozenset[str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """The name regex and its lookup for a set of names, built once per set (a thread with
        100,000 comments masks every comment with the same set of names)."""
        cached = self._matchers.get(names)
        if cached is not None:
            return cached
        lookup: dict[str, str] = {}
        for n in names:
            if not n or not n.strip():
                continue
            n = re.sub(r"\s+", " ", n.strip())
            lookup[n.casefold()] = n
            first = n.split(" ")[0]
            if " " in n and len(first) >= 3:
                lookup.setdefault(first.casefold(), n)
        if len(self._matchers) >= 256:
            self._matchers.clear()
        self._matchers[names] = (self.name_pattern(names), lookup)
        return self._matchers[names]

    def mask_text(self, text: str, names: Iterable[str] = ()) -> str:
        """Replace known names by their pseudonyms and mask contact details.

        Parameters
        ----------
        text
            Cleaned text of a segment.
        names
            People known in this document (commenters, its author): each is replaced.
        """
        cfg = self.config
        if cfg.mask_profile_urls:
            text = PROFILE_URL_RE.sub("[profile-url]", text)
        if cfg.mask_emails:
            text = EMAIL_RE.sub("[email]", text)
        if cfg.mask_phones:
            text = PHONE_RE.sub("[phone]", text)
        if cfg.pseudonymise:
            text = USER_MENTION_RE.sub(lambda m: f"u/{self.pseudonym(m.group(1))}", text)
            pattern, lookup = self._name_matcher(frozenset(names))
            if pattern is not None:
                text = pattern.sub(
                    lambda m: self.pseudonym(lookup.get(m.group(0).casefold(), m.group(0))), text
                )
        return text
