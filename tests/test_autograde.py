"""Tests of ``netmarketing grade``: sandboxed kernels, checks judged in the grader, limits, integrity, resume.

The slow tests share ONE cohort run (module-scoped fixture): a tiny module and one
submission per case (tests/fixtures/submissions/hostile.py) — honest learners, broken
files, runaway code, and the attacks that defeated in-kernel tests — graded together
with two workers, as an instructor would run it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from netmarketing.grading import integrity
from netmarketing.grading.autograde import GradeOptions, grade_module, load_results, submission_hash
from netmarketing.grading.sandbox import SandboxLimits, running_as_root
from netmarketing.grading.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "hostile", Path(__file__).parent / "fixtures" / "submissions" / "hostile.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)
MODULE, NOTEBOOK = hostile.MODULE, hostile.NOTEBOOK
LIMITS = SandboxLimits(memory_mb=3072, cell_timeout=5, notebook_budget=90)
SCALE = "0.05"  # small worlds: the tiny module reads one table


# ---------------------------------------------------------------------------------------------
# One cohort run for all slow tests
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("grade")
    (root / "autograder").mkdir()
    hostile.make_course(root / "course")
    saved_scale = os.environ.get("NETMARKETING_SCALE")
    os.environ["NETMARKETING_SCALE"] = SCALE
    try:
        ws = Workspace(root / "autograder", course_dir=root / "course")
        ws.generate(MODULE)
        cases = hostile.make_cohort(ws, scale=float(SCALE))
        peer = Path(ws.submitted_dir) / "expert" / MODULE / f"{NOTEBOOK}.ipynb"
        peer_before = peer.read_bytes()
        marker = Path("/tmp") / f"nm-shadow-imported-{os.getuid()}"
        marker.unlink(missing_ok=True)
        options = GradeOptions(jobs=2, limits=LIMITS, progress=False, extra_checks=[hostile.CHECKS])
        first = {r["student"]: r for r in grade_module(ws, MODULE, options)}
        again = grade_module(ws, MODULE, options)
        # The learner fixes the broken file: only that submission is graded again.
        fixed = Path(ws.submitted_dir) / "corrupt" / MODULE / f"{NOTEBOOK}.ipynb"
        fixed.write_text(peer_before.decode("utf-8").replace("expert", "corrupt"), encoding="utf-8")
        after_fix = grade_module(ws, MODULE, options)
        # The same slow-but-finite submission against a whole-submission budget smaller than its cells' sum.
        tight = SandboxLimits(memory_mb=3072, cell_timeout=5, notebook_budget=6)
        budget = grade_module(
            ws,
            MODULE,
            GradeOptions(
                jobs=1, limits=tight, progress=False, students=["sleeper"], extra_checks=[hostile.CHECKS]
            ),
        )
    finally:
        if saved_scale is None:
            os.environ.pop("NETMARKETING_SCALE", None)
        else:
            os.environ["NETMARKETING_SCALE"] = saved_scale
    return {
        "ws": ws,
        "cases": cases,
        "records": first,
        "again": again,
        "after_fix": after_fix,
        "budget": budget[0],
        "peer_unchanged": peer.read_bytes() == peer_before,
        "shadow_imported_by_grader": marker.exists(),
    }


def _codes(record: dict) -> set[str]:
    return {issue["code"] for issue in record["issues"]}


def _score(record: dict, grade_id: str) -> float | None:
    return record["notebooks"][NOTEBOOK]["grades"][grade_id]["score"]


def _auto(record: dict) -> float:
    grades = record["notebooks"][NOTEBOOK]["grades"].values()
    return sum(g["score"] or 0 for g in grades if g["kind"] == "auto")


def _printed(ws: Workspace, student: str) -> str:
    graded = json.loads((Path(ws.autograded_dir) / student / MODULE / f"{NOTEBOOK}.ipynb").read_text("utf-8"))
    return "".join(str(o.get("text", "")) for c in graded["cells"] for o in c.get("outputs", []))


def _gradebook_score(ws: Workspace, student: str, grade_id: str) -> float | None:
    with ws.gradebook() as gb:
        return gb.find_grade(grade_id, NOTEBOOK, MODULE, student).auto_score


@pytest.mark.slow
def test_every_submission_is_recorded_with_status_reason_and_sandbox(cohort: dict) -> None:
    """Is every submission, broken ones included, in the results with a status, reasons and how it was sandboxed?"""
    saved = load_results(cohort["ws"], MODULE)
    assert set(cohort["cases"]) <= set(saved)
    expected = "bwrap+uid" if running_as_root() else "bwrap"
    for student, record in saved.items():
        assert record["status"] in integrity.STATUS_ORDER, student
        assert record["reason_zh"] and record["reason_en"], student
        assert record["sandbox"] == expected, student


@pytest.mark.slow
def test_honest_learners_get_full_marks_on_their_own_variant(cohort: dict) -> None:
    """Do two correct submissions, on different variants, earn every automatic point in the same run?"""
    for student in ("expert", "second"):
        record = cohort["records"][student]
        assert record["status"] == "graded", record["reason_en"]
        assert _auto(record) == hostile.FULL_AUTO, record["notebooks"]
    assert _gradebook_score(cohort["ws"], "expert", "p1_1_3__orders") == 2.0
    assert cohort["records"]["expert"]["notebooks"][NOTEBOOK]["grades"]["p1_2_1__explain"]["score"] is None


#: What each attack did not really answer (its own code computed the rest honestly).
UNANSWERED = {
    "transformer": ["p1_1_1__total", "p1_1_2__shout", "p1_1_3__positive", "p1_1_3__orders"],
    "patcher": ["p1_1_1__total", "p1_1_3__positive", "p1_1_3__orders"],
    "cacher": ["p1_1_1__total", "p1_1_3__positive", "p1_1_3__orders"],
    "seeker": ["p1_1_1__total", "p1_1_3__positive", "p1_1_3__orders"],
    "rebuilder": ["p1_1_3__orders"],
    "shadower": ["p1_1_1__total", "p1_1_2__shout", "p1_1_3__positive", "p1_1_3__orders"],
    "silencer": ["p1_1_1__total", "p1_1_3__positive", "p1_1_3__orders"],
}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(UNANSWERED))
def test_attacks_on_in_kernel_tests_earn_nothing_they_did_not_answer(cohort: dict, student: str) -> None:
    """Does an attack that defeated in-kernel tests earn 0 for every item it did not really answer?"""
    grades = cohort["records"][student]["notebooks"][NOTEBOOK]["grades"]
    for grade_id in UNANSWERED[student]:
        assert grades[grade_id]["score"] == 0.0, (grade_id, grades[grade_id])


@pytest.mark.slow
def test_no_route_in_the_kernel_leads_to_an_answer_key(cohort: dict) -> None:
    """Do the truth seeker's routes (getattr, importlib, files, secret, cache, course) all fail in the sandbox?"""
    printed = _printed(cohort["ws"], "seeker")
    assert hostile.FOUND not in printed, printed
    for route in ("my_world", "hidden", "secret", "grader cache", "course"):
        assert f"{route} denied" in printed, printed
    for route in ("variant.json", "truth files"):
        assert f"{route} empty" in printed, printed
    # Rebuilding "this learner's" world from the public package gives another variant than the grader's.
    public = float(re.search(r"rebuilt-public-world ([0-9.eE+-]+)", printed).group(1))
    graded = cohort["ws"].variants().world("seeker").truth["conversion_rate"]["realised"]
    assert public != graded


@pytest.mark.slow
def test_shadow_modules_in_a_submission_never_reach_the_grader(cohort: dict) -> None:
    """Are pandas.py and netmarketing/ submitted beside a notebook imported only inside that learner's kernel?"""
    assert not cohort["shadow_imported_by_grader"]
    assert cohort["records"]["expert"]["status"] == "graded"


@pytest.mark.slow
def test_loop_swallowing_interrupt_is_killed_and_the_rest_graded(cohort: dict) -> None:
    """Is a loop that ignores KeyboardInterrupt killed, recorded, and are its other answers still judged?"""
    looper = cohort["records"]["looper"]
    assert looper["status"] == "killed"
    assert "KeyboardInterrupt" in looper["reason_en"]
    assert _score(looper, "p1_1_1__total") == 2.0  # handed in before the loop
    assert _score(looper, "p1_1_3__orders") == 2.0  # and after the re-run without that cell
    assert _score(looper, "p1_1_2__shout") == 0.0


@pytest.mark.slow
def test_plain_infinite_loop_times_out_and_continues(cohort: dict) -> None:
    """Is an ordinary infinite loop interrupted after the per-cell timeout, recorded as timeout, and grading continued?"""
    spinner = cohort["records"]["spinner"]
    assert spinner["status"] == "timeout"
    assert "cell_timeout" in _codes(spinner)
    assert _score(spinner, "p1_1_3__orders") == 2.0
    assert spinner["duration_s"] < LIMITS.notebook_budget


@pytest.mark.slow
def test_whole_submission_budget_stops_slow_cells(cohort: dict) -> None:
    """Do cells that each stay under the cell timeout still get stopped by the whole-submission budget?"""
    assert cohort["records"]["sleeper"]["status"] == "graded"  # with the normal budget it passes
    sleeper = cohort["budget"]
    assert sleeper["status"] == "timeout"
    assert "budget_exceeded" in _codes(sleeper)
    assert _score(sleeper, "p1_1_3__orders") == 0.0
    assert sleeper["duration_s"] < 25


@pytest.mark.slow
def test_kernel_death_is_recorded_and_survived(cohort: dict) -> None:
    """Does os._exit in a cell give status crashed while the other answers are still judged?"""
    exiter = cohort["records"]["exiter"]
    assert exiter["status"] == "crashed"
    assert _score(exiter, "p1_1_1__total") == 2.0
    assert _score(exiter, "p1_1_3__orders") == 2.0


@pytest.mark.slow
def test_memory_bomb_hits_the_limit(cohort: dict) -> None:
    """Does a memory bomb hit the kernel's memory limit and get status memory?"""
    hog = cohort["records"]["hog"]
    assert hog["status"] == "memory"
    assert f"{LIMITS.memory_mb} MB" in hog["reason_zh"]


@pytest.mark.slow
def test_deleted_graded_cell_comes_back_and_hands_in_the_real_answer(cohort: dict) -> None:
    """Does a deleted graded cell come back, hand in the learner's real (wrong) answer, and get flagged?"""
    deleter = cohort["records"]["deleter"]
    assert deleter["status"] == "flagged"
    assert "test_cell_restored" in _codes(deleter)
    assert _score(deleter, "p1_1_1__total") == 0.0
    assert _gradebook_score(cohort["ws"], "deleter", "p1_1_1__total") == 0.0


@pytest.mark.slow
def test_detagged_graded_cell_is_restored_and_flagged(cohort: dict) -> None:
    """Is a graded cell stripped of its nbgrader metadata restored, judged and flagged?"""
    untagger = cohort["records"]["untagger"]
    assert "test_cell_restored" in _codes(untagger)
    assert "de-tagged" in untagger["reason_en"]
    assert _score(untagger, "p1_1_1__total") == 0.0


@pytest.mark.slow
def test_edited_graded_cells_are_restored_so_forged_answers_never_count(cohort: dict) -> None:
    """Are edited graded cells restored (the forged total=45 never handed in) and each edit flagged?"""
    editor = cohort["records"]["editor"]
    edited = {i["cell"] for i in editor["issues"] if i["code"] == "locked_cell_edited"}
    assert edited == {"p1_1_1__total", "p1_1_3__positive"}
    assert _score(editor, "p1_1_1__total") == 0.0
    assert _score(editor, "p1_1_3__positive") == 0.0
    assert "p1_1_2__shout" not in edited  # untouched cells are not flagged


@pytest.mark.slow
def test_misnamed_notebook_is_matched_by_content(cohort: dict) -> None:
    """Is a renamed notebook found by its grade ids, graded, and flagged?"""
    renamer = cohort["records"]["renamer"]
    assert "misnamed_notebook" in _codes(renamer)
    assert _auto(renamer) == hostile.FULL_AUTO


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
    assert _auto(flooder) == hostile.FULL_AUTO
    graded = Path(cohort["ws"].autograded_dir) / "flooder" / MODULE / f"{NOTEBOOK}.ipynb"
    assert graded.stat().st_size < 1_000_000


@pytest.mark.slow
def test_intruder_cannot_touch_gradebook_peers_or_package(cohort: dict) -> None:
    """Can learner code write the gradebook, read a peer's file, list the submissions or alter the package?"""
    ws = cohort["ws"]
    printed = _printed(ws, "intruder")
    assert printed.count("denied") == 4, printed
    assert "ATTEMPT-SUCCEEDED" not in printed
    assert cohort["peer_unchanged"]
    db = str(ws.db_url).removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        students = {row[0] for row in con.execute("select id from student")}
    assert set(cohort["cases"]) <= students


@pytest.mark.slow
def test_symlink_to_a_peer_is_not_followed(cohort: dict) -> None:
    """Is a symlink in a submission (pointing at a peer's file) ignored and flagged?"""
    assert "symlink_ignored" in _codes(cohort["records"]["linker"])


@pytest.mark.slow
def test_copier_fails_on_own_variant_and_is_flagged(cohort: dict) -> None:
    """Does a learner who pastes another learner's values and file fail the variant items and get flagged?"""
    copier = cohort["records"]["copier"]
    assert _score(copier, "p1_1_2__shout") == 0.0
    assert _score(copier, "p1_1_3__orders") == 0.0
    assert "identity_mismatch" in _codes(copier)


@pytest.mark.slow
def test_answers_are_kept_as_data_for_the_certifier(cohort: dict) -> None:
    """Are the answers a learner handed in kept beside the autograded notebook, as JSON the grader re-wrote?"""
    from netmarketing.learner.answers import read_item

    folder = Path(cohort["ws"].autograded_dir) / "expert" / MODULE / "answers" / NOTEBOOK
    assert read_item(folder / "p1_1_1__total") == {"total": 45}
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["p1_1_1__total", "p1_1_2__shout", "p1_1_3__positive", "p1_1_3__orders"]
    )


@pytest.mark.slow
def test_feedback_shows_check_messages_never_check_code(cohort: dict) -> None:
    """Does feedback give the check's message for a wrong answer, and never the check's source or the truth?"""
    feedback_dir = Path(cohort["ws"].feedback_dir)
    pages = list(feedback_dir.glob(f"*/{MODULE}/*.html"))
    assert len(pages) >= 2 * (len(cohort["cases"]) - 2)  # an index and the notebook's page
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "v.table(" not in text and "def orders" not in text, page
    editor = (feedback_dir / "editor" / MODULE / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "total 應大於 0 (CHECK-MESSAGE)" in editor
    assert "P1.1.3" in editor and "需再加強" in editor


# ---------------------------------------------------------------------------------------------
# Fast tests (no kernel)
# ---------------------------------------------------------------------------------------------
def _nodes() -> tuple:
    import nbformat

    source = nbformat.from_dict(hostile.source_notebook())
    release = integrity.release_version(source)
    return source, release


def test_merge_restores_graded_cells_and_keeps_answers() -> None:
    """Does merging keep the learner's answers and flag nothing for an honest copy?"""
    import copy

    source, release = _nodes()
    submitted = copy.deepcopy(release)
    submitted.cells[2].source = "total = 45"
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    assert issues == []
    assert 'submit("p1_1_1__total", "total")' in merged.cells[3].source
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


def test_grade_command_is_registered() -> None:
    """Does `netmarketing grade` accept a module with --jobs, --student, --force and --unsafe-no-sandbox?"""
    from netmarketing.cli import build_parser

    args = build_parser().parse_args(
        ["grade", "01_x", "--jobs", "3", "--student", "a", "--student", "b", "--force", "--unsafe-no-sandbox"]
    )
    assert (args.module, args.jobs, args.student, args.force) == (["01_x"], 3, ["a", "b"], True)
    assert args.unsafe_no_sandbox is True
    assert build_parser().parse_args(["grade", "01_x"]).unsafe_no_sandbox is False
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
