"""What tamper detection found: ``Finding``, and reading the runtime findings a kernel printed."""

import json
from dataclasses import asdict, dataclass

RUNTIME_MARKER = "AUTOGRADER-INTEGRITY:"
# methods a class defines to make its instances compare, convert or look like something they are not
LYING_DUNDERS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__array__", "__array_ufunc__",
    "__array_function__", "__array_interface__", "__array_struct__", "__array_priority__", "__float__",
    "__int__", "__index__", "__instancecheck__", "__subclasscheck__", "__hash__", "__getattr__",
    "__getattribute__", "__len__", "__iter__", "__contains__", "__abs__", "__sub__", "__rsub__", "__class__",
}


@dataclass(frozen=True)
class Finding:
    """One suspicious construct: what kind, where (cell grade_id or index, line) and what it does."""

    kind: str
    cell: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" + (f" line {self.line}" if self.line else "")
        return f"{self.kind}: {where}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def cell_text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def cell_label(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id or f"#{index + 1}"


def findings_from_outputs(notebook) -> list:
    """Runtime findings printed by ``report_runtime`` (or raised by a check) in an executed notebook."""
    findings = []
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            text = cell_text(output.get("text", "")) + " " + str(output.get("evalue", ""))
            for line in text.splitlines():
                if RUNTIME_MARKER in line:
                    payload = line.split(RUNTIME_MARKER, 1)[1].strip()
                    try:
                        findings += [Finding(**item) for item in json.loads(payload)]
                    except (ValueError, TypeError):
                        findings.append(Finding("hooks", cell_label(cell, index), 0, f"integrity report: {payload[:200]}"))
    return findings
