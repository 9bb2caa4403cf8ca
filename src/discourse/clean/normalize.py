"""Unicode repair and normalisation: mojibake, entities, quotes, bullets, whitespace, markdown."""

from __future__ import annotations

import html
import re

import ftfy

from discourse.config import CleanConfig

__all__ = ["normalise_newlines", "normalise_text", "strip_markdown"]

_BULLET_RE = re.compile(r"^[ \t]*[•◦▪▫●○■□·‣⁃∙][ \t]*", re.MULTILINE)
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANKS_RE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_MD_LINK_RE = re.compile(r"\[([^\]\n]{1,300})\]\((https?://[^)\s]+)\)")
_MD_EMPH_RE = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADER_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
_MD_QUOTE_RE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_MD_RULE_RE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR (and Unicode line/paragraph separators) become ``\\n``."""
    return (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2028", "\n")
        .replace("\u2029", "\n\n")
    )


def strip_markdown(text: str) -> str:
    """Reduce Reddit-style markdown to plain text: links keep their text and URL, emphasis,
    headers, block quotes and horizontal rules lose their markup."""
    text = _MD_LINK_RE.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _MD_EMPH_RE.sub(r"\2", text)
    text = _MD_HEADER_RE.sub("", text)
    text = _MD_QUOTE_RE.sub("", text)
    text = _MD_RULE_RE.sub("", text)
    return text


def normalise_text(text: str, config: CleanConfig | None = None, markdown: bool = False) -> str:
    """Repair and normalise one unit of text.

    Parameters
    ----------
    text
        Raw text of a unit.
    config
        Cleaning options; defaults apply when ``None``.
    markdown
        Also strip markdown (for Reddit and similar sources).

    Returns
    -------
    str
        Text with mojibake repaired (ftfy), HTML entities decoded, quotes straightened and bullets
        unified (if configured), zero-width characters removed, runs of spaces collapsed and at
        most one blank line between paragraphs.
    """
    cfg = config or CleanConfig()
    text = normalise_newlines(text)
    if cfg.fix_mojibake:
        text = ftfy.fix_text(
            text,
            uncurl_quotes=cfg.straight_quotes,
            unescape_html=False,
            fix_line_breaks=True,
            normalization="NFC",
        )
    elif cfg.straight_quotes:
        text = ftfy.fixes.uncurl_quotes(text)
    # Entities: twice, for doubly escaped scrapes ("&amp;amp;").
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    if cfg.straight_quotes:
        text = text.replace("´", "'").replace("`", "'")
    if markdown and cfg.strip_markdown:
        text = strip_markdown(text)
    if cfg.normalise_bullets:
        text = _BULLET_RE.sub("- ", text)
    text = _ZERO_WIDTH_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANKS_RE.sub("\n\n", text)
    return text.strip()
