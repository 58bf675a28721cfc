"""Data an assignment reads, declared by the assignment, and a clear stop before grading when it is missing.

An assignment lists its ``DataFile``s (``Assignment.data``); each names the file, the folder it is read
from (scikit-learn's data home, by scikit-learn's own rule: ``SCIKIT_LEARN_DATA``, default
``~/scikit_learn_data``) and how to get it. Nothing here downloads. Runs on the host and in the kernel.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from ..kernel.errors import DataNotFound


def data_home() -> Path:
    """The folder scikit-learn reads its datasets from, by scikit-learn's own rule (never created here)."""
    return Path(os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data")).expanduser()


@dataclass(frozen=True)
class DataFile:
    """One file an assignment's notebooks and reference answers read, relative to ``data_home()``."""

    name: str  # the file's name in the data home, e.g. the cache file scikit-learn's fetcher reads
    what: str  # what it is, for messages: "20 Newsgroups data"
    how_to_get: str  # how to put it there (no download happens by itself)

    def path(self) -> Path:
        return data_home() / self.name

    def require(self) -> Path:
        """The file's path, or ``DataNotFound`` naming it and how to get it."""
        path = self.path()
        if not path.is_file():
            raise DataNotFound(f"{self.what} not found: {path} does not exist. {self.how_to_get}")
        return path


def require_data(files) -> list:
    """The paths of every ``DataFile`` of ``files``; ``DataNotFound`` for the first one missing."""
    return [data_file.require() for data_file in files]
