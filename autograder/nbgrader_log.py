"""nbgrader's own reason for a failure, read from its log: the error lines, never its "see the above traceback".

nbgrader's converters log what went wrong at ERROR level (a message, or a whole traceback), then end with a
generic line ("Please see the the above traceback for details...") and raise an exception carrying only that
generic line. Whoever wraps an nbgrader command shows ``reason(log)``: the specific error lines, each
traceback reduced to its exception line, the generic ones left out.
"""

import re

# "[ERROR] msg" (nbgrader's capture_log) or "[GenerateAssignment | ERROR] msg" (its command line)
_RECORD = re.compile(r"^\[(?:[^\]|]*\|\s*)?(?P<level>[A-Z]+)\]\s?(?P<message>.*)$")
_GENERIC = re.compile(r"Please see the (?:the )?(?:above traceback|error log)|There was an error processing assignment"
                      r"|^Traceback \(most recent call last\)")
_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(?P<name>\w*(?:Error|Exception|Exit|Interrupt))(?::\s*(?P<message>.*))?$")


def _records(log: str) -> list:
    """``(level, [lines])`` of each log record; lines that start no record continue the one before."""
    records = []
    for line in (log or "").splitlines():
        match = _RECORD.match(line)
        if match:
            records.append((match["level"], [match["message"]]))
        elif records:
            records[-1][1].append(line)
        elif line.strip():
            records.append(("", [line]))
    return records


def _exception_line(lines: list) -> str:
    """The ``Name: message`` line that ends a traceback (nbgrader's own exception class without its module)."""
    for line in reversed([line.strip() for line in lines if line.strip()]):
        match = _EXCEPTION_LINE.match(line)
        if match:
            if match["name"] == "NbGraderException" and match["message"]:
                return match["message"]
            return f"{match['name']}: {match['message']}" if match["message"] else match["name"]
    return ""


def reason(log: str, error: str = "") -> str:
    """nbgrader's reason for a failure: its ERROR/CRITICAL log lines (a logged traceback as its last line), the
    generic "see the above traceback" lines left out, joined by "; ". Falls back to the exception of ``error``
    (a traceback), then to the log's last line."""
    found = []
    for level, lines in _records(log):
        if level not in ("ERROR", "CRITICAL"):
            continue
        text = "\n".join(lines).strip()
        if "Traceback (most recent call last)" in text:
            text = _exception_line(lines)
        text = " ".join(text.split())
        if text and not _GENERIC.search(text) and text not in found:
            found.append(text)
    if found:
        return "; ".join(found)
    raised = _exception_line((error or "").splitlines())
    if raised and not _GENERIC.search(raised):
        return raised
    lines = [line.strip() for line in (log or "").splitlines() if line.strip() and not _GENERIC.search(line)]
    return lines[-1] if lines else "nbgrader logged no reason"
