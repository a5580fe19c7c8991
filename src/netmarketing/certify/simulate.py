"""Simulated manual grades for the demo and tests, marked as simulated in the gradebook itself.

A simulated grade is given through the rubric of its cell, like a person would in
formgrader: a level 0-3 becomes ``points x fraction`` of that level. Its nbgrader
comment starts with :data:`SIMULATED_MARK`, so every report and credential made
from the gradebook later can say which manual scores were invented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from netmarketing.certify.rubrics import FALLBACK_RUBRIC, load_rubrics, points_for_level, rubric_references

SIMULATED_MARK = "[模擬評分 simulated]"
# Rubric level a simulated learner of each kind (netmarketing.grading.cohort.LEVELS) writes.
LEVEL_OF_KIND = {
    "expert": 3,
    "proficient": 2,
    "novice": 1,
    "blank": 0,
    "copier": 2,
    "tamperer": 3,
    "crasher": 3,
}


def is_simulated(comment: str | None) -> bool:
    """Return whether an nbgrader comment marks its grade as simulated.

    >>> is_simulated("[模擬評分 simulated] 評分規準 written_analysis 等級 2")
    True
    >>> is_simulated("論點清楚，但缺少數據佐證。")
    False
    """
    text = str(comment or "")
    # The demo writes its own marker; any comment that says "simulated" / 模擬評分 counts.
    return text.startswith(SIMULATED_MARK) or "模擬評分" in text or "simulated" in text.lower()


def simulate_manual_grades(
    db_url: str,
    levels: Mapping[str, int | str] | Callable[[str, str, str], int | None],
    *,
    course_dir: Path | str | None = None,
    rubrics_dir: Path | str | None = None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Give every manual grade still waiting in the gradebook a simulated rubric level.

    Parameters
    ----------
    db_url : str
        SQLAlchemy URL of the nbgrader gradebook.
    levels : mapping or callable
        learner -> rubric level (0-3) or a simulated-cohort kind ("expert", "novice", ...);
        or a function ``(learner, module, grade_id) -> level or None``. Learners without a
        level keep their grades waiting (their decision stays pending).
    course_dir : path, optional
        The course sources, to find each cell's rubric (``metadata.netmarketing.rubric``).
    overwrite : bool
        Also replace manual scores already given (never does so by default).

    Returns
    -------
    DataFrame
        learner, module, notebook, grade_id, rubric, level, score, max_score of every grade set.
    """
    from nbgrader.api import Gradebook

    rubrics = load_rubrics(rubrics_dir)
    refs = rubric_references(course_dir, rubrics, strict=False) if course_dir else {}

    def level_for(learner: str, module: str, grade_id: str) -> int | None:
        value = levels(learner, module, grade_id) if callable(levels) else levels.get(learner)
        if value is None:
            return None
        return LEVEL_OF_KIND[value] if isinstance(value, str) else int(value)

    rows = []
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                for snb in sub.notebooks:
                    comments = {c.name: c for c in snb.comments}
                    for grade in snb.grades:
                        if grade.name not in comments:  # not a solution cell: graded automatically
                            continue
                        if not (grade.needs_manual_grade or overwrite):
                            continue
                        level = level_for(sub.student.id, assignment.name, grade.name)
                        if level is None:
                            continue
                        rubric = rubrics.get(
                            refs.get((assignment.name, grade.name), ""), rubrics[FALLBACK_RUBRIC]
                        )
                        score = points_for_level(rubric, level, float(grade.max_score or 0))
                        grade.manual_score = score
                        grade.needs_manual_grade = False
                        comments[grade.name].manual_comment = (
                            f"{SIMULATED_MARK} 評分規準 {rubric.id} 等級 {level}（{rubric.level(level).label}）："
                            f"{rubric.level(level).description}"
                        )
                        rows.append(
                            {
                                "learner": sub.student.id,
                                "module": assignment.name,
                                "notebook": snb.name,
                                "grade_id": grade.name,
                                "rubric": rubric.id,
                                "level": level,
                                "score": score,
                                "max_score": float(grade.max_score or 0),
                            }
                        )
            gb.db.commit()
    columns = ["learner", "module", "notebook", "grade_id", "rubric", "level", "score", "max_score"]
    return pd.DataFrame(rows, columns=columns)
