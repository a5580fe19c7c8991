"""Simulated manual grades for the demo and tests, marked as simulated in the gradebook itself.

A simulated grade is given through the rubric of its cell, like a person would in
formgrader: every criterion gets the simulated learner's level 0-3, written as the
same rubric record a person types (:mod:`.manual`), with ``模擬評分 (simulated)：是``
as a field and :data:`SIMULATED_MARK` in front of the free comment. Every report,
credential and evidence bundle made from the gradebook later can therefore say,
as a field, which manual scores were invented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from netmarketing.certify.manual import TAIWAN, ManualRecordError, parse_record, render_record
from netmarketing.certify.rubrics import FALLBACK_RUBRIC, load_rubrics, points_for_level, rubric_references

SIMULATED_MARK = "[模擬評分 simulated]"
SIMULATOR = "模擬評分程式 (simulator)"
# Rubric level a simulated learner of each kind (netmarketing.grading.cohort.LEVELS) writes.
LEVEL_OF_KIND = {
    "expert": 3,
    "proficient": 2,
    "novice": 1,
    "blank": 0,
    "copier": 2,
    "tamperer": 3,
    "crasher": 3,
    "memoless": 0,  # left every written answer blank
}


def is_simulated(comment: str | None) -> bool:
    """Return whether an nbgrader comment marks its grade as simulated.

    A rubric record says so in its ``模擬評分`` field; a comment without a record counts
    when it starts with :data:`SIMULATED_MARK` (what the demo wrote before records existed).

    >>> is_simulated("[模擬評分 simulated] 評分規準 written_analysis 等級 2")
    True
    >>> is_simulated("論點清楚，但缺少數據佐證。這不是 simulated 的分數")
    False
    >>> is_simulated("評分規準：written_analysis\\n準則 1：2\\n模擬評分：是")
    True
    """
    try:
        record = parse_record(comment)
    except ManualRecordError:
        return False
    if record is not None:
        return record.simulated
    return str(comment or "").lstrip().startswith(SIMULATED_MARK)


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
    graded_at = datetime.now(TAIWAN).isoformat(timespec="seconds")
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
                        # Every criterion at the learner's level: the record's score is points x fraction.
                        score = points_for_level(rubric, level, float(grade.max_score or 0))
                        grade.manual_score = score
                        grade.needs_manual_grade = False
                        comments[grade.name].manual_comment = render_record(
                            rubric,
                            [level] * len(rubric.criteria),
                            grader=SIMULATOR,
                            graded_at=graded_at,
                            simulated=True,
                            comment=f"{SIMULATED_MARK} 等級 {level}（{rubric.level(level).label}）："
                            f"{rubric.level(level).description}",
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
