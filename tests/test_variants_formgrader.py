"""A TA grading by hand sees the graded student's variant: the autograded notebook's variant cell, recomputed by
the grading kernel for the id the student is graded with, in nbgrader's real formgrader in a real (headless)
Chromium; the student's feedback page names the variant above the tasks (``AUTOGRADER_SCREENSHOTS`` keeps PNGs)."""

import shutil

import nbformat
import pytest

from autograder import assignments, course
from autograder.assignments.samples import Sample, make_submission

from .browser import CHROMEDRIVER, CHROMIUM
from .conftest import REPO
from .hand_graded import autograder
from .test_formgrader import _shot, _wait, browser, server  # noqa: F401 - the formgrader's fixtures, on this course

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = "artificial_neurons.ipynb"
SPEC = assignments.get(ASSIGNMENT)
COURSE = course.load_config(REPO).CourseDirectory.course_id


def _shown(student: str) -> str:
    return SPEC.module("variant").describe(SPEC.variant_params(student, COURSE))


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("this test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    root = course.copy_course(REPO, tmp_path_factory.mktemp("variant-formgrader") / "course")
    source = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    for student in ("s-9", "bo"):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(make_submission(source, release, Sample(name="solution", kind="honest")), folder / NOTEBOOK)
    autograder(root, "variant", ASSIGNMENT, "s-9", "--as", "ana")
    autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    return root


def test_the_ta_sees_each_students_graded_variant_in_formgrader(server, browser, root):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{server['base']}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    links = _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "a.name-shown")) == 2
                  and d.find_elements(By.CSS_SELECTOR, "a.name-shown"), "a grading link per submission")
    pages = {link.get_attribute("textContent").strip(): link.get_attribute("href") for link in links}
    for student, graded_as in (("s-9", "ana"), ("bo", "bo")):
        browser.get(pages[student])
        _wait(browser, lambda d: "your variant:" in d.find_element(By.TAG_NAME, "body").text,
              f"{student}'s variant cell output")
        text = browser.find_element(By.TAG_NAME, "body").text
        assert f"student id: {graded_as}" in text and f"your variant: {_shown(graded_as)}" in text, text[:2000]
        output = browser.find_element(By.XPATH, "//*[contains(text(), 'your variant:')]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", output)
        _shot(browser, f"formgrader-variant-{student}.png")


def test_the_feedback_page_shows_the_variant_above_the_tasks(browser, root):  # noqa: F811
    from selenium.webdriver.common.by import By

    page = root / "feedback" / "s-9" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    scratch = root.parent / "page.html"  # file:// pages are read from the browser's side
    shutil.copy(page, scratch)
    browser.get(scratch.as_uri())
    shown = _wait(browser, lambda d: d.find_elements(By.ID, "course-variant"), "the variant line")[0]
    assert shown.is_displayed() and shown.text == f"Your variant (student id ana): {_shown('ana')}"
    summary = browser.find_element(By.ID, "course-summary")
    assert shown.location["y"] < summary.find_element(By.TAG_NAME, "table").location["y"]  # above the tasks
    _shot(browser, "feedback-variant.png")
