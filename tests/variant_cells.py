"""Running an assignment's locked ``variant`` cell the way a student's kernel does, for the variant tests."""

import builtins

import nbformat

VARIABLES = ("AUTOGRADER_VARIANTS", "AUTOGRADER_STUDENT", "JUPYTERHUB_USER")  # what the cell reads


def variant_cell(path) -> str:
    """The source of the locked ``variant`` cell of the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "variant")


def run_variant_cell(source, env: dict, monkeypatch, typed=None) -> dict:
    """The namespace the cell leaves, run with exactly ``env`` of the variables it reads; ``typed``: what the
    student types when asked for an id (None: no keyboard, as when a tool runs the notebook)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def keyboard(prompt=""):
        if typed is None:
            raise OSError("no keyboard")
        return typed

    monkeypatch.setattr(builtins, "input", keyboard)
    namespace = {}
    exec(compile(source, "variant-cell", "exec"), namespace)  # noqa: S102 - the course's own locked cell
    return namespace
