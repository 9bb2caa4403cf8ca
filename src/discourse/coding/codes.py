"""Reading hand codes back: the coding page's CSV, a filled-in CSV, Label Studio or doccano.

Every reader returns the same frame: one row per unit in the file, ``segment_id``, ``stance``
(``None`` for a unit not coded yet), one int 0/1 column per theme (0 for an uncoded unit) and
``note``. The file is untrusted: an unknown label, a duplicated unit or an unreadable value is
an error that names the unit and the valid values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from discourse.codebook import Codebook
from discourse.coding.formats import parse_doccano, parse_labelstudio
from discourse.errors import InputError, MissingInputError

__all__ = ["FORMATS", "coded_only", "read_codes"]

#: ``--format`` values of :func:`read_codes`; ``auto`` picks by suffix and content.
FORMATS = ("auto", "csv", "labelstudio", "doccano")
_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"0", "false", "no", "n", ""}


def _csv_codes(path: Path, codebook: Codebook) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path} is not a readable CSV file: {exc}") from None
    id_col = next((c for c in ("segment_id", "unit_id") if c in frame.columns), None)
    if id_col is None:
        raise InputError(f"{path} has no segment_id column (columns: {list(frame.columns)})")
    missing = [c for c in ("stance", *codebook.theme_names) if c not in frame.columns]
    if missing:
        raise InputError(f"{path} lacks the code column(s) {missing}")
    labels = {s.lower(): s for s in codebook.stance_labels}
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        unit = rec[id_col].strip()
        if not unit:
            raise InputError(f"{path} line {i}: empty {id_col}")
        raw = rec["stance"].strip()
        if raw and raw.lower() not in labels:
            raise InputError(
                f"{path} line {i} (unit {unit}): unknown stance {raw!r}; valid: "
                f"{codebook.stance_labels} (or empty for not coded)"
            )
        row: dict[str, object] = {"segment_id": unit, "stance": labels.get(raw.lower())}
        for theme in codebook.theme_names:
            value = rec[theme].strip().lower()
            if value in _TRUE:
                row[theme] = 1
            elif value in _FALSE:
                row[theme] = 0
            else:
                raise InputError(
                    f"{path} line {i} (unit {unit}): theme {theme} must be 0/1 (or empty), "
                    f"got {rec[theme]!r}"
                )
        if row["stance"] is None and any(row[t] for t in codebook.theme_names):
            raise InputError(
                f"{path} line {i} (unit {unit}): themes are coded but the stance is empty; "
                "code the stance too (a unit counts as coded when its stance is set)"
            )
        row["note"] = rec.get("note", "")
        rows.append(row)
    return pd.DataFrame(rows)


def _detect(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".jsonl":
        return "doccano"
    if suffix == ".json":
        return "labelstudio"
    raise InputError(
        f"cannot tell the format of {path} from its suffix; pass --format "
        f"({', '.join(FORMATS[1:])})"
    )


def read_codes(path: str | Path, codebook: Codebook, fmt: str = "auto") -> pd.DataFrame:
    """Read hand codes from a CSV, a Label Studio JSON export or a doccano JSONL export.

    Parameters
    ----------
    path
        The codes file.
    codebook
        The codebook the codes follow (labels are checked against it).
    fmt
        One of :data:`FORMATS`; ``auto`` uses the suffix (``.csv``, ``.json`` Label Studio,
        ``.jsonl`` doccano).

    Returns
    -------
    pandas.DataFrame
        ``segment_id``, ``stance`` (None = not coded), one int 0/1 column per theme, ``note``;
        one row per unit in the file, in file order.

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        On an unknown format, a malformed file, unknown labels or a unit listed twice.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"no codes file at {path}")
    if fmt not in FORMATS:
        raise InputError(f"unknown codes format {fmt!r}; valid: {list(FORMATS)}")
    kind = _detect(path) if fmt == "auto" else fmt
    try:
        if kind == "csv":
            frame = _csv_codes(path, codebook)
        elif kind == "labelstudio":
            frame = parse_labelstudio(json.loads(path.read_text(encoding="utf-8")), codebook)
        else:
            frame = parse_doccano(path.read_text(encoding="utf-8").splitlines(), codebook)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a readable {kind} file: {exc}") from None
    except InputError as exc:
        if str(path) in str(exc):
            raise
        raise InputError(f"{path}: {exc}") from None
    columns = ["segment_id", "stance", *codebook.theme_names, "note"]
    if frame.empty:
        raise InputError(f"{path} holds no units")
    dupes = frame["segment_id"][frame["segment_id"].duplicated()].unique().tolist()
    if dupes:
        raise InputError(f"{path} lists unit(s) more than once: {dupes[:5]}")
    frame = frame[columns].copy()
    frame["stance"] = frame["stance"].astype(object).where(frame["stance"].notna(), None)
    for theme in codebook.theme_names:
        frame[theme] = frame[theme].astype("int64")
    frame["note"] = frame["note"].fillna("").astype(str)
    return frame.reset_index(drop=True)


def coded_only(codes: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`read_codes` whose stance is set."""
    return codes[codes["stance"].notna()].reset_index(drop=True)
