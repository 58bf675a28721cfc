"""The page of a notebook that could not be read (``autograder.grading.unreadable``): what it says about each kind
of bad file, and that what came from the file (a parser's message quoting it) is escaped. Graded for real in
tests/test_return.py."""

from autograder.grading import unreadable

HOSTILE = b'{"nbformat": "<img src=x onerror=alert(1)>"}'  # nbformat's message quotes the value


def test_each_kind_of_bad_file_is_named_in_plain_words():
    assert unreadable.describe(b"") == "it is empty (0 bytes)"
    assert unreadable.describe(b"  \n") == "it is empty (3 bytes)"
    assert unreadable.describe(b"\xff\xfe\x00").startswith("it is not text (not UTF-8, 3 bytes)")
    assert unreadable.describe(b'{"cells": [').startswith("it is not JSON (Expecting value: line 1 column 12")
    assert unreadable.describe(b'["a list"]').startswith("it is JSON but not a Jupyter notebook (")
    assert len(unreadable.describe(b'{"nbformat": "' + b"x" * 5000 + b'"}')) < 400  # a parser's message is cut short


def test_what_came_from_the_file_is_escaped_and_the_page_is_self_contained():
    why = unreadable.describe(HOSTILE)
    assert "<img src=x onerror=alert(1)>" in why  # the message does quote the file
    html = unreadable.page("tfidf_distances", "<b>bob</b>", "tfidf_distances.ipynb", why, 12)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bob</b>" not in html and "&lt;b&gt;bob&lt;/b&gt;" in html
    assert "tfidf_distances.ipynb is not a readable notebook: it is JSON but not a Jupyter notebook" in html
    assert "(0 / 12 points)" in html and "Submit again before the deadline" in html
    assert "<script" not in html and "<link" not in html and "http" not in html  # nothing fetched from elsewhere
