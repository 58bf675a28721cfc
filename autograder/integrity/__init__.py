"""Tamper detection: a static scan of a submission's code and runtime checks inside the grading kernel.

Student code runs in the kernel that runs the hidden tests, so it could patch what the tests use
(``np.allclose``, ``isinstance``, ``autograder.checks``), hook IPython to rewrite outputs, trace the
checks' frames to read expected values, hand over objects whose comparisons lie, read course files or
start processes. The sandbox (``autograder.sandbox``) makes most of it impossible; this module makes
the attempts visible, so that the grading coordinator marks the submission ``flagged`` and withholds its
score (``reasons`` = the findings).

Two trust domains, two modules: ``scan.py`` runs on the grading host, ``runtime.py`` inside the student's
kernel; ``findings.py`` is what they share.

* ``scan_notebook(nb)`` parses every code cell (IPython syntax included) and reports constructs no honest
  answer needs: patching modules or builtins, trace/profile/audit hooks, IPython hooks, frame and
  garbage-collector introspection, dynamic code (exec/eval/__import__), comparison-defining classes,
  process, network and course-file access.
* ``take_snapshot()`` (run by the grading kernel's extension ``autograder.quiet_kernel`` before any
  student cell) remembers the original functions; ``runtime_findings()`` compares the kernel's state with
  it and inspects the user namespace; the audit hook installed with the snapshot records processes
  started, sockets opened and files opened outside the working directory by notebook code.

Honest code (warnings, prints to stderr, numpy, pandas, scipy, scikit-learn, math) has no findings.
"""


from .findings import RUNTIME_MARKER, Finding, findings_from_outputs
from .scan import scan_notebook, scan_source

__all__ = ["RUNTIME_MARKER", "Finding", "findings_from_outputs", "scan_notebook", "scan_source"]
