"""The coding page in a real browser: keyboard coding, autosave, CSV export, import back.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``) and the ``selenium`` package (the ``dev`` extra). ``.ci/run``
installs the browser; in CI (``CI=true``) a missing piece fails the test, elsewhere it skips.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from discourse.codebook import load_codebook
from discourse.coding.codes import read_codes
from discourse.coding.page import write_coding_page

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SAMPLE_ID = "browser-test"
TEXTS = [
    "Go no contact for thirty days so he misses you.",
    "No contact is how I finally healed.</script><script>alert(1)</script>",
    "Whether you talk to your ex is your call, not a rule's.",
    "No contact means no texts, calls or likes.",
    "Delete the photos & block the number.",
    "Does no contact really work?",
]
NOTE_1 = 'torn, "maybe" strategic'
NOTE_3_TYPED = '=cmd, 1 q "x"\nsecond line'  # digits/letters in the note must not code
NOTE_3_EXPORTED = "'" + NOTE_3_TYPED  # formula-injection guard


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
        pytest.fail(f"{message} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[object]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed: pip install -e '.[dev]' (or pip install selenium)")
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        _unavailable(
            f"{', '.join(missing)} missing: apt-get install chromium chromium-driver "
            "(Debian; .ci/run installs them)"
        )
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'profile'}",  # a fresh, empty local storage
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
        },
    )
    browser = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        # Headless Chrome only saves downloads where it is told to: say it over CDP as well.
        browser.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        browser.downloads = downloads
        yield browser
    finally:
        browser.quit()


def _wait_text(driver, element_id: str, text: str, timeout: float = 5) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.ID, element_id).text == text,
        message=f"#{element_id} never read {text!r}",
    )


def _keys(driver, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def _pressed(driver, attr: str) -> list[str]:
    from selenium.webdriver.common.by import By

    buttons = driver.find_elements(By.CSS_SELECTOR, f"button[{attr}]")
    return [b.get_attribute(attr) for b in buttons if b.get_attribute("aria-pressed") == "true"]


def _wait_download(folder: Path, name: str, timeout: float = 10) -> Path:
    target = folder / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.is_file() and not list(folder.glob("*.crdownload")):
            return target
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; {folder} holds {sorted(folder.iterdir())}")


def test_code_with_keyboard_autosave_export_and_import(driver, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    cb = load_codebook()
    assert cb.stance_labels[:2] == ["strategic", "self-healing"]
    assert cb.theme_names == ["shame", "abandonment", "regret"]
    units = pd.DataFrame({"segment_id": [f"s{i:02d}" for i in range(len(TEXTS))], "text": TEXTS})
    page = tmp_path / "page" / "coding.html"
    write_coding_page(units, cb, page, SAMPLE_ID)

    driver.get(page.as_uri())
    _wait_text(driver, "progress-text", "0 / 6 coded")
    assert driver.find_element(By.ID, "unit-text").text == TEXTS[0]

    # Unit 1: self-healing (2), shame (q), a note with a comma and quotes, Enter -> next.
    _keys(driver, "2", "q", "m")
    assert driver.switch_to.active_element.get_attribute("id") == "note"
    _keys(driver, NOTE_1, Keys.ESCAPE, Keys.ENTER)
    _wait_text(driver, "position-text", "Unit 2 of 6")
    _wait_text(driver, "progress-text", "1 / 6 coded")
    # The hostile text is shown as text, and no script of it ran.
    assert driver.find_element(By.ID, "unit-text").text == TEXTS[1]
    assert driver.execute_script("return document.scripts.length") == 2

    # Unit 2: strategic (1); toggle abandonment on and off, regret on; arrow -> next.
    _keys(driver, "1", "w", "e", "w")
    assert _pressed(driver, "data-stance") == ["strategic"]
    assert _pressed(driver, "data-theme") == ["regret"]
    _keys(driver, Keys.ARROW_RIGHT)
    _wait_text(driver, "position-text", "Unit 3 of 6")

    # Unit 3: none (4), a note typed in the field: its keys, Enter included, code nothing.
    _keys(driver, "4")
    driver.find_element(By.ID, "note").click()
    _keys(driver, NOTE_3_TYPED)
    assert driver.find_element(By.ID, "position-text").text == "Unit 3 of 6"
    assert _pressed(driver, "data-stance") == ["none"]
    assert _pressed(driver, "data-theme") == []
    _keys(driver, Keys.ESCAPE)
    _wait_text(driver, "progress-text", "3 / 6 coded")

    # Back and forth, then jump to the next uncoded unit (4).
    _keys(driver, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    _wait_text(driver, "position-text", "Unit 1 of 6")
    _keys(driver, "n")
    _wait_text(driver, "position-text", "Unit 4 of 6")
    # A theme without a stance is kept, flagged, and not counted as coded.
    _keys(driver, "e")
    assert "no stance" in driver.find_element(By.ID, "unit-status").text
    _wait_text(driver, "progress-text", "3 / 6 coded")

    # Reload: the autosave restores codes, notes and the position.
    driver.refresh()
    _wait_text(driver, "progress-text", "3 / 6 coded")
    _wait_text(driver, "position-text", "Unit 4 of 6")
    assert _pressed(driver, "data-theme") == ["regret"]
    _keys(driver, Keys.ARROW_LEFT)
    _wait_text(driver, "position-text", "Unit 3 of 6")
    assert driver.find_element(By.ID, "note").get_attribute("value") == NOTE_3_TYPED
    driver.find_element(By.ID, "prev").click()
    _wait_text(driver, "position-text", "Unit 2 of 6")
    assert _pressed(driver, "data-theme") == ["regret"]
    driver.find_element(By.ID, "prev").click()
    assert _pressed(driver, "data-stance") == ["self-healing"]
    assert _pressed(driver, "data-theme") == ["shame"]
    assert driver.find_element(By.ID, "note").get_attribute("value") == NOTE_1

    # Export: a real download of codes_<sample_id>.csv.
    driver.find_element(By.ID, "export").click()
    csv_path = _wait_download(driver.downloads, f"codes_{SAMPLE_ID}.csv")
    assert "1 unit(s) have themes but no stance" in driver.find_element(By.ID, "status").text
    assert b'"torn, ""maybe"" strategic"' in csv_path.read_bytes()

    expected = pd.DataFrame(
        {
            "segment_id": units["segment_id"],
            "stance": ["self-healing", "strategic", "none", "", "", ""],
            "shame": [1, 0, 0, 0, 0, 0],
            "abandonment": [0, 0, 0, 0, 0, 0],
            "regret": [0, 1, 0, 0, 0, 0],
            "note": [NOTE_1, "", NOTE_3_EXPORTED, "", "", ""],
        }
    )
    got = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert list(got.columns) == ["segment_id", "stance", *cb.theme_names, "note"]
    got[cb.theme_names] = got[cb.theme_names].astype(int)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)

    # A second sample in the same browser starts empty: autosaves never mix.
    other = tmp_path / "page" / "other.html"
    write_coding_page(units, cb, other, "another-sample")
    driver.get(other.as_uri())
    _wait_text(driver, "progress-text", "0 / 6 coded")

    # Import the file back with the project's reader.
    codes = read_codes(csv_path, cb)
    assert codes["segment_id"].tolist() == units["segment_id"].tolist()
    assert codes["stance"].tolist() == ["self-healing", "strategic", "none", None, None, None]
    for theme in cb.theme_names:
        assert codes[theme].tolist() == expected[theme].tolist()
    assert codes["note"].tolist()[:3] == [NOTE_1, "", NOTE_3_EXPORTED]
