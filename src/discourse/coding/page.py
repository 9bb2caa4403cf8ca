"""A self-contained HTML page for hand-coding a sample of units, one at a time.

The page is one file that works opened from disk (``file://``): no server, no network, all CSS
and JavaScript inline, and a Content-Security-Policy that forbids loading anything. The units,
the codebook's definitions and the sample id travel inside the page as JSON, in a
``<script type="application/json" id="discourse-data">`` block escaped so that no text can
close the block; the page shows every text with ``textContent``, never as HTML.

Using the page:

* keys ``1`` .. ``k`` set the stance, in the codebook's label order (the default label, e.g.
  ``none``, last); keys ``q w e r t y u i o p a s d f g h j k l z x c v b`` toggle the themes, in
  codebook order (each key is shown next to its button); ``Delete`` clears the stance;
  ``Enter`` or the right arrow moves to the next unit, the left arrow to the previous one,
  ``n`` to the next uncoded unit; ``m`` puts the cursor in the note field, ``Esc`` leaves it
  (no key codes while the cursor is in the note). Buttons do the same with the mouse.
* a unit is coded once it has a stance; the header shows ``12 / 200 coded``. Themes set on a
  unit without a stance are kept in the browser and flagged on the page, but exported as 0.
* codes are saved in the browser's local storage under a key made from the sample id (two
  samples never mix) at every change, and restored when the page is opened again.
* **Export CSV** downloads ``codes_<sample_id>.csv`` with the columns ``segment_id, stance``, one
  0/1 column per theme in codebook order, and ``note``: one row per unit of the sample, in
  coding order (an uncoded unit has an empty stance and 0 for every theme). Fields are quoted
  as RFC 4180 says (a field with a comma, a quote, CR or LF is quoted, quotes doubled; lines end
  with CRLF). Against spreadsheet formula injection, a note that begins with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is written with a leading ``'``: a spreadsheet then
  shows it as text instead of running it. Whoever reads the notes back should know that such a
  note carries that extra first character.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from discourse.codebook import Codebook
from discourse.io_utils import write_text

__all__ = [
    "STANCE_KEYS",
    "THEME_KEYS",
    "default_definition",
    "page_data",
    "render_coding_page",
    "write_coding_page",
]

#: Keys that set the stance, in the codebook's label order (labels past the ninth get no key).
STANCE_KEYS = "123456789"
#: Keys that toggle the themes, in codebook order; ``n`` (next uncoded) and ``m`` (note) are
#: taken, and digits belong to the stance.
THEME_KEYS = "qwertyuiopasdfghjklzxcvb"
#: Prefix of the local-storage key; the sample id follows it.
STORAGE_PREFIX = "discourse-coding:v1:"

_TEMPLATE = "coding_page.html"
_DATA_SLOT = "@@DISCOURSE_DATA@@"
_CSP_SLOT = "@@CSP@@"
_BAD_SAMPLE_ID = re.compile(r"[/\\\x00-\x1f\x7f]")
#: Characters that must not appear raw inside an HTML <script> block (or JS source).
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def default_definition(codebook: Codebook) -> str:
    """The definition shown for the codebook's default stance (it has no label spec)."""
    return (
        f"The default stance: code {codebook.stance.default} when no other stance label "
        "applies (see the decision rules)."
    )


def page_data(units: pd.DataFrame, codebook: Codebook, sample_id: str) -> dict:
    """The data the coding page carries: sample id, codebook, keys and units.

    Parameters
    ----------
    units
        Columns ``segment_id`` and ``text``, in coding order.
    codebook
        The codebook whose stance labels and themes are coded.
    sample_id
        Identifies the sample (local-storage key and export file name).

    Returns
    -------
    dict
        JSON-ready: ``sample_id``, ``codebook`` (name, version, unit), ``stance`` (question,
        decision rules, boundary cases, default, labels with definition, examples, boundary
        cases and key), ``themes`` (likewise), ``units`` (``segment_id``, ``text``),
        ``storage_key``, ``filename`` and ``csv_columns``.

    Raises
    ------
    ValueError
        If a column is missing, a unit id is empty or repeated, a text is missing, there are
        no units, or the sample id is empty or holds a path separator or control character.
    """
    if not isinstance(sample_id, str) or not sample_id.strip():
        raise ValueError("sample_id must be a non-empty string")
    if _BAD_SAMPLE_ID.search(sample_id):
        raise ValueError(
            f"sample_id {sample_id!r} must not contain '/', '\\' or control characters "
            "(it names the exported file)"
        )
    missing = [c for c in ("segment_id", "text") if c not in units.columns]
    if missing:
        raise ValueError(f"units lack the column(s) {missing}; they need segment_id and text")
    if len(units) == 0:
        raise ValueError("no units to code")
    ids = units["segment_id"]
    if ids.isna().any():
        raise ValueError("units have a missing segment_id")
    ids = ids.astype(str)
    if (ids.str.strip() == "").any():
        raise ValueError("units have an empty segment_id")
    dups = sorted(ids[ids.duplicated()].unique())
    if dups:
        raise ValueError(f"segment_id values repeat: {dups[:5]}")
    no_text = ids[units["text"].isna().to_numpy()].tolist()
    if no_text:
        raise ValueError(f"units without text: {no_text[:5]}")

    def spec(label, key: str | None) -> dict:
        return {
            "name": label.name,
            "definition": label.definition,
            "examples": list(label.examples),
            "boundary_cases": list(label.boundary_cases),
            "key": key,
        }

    def key(keys: str, i: int) -> str | None:
        return keys[i] if i < len(keys) else None

    stance_labels = [
        spec(label, key(STANCE_KEYS, i)) for i, label in enumerate(codebook.stance.labels)
    ]
    stance_labels.append(
        {
            "name": codebook.stance.default,
            "definition": default_definition(codebook),
            "examples": [],
            "boundary_cases": [],
            "key": key(STANCE_KEYS, len(stance_labels)),
        }
    )
    themes = [spec(theme, key(THEME_KEYS, i)) for i, theme in enumerate(codebook.themes)]
    return {
        "sample_id": sample_id,
        "codebook": {
            "name": codebook.meta.name,
            "version": codebook.meta.version,
            "unit": codebook.meta.unit,
        },
        "stance": {
            "question": codebook.stance.question,
            "decision_rules": list(codebook.stance.decision_rules),
            "boundary_cases": list(codebook.stance.boundary_cases),
            "default": codebook.stance.default,
            "labels": stance_labels,
        },
        "themes": themes,
        "units": [
            {"segment_id": uid, "text": str(text)}
            for uid, text in zip(ids.tolist(), units["text"].tolist())
        ],
        "storage_key": STORAGE_PREFIX + sample_id,
        "filename": f"codes_{sample_id}.csv",
        "csv_columns": ["segment_id", "stance", *codebook.theme_names, "note"],
    }


def _script_json(data: dict) -> str:
    """JSON that is safe inside an HTML ``<script>`` block: no ``<``, ``>``, ``&``, U+2028/9.

    Those characters only ever occur inside JSON strings, where the ``\\uXXXX`` escapes mean the
    same character, so ``json.loads`` of the block gives back the data unchanged.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_ESCAPES[m.group(0)], text)


def _sha256_source(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _content_security_policy(template: str) -> str:
    """A policy that loads nothing and runs only the template's own script and style."""
    scripts = re.findall(r"<script>(.*?)</script>", template, flags=re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", template, flags=re.DOTALL)
    if len(scripts) != 1 or len(styles) != 1:
        raise RuntimeError(f"{_TEMPLATE}: expected one <script> and one <style> block")
    return (
        "default-src 'none'; "
        f"script-src {_sha256_source(scripts[0])}; "
        f"style-src {_sha256_source(styles[0])}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_coding_page(units: pd.DataFrame, codebook: Codebook, sample_id: str) -> str:
    """The coding page's HTML (see :func:`write_coding_page`)."""
    data = page_data(units, codebook, sample_id)
    template = resources.files("discourse.resources").joinpath(_TEMPLATE).read_text("utf-8")
    if template.count(_DATA_SLOT) != 1 or template.count(_CSP_SLOT) != 1:
        raise RuntimeError(f"{_TEMPLATE}: expected one {_DATA_SLOT} and one {_CSP_SLOT}")
    page = template.replace(_CSP_SLOT, _content_security_policy(template))
    return page.replace(_DATA_SLOT, _script_json(data))


def write_coding_page(units: pd.DataFrame, codebook: Codebook, path: Path, sample_id: str) -> None:
    """Write a self-contained HTML page for hand-coding ``units`` with ``codebook``.

    The page works opened from disk, with no server and no network. It shows one unit at a
    time with the codebook's question, decision rules and definitions beside it; keys ``1`` ..
    ``k`` set the stance (codebook order, the default label last), ``q w e ...`` toggle the
    themes, ``Enter`` or the arrows move, ``n`` jumps to the next uncoded unit, ``m`` opens the
    note. Codes are autosaved in the browser (local storage keyed by ``sample_id``) and
    exported as ``codes_<sample_id>.csv`` (see the module docstring for the columns, the
    quoting and the formula-injection guard on notes). The same input gives the same bytes.

    Parameters
    ----------
    units
        The units to code, in coding order: columns ``segment_id`` (unique, non-empty) and
        ``text``. Other columns are ignored.
    codebook
        The codebook (e.g. ``discourse.codebook.load_codebook()``); its stance labels and
        themes, with their definitions, examples and boundary cases, are embedded.
    path
        Where to write the page (written atomically; parent folders are created).
    sample_id
        The sample's id: it keys the browser's autosave and names the exported file. Must be
        non-empty, without ``/``, ``\\`` or control characters.

    Raises
    ------
    ValueError
        If ``units`` or ``sample_id`` are not as described.

    Examples
    --------
    >>> import pandas as pd
    >>> from discourse.codebook import load_codebook
    >>> units = pd.DataFrame({"segment_id": ["u1"], "text": ["Go no contact for 30 days."]})
    >>> write_coding_page(units, load_codebook(), Path("coding.html"), "pilot-1")  # doctest: +SKIP
    """
    write_text(render_coding_page(units, codebook, sample_id), Path(path))
