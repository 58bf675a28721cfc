"""The trust boundary: all of the package that runs inside a student's grading kernel.

The sandbox binds this folder and ``autograder.assignments`` (samples masked), and nothing else of the
package (``autograder.sandbox.bwrap.KERNEL_PARTS``); every module here imports only from this folder, the
assignment packages and the scientific stack. The host reads what crosses back (error values with their
mistake tag, integrity findings printed by the checks) as untrusted text.

``quiet_kernel``  the IPython extension every grading kernel loads: stderr to stdout, import guard, snapshot
``answers``       the comparisons every check uses (``expect``, ``close``...), kept from student patches
``errors``        ``AnswerError`` (a wrong answer), ``GradingInfrastructureError`` (the grader's fault)
``mistake_tag``   ``message [mistake: code]``: how a failed check names its mistake
``integrity``     runtime tamper checks (snapshot of original functions, audit hook)
``findings``      what integrity reports, in the format the host's scan shares
``reference``     ``grader_side`` for reference computations; ``preload`` of the worker's precomputed answers
"""
