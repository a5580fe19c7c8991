"""The demo's path end to end on a real nbgrader gradebook: simulated and person-typed manual grades,
`certify.run`, credentials that validate against the vendored OB 3.0 schema, bundles, and `verify`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from test_certify import (  # a sibling test module (pytest puts tests/ on the path)
    MANUAL_POINTS,
    make_evidence,
)

from netmarketing import certify
from netmarketing.certify import badges
from netmarketing.certify.manual import render_record
from netmarketing.certify.rubrics import load_rubrics
from netmarketing.certify.verify import evidence_facts
from netmarketing.cli import main

# nbgrader's add_submission raises this inside its own session handling.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
REPO = Path(__file__).resolve().parents[1]
MODULE = "01_market_analysis"
LEARNERS = ("sim", "person", "plain", "broken")


def _gradebook(db_url: str, evidence: pd.DataFrame, monkeypatch) -> None:
    """Write a gradebook as grading leaves it: every auto item full marks, manual items waiting."""
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Gradebook
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: head)
    with Gradebook(db_url) as gb:
        gb.add_assignment(MODULE, duedate=datetime(2025, 3, 1, 12, 0))
        gb.add_notebook("nb", MODULE)
        for item in evidence.itertuples():
            cell_type = "code" if item.kind == "auto" else "markdown"
            gb.add_grade_cell(item.grade_id, "nb", MODULE, max_score=item.points, cell_type=cell_type)
            if item.kind == "manual":
                gb.add_solution_cell(item.grade_id, "nb", MODULE)
        for learner in LEARNERS:
            gb.add_student(learner)
            late = learner == "plain"
            gb.add_submission(MODULE, learner, timestamp=datetime(2025, 3, 2 if late else 1, 9, 0))
            for item in evidence.itertuples():
                grade = gb.find_grade(item.grade_id, "nb", MODULE, learner)
                if item.kind == "auto":
                    grade.auto_score, grade.needs_manual_grade = item.points, False
                else:
                    grade.needs_manual_grade = True
            gb.db.commit()


def _grade_by_hand(db_url: str, evidence: pd.DataFrame) -> None:
    """A person grades 'person' with rubric records, 'plain' with bare scores, 'broken' with a half-filled record."""
    from nbgrader.api import Gradebook

    rubric = load_rubrics(REPO / "autograder" / "rubrics")["written_analysis"]
    with Gradebook(db_url) as gb:
        for grade_id in evidence.loc[evidence["kind"] == "manual", "grade_id"]:
            for learner in ("person", "plain", "broken"):
                grade = gb.find_grade(grade_id, "nb", MODULE, learner)
                comment = gb.find_comment(grade_id, "nb", MODULE, learner)
                if learner == "person":
                    comment.manual_comment = render_record(
                        rubric,
                        [3, 2, 2, 3],
                        grader="王老師",
                        graded_at="2025-03-05 14:00",
                        comment="分析完整",
                    )
                    grade.manual_score = 0.1  # a slip in the score box: the record decides
                elif learner == "plain":
                    comment.manual_comment, grade.manual_score = "不錯", MANUAL_POINTS
                else:
                    blank = render_record(rubric).split("\n")  # only criterion 1 gets a level
                    comment.manual_comment = "\n".join(
                        f"{ln}2" if ln.startswith("準則 1") else ln for ln in blank
                    )
                grade.needs_manual_grade = learner == "broken"
        gb.db.commit()


def _course(root: Path, evidence: pd.DataFrame) -> Path:
    """A course folder whose one notebook declares the evidence items (indicator, output) as the real ones do."""
    cells = [
        {
            "cell_type": "code" if item.kind == "auto" else "markdown",
            "source": "",
            "metadata": {
                "nbgrader": {
                    "grade": True,
                    "grade_id": item.grade_id,
                    "points": item.points,
                    "solution": item.kind == "manual",
                },
                "netmarketing": {"indicator": item.indicator, "output": item.output},
            },
            **({"outputs": [], "execution_count": None} if item.kind == "auto" else {}),
        }
        for item in evidence.itertuples()
    ]
    (root / "course" / MODULE).mkdir(parents=True)
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "course" / MODULE / "nb.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return root / "course"


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("pipeline")
    autograder = root / "autograder"
    autograder.mkdir()
    db_url = f"sqlite:///{autograder / 'gradebook.db'}"
    evidence = make_evidence(certify.default_framework(), duties=("T1",))
    evidence = evidence[evidence["module"] == MODULE].reset_index(drop=True)  # T1 only, no practice item
    _gradebook(db_url, evidence, monkeypatch)
    course = _course(root, evidence)
    certify.simulate_manual_grades(db_url, {"sim": "expert"}, course_dir=course)  # as the demo does
    _grade_by_hand(db_url, evidence)
    result = certify.run(db_url, course, root / "reports", keys_dir=root / "keys")
    yield {"result": result, "root": root, "evidence": evidence, "db_url": db_url, "course": course}
    monkeypatch.undo()


def _credential(demo_like, learner: str, code: str = "T1") -> dict:
    path = demo_like["result"].out_dir / "credentials" / learner / f"{code}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _manual(demo_like, learner: str) -> pd.DataFrame:
    path = demo_like["result"].out_dir / "bundles" / learner / "manual_grades.csv"
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.slow
def test_every_credential_validates_against_the_vendored_ob3_schema(demo_like):
    """Does every credential the demo's path writes conform to 1EdTech's OB 3.0 JSON Schema (and verify)?"""
    paths = demo_like["result"].credential_paths
    assert {p.parent.name for p in paths} == {"sim", "person", "plain"}  # 'broken' is pending: none
    for path in paths:
        credential = json.loads(path.read_text(encoding="utf-8"))
        assert badges.schema_errors(credential) == [], path
    keys = str(demo_like["root"] / "keys")
    assert main(["verify", str(paths[0]), "--trust", keys, "--strict"]) == 0


@pytest.mark.slow
def test_a_simulated_manual_grade_is_a_field_of_the_evidence(demo_like):
    """Does the simulated learner's credential say, as fields, that its manual grades were simulated, and others not?"""
    facts = evidence_facts(_credential(demo_like, "sim"))
    assert facts["anySimulatedGrade"] is True
    manual = [item for item in facts["items"] if item["kind"] == "manual"]
    assert manual and all(item["simulated"] for item in manual)
    assert all(not item["simulated"] for item in facts["items"] if item["kind"] == "auto")
    assert all(item["score"] == MANUAL_POINTS for item in manual)  # an "expert" gets rubric level 3
    person = evidence_facts(_credential(demo_like, "person"))
    assert person["anySimulatedGrade"] is False
    assert not any(item["simulated"] for item in person["items"])


@pytest.mark.slow
def test_evidence_names_the_policy_modules_and_items(demo_like):
    """Does a credential's evidence give the policy version and hash, the modules and every item id it rests on?"""
    facts = evidence_facts(_credential(demo_like, "person"))
    policy = certify.load_policy()
    assert (facts["policyVersion"], facts["policyRevision"], facts["policySha256"]) == (
        policy.version,
        policy.revision,
        policy.sha256,
    )
    assert facts["modules"] == [MODULE]
    assert {i["gradeId"] for i in facts["items"]} == set(demo_like["evidence"]["grade_id"])


@pytest.mark.slow
def test_rubric_records_decide_manual_scores_with_grader_and_time(demo_like):
    """Is a typed record scored through the rubric with its grader and time, and a plain score stamped when first seen?"""
    rubric = load_rubrics(REPO / "autograder" / "rubrics")["written_analysis"]
    person = _manual(demo_like, "person")
    expected = round(MANUAL_POINTS * sum(rubric.level(n).fraction for n in (3, 2, 2, 3)) / 4, 2)
    assert set(person["score"]) == {expected}
    assert set(person["gradebook_score"]) == {0.1}
    assert set(person["grader"]) == {"王老師"} and set(person["criterion_levels"]) == {"3,2,2,3"}
    assert set(person["graded_at"]) == {"2025-03-05T14:00:00+08:00"}
    sim = _manual(demo_like, "sim")
    assert set(sim["simulated"]) == {True}
    # Each cell's own rubric (4 or 5 criteria), every criterion at the "expert" level 3.
    assert {frozenset(levels.split(",")) for levels in sim["criterion_levels"]} == {frozenset({"3"})}
    assert set(sim["rubric_id"]) > {"written_analysis"}
    assert set(sim["grader"]) == {"模擬評分程式 (simulator)"}
    plain = _manual(demo_like, "plain")
    assert set(plain["graded_at_source"]) == {"first_seen"} and set(plain["grader"]) == {
        "未記錄 (unrecorded)"
    }
    log = demo_like["root"] / "autograder" / "results" / "manual_grades.csv"
    assert len(pd.read_csv(log)) == 3 * len(person)  # broken records are not logged as grades


@pytest.mark.slow
def test_a_half_filled_record_keeps_the_learner_pending(demo_like):
    """Is the learner whose record lacks levels pending, with the missing criteria named, and issued nothing?"""
    summary = demo_like["result"].summary.set_index("learner")
    assert summary.loc["broken", "T1"] == certify.PENDING
    assert summary.loc["broken", "credentials"] == ""
    reasons = demo_like["result"].decisions.reasons
    texts = " ".join(reasons.loc[(reasons["learner"] == "broken") & (reasons["kind"] == "ungraded"), "text"])
    assert "準則 2、3、4 尚未給等級" in texts


@pytest.mark.slow
def test_late_submission_is_flagged_where_a_deadline_exists(demo_like):
    """Does the bundle's module table mark the submission after the deadline as late, and the others not?"""
    late = {}
    for learner in LEARNERS:
        path = demo_like["result"].out_dir / "bundles" / learner / "modules.csv"
        modules = pd.read_csv(path, encoding="utf-8-sig").set_index("module")
        late[learner] = bool(modules.loc[MODULE, "late"])
        assert modules.loc[MODULE, "due"].startswith("2025-03-01T12:00")
    assert late == {"sim": False, "person": False, "plain": True, "broken": False}


@pytest.mark.slow
def test_bundles_of_the_run_verify(demo_like):
    """Does every bundle of the run pass `verify --bundle` with the course's keys as the trust list?"""
    keys = str(demo_like["root"] / "keys")
    for bundle in demo_like["result"].bundle_paths:
        assert main(["verify", "--bundle", str(bundle), "--trust", keys]) == 0


@pytest.mark.slow
def test_rerun_withdraws_a_credential_that_no_longer_holds(demo_like, tmp_path):
    """When a grade drops on a re-run, is the earlier credential revoked in the list, not only deleted?"""
    from nbgrader.api import Gradebook

    first = demo_like["result"].out_dir / "credentials" / "plain" / "T1.json"
    kept = tmp_path / "plain_T1.json"
    kept.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    with Gradebook(demo_like["db_url"]) as gb:
        for grade_id in demo_like["evidence"].loc[demo_like["evidence"]["kind"] == "manual", "grade_id"]:
            gb.find_grade(grade_id, "nb", MODULE, "plain").manual_score = 0.0
        gb.db.commit()
    root = demo_like["root"]
    again = certify.run(demo_like["db_url"], demo_like["course"], root / "reports", keys_dir=root / "keys")
    assert kept.read_text(encoding="utf-8") and not first.exists()
    assert len(again.withdrawn) == 1
    code = main(["verify", str(kept), "--trust", str(root / "keys"), "--status", str(again.status_list)])
    assert code == 1
