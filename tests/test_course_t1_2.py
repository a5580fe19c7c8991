"""Do the T1.2 notebooks pass the course check with their solutions, and does an untouched learner copy score 0?

Both tests work on a private copy of the course holding only the two T1.2 notebooks (the T1.1
notebooks are checked by their own test), small worlds (``NETMARKETING_SCALE`` 0.2) and a
private cache, so that nothing here depends on another run's cached data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODULE = "01_market_analysis"
NOTEBOOKS = ["t1_2a_statistics_and_position", "t1_2b_swot_segments_report"]
SCALE = "0.2"
T1_2 = ["P1.2.1", "P1.2.2", "P1.2.3", "P1.2.4"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Return a course folder with module 01 holding the T1.2 notebooks only."""
    root = tmp_path_factory.mktemp("course-t1-2") / "course"
    (root / MODULE).mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copy(REPO / "course" / MODULE / f"{name}.ipynb", root / MODULE)
    return root


@pytest.fixture(scope="module")
def small_worlds(tmp_path_factory):
    """Use small worlds and a private world cache for the whole module."""
    patch = pytest.MonkeyPatch()
    patch.setenv("NETMARKETING_SCALE", SCALE)
    patch.setenv("NETMARKETING_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


def test_solutions_earn_full_marks_and_copies_fail(course, small_worlds, tmp_path):
    """Do the solutions earn every automatic point on two variants, with no copied answer passing, and full T1.2 coverage?"""
    from netmarketing.grading.check import CHECK_SECRET, check_course
    from netmarketing.grading.variant import Variants

    variants = Variants(CHECK_SECRET, tmp_path / "variants", float(SCALE))
    report = check_course(course, [MODULE], execute=True, variants=variants)
    # The T1.1 notebooks are not in this copy: only their evidence gaps may be reported.
    t1_1_gaps = {"evidence-kinds", "ks-not-covered", "too-few-items"}
    errors = [f for f in report.errors if not (f.code in t1_1_gaps and f.cell and "1.1" in f.cell)]
    assert errors == [], "\n".join(f.format() for f in errors)
    for indicator in T1_2:
        kinds = report.kinds_per_indicator[indicator]
        assert kinds.get("auto", 0) >= 2 and kinds.get("manual", 0) >= 1, (indicator, kinds)
    assert all(n > 0 for n in report.coverage["T1.2"].values()), report.coverage["T1.2"]
    assert {"A02", "A03", "A04", "A05"} <= {a for a, n in report.attitudes.items() if n}


def test_untouched_learner_copy_scores_zero(course, small_worlds, tmp_path):
    """Does the learner copy, handed in as released (nothing answered, no widget saved), earn 0 automatic points?"""
    from netmarketing.grading.autograde import GradeOptions, grade_module
    from netmarketing.grading.sandbox import SandboxLimits
    from netmarketing.grading.workspace import Workspace

    ws = Workspace(
        tmp_path / "autograder", course_dir=course, db_url=f"sqlite:///{tmp_path / 'gradebook.db'}"
    )
    ws.root.mkdir(parents=True)
    release = ws.generate(MODULE)
    shutil.copytree(release, Path(ws.submitted_dir) / "untouched" / MODULE)
    options = GradeOptions(jobs=1, progress=False, limits=SandboxLimits(memory_mb=4096, cell_timeout=120))
    [record] = grade_module(ws, MODULE, options)
    grades = {gid: g for notebook in NOTEBOOKS for gid, g in record["notebooks"][notebook]["grades"].items()}
    auto = {gid: g["score"] for gid, g in grades.items() if g["kind"] == "auto"}
    assert len(auto) == 13 and sum(auto.values()) == 0, auto
    written = {
        gid: g for gid, g in grades.items() if g["kind"] == "manual" and not gid.startswith("reflection__")
    }
    assert len(written) == 5 and all(
        g["score"] == 0 and g["message_zh"] == "未作答" for g in written.values()
    )
