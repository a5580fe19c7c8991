"""What a notebook cell is to this course: its text, its nbgrader metadata, its role and its item kind.

One place for the small readers every part of the grading room needs (course check,
integrity merge, scoring, the evidence map, the simulated cohort). They accept plain dicts
(``json.load``) and nbformat nodes alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def source(cell: Mapping[str, Any]) -> str:
    """Return a cell's source as one string (notebooks on disk may store a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def nbgrader_meta(cell: Mapping[str, Any]) -> dict[str, Any]:
    """Return a cell's nbgrader metadata (empty when the cell is not an nbgrader cell)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return dict(meta) if isinstance(meta, Mapping) else {}


def grade_id(cell: Mapping[str, Any]) -> str | None:
    """Return a cell's nbgrader grade id, or None."""
    return nbgrader_meta(cell).get("grade_id") or None


def role(cell: Mapping[str, Any]) -> str | None:
    """Return ``"test"`` (a graded code cell), ``"answer"``, ``"locked"`` or None for an ordinary cell."""
    meta = nbgrader_meta(cell)
    if not meta.get("grade_id"):
        return None
    if meta.get("solution"):
        return "answer"
    if meta.get("grade") or meta.get("locked") or meta.get("task"):
        return "test" if meta.get("grade") and cell.get("cell_type") == "code" else "locked"
    return None


def item_kind(cell: Mapping[str, Any]) -> str | None:
    """Return ``"auto"`` (a graded cell that hands answers in), ``"manual"`` (written, rubric) or None."""
    meta = nbgrader_meta(cell)
    if not (meta.get("grade") and meta.get("grade_id")):
        return None
    return "auto" if cell.get("cell_type") == "code" and not meta.get("solution") else "manual"


def is_answer(cell: Mapping[str, Any]) -> bool:
    """Return whether a cell is a learner's answer cell (nbgrader solution)."""
    return bool(nbgrader_meta(cell).get("solution", False))
