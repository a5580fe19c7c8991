"""Tests of the certify room: roll-up, policy decisions, rubrics, reports, pipeline and credentials issued."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netmarketing import certify
from netmarketing.certify.badges import verify_file
from netmarketing.certify.policy import (
    ACHIEVED,
    MET,
    NOT_MET,
    NOT_YET,
    PENDING,
    Policy,
    PolicyError,
    parse_policy,
)
from netmarketing.certify.report import item_statistics
from netmarketing.certify.rubrics import RubricError, load_rubrics, parse_rubric, points_for_level

REPO = Path(__file__).resolve().parents[1]
MODULE_OF_DUTY = {"T1": "01_market_analysis", "T2": "02_strategy", "T3": "03_performance"}
AUTO_POINTS, MANUAL_POINTS = 2.0, 3.0


@pytest.fixture(scope="module")
def framework() -> certify.Framework:
    return certify.default_framework()


def make_evidence(framework: certify.Framework, duties=("T1", "T2", "T3")) -> pd.DataFrame:
    """Two items per indicator: an auto item and a manual item that is part of the task's work output."""
    outputs_of_task = framework.outputs.groupby("task")["code"].apply(list).to_dict()
    rows = []
    for ind in framework.indicators.itertuples():
        if ind.duty not in duties:
            continue
        slug = ind.code.lower().replace(".", "_")
        outs = outputs_of_task.get(ind.task, [])
        # P3.1.3 is the sales report; the other T3.1 indicators feed the traffic report.
        output = ("O3.1.2" if ind.code == "P3.1.3" else outs[0]) if outs else None
        module = MODULE_OF_DUTY[ind.duty]
        rows.append(
            dict(
                module=module,
                notebook="nb",
                grade_id=f"{slug}__auto",
                indicator=ind.code,
                output=None,
                points=AUTO_POINTS,
                kind="auto",
            )
        )
        rows.append(
            dict(
                module=module,
                notebook="nb",
                grade_id=f"{slug}__manual",
                indicator=ind.code,
                output=output,
                points=MANUAL_POINTS,
                kind="manual",
            )
        )
    rows.append(
        dict(
            module="00_orientation",
            notebook="nb",
            grade_id="practice__first",
            indicator="practice",
            output=None,
            points=5.0,
            kind="auto",
        )
    )
    return pd.DataFrame(rows)


def make_grades(evidence: pd.DataFrame, fractions: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Grades table: fractions[learner][grade_id or indicator or "*"] -> score fraction (NaN = ungraded)."""
    rows = []
    for learner, spec in fractions.items():
        for item in evidence.itertuples():
            frac = spec.get(item.grade_id, spec.get(item.indicator, spec.get("*", 1.0)))
            if frac is None:  # None: this module was not submitted
                continue
            rows.append(
                dict(
                    learner=learner,
                    module=item.module,
                    grade_id=item.grade_id,
                    score=frac * item.points,
                    max_score=item.points,
                )
            )
    return pd.DataFrame(rows)


def decide_for(framework, evidence, fractions, policy=None, flags=None):
    records = certify.records_from_frame(make_grades(evidence, fractions))
    scores = certify.competency_scores(records, certify.evidence_frame(evidence, records), framework)
    return scores, certify.decide(scores, framework, policy, flags=flags)


def decision_of(decisions, learner="a") -> str:
    return decisions.summary.set_index("learner").loc[learner, "decision"]


# --- roll-up ---------------------------------------------------------------------------------


@pytest.mark.rules
def test_rollup_weights_items_by_points(framework):
    """Does a 1-point item at 100% and a 4-point item at 0% make the indicator 20%, not 50%?"""
    evidence = pd.DataFrame(
        [
            dict(
                module="m",
                notebook="nb",
                grade_id="p1_1_1__small",
                indicator="P1.1.1",
                output=None,
                points=1.0,
                kind="auto",
            ),
            dict(
                module="m",
                notebook="nb",
                grade_id="p1_1_1__big",
                indicator="P1.1.1",
                output=None,
                points=4.0,
                kind="auto",
            ),
            dict(
                module="m",
                notebook="nb",
                grade_id="p1_1_2__x",
                indicator="P1.1.2",
                output=None,
                points=3.0,
                kind="auto",
            ),
        ]
    )
    grades = pd.DataFrame(
        [
            dict(learner="a", module="m", grade_id="p1_1_1__small", score=1.0, max_score=1.0),
            dict(learner="a", module="m", grade_id="p1_1_1__big", score=0.0, max_score=4.0),
            dict(learner="a", module="m", grade_id="p1_1_2__x", score=3.0, max_score=3.0),
        ]
    )
    records = certify.records_from_frame(grades)
    scores = certify.competency_scores(records, certify.evidence_frame(evidence, records), framework)
    ind = scores.indicators.set_index("code")["percent"]
    assert ind["P1.1.1"] == pytest.approx(100 * 1 / 5)
    # Task T1.1 pools the points of its items: (1 + 0 + 3) / (1 + 4 + 3), not the mean of indicators.
    task = scores.tasks.set_index("code")["percent"]
    assert task["T1.1"] == pytest.approx(100 * 4 / 8)
    assert task["T1.1"] != pytest.approx((ind["P1.1.1"] + ind["P1.1.2"]) / 2)


@pytest.mark.rules
def test_practice_items_never_count(framework):
    """Does a zero on a practice item leave every score and the decision untouched?"""
    evidence = make_evidence(framework)
    scores, decisions = decide_for(framework, evidence, {"a": {"practice": 0.0, "*": 1.0}})
    assert "practice" not in set(scores.items["indicator"])
    assert decision_of(decisions) == ACHIEVED


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # raised inside nbgrader's add_submission
def test_scores_from_a_gradebook(tmp_path, framework, monkeypatch):
    """Does a real nbgrader gradebook give the same roll-up, with an ungraded manual cell pending?"""
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Gradebook
    from nbgrader.dbutil import ALEMBIC_DIR

    # nbgrader stamps a new gradebook by running the `alembic` command in a subprocess (slow, and it
    # needs the venv on PATH); the same head revision comes from alembic's Python API in-process.
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: head)
    # T1.1 only: nbgrader commits every added cell, so a small gradebook keeps the test quick.
    evidence = make_evidence(framework, duties=("T1",))
    evidence = evidence[evidence["indicator"].str.startswith("P1.1")]
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        gb.add_assignment("01_market_analysis")
        gb.add_notebook("nb", "01_market_analysis")
        for item in evidence.itertuples():
            cell_type = "code" if item.kind == "auto" else "markdown"
            gb.add_grade_cell(
                item.grade_id, "nb", "01_market_analysis", max_score=item.points, cell_type=cell_type
            )
            if item.kind == "manual":
                gb.add_solution_cell(item.grade_id, "nb", "01_market_analysis")
        for learner in ("done", "waiting", "absent"):
            gb.add_student(learner)
        for learner in ("done", "waiting"):
            gb.add_submission("01_market_analysis", learner)
            for item in evidence.itertuples():
                grade = gb.find_grade(item.grade_id, "nb", "01_market_analysis", learner)
                if item.kind == "auto":
                    grade.auto_score = item.points
                    grade.needs_manual_grade = False
                elif learner == "done":
                    grade.manual_score = item.points * 0.5
                    grade.needs_manual_grade = False
            gb.db.commit()
    records = certify.load_gradebook(db_url)
    assert records.learners == ["absent", "done", "waiting"]
    scores = certify.competency_scores(records, certify.evidence_frame(evidence, records), framework)
    status = scores.items.groupby("learner")["status"].agg(lambda s: sorted(set(s)))
    assert status["done"] == ["graded"]
    assert status["waiting"] == ["graded", "ungraded"]
    assert status["absent"] == ["missing"]
    t1 = scores.tasks.set_index(["learner", "code"]).loc[("done", "T1.1"), "percent"]
    expected = 100 * (AUTO_POINTS + 0.5 * MANUAL_POINTS) / (AUTO_POINTS + MANUAL_POINTS)
    assert t1 == pytest.approx(expected)
    # Without an evidence map the gradebook's own cells (indicator from the grade id) give the same items.
    from_gb = certify.evidence_frame(None, records)
    assert set(from_gb["indicator"]) == {c for c in framework.indicator_codes if c.startswith("P1.1")}
    assert dict(zip(from_gb["grade_id"], from_gb["kind"], strict=True)) == dict(
        zip(evidence["grade_id"], evidence["kind"], strict=True)
    )

    # Simulated manual grades fill only what is waiting, through the rubric, and are marked as simulated.
    given = certify.simulate_manual_grades(db_url, {"waiting": "proficient", "done": 3})
    assert set(given["learner"]) == {"waiting"}  # "done" was graded by a person already
    rubric = load_rubrics(REPO / "autograder" / "rubrics")["written_analysis"]
    after = certify.load_gradebook(db_url).grades.set_index(["learner", "grade_id"])
    manual_ids = list(evidence.loc[evidence["kind"] == "manual", "grade_id"])
    for grade_id in manual_ids:
        assert after.loc[("waiting", grade_id), "score"] == pytest.approx(
            MANUAL_POINTS * rubric.level(2).fraction
        )
        assert after.loc[("waiting", grade_id), "simulated"]
        assert not after.loc[("done", grade_id), "simulated"]
        assert after.loc[("done", grade_id), "score"] == pytest.approx(MANUAL_POINTS * 0.5)


# --- policy: the three outcomes ---------------------------------------------------------------


@pytest.mark.rules
def test_full_evidence_above_thresholds_is_achieved(framework):
    """Is a learner with every item graded at 80% achieved, with every duty met?"""
    _, decisions = decide_for(framework, make_evidence(framework), {"a": {"*": 0.8}})
    row = decisions.summary.set_index("learner").loc["a"]
    assert row["decision"] == ACHIEVED
    assert [row[d] for d in framework.duty_codes] == [MET] * 3


@pytest.mark.rules
def test_one_weak_indicator_is_not_yet(framework):
    """Does one indicator at 50% make the learner not_yet and only its duty not met?"""
    _, decisions = decide_for(framework, make_evidence(framework), {"a": {"*": 1.0, "P2.2.1": 0.5}})
    row = decisions.summary.set_index("learner").loc["a"]
    assert row["decision"] == NOT_YET
    assert (row["T1"], row["T2"], row["T3"]) == (MET, NOT_MET, MET)
    below = decisions.reasons[decisions.reasons["kind"] == "below_threshold"]
    assert "P2.2.1" in set(below["code"])


@pytest.mark.rules
def test_ungraded_manual_item_is_pending_even_when_failing_elsewhere(framework):
    """Is a learner with one ungraded manual item pending, never not_yet, even with a failing indicator?"""
    _, decisions = decide_for(
        framework, make_evidence(framework), {"a": {"*": 1.0, "p1_2_1__manual": np.nan, "P3.1.1": 0.1}}
    )
    assert decision_of(decisions) == PENDING
    reasons = decisions.reasons[decisions.reasons["learner"] == "a"]
    assert "p1_2_1__manual" in set(reasons.loc[reasons["kind"] == "ungraded", "code"])
    # The duty with the ungraded item is pending, the failing one not met, the rest met.
    row = decisions.summary.set_index("learner").loc["a"]
    assert (row["T1"], row["T2"], row["T3"]) == (PENDING, MET, NOT_MET)


@pytest.mark.rules
def test_missing_module_is_pending_and_names_it(framework):
    """While module 03 does not exist, is level 4 pending with T3's indicators named, and T1, T2 still met?"""
    evidence = make_evidence(framework, duties=("T1", "T2"))
    _, decisions = decide_for(framework, evidence, {"a": {"*": 1.0}})
    row = decisions.summary.set_index("learner").loc["a"]
    assert row["decision"] == PENDING
    assert (row["T1"], row["T2"], row["T3"]) == (MET, MET, PENDING)
    text = " ".join(decisions.reasons.loc[decisions.reasons["kind"] == "no_evidence", "text"])
    for code in framework.indicators_of_duty("T3"):
        assert code in text


@pytest.mark.rules
def test_missing_submission_is_pending(framework):
    """Is a learner who never submitted module 02 pending, with that module named?"""
    evidence = make_evidence(framework)
    fractions = {"a": {"*": 1.0, **{c: None for c in framework.indicators_of_duty("T2")}}}
    _, decisions = decide_for(framework, evidence, fractions)
    assert decision_of(decisions) == PENDING
    missing = decisions.reasons[decisions.reasons["kind"] == "missing_submission"]
    assert set(missing["code"]) == {"02_strategy"}


@pytest.mark.rules
def test_integrity_flag_blocks_unless_policy_ignores_it(framework):
    """Does an integrity flag make a perfect learner pending, and not when the policy says ignore?"""
    flags = pd.DataFrame([{"learner": "a", "module": "01_market_analysis", "reason": "測試儲存格被修改"}])
    evidence = make_evidence(framework)
    _, flagged = decide_for(framework, evidence, {"a": {"*": 1.0}}, flags=flags)
    assert decision_of(flagged) == PENDING
    _, ignored = decide_for(framework, evidence, {"a": {"*": 1.0}}, Policy(integrity_flags="ignore"), flags)
    assert decision_of(ignored) == ACHIEVED


@pytest.mark.rules
@pytest.mark.parametrize(
    ("fraction_manual", "expected"),
    [(1 / 3, MET), (0.32, NOT_MET)],
)
def test_indicator_threshold_boundary(framework, fraction_manual, expected):
    """Is an indicator at exactly 60% overall met and one just below not met (the parts' own bars set aside)?"""
    # auto 2/2 + manual 3 x f: f = 1/3 gives (2 + 1) / 5 = 60% exactly.
    evidence = make_evidence(framework)
    policy = Policy(indicator_judgement_min=0.0)
    _, decisions = decide_for(
        framework, evidence, {"a": {"*": 1.0, "p1_1_1__manual": fraction_manual}}, policy
    )
    ind = decisions.indicators.set_index(["learner", "code"]).loc[("a", "P1.1.1")]
    assert ind["status"] == expected


@pytest.mark.rules
@pytest.mark.parametrize(("duty_min", "expected"), [(70.0, ACHIEVED), (70.5, NOT_YET)])
def test_duty_threshold_boundary(framework, duty_min, expected):
    """Is a learner with every item at 70% achieved under a 70% duty threshold and not under 70.5%?"""
    _, decisions = decide_for(
        framework, make_evidence(framework), {"a": {"*": 0.7}}, Policy(duty_min=duty_min)
    )
    assert decision_of(decisions) == expected


@pytest.mark.rules
def test_weak_work_output_alone_is_not_yet(framework):
    """Does a work output below 60% fail the learner even when its indicators pass?"""
    # Manual items of P1.2.x carry O1.2.1; put them at 40% and lift the auto items so indicators still pass.
    policy = Policy(indicator_min=50, indicator_judgement_min=30, output_min=60)
    fractions = {"a": {"*": 1.0, **{f"p1_2_{i}__manual": 0.4 for i in range(1, 5)}}}
    _, decisions = decide_for(framework, make_evidence(framework), fractions, policy)
    outputs = decisions.outputs.set_index(["learner", "code"])
    assert outputs.loc[("a", "O1.2.1"), "status"] == NOT_MET
    assert (
        decisions.indicators.loc[decisions.indicators["code"].str.startswith("P1.2"), "status"] == MET
    ).all()
    assert decision_of(decisions) == NOT_YET


# --- policy file -------------------------------------------------------------------------------


@pytest.mark.rules
def test_shipped_policy_has_the_default_thresholds():
    """Does autograder/certification.yaml load with 60 / 70 / 60?"""
    policy = certify.load_policy(REPO / "autograder" / "certification.yaml")
    assert (policy.indicator_min, policy.duty_min, policy.output_min) == (60, 70, 60)
    assert policy.integrity_flags == "pending"


GOOD = "version: 1\nlevel: 4\nthresholds:\n  indicator: 60\n  duty: 70\n  output: 60\n"


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        (GOOD + "thresold_typo: 3\n", "thresold_typo"),
        (GOOD.replace("duty: 70", "duty: 170"), "duty"),
        (GOOD.replace("output: 60", "output: sixty"), "output"),
        (GOOD.replace("  duty: 70", "  dutty: 70"), "dutty"),
        (GOOD + "indicator_thresholds:\n  P9.9: 50\n", "P9.9"),
        (GOOD + "integrity_flags: maybe\n", "integrity_flags"),
        (GOOD.replace("level: 4", "level: 3"), "level"),
        (GOOD + "framework: KMC2431-999v9\n", "framework"),
        (GOOD + "issuer:\n  name: x\n  url: http://insecure\n", "url"),
        (GOOD + "thresholds:\n  indicator: 50\n", "thresholds:\n  indicator: 50"),
    ],
)
def test_malformed_policy_names_the_line(text, culprit):
    """Does each kind of mistake in the policy file give an error naming the line of the offending key?"""
    line = text[: text.rindex(culprit)].count("\n") + 1
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "certification.yaml")
    assert f"第 {line} 行" in str(err.value)
    assert f"line {line}" in str(err.value)


def test_policy_yaml_syntax_error_names_the_line():
    """Does broken YAML syntax give an error naming a line near the break?"""
    text = GOOD + "indicator_thresholds: {P1.1.1: 70\n"
    with pytest.raises(PolicyError, match=r"第 \d+ 行"):
        parse_policy(text)


def test_missing_policy_file_is_a_clear_error(tmp_path):
    """Is a policy path that does not exist reported, not silently replaced by defaults?"""
    with pytest.raises(PolicyError, match="找不到"):
        certify.load_policy(tmp_path / "nope.yaml")


@pytest.mark.rules
def test_policy_overrides_apply(framework):
    """Does a per-indicator threshold of 90% fail a learner at 80% who would otherwise pass?"""
    policy = parse_policy(GOOD + "indicator_thresholds:\n  P3.2.2: 90\n")
    _, decisions = decide_for(framework, make_evidence(framework), {"a": {"*": 0.8}}, policy)
    assert decision_of(decisions) == NOT_YET
    below = decisions.reasons[decisions.reasons["kind"] == "below_threshold"]
    assert set(below["code"]) >= {"P3.2.2"}


# --- rubrics -------------------------------------------------------------------------------------

RUBRIC_KINDS = {
    "written_analysis": None,
    "swot_strategy": None,
    "analysis_report_o121": "O1.2.1",
    "annual_plan_o211": "O2.1.1",
    "traffic_report_o311": "O3.1.1",
    "sales_report_o312": "O3.1.2",
    "market_report_o321": "O3.2.1",
    "presentation_p322": None,
}


def test_shipped_rubrics_cover_every_manual_kind(framework):
    """Is there a valid rubric for each manual item kind, with levels 0-3 described and known codes?"""
    rubrics = load_rubrics(REPO / "autograder" / "rubrics")
    assert set(RUBRIC_KINDS) <= set(rubrics)
    for rubric_id, output in RUBRIC_KINDS.items():
        rubric = rubrics[rubric_id]
        assert rubric.output == output
        assert [lv.level for lv in rubric.levels] == [0, 1, 2, 3]
        assert len({lv.description for lv in rubric.levels}) == 4
        assert set(rubric.indicators) <= set(framework.indicator_codes)
        assert re.search(r"[\u4e00-\u9fff]", rubric.levels[2].description)
    # Every work output of the standard has its report rubric.
    assert set(framework.outputs["code"]) <= {r.output for r in rubrics.values()}


@pytest.mark.rules
def test_rubric_level_two_passes_and_level_one_fails():
    """Does "proficient" (level 2) reach the 60% indicator threshold and "partial" (level 1) not?"""
    rubric = load_rubrics(REPO / "autograder" / "rubrics")["analysis_report_o121"]
    assert points_for_level(rubric, 2, 10) >= 6
    assert points_for_level(rubric, 1, 10) < 6
    assert points_for_level(rubric, 3, 10) == 10


def test_broken_rubric_is_rejected(tmp_path):
    """Is a rubric without a level 2, or with falling fractions, refused with its file named?"""
    import yaml

    source = REPO / "autograder" / "rubrics" / "written_analysis.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    path = tmp_path / "written_analysis.yaml"
    no_level = {**data, "levels": {k: v for k, v in data["levels"].items() if k != 2}}
    with pytest.raises(RubricError, match="written_analysis"):
        parse_rubric(no_level, path)
    falling = {**data, "levels": {**data["levels"], 2: {**data["levels"][2], "fraction": 0.3}}}
    with pytest.raises(RubricError, match="fraction"):
        parse_rubric(falling, path)


def test_cell_rubric_lookup():
    """Does a cell's metadata rubric win, an output fall back to its report rubric, and a typo fail?"""
    rubrics = load_rubrics(REPO / "autograder" / "rubrics")
    assert (
        certify.rubric_for_cell({"rubric": "swot_strategy", "output": "O1.2.1"}, rubrics).id
        == "swot_strategy"
    )
    assert certify.rubric_for_cell({"output": "O2.1.1"}, rubrics).id == "annual_plan_o211"
    with pytest.raises(RubricError):
        certify.rubric_for_cell({"rubric": "no_such_rubric"}, rubrics)


def test_every_rubric_the_course_names_exists():
    """Does every manually graded cell of the course name a rubric that exists in autograder/rubrics/?"""
    from netmarketing.certify.rubrics import rubric_references

    rubrics = load_rubrics(REPO / "autograder" / "rubrics")
    refs = rubric_references(REPO / "course", rubrics)  # raises on an unknown rubric id
    assert set(refs.values()) <= set(rubrics)


@pytest.mark.rules
def test_flags_from_grading_results(tmp_path):
    """Are flagged and errored submissions in the grading results read as flags, and graded ones not?"""
    from netmarketing.certify.scores import flags_from_results

    results = {
        "module": "01_market_analysis",
        "submissions": {
            "tamperer": {"status": "flagged", "reason_zh": "測試儲存格被修改"},
            "broken": {"status": "error", "reason_zh": "評分程式內部錯誤"},
            "crasher": {"status": "crashed", "reason_zh": "核心當機"},
            "fine": {"status": "graded", "reason_zh": "已完成評分"},
        },
    }
    (tmp_path / "01_market_analysis.json").write_text(
        json.dumps(results, ensure_ascii=False), encoding="utf-8"
    )
    flags = flags_from_results(tmp_path)
    assert sorted(flags["learner"]) == ["broken", "tamperer"]
    assert set(flags["module"]) == {"01_market_analysis"}
    assert flags_from_results(tmp_path / "absent").empty


# --- item statistics ------------------------------------------------------------------------------


def test_item_difficulty_and_discrimination(framework):
    """Is difficulty the mean fraction, and does an item that only strong learners get discriminate?"""
    evidence = make_evidence(framework, duties=("T1",))
    ability = {"l1": 0.2, "l2": 0.4, "l3": 0.6, "l4": 0.8, "l5": 1.0}
    fractions = {
        name: {"*": level, "p1_1_1__auto": float(level >= 0.6), "p1_1_2__auto": 0.5}
        for name, level in ability.items()
    }
    scores, _ = decide_for(framework, evidence, fractions)
    stats = item_statistics(scores).set_index("grade_id")
    assert stats.loc["p1_1_1__auto", "difficulty"] == pytest.approx(3 / 5)
    assert stats.loc["p1_1_1__auto", "discrimination"] > 0.7
    assert np.isnan(stats.loc["p1_1_2__auto", "discrimination"])  # everyone scored the same
    assert "太難" not in stats.loc["p1_1_1__auto", "review"]


def test_items_awaiting_grades_are_pending_never_too_hard(framework):
    """Is an item some learners still wait on flagged pending (not too hard), even when the graded ones scored 0?"""
    evidence = make_evidence(framework, duties=("T1",))
    waiting = {f"l{i}": {"*": 0.5 + 0.1 * i, "p1_1_1__manual": 0.0 if i < 2 else np.nan} for i in range(5)}
    scores, _ = decide_for(framework, evidence, waiting)
    row = item_statistics(scores).set_index("grade_id").loc["p1_1_1__manual"]
    assert (row["flags"], row["n_pending"]) == ("pending", 3)
    assert "太難" not in row["review"] and "3 位學員" in row["review"] and "人工評分" in row["review"]
    graded = {name: {**spec, "p1_1_1__manual": 0.0} for name, spec in waiting.items()}
    scores, _ = decide_for(framework, evidence, graded)
    assert item_statistics(scores).set_index("grade_id").loc["p1_1_1__manual", "flags"] == "too_hard"


@pytest.mark.parametrize(
    ("item_fraction", "flag", "why"),
    [
        (lambda ability: 0.1, "too_hard", "太難：平均得分比例 0.10，低於 0.2"),
        (lambda ability: 1.0, "too_easy", "太容易：平均得分比例 1.00，高於 0.95"),
        (lambda ability: 1.2 - ability, "low_discrimination", "鑑別度低：-1.00"),
    ],
)
def test_each_flag_says_why(framework, item_fraction, flag, why):
    """Does an item that is too hard, too easy or that ranks learners backwards carry that flag and the figure?"""
    evidence = make_evidence(framework, duties=("T1",))
    ability = {"l1": 0.2, "l2": 0.4, "l3": 0.6, "l4": 0.8, "l5": 1.0}
    fractions = {n: {"*": a, "p1_1_2__auto": min(1.0, item_fraction(a))} for n, a in ability.items()}
    scores, _ = decide_for(framework, evidence, fractions)
    row = item_statistics(scores).set_index("grade_id").loc["p1_1_2__auto"]
    assert flag in row["flags"].split(",")
    assert why in row["review"]


# --- pipeline: reports, CSV, credentials ----------------------------------------------------------


@pytest.fixture(scope="module")
def cohort_run(tmp_path_factory, framework):
    out = tmp_path_factory.mktemp("reports")
    evidence = make_evidence(framework)
    fractions = {
        "expert": {"*": 1.0},
        "t1only": {"*": 0.3, **{c: 0.9 for c in framework.indicators_of_duty("T1")}},
        "waiting": {"*": 1.0, "p2_1_1__manual": np.nan},
        "novice": {"*": 0.2},
    }
    records = certify.records_from_frame(make_grades(evidence, fractions))
    result = certify.certify(
        records, out, evidence=evidence, framework=framework, keys_dir=out / "keys", simulated_manual=True
    )
    return result


def test_pipeline_summary_has_every_learner_and_decision(cohort_run):
    """Does the summary give the expected decision for each kind of learner and a report path that exists?"""
    summary = cohort_run.summary.set_index("learner")
    assert summary.loc["expert", "decision"] == ACHIEVED
    assert summary.loc["t1only", "decision"] == NOT_YET
    assert summary.loc["waiting", "decision"] == PENDING
    assert summary.loc["novice", "decision"] == NOT_YET
    for path in summary["report"]:
        assert Path(path).is_file()
    decisions_csv = pd.read_csv(cohort_run.out_dir / "decisions.csv", encoding="utf-8-sig")
    assert (
        dict(zip(decisions_csv["learner"], decisions_csv["decision"], strict=True))
        == summary["decision"].to_dict()
    )
    heat = pd.read_csv(cohort_run.out_dir / "indicator_scores.csv", encoding="utf-8-sig", index_col=0)
    assert heat.shape == (4, 17)


def test_duty_credentials_only_for_duties_met(cohort_run, framework):
    """Does each learner get exactly the duty credentials whose duty meets the policy, and level 4 only when achieved?"""
    issued = {
        learner: sorted(p.stem for p in (cohort_run.out_dir / "credentials" / learner).glob("*.json"))
        for learner in cohort_run.summary["learner"]
    }
    full = f"KMC2431-008v1-level{4}"
    assert issued["expert"] == sorted(["T1", "T2", "T3", full])
    assert issued["t1only"] == ["T1"]
    assert issued["waiting"] == ["T1", "T3"]  # T2 holds the ungraded item
    assert issued["novice"] == []
    t1 = verify_file(cohort_run.out_dir / "credentials" / "t1only" / "T1.json")
    aligned = [a["targetCode"] for a in t1["credentialSubject"]["achievement"]["alignment"]]
    assert aligned == framework.indicators_of_duty("T1")
    full_cred = verify_file(cohort_run.out_dir / "credentials" / "expert" / f"{full}.json")
    assert len(full_cred["credentialSubject"]["achievement"]["alignment"]) == 17


def test_learner_report_shows_indicators_decision_and_simulation(cohort_run, framework):
    """Does the learner report list all 17 indicators, the decision, the thresholds, and mark simulated grades?"""
    html = Path(cohort_run.summary.set_index("learner").loc["waiting", "report"]).read_text(encoding="utf-8")
    for code in framework.indicator_codes:
        assert code in html
    assert "待定" in html and "p2_1_1__manual" in html
    assert "≥ 60%" in html and "≥ 70%" in html
    assert "模擬" in html
    assert "<svg" in html


def test_next_steps_name_missing_modules_and_weak_indicators(framework):
    """Do the next steps point a learner at the weak indicator and at modules still missing, never say all is done?"""
    from netmarketing.certify.report import next_steps

    evidence = make_evidence(framework, duties=("T1", "T2"))
    scores, decisions = decide_for(framework, evidence, {"a": {"*": 1.0, "P1.2.4": 0.2}})
    steps = " ".join(next_steps("a", scores, decisions, framework))
    assert "P1.2.4" in steps and "T3" in steps
    assert "所有證據完整且達標" not in steps


def test_cohort_dashboard_has_heatmap_and_item_table(cohort_run):
    """Does the cohort dashboard show decisions, a heat map and every item's statistics?"""
    html = cohort_run.cohort_report.read_text(encoding="utf-8")
    assert html.count("<svg") == 1
    for learner in cohort_run.summary["learner"]:
        assert learner in html
    stats = pd.read_csv(cohort_run.out_dir / "item_stats.csv", encoding="utf-8-sig")
    assert len(stats) == 34 and {"difficulty", "discrimination", "flags", "review"} <= set(stats.columns)


def test_cohort_dashboard_names_why_items_are_flagged(cohort_run, page):
    """In a browser, does the item table say why each item is flagged, the waiting one pending, with advice below?"""
    from netmarketing.certify.report import ITEM_FLAGS

    page.goto(cohort_run.cohort_report.resolve().as_uri())
    assert page.get_by_role("heading", name="題目分析 (item analysis)").is_visible()
    table = page.locator("table", has=page.locator("caption", has_text="各評分項目"))
    waiting = table.locator("tr", has=page.locator("th", has_text="p2_1_1__manual"))
    assert "待評分：尚有 1 位學員" in waiting.inner_text()
    assert "太難" not in waiting.inner_text()
    flagged = table.locator("tr.flagged")
    assert flagged.count() > 0
    stats = pd.read_csv(cohort_run.out_dir / "item_stats.csv", encoding="utf-8-sig", keep_default_na=False)
    first_flagged = stats.loc[stats["flags"] != ""].iloc[0]
    assert first_flagged["review"] in table.inner_text()
    advice = page.locator("dl.flags dt")
    assert advice.count() == len(ITEM_FLAGS)
    for name, _action in ITEM_FLAGS.values():
        assert page.locator("dl.flags").get_by_text(name, exact=False).first.is_visible()
    assert page.locator("th[scope=col]").count() > 10  # header cells tell a screen reader what each column is


@pytest.mark.rules
def test_rerun_removes_credentials_that_no_longer_hold(tmp_path, framework):
    """After a grade is corrected downwards, does a second run withdraw the old duty credential file?"""
    evidence = make_evidence(framework)
    keys = tmp_path / "keys"
    first = certify.records_from_frame(make_grades(evidence, {"a": {"*": 1.0}}))
    certify.certify(first, tmp_path / "out", evidence=evidence, framework=framework, keys_dir=keys)
    assert (tmp_path / "out" / "credentials" / "a" / "T3.json").exists()
    second = certify.records_from_frame(make_grades(evidence, {"a": {"*": 1.0, "P3.2.2": 0.1}}))
    certify.certify(second, tmp_path / "out", evidence=evidence, framework=framework, keys_dir=keys)
    assert not (tmp_path / "out" / "credentials" / "a" / "T3.json").exists()
    assert (tmp_path / "out" / "credentials" / "a" / "T1.json").exists()


def test_cli_certify_from_csv(tmp_path, framework, capsys, monkeypatch):
    """Does `netmarketing certify --grades CSV` print the summary and write the dashboard?"""
    from netmarketing.cli import main

    course = tmp_path / "course"
    module = course / "01_market_analysis"
    module.mkdir(parents=True)
    cells = [
        {
            "cell_type": "code" if kind == "x" else "markdown",
            "source": "",
            "metadata": {
                "nbgrader": {
                    "grade": True,
                    "grade_id": f"{c.lower().replace('.', '_')}__{kind}",
                    "points": 1,
                    "solution": kind == "memo",
                },
                "netmarketing": {"indicator": c, "output": "O1.2.1" if c.startswith("P1.2") else None},
            },
            **({"outputs": [], "execution_count": None} if kind == "x" else {}),
        }
        for c in framework.indicators_of_duty("T1")
        for kind in ("x", "memo")  # every indicator: an automatic item and a judgement item
    ]
    (module / "nb.ipynb").write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    grades = pd.DataFrame(
        [
            {
                "learner": "u1",
                "module": "01_market_analysis",
                "grade_id": c["metadata"]["nbgrader"]["grade_id"],
                "score": 1,
            }
            for c in cells
        ]
    )
    grades.to_csv(tmp_path / "grades.csv", index=False)
    code = main(
        [
            "certify",
            "--grades",
            str(tmp_path / "grades.csv"),
            "--course",
            str(course),
            "--out",
            str(tmp_path / "out"),
            "--keys",
            str(tmp_path / "keys"),
            "--policy",
            str(REPO / "autograder" / "certification.yaml"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "u1" in printed and "pending" in printed  # T2 and T3 have no module yet
    assert (tmp_path / "out" / "credentials" / "u1" / "T1.json").exists()
    assert (tmp_path / "out" / "cohort.html").exists()
    assert (tmp_path / "out" / "bundles" / "u1" / "manifest.json").exists()
    assert (tmp_path / "out" / "status" / "revocation-list.json").exists()
    assert f"new issuer key pinned in): {tmp_path / 'keys' / 'trusted_issuers.yaml'}" in printed
    keys = str(tmp_path / "keys")
    assert main(["verify", str(tmp_path / "out" / "credentials" / "u1" / "T1.json"), "--trust", keys]) == 0
    # The course's own (default) key not pinned in the policy: the certifier is reminded to pin and commit it.
    monkeypatch.setenv("NETMARKETING_KEYS_DIR", keys)
    args = [
        "certify",
        "--grades",
        str(tmp_path / "grades.csv"),
        "--course",
        str(course),
        "--out",
        str(tmp_path / "o2"),
    ]
    assert main(args) == 0
    assert "尚未列在" in capsys.readouterr().out
