"""Tests of the orientation notebooks and the T1.1 notebook (course-a).

The slow tests run the real notebooks: under nbval, and through nbgrader
generate_assignment + autograde in a throw-away course directory, on the
course's default world (the anomaly checks of T1.1 need its size) with a
private data cache shared by all of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netmarketing.grading.evidence import indicator_from_grade_id, notebook_evidence

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
T1_1 = COURSE / "01_market_analysis" / "t1_1_scope_and_sources.ipynb"
ORIENTATION = sorted((COURSE / "00_orientation").glob("*.ipynb"))
T1_1_INDICATORS = {"P1.1.1", "P1.1.2", "P1.1.3"}
NUMERIC_GRADE_IDS = {
    "p1_1_2__consent_rows",
    "p1_1_2__ad_claims",
    "p1_1_2__anomaly_details",
    "p1_1_2__cleaned_data",
    "p1_1_3__monthly_sessions",
    "p1_1_3__channel_sessions",
    "p1_1_3__monthly_sales",
}


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


# ---------------------------------------------------------------- fast checks


def test_every_t1_1_grade_id_maps_to_a_t1_1_indicator():
    """Does every graded cell of the T1.1 notebook carry a T1.1 indicator that its grade id also names?"""
    items = notebook_evidence(T1_1)
    assert items, "the T1.1 notebook has no graded cells"
    for item in items:
        assert item.indicator in T1_1_INDICATORS, item
        assert indicator_from_grade_id(item.grade_id) == item.indicator, item
        assert item.points > 0, item


def test_every_t1_1_indicator_has_two_items_and_a_manual_one_exists():
    """Is each of P1.1.1, P1.1.2 and P1.1.3 assessed by at least two graded items, with written work rubric-tagged?"""
    items = notebook_evidence(T1_1)
    for code in T1_1_INDICATORS:
        assert sum(i.indicator == code for i in items) >= 2, code
    manual = [
        c
        for c in _cells(T1_1)
        if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "markdown"
    ]
    assert manual and all(c["metadata"]["netmarketing"].get("rubric") for c in manual)


def test_orientation_is_practice_only():
    """Do the orientation notebooks grade only practice items, which never count toward the level?"""
    items = [item for nb in ORIENTATION for item in notebook_evidence(nb)]
    assert len(ORIENTATION) >= 2 and items
    assert all(i.indicator == "practice" and not i.counts_toward_level for i in items)


@pytest.mark.parametrize("path", [T1_1, *ORIENTATION], ids=lambda p: p.stem)
def test_source_notebooks_are_clean_and_well_formed(path):
    """Is each source notebook free of outputs, with unique grade ids, hidden tests in graded cells only, and a set-up cell first?"""
    cells = _cells(path)
    grade_ids = [c["metadata"]["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c["metadata"]]
    assert len(grade_ids) == len(set(grade_ids))
    for cell in cells:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        nbg = cell["metadata"].get("nbgrader", {})
        if "BEGIN HIDDEN TESTS" in src:
            assert nbg.get("grade") and nbg.get("locked"), cell["id"]
        if "BEGIN SOLUTION" in src:
            assert nbg.get("solution"), cell["id"]
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "learner.whoami()" in "".join(first_code["source"])
    assert "setup_charts" in "".join(first_code["source"])


@pytest.mark.slow
def test_committed_notebooks_match_their_builders(tmp_path):
    """Are the committed notebooks exactly what course/_build produces (no hand edits that a rebuild would lose)?"""
    build_dir = tmp_path / "course" / "_build"
    shutil.copytree(COURSE / "_build", build_dir, ignore=shutil.ignore_patterns("__pycache__", "build_t1_2*"))
    for script in ("build_00.py", "build_t1_1.py"):
        subprocess.run([sys.executable, str(build_dir / script)], check=True, capture_output=True)
    for original in [T1_1, *ORIENTATION]:
        rebuilt = tmp_path / original.relative_to(ROOT)
        assert rebuilt.read_text(encoding="utf-8") == original.read_text(encoding="utf-8"), original.name


def _builder_module():
    import importlib.util

    sys.path.insert(0, str(COURSE / "_build"))
    try:
        spec = importlib.util.spec_from_file_location("build_t1_1", COURSE / "_build" / "build_t1_1.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(COURSE / "_build"))
    return module


def test_answer_key_covers_every_question_and_stays_out_of_the_learner_package():
    """Does the hidden answer key of P1.1.1 cover every question with known codes, while the learner module holds none of it?"""
    from netmarketing.learner import sources

    key = _builder_module().PATHWAY_KEY
    assert sorted(key) == [q["id"] for q in sources.BUSINESS_QUESTIONS]
    for purpose, essential, unsuitable in key.values():
        assert purpose in sources.PURPOSES
        codes = {p for group in essential for p in group} | set(unsuitable)
        assert codes <= set(sources.DATA_PATHWAYS)
        assert not {p for group in essential for p in group} & set(unsuitable)
    assert all(set(q) == {"id", "zh"} for q in sources.BUSINESS_QUESTIONS)


def test_pathway_picker_result_follows_the_clicks():
    """Does the data-source picker put the clicked purpose and pathways into its plain dict and a pasteable literal?"""
    from netmarketing.learner.sources import pathway_picker, plan_literal

    picker, result = pathway_picker()
    picker.controls["Q2_purpose"].value = "traffic_performance"
    picker.controls["Q2_ga4_export"].value = True
    picker.controls["Q2_surveys"].value = True
    picker.controls["Q2_surveys"].value = False
    assert result["purpose"]["Q2"] == "traffic_performance"
    assert result["pathways"]["Q2"] == ["ga4_export"]
    namespace: dict = {}
    exec(plan_literal(result), namespace)
    assert namespace["pathway_plan"]["Q2"] == ["ga4_export"] and namespace["purpose_plan"]["Q1"] is None


# ---------------------------------------------------------------- slow: run the notebooks


@pytest.fixture(scope="module")
def world_env(tmp_path_factory) -> dict[str, str]:
    """Return an environment with a private world cache; nbval runs as the learner "solver"."""
    env = dict(os.environ)
    env["NETMARKETING_CACHE"] = str(tmp_path_factory.mktemp("world-cache"))
    env.pop("NETMARKETING_SCALE", None)
    # nbgrader calls the `alembic` script of the venv by name.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["NETMARKETING_LEARNER"] = "solver"
    env.pop("JUPYTERHUB_USER", None)
    return env


@pytest.mark.slow
def test_source_notebooks_run_clean_under_nbval(world_env, tmp_path):
    """Do the orientation and T1.1 source notebooks (with solutions) run from top to bottom without errors?"""
    targets = [str(p) for p in [*ORIENTATION, T1_1]]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", *targets],
        cwd=tmp_path,
        env=world_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _nbgrader(args: list[str], course: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def graded(world_env, tmp_path_factory) -> dict[str, dict[str, float | None]]:
    """Autograde the orientation and T1.1 and return {student: {grade_id: auto_score}} plus max points.

    - ``solver``: the source notebooks with their solutions, run as ``solver``;
    - ``blank``: the untouched release copies;
    - ``copier`` (T1.1 only): the solutions computed on the tables of another
      learner (``solver``), graded as ``copier``.
    """
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("course")
    notebooks = {"00_orientation": ORIENTATION, "01_market_analysis": [T1_1]}
    for assignment, paths in notebooks.items():
        (course / "source" / assignment).mkdir(parents=True)
        for path in paths:
            shutil.copy(path, course / "source" / assignment / path.name)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'course-a-test'\n"
        "c.ExecutePreprocessor.timeout = 300\n",
        encoding="utf-8",
    )
    for assignment in notebooks:
        _nbgrader(["generate_assignment", assignment, "--force"], course, world_env)

    def submit(student: str, assignment: str, notebooks: list[Path]) -> None:
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for notebook in notebooks:
            shutil.copy(notebook, folder / notebook.name)
        (folder / "timestamp.txt").write_text("2026-11-27 00:00:00.000000 UTC")

    for assignment, paths in notebooks.items():
        submit("solver", assignment, paths)
        submit("blank", assignment, [course / "release" / assignment / p.name for p in paths])
    copied = json.loads(T1_1.read_text(encoding="utf-8"))
    # Right after the set-up cell: every learner.load(...) now returns the other learner's tables.
    patch = {
        "cell_type": "code",
        "execution_count": None,
        "id": "copy-from-solver",
        "metadata": {},
        "outputs": [],
        "source": (
            "from netmarketing import learner as _l\n"
            "from netmarketing.data import load_world as _lw, seed_for as _sf\n"
            "_other = _lw(_sf('solver'), scale=_l.learner_scale())\n"
            "_l.load = lambda name: _other.tables[name].copy()\n"
        ),
    }
    setup_index = next(i for i, c in enumerate(copied["cells"]) if c["cell_type"] == "code")
    copied["cells"].insert(setup_index + 1, patch)
    (course / "copy").mkdir()
    copy_path = course / "copy" / T1_1.name
    copy_path.write_text(json.dumps(copied, ensure_ascii=False), encoding="utf-8")
    submit("copier", "01_market_analysis", [copy_path])

    graded_runs = [(a, s) for a in notebooks for s in ("solver", "blank")] + [
        ("01_market_analysis", "copier")
    ]
    for assignment, student in graded_runs:
        env = dict(world_env, NETMARKETING_LEARNER=student)
        _nbgrader(["autograde", assignment, "--student", student, "--force"], course, env)

    scores: dict[str, dict[str, float | None]] = {"max": {}, "solver": {}, "blank": {}, "copier": {}}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment, student in graded_runs:
            for path in notebooks[assignment]:
                nb = gb.find_notebook(path.stem, assignment)
                for cell in nb.grade_cells:
                    scores["max"][cell.name] = cell.max_score
                    grade = gb.find_grade(cell.name, path.stem, assignment, student)
                    scores[student][cell.name] = grade.auto_score
    return scores


def _auto_ids(graded: dict) -> list[str]:
    kinds = {i.grade_id: i.kind for nb in [T1_1, *ORIENTATION] for i in notebook_evidence(nb)}
    return [g for g in graded["max"] if kinds[g] == "auto"]


@pytest.mark.slow
def test_solution_gets_full_automatic_marks(graded):
    """Do the solution notebooks earn every automatic point when graded on their own learner's variant?"""
    auto = _auto_ids(graded)
    assert any(g.startswith("practice__") for g in auto) and any(g.startswith("p1_1_") for g in auto)
    missing = {g: graded["solver"][g] for g in auto if graded["solver"][g] != graded["max"][g]}
    assert not missing, missing


@pytest.mark.slow
def test_untouched_release_gets_zero_automatic_points(graded):
    """Do untouched release copies earn no automatic points at all?"""
    earned = {g: graded["blank"][g] for g in _auto_ids(graded) if graded["blank"][g]}
    assert not earned, earned


@pytest.mark.slow
def test_copy_of_another_learners_numbers_fails_the_hidden_tests(graded):
    """Does a submission computed on another learner's tables score zero on every numeric item?"""
    assert NUMERIC_GRADE_IDS <= set(graded["max"])
    passed = {g: graded["copier"][g] for g in NUMERIC_GRADE_IDS if graded["copier"][g]}
    assert not passed, passed
