"""Settings of ``autograder grade`` (``c.Grading.*`` in nbgrader_config.py)."""

from traitlets import Unicode
from traitlets.config import Configurable


class Grading(Configurable):
    """Where ``autograder grade`` runs its jobs."""

    scheduler = Unicode(
        "", help="Address of a Dask scheduler (tcp://HOST:8786) to grade on instead of local processes "
                 "(`autograder grade --scheduler` overrides it)."
    ).tag(config=True)
