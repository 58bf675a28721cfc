"""Headless Chromium for the tests that look at a page as a person does (Debian's chromium and chromium-driver).

``chromium(folder, width, height)`` yields a Selenium driver whose profile and temporary files live in ``folder``
and whose network is cut off (Chrome's DevTools network emulation, offline), so a page that needs anything from
elsewhere shows it. ``shot(driver, name)`` keeps a PNG in ``$AUTOGRADER_SCREENSHOTS`` when that is set.
"""

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = os.environ.get("AUTOGRADER_SCREENSHOTS")


def _processes_mentioning(marker: str) -> list:
    """Pids of live processes whose command line contains ``marker`` (a unique temporary path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = next((line for line in (entry / "status").read_text().splitlines() if line.startswith("State:")), "")
        except OSError:
            continue
        if marker in cmdline and "zombie" not in state:
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def chromium(folder: Path, width: int = 1280, height: int = 900, offline: bool = True):
    """A headless Chromium window of ``width`` x ``height`` CSS pixels; every process of it gone afterwards."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("this test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(folder) / "chromium-profile"
    # Chromium's singleton socket lives in TMPDIR: pytest's folders make too long a path for a Unix socket
    scratch = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={profile}", f"--window-size={width},{height}", "--no-first-run",
                     "--hide-scrollbars", "--force-device-scale-factor=1",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER), env={**os.environ, "TMPDIR": scratch, "HOME": str(folder)})
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        driver.set_page_load_timeout(60)
        # the viewport (not the window, which has no frame headless) is what a page lays itself out in
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if offline:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        yield driver
    finally:
        driver.quit()
        deadline = time.monotonic() + 30
        while _processes_mentioning(str(profile)) and time.monotonic() < deadline:
            time.sleep(0.5)
        shutil.rmtree(scratch, ignore_errors=True)
        assert not _processes_mentioning(str(profile)), "a Chromium process is still running"


def shot(driver, name: str, full_page: bool = False) -> None:
    """Keep a screenshot of the page as ``$AUTOGRADER_SCREENSHOTS/name`` (the whole page with ``full_page``)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    if full_page:
        import base64

        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.execute_script("return document.documentElement.clientWidth")
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 12000), "scale": 1}})["data"]
        (Path(SHOTS) / name).write_bytes(base64.b64decode(data))
    else:
        driver.save_screenshot(str(Path(SHOTS) / name))
