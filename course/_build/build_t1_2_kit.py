"""Cell factories for the T1.2 builder: nbgrader metadata plus the evidence-map convention.

Kept separate from ``nbcells.py`` (owner: course-a) so that the two builders can
change independently; the metadata written is the same convention:
``metadata.nbgrader`` (schema 3) and ``metadata.netmarketing.indicator`` on every
graded cell, with the grade id prefixed by the indicator slug.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SCHEMA_VERSION = 3
_SLUG = re.compile(r"^(p\d+_\d+_\d+)__[a-z0-9_]+$")


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _nbgrader(
    grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None
) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _check_grade_id(grade_id: str, indicator: str) -> None:
    match = _SLUG.match(grade_id)
    if not match or match.group(1) != indicator.lower().replace(".", "_"):
        raise ValueError(f"grade id {grade_id!r} must start with the slug of {indicator}")


class Notebook:
    """Collect cells of one nbgrader source notebook and write it without outputs."""

    def __init__(self, meta: dict) -> None:
        self.cells: list = []
        self.meta = meta
        self._n = 0

    def _add(self, cell, cell_id: str | None = None) -> None:
        self._n += 1
        cell.id = cell_id or f"c{self._n:03d}"
        self.cells.append(cell)

    def md(self, text: str) -> None:
        """Add a markdown cell."""
        self._add(new_markdown_cell(_src(text)))

    def code(self, src: str, *, tags: list[str] | None = None) -> None:
        """Add a plain code cell (worked example, self-check)."""
        cell = new_code_cell(_src(src))
        if tags:
            cell.metadata["tags"] = tags
        self._add(cell)

    def locked(self, src: str, grade_id: str) -> None:
        """Add a read-only code cell (set-up and provided helpers)."""
        cell = new_code_cell(_src(src))
        cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=False, locked=True)
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
        self._add(cell, grade_id)

    def answer(self, src: str, grade_id: str) -> None:
        """Add a solution code cell: ``### BEGIN SOLUTION`` regions become stubs on release."""
        cell = new_code_cell(_src(src))
        cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=True, locked=False)
        self._add(cell, grade_id)

    def tests(
        self, src: str, grade_id: str, *, points: float, indicator: str, output: str | None = None
    ) -> None:
        """Add a locked autograded test cell for one indicator."""
        _check_grade_id(grade_id, indicator)
        cell = new_code_cell(_src(src))
        cell.metadata["nbgrader"] = _nbgrader(
            grade_id, grade=True, solution=False, locked=True, points=points
        )
        cell.metadata["netmarketing"] = {"indicator": indicator}
        if output:
            cell.metadata["netmarketing"]["output"] = output
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
        self._add(cell, grade_id)

    def written(
        self,
        model_answer: str,
        grade_id: str,
        *,
        points: float,
        indicator: str,
        rubric: str,
        output: str | None = None,
    ) -> None:
        """Add a manually graded markdown answer (model answer cleared on release)."""
        _check_grade_id(grade_id, indicator)
        cell = new_markdown_cell(_src(model_answer))
        cell.metadata["nbgrader"] = _nbgrader(
            grade_id, grade=True, solution=True, locked=False, points=points
        )
        cell.metadata["netmarketing"] = {"indicator": indicator, "rubric": rubric}
        if output:
            cell.metadata["netmarketing"]["output"] = output
        self._add(cell, grade_id)

    def write(self, path: Path) -> Path:
        """Validate and write the notebook; return its path."""
        nb = new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        }
        nb.metadata["language_info"] = {"name": "python"}
        nb.metadata["netmarketing"] = self.meta
        ids = [c.id for c in self.cells]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate cell ids in {path}")
        nbformat.validate(nb)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        return path
