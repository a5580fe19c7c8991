"""Does the T1.2 notebook (P1.2.1-P1.2.4, O1.2.1) build, run, grade and catch copied numbers?"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from netmarketing.grading.evidence import indicator_from_grade_id, notebook_evidence

ROOT = Path(__file__).resolve().parents[1]
MODULE = "01_market_analysis"
NAME = "t1_2_position_market_and_segments"
SOURCE = ROOT / "course" / MODULE / f"{NAME}.ipynb"
BUILDER = ROOT / "course" / "_build" / "build_t1_2.py"
T12 = {"P1.2.1", "P1.2.2", "P1.2.3", "P1.2.4"}
# Auto-graded items whose expected values are numbers of the learner's own variant.
VARIANT_NUMBERS = {
    "p1_2_1__platform_stats",
    "p1_2_1__growth",
    "p1_2_1__seasonality",
    "p1_2_1__significance_test",
    "p1_2_2__category_metrics",
    "p1_2_4__rfm_table",
}


def _load_builder():
    sys.path.insert(0, str(BUILDER.parent))
    try:
        import build_t1_2

        return build_t1_2
    finally:
        sys.path.remove(str(BUILDER.parent))


def _graded(nb) -> list:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _kernel_env(learner: str) -> dict:
    env = dict(os.environ)
    env["NETMARKETING_LEARNER"] = learner
    env.pop("JUPYTERHUB_USER", None)
    # nbgrader calls `alembic` and `jupyter` by name: put the running interpreter's bin first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_committed_notebook_matches_its_builder(tmp_path, monkeypatch):
    """Is the committed notebook exactly what the builder writes (no hand edits, no drift)?"""
    builder = _load_builder()
    monkeypatch.setattr(builder, "NOTEBOOK", tmp_path / f"{NAME}.ipynb")
    built = builder.build()
    assert built.read_text(encoding="utf-8") == SOURCE.read_text(encoding="utf-8")


def test_committed_notebook_has_no_outputs_and_valid_nbgrader_metadata():
    """Are outputs absent, cell ids unique, and every nbgrader cell on schema 3 with a grade id?"""
    nb = nbformat.read(SOURCE, as_version=4)
    nbformat.validate(nb)
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids))
    grade_ids = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        meta = cell.metadata.get("nbgrader")
        if meta:
            assert meta["schema_version"] == 3
            grade_ids.append(meta["grade_id"])
    assert len(grade_ids) == len(set(grade_ids))


def test_every_grade_id_maps_to_a_t1_indicator_and_each_is_assessed_twice():
    """Does every graded cell carry a T1.2 indicator matching its grade id, with >= 2 items per indicator?"""
    from netmarketing.standard import load_standard

    standard = load_standard()
    assert {i.code for i in standard.indicators_of("T1.2")} == T12
    items = notebook_evidence(SOURCE, MODULE)
    assert items, "no graded cells found"
    for item in items:
        assert standard.duty_of(item.indicator).code == "T1", item
        assert item.indicator in T12, item
        assert indicator_from_grade_id(item.grade_id) == item.indicator
        assert item.points > 0
        if item.output:
            assert item.output in standard.task("T1.2").outputs
    counts = {code: sum(i.indicator == code for i in items) for code in T12}
    assert min(counts.values()) >= 2, counts
    kinds = {(i.indicator, i.kind) for i in items}
    assert {code for code, kind in kinds if kind == "auto"} == T12


def test_notebook_header_names_the_task_codes_of_the_standard():
    """Does the notebook's metadata list the K and S codes the standard gives for T1.2?"""
    from netmarketing.standard import load_standard

    task = load_standard().task("T1.2")
    meta = nbformat.read(SOURCE, as_version=4).metadata["netmarketing"]
    assert tuple(meta["knowledge"]) == task.knowledge and tuple(meta["skills"]) == task.skills
    assert meta["task"] == task.code and meta["outputs"] == list(task.outputs)


def test_rubrics_named_by_manual_cells_exist():
    """Does every manually graded cell name a rubric file that exists in autograder/rubrics?"""
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in _graded(nb):
        if cell.cell_type == "markdown":
            rubric = cell.metadata["netmarketing"]["rubric"]
            assert (ROOT / "autograder" / "rubrics" / f"{rubric}.yaml").is_file(), rubric


def test_report_deliverable_is_manual_with_rubric_and_output():
    """Is the O1.2.1 report a manually graded markdown cell with its rubric, plus an auto chart check?"""
    nb = nbformat.read(SOURCE, as_version=4)
    report = [c for c in _graded(nb) if c.metadata.get("netmarketing", {}).get("output") == "O1.2.1"]
    kinds = sorted(c.cell_type for c in report)
    assert kinds == ["code", "markdown"]
    markdown = next(c for c in report if c.cell_type == "markdown")
    assert markdown.metadata["nbgrader"]["solution"] is True
    assert markdown.metadata["netmarketing"]["rubric"] == "analysis_report_o121"
    rubrics = {c.metadata["netmarketing"].get("rubric") for c in _graded(nb) if c.cell_type == "markdown"}
    assert "swot_strategy" in rubrics


def test_hidden_tests_recompute_instead_of_trusting_learner_tables():
    """Does every auto-graded cell hide its asserts and read the learner's variant itself?"""
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in _graded(nb):
        if cell.cell_type != "code":
            continue
        source = cell.source
        assert "### BEGIN HIDDEN TESTS" in source and "### END HIDDEN TESTS" in source
        hidden = source.split("### BEGIN HIDDEN TESTS", 1)[1]
        assert "assert" in hidden
        assert source.lstrip().startswith('"""'), "each test cell starts with a one-line docstring"


def _execute(nb, learner: str, cwd: Path):
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(cwd)}}
    )
    old = os.environ.get("NETMARKETING_LEARNER")
    os.environ["NETMARKETING_LEARNER"] = learner
    try:
        client.execute()
    finally:
        if old is None:
            os.environ.pop("NETMARKETING_LEARNER", None)
        else:
            os.environ["NETMARKETING_LEARNER"] = old
    return nb


def _failed_grade_ids(nb) -> set[str]:
    failed = set()
    for cell in _graded(nb):
        if cell.cell_type == "code" and any(
            o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")
            for o in cell.outputs
        ):
            failed.add(cell.metadata["nbgrader"]["grade_id"])
    return failed


@pytest.mark.slow
def test_source_notebook_runs_clean_under_nbval_lax(tmp_path):
    """Does the instructor notebook run top to bottom under nbval --nbval-lax, hidden tests included?

    It runs as another learner than the autograde test, so the solution must pass
    the hidden tests on a second data variant too (a failing hidden test is an error).
    """
    target = tmp_path / SOURCE.name
    shutil.copy(SOURCE, target)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", str(target)],
        cwd=tmp_path,
        env=_kernel_env("nbval-variant"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_copied_numbers_fail_the_hidden_tests(tmp_path):
    """Does a learner who computes on someone else's data (copied numbers) fail the variant-bound hidden tests?"""
    nb = nbformat.read(SOURCE, as_version=4)
    cells = nb.cells
    load_at = next(
        i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "t1_2_prep"
    )
    # The learner's tables come from "copied-from"; everything after is graded as "graded-learner".
    switch = nbformat.v4.new_code_cell('import os\nos.environ["NETMARKETING_LEARNER"] = "graded-learner"')
    switch.id = "switch-identity"
    cells.insert(load_at + 1, switch)
    _execute(nb, "copied-from", tmp_path)
    failed = _failed_grade_ids(nb)
    assert VARIANT_NUMBERS <= failed, sorted(VARIANT_NUMBERS - failed)


def _nbgrader(course: Path, *args: str, learner: str = "self-study") -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, "--force"],
        cwd=course,
        env=_kernel_env(learner),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_autograde_gives_solution_full_and_release_zero_auto_points(tmp_path):
    """Does nbgrader give the solution every automatic point and the untouched release none?"""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    (course / "source" / MODULE).mkdir(parents=True)
    shutil.copy(SOURCE, course / "source" / MODULE / SOURCE.name)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 't1_2_test'\n"
        "c.ExecutePreprocessor.timeout = 300\n",
        encoding="utf-8",
    )
    _nbgrader(course, "generate_assignment", MODULE)
    release = course / "release" / MODULE / SOURCE.name
    released = release.read_text(encoding="utf-8")
    assert (
        "BEGIN SOLUTION" not in released
        and "BEGIN HIDDEN TESTS" not in released
        and "_h_truth" not in released
    )
    for student, notebook in [("expert", SOURCE), ("novice", release)]:
        folder = course / "submitted" / student / MODULE
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / SOURCE.name)
    _nbgrader(course, "autograde", MODULE)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {}
        for student in ("expert", "novice"):
            sub = gb.find_submission_notebook(NAME, MODULE, student)
            auto = [g for g in sub.grades if g.cell.cell_type == "code"]
            scores[student] = (sum(g.auto_score or 0 for g in auto), sum(g.max_score for g in auto))
            if student == "expert":
                lost = [g.name for g in auto if (g.auto_score or 0) < g.max_score]
                assert not lost, lost
    expert, max_auto = scores["expert"]
    assert max_auto > 0 and expert == max_auto
    assert scores["novice"][0] == 0


def test_released_stub_leaves_widget_results_in_plain_variables():
    """Does the SWOT answer cell tell the learner how to copy the board's result into plain variables?"""
    nb = nbformat.read(SOURCE, as_version=4)
    text = json.dumps([c.source for c in nb.cells], ensure_ascii=False)
    for name in ("swot = {q: list(board_result[q])", "chosen_strategy = board_result", "advantage_category"):
        assert name in text
