"""Tests of ``netmarketing grade``: isolation, limits, integrity, resumability and leak-free feedback.

The slow tests share ONE cohort run (module-scoped fixture): a tiny module and one
hostile submission per robustness case (tests/fixtures/submissions/hostile.py),
graded together with two workers, as an instructor would run it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
from pathlib import Path

import pytest

from netmarketing.grading import integrity
from netmarketing.grading.autograde import GradeOptions, grade_module, load_results, submission_hash
from netmarketing.grading.sandbox import SandboxLimits, can_isolate
from netmarketing.grading.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "hostile", Path(__file__).parent / "fixtures" / "submissions" / "hostile.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)
MODULE, NOTEBOOK = hostile.MODULE, hostile.NOTEBOOK
# 3 GB of address space: room for a warm kernel (the fork server alone maps about 1.5 GB), so the
# hostile cases below run in warm kernels, the default; the memory bomb reaches it at once.
LIMITS = SandboxLimits(memory_mb=3072, cell_timeout=5, notebook_budget=90)


# ---------------------------------------------------------------------------------------------
# One cohort run for all slow tests
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("grade")
    (root / "autograder").mkdir()
    hostile.make_course(root / "course")
    ws = Workspace(root / "autograder", course_dir=root / "course")
    ws.generate(MODULE)
    cases = hostile.make_cohort(ws)
    if not can_isolate():
        # Without root the kernel runs as the grader's user: never let the intruder near a real file.
        import shutil

        shutil.rmtree(Path(ws.submitted_dir) / "intruder")
        cases.pop("intruder")
    import netmarketing.grading.hidden as helpers

    helper_before = Path(helpers.__file__).read_bytes()
    peer = Path(ws.submitted_dir) / "expert" / MODULE / f"{NOTEBOOK}.ipynb"
    peer_before = peer.read_bytes()
    options = GradeOptions(jobs=2, limits=LIMITS, progress=False)
    first = {r["student"]: r for r in grade_module(ws, MODULE, options)}
    again = grade_module(ws, MODULE, options)
    # The learner fixes the broken file: only that submission is graded again.
    fixed = Path(ws.submitted_dir) / "corrupt" / MODULE / f"{NOTEBOOK}.ipynb"
    fixed.write_text(peer_before.decode("utf-8").replace("expert", "corrupt"), encoding="utf-8")
    after_fix = grade_module(ws, MODULE, options)
    # The same slow-but-finite submission against a whole-submission budget smaller than its cells' sum.
    tight = SandboxLimits(memory_mb=3072, cell_timeout=5, notebook_budget=6)
    budget = grade_module(
        ws, MODULE, GradeOptions(jobs=1, limits=tight, progress=False, students=["sleeper"])
    )
    return {
        "ws": ws,
        "cases": cases,
        "records": first,
        "again": again,
        "after_fix": after_fix,
        "budget": budget[0],
        "helper_unchanged": Path(helpers.__file__).read_bytes() == helper_before,
        "peer_unchanged": peer.read_bytes() == peer_before,
    }


def _codes(record: dict) -> set[str]:
    return {issue["code"] for issue in record["issues"]}


def _score(record: dict, grade_id: str) -> float | None:
    return record["notebooks"][NOTEBOOK]["grades"][grade_id]["score"]


def _gradebook_score(ws: Workspace, student: str, grade_id: str) -> float | None:
    with ws.gradebook() as gb:
        return gb.find_grade(grade_id, NOTEBOOK, MODULE, student).auto_score


@pytest.mark.slow
def test_every_submission_is_recorded_with_status_and_reason(cohort: dict) -> None:
    """Is every submission, broken ones included, in the results table with a status and a reason in both languages?"""
    saved = load_results(cohort["ws"], MODULE)
    assert set(cohort["cases"]) <= set(saved)
    for student, record in saved.items():
        assert record["status"] in integrity.STATUS_ORDER, student
        assert record["reason_zh"] and record["reason_en"], student


@pytest.mark.slow
def test_expert_gets_full_marks_under_own_identity(cohort: dict) -> None:
    """Does a correct submission pass every test, including the one that needs NETMARKETING_LEARNER?"""
    expert = cohort["records"]["expert"]
    assert expert["status"] == "graded"
    assert _score(expert, "p1_1_2__shout") == 1.0
    assert expert["score"] == 4.0
    assert _gradebook_score(cohort["ws"], "expert", "p1_1_1__total") == 2.0


@pytest.mark.slow
def test_loop_swallowing_interrupt_is_killed_and_the_rest_graded(cohort: dict) -> None:
    """Is a loop that ignores KeyboardInterrupt killed, recorded, and are its other tests still graded?"""
    looper = cohort["records"]["looper"]
    assert looper["status"] == "killed"
    assert "KeyboardInterrupt" in looper["reason_en"]
    assert _score(looper, "p1_1_1__total") == 2.0  # the cell before the loop still counts
    assert _score(looper, "p1_1_3__positive") == 1.0  # and the test after it was run again
    assert _score(looper, "p1_1_2__shout") == 0.0


@pytest.mark.slow
def test_plain_infinite_loop_times_out_and_continues(cohort: dict) -> None:
    """Is an ordinary infinite loop interrupted after the per-cell timeout, recorded as timeout, and grading continued?"""
    spinner = cohort["records"]["spinner"]
    assert spinner["status"] == "timeout"
    assert "cell_timeout" in _codes(spinner)
    assert _score(spinner, "p1_1_3__positive") == 1.0
    assert spinner["duration_s"] < LIMITS.notebook_budget


@pytest.mark.slow
def test_whole_submission_budget_stops_slow_cells(cohort: dict) -> None:
    """Do cells that each stay under the cell timeout still get stopped by the whole-submission budget?"""
    assert cohort["records"]["sleeper"]["status"] == "graded"  # with the normal budget it passes
    sleeper = cohort["budget"]
    assert sleeper["status"] == "timeout"
    assert "budget_exceeded" in _codes(sleeper)
    assert _score(sleeper, "p1_1_2__shout") == 0.0
    assert sleeper["duration_s"] < 20


@pytest.mark.slow
def test_kernel_death_is_recorded_and_survived(cohort: dict) -> None:
    """Does os._exit in a cell give status crashed while the other tests are still graded?"""
    exiter = cohort["records"]["exiter"]
    assert exiter["status"] == "crashed"
    assert _score(exiter, "p1_1_1__total") == 2.0
    assert _score(exiter, "p1_1_3__positive") == 1.0


@pytest.mark.slow
def test_memory_bomb_hits_the_limit(cohort: dict) -> None:
    """Does a memory bomb hit the kernel's memory limit and get status memory?"""
    hog = cohort["records"]["hog"]
    assert hog["status"] == "memory"
    assert f"{LIMITS.memory_mb} MB" in hog["reason_zh"]


@pytest.mark.slow
def test_kernels_start_warm_and_restart_warm_after_a_crash(cohort: dict) -> None:
    """Do the cohort's kernels come from the fork server, also the ones restarted after a kill?"""
    starts = {
        student: [s for nb in record["notebooks"].values() for s in nb.get("kernel_starts", [])]
        for student, record in cohort["records"].items()
    }
    assert starts["expert"] == ["warm"]
    assert starts["exiter"] == ["warm", "warm"]  # the crash, then the re-run without that cell
    assert all(s == "warm" for kinds in starts.values() for s in kinds)


@pytest.mark.slow
def test_deleted_test_cell_comes_back_and_scores(cohort: dict) -> None:
    """Does a deleted test cell come back, run, score 0 for a wrong answer, and get flagged?"""
    deleter = cohort["records"]["deleter"]
    assert deleter["status"] == "flagged"
    assert "test_cell_restored" in _codes(deleter)
    assert _score(deleter, "p1_1_1__total") == 0.0
    assert _gradebook_score(cohort["ws"], "deleter", "p1_1_1__total") == 0.0


@pytest.mark.slow
def test_detagged_test_cell_is_restored_and_flagged(cohort: dict) -> None:
    """Is a test cell stripped of its nbgrader metadata restored, graded and flagged?"""
    untagger = cohort["records"]["untagger"]
    assert "test_cell_restored" in _codes(untagger)
    assert "de-tagged" in untagger["reason_en"]
    assert _score(untagger, "p1_1_1__total") == 0.0


@pytest.mark.slow
def test_edited_locked_cells_are_restored_and_flagged(cohort: dict) -> None:
    """Are edited test cells restored (so the wrong answer fails) and each edit flagged by its grade id?"""
    editor = cohort["records"]["editor"]
    edited = {i["cell"] for i in editor["issues"] if i["code"] == "locked_cell_edited"}
    assert edited == {"p1_1_1__total", "p1_1_3__positive"}
    assert _score(editor, "p1_1_1__total") == 0.0
    assert _score(editor, "p1_1_3__positive") == 0.0
    # Untouched hidden-test cells are NOT flagged (nbgrader's checksum warning would be).
    assert "p1_1_2__shout" not in edited


@pytest.mark.slow
def test_misnamed_notebook_is_matched_by_content(cohort: dict) -> None:
    """Is a renamed notebook found by its grade ids, graded, and flagged?"""
    renamer = cohort["records"]["renamer"]
    assert "misnamed_notebook" in _codes(renamer)
    assert renamer["score"] == 4.0


@pytest.mark.slow
def test_missing_and_corrupt_submissions_are_kept_and_regradable(cohort: dict) -> None:
    """Are an empty and a corrupt submission recorded (not lost), and is the fixed one graded on the next run?"""
    records = cohort["records"]
    assert records["empty"]["status"] == "missing"
    assert records["corrupt"]["status"] == "corrupt"
    assert "JSON" in records["corrupt"]["reason_zh"]
    assert [r["student"] for r in cohort["after_fix"]] == ["corrupt"]
    assert cohort["after_fix"][0]["status"] == "graded"
    assert _gradebook_score(cohort["ws"], "corrupt", "p1_1_1__total") == 2.0


@pytest.mark.slow
def test_unchanged_submissions_are_not_graded_again(cohort: dict) -> None:
    """Does a second run with no changes grade nothing (resumable)?"""
    assert cohort["again"] == []


@pytest.mark.slow
def test_huge_outputs_are_stripped_and_capped(cohort: dict) -> None:
    """Are saved outputs stripped and printed output capped, keeping the autograded copy small?"""
    flooder = cohort["records"]["flooder"]
    assert {"outputs_stripped", "output_truncated"} <= _codes(flooder)
    assert flooder["score"] == 4.0
    graded = Path(cohort["ws"].autograded_dir) / "flooder" / MODULE / f"{NOTEBOOK}.ipynb"
    assert graded.stat().st_size < 1_000_000


@pytest.mark.slow
def test_disabled_error_reporting_is_caught(cohort: dict) -> None:
    """Does overriding showtraceback (so failing tests look passed) get caught, flagged and scored 0?"""
    silencer = cohort["records"]["silencer"]
    assert "error_reporting_tampered" in _codes(silencer)
    assert silencer["score"] == 0.0


@pytest.mark.slow
@pytest.mark.skipif(not can_isolate(), reason="isolation needs root on Linux")
def test_intruder_cannot_touch_gradebook_peers_or_helpers(cohort: dict) -> None:
    """Can learner code write the gradebook, read a peer's file, list the submissions or alter test helpers?"""
    ws = cohort["ws"]
    graded = json.loads(
        (Path(ws.autograded_dir) / "intruder" / MODULE / f"{NOTEBOOK}.ipynb").read_text("utf-8")
    )
    printed = "".join(str(o.get("text", "")) for c in graded["cells"] for o in c.get("outputs", []))
    assert "denied" in printed
    assert "ATTEMPT-SUCCEEDED" not in printed
    assert cohort["helper_unchanged"] and cohort["peer_unchanged"]
    db = str(ws.db_url).removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        students = {row[0] for row in con.execute("select id from student")}
    assert set(cohort["cases"]) <= students
    assert cohort["records"]["intruder"]["status"] == "flagged"


@pytest.mark.slow
def test_symlink_to_a_peer_is_not_followed(cohort: dict) -> None:
    """Is a symlink in a submission (pointing at a peer's file) ignored and flagged?"""
    assert "symlink_ignored" in _codes(cohort["records"]["linker"])


@pytest.mark.slow
def test_copier_fails_hidden_test_and_is_flagged(cohort: dict) -> None:
    """Does a learner who pastes another learner's value and file fail the hidden test and get flagged?"""
    copier = cohort["records"]["copier"]
    assert _score(copier, "p1_1_2__shout") == 0.0
    assert "identity_mismatch" in _codes(copier)


@pytest.mark.slow
def test_feedback_never_leaks_hidden_tests(cohort: dict) -> None:
    """Does no feedback page contain hidden-test source or messages, even for a learner who prints In[]?"""
    feedback_dir = Path(cohort["ws"].feedback_dir)
    pages = list(feedback_dir.glob(f"*/{MODULE}/index.html"))
    assert len(pages) >= len(cohort["cases"]) - 2  # missing/corrupt have a page too, without a notebook
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert hostile.HIDDEN_MARK not in text, page
        assert "total == 45" not in text, page
        assert "BEGIN HIDDEN TESTS" not in text, page
    leaker = (feedback_dir / "leaker" / MODULE / "index.html").read_text(encoding="utf-8")
    assert "此項隱藏測試 (hidden test) 未通過" in leaker and "P1.1.1" in leaker


@pytest.mark.slow
def test_feedback_shows_visible_test_messages_per_indicator(cohort: dict) -> None:
    """Does feedback group items by indicator and show a failed visible test's own message?"""
    page = (Path(cohort["ws"].feedback_dir) / "editor" / MODULE / "index.html").read_text(encoding="utf-8")
    assert "P1.1.3" in page and "P1.1.2" in page
    assert "AssertionError: total 應大於 0 (VISIBLE-MESSAGE)" in page
    assert "需再加強" in page


# ---------------------------------------------------------------------------------------------
# Fast tests (no kernel)
# ---------------------------------------------------------------------------------------------
def _nodes() -> tuple:
    import nbformat

    source = nbformat.from_dict(hostile.source_notebook())
    release = integrity.release_version(source)
    return source, release


def test_merge_restores_hidden_tests_and_keeps_answers() -> None:
    """Does merging put hidden tests back, keep the learner's answers and flag nothing for an honest copy?"""
    import copy

    source, release = _nodes()
    submitted = copy.deepcopy(release)
    submitted.cells[2].source = "total = 45"
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    assert issues == []
    assert hostile.HIDDEN_LINE in merged.cells[3].source
    assert merged.cells[2].source == "total = 45"


def test_merge_strips_unknown_grade_ids_and_stubs_deleted_answers() -> None:
    """Does a made-up grade id lose its tag, and a deleted answer cell come back as the stub?"""
    import copy

    source, release = _nodes()
    submitted = copy.deepcopy(release)
    fake = copy.deepcopy(submitted.cells[3])
    fake.metadata.nbgrader.grade_id = "p9_9_9__free_points"
    submitted.cells.append(fake)
    del submitted.cells[4]  # answer ex2
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    codes = {i.code for i in issues}
    assert {"unknown_grade_id", "answer_cell_missing"} <= codes
    assert "p9_9_9__free_points" not in integrity.grade_ids(merged)
    ex2 = next(c for c in merged.cells if integrity.nbgrader_meta(c).get("grade_id") == "ex2")
    assert "NotImplementedError" in ex2.source
    order = [integrity.nbgrader_meta(c).get("grade_id") for c in merged.cells]
    assert order.index("ex2") == order.index("p1_1_1__total") + 1


def test_scan_flags_learner_code_but_not_course_cells() -> None:
    """Is a learner's reach for the grader flagged, while the same words in a course-provided cell are not?"""
    import copy

    import nbformat

    source, release = _nodes()
    course_cell = nbformat.v4.new_code_cell("# 本單元由 nbgrader 評分 (graded with nbgrader)")
    source.cells.insert(1, copy.deepcopy(course_cell))
    release.cells.insert(1, copy.deepcopy(course_cell))
    submitted = copy.deepcopy(release)
    merged, _ = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    assert integrity.scan_learner_code(merged, NOTEBOOK, release) == []
    ex1 = next(c for c in submitted.cells if integrity.nbgrader_meta(c).get("grade_id") == "ex1")
    ex1.source = "import sys\nsys.modules['netmarketing.grading.hidden'].my_truth = dict"
    merged, _ = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    flagged = integrity.scan_learner_code(merged, NOTEBOOK, release)
    assert [i.cell for i in flagged] == ["ex1"]


def test_misnamed_notebooks_match_by_grade_ids() -> None:
    """Is a renamed notebook matched to the expected one that shares its grade ids, and a stranger not?"""
    matched = integrity.match_misnamed({"a": {"x", "y"}}, {"copy.ipynb": {"x"}, "other.ipynb": {"z"}})
    assert matched == {"a": "copy.ipynb"}
    assert integrity.match_misnamed({"a": {"x"}}, {"other.ipynb": {"z"}}) == {}


def test_submission_hash_changes_only_with_content(tmp_path: Path) -> None:
    """Does the submission hash change when a file changes and stay put otherwise?"""
    sub = tmp_path / "s"
    sub.mkdir()
    (sub / "a.ipynb").write_text("{}", encoding="utf-8")
    src = tmp_path / "src.ipynb"
    src.write_text("{}", encoding="utf-8")
    first = submission_hash(sub, [src], {"x": 1})
    assert submission_hash(sub, [src], {"x": 1}) == first
    (sub / "a.ipynb").write_text('{"changed": 1}', encoding="utf-8")
    assert submission_hash(sub, [src], {"x": 1}) != first
    assert submission_hash(sub, [src], {"x": 2}) != submission_hash(sub, [src], {"x": 1})


def test_worst_status_orders_by_severity() -> None:
    """Does a submission take the status of its most severe issue?"""
    issues = [{"status": "flagged"}, {"status": "crashed"}, {"status": "timeout"}]
    assert integrity.worst_status(issues) == "crashed"
    assert integrity.worst_status([]) == "graded"


def test_feedback_hides_failed_hidden_test(tmp_path: Path) -> None:
    """Does the feedback page replace a failed hidden test by the neutral message and omit its source?"""
    import nbformat

    from netmarketing.grading.feedback import write_feedback

    source_path = hostile.make_course(tmp_path / "course")
    executed = nbformat.from_dict(hostile.source_notebook())
    test = executed.cells[3]
    test.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="AssertionError",
            evalue=f"{hostile.HIDDEN_MARK}: x",
            traceback=[hostile.HIDDEN_LINE],
        )
    ]
    executed_path = tmp_path / "executed.ipynb"
    nbformat.write(executed, str(executed_path))
    record = {
        "student": "s1",
        "module": MODULE,
        "status": "graded",
        "issues": [],
        "notebooks": {
            NOTEBOOK: {
                "grades": {
                    "p1_1_1__total": {
                        "score": 0.0,
                        "max_score": 2.0,
                        "kind": "auto",
                        "hidden": True,
                        "message": None,
                    }
                }
            }
        },
    }
    page = write_feedback(tmp_path / "fb", record, [source_path], {NOTEBOOK: executed_path}).read_text(
        "utf-8"
    )
    assert hostile.HIDDEN_MARK not in page and "total == 45" not in page
    assert page.count("此項隱藏測試 (hidden test) 未通過") == 2  # the summary row and the notebook cell


@pytest.mark.skipif(not can_isolate(), reason="isolation needs root on Linux")
def test_launcher_drops_privileges_and_hides_paths() -> None:
    """Does the sandbox launcher run the command as the sandbox user, with hidden paths and no network?"""
    import shutil
    import subprocess
    import sys
    import tempfile

    from netmarketing.grading import sandbox

    # pytest's tmp_path sits in a 0700 folder the sandbox user cannot enter.
    tmp_path = Path(tempfile.mkdtemp(prefix="nm-launcher-"))
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "gradebook.db").write_text("x", encoding="utf-8")
    work = tmp_path / "box" / "work"
    work.mkdir(parents=True)
    os.chmod(tmp_path, 0o755)
    probe = (
        "import os, socket\n"
        "print(os.getuid())\n"
        f"print(os.path.exists({str(secret / 'gradebook.db')!r}))\n"
        "s = socket.socket(); s.settimeout(1)\n"
        "try:\n    s.connect(('1.1.1.1', 80)); print('net')\nexcept OSError:\n    print('no-net')\n"
    )
    limits = SandboxLimits(hidden_paths=[str(secret)])
    cmd = [*sandbox.launcher_prefix(work, uid=61099, limits=limits), sys.executable, "-c", probe]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout.split()
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert out == ["61099", "False", "no-net"]


def test_grade_command_is_registered() -> None:
    """Does `netmarketing grade` accept a module with --jobs, --student and --force?"""
    from netmarketing.cli import build_parser

    args = build_parser().parse_args(
        ["grade", "01_x", "--jobs", "3", "--student", "a", "--student", "b", "--force"]
    )
    assert (args.module, args.jobs, args.student, args.force) == (["01_x"], 3, ["a", "b"], True)
    assert callable(args.func)
    assert build_parser().parse_args(["grade", "01_x", "02_y"]).module == ["01_x", "02_y"]


def test_grade_command_names_an_unknown_module(tmp_path: Path) -> None:
    """Does `netmarketing grade` refuse an unknown module, naming it and the known ones, before grading?"""
    from netmarketing.cli import UserError, build_parser

    hostile.make_course(tmp_path / "course")
    (tmp_path / "autograder").mkdir()
    args = build_parser().parse_args(
        [
            "grade",
            MODULE,
            "99_nope",
            "--course",
            str(tmp_path / "course"),
            "--autograder",
            str(tmp_path / "autograder"),
        ]
    )
    with pytest.raises(UserError, match=f"99_nope.*{MODULE}"):
        args.func(args)
    assert not (tmp_path / "autograder" / "results").exists()
    (tmp_path / "empty").mkdir()
    args = build_parser().parse_args(
        ["grade", "all", "--course", str(tmp_path / "empty"), "--autograder", str(tmp_path / "autograder")]
    )
    with pytest.raises(UserError, match="--course"):
        args.func(args)
