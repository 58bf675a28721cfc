"""Where the 20 Newsgroups data comes from, and a clear stop when it is missing.

The notebooks call scikit-learn's real ``fetch_20newsgroups``; scikit-learn finds its cache in the
folder named by ``SCIKIT_LEARN_DATA`` (default ``~/scikit_learn_data``). Nothing here downloads.
"""

import os
from pathlib import Path

from .errors import DataNotFound

NEWSGROUPS_CACHE = "20news-bydate_py3.pkz"

HOW_TO_GET_IT = (
    "Point SCIKIT_LEARN_DATA at a folder holding {name}: in this course's checkout that is "
    "`export SCIKIT_LEARN_DATA=$PWD/../shared/scikit_learn_data`; on a machine with internet access, "
    "`python -c 'from sklearn.datasets import fetch_20newsgroups as f; f()'` downloads it once to "
    "~/scikit_learn_data."
)


def data_home() -> Path:
    """The folder scikit-learn reads its datasets from, by scikit-learn's own rule (never created here)."""
    return Path(os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data")).expanduser()


def require_newsgroups_cache() -> Path:
    """Return the path of the 20 Newsgroups cache file, or raise ``DataNotFound`` saying how to get it."""
    path = data_home() / NEWSGROUPS_CACHE
    if not path.is_file():
        raise DataNotFound(
            f"20 Newsgroups data not found: {path} does not exist. " + HOW_TO_GET_IT.format(name=NEWSGROUPS_CACHE)
        )
    return path
