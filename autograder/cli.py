"""The ``autograder`` command: one verb per step of the term, each a thin wrapper of a plain function."""

import sys
from pathlib import Path

import click

from . import course
from .errors import AutograderError


def _root() -> Path:
    return course.find_root(Path.cwd())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Run the course's nbgrader assignments: build, grade, export, report."""


@main.command()
@click.argument("assignments", nargs=-1)
def build(assignments):
    """Regenerate release/ and solutions/ from source/ (all assignments by default)."""
    built = course.build(_root(), assignments)
    click.echo(f"built release/ and solutions/ for {', '.join(built)}")


def run() -> None:
    """Entry point: course errors become one readable line and exit status 2."""
    try:
        main(standalone_mode=True)
    except AutograderError as error:
        click.echo(f"autograder: {error}", err=True)
        sys.exit(2)
