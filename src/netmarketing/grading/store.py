"""Storing one graded submission (grader parent process only): gradebook, autograded copy, answers, feedback.

Only the parent process writes these; workers hand back plain data. The gradebook is
nbgrader's (so formgrader shows the same scores), the autograded notebooks and the
answers the learner handed in are kept under ``autograded/<learner>/<module>/`` (the
evidence a certifier can archive), and the zh-TW feedback goes to
``feedback/<learner>/<module>/``.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from netmarketing.grading import integrity

#: Folder of the answers a learner handed in, inside ``autograded/<learner>/<module>/``.
ANSWERS_DIR = "answers"


def ensure_assignment(ws: Any, module: str, sources: Sequence[Path]) -> None:
    """Make sure the gradebook knows the module's notebooks and graded cells (else generate it)."""
    from nbgrader.api import MissingEntry

    wanted = []
    for path in sources:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = integrity.nbgrader_meta(cell)
            if meta.get("grade") and meta.get("grade_id"):
                wanted.append((meta["grade_id"], path.stem))
    with ws.gradebook() as gb:
        try:
            gb.find_assignment(module)
            for grade_id, notebook in wanted:
                gb.find_grade_cell(grade_id, notebook, module)
            return
        except MissingEntry:
            pass
    ws.generate(module)


def read_timestamp(sub_dir: Path) -> datetime | None:
    """Return the submission time nbgrader wrote (``timestamp.txt``), or None."""
    stamp = sub_dir / "timestamp.txt"
    if not stamp.is_file() or stamp.is_symlink():
        return None
    try:
        from nbgrader.utils import parse_utc

        return parse_utc(stamp.read_text(encoding="utf-8")[:100].strip())
    except Exception:
        return None


def store(ws: Any, module: str, record: dict[str, Any], sources: Sequence[Path], *, feedback: bool) -> None:
    """Write one graded submission: gradebook scores, autograded notebooks and answers, feedback."""
    from nbgrader.api import MissingEntry

    student = record["student"]
    timestamp = read_timestamp(Path(ws.submission_dir(student, module)))
    with ws.gradebook() as gb, warnings.catch_warnings():
        # nbgrader's own session handling warns while creating a submission; harmless.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        gb.update_or_create_submission(module, student, **({"timestamp": timestamp} if timestamp else {}))
        for notebook, nb_record in record["notebooks"].items():
            for grade_id, grade in nb_record.get("grades", {}).items():
                try:
                    row = gb.find_grade(grade_id, notebook, module, student)
                except MissingEntry:
                    continue
                row.auto_score = grade["score"] if grade["kind"] == "auto" else None
                row.needs_manual_grade = grade["kind"] == "manual" and grade["score"] is None
                if grade["kind"] == "manual" and grade["score"] is not None and row.manual_score is None:
                    row.auto_score = grade["score"]  # a written answer left blank: 0, nothing to grade
        gb.db.commit()
    graded_dir = Path(ws.autograded_dir) / student / module
    shutil.rmtree(graded_dir, ignore_errors=True)
    executed = {}
    for notebook, nb_record in record["notebooks"].items():
        path = nb_record.pop("_executed", None)
        if path and Path(path).exists():
            graded_dir.mkdir(parents=True, exist_ok=True)
            target = graded_dir / f"{notebook}.ipynb"
            shutil.copyfile(path, target)
            executed[notebook] = target
        answers = nb_record.pop("_answers", None)
        if answers and Path(answers).is_dir():
            shutil.copytree(answers, graded_dir / ANSWERS_DIR / notebook, dirs_exist_ok=True)
    stamp = Path(ws.submission_dir(student, module)) / "timestamp.txt"
    if graded_dir.is_dir() and stamp.is_file() and not stamp.is_symlink():
        shutil.copyfile(stamp, graded_dir / "timestamp.txt")
    from netmarketing.grading.review import after_grading  # flags, manual grades, feedback

    after_grading(ws, module, record, feedback=feedback)
