"""Code as statements of normalized tokens: what survives renaming, reformatting, reordering and comments.

A code cell is parsed with Python's own ``ast`` (the one parser that is always right about Python) and
every statement is rewritten in a canonical form before it is split into tokens:

* comments and docstrings are gone, and ``ast.unparse`` fixes spacing, line breaks, parentheses and quotes;
* every name the student binds (variables, functions, parameters, loop variables, ``as`` aliases) becomes
  ``V``, unless the released notebook uses that name (a function the notebook asks for by name: required names
  carry no evidence of renaming); library names, attributes and keyword arguments stay, so two students
  calling different scikit-learn functions do not look alike;
* each statement is a unit of its own (a compound statement contributes its header line only), so moving
  independent statements or imports around changes nothing.

A cell that does not parse (a syntax error, IPython magics) falls back to a line-by-line reading with the
same token rules. Each statement keeps its line span in the original cell, for highlighting.
"""

import ast
import builtins
import copy
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

PLACEHOLDER = "V"

_TOKEN = re.compile(
    r"""[A-Za-z_]\w*|\d[\w.]*(?:[eE][+-]?\d+)?|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|\*\*=?|//=?|>>=?|<<=?|[=!<>]=|->|:=|[-+*/%@&|^]=|\S"""
)
_MAGIC = re.compile(r"^\s*[%!]")
_KEEP = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls"}


@dataclass(frozen=True)
class Statement:
    """One statement in canonical form: its tokens and where it sits in the cell (1-based lines, inclusive)."""

    tokens: tuple
    first_line: int
    last_line: int


def names_in(source: str) -> set:
    """Every identifier token of ``source`` (given code: its names are the assignment's, never evidence)."""
    names = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME:
                names.add(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        names.update(re.findall(r"[A-Za-z_]\w*", source))
    return names


def statements(source: str, given_names=frozenset()) -> list:
    """The statements of a code cell, canonical and tokenized (see the module docstring)."""
    cleaned = "\n".join("" if _MAGIC.match(line) else line for line in source.split("\n"))
    try:
        tree = ast.parse(cleaned)
    except (SyntaxError, ValueError):
        return _line_statements(cleaned, given_names)
    keep = _KEEP | set(given_names)
    renamed = _bound_names(tree) - keep
    _canonicalize(tree, renamed)
    found = []
    _collect(tree.body, found)
    return found


def _line_statements(source: str, given_names) -> list:
    """Fallback for code that does not parse: one statement per non-blank line, comments dropped."""
    keep = _KEEP | set(given_names)
    found = []
    for number, line in enumerate(source.split("\n"), start=1):
        code = line.split("#", 1)[0].strip()
        if not code:
            continue
        tokens = []
        for i, token in enumerate(_TOKEN.findall(code)):
            is_attribute = i > 0 and tokens and tokens[-1] == "."
            if token[0].isalpha() or token[0] == "_":
                if token not in keep and not is_attribute:
                    token = PLACEHOLDER
            elif token[0] in "'\"":
                token = "'" + token[1:-1] + "'"
            tokens.append(token)
        found.append(Statement(tuple(tokens), number, number))
    return found


def _bound_names(tree) -> set:
    """Names the code binds: assignment and loop targets, functions, classes, parameters, aliases."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            bound.add(node.asname)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _canonicalize(tree, renamed) -> None:
    """Rename the student's own names to ``V`` and drop docstrings and bare string statements, in place.

    One ``ast.walk`` that edits nodes where they are (a NodeTransformer rebuilds every list and is
    several times slower on a class of hundreds of notebooks).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in renamed:
                node.id = PLACEHOLDER
        elif isinstance(node, ast.arg):
            if node.arg in renamed:
                node.arg = PLACEHOLDER
            node.annotation = None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in renamed:
                node.name = PLACEHOLDER
            if not isinstance(node, ast.ClassDef):
                node.returns = None
        elif isinstance(node, ast.alias):
            if node.asname in renamed:
                node.asname = PLACEHOLDER
        elif isinstance(node, ast.ExceptHandler):
            if node.name in renamed:
                node.name = PLACEHOLDER
        body = getattr(node, "body", None)
        if isinstance(body, list) and any(_is_bare_string(child) for child in body):
            node.body = [child for child in body if not _is_bare_string(child)] or [
                ast.Pass(lineno=node.lineno, end_lineno=node.lineno, col_offset=0, end_col_offset=0)]


def _is_bare_string(node) -> bool:
    """A docstring, or a string used as a comment."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _collect(body, found) -> None:
    for node in body:
        children = [(field, getattr(node, field)) for field in _BODIES if getattr(node, field, None)]
        if not children:
            text = ast.unparse(node)
            found.append(Statement(tuple(tokenize_canonical(text)), node.lineno, node.end_lineno or node.lineno))
            continue
        header = _header(node)
        if header:
            header_end = max([node.lineno] + [
                part.end_lineno
                for child in ast.iter_child_nodes(node)
                if not isinstance(child, (ast.stmt, ast.ExceptHandler, ast.match_case))
                for part in ast.walk(child)
                if getattr(part, "end_lineno", None)
            ])
            found.append(Statement(tuple(tokenize_canonical(header)), node.lineno, header_end))
        for _, nodes in children:
            if nodes and isinstance(nodes[0], (ast.ExceptHandler, ast.match_case)):
                for handler in nodes:
                    if isinstance(handler, ast.ExceptHandler):
                        words = ["except"]
                        if handler.type is not None:
                            words.append(ast.unparse(handler.type))
                        if handler.name:
                            words += ["as", handler.name]
                        found.append(Statement(tuple(tokenize_canonical(" ".join(words) + ":")),
                                               handler.lineno, handler.lineno))
                    _collect(handler.body, found)
            else:
                _collect(nodes, found)


def _header(node) -> str:
    """The first line of a compound statement in canonical form (``for V in range(V):``)."""
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        return ""
    shell = copy.copy(node)
    for field in _BODIES:
        if hasattr(shell, field):
            setattr(shell, field, [] if field != "body" else [ast.Pass()])
    lines = ast.unparse(shell).split("\n")
    return "\n".join(line for line in lines if line.strip() != "pass")


def tokenize_canonical(text: str) -> list:
    """Tokens of code that ``ast.unparse`` wrote (canonical spacing and quotes, so a regex is exact enough)."""
    return _TOKEN.findall(text)
