"""Label Studio and doccano: export a coding sample as tasks, parse their exports back.

Teams that already code in one of these tools can use it instead of the coding page:

- **Label Studio**: ``labelstudio_tasks.json`` (one task per unit, ``data.text`` and
  ``data.segment_id``) and ``labelstudio_config.xml`` (a single-choice ``stance`` question, a
  multiple-choice ``themes`` question and a ``note`` text area). Import the tasks into a project
  with that labelling interface; export it as *JSON* (or *JSON-MIN*) and pass the export to
  ``discourse estimate --codes``.
- **doccano**: ``doccano.jsonl`` (one line per unit, ``text`` and ``segment_id``) for a *text
  classification* project whose label set is the stance labels plus the theme names. Export the
  project as JSONL and pass it to ``--codes``: each unit's labels must hold at most one stance
  (none = not coded yet) and any themes.

Exports are untrusted input: unknown labels, units without a ``segment_id`` and conflicting
annotations of one unit are errors that name the unit, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

from discourse.codebook import Codebook
from discourse.coding.page import default_definition
from discourse.errors import InputError

__all__ = [
    "doccano_lines",
    "labelstudio_config",
    "labelstudio_tasks",
    "parse_doccano",
    "parse_labelstudio",
]


def labelstudio_config(codebook: Codebook) -> str:
    """The Label Studio labelling interface (XML) for the codebook's stance and themes."""
    stance = "\n".join(
        f"    <Choice value={quoteattr(s)} hint={quoteattr(_definition(codebook, s))}/>"
        for s in codebook.stance_labels
    )
    themes = "\n".join(
        f"    <Choice value={quoteattr(t.name)} hint={quoteattr(t.definition)}/>"
        for t in codebook.themes
    )
    return (
        "<View>\n"
        '  <Text name="text" value="$text"/>\n'
        f"  <Header value={quoteattr('Stance: ' + codebook.stance.question)}/>\n"
        '  <Choices name="stance" toName="text" choice="single-radio" required="true" '
        'showInline="true">\n'
        f"{stance}\n"
        "  </Choices>\n"
        '  <Header value="Themes (any number)"/>\n'
        '  <Choices name="themes" toName="text" choice="multiple" showInline="true">\n'
        f"{themes}\n"
        "  </Choices>\n"
        '  <TextArea name="note" toName="text" placeholder="note (optional)" rows="2"/>\n'
        "</View>\n"
    )


def _definition(codebook: Codebook, stance: str) -> str:
    spec = next((lab for lab in codebook.stance.labels if lab.name == stance), None)
    return spec.definition if spec is not None else default_definition(codebook)


def labelstudio_tasks(units: pd.DataFrame) -> list[dict[str, Any]]:
    """Label Studio tasks, one per unit (``segment_id``, ``text``), in coding order."""
    return [
        {"data": {"segment_id": str(u.segment_id), "text": str(u.text)}}
        for u in units.itertuples(index=False)
    ]


def doccano_lines(units: pd.DataFrame) -> str:
    """doccano import file (JSONL): one ``{"text", "segment_id"}`` object per line."""
    return "".join(
        json.dumps({"text": str(u.text), "segment_id": str(u.segment_id)}, ensure_ascii=False)
        + "\n"
        for u in units.itertuples(index=False)
    )


def _row(
    unit: str, stance: str | None, themes: Iterable[str], note: str, codebook: Codebook
) -> dict[str, Any]:
    chosen = set(themes)
    unknown = sorted(chosen - set(codebook.theme_names))
    if unknown:
        raise InputError(f"unit {unit}: unknown theme(s) {unknown}; valid: {codebook.theme_names}")
    if stance is not None and stance not in codebook.stance_labels:
        raise InputError(f"unit {unit}: unknown stance {stance!r}; valid: {codebook.stance_labels}")
    row: dict[str, Any] = {"segment_id": unit, "stance": stance}
    for theme in codebook.theme_names:
        row[theme] = int(theme in chosen)
    row["note"] = note
    return row


def _choices(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("choices", [])
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputError(f"expected a choice or a list of choices, got {value!r}")


def _labelstudio_result(unit: str, result: Any) -> tuple[str | None, list[str], str]:
    if not isinstance(result, list):
        raise InputError(f"unit {unit}: annotation result is not a list")
    stance: str | None = None
    themes: list[str] = []
    note = ""
    for item in result:
        if not isinstance(item, dict):
            raise InputError(f"unit {unit}: annotation result item is not an object")
        name, value = item.get("from_name"), item.get("value", {})
        if name == "stance":
            picked = _choices(value)
            if len(picked) > 1:
                raise InputError(f"unit {unit}: more than one stance {picked}")
            stance = picked[0] if picked else None
        elif name == "themes":
            themes = _choices(value)
        elif name == "note":
            text = value.get("text", []) if isinstance(value, dict) else value
            note = " ".join(text) if isinstance(text, list) else str(text)
        else:
            raise InputError(
                f"unit {unit}: unknown question {name!r} (expected stance, themes or note: "
                "use the labelling interface `discourse sample` wrote)"
            )
    return stance, themes, note


def parse_labelstudio(data: Any, codebook: Codebook) -> pd.DataFrame:
    """Codes from a Label Studio JSON or JSON-MIN export.

    A task with several non-cancelled annotations that disagree is an error (adjudicate first);
    a task with none is not coded yet (``stance`` is None).

    Raises
    ------
    ValueError
        On a malformed export, a task without ``segment_id``, unknown labels or conflicts.
    """
    if not isinstance(data, list):
        raise InputError("a Label Studio export is a JSON list of tasks")
    rows = []
    for i, task in enumerate(data):
        if not isinstance(task, dict):
            raise InputError(f"task {i} is not an object")
        fields = task.get("data", task)
        unit = fields.get("segment_id") if isinstance(fields, dict) else None
        if not isinstance(unit, str) or not unit:
            raise InputError(
                f"task {i} has no segment_id (import the tasks `discourse sample` wrote)"
            )
        if "data" not in task:  # JSON-MIN: answers are top-level keys
            stance = _choices(task.get("stance", ""))
            if len(stance) > 1:
                raise InputError(f"unit {unit}: more than one stance {stance}")
            themes = _choices(task.get("themes", []))
            note = task.get("note", "")
            rows.append(
                _row(unit, stance[0] if stance else None, themes, str(note or ""), codebook)
            )
            continue
        annotations = [
            a
            for a in task.get("annotations", []) or []
            if isinstance(a, dict) and not a.get("was_cancelled", False)
        ]
        parsed = {
            json.dumps(_labelstudio_result(unit, a.get("result", []))[:2], sort_keys=True): a
            for a in annotations
        }
        if len(parsed) > 1:
            raise InputError(
                f"unit {unit} has {len(annotations)} annotations that disagree: adjudicate them "
                "in Label Studio (keep one) before estimating"
            )
        if not annotations:
            rows.append(_row(unit, None, [], "", codebook))
            continue
        stance_, themes_, note_ = _labelstudio_result(unit, annotations[-1].get("result", []))
        rows.append(_row(unit, stance_, themes_, note_, codebook))
    return pd.DataFrame(rows)


def parse_doccano(lines: Iterable[str], codebook: Codebook) -> pd.DataFrame:
    """Codes from a doccano text-classification JSONL export.

    Each line's ``label`` (or ``labels``) list holds at most one stance label and any theme
    names; a line with no stance is not coded yet. ``segment_id`` is read from the line or its
    ``meta``.

    Raises
    ------
    ValueError
        On a malformed line, a missing ``segment_id``, unknown labels or two stances.
    """
    rows = []
    stances = set(codebook.stance_labels)
    themes_all = set(codebook.theme_names)
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {i} is not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise InputError(f"line {i} is not a JSON object")
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        unit = obj.get("segment_id", meta.get("segment_id"))
        if not isinstance(unit, str) or not unit:
            raise InputError(
                f"line {i} has no segment_id (import the file `discourse sample` wrote)"
            )
        labels = obj.get("label", obj.get("labels", []))
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise InputError(f"unit {unit}: `label` must be a list of label names")
        unknown = sorted(set(labels) - stances - themes_all)
        if unknown:
            raise InputError(
                f"unit {unit}: unknown label(s) {unknown}; valid: "
                f"{codebook.stance_labels + codebook.theme_names}"
            )
        picked = sorted(set(labels) & stances)
        if len(picked) > 1:
            raise InputError(f"unit {unit}: more than one stance {picked}")
        note = obj.get("comment", obj.get("note", ""))
        rows.append(
            _row(
                unit,
                picked[0] if picked else None,
                [x for x in labels if x in themes_all],
                str(note or ""),
                codebook,
            )
        )
    return pd.DataFrame(rows)
