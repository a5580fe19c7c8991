"""Competency scores: graded cell -> behaviour indicator -> task -> duty, weighted by points.

Grades come from the nbgrader gradebook (:func:`load_gradebook`) or from a
table (:func:`records_from_frame`, for tests and simulated cohorts). The
evidence map (``netmarketing.grading.evidence.evidence_map``) says which
indicator and work output each graded cell is evidence for and how many
points it weighs. Practice items (indicator ``"practice"``) never count.

Every learner gets a row for every counting evidence item, with a status:

- ``graded``: a score exists (automatic, or given by a person);
- ``ungraded``: submitted, but a manual grade has not been given yet, its rubric
  record cannot be read (``note`` says why; :mod:`.manual`), or the autograder
  could not score it;
- ``missing``: the learner has no submission of that module.

Only graded items carry points; a roll-up is ``complete`` when every one of
its items is graded and it has at least one item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netmarketing.certify.framework import Framework
from netmarketing.certify.manual import MANUAL_COLUMNS, ManualGrade, read_manual_grade
from netmarketing.grading.evidence import NOT_COUNTED, EvidenceItem, indicator_from_grade_id

GRADE_COLUMNS = [
    "learner",
    "module",
    "notebook",
    "grade_id",
    "score",
    "max_score",
    "graded",
    "simulated",
    "note",
]
SUBMISSION_COLUMNS = ["learner", "module", "submitted_at", "due", "late"]
ITEM_COLUMNS = ["module", "notebook", "grade_id", "indicator", "output", "points", "kind"]


@dataclass
class GradeRecords:
    """What the gradebook knows: learners, their submissions and the grades in them.

    Attributes
    ----------
    grades : DataFrame
        One row per learner and graded cell: learner, module, notebook, grade_id,
        score (NaN while ungraded), max_score, graded (bool), simulated (bool: a manual
        grade marked simulated, e.g. by :func:`netmarketing.certify.simulate.simulate_manual_grades`),
        note (why a manual grade counts as ungraded, else empty).
    submissions : DataFrame
        One row per learner and module submitted: learner, module, and from a gradebook
        submitted_at, due (None without a deadline) and late (None without a deadline).
    learners : list of str
        Every learner of the course, also those without any submission.
    items : DataFrame or None
        The graded cells the gradebook knows (used when no evidence map is given).
    manual : DataFrame
        Every manual grade given, with its rubric record (:class:`~netmarketing.certify.manual.ManualGrade`).
    """

    grades: pd.DataFrame
    submissions: pd.DataFrame
    learners: list[str]
    items: pd.DataFrame | None = None
    simulated_manual: bool = False
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["learner", "module", "reason"]))
    manual: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MANUAL_COLUMNS))


def _iso(moment: object) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None  # type: ignore[attr-defined]


def load_gradebook(db_url: str, *, rubrics_dir: Path | str | None = None) -> GradeRecords:
    """Read every learner, submission and grade from an nbgrader gradebook.

    A manual grade whose comment holds a rubric record (:mod:`netmarketing.certify.manual`)
    is scored from its criterion levels; one whose record cannot be read stays ungraded.

    Parameters
    ----------
    db_url : str
        SQLAlchemy URL of the gradebook, e.g. ``"sqlite:///autograder/gradebook.db"``.
    rubrics_dir : path, optional
        The rubrics that records name (``autograder/rubrics`` by default).
    """
    from nbgrader.api import Gradebook

    from netmarketing.certify.rubrics import RubricError, load_rubrics
    from netmarketing.cli import UserError

    rubrics_cache: list[dict | None] = []

    def rubrics() -> dict | None:
        if not rubrics_cache:
            try:
                rubrics_cache.append(load_rubrics(rubrics_dir))
            except RubricError:
                rubrics_cache.append(None)  # every record then reads as invalid, with the reason
        return rubrics_cache[0]

    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).exists():
        # nbgrader would silently create an empty gradebook and every learner would vanish.
        raise UserError(
            f"找不到成績資料庫 {db_url}；請先執行評分 (gradebook not found: {db_url}; grade first)"
        )
    rows, subs, cells, manual = [], [], [], []
    with Gradebook(db_url) as gb:
        learners = sorted(s.id for s in gb.students)
        for assignment in gb.assignments:
            for nb in assignment.notebooks:
                manual_names = {c.name for c in nb.solution_cells}
                for cell in nb.grade_cells:
                    cells.append(
                        {
                            "module": assignment.name,
                            "notebook": nb.name,
                            "grade_id": cell.name,
                            "points": float(cell.max_score or 0),
                            "kind": "manual" if cell.name in manual_names else "auto",
                        }
                    )
            for sub in gb.assignment_submissions(assignment.name):
                due = assignment.duedate
                subs.append(
                    {
                        "learner": sub.student.id,
                        "module": assignment.name,
                        "submitted_at": _iso(sub.timestamp),
                        "due": _iso(due),
                        "late": None if due is None or sub.timestamp is None else bool(sub.timestamp > due),
                    }
                )
                for snb in sub.notebooks:
                    comments = {c.name: c.manual_comment for c in snb.comments}
                    for grade in snb.grades:
                        graded = grade.manual_score is not None or not grade.needs_manual_grade
                        row = {
                            "learner": sub.student.id,
                            "module": assignment.name,
                            "notebook": snb.name,
                            "grade_id": grade.name,
                            "score": float(grade.score) if graded else np.nan,
                            "max_score": float(grade.max_score or 0),
                            "graded": bool(graded),
                            "simulated": False,
                            "note": "",
                        }
                        if grade.name in comments:  # a solution cell: graded by a person
                            record = read_manual_grade(
                                comments[grade.name],
                                learner=row["learner"],
                                module=row["module"],
                                notebook=row["notebook"],
                                grade_id=row["grade_id"],
                                gradebook_score=grade.manual_score,
                                max_score=row["max_score"],
                                rubrics=rubrics() if "評分規準" in str(comments[grade.name] or "") else None,
                            )
                            if record is not None:
                                manual.append(record)
                                _apply_manual(row, record)
                        rows.append(row)
    items = pd.DataFrame(cells, columns=["module", "notebook", "grade_id", "points", "kind"])
    grades = pd.DataFrame(rows, columns=GRADE_COLUMNS)
    return GradeRecords(
        grades=grades,
        submissions=pd.DataFrame(subs, columns=SUBMISSION_COLUMNS).drop_duplicates(
            ["learner", "module"], ignore_index=True
        ),
        learners=learners,
        items=items,
        manual=pd.DataFrame([m.as_row() for m in manual], columns=MANUAL_COLUMNS),
    )


def _apply_manual(row: dict, record: ManualGrade) -> None:
    """Let a manual grade's record decide the row's score; an unreadable record leaves it ungraded."""
    if record.source == "invalid":
        row.update(score=np.nan, graded=False, note=record.problem)
    else:
        row.update(score=float(record.score or 0), graded=True)
    row["simulated"] = record.simulated


def records_from_frame(
    grades: pd.DataFrame | str | Path,
    *,
    learners: Iterable[str] | None = None,
    submissions: pd.DataFrame | None = None,
) -> GradeRecords:
    """Build grade records from a table (a DataFrame or a CSV path).

    Parameters
    ----------
    grades : DataFrame or path
        Columns learner, module, grade_id, score; optional notebook, max_score.
        An empty score means "not graded yet".
    learners : iterable of str, optional
        Every learner; defaults to those in ``grades``.
    submissions : DataFrame, optional
        learner, module pairs submitted (optionally submitted_at, due, late); defaults to the
        pairs in ``grades``.
    """
    frame = pd.read_csv(grades) if isinstance(grades, (str, Path)) else grades.copy()
    missing = {"learner", "module", "grade_id", "score"} - set(frame.columns)
    if missing:
        raise ValueError(f"成績表缺少欄位 {sorted(missing)} (grades table lacks columns {sorted(missing)})")
    frame["learner"] = frame["learner"].astype(str)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    if "notebook" not in frame:
        frame["notebook"] = ""
    if "max_score" not in frame:
        frame["max_score"] = np.nan
    frame["graded"] = frame["score"].notna()
    frame["simulated"] = frame["simulated"].fillna(False).astype(bool) if "simulated" in frame else False
    frame["note"] = frame["note"].fillna("").astype(str) if "note" in frame else ""
    subs = (
        submissions[[c for c in SUBMISSION_COLUMNS if c in submissions]].copy()
        if submissions is not None
        else frame[["learner", "module"]].drop_duplicates(ignore_index=True)
    )
    all_learners = sorted(set(learners) if learners is not None else set(frame["learner"]))
    return GradeRecords(grades=frame[GRADE_COLUMNS], submissions=subs, learners=all_learners)


def evidence_frame(
    evidence: Iterable[EvidenceItem] | pd.DataFrame | None, records: GradeRecords
) -> pd.DataFrame:
    """Return the counting evidence items as a table (practice items dropped).

    Without an evidence map, the gradebook's own grade cells are used and the
    indicator is read from the grade id prefix.
    """
    if evidence is None:
        if records.items is None:
            raise ValueError("需要證據對照表 (an evidence map is needed when grades come from a table)")
        frame = records.items.copy()
        frame["indicator"] = frame["grade_id"].map(indicator_from_grade_id)
        frame["output"] = None
    elif isinstance(evidence, pd.DataFrame):
        frame = evidence.copy()
    else:
        frame = pd.DataFrame([item.as_dict() for item in evidence], columns=ITEM_COLUMNS)
    frame = frame.reindex(columns=ITEM_COLUMNS)
    frame["points"] = frame["points"].astype(float)
    return frame[~frame["indicator"].isin(NOT_COUNTED)].reset_index(drop=True)


def item_scores(records: GradeRecords, evidence: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Return one row per learner and counting evidence item with its status and points earned.

    Columns: learner, the evidence columns, task, duty, status, score, max_score,
    fraction (score / max score, NaN unless graded), earned (fraction x points, 0 unless graded),
    simulated (a simulated manual grade), note (why a manual grade is not counted yet).
    """
    items = evidence.merge(
        framework.indicators[["code", "task", "duty"]], left_on="indicator", right_on="code"
    )
    items = items.drop(columns="code")
    learners = pd.DataFrame({"learner": records.learners})
    grid = learners.merge(items, how="cross")
    grades = records.grades.drop(columns="notebook").drop_duplicates(["learner", "module", "grade_id"])
    submitted = records.submissions.assign(_submitted=True).drop_duplicates(["learner", "module"])
    # Same key dtypes on both sides, also when a frame is empty (pandas gives it float columns).
    for frame, keys in (
        (grid, ("learner", "module", "grade_id")),
        (grades, ("learner", "module", "grade_id")),
        (submitted, ("learner", "module")),
    ):
        for key in keys:
            frame[key] = frame[key].astype(str)
    grid = grid.merge(grades, on=["learner", "module", "grade_id"], how="left")
    grid = grid.merge(submitted, on=["learner", "module"], how="left")
    graded = grid["graded"].fillna(False).astype(bool)
    grid["simulated"] = grid["simulated"].fillna(False).astype(bool) & graded
    grid["note"] = grid["note"].fillna("").astype(str)
    grid["status"] = np.where(grid["_submitted"].isna(), "missing", np.where(graded, "graded", "ungraded"))
    max_score = grid["max_score"].where(grid["max_score"] > 0, grid["points"])
    fraction = (grid["score"] / max_score).clip(0, 1)
    grid["max_score"] = max_score
    grid["fraction"] = fraction.where(grid["status"] == "graded")
    grid["earned"] = (grid["fraction"] * grid["points"]).fillna(0.0)
    grid["graded_points"] = grid["points"].where(grid["status"] == "graded", 0.0)
    return grid.drop(columns=["_submitted", "graded"]).reset_index(drop=True)


def _rollup(items: pd.DataFrame, by: str, codes: list[str], learners: list[str]) -> pd.DataFrame:
    """Sum points by learner and one level of the framework, keeping levels without items."""
    scored = items.dropna(subset=[by]).assign(
        is_ungraded=lambda t: (t["status"] == "ungraded").astype(int),
        is_missing=lambda t: (t["status"] == "missing").astype(int),
    )
    grouped = scored.groupby(["learner", by], observed=True).agg(
        possible=("points", "sum"),
        graded_possible=("graded_points", "sum"),
        earned=("earned", "sum"),
        n_items=("grade_id", "size"),
        n_ungraded=("is_ungraded", "sum"),
        n_missing=("is_missing", "sum"),
    )
    full = pd.MultiIndex.from_product([learners, codes], names=["learner", by])
    out = grouped.reindex(full).reset_index().rename(columns={by: "code"})
    count_cols = ["n_items", "n_ungraded", "n_missing", "possible", "graded_possible", "earned"]
    for col in count_cols:  # an empty group-by (no items at this level) has no numeric dtype yet
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float).fillna(0.0)
    for col in ("n_items", "n_ungraded", "n_missing"):
        out[col] = out[col].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["percent"] = np.where(
            out["graded_possible"] > 0, 100 * out["earned"] / out["graded_possible"], np.nan
        )
    out["complete"] = (out["n_items"] > 0) & (out["n_ungraded"] == 0) & (out["n_missing"] == 0)
    return out


@dataclass
class CompetencyScores:
    """Scores of every learner at every level of the framework (tidy DataFrames)."""

    items: pd.DataFrame
    indicators: pd.DataFrame
    tasks: pd.DataFrame
    duties: pd.DataFrame
    outputs: pd.DataFrame
    learners: list[str]
    #: Each indicator's automatic and judgement (manual, rubric-scored) evidence apart: the same
    #: columns as ``indicators`` plus ``kind`` ("auto" or "manual"). The policy needs both to pass.
    indicator_parts: pd.DataFrame = field(default_factory=pd.DataFrame)

    def wide(self, level: str = "indicators") -> pd.DataFrame:
        """Return learners x codes of percent scores for one level."""
        table = getattr(self, level)
        return table.pivot(index="learner", columns="code", values="percent").reindex(self.learners)


def competency_scores(
    records: GradeRecords, evidence: pd.DataFrame, framework: Framework
) -> CompetencyScores:
    """Roll grades up from graded cell to indicator, task, duty and work output.

    Each level's percent is points earned over points graded, so a 4-point item
    weighs four times a 1-point item at every level.
    """
    items = item_scores(records, evidence, framework)
    learners = list(records.learners)
    parts = pd.concat(
        [
            _rollup(items[items["kind"] == kind], "indicator", framework.indicator_codes, learners).assign(
                kind=kind
            )
            for kind in ("auto", "manual")
        ],
        ignore_index=True,
    )
    return CompetencyScores(
        items=items,
        indicators=_rollup(items, "indicator", framework.indicator_codes, learners),
        tasks=_rollup(items, "task", list(framework.tasks["code"]), learners),
        duties=_rollup(items, "duty", framework.duty_codes, learners),
        outputs=_rollup(items, "output", list(framework.outputs["code"]), learners),
        learners=learners,
        indicator_parts=parts,
    )


# Grading statuses (netmarketing.grading.autograde) that need a person before any decision:
# an integrity flag, or a grader failure that left the submission without trustworthy scores.
REVIEW_STATUSES = ("flagged", "error")


def flags_from_results(results_dir: Path | str) -> pd.DataFrame:
    """Read integrity flags from the grading results tables (``autograder/results/<module>.json``).

    Returns
    -------
    DataFrame
        learner, module, reason (zh-TW): one row per submission whose status is
        ``flagged`` or ``error``. Empty when the folder does not exist.
    """
    import json

    rows = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # a half-written results file is the grader's business, not a reason to stop
        module = payload.get("module", path.stem)
        for learner, record in (payload.get("submissions") or {}).items():
            if record.get("status") in REVIEW_STATUSES:
                rows.append(
                    {"learner": str(learner), "module": module, "reason": record.get("reason_zh", "")}
                )
    return pd.DataFrame(rows, columns=["learner", "module", "reason"])
