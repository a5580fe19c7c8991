"""After manual grading: one total everywhere, flags up to date, feedback regenerated (``netmarketing feedback``).

A grader scores written answers in formgrader with a rubric record in the comment box
(:mod:`netmarketing.certify.manual`); certification reads the item's score from the
record's criterion levels. :func:`refresh` makes every place agree with that reading:

1. **gradebook**: a manual score that differs from its record's score is set to it, so
   formgrader's totals are the ones the reports use;
2. **results** (the grading ledger, and ``results/<module>.json`` written from it): manual
   items get their score, and each learner's total is recomputed;
3. **flags**: resolutions made in formgrader are recorded (:mod:`.flags`);
4. **feedback**: every learner's pages are written again with the manual scores, the
   criterion levels and the grader's comments (:mod:`.feedback`).

formgrader's Generate Feedback runs step 4 for the learners it is asked about
(:class:`netmarketing.grading.nbgrader_bridge.ProjectFeedback`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Manual grades of one module: ``{learner: {(notebook, grade_id): ManualGrade}}``.
ManualGrades = dict[str, dict[tuple[str, str], Any]]


@dataclass
class RefreshSummary:
    """What :func:`refresh` did."""

    pages: list[Path] = field(default_factory=list)
    scores_set: int = 0
    flags: dict[str, int] = field(default_factory=dict)


def rubrics_dir(ws: Any) -> Path:
    """Return the rubrics of a workspace: ``<autograder>/rubrics`` (the repository's when it has none)."""
    own = Path(ws.root) / "rubrics"
    if own.is_dir():
        return own
    from netmarketing.certify.rubrics import DEFAULT_RUBRICS_DIR
    from netmarketing.grading.workspace import repo_root

    return repo_root() / DEFAULT_RUBRICS_DIR


def load_workspace_rubrics(ws: Any) -> dict[str, Any] | None:
    """Return the workspace's rubrics by id, or None when the folder cannot be read (records then stay ungraded)."""
    from netmarketing.certify.rubrics import RubricError, load_rubrics

    try:
        return load_rubrics(rubrics_dir(ws))
    except RubricError:
        return None


def collect_manual(
    ws: Any, module: str, rubrics: dict[str, Any] | None, *, apply: bool, learner: str | None = None
) -> tuple[ManualGrades, int]:
    """Read every manual grade of a module (or one learner's) from the gradebook.

    With ``apply``, a gradebook score that differs from its rubric record's is set to the
    record's. Returns the grades by learner and how many gradebook scores were set.
    """
    from nbgrader.api import MissingEntry

    from netmarketing.certify.manual import read_manual_grade

    grades: ManualGrades = {}
    changed = 0
    with ws.gradebook() as gb:
        try:
            gb.find_assignment(module)
        except MissingEntry:
            return grades, 0
        if learner is None:
            submissions = gb.assignment_submissions(module)
        else:
            try:
                submissions = [gb.find_submission(module, learner)]
            except MissingEntry:
                return grades, 0
        for sub in submissions:
            for snb in sub.notebooks:
                comments = {c.name: c.manual_comment for c in snb.comments}
                for row in snb.grades:
                    if row.name not in comments:
                        continue  # not a written answer
                    grade = read_manual_grade(
                        comments[row.name],
                        learner=sub.student.id,
                        module=module,
                        notebook=snb.name,
                        grade_id=row.name,
                        gradebook_score=row.manual_score,
                        max_score=float(row.max_score or 0),
                        rubrics=rubrics,
                    )
                    if grade is None:
                        continue
                    grades.setdefault(sub.student.id, {})[(snb.name, row.name)] = grade
                    if apply and grade.source == "record" and grade.score != row.manual_score:
                        row.manual_score = grade.score
                        row.needs_manual_grade = False
                        changed += 1
        if changed:
            gb.db.commit()
    return grades, changed


def apply_to_results(records: dict[str, dict[str, Any]], manual: ManualGrades) -> dict[str, dict[str, Any]]:
    """Write manual scores into a module's results records and recompute each learner's total (in place)."""
    for learner, given in manual.items():
        record = records.get(learner)
        if record is None:
            continue
        for (notebook, grade_id), grade in given.items():
            entry = record.get("notebooks", {}).get(notebook, {}).get("grades", {}).get(grade_id)
            if entry is None or entry.get("kind") != "manual":
                continue
            entry["score"] = None if grade.source == "invalid" else grade.score
            entry["manual_source"] = grade.source
        scores = [g for nb in record.get("notebooks", {}).values() for g in nb.get("grades", {}).values()]
        known = [g["score"] for g in scores if g.get("score") is not None]
        record["score"] = round(sum(known), 4) if known else None
    return records


def after_grading(ws: Any, module: str, record: dict[str, Any], *, feedback: bool) -> None:
    """Flag, score and write feedback for a submission just graded (:func:`.store.store` calls this).

    The record (saved to the results table afterwards) takes the manual grades the gradebook
    already holds, so a submission graded again keeps its written answers' scores everywhere.
    """
    from netmarketing.grading.flags import flag_in_gradebook, resolved_submissions

    flag_in_gradebook(ws, module, record)
    learner = record["student"]
    rubrics = load_workspace_rubrics(ws)
    manual, _ = collect_manual(ws, module, rubrics, apply=False, learner=learner)
    apply_to_results({learner: record}, manual)
    if feedback:
        resolved = (learner, module) in resolved_submissions(ws.root)
        write_learner_feedback(
            ws, module, record, manual.get(learner, {}), rubrics, learner_names(ws), resolved=resolved
        )


def learner_names(ws: Any) -> dict[str, str]:
    """Return ``{learner id: "陳怡君"}`` for the learners the gradebook has names for."""
    with ws.gradebook() as gb:
        return {
            s.id: f"{s.last_name or ''}{s.first_name or ''}".strip()
            for s in gb.students
            if s.first_name or s.last_name
        }


def refresh(ws: Any, modules: Sequence[str], students: Iterable[str] | None = None) -> RefreshSummary:
    """Apply manual grades, sync flags and write the feedback of every graded learner of ``modules``.

    Parameters
    ----------
    ws : netmarketing.grading.workspace.Workspace
        The grading workspace.
    modules : sequence of str
        Modules to refresh (those never graded are skipped).
    students : iterable of str, optional
        Only these learners' feedback pages (scores and flags are always brought up to date).
    """
    from netmarketing.grading.flags import resolved_submissions, sync_flags
    from netmarketing.grading.ledger import Ledger
    from netmarketing.grading.results import save_results

    summary = RefreshSummary(flags=sync_flags(ws, modules))
    resolved = resolved_submissions(ws.root)
    rubrics = load_workspace_rubrics(ws)
    names = learner_names(ws)
    wanted = set(students) if students is not None else None
    ledger = Ledger(ws.db_url)  # the graded submissions' records (results/*.json is written from it)
    for module in modules:
        records = ledger.records(module)
        if not records:
            continue
        manual, changed = collect_manual(ws, module, rubrics, apply=True)
        summary.scores_set += changed
        for learner, record in apply_to_results(records, manual).items():
            ledger.amend(module, learner, record)  # skipped while a run grades it: that run applies them
        save_results(ws, module, ledger.records(module))
        for learner in sorted(records):
            if wanted is None or learner in wanted:
                page = write_learner_feedback(
                    ws,
                    module,
                    records[learner],
                    manual.get(learner, {}),
                    rubrics,
                    names,
                    resolved=(learner, module) in resolved,
                )
                summary.pages.append(page)
    return summary


def write_learner_feedback(
    ws: Any,
    module: str,
    record: dict[str, Any],
    manual: dict[tuple[str, str], Any],
    rubrics: dict[str, Any] | None,
    names: dict[str, str],
    *,
    resolved: bool = False,
) -> Path:
    """Write one learner's feedback on a module from the grader's record and the manual grades.

    ``resolved``: the instructor cleared the submission's integrity flag (the page then says "graded").
    """
    from netmarketing.grading.feedback import write_feedback

    learner = record["student"]
    graded = Path(ws.autograded_dir) / learner / module
    executed = {p.stem: p for p in sorted(graded.glob("*.ipynb"))}
    shown = dict(record)
    if resolved:
        shown["status"] = "graded"  # the instructor looked at the flag and cleared it
    return write_feedback(
        Path(ws.feedback_dir) / learner / module,
        shown,
        ws.source_notebooks(module),
        executed,
        manual=manual,
        rubrics=rubrics,
        learner_name=names.get(learner, ""),
        submission_dir=ws.submission_dir(learner, module),
    )
