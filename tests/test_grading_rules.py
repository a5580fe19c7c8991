"""Fast boundary tests of the grading rules that decide a learner's outcome, through public functions.

Marked ``rules`` (see the README's developer section). They cover what only the slow
end-to-end autograding tests caught before: the resume-by-hash rule, the restore and
flagging of deleted, de-tagged and edited test cells, the identity a learner's kernel
runs under, and feedback that never shows hidden-test source or a test's traceback.
No kernel is started here.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from netmarketing.grading import integrity
from netmarketing.grading.autograde import submission_hash
from netmarketing.grading.identity import check_identity_marker, kernel_env_for

pytestmark = pytest.mark.rules

NOTEBOOK = "t0_rules"
TOTAL_TEST = "p1_1_1__total"
SHOUT_TEST = "p1_1_2__shout"
HIDDEN_LINE = 'assert total == 45, "RULES-HIDDEN-CHECK total mismatch"'


def _nb_cell(kind: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {
            "schema_version": 3,
            "grade": False,
            "locked": False,
            "solution": False,
            **nbgrader,
        }
    return cell


def source_notebook(*, hidden: bool = False) -> nbformat.NotebookNode:
    """Return a tiny instructor notebook: identity, two answers, each followed by its test cell."""
    total_test = '"""Is total an int?"""\nassert isinstance(total, int), "total 應為整數 (VISIBLE)"'
    if hidden:
        total_test += f"\n### BEGIN HIDDEN TESTS\n{HIDDEN_LINE}\n### END HIDDEN TESTS"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _nb_cell("markdown", "# 規則測試 (rules)"),
        _nb_cell(
            "code",
            "from netmarketing import learner\nLEARNER_ID = learner.whoami()",
            grade_id="setup",
            locked=True,
        ),
        _nb_cell(
            "code",
            "### BEGIN SOLUTION\ntotal = sum(range(10))\n### END SOLUTION",
            grade_id="ex1",
            solution=True,
        ),
        _nb_cell("code", total_test, grade_id=TOTAL_TEST, grade=True, locked=True, points=2),
        _nb_cell(
            "code",
            "### BEGIN SOLUTION\nshout = LEARNER_ID.upper()\n### END SOLUTION",
            grade_id="ex2",
            solution=True,
        ),
        _nb_cell(
            "code",
            'assert shout.isupper(), "請用大寫"',
            grade_id=SHOUT_TEST,
            grade=True,
            locked=True,
            points=1,
        ),
        _nb_cell("markdown", "## 說明（鎖定）", grade_id="intro", locked=True),
    ]
    return nb


@pytest.fixture(scope="module")
def notebooks() -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    source = source_notebook()
    return source, integrity.release_version(source)


def honest_copy(release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the learner copy with both answers written, as an honest learner submits it."""
    submitted = copy.deepcopy(release)
    cells = {integrity.nbgrader_meta(c).get("grade_id"): c for c in submitted.cells}
    cells["ex1"].source = "total = 45"
    cells["ex2"].source = "shout = 'S001'"
    return submitted


def position(nb: nbformat.NotebookNode, grade_id: str) -> int:
    ids = [integrity.nbgrader_meta(c).get("grade_id") for c in nb.cells]
    return ids.index(grade_id)


def issues_by_code(issues) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for issue in issues:
        out.setdefault(issue.code, set()).add(issue.cell)
    return out


# --- resume by hash: a submission is graded again when anything it is graded on changes -------------


@pytest.fixture
def submission(tmp_path: Path) -> tuple[Path, Path]:
    sub = tmp_path / "submitted" / "s001" / "01_market_analysis"
    (sub / "data").mkdir(parents=True)
    (sub / "t1_1.ipynb").write_text('{"cells": []}', encoding="utf-8")
    (sub / "data" / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    src = tmp_path / "source" / "t1_1.ipynb"
    src.parent.mkdir()
    src.write_text('{"cells": ["v1"]}', encoding="utf-8")
    return sub, src


def test_hash_changes_when_a_source_notebook_changes_under_the_same_name(submission):
    """Does editing an instructor's source notebook (same file name) change the hash, so the cohort is regraded?"""
    sub, src = submission
    before = submission_hash(sub, [src], {})
    src.write_text('{"cells": ["v2"]}', encoding="utf-8")
    assert submission_hash(sub, [src], {}) != before


def test_hash_changes_when_a_submitted_file_changes_under_the_same_name(submission):
    """Does a learner's resubmission with new content (same names, also in a sub-folder) change the hash?"""
    sub, src = submission
    before = submission_hash(sub, [src], {})
    (sub / "data" / "notes.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    after_data = submission_hash(sub, [src], {})
    (sub / "t1_1.ipynb").write_text('{"cells": [1]}', encoding="utf-8")
    after_notebook = submission_hash(sub, [src], {})
    assert len({before, after_data, after_notebook}) == 3


def test_hash_changes_when_a_file_is_added_or_renamed(submission):
    """Does a new file, or a renamed one with the same content, change the hash?"""
    sub, src = submission
    before = submission_hash(sub, [src], {})
    (sub / "helper.py").write_text("x = 1\n", encoding="utf-8")
    added = submission_hash(sub, [src], {})
    (sub / "helper.py").rename(sub / "helper2.py")
    renamed = submission_hash(sub, [src], {})
    assert len({before, added, renamed}) == 3


def test_hash_changes_with_the_grader_settings(submission):
    """Does a change of grading settings (limits, version) change the hash?"""
    sub, src = submission
    assert submission_hash(sub, [src], {"cell_timeout": 60}) != submission_hash(
        sub, [src], {"cell_timeout": 61}
    )


def test_hash_depends_on_content_only(submission, tmp_path):
    """Is the hash of an unchanged submission the same when recomputed from a fresh copy (new times, new folder)?"""
    sub, src = submission
    copy_dir = tmp_path / "elsewhere" / "s001"
    shutil.copytree(sub, copy_dir)  # new modification times and a new parent folder
    src_copy = tmp_path / "elsewhere" / "t1_1.ipynb"
    shutil.copyfile(src, src_copy)
    assert submission_hash(copy_dir, [src_copy], {"x": 1}) == submission_hash(sub, [src], {"x": 1})


# --- integrity: what the learner must not change is restored and flagged -----------------------------


def test_honest_submission_keeps_answers_and_raises_nothing(notebooks):
    """Is an honest copy merged without issues, with the learner's answers and every test cell in place?"""
    source, release = notebooks
    merged, issues = integrity.merge_submission(source, release, honest_copy(release), NOTEBOOK)
    assert issues == []
    assert merged.cells[position(merged, "ex1")].source == "total = 45"
    for gid in (TOTAL_TEST, SHOUT_TEST, "setup", "intro"):
        assert merged.cells[position(merged, gid)].source == source.cells[position(source, gid)].source


def test_deleted_test_cell_is_restored_in_place_and_flagged(notebooks):
    """Does a deleted test cell come back, graded, right after its answer, and flag the submission?"""
    source, release = notebooks
    submitted = honest_copy(release)
    del submitted.cells[position(submitted, TOTAL_TEST)]
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    restored = merged.cells[position(merged, TOTAL_TEST)]
    assert restored.source == source.cells[position(source, TOTAL_TEST)].source
    assert integrity.cell_role(restored) == "test"
    assert position(merged, TOTAL_TEST) == position(merged, "ex1") + 1
    assert issues_by_code(issues) == {"test_cell_restored": {TOTAL_TEST}}
    assert integrity.worst_status([i.as_dict() for i in issues]) == "flagged"


def test_detagged_test_cell_is_restored_once_and_flagged(notebooks):
    """Is a test cell stripped of its nbgrader tag put back as a graded test once (not twice) and flagged?"""
    source, release = notebooks
    submitted = honest_copy(release)
    submitted.cells[position(submitted, TOTAL_TEST)].metadata.pop("nbgrader")
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    test_source = source.cells[position(source, TOTAL_TEST)].source
    assert [c.source for c in merged.cells].count(test_source) == 1
    assert integrity.cell_role(merged.cells[position(merged, TOTAL_TEST)]) == "test"
    assert issues_by_code(issues) == {"test_cell_restored": {TOTAL_TEST}}
    assert "de-tagged" in issues[0].reason_en


@pytest.mark.parametrize("grade_id", [TOTAL_TEST, "setup", "intro"])
def test_edited_test_or_locked_cell_is_restored_and_flagged(notebooks, grade_id):
    """Is an edited test or locked cell (code or text) run from the source and flagged by its grade id?"""
    source, release = notebooks
    submitted = honest_copy(release)
    submitted.cells[position(submitted, grade_id)].source = 'LEARNER_ID = "s002"\nassert True'
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    assert merged.cells[position(merged, grade_id)].source == source.cells[position(source, grade_id)].source
    assert issues_by_code(issues) == {"locked_cell_edited": {grade_id}}


def test_test_cell_turned_into_text_is_flagged(notebooks):
    """Is a test cell changed into a markdown cell (same text, so it would not run) restored as code and flagged?"""
    source, release = notebooks
    submitted = honest_copy(release)
    cell = submitted.cells[position(submitted, TOTAL_TEST)]
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    merged, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    assert merged.cells[position(merged, TOTAL_TEST)].cell_type == "code"
    assert issues_by_code(issues) == {"locked_cell_edited": {TOTAL_TEST}}


def test_whitespace_an_editor_adds_is_not_tampering(notebooks):
    """Are trailing spaces and blank lines added to a test cell (what editors do) left unflagged?"""
    source, release = notebooks
    submitted = honest_copy(release)
    cell = submitted.cells[position(submitted, TOTAL_TEST)]
    cell.source = "\n" + cell.source.replace("\n", "   \n") + "  \n\n"
    _, issues = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    assert issues == []


def test_copied_test_cell_counts_once(notebooks):
    """Does a learner who pastes a second copy of a test cell still have each grade id exactly once?"""
    source, release = notebooks
    submitted = honest_copy(release)
    submitted.cells.append(copy.deepcopy(submitted.cells[position(submitted, TOTAL_TEST)]))
    merged, _ = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    ids = [integrity.nbgrader_meta(c).get("grade_id") for c in merged.cells]
    assert ids.count(TOTAL_TEST) == 1


def test_saved_outputs_are_not_trusted(notebooks):
    """Are the outputs a learner saved (e.g. a faked passing test) cleared, so only a fresh run counts?"""
    source, release = notebooks
    submitted = honest_copy(release)
    for cell in submitted.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="全部通過 (all passed)")]
            cell.execution_count = 7
    merged, _ = integrity.merge_submission(source, release, submitted, NOTEBOOK)
    code = [c for c in merged.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_submission_takes_its_most_severe_status():
    """Is a flagged and timed-out submission 'timeout', a flagged one 'flagged' and a clean one 'graded'?"""
    assert integrity.worst_status([{"status": "flagged"}, {"status": "timeout"}]) == "timeout"
    assert integrity.worst_status([{"status": "flagged"}]) == "flagged"
    assert integrity.worst_status([]) == "graded"


# --- identity: the kernel runs as the submitting learner ---------------------------------------------


def test_kernel_env_from_the_graders_own_environment(monkeypatch):
    """With no base, does the kernel get the learner's id and the grader's settings, not its hub user, and os.environ stay put?"""
    monkeypatch.setenv("JUPYTERHUB_USER", "instructor")
    monkeypatch.setenv("NETMARKETING_LEARNER", "grader-self")
    monkeypatch.setenv("NETMARKETING_SCALE", "0.05")  # the world size every learner is graded on
    env = kernel_env_for("s042")
    assert env["NETMARKETING_LEARNER"] == "s042"
    assert "JUPYTERHUB_USER" not in env
    assert env["NETMARKETING_SCALE"] == "0.05"
    assert os.environ["JUPYTERHUB_USER"] == "instructor"
    assert os.environ["NETMARKETING_LEARNER"] == "grader-self"


def test_kernel_env_leaves_its_base_untouched():
    """Is the base mapping the grader passes left as it was (one base serves many learners)?"""
    base = {"JUPYTERHUB_USER": "instructor", "PATH": "/bin"}
    first = kernel_env_for("s001", base=base)
    second = kernel_env_for("s002", base=base)
    assert base == {"JUPYTERHUB_USER": "instructor", "PATH": "/bin"}
    assert (first["NETMARKETING_LEARNER"], second["NETMARKETING_LEARNER"]) == ("s001", "s002")


def test_a_kernel_started_with_that_env_is_the_learner_and_their_variant(monkeypatch, tmp_path):
    """Does code run under kernel_env_for(id) identify as that learner and read that learner's data folder?"""
    from netmarketing import learner
    from netmarketing.data.release import write_learner_data

    home = tmp_path / "home"
    home.mkdir()
    (home / "learner.txt").write_text("someone-else\n", encoding="utf-8")
    data = write_learner_data({}, tmp_path / "data", learner="s077", variant="v-s077", scale=1.0)
    grader_env = {
        "JUPYTERHUB_USER": "instructor",
        "NETMARKETING_HOME": str(home),
        "NETMARKETING_DATA": str(data),
        "PATH": "/bin",
    }
    env = kernel_env_for("s077", base=grader_env)
    for name in ("JUPYTERHUB_USER", "NETMARKETING_LEARNER", "NETMARKETING_HOME", "NETMARKETING_DATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert learner.learner_id() == "s077"
    assert learner.data.variant() == {"learner": "s077", "variant": "v-s077", "self_study": False}


def test_the_grader_starts_each_kernel_as_the_submitter_with_tables_only(tmp_path):
    """Does the grader's kernel environment name the submitting learner, point at the data mount, and hold no secret?"""
    from netmarketing.grading.sandbox import DATA_MOUNT
    from netmarketing.grading.worker import kernel_env

    template = tmp_path / "mpl"
    template.mkdir()
    box = tmp_path / "box"
    (box / "home").mkdir(parents=True)
    task = {"student": "s078", "mpl_template": str(template), "secret": "course-secret-value"}
    os.environ["JUPYTERHUB_USER"] = "instructor"
    try:
        env = kernel_env(task, box, tmp_path / "data", sandboxed=True)
    finally:
        del os.environ["JUPYTERHUB_USER"]
    assert env["NETMARKETING_LEARNER"] == "s078"
    assert env["NETMARKETING_DATA"] == DATA_MOUNT
    assert "JUPYTERHUB_USER" not in env and "NETMARKETING_DB_URL" not in env
    assert not any("course-secret-value" in value for value in env.values())
    unsandboxed = kernel_env(task, box, tmp_path / "data", sandboxed=False)
    assert unsandboxed["NETMARKETING_DATA"] == str(tmp_path / "data")


def _marked(source: str, *printed: str) -> dict:
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": f"學員代號 (learner id)：{p}\n"} for p in printed
    ]
    return {"cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": outputs}]}


@pytest.mark.parametrize(
    ("source", "printed", "flagged"),
    [
        ("LEARNER_ID = learner.whoami()", ["s009"], False),
        ("LEARNER_ID = learner.learner_id()\nlearner.whoami()", ["s009"], False),
        ("LEARNER_ID = learner.whoami()  # 請勿修改", [], False),
        ("LEARNER_ID = learner.whoami()", ["s0091"], True),  # an id that merely starts with the learner's
        ("LEARNER_ID = learner.whoami()", ["s00"], True),  # a prefix of the learner's id
        ("LEARNER_ID = learner.whoami()", ["s009", "s002"], True),  # run once as someone else too
        ('LEARNER_ID = "s009"', [], True),  # a fixed value, even the right one, defeats the marker
        ('LEARNER_ID = learner.whoami() or "s002"', [], True),
    ],
)
def test_identity_marker_boundaries(source, printed, flagged):
    """Is the identity marker accepted only when every recorded id is exactly the submitter's and the line is intact?"""
    message = check_identity_marker(_marked(source, *printed), "s009")
    assert (message is not None) == flagged, message


# --- feedback: never hidden-test source, never a test's traceback --------------------------------------

FRAME_LINE = "File /srv/grader/secret_helpers.py:88, in check_total"


def _error(ename: str, evalue: str, *traceback: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=list(traceback))


@pytest.fixture
def feedback_page(tmp_path: Path) -> str:
    """Write the feedback of a graded notebook whose outputs quote a hidden test in every way they can."""
    from netmarketing.grading.feedback import write_feedback

    source = source_notebook(hidden=True)
    source_path = tmp_path / "course" / f"{NOTEBOOK}.ipynb"
    source_path.parent.mkdir()
    nbformat.write(source, str(source_path))

    executed = copy.deepcopy(source)
    test = executed.cells[position(executed, TOTAL_TEST)]
    test.outputs = [_error("AssertionError", "RULES-HIDDEN-CHECK total mismatch", "Traceback", HIDDEN_LINE)]
    shout = executed.cells[position(executed, SHOUT_TEST)]
    shout.outputs = [
        _error(
            "AssertionError",
            "請用大寫",
            "Traceback (most recent call last)",
            FRAME_LINE,
            "AssertionError: 請用大寫",
        )
    ]
    learner_cells = [
        nbformat.v4.new_code_cell("print(In[3])"),
        nbformat.v4.new_code_cell("In[3]"),
        nbformat.v4.new_code_cell("raise ValueError(In[3])"),
        nbformat.v4.new_code_cell(f"# 我抄下來的：{HIDDEN_LINE}"),
        nbformat.v4.new_code_cell('print("月營收 (monthly revenue) = 1234")'),
    ]
    learner_cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=HIDDEN_LINE + "\n")]
    learner_cells[1].outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(HIDDEN_LINE)})
    ]
    learner_cells[2].outputs = [_error("ValueError", HIDDEN_LINE, "Traceback", f"ValueError: {HIDDEN_LINE}")]
    learner_cells[4].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="月營收 (monthly revenue) = 1234\n")
    ]
    executed.cells[3:3] = learner_cells
    executed_path = tmp_path / "executed.ipynb"
    nbformat.write(executed, str(executed_path))
    grade = {"score": 0.0, "kind": "auto", "message_zh": None}
    record = {
        "student": "s001",
        "module": "01_rules",
        "status": "graded",
        "issues": [],
        "notebooks": {
            NOTEBOOK: {
                "grades": {
                    TOTAL_TEST: {**grade, "max_score": 2.0},
                    SHOUT_TEST: {**grade, "max_score": 1.0, "message_zh": f"AssertionError: {HIDDEN_LINE}"},
                }
            }
        },
    }
    index = write_feedback(tmp_path / "feedback", record, [source_path], {NOTEBOOK: executed_path})
    return "\n".join(page.read_text(encoding="utf-8") for page in sorted(index.parent.glob("*.html")))


def test_feedback_never_quotes_a_hidden_test(feedback_page):
    """Does no output, learner source, grade message or traceback in the feedback quote the hidden test?"""
    assert "RULES-HIDDEN-CHECK" not in feedback_page
    assert "BEGIN HIDDEN TESTS" not in feedback_page
    assert "total == 45" not in feedback_page


def test_feedback_shows_a_failed_tests_message_without_its_traceback(feedback_page):
    """Does a failed visible test show 'AssertionError: message' but none of the traceback's frames?"""
    assert "AssertionError: 請用大寫" in feedback_page
    assert FRAME_LINE not in feedback_page
    assert "Traceback (most recent call last)" not in feedback_page


def test_feedback_keeps_the_learners_own_output(feedback_page):
    """Is the learner's own harmless output still shown (scrubbing withholds only what quotes a hidden test)?"""
    from netmarketing.grading.feedback import HIDDEN_OUTPUT

    assert "月營收 (monthly revenue) = 1234" in feedback_page
    assert HIDDEN_OUTPUT in feedback_page
