"""Scoring one notebook: each graded item, judged by the grader's checks on the answers handed in.

Runs in the grading worker after the kernel has ended. Automatic items are judged by
:func:`netmarketing.grading.checks.judge` with the learner's variant (tables and truth,
rebuilt here from the course secret); written items (nbgrader manual cells) are left for
the instructor, or scored 0 when the learner left the answer as it was released.
"""

from __future__ import annotations

from typing import Any

from netmarketing.grading import integrity
from netmarketing.grading.cells import item_kind
from netmarketing.grading.checks import Variant, judge


def ungraded(source_nb: Any) -> dict[str, dict[str, Any]]:
    """Return every graded item of a notebook with no score (a notebook that could not be run)."""
    grades = {}
    for cell in source_nb.cells:
        kind = item_kind(cell)
        if kind:
            meta = integrity.nbgrader_meta(cell)
            grades[meta["grade_id"]] = {
                "score": None,
                "max_score": float(meta.get("points", 0) or 0),
                "kind": kind,
                "message_zh": None,
                "message_en": None,
            }
    return grades


def score_notebook(
    executed: Any,
    release_nb: Any,
    answers: dict[str, dict[str, Any]],
    problems: dict[str, str],
    variant: Variant | None,
) -> dict[str, dict[str, Any]]:
    """Return ``{grade_id: grade}`` for every graded item of an executed (merged) notebook.

    ``variant`` is None when the learner's variant could not be built; automatic items
    then stay unscored (``None``) and the submission is retried as a grader error upstream.
    """
    stubs = {
        integrity.nbgrader_meta(c).get("grade_id"): integrity.normalize(c.source) for c in release_nb.cells
    }
    grades: dict[str, dict[str, Any]] = {}
    for cell in executed.cells:
        kind = item_kind(cell)
        if kind is None:
            continue
        meta = integrity.nbgrader_meta(cell)
        gid = meta["grade_id"]
        points = float(meta.get("points", 0) or 0)
        if kind == "manual" and points == 0:
            # A reflection prompt (attitudes A01-A06): read by the certifier, never scored.
            grades[gid] = {
                "score": 0.0,
                "max_score": 0.0,
                "kind": "manual",
                "message_zh": "反思題：給認證人員參考，不計分",
                "message_en": "reflection: read by the certifier, not scored",
            }
            continue
        if kind == "manual":
            answered = integrity.normalize(integrity.source_text(cell)) != stubs.get(gid)
            grades[gid] = {
                "score": None if answered else 0.0,
                "max_score": points,
                "kind": "manual",
                "message_zh": None if answered else "未作答",
                "message_en": None if answered else "not answered",
            }
            continue
        if variant is None:
            grades[gid] = {
                "score": None,
                "max_score": points,
                "kind": "auto",
                "message_zh": None,
                "message_en": None,
            }
            continue
        result = judge(gid, answers.get(gid), problems.get(gid), variant)
        grades[gid] = {
            "score": round(result.fraction * points, 4),
            "max_score": points,
            "kind": "auto",
            "message_zh": result.message_zh,
            "message_en": result.message_en,
        }
    return grades
