"""A class of submissions for similarity detection: independent honest authors and disguised copies.

Each assignment's ``similarity_authors.py`` (in its package) holds independently written correct solutions of every answer cell (the instructor's, the
honest samples of each assignment (``autograder/assignments/<a>/samples.py``) completed with our own cells, and students of our own), each
author in their own style. ``disguise.py`` turns a cell into a copy that hides where it came from
(renamed names, reformatted code, reordered statements, changed comments, a few words changed in a
written answer). ``build.py`` writes a class from them and knows, from where each cell came, which pair
must be flagged on which cell and which must not.
"""
