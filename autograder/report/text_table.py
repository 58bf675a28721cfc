"""Plain-text tables for the command line: one helper, columns aligned whatever the length of a value."""


def text_table(header: list, rows: list, right: tuple = (), gap: str = "  ") -> str:
    """``header`` and ``rows`` (lists of values, shown with ``str``) as aligned lines.

    Columns named in ``right`` (numbers) are right-aligned, the others left-aligned; each column is as
    wide as its longest value, so a long student name never pushes the next column out of line. The
    last column is not padded (no trailing spaces).
    """
    cells = [[str(v) for v in header]] + [[str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = []
        for i, (value, width) in enumerate(zip(row, widths)):
            last = i == len(widths) - 1
            if header[i] in right:
                parts.append(value.rjust(width))
            else:
                parts.append(value if last else value.ljust(width))
        lines.append(gap.join(parts).rstrip())
    return "\n".join(lines)
