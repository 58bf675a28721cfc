"""What grading keeps, beside nbgrader's own tables in the course gradebook, and its one writer.

``writer``     the single writer: a submission's grades, record and cell outcomes in one transaction
``records``    one row per graded submission (status, kernel fate, reasons, fingerprint)
``outcomes``   one row per graded test cell (its named mistake)
``gradebook``  reading grades back out of nbgrader's gradebook
``structure``  an assignment's notebooks and cells, copied between gradebooks
"""
