"""Tests of the simulated cohort, including one real nbgrader autograde of the fixture module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netmarketing.grading.cohort import CRASH_CODE, LEVELS, Cohort, plan_cohort, simulate_cohort
from netmarketing.grading.identity import check_identity_marker
from netmarketing.grading.workspace import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "course"
MODULE = "01_fixture"


def _cells(path: Path) -> dict[str, str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {
        c["metadata"].get("nbgrader", {}).get("grade_id", f"#{i}"): "".join(c["source"])
        for i, c in enumerate(nb["cells"])
    }


def test_plan_has_every_level_and_cycles_modes():
    """Does a cohort of 12 contain every level, with tamper and crash modes taken in turn?"""
    learners = plan_cohort(12)
    assert [s.level for s in learners[: len(LEVELS)]] == list(LEVELS)
    assert {s.level for s in learners} == set(LEVELS)
    assert len({s.student_id for s in learners}) == 12
    big = plan_cohort(3 * len(LEVELS))
    assert [s.detail["crash"] for s in big if s.level == "crasher"] == ["loop", "exit", "memory"]
    assert [s.detail["tamper"] for s in big if s.level == "tamperer"] == [
        "edit-test",
        "delete-test",
        "untag-test",
    ]
    with pytest.raises(ValueError):
        plan_cohort(0)
    with pytest.raises(ValueError):
        plan_cohort(3, levels=("expert", "genius"))


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """Release the fixture module into a fresh workspace and simulate one learner of each level into it."""
    pytest.importorskip("netmarketing.data", reason="data room").load_world  # noqa: B018
    mp = pytest.MonkeyPatch()
    mp.setenv("NETMARKETING_SCALE", "0.05")  # small worlds: the kernels build one per learner
    mp.delenv("JUPYTERHUB_USER", raising=False)
    mp.setenv("NETMARKETING_EXTRA_CHECKS", "tests.fixtures.fixture_checks")  # the fixture course's checks
    tmp = tmp_path_factory.mktemp("cohort")
    shutil.copytree(FIXTURE, tmp / "course")
    ws = Workspace(tmp / "autograder", course_dir=tmp / "course", db_url=f"sqlite:///{tmp / 'gb.db'}")
    ws.root.mkdir()
    ws.generate(MODULE)
    try:
        yield (
            ws,
            simulate_cohort(
                MODULE,
                len(LEVELS),
                course_dir=ws.course_dir,
                out=ws.submitted_dir,
                rng=1,
                variants=ws.variants(),
            ),
        )
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def cohort(setting) -> Cohort:
    return setting[1]


def _submission(cohort: Cohort, level: str) -> Path:
    student = cohort.by_level(level)[0].student_id
    return cohort.submitted_dir / student / MODULE / "fixture.ipynb"


@pytest.mark.slow
def test_cohort_layout_and_levels(cohort):
    """Is every learner written in nbgrader's submitted layout, and do the levels differ as described?"""
    for learner in cohort.learners:
        folder = cohort.submitted_dir / learner.student_id / MODULE
        assert (folder / "fixture.ipynb").is_file() and (folder / "timestamp.txt").read_text().strip()
    saved = Cohort.read(cohort.submitted_dir, MODULE)
    assert [s.level for s in saved.learners] == list(LEVELS)

    expert = _cells(_submission(cohort, "expert"))
    blank = _cells(_submission(cohort, "blank"))
    assert "NotImplementedError" not in expert["ex1_answer"] + expert["ex2_answer"]
    assert "NotImplementedError" in blank["ex1_answer"] and "NotImplementedError" in blank["ex2_answer"]
    assert "YOUR ANSWER HERE" in blank["p1_2_1__interpretation"]
    novice = _cells(_submission(cohort, "novice"))
    assert (
        sum(
            "NotImplementedError" in novice[k] or "YOUR ANSWER" in novice[k]
            for k in ("ex1_answer", "ex2_answer", "p1_2_1__interpretation")
        )
        == 2
    )
    proficient = _cells(_submission(cohort, "proficient"))
    assert sum("(wrong)" in proficient[k] for k in ("ex1_answer", "ex2_answer")) == 1

    tamperer = _cells(_submission(cohort, "tamperer"))
    tampered = cohort.by_level("tamperer")[0].detail["tampered_cell"]
    assert tamperer[tampered] != expert[tampered]
    crasher = cohort.by_level("crasher")[0]
    assert (
        CRASH_CODE[crasher.detail["crash"]]
        in _cells(_submission(cohort, "crasher"))[crasher.detail["crash_cell"]]
    )


@pytest.mark.slow
def test_copier_holds_another_variants_numbers(setting):
    """Does the copier hard-code the expert's numbers (not its own) and carry the expert's identity marker?"""
    ws, cohort = setting
    copier = cohort.by_level("copier")[0]
    expert_id = cohort.by_level("expert")[0].student_id
    assert copier.detail["copied_from"] == expert_id
    answer = _cells(_submission(cohort, "copier"))["ex1_answer"]
    assert "orders[" not in answer

    def completed(student: str) -> int:
        orders = ws.variants().world(student).tables["orders"]
        return int((orders["status"] == "completed").sum())

    expected = completed(expert_id)
    assert f"n_completed = {expected}" in answer
    assert completed(copier.student_id) != expected
    assert expert_id in (check_identity_marker(_submission(cohort, "copier"), copier.student_id) or "")
    assert check_identity_marker(_submission(cohort, "expert"), expert_id) is None


@pytest.mark.slow
def test_nbgrader_autograde_copier_fails_expert_passes(setting):
    """Graded through nbgrader's own autograde (the trusted pipeline behind it), does the expert get every point while the copier fails?"""
    ws, cohort = setting
    graded = [cohort.by_level("expert")[0], cohort.by_level("copier")[0]]
    for learner in graded:
        result = ws.api().autograde(MODULE, learner.student_id, force=True, create=True)
        assert result["success"], result["log"][-2000:]
    scores = {}
    with ws.gradebook() as gb:
        for learner in graded:
            nb = gb.find_submission_notebook("fixture", MODULE, learner.student_id)
            scores[learner.level] = {g.name: g.auto_score for g in nb.grades if g.name.startswith("p1_1_3")}
    assert scores["expert"] == {"p1_1_3__completed_orders": 2, "p1_1_3__revenue_by_platform": 2}
    assert scores["copier"] == {"p1_1_3__completed_orders": 0, "p1_1_3__revenue_by_platform": 0}


@pytest.mark.slow
def test_cli_simulate(tmp_path, capsys):
    """Does `netmarketing cohort simulate` write the requested levels, and refuse an unknown level?"""
    from netmarketing.cli import main

    out = tmp_path / "submitted"
    args = ["cohort", "simulate", MODULE, "--n", "3", "--levels", "expert,blank", "--out", str(out)]
    assert main([*args, "--course", str(FIXTURE), "--autograder", str(tmp_path / "autograder")]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["sim01", "sim02", "sim03"]
    assert [s.level for s in Cohort.read(out, MODULE).learners] == ["expert", "blank", "expert"]
    assert "sim03" in (out / ".cohort" / "roster.csv").read_text(encoding="utf-8")
    bad = ["cohort", "simulate", MODULE, "--levels", "expert,genius", "--course", str(FIXTURE)]
    assert main(bad) == 2
    assert "未知的程度" in capsys.readouterr().err


@pytest.mark.slow
def test_simulation_from_a_released_copy_equals_a_fresh_release(setting, tmp_path):
    """Given the learner copies just released (as the demo does), is the cohort the same as from a fresh release?"""
    from datetime import UTC, datetime

    ws, _ = setting
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    levels = ("expert", "proficient", "novice", "blank", "tamperer")
    kwargs = {"course_dir": ws.course_dir, "levels": levels, "rng": 7, "timestamp": stamp}
    fresh = simulate_cohort(MODULE, 5, out=tmp_path / "fresh", **kwargs)
    reused = simulate_cohort(
        MODULE, 5, out=tmp_path / "reused", release_dir=ws.release_dir / MODULE, **kwargs
    )
    assert fresh.as_dict()["learners"] == reused.as_dict()["learners"]
    for learner in fresh.learners:
        a = tmp_path / "fresh" / learner.student_id / MODULE / "fixture.ipynb"
        b = tmp_path / "reused" / learner.student_id / MODULE / "fixture.ipynb"
        assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")
    # A release that differs from the source is what the simulation builds on.
    altered = tmp_path / "altered"
    altered.mkdir()
    release = json.loads((ws.release_dir / MODULE / "fixture.ipynb").read_text(encoding="utf-8"))
    release["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# altered release"})
    (altered / "fixture.ipynb").write_text(json.dumps(release), encoding="utf-8")
    simulate_cohort(MODULE, 5, out=tmp_path / "altered-out", release_dir=altered, **kwargs)
    blank = tmp_path / "altered-out" / fresh.by_level("blank")[0].student_id / MODULE / "fixture.ipynb"
    assert "# altered release" in blank.read_text(encoding="utf-8")
