"""The hand-coding page: self-contained, data embedded safely, deterministic."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from discourse.codebook import load_codebook
from discourse.coding.page import STANCE_KEYS, THEME_KEYS, write_coding_page

HOSTILE = [
    "</script><script>alert(1)</script>",
    "<!-- <script> a comment opener",
    "Tom & Jerry &amp; <b>bold</b> \"quoted\", 'single'",
    "line\u2028separator\u2029paragraph\nnewline\r\nCRLF",
    "</SCRIPT ><img src=x onerror=alert(1)>",
    '=HYPERLINK("http://example.invalid")',
]
DATA_RE = re.compile(
    r'<script type="application/json" id="discourse-data">(.*?)</script>', re.DOTALL
)


def _units() -> pd.DataFrame:
    texts = ["Go no contact so he misses you.", "Block her and heal.", *HOSTILE]
    return pd.DataFrame({"segment_id": [f"u{i:03d}" for i in range(len(texts))], "text": texts})


def _data(html: str) -> dict:
    blocks = DATA_RE.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "sub" / "coding.html"
    write_coding_page(_units(), load_codebook(), path, "pilot-1")
    return path


def test_page_is_written_with_the_units_in_order(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    data = _data(html)
    assert data["units"] == _units().to_dict("records")
    assert data["sample_id"] == "pilot-1"
    assert data["filename"] == "codes_pilot-1.csv"
    assert data["storage_key"].endswith("pilot-1")


def test_hostile_text_stays_inside_the_json(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    start = html.index('id="discourse-data">')
    block = html[start : html.index("</script>", start)]
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in block.split(">", 1)[1]
    # The one executable script is the template's; no unit text leaked out as markup.
    assert "alert(1)" not in html.replace(block, "")
    assert html.count("<script>") == 1
    assert [u["text"] for u in _data(html)["units"][2:]] == HOSTILE


def test_no_network_resources(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    outside_data = DATA_RE.sub("", html)
    assert "http://" not in outside_data and "https://" not in outside_data
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"<(?:link|iframe|img|object|embed)\b", outside_data, re.IGNORECASE)
    assert "@import" not in html and "url(" not in outside_data


def test_content_security_policy_allows_only_the_page_itself(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_codebook_labels_definitions_and_keys_present(page: Path) -> None:
    cb = load_codebook()
    data = _data(page.read_text(encoding="utf-8"))
    assert data["codebook"]["name"] == cb.meta.name
    assert data["codebook"]["version"] == cb.meta.version
    assert data["stance"]["question"] == cb.stance.question
    assert data["stance"]["decision_rules"] == cb.stance.decision_rules
    labels = data["stance"]["labels"]
    assert [s["name"] for s in labels] == cb.stance_labels
    assert [s["key"] for s in labels] == list(STANCE_KEYS[: len(cb.stance_labels)])
    for got, spec in zip(labels, cb.stance.labels):
        assert got["definition"] == spec.definition
        assert got["examples"] == spec.examples
        assert got["boundary_cases"] == spec.boundary_cases
    assert labels[-1]["definition"]  # the default label is explained too
    themes = data["themes"]
    assert [t["name"] for t in themes] == cb.theme_names
    assert [t["definition"] for t in themes] == [t.definition for t in cb.themes]
    assert [t["key"] for t in themes] == list(THEME_KEYS[: len(cb.themes)])
    assert not set(THEME_KEYS) & set(STANCE_KEYS) and not set("nm") & set(THEME_KEYS)
    assert data["csv_columns"] == ["segment_id", "stance", *cb.theme_names, "note"]


def test_two_writes_are_byte_identical(tmp_path: Path) -> None:
    cb = load_codebook()
    write_coding_page(_units(), cb, tmp_path / "a.html", "pilot-1")
    write_coding_page(_units(), cb, tmp_path / "b.html", "pilot-1")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


@pytest.mark.parametrize(
    ("units", "sample_id", "message"),
    [
        (pd.DataFrame({"segment_id": ["a"]}), "s", "text"),
        (pd.DataFrame({"segment_id": ["a", "a"], "text": ["x", "y"]}), "s", "repeat"),
        (pd.DataFrame({"segment_id": ["a"], "text": [None]}), "s", "without text"),
        (pd.DataFrame({"segment_id": [], "text": []}), "s", "no units"),
        (pd.DataFrame({"segment_id": ["a"], "text": ["x"]}), "", "non-empty"),
        (pd.DataFrame({"segment_id": ["a"], "text": ["x"]}), "../x", "must not contain"),
    ],
)
def test_bad_input_is_refused(
    tmp_path: Path, units: pd.DataFrame, sample_id: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_coding_page(units, load_codebook(), tmp_path / "p.html", sample_id)
    assert not (tmp_path / "p.html").exists()
