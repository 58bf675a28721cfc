"""The command lines README.md shows, read from its text, for tests/test_readme_commands.py.

Three places: its code blocks (every line that starts with a program, not settings, CSV rows nor what a command
prints (``mean score: ...``); a ``# or: ...`` comment is a second command), the instructor's table (the spans of its ``command`` column), and inline code in the text (only spans
that start with ``autograder <verb>`` or ``nbgrader <verb>``: elsewhere inline code names files and settings).
Each command gets a key (the program and its verb: ``autograder release``, ``nbgrader db assignment add``,
``python -m pytest``) and the options it shows (``--duedate``...). Synopses (``autograder release ASSIGNMENT
[--exchange DIR]``) are turned into runnable command lines by ``instantiate``.
"""

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

COURSE_TOOLS = ("autograder", "nbgrader")
PLACEHOLDERS = ("ASSIGNMENT", "A", "<assignment>", "STUDENT", "S", "DIR", "DATE", "N", "H", "URL", "X", "CSV")
_WORD = re.compile(r"^[A-Za-z][\w.+-]*$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")
_FLAG = re.compile(r"^(--?[A-Za-z][\w-]*)")
_OUTPUT = re.compile(r"^[A-Za-z][\w ]*: ")  # a line a command prints ("mean score: ..."), not a command


@dataclass(frozen=True)
class Shown:
    """One command line as README.md shows it."""

    text: str
    line: int  # 1-based line of README.md
    where: str  # "code", "table" or "text"
    tokens: tuple
    note: str = ""  # the comment after it on its code line (``# exports/<a>-questions.csv``)

    @property
    def key(self) -> str:
        return command_key(self.tokens)

    @property
    def flags(self) -> frozenset:
        return frozenset(m[1] for t in self.tokens[1:] if (m := _FLAG.match(t)))

    @property
    def synopsis(self) -> bool:
        """A form with placeholders (ASSIGNMENT, DIR...) rather than a line to run as it is."""
        return any(t in PLACEHOLDERS for t in self.tokens)

    def __str__(self):
        return f"README.md line {self.line} ({self.where}): `{self.text}`"


def _tokens(text: str) -> tuple:
    """The words of a command, without brackets of optional parts, ellipses and leading ``VAR=value``."""
    text = text.replace("[", " ").replace("]", " ").replace("...", " ")
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    while words and _ENV.match(words[0]):
        words.pop(0)
    if words:
        words[0] = words[0].rsplit("/", 1)[-1]  # .venv-wheel/bin/pip -> pip
        words[0] = "python" if words[0] == "python3" else words[0]
    return tuple(words)


def command_key(tokens) -> str:
    """The program and its verb: what decides how a command is tested."""
    if not tokens:
        return ""
    tool, rest = tokens[0], [t for t in tokens[1:]]
    if tool == "python":
        for i, word in enumerate(rest):
            if word in ("-m", "-c"):
                return f"python {word} {rest[i + 1]}" if word == "-m" else "python -c"
            if not word.startswith("-"):
                return f"python {word}"
        return "python"
    words = [w for w in rest if not w.startswith("-")]
    if tool == "nbgrader" and words[:1] == ["db"]:
        return " ".join(["nbgrader", *words[:3]])
    if tool == "jupyter":
        return " ".join(["jupyter", *words[:3]]) if words[1:3] == ["extension", "enable"] else "jupyter server"
    if tool in ("rm", "export"):
        return tool
    return f"{tool} {words[0]}" if words else tool


def _commands_of_line(text: str, number: int, where: str) -> list:
    """A code line's commands: ``a && b`` is two, a ``# or: c`` comment one more."""
    found = []
    comment_at = re.search(r"\s#\s?", text)  # a comment starts at " #" (no course command quotes a #)
    code, comment = (text[:comment_at.start()], text[comment_at.end():]) if comment_at else (text, "")
    alternative = re.match(r"\s*or:\s*(.+)$", comment)
    parts = [(part, comment.strip()) for part in code.split("&&")] + ([(alternative[1], "")] if alternative else [])
    for part, note in parts:
        part = part.strip()
        tokens = _tokens(part)
        if part and tokens and _WORD.match(tokens[0]) and not part.startswith(("c.", "#")) and "," not in tokens[0]:
            found.append(Shown(part, number, where, tokens, "" if alternative else note))
    return found


def code_blocks(lines: list) -> list:
    """Commands of the indented code blocks (4 spaces, after a blank line or another code line)."""
    found, in_block, pending = [], False, ""
    for number, line in enumerate(lines, start=1):
        if line.startswith("    ") and (in_block or lines[number - 2].strip() == ""):
            in_block = True
            text = line.strip()
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            text, pending = pending + text, ""
            if text.startswith("#") or _OUTPUT.match(text):
                continue
            found += _commands_of_line(text, number, "code")
        else:
            in_block = in_block and line.strip() == ""
    return found


def _table_rows(lines: list, heading: str) -> list:
    """``(line number, cells)`` of the first table after ``heading``."""
    start = next(i for i, line in enumerate(lines) if line.startswith("## ") and heading in line)
    rows = []
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.startswith("|"):
            rows.append((number, [cell.strip() for cell in line.strip().strip("|").split(" | ")]))
        elif rows:
            break
    return rows


def table_commands(lines: list, heading: str = "The instructor's term") -> list:
    """Commands in the ``command`` column of the instructor's table."""
    rows = _table_rows(lines, heading)
    column = rows[0][1].index("command")
    found = []
    for number, cells in rows[2:]:
        for span in re.findall(r"`([^`]+)`", cells[column]):
            tokens = _tokens(span)
            if tokens and _WORD.match(tokens[0]) and "/" not in span.split()[0]:
                found.append(Shown(span, number, "table", tokens))
    return found


def text_commands(lines: list) -> list:
    """Inline ``autograder <verb> ...`` and ``nbgrader <verb> ...`` spans outside code blocks and the table."""
    found = []
    for number, line in enumerate(lines, start=1):
        if line.startswith(("    ", "|")):
            continue
        for span in re.findall(r"`([^`]+)`", line):
            if re.match(rf"^({'|'.join(COURSE_TOOLS)}) [a-z_]+\b", span):
                found.append(Shown(span, number, "text", _tokens(span)))
    return found


def shown(readme: Path) -> list:
    """Every command line of ``readme``, in the order of its lines."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    everything = code_blocks(lines) + table_commands(lines) + text_commands(lines)
    return sorted(everything, key=lambda s: s.line)


def instantiate(command: Shown, substitutions: dict | None = None, **values) -> list:
    """``command``'s words with its placeholders (``ASSIGNMENT``, ``DIR``...) replaced by ``values`` and any other
    word replaced as ``substitutions`` say (``{"~/Downloads/submissions": folder}``); every optional part is kept."""
    words = []
    for token in command.tokens:
        if token in PLACEHOLDERS:
            if token not in values:
                raise KeyError(f"{command}: no value given for {token}")
            words.append(str(values[token]))
        else:
            words.append(str((substitutions or {}).get(token, token)))
    return words
