"""Ways a copier hides a copy, each a function from a cell's source to the disguised source.

Code disguises keep the program's meaning (the corpus tests check that each still parses, and that
reformatting and comments leave the syntax tree unchanged); ``reword`` changes a few words of a written
answer.
"""

import ast
import builtins
import io
import keyword
import re
import tokenize

_NEW_NAMES = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta", "zeta", "lam", "mu", "nu",
              "rho", "tau", "phi", "chi", "psi", "eta", "iota", "xi"]


def _tokens(source):
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def bound_names(source) -> set:
    bound = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return bound


def rename(source: str, keep=frozenset()) -> str:
    """Every name the cell binds, except ``keep`` (the names the assignment requires), gets a new name."""
    names = sorted(bound_names(source) - set(keep) - set(dir(builtins)) - set(keyword.kwlist))
    mapping = {name: f"{_NEW_NAMES[i % len(_NEW_NAMES)]}{i // len(_NEW_NAMES) or ''}_{name[:1]}"
               for i, name in enumerate(names)}
    lines = source.split("\n")
    previous, replacements = None, []
    for token in _tokens(source):
        if token.type == tokenize.NAME and token.string in mapping and not (previous and previous.string == "."):
            replacements.append(token)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token
    for token in reversed(replacements):  # right to left, so earlier columns stay valid
        (row, start), (_, end) = token.start, token.end
        lines[row - 1] = lines[row - 1][:start] + mapping[token.string] + lines[row - 1][end:]
    return "\n".join(lines)


def _swap_quotes(string: str) -> str:
    match = re.fullmatch(r"([rRbBuUfF]*)(['\"])(.*)\2", string, re.S)
    if not match or string.endswith(("'''", '"""')) or "\\" in match.group(3):
        return string
    prefix, quote, body = match.groups()
    other = '"' if quote == "'" else "'"
    if other in body or ("{" in body and "f" in prefix.lower()):
        return string
    return f"{prefix}{other}{body}{other}"


def reformat(source: str) -> str:
    """Other spacing, 2-space indents, a line break after every comma inside brackets, the other quotes."""
    out, level, depth, at_line_start = [], 0, 0, True
    for token in _tokens(source):
        kind, text = token.type, token.string
        if kind == tokenize.INDENT:
            level += 1
            continue
        if kind == tokenize.DEDENT:
            level -= 1
            continue
        if kind in (tokenize.NEWLINE, tokenize.NL):
            if kind == tokenize.NEWLINE or depth == 0:
                out.append("\n")
                at_line_start = True
            continue
        if kind == tokenize.ENDMARKER:
            break
        if kind == tokenize.COMMENT:
            out.append(("  " * level if at_line_start else "   ") + text)
            if depth > 0:
                out.append("\n" + "  " * (level + 2))
            continue
        if at_line_start:
            out.append("  " * level)
            at_line_start = False
        elif out and not out[-1].endswith(("\n", " ")):
            out.append(" ")
        if kind == tokenize.STRING:
            text = _swap_quotes(text)
        out.append(text)
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
        elif text == "," and depth > 0:
            out.append("\n" + "  " * (level + 2))
    return "".join(out)


def _names(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _writes(node) -> set:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {alias.asname or alias.name.split(".")[0] for alias in node.names}
    written = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    if any(isinstance(n, ast.Call) for n in ast.walk(node)):
        written |= _names(node) - set(dir(builtins)) - {"np", "pd", "sp"}  # a call may change what it is given
    return written


def _reads(node) -> set:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    return _names(node)


_MOVABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Expr)


def _independent(a, b) -> bool:
    if not (isinstance(a, _MOVABLE) and isinstance(b, _MOVABLE)):
        return False
    if isinstance(a, ast.Expr) or isinstance(b, ast.Expr):
        return False  # printed output and the displayed last value keep their order
    return not (_writes(a) & (_reads(b) | _writes(b)) or _writes(b) & _reads(a))


def reorder(source: str) -> str:
    """Swap adjacent independent statements (and imports) in every block; the program does the same."""
    tree = ast.parse(source)
    swaps = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        i = 0
        while i < len(body) - 1:
            if _independent(body[i], body[i + 1]):
                swaps.append((body[i], body[i + 1]))
                i += 2
            else:
                i += 1
    lines = source.split("\n")
    for a, b in sorted(swaps, key=lambda pair: -pair[0].lineno):
        first = (a.decorator_list[0].lineno if getattr(a, "decorator_list", None) else a.lineno) - 1
        second = (b.decorator_list[0].lineno if getattr(b, "decorator_list", None) else b.lineno) - 1
        block_a, gap, block_b = lines[first:a.end_lineno], lines[a.end_lineno:second], lines[second:b.end_lineno]
        lines[first:b.end_lineno] = block_b + gap + block_a
    return "\n".join(lines)


_COMMENTS = ["# compute this step", "# TODO check again", "# my own approach here", "# from the lecture notes",
             "# careful with the shapes", "# this took a while to get right"]


def recomment(source: str) -> str:
    """Drop the cell's comments and write others: a comment line above every other statement, one at the end."""
    kept = []
    for token in _tokens(source):
        if token.type != tokenize.COMMENT:
            kept.append(token)
    bare = tokenize.untokenize(kept)
    lines = bare.split("\n")
    starts = sorted({node.lineno for node in ast.walk(ast.parse(bare)) if isinstance(node, ast.stmt)})
    for count, line_no in enumerate(reversed(starts)):
        if count % 2 == 0:
            line = lines[line_no - 1]
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(line_no - 1, indent + _COMMENTS[count // 2 % len(_COMMENTS)])
    return "\n".join(lines).rstrip() + "\n# checked it runs\n"


SYNONYMS = {
    "documents": "texts", "document": "text", "posts": "messages", "closer": "nearer", "darker": "deeper",
    "lighter": "paler", "weights": "coefficients", "because": "since", "small": "minor", "slightly": "a bit",
    "most": "the majority of", "mistakes": "errors", "varied": "diverse", "other": "different", "values": "numbers",
    "depends": "relies", "reach": "achieve", "well": "clearly", "gives": "yields", "predictions": "outputs",
    "neuron": "unit", "feature": "input", "single": "lone", "unique": "one of a kind", "effect": "impact",
    "learn": "find out", "probe": "query", "weak": "faint", "contrast": "difference", "classes": "groups",
}


def reword(text: str, n_words: int = 5) -> str:
    """The same answer with ``n_words`` words (spread over it) replaced by synonyms."""
    matches = [m for m in re.finditer(r"[A-Za-z]+", text) if m.group(0).lower() in SYNONYMS]
    if len(matches) < n_words:
        raise ValueError(f"only {len(matches)} words of the answer have a synonym here; add some to SYNONYMS")
    step = len(matches) / n_words
    chosen = [matches[int(i * step)] for i in range(n_words)]
    for match in reversed(chosen):
        word = match.group(0)
        new = SYNONYMS[word.lower()]
        if word[0].isupper():
            new = new[0].upper() + new[1:]
        text = text[: match.start()] + new + text[match.end():]
    return text


_EQUIVALENTS = [("np.asarray(", "np.array("), ("np.array(", "np.asarray("), ("float(", "np.float64("),
                ("np.sum(", "sum("), (".mean()", ".mean(axis=None)"), ("range(", "list(range("), ("zip(", "list(zip(")]


def edit(source: str) -> str:
    """Small edits a copier makes to look different: one call swapped for an equivalent, a debugging print added."""
    for old, new in _EQUIVALENTS:
        if old in source:
            at = source.index(old)
            if new.count("(") > old.count("("):  # list(range( ... ) needs its closing parenthesis
                depth, end = 0, at + len(old) - 1
                for end in range(at + len(old) - 1, len(source)):
                    depth += {"(": 1, ")": -1}.get(source[end], 0)
                    if depth == 0:
                        break
                source = source[:at] + new + source[at + len(old):end + 1] + ")" + source[end + 1:]
            else:
                source = source[:at] + new + source[at + len(old):]
            break
    return source.rstrip("\n") + "\nprint('done')\n"
