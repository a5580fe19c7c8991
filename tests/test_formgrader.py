"""Do formgrader and the gradebook show the course as it is: flags raised and resolved, one total, rubrics
beside written answers, modules only, the course's feedback on Generate Feedback?

Fast tests: a gradebook made through nbgrader's API, no kernel and no server.
The real-browser day of an instructor is in ``test_formgrader_day.py``.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import nbformat
import pytest

from netmarketing.certify.manual import parse_record, render_record
from netmarketing.certify.rubrics import load_rubrics
from netmarketing.grading import flags as flagging
from netmarketing.grading.results import finish, save_results
from netmarketing.grading.review import apply_to_results, collect_manual, load_workspace_rubrics
from netmarketing.grading.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "instructor_day", Path(__file__).parent / "fixtures" / "instructor_day.py"
)
day = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(day)

MODULE, NOTEBOOK, OTHER = "01_written", "written", "second"
REASON = "測試儲存格 p1_1_3__positive 被修改，已還原為原始內容後評分"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace whose gradebook has two learners' submissions of a two-notebook module with a written answer."""
    course, autograder = day.make_workspace(tmp_path)
    ws = Workspace(autograder, course_dir=course)
    with ws.gradebook() as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own session handling warns while creating submissions
        gb.add_assignment(MODULE)
        for notebook in (NOTEBOOK, OTHER):
            gb.add_notebook(notebook, MODULE)
        gb.add_grade_cell("p1_1_1__total", NOTEBOOK, MODULE, max_score=2, cell_type="code")
        gb.add_grade_cell(day.WRITTEN, NOTEBOOK, MODULE, max_score=2, cell_type="markdown")
        gb.add_solution_cell(day.WRITTEN, NOTEBOOK, MODULE)
        for student in ("s01", "s02"):
            gb.add_student(student)
            gb.add_submission(MODULE, student)
    return ws


def _record(student: str, digest: str, *issues: dict, notebooks: dict | None = None) -> dict:
    """Return a grading record as the grader finishes it (status, reasons, total)."""
    record = {"student": student, "module": MODULE, "hash": digest, "issues": list(issues)}
    return finish({**record, "notebooks": notebooks or {}})


def _flag(notebook: str | None = NOTEBOOK) -> dict:
    return {
        "code": "locked_cell_edited",
        "status": "flagged",
        "reason_zh": REASON,
        "reason_en": "edited",
        "notebook": notebook,
    }


def _flagged(ws: Workspace, student: str) -> dict[str, bool]:
    with ws.gradebook() as gb:
        return {nb.name: bool(nb.flagged) for nb in gb.find_submission(MODULE, student).notebooks}


def _unflag(ws: Workspace, student: str) -> None:
    """Do what formgrader's flag button does: toggle the submitted notebook's flag."""
    with ws.gradebook() as gb:
        for nb in gb.find_submission(MODULE, student).notebooks:
            nb.flagged = False
        gb.db.commit()


# --- flags ------------------------------------------------------------------------------------
def test_an_integrity_flag_sets_the_gradebook_flag_of_the_notebook_it_names(ws):
    """Does a flag on one notebook flag that notebook in the gradebook, and only it?"""
    flagging.flag_in_gradebook(ws, MODULE, _record("s02", "h1", _flag()))
    assert _flagged(ws, "s02") == {NOTEBOOK: True, OTHER: False}
    assert _flagged(ws, "s01") == {NOTEBOOK: False, OTHER: False}
    entry = flagging.read_state(ws.root)[MODULE]["s02"]
    assert entry["state"] == flagging.OPEN and entry["reason_zh"] == REASON


def test_a_flag_without_a_notebook_flags_the_whole_submission(ws):
    """Does an issue that names no notebook (e.g. identity) flag every notebook of the submission?"""
    flagging.flag_in_gradebook(ws, MODULE, _record("s02", "h1", _flag(None)))
    assert _flagged(ws, "s02") == {NOTEBOOK: True, OTHER: True}


def test_a_resolved_flag_stays_cleared_until_the_submission_changes(ws):
    """Unflagged in formgrader: recorded as resolved, not raised again on regrading, raised again when changed."""
    flagged = _record("s02", "h1", _flag())
    flagging.flag_in_gradebook(ws, MODULE, flagged)
    save_results(ws, MODULE, {"s02": flagged})
    assert flagging.resolved_submissions(ws.root) == set()
    _unflag(ws, "s02")
    assert flagging.sync_flags(ws, [MODULE]) == {"open": 0, "resolved": 1}
    assert flagging.resolved_submissions(ws.root) == {("s02", MODULE)}
    flagging.flag_in_gradebook(ws, MODULE, flagged)  # graded again, same submission
    assert _flagged(ws, "s02")[NOTEBOOK] is False
    changed = _record("s02", "h2", _flag())
    flagging.flag_in_gradebook(ws, MODULE, changed)
    save_results(ws, MODULE, {"s02": changed})
    assert _flagged(ws, "s02")[NOTEBOOK] is True
    assert flagging.resolved_submissions(ws.root) == set()


def test_a_clean_regrade_clears_the_graders_flag_but_never_a_flag_set_by_hand(ws):
    """Does a submission fixed by the learner lose the grader's flag, while a person's own flag stays?"""
    flagging.flag_in_gradebook(ws, MODULE, _record("s02", "h1", _flag()))
    flagging.flag_in_gradebook(ws, MODULE, _record("s02", "h2"))
    assert _flagged(ws, "s02")[NOTEBOOK] is False
    with ws.gradebook() as gb:
        gb.find_submission_notebook(NOTEBOOK, MODULE, "s01").flagged = True  # the instructor's own flag
        gb.db.commit()
    flagging.flag_in_gradebook(ws, MODULE, _record("s01", "h3"))
    assert _flagged(ws, "s01")[NOTEBOOK] is True


def test_certify_counts_only_flags_not_yet_resolved(ws):
    """Does certification stop waiting on a flag once the instructor resolved it (and never on a grader error)?"""
    from netmarketing.certify.pipeline import open_flags

    error = {"code": "grader_error", "status": "error", "reason_zh": "評分程式內部錯誤", "reason_en": "error"}
    records = {"s02": _record("s02", "h1", _flag()), "s01": _record("s01", "h9", error)}
    save_results(ws, MODULE, records)
    flagging.sync_flags(ws, [MODULE])
    assert sorted(open_flags(ws.root / "results")["learner"]) == ["s01", "s02"]
    _unflag(ws, "s02")
    flagging.sync_flags(ws, [MODULE])
    assert list(open_flags(ws.root / "results")["learner"]) == ["s01"]


# --- one total --------------------------------------------------------------------------------
def _comment(ws: Workspace, student: str, text: str, typed: float | None) -> None:
    with ws.gradebook() as gb:
        gb.find_comment(day.WRITTEN, NOTEBOOK, MODULE, student).manual_comment = text
        gb.find_grade(day.WRITTEN, NOTEBOOK, MODULE, student).manual_score = typed
        gb.db.commit()


def test_the_rubric_records_score_becomes_the_gradebook_and_results_score(ws):
    """Is a typed score that disagrees with the rubric record replaced by the record's, and the total redone?"""
    rubrics = load_workspace_rubrics(ws)
    _comment(ws, "s01", render_record(rubrics["fixture_memo"], [2, 3], comment="好"), typed=2.0)
    _comment(ws, "s02", "很好（沒有評分紀錄）", typed=1.5)
    manual, changed = collect_manual(ws, MODULE, rubrics, apply=True)
    assert changed == 1
    with ws.gradebook() as gb:
        assert gb.find_grade(day.WRITTEN, NOTEBOOK, MODULE, "s01").manual_score == pytest.approx(1.7)
        assert gb.find_grade(day.WRITTEN, NOTEBOOK, MODULE, "s02").manual_score == pytest.approx(1.5)
        assert gb.find_submission(MODULE, "s01").score == pytest.approx(1.7)
    grades = {
        "p1_1_1__total": {"score": 2.0, "max_score": 2.0, "kind": "auto"},
        day.WRITTEN: {"score": None, "max_score": 2.0, "kind": "manual"},
    }
    records = {
        s: _record(s, "h", notebooks={NOTEBOOK: {"grades": json.loads(json.dumps(grades))}})
        for s in ("s01", "s02")
    }
    apply_to_results(records, manual)
    assert records["s01"]["score"] == pytest.approx(3.7)
    assert records["s02"]["score"] == pytest.approx(3.5)


def test_feedback_keeps_the_manual_total_in_the_ledger_results_are_written_from(ws):
    """After `netmarketing feedback`, do the ledger and results/*.json hold the total with the manual grade,
    while a submission another run is grading right now is left to that run?"""
    from netmarketing.grading.ledger import Ledger
    from netmarketing.grading.results import load_results
    from netmarketing.grading.review import refresh

    grades = {
        "p1_1_1__total": {"score": 2.0, "max_score": 2.0, "kind": "auto"},
        day.WRITTEN: {"score": None, "max_score": 2.0, "kind": "manual"},
    }
    ledger = Ledger(ws.db_url)
    for student in ("s01", "s02"):
        ledger.claim(MODULE, student, "run-1")
        ledger.finish(
            MODULE, student, "run-1", _record(student, "h", notebooks={NOTEBOOK: {"grades": grades}})
        )
    rubrics = load_workspace_rubrics(ws)
    for student in ("s01", "s02"):
        _comment(ws, student, render_record(rubrics["fixture_memo"], [2, 3]), typed=None)
    assert ledger.claim(MODULE, "s02", "run-2")  # s02 is being graded again right now
    refresh(ws, [MODULE], students=())
    assert ledger.records(MODULE)["s01"]["score"] == pytest.approx(3.7)
    assert load_results(ws, MODULE)["s01"]["score"] == pytest.approx(3.7)
    assert ledger.records(MODULE)["s02"]["score"] == pytest.approx(2.0)


def test_an_unreadable_record_leaves_the_written_answer_ungraded_everywhere(ws):
    """Does a record with a criterion left blank keep the item ungraded in the results, whatever was typed?"""
    rubrics = load_workspace_rubrics(ws)
    _comment(ws, "s01", render_record(rubrics["fixture_memo"], None), typed=2.0)
    manual, changed = collect_manual(ws, MODULE, rubrics, apply=True)
    assert changed == 0
    grades = {day.WRITTEN: {"score": None, "max_score": 2.0, "kind": "manual"}}
    records = {"s01": _record("s01", "h", notebooks={NOTEBOOK: {"grades": grades}})}
    apply_to_results(records, manual)
    assert records["s01"]["notebooks"][NOTEBOOK]["grades"][day.WRITTEN]["score"] is None


# --- formgrader -------------------------------------------------------------------------------
def test_the_course_config_gives_formgrader_the_courses_page_and_generate_feedback_the_courses_feedback(ws):
    """Does the nbgrader config name the course's submission template, panels and feedback exporter?"""
    config = ws.config()
    assert Path(config.HTMLExporter.template_file).is_file()
    assert config.HTMLExporter.preprocessors == ["netmarketing.grading.nbgrader_bridge.FormgraderPanels"]
    assert config.FormgraderPanels.autograder == str(ws.root)
    assert config.GenerateFeedback.exporter_class == "netmarketing.grading.nbgrader_bridge.ProjectFeedback"


def test_formgrader_lists_only_course_modules(ws, monkeypatch):
    """Is a folder of builder scripts in course/ left out of formgrader's assignments?"""
    from nbgrader.apps.api import NbGraderAPI

    from netmarketing.grading.formgrader import list_only_modules

    monkeypatch.setattr(NbGraderAPI, "get_source_assignments", NbGraderAPI.get_source_assignments)
    assert (ws.course_dir / "_build").is_dir()
    assert "_build" in ws.api().get_source_assignments()
    list_only_modules()
    assert ws.api().get_source_assignments() == {MODULE}


def test_a_written_answer_gets_its_rubric_and_a_record_certify_can_read(ws):
    """Beside the written answer: every criterion with its levels, descriptors and exemplars, and a blank record?"""
    from netmarketing.grading.formgrader import page_parts

    nb = nbformat.from_dict(day.source_notebook())
    parts = page_parts(ws, MODULE, "s01", NOTEBOOK, nb, {"first_name": "怡君", "last_name": "陳"})
    assert set(parts["panels"]) == {day.WRITTEN}
    panel = parts["panels"][day.WRITTEN]
    rubric = load_rubrics(ws.root / "rubrics")["fixture_memo"]
    for number, criterion in enumerate(rubric.criteria, start=1):
        assert f"準則 {number}：{criterion}" in panel
        for level in rubric.criterion_levels[number - 1]:
            assert level.descriptor in panel and level.exemplar in panel
    assert 'data-points="2"' in panel and "[0.0, 0.4, 0.7, 1.0]" in panel
    blank = panel.split('<pre class="nm-template">')[1].split("</pre>")[0]
    import html

    assert parse_record(html.unescape(blank)).rubric_id == "fixture_memo"
    assert "s01　陳怡君" in parts["banner"]


def test_the_submission_page_names_the_flag_and_its_reason(ws):
    """Does a flagged submission's page say it is flagged, why, and that it is still open?"""
    from netmarketing.grading.formgrader import banner

    record = _record("s02", "h1", _flag())
    save_results(ws, MODULE, {"s02": record})
    flagging.flag_in_gradebook(ws, MODULE, record)
    page = banner(ws, MODULE, "s02", NOTEBOOK)
    assert REASON in page and "未處理" in page and "nm-flag-toggle" in page
    assert "nm-flag" not in banner(ws, MODULE, "s02", OTHER)
    assert "nm-flag" not in banner(ws, MODULE, "s01", NOTEBOOK)
    _unflag(ws, "s02")
    flagging.sync_flags(ws, [MODULE])
    assert "已處理" in banner(ws, MODULE, "s02", NOTEBOOK)


def test_formgrader_is_served_from_the_folder_that_holds_the_sources(ws):
    """Is the instructor's server rooted where both autograder/ and course/ are, with the course's config?"""
    from netmarketing.grading.formgrader import SERVER_EXTENSION, server_root, write_server_config

    assert server_root(ws) == ws.root.parent
    folder = write_server_config(ws)
    assert str(ws.course_dir) in (folder / "nbgrader_config.py").read_text(encoding="utf-8")
    extension = json.loads((folder / "jupyter_server_config.d" / "netmarketing-formgrader.json").read_text())
    assert extension["ServerApp"]["jpserver_extensions"] == {SERVER_EXTENSION: True}
