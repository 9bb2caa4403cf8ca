"""HTML pages (``.html``, ``.htm``): the article's main text and, where marked up, its comments.

* Main text and metadata (title, author, date, site name, URL) come from trafilatura, run on the
  parsed page with the comments already cut out, so comment text can never end up in the
  article. Navigation, sidebars and footers are left out by trafilatura. Nothing is fetched: the
  page is only read from the file.
* Comments are read from the markup:

  - WordPress-style threads: elements with the class ``comment`` (``li.comment`` in
    ``ol.comment-list``/``ol.commentlist``) with the commenter in ``.fn`` / ``.comment-author``,
    the time in ``time[datetime]`` (or the text of ``.comment-metadata``), the text in
    ``.comment-content`` (or the paragraphs of ``.comment-body``), replies nested in
    ``ol.children``/``ul.children``, and ``bypostauthor`` marking the article author's replies;
  - otherwise a generic fallback: an element whose class contains "comment" holding an author
    element (class containing "author" or "name") and a text element (class containing
    "content", "text", "body" or "message").

  Replies come from the nesting (``reply_inference="explicit"``); a comment is the article
  author's reply when marked ``bypostauthor`` or when its author is the article's author.
* A page without comment markup whose text holds a plain-text thread ("Name says" lines or
  "Reply <date>" lines) has it split off as in :mod:`discourse.ingest.text`.

The sources file overrides title, url, outlet, date and author.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from discourse.clean.normalize import normalise_newlines
from discourse.corpus import Document, ParsedDocument, Unit
from discourse.ingest.base import ReadContext, SourceOverride, register_reader
from discourse.ingest.files import InputFile, RejectedInput, decode_text, looks_binary
from discourse.ingest.text import paragraphs
from discourse.ingest.threads import (
    detect_thread,
    infer_author,
    infer_replies_by_date,
    infer_replies_by_name,
    parse_comment_date,
)

__all__ = [
    "MAX_HTML_DEPTH",
    "HtmlComment",
    "find_comments",
    "flatten_html",
    "parse_html",
    "read_html",
]

_AUTHOR_MARKS = {"bypostauthor", "by-post-author", "byauthor"}
_REPLIES_RE = re.compile(r"children|replies|sub-?comments", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_NOT_A_COMMENT_RE = re.compile(r"comments?-(?:open|closed|count)|(?:has|no)-comments?")
_SAYS_RE = re.compile(r"\s*(?:says|said|wrote)\s*:?\s*$", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass
class HtmlComment:
    """A comment found in the page markup.

    ``parent`` is the index (in document order) of the comment it replies to.
    """

    text: str
    author: str | None = None
    published: str | None = None
    parent: int | None = None
    by_post_author: bool = False
    element_id: str | None = None


# -- markup helpers -----------------------------------------------------------------------------


def _classes(el: Any) -> list[str]:
    cls = el.get("class") if isinstance(el.tag, str) else None
    return cls.lower().split() if cls else []


def _class_has(el: Any, *parts: str) -> bool:
    """True if any class token of ``el`` contains one of ``parts``."""
    return any(p in c for c in _classes(el) for p in parts)


def _text(el: Any) -> str:
    return _WS_RE.sub(" ", el.text_content()).strip()


def _own(el: Any, nested: set[Any]) -> Iterator[Any]:
    """Descendants of ``el`` that are not inside another comment (an element of ``nested``)."""
    stack = list(reversed(list(el)))
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str) or node in nested:
            continue
        yield node
        stack.extend(reversed(list(node)))


def _first(nodes: Iterator[Any], pred: Callable[[Any], bool]) -> Any | None:
    return next((n for n in nodes if pred(n)), None)


def _block_text(el: Any) -> str:
    """Text of a comment body: its paragraphs separated by blank lines."""
    paras = [t for p in el.iter("p") if (t := _text(p))]
    return "\n\n".join(paras) if paras else _text(el)


def _iso(value: str | None) -> str | None:
    """An ISO-8601 string for a ``datetime`` attribute or a written date, else ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    parsed = parse_comment_date(value)
    if parsed is None:
        return None
    return parsed.isoformat() if re.search(r"\d:\d\d", value) else parsed.date().isoformat()


def _published(el: Any, nested: set[Any]) -> str | None:
    own = list(_own(el, nested))
    t = _first(iter(own), lambda n: n.tag == "time" and n.get("datetime"))
    if t is not None and (iso := _iso(t.get("datetime"))):
        return iso
    for n in own:
        if n.get("datetime") and (iso := _iso(n.get("datetime"))):
            return iso
    meta = _first(iter(own), lambda n: _class_has(n, "comment-meta", "commentmeta", "date", "time"))
    if meta is not None:
        for candidate in [*meta.iter("a"), meta]:
            if iso := _iso(_text(candidate)):
                return iso
    return None


def _clean_author(name: str) -> str | None:
    name = _SAYS_RE.sub("", name).strip()
    return name or None


# -- finding comments ---------------------------------------------------------------------------


def _wordpress(root: Any) -> list[tuple[Any, str, str | None]]:
    """WordPress comments: ``(element, text, author)`` for each ``.comment`` element."""
    candidates = [el for el in root.iter() if "comment" in _classes(el)]
    cset = set(candidates)
    found = []
    for el in candidates:
        own = list(_own(el, cset))
        if not _comment_box(el) or any(n.tag == "form" for n in own):
            continue
        author_el = _first(iter(own), lambda n: "fn" in _classes(n))
        if author_el is None:
            author_el = _first(iter(own), lambda n: _class_has(n, "comment-author"))
        if author_el is None:
            author_el = _first(iter(own), lambda n: n.tag == "cite")
        body = _first(iter(own), lambda n: _class_has(n, "comment-content", "comment-text"))
        if body is not None:
            text = _block_text(body)
        else:
            skip = {
                p
                for n in own
                if _class_has(n, "comment-author", "comment-meta", "commentmeta", "reply")
                for p in n.iter("p")
            }
            container = _first(iter(own), lambda n: "comment-body" in _classes(n))
            paras = [
                t
                for p in (_own(container, cset) if container is not None else iter(own))
                if p.tag == "p" and p not in skip and (t := _text(p))
            ]
            text = "\n\n".join(paras)
        if author_el is None and not text:
            continue
        author = _clean_author(_text(author_el)) if author_el is not None else None
        found.append((el, text, author))
    return found


def _generic(root: Any) -> list[tuple[Any, str, str | None]]:
    """Fallback: "comment" elements holding an author element and a text element."""

    def in_form(el: Any) -> bool:
        return any(a.tag == "form" for a in el.iterancestors())

    authors = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and _class_has(el, "author", "name")
        and not _class_has(el, "form")
        and _text(el)
        and not in_form(el)
    ]
    found: dict[Any, tuple[str, str | None]] = {}
    for a in authors:
        for comment in a.iterancestors():
            if comment in found:
                break
            if not _comment_box(comment):
                continue
            body = _generic_body(comment, a)
            if body is not None:
                text = _block_text(body)
                if text:
                    found[comment] = (text, _clean_author(_text(a)))
                break
    order = {el: i for i, el in enumerate(root.iter())}
    return [(el, t, au) for el, (t, au) in sorted(found.items(), key=lambda kv: order[kv[0]])]


def _comment_box(el: Any) -> bool:
    """Could ``el`` be one comment? Its class names a comment, and it is not the page or article."""
    if el.tag in ("html", "body", "main") or next(el.iter("h1"), None) is not None:
        return False
    return any("comment" in c and not _NOT_A_COMMENT_RE.search(c) for c in _classes(el))


def _generic_body(comment: Any, author: Any) -> Any | None:
    """The comment's own text element: after the author, not inside another comment element."""
    ancestors_of_author = set(author.iterancestors())
    seen_author = False
    for el in comment.iter():
        if el is author:
            seen_author = True
            continue
        if not seen_author or not isinstance(el.tag, str) or el in ancestors_of_author:
            continue
        if not _class_has(el, "content", "text", "body", "message"):
            continue
        if any(a is author for a in el.iterancestors()):
            continue
        between = []
        for anc in el.iterancestors():
            if anc is comment:
                break
            between.append(anc)
        if any(_class_has(b, "comment") and b not in ancestors_of_author for b in between):
            continue
        return el
    return None


def _parent(el: Any, index: dict[Any, int], order: dict[Any, int]) -> int | None:
    """The comment ``el`` replies to, from the nesting of the markup."""
    for anc in el.iterancestors():
        if anc in index:
            return index[anc]
        if _REPLIES_RE.search(f"{anc.get('class', '')} {anc.get('id', '')}"):
            holder = anc.getparent()
            if holder is None:
                continue
            inside = set(anc.iter())
            before = [
                c for c in holder.iter() if c in index and c not in inside and order[c] < order[anc]
            ]
            if before:
                return index[before[-1]]
    return None


def _marked_by_author(el: Any, index: dict[Any, int]) -> bool:
    """``bypostauthor`` on the comment or on a wrapper holding no other comment."""
    if _AUTHOR_MARKS & set(_classes(el)):
        return True
    own = set(el.iter())
    for anc in el.iterancestors():
        if any(c in index and c not in own for c in anc.iter()):
            return False
        if _AUTHOR_MARKS & set(_classes(anc)):
            return True
    return False


def find_comments(root: Any) -> tuple[list[HtmlComment], list[Any]]:
    """Find the comments marked up in a parsed page.

    Parameters
    ----------
    root
        The page's lxml root element.

    Returns
    -------
    (comments, elements)
        The comments in document order (``parent`` set from the nesting) and their elements.
    """
    found = _wordpress(root) or _generic(root)
    if not found:
        return [], []
    order = {el: i for i, el in enumerate(root.iter())}
    index = {el: i for i, (el, _, _) in enumerate(found)}
    kept = set(index)
    comments = []
    for el, text, author in found:
        comments.append(
            HtmlComment(
                text=text,
                author=author,
                published=_published(el, kept),
                parent=_parent(el, index, order),
                by_post_author=_marked_by_author(el, index),
                element_id=el.get("id"),
            )
        )
    return comments, [el for el, _, _ in found]


# -- the reader ---------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Decode an HTML page, preferring its declared charset when it is not UTF-8."""
    if not data.startswith(_BOMS) and data and not looks_binary(data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            m = _META_CHARSET_RE.search(data[:4096])
            if m:
                enc = m.group(1).decode("ascii", "replace")
                try:
                    return data.decode(enc), enc
                except (LookupError, UnicodeDecodeError):
                    pass
    return decode_text(data)


def _load_tree(text: str, ctx: ReadContext | None = None) -> Any | None:
    """The page's lxml tree, with nothing cut off by the parser's nesting limit.

    libxml2 stops reading a page nested deeper than 255 elements (a forum page of unclosed
    ``<div class="post">`` is one), dropping the rest without an error. Such a page is parsed
    again with the 2048-level limit (``huge_tree``) and, if it is deeper still, with the
    elements below :data:`MAX_HTML_DEPTH` levels made siblings (:func:`flatten_html`) so that
    all of its text is kept; a note in the manifest says which. A page that still cannot be
    parsed in full is rejected, never read in part.
    """
    tree = trafilatura.load_html(text)
    if tree is None:
        try:  # a fragment trafilatura finds dubious
            body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
            parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
            tree = lxml.html.document_fromstring(body, parser=parser)
        except (etree.ParserError, ValueError):
            return None
    if _max_depth(tree) < _CUT_DEPTH:
        return tree
    tree, cut = _parse_deep(text)
    if not cut:
        _note(ctx, "HTML nested more than 250 levels deep: parsed with the 2048-level limit")
        return tree
    flat, moved = flatten_html(text, MAX_HTML_DEPTH)
    tree, cut = _parse_deep(flat)
    if cut:
        raise RejectedInput("HTML nested too deeply to parse in full (over 2048 levels)")
    _note(
        ctx,
        f"HTML nested more than 2048 levels deep: {moved} elements below level "
        f"{MAX_HTML_DEPTH} were made siblings (text kept, nesting below that level lost)",
    )
    if ctx is not None:
        ctx.count("html_elements_flattened", moved)
    return tree


#: Nesting kept when a page is deeper than libxml2 can parse (see :func:`flatten_html`).
MAX_HTML_DEPTH = 1000
# trafilatura's parser stops at 255 levels; a tree this deep may have been cut there.
_CUT_DEPTH = 250
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


def _note(ctx: ReadContext | None, note: str) -> None:
    if ctx is not None:
        ctx.notes.append(note)


def _max_depth(root: Any) -> int:
    """The deepest nesting of elements under ``root`` (``root`` is level 0)."""
    deepest = 0
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in el)
    return deepest


def _parse_deep(text: str) -> tuple[Any | None, bool]:
    """Parse with libxml2's 2048-level limit; also say whether the limit cut the page."""
    from trafilatura.utils import repair_faulty_html

    parser = lxml.html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
    )
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", repair_faulty_html(text, text[:50].lower()))
    try:
        tree = lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False
    cut = any("Excessive depth" in e.message for e in parser.error_log)
    return tree, cut


class _Flattener(HTMLParser):
    """Re-writes HTML so that no element is nested deeper than ``limit`` (see
    :func:`flatten_html`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.limit = limit
        self.out: list[str] = []
        self.stack: list[str] = []
        self.closed_early: Counter[str] = Counter()
        self.moved = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if tag in _VOID:
            self.out.append(raw)
            return
        if len(self.stack) >= self.limit:
            closed = self.stack.pop()  # the new element becomes its sibling
            self.closed_early[closed] += 1
            self.out.append(f"</{closed}>")
            self.moved += 1
        self.stack.append(tag)
        self.out.append(raw)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        elif self.closed_early[tag]:
            self.closed_early[tag] -= 1
            return  # already closed when its child was made a sibling
        elif tag in self.stack:
            while self.stack.pop() != tag:
                pass
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


def flatten_html(text: str, limit: int = MAX_HTML_DEPTH) -> tuple[str, int]:
    """Re-write ``text`` so that no element is nested more than ``limit`` levels deep.

    An element that would open below ``limit`` closes the innermost open element first and so
    becomes its sibling: every piece of text and every element is kept, only the nesting
    below ``limit`` is lost. HTML comments and processing instructions are left out (the
    reader drops them anyway).

    Returns
    -------
    (html, moved)
        The re-written page and how many elements were moved up.
    """
    flattener = _Flattener(limit)
    flattener.feed(text)
    flattener.close()
    return "".join(flattener.out), flattener.moved


def _field(meta: Any, name: str) -> str | None:
    value = meta.get(name) if isinstance(meta, dict) else getattr(meta, name, None)
    return (value.strip() or None) if isinstance(value, str) else None


def _same_person(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    names = {n.strip().casefold() for n in re.split(r"[;,]| and ", b) if n.strip()}
    return a.strip().casefold() in names


def parse_html(text: str, document: Document, ctx: ReadContext) -> ParsedDocument:
    """Parse a decoded HTML page into article paragraphs and comments.

    Parameters
    ----------
    text
        The decoded page.
    document
        Identity and provenance of the document; metadata is filled in here.
    ctx
        Read context: the sources override wins over the page's metadata; counts ``comments``.

    Returns
    -------
    ParsedDocument
        An ``article`` document: one ``article`` unit per paragraph, then one ``comment`` unit
        per comment.

    Raises
    ------
    RejectedInput
        Neither main text nor comments could be found.
    """
    ov = ctx.override or SourceOverride()
    root = _load_tree(text, ctx) if text.strip() else None
    if root is None:
        raise RejectedInput("no main text found in HTML")
    page_title = _WS_RE.sub(" ", root.findtext(".//title") or "").strip() or None
    comments, elements = find_comments(root)
    dropped = set(elements)
    for el in elements:
        if el.getparent() is not None and not any(a in dropped for a in el.iterancestors()):
            el.drop_tree()  # comment text must not reach the article
    extracted = trafilatura.bare_extraction(
        root,
        url=ov.url,
        include_comments=False,
        with_metadata=True,
        include_tables=True,
        deduplicate=False,
        # dates from the page's markup only: a year in the text is not the publication date
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    meta: Any = extracted if extracted is not None else {}
    # trafilatura puts one paragraph on each line; no blank lines, so paragraphs() splits lines
    main = re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", normalise_newlines(_field(meta, "text") or ""))

    title = _field(meta, "title") or page_title
    sitename = _field(meta, "sitename")
    if sitename and title and sitename.casefold() == title.casefold():
        sitename = None  # trafilatura took the page title for the site's name
    author = ov.author or _field(meta, "author")
    inferred = False
    units: list[Unit] = []
    thread = detect_thread(main) if not comments else None
    body = main[: thread.body_end] if thread else main
    paras = paragraphs(body)
    if paras and any(t and paras[0].casefold() == t.strip().casefold() for t in (title, ov.title)):
        paras = paras[1:]  # the headline, already the document's title
    units.extend(Unit(text=p, source_type="article") for p in paras)
    if not units and not comments and not thread:
        raise RejectedInput("no main text found in HTML")

    if comments:
        keys: dict[int, str] = {}
        for i, c in enumerate(comments):
            if not c.text:
                continue
            parent = c.parent
            while parent is not None and parent not in keys:  # reply to an empty comment
                parent = comments[parent].parent
            keys[i] = f"c{len(keys)}"
            units.append(
                Unit(
                    text=c.text,
                    source_type="comment",
                    author=c.author,
                    published=c.published,
                    key=keys[i],
                    reply_to=keys[parent] if parent is not None else None,
                    reply_inference="explicit" if parent is not None else None,
                    is_author_reply=c.by_post_author or _same_person(c.author, author),
                    meta={"location": f"#{c.element_id}"} if c.element_id else {},
                )
            )
        ctx.count("comments", len(keys))
    elif thread:
        if thread.style == "says":
            author, inferred = infer_author(thread.comments, author)
            infer_replies_by_name(thread.comments, author)
        else:
            infer_replies_by_date(thread.comments)
        n = 0
        for i, tc in enumerate(thread.comments):
            if not tc.text.strip():
                continue
            n += 1
            units.append(
                Unit(
                    text=tc.text,
                    source_type="comment",
                    author=tc.author,
                    published=tc.date.isoformat() if tc.date else None,
                    key=f"c{i}",
                    reply_to=f"c{tc.reply_to}" if tc.reply_to is not None else None,
                    reply_inference=tc.reply_inference,
                    is_author_reply=tc.is_author_reply,
                    meta=dict(tc.meta),
                )
            )
        ctx.count("comments", n)
        ctx.notes.append("comments from a plain-text thread in the page text")
    if not units:
        raise RejectedInput("no main text found in HTML")

    if ov.kind not in (None, "article"):
        ctx.notes.append(f"sources file kind {ov.kind!r} ignored: HTML pages are articles")
    document.source_type = "article"
    document.title = ov.title or title
    document.author = author
    document.author_inferred = inferred
    document.published = ov.date or _field(meta, "date")
    document.url = ov.url or _field(meta, "url")
    document.outlet = ov.outlet or sitename or _field(meta, "hostname")
    return ParsedDocument(document=document, units=units)


@register_reader(
    "html",
    (".html", ".htm"),
    version="2",
    description="HTML pages: article text and marked-up comments",
)
def read_html(file: InputFile, ctx: ReadContext) -> list[ParsedDocument]:
    """Reader for HTML pages.

    Parameters
    ----------
    file
        The input file.
    ctx
        Read context (config, sources override, counters).

    Returns
    -------
    list of ParsedDocument
        One ``article`` document.
    """
    text = ctx.read_text(file, _decode)
    doc = Document(doc_id=file.rel, source_type="article", path=file.rel, sha256=file.sha256)
    return [parse_html(text, doc, ctx)]
