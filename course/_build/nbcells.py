"""Build nbgrader source notebooks from Python: one small function per cell kind.

Used by every notebook builder in this folder (``build_00.py``, ``build_t1_1.py``,
``build_t1_2.py``). Every graded cell gets ``metadata.netmarketing.indicator``
and a grade id that starts with the indicator slug (see
``netmarketing.grading.evidence``). Notebooks are written without outputs.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SCHEMA_VERSION = 3
_ID_RE = re.compile(r"[^a-zA-Z0-9_-]")
_GRADE_ID_RE = re.compile(r"^(p\d+_\d+_\d+|practice)__[a-z0-9_]+$")


class NotebookBuilder:
    """Collect the cells of one notebook and write it with nbgrader metadata."""

    def __init__(
        self,
        *,
        title: str,
        task: str,
        indicators: list[str],
        minutes: int,
        hidden_prelude: str = "",
        **meta: object,
    ) -> None:
        """``meta``: more notebook metadata, e.g. ``outputs``, ``knowledge``, ``skills`` codes."""
        self.cells: list = []
        self.hidden_prelude = hidden_prelude
        self.meta = {"title": title, "task": task, "indicators": indicators, "estimated_minutes": minutes, **meta}
        self._n = 0

    def _id(self, grade_id: str | None = None) -> str:
        self._n += 1
        return _ID_RE.sub("-", grade_id)[:64] if grade_id else f"cell-{self._n:03d}"

    @staticmethod
    def _src(text: str) -> str:
        return textwrap.dedent(text).strip("\n")

    def md(self, text: str) -> None:
        """Add a plain markdown cell."""
        cell = new_markdown_cell(self._src(text))
        cell.id = self._id()
        self.cells.append(cell)

    def code(self, src: str, *, tags: list[str] | None = None) -> None:
        """Add a plain, editable code cell (worked example, self-check, playground)."""
        cell = new_code_cell(self._src(src))
        cell.id = self._id()
        if tags:
            cell.metadata["tags"] = tags
        self.cells.append(cell)

    def locked(self, src: str, grade_id: str) -> None:
        """Add a read-only code cell (set-up that the learner must not change)."""
        cell = new_code_cell(self._src(src))
        cell.id = self._id(grade_id)
        cell.metadata["nbgrader"] = {
            "grade": False, "grade_id": grade_id, "locked": True, "schema_version": SCHEMA_VERSION,
            "solution": False,
        }
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
        self.cells.append(cell)

    def answer(self, src: str, grade_id: str) -> None:
        """Add an autograded answer cell; ``### BEGIN SOLUTION`` regions become stubs on release."""
        cell = new_code_cell(self._src(src))
        cell.id = self._id(grade_id)
        cell.metadata["nbgrader"] = {
            "grade": False, "grade_id": grade_id, "locked": False, "schema_version": SCHEMA_VERSION,
            "solution": True,
        }
        self.cells.append(cell)

    def tests(
        self,
        src: str,
        grade_id: str,
        *,
        points: float,
        indicator: str,
        hidden: str | None = None,
        output: str | None = None,
    ) -> None:
        """Add a locked autograder test cell worth ``points`` for one indicator (and work ``output``).

        ``hidden`` lines go into a ``### BEGIN HIDDEN TESTS`` region, after the
        notebook's ``hidden_prelude`` (which loads the learner's own variant); a
        ``src`` may also carry its own hidden region.
        """
        _check_prefix(grade_id, indicator)
        text = self._src(src)
        if hidden:
            text += (
                "\n### BEGIN HIDDEN TESTS\n" + self._src(self.hidden_prelude) + "\n"
                + self._src(hidden) + "\n### END HIDDEN TESTS"
            )
        cell = new_code_cell(text)
        cell.id = self._id(grade_id)
        cell.metadata["nbgrader"] = {
            "grade": True, "grade_id": grade_id, "locked": True, "points": points,
            "schema_version": SCHEMA_VERSION, "solution": False,
        }
        cell.metadata["netmarketing"] = {"indicator": indicator}
        if output:
            cell.metadata["netmarketing"]["output"] = output
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
        self.cells.append(cell)

    def written(
        self, model_answer: str, grade_id: str, *, points: float, indicator: str,
        rubric: str = "written_analysis", output: str | None = None,
    ) -> None:
        """Add a manually graded markdown answer; the model answer is cleared on release."""
        _check_prefix(grade_id, indicator)
        cell = new_markdown_cell(self._src(model_answer))
        cell.id = self._id(grade_id)
        cell.metadata["nbgrader"] = {
            "grade": True, "grade_id": grade_id, "locked": False, "points": points,
            "schema_version": SCHEMA_VERSION, "solution": True,
        }
        cell.metadata["netmarketing"] = {"indicator": indicator, "rubric": rubric}
        if output:
            cell.metadata["netmarketing"]["output"] = output
        self.cells.append(cell)

    def write(self, path: Path) -> Path:
        """Write the notebook (no outputs) and return its path."""
        nb = new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
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


def _check_prefix(grade_id: str, indicator: str) -> None:
    """Refuse a grade id that is not ``<indicator slug>__<lower-case name>`` (e.g. ``p1_2_4__profile``)."""
    slug = "practice" if indicator == "practice" else indicator.lower().replace(".", "_")
    match = _GRADE_ID_RE.match(grade_id)
    if not match or match.group(1) != slug:
        raise ValueError(f"grade id {grade_id!r} must be {slug}__ followed by lower-case letters, digits or _")
