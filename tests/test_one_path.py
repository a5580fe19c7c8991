"""One path, one score: do formgrader's Autograde (the nbgrader API its button calls) and `nbgrader autograde`
give exactly the scores `netmarketing grade` gives, through the same sandboxed pipeline?"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netmarketing.grading.autograde import GradeOptions, grade_module, load_results
from netmarketing.grading.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "hostile", Path(__file__).parent / "fixtures" / "submissions" / "hostile.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)
MODULE, NOTEBOOK = hostile.MODULE, hostile.NOTEBOOK
STUDENTS = ("honest", "copycat")


def _scores(ws: Workspace) -> dict[str, dict[str, float | None]]:
    with ws.gradebook() as gb:
        return {
            s: {g.name: g.auto_score for g in gb.find_submission_notebook(NOTEBOOK, MODULE, s).grades}
            for s in STUDENTS
        }


@pytest.mark.slow
def test_every_autograde_path_gives_the_same_scores(tmp_path, monkeypatch):
    """Does grading through nbgrader (API and command line) reproduce `netmarketing grade`'s scores and flags?"""
    monkeypatch.setenv("NETMARKETING_SCALE", "0.05")
    monkeypatch.setenv("NETMARKETING_EXTRA_CHECKS", hostile.CHECKS)
    hostile.make_course(tmp_path / "course")
    ws = Workspace(tmp_path / "autograder", course_dir=tmp_path / "course")
    ws.root.mkdir()
    (ws.root / "nbgrader_config.py").write_text(
        "from pathlib import Path\nfrom netmarketing.grading.workspace import Workspace\n"
        f"Workspace(Path(__file__).resolve().parent, course_dir={str(tmp_path / 'course')!r}).configure(get_config())\n",
        encoding="utf-8",
    )
    ws.generate(MODULE)
    release = hostile._release(ws.release_dir)
    expert_orders = len(ws.variants().world("honest").tables["orders"])
    for student in STUDENTS:
        nb = hostile._solved(release, student)
        if student == "copycat":
            hostile._answer(nb, "ex3", f"n_orders = {expert_orders}")
            nb["cells"][1]["outputs"][0]["text"] = "學員代號 (learner id)：honest\n"
        folder = ws.submission_dir(student, MODULE)
        folder.mkdir(parents=True)
        (folder / f"{NOTEBOOK}.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    grade_module(ws, MODULE, GradeOptions(jobs=2, progress=False))
    ours = _scores(ws)
    totals = {s: r["score"] for s, r in load_results(ws, MODULE).items()}
    assert ours["honest"]["p1_1_3__orders"] == 2.0 and ours["copycat"]["p1_1_3__orders"] == 0.0

    with ws.gradebook() as gb:  # forget the scores, so the next path has to produce them itself
        for student in STUDENTS:
            for grade in gb.find_submission_notebook(NOTEBOOK, MODULE, student).grades:
                grade.auto_score = None
        gb.db.commit()
    for student in STUDENTS:
        result = ws.api().autograde(MODULE, student, force=True, create=True)  # what formgrader's button runs
        assert result["success"], result.get("log", "")[-2000:]
    assert _scores(ws) == ours
    assert {s: r["score"] for s, r in load_results(ws, MODULE).items()} == totals
    assert "identity_mismatch" in {i["code"] for i in load_results(ws, MODULE)["copycat"]["issues"]}

    with ws.gradebook() as gb:
        for grade in gb.find_submission_notebook(NOTEBOOK, MODULE, "honest").grades:
            grade.auto_score = None
        gb.db.commit()
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", MODULE, "--student", "honest", "--force"],
        cwd=ws.root,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),  # the fixture's checks live in tests/
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert _scores(ws)["honest"] == ours["honest"]
