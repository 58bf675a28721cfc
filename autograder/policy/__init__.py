"""The course's rules on time: due dates, extensions and the late penalty.

``extensions``  due dates and per-student extensions, kept where nbgrader keeps them (the gradebook)
``late``        the late policy, an nbgrader ``LateSubmissionPlugin`` configured in nbgrader_config.py
"""
