"""A TA grades a written answer in nbgrader's real formgrader, in a real (headless) Chromium.

On a class graded by the real `autograder grade` (tests/hand_graded.py), the formgrader Jupyter server
extension that nbgrader ships runs in the course folder (loopback only, a token, HOME and every Jupyter
folder in a temporary folder; the extension enabled the documented way, `jupyter server extension enable
--user`). Selenium drives Debian's chromium and chromedriver through the assignments page, the submissions
list and each submission's grading page, and types a score into the written answer's score input. The
score must reach the gradebook (nbgrader's Gradebook API), `autograder export`'s CSVs and the Canvas total,
and the student's feedback after `autograder grade`. At the end the server and the browser are stopped and
no process of theirs is left.

Set ``AUTOGRADER_SCREENSHOTS`` to a folder to keep PNG screenshots of the grading and feedback pages.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from .browser import CHROMEDRIVER, CHROMIUM, SHOTS, _processes_mentioning
from .hand_graded import ASSIGNMENT, ROSTER, WRITTEN, assert_shows_hand_grade, autograder, course_id, db_url, feedback_page, grade_of, graded_copy

pytestmark = pytest.mark.nbgrader

HAND = 1.5


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str, token: str) -> tuple:
    """HTTP status and body of ``url`` fetched with the server's token."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("this test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    return graded_copy(tmp_path_factory.getbasetemp(), "formgrader")


@pytest.fixture(scope="module")
def server(root, tmp_path_factory):
    """nbgrader's formgrader in a Jupyter server on 127.0.0.1, cwd the course; stopped (and checked gone) after."""
    home = tmp_path_factory.mktemp("formgrader-home")
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython"), "TMPDIR": str(home / "tmp")}
    (home / "tmp").mkdir()
    # what nbgrader's documentation says to run: the formgrader is a Jupyter server extension
    subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "enable", "--user",
                    "nbgrader.server_extensions.formgrader"], cwd=home, env=env, check=True, capture_output=True, timeout=120)
    port, token = _free_port(), secrets.token_hex(16)
    log = open(home / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
         f"--ServerApp.root_dir={root}", *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"the Jupyter server exited {process.returncode}:\n{(home / 'server.log').read_text()}")
            try:
                if _status(f"{base}/formgrader", token)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the formgrader did not answer within 120 s:\n{(home / 'server.log').read_text()}")
            time.sleep(0.5)
        yield {"base": base, "token": token, "home": home, "log": home / "server.log"}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()
        try:
            os.killpg(process.pid, 0)
            left = True
        except ProcessLookupError:
            left = False
        assert not left, "a process of the Jupyter server's group is still running"
        assert not _processes_mentioning(str(root)), "a process started in the course folder is still running"


@pytest.fixture(scope="module")
def browser(server):
    """Headless Chromium through chromedriver, its profile and temporary files in the server's temporary home."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = server["home"] / "chromium-profile"
    # Chromium's singleton socket lives in TMPDIR: pytest's folders make too long a path for a Unix socket
    scratch = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={profile}", "--window-size=1400,1000", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER), env={**os.environ, "TMPDIR": scratch, "HOME": str(server["home"])})
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    driver.set_page_load_timeout(60)
    try:
        # the token in the URL logs the browser in (a cookie) for every later page
        driver.get(f"{server['base']}/formgrader?token={server['token']}")
        yield driver
    finally:
        driver.quit()
        deadline = time.monotonic() + 30
        while _processes_mentioning(str(profile)) and time.monotonic() < deadline:
            time.sleep(0.5)
        shutil.rmtree(scratch, ignore_errors=True)
        assert not _processes_mentioning(str(profile)), "a Chromium process is still running"


def _wait(driver, condition, what: str, seconds: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, seconds).until(condition)
    except Exception as error:  # noqa: BLE001 - say which page and what was missing
        raise AssertionError(f"{what} not found on {driver.current_url}:\n{driver.page_source[:3000]}") from error


def _shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / name))


@pytest.fixture(scope="module")
def grading_pages(server, browser):
    """The assignments page, the submissions list, then each submission's grading page: ``student -> url``."""
    from selenium.webdriver.common.by import By

    base = server["base"]
    browser.get(f"{base}/formgrader/manage_assignments")
    _wait(browser, lambda d: any(ASSIGNMENT in td.text for td in d.find_elements(By.CSS_SELECTOR, "td.name")),
          f"the assignment {ASSIGNMENT} in the assignments table")
    browser.get(f"{base}/formgrader/manage_submissions/{ASSIGNMENT}")
    _wait(browser, lambda d: sorted(td.text for td in d.find_elements(By.CSS_SELECTOR, "td.student-id")) == sorted(ROSTER),
          "every student's row in the submissions list")
    browser.get(f"{base}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    links = _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "a.name-shown")) == len(ROSTER)
                  and d.find_elements(By.CSS_SELECTOR, "a.name-shown"), "a grading link per submission")
    return {link.get_attribute("textContent").strip(): link.get_attribute("href") for link in links}


def test_every_grading_page_loads_with_the_written_answer(server, browser, grading_pages, root):
    from selenium.webdriver.common.by import By

    assert sorted(grading_pages) == sorted(ROSTER)  # students without a name are listed by id
    for student, url in grading_pages.items():
        status, body = _status(url, server["token"])
        assert status == 200, f"{student}'s grading page answered {status}:\n{server['log'].read_text()[-3000:]}"
        browser.get(url)
        assert not browser.find_elements(By.ID, "error-500"), f"{student}'s grading page is formgrader's error page"
        score = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"input.score#{WRITTEN}"),
                      f"{student}'s score input of {WRITTEN}")[0]
        assert score.is_displayed()
        assert "TemplateNotFound" not in server["log"].read_text()


@pytest.fixture(scope="module")
def hand_graded(server, browser, grading_pages, root):
    """alice's written answer given 1.5 through the grading page's score input, as a TA does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    assert grade_of(root, "alice")[1] is None, "before: no hand grade"
    browser.get(grading_pages["alice"])
    score = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"input.score#{WRITTEN}"), "the score input")[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", score)
    score.click()
    score.clear()
    score.send_keys(f"{HAND:g}")
    score.send_keys(Keys.TAB)  # leaving the input saves it (formgrader's "change" handler)
    deadline = time.monotonic() + 30
    while grade_of(root, "alice")[1] is None and time.monotonic() < deadline:
        time.sleep(0.3)
    _shot(browser, "formgrader-grading-page.png")
    return grade_of(root, "alice")


def test_typed_score_reaches_the_gradebook(hand_graded, root):
    auto, manual, needs_manual, score = hand_graded
    assert (auto, manual, needs_manual, score) == (None, HAND, False, HAND)
    assert grade_of(root, "bob")[1] is None, "only alice was graded by hand"


def test_exports_carry_the_hand_grade(hand_graded, root):
    autograder(root, "export", ASSIGNMENT)
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        submission = gb.find_submission(ASSIGNMENT, "alice")
        others = sum(float(g.auto_score or 0.0) for nb in submission.notebooks for g in nb.grades if g.name != WRITTEN)
        penalty = float(submission.late_submission_penalty or 0.0)
    questions = pd.read_csv(root / "exports" / f"{ASSIGNMENT}-questions.csv", dtype=str, keep_default_na=False)
    column = next(c for c in questions.columns if c.startswith(f"{WRITTEN} ("))
    assert float(questions.set_index("student").loc["alice", column]) == pytest.approx(HAND)
    grades = pd.read_csv(root / "exports" / f"{ASSIGNMENT}-grades.csv", dtype={"student_id": str})
    row = grades[(grades.student_id == "alice") & (grades.assignment == ASSIGNMENT)].iloc[0]
    assert float(row["raw_score"]) == pytest.approx(others + HAND)
    canvas = pd.read_csv(root / "exports" / f"{ASSIGNMENT}-canvas.csv", dtype=str, keep_default_na=False)
    column = next(c for c in canvas.columns if c.startswith(ASSIGNMENT))
    alice = canvas[canvas["SIS Login ID"] == "alice"].iloc[0]
    assert float(alice[column]) == pytest.approx(others + HAND - penalty), "the Canvas total includes the hand grade"


def test_feedback_shows_the_hand_grade(hand_graded, root, browser):
    run = autograder(root, "grade", ASSIGNMENT).stdout
    assert "feedback remade after hand grading: 1" in run, run
    page = feedback_page(root, "alice")
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        submission = gb.find_submission(ASSIGNMENT, "alice")
        total, max_score = float(submission.score), float(submission.max_score)
    assert_shows_hand_grade(page.read_text(), HAND, total, max_score)
    if SHOTS:
        browser.get(page.as_uri())
        _shot(browser, "feedback-hand-graded.png")
        browser.get(f"{page.as_uri()}#{WRITTEN}")
        _shot(browser, "feedback-hand-graded-answer.png")
