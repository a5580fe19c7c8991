"""Boundary tests of the certification rules: each one breaks if a rule moves by one character.

Marked ``rules``: run ``.venv/bin/python -m pytest -m rules -q`` whenever you touch
certification or grading (see the README's developer section). Every test goes through
the public door of the certify room (``records_from_frame`` -> ``evidence_frame`` ->
``competency_scores`` -> ``decide``) and checks the per-level tables
(``decisions.indicators``, ``decisions.outputs``, ``decisions.duties``), not only the
summary, because a wrong status there is what a learner's report and credentials show.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from netmarketing import certify
from netmarketing.certify.policy import ACHIEVED, MET, NOT_MET, NOT_YET, PENDING, Policy

pytestmark = pytest.mark.rules

MODULE_OF_DUTY = {"T1": "01_market_analysis", "T2": "02_strategy", "T3": "03_performance"}
NOT_SUBMITTED = None  # a grade fraction meaning "this learner never submitted the item's module"
UNGRADED = math.nan  # a grade fraction meaning "submitted, waiting for a grade"


@pytest.fixture(scope="module")
def framework() -> certify.Framework:
    return certify.default_framework()


def item(grade_id: str, indicator: str, points: float, *, output: str | None = None, kind: str = "auto"):
    duty = "T" + indicator[1]
    return dict(
        module=MODULE_OF_DUTY[duty],
        notebook="nb",
        grade_id=grade_id,
        indicator=indicator,
        output=output,
        points=points,
        kind=kind,
    )


def whole_course(framework: certify.Framework, *, judgement: bool = True) -> list[dict]:
    """Return one 1-point auto item per indicator, one 1-point judgement item per indicator
    (``judgement=False`` leaves them out) and one 2-point manual item per work output.

    The output item of the i-th output of a task sits on the i-th indicator of that task,
    so every indicator and every output of the standard has evidence of both kinds.
    """
    items = [item(f"{c.lower().replace('.', '_')}__auto", c, 1.0) for c in framework.indicator_codes]
    if judgement:
        items += [
            item(f"{c.lower().replace('.', '_')}__judgement", c, 1.0, kind="manual")
            for c in framework.indicator_codes
        ]
    for task, outputs in framework.outputs.groupby("task")["code"]:
        indicators = list(framework.indicators.loc[framework.indicators["task"] == task, "code"])
        for position, output in enumerate(outputs):
            code = indicators[position]
            items.append(
                item(
                    f"{code.lower().replace('.', '_')}__{output.lower().replace('.', '_')}",
                    code,
                    2.0,
                    output=output,
                    kind="manual",
                )
            )
    return items


def run(framework, evidence, fractions=None, *, learner="a", policy=None, flags=None):
    """Grade ``learner`` at ``fractions[grade_id]`` (default 1.0) of each item and apply the policy.

    ``NOT_SUBMITTED`` leaves the item's whole module unsubmitted; ``UNGRADED`` leaves the item ungraded.
    """
    fractions = fractions or {}
    evidence = pd.DataFrame(evidence)
    skipped = {row.module for row in evidence.itertuples() if fractions.get(row.grade_id, 1.0) is None}
    rows = [
        dict(
            learner=learner,
            module=row.module,
            grade_id=row.grade_id,
            score=fractions.get(row.grade_id, 1.0) * row.points,
            max_score=row.points,
        )
        for row in evidence.itertuples()
        if row.module not in skipped
    ]
    records = certify.records_from_frame(pd.DataFrame(rows), learners=[learner])
    scores = certify.competency_scores(records, certify.evidence_frame(evidence, records), framework)
    return scores, certify.decide(scores, framework, policy, flags=flags)


def status(decisions, table: str, code: str, learner: str = "a") -> str:
    frame = getattr(decisions, table)
    return frame.set_index(["learner", "code"]).loc[(learner, code), "status"]


def percent(scores, table: str, code: str, learner: str = "a") -> float:
    frame = getattr(scores, table)
    return frame.set_index(["learner", "code"]).loc[(learner, code), "percent"]


def decision(decisions, learner: str = "a") -> str:
    return decisions.summary.set_index("learner").loc[learner, "decision"]


def statuses(decisions, expected: dict[str, str]) -> dict[str, str]:
    """Return the status of each code in ``expected`` (indicator P*, output O*, duty T*), to compare at once."""
    table = {"P": "indicators", "O": "outputs", "T": "duties"}
    return {code: status(decisions, table[code[0]], code) for code in expected}


# --- pending on incomplete evidence, level by level ------------------------------------------------


@pytest.mark.parametrize("others", [1.0, 0.0], ids=["graded-items-pass", "graded-items-fail"])
def test_indicator_and_output_with_an_ungraded_item_are_pending(framework, others):
    """Is an indicator and its work output pending (never met / not_met) while one of their items is ungraded?"""
    course = whole_course(framework)
    ungraded = next(i["grade_id"] for i in course if i["output"] == "O1.2.1")  # the manual item on P1.2.1
    fractions = {i["grade_id"]: others for i in course if i["indicator"] == "P1.2.1"}
    fractions[ungraded] = UNGRADED
    _, decisions = run(framework, course, fractions)
    # Complete neighbours keep their own status: only what the missing grade touches waits.
    expected = {"P1.2.1": PENDING, "O1.2.1": PENDING, "T1": PENDING, "P1.2.2": MET, "O2.1.1": MET, "T2": MET}
    assert statuses(decisions, expected) == expected
    assert decision(decisions) == PENDING


def test_indicator_and_output_of_an_unsubmitted_module_are_pending(framework):
    """Are every indicator and output of a module the learner never submitted pending, and the others met?"""
    course = whole_course(framework)
    fractions = {i["grade_id"]: NOT_SUBMITTED for i in course if i["indicator"].startswith("P2")}
    _, decisions = run(framework, course, fractions)
    expected = {code: PENDING for code in framework.indicators_of_duty("T2")}
    expected |= {"O2.1.1": PENDING, "T2": PENDING, "P1.1.1": MET, "O3.2.1": MET}
    assert statuses(decisions, expected) == expected
    assert decision(decisions) == PENDING


def test_indicator_and_output_without_any_course_item_are_pending(framework):
    """Is an indicator or output that no graded cell covers yet pending, not met by default?"""
    course = [i for i in whole_course(framework) if i["indicator"] != "P3.1.3" and i["output"] != "O3.1.2"]
    _, decisions = run(framework, course)
    expected = {"P3.1.3": PENDING, "O3.1.2": PENDING, "T3": PENDING, "P3.1.2": MET}
    assert statuses(decisions, expected) == expected
    assert decision(decisions) == PENDING


def test_complete_evidence_is_never_pending(framework):
    """With every item graded, is every indicator, output and duty met or not_met and the learner decided?"""
    course = whole_course(framework)
    _, decisions = run(framework, course, {course[0]["grade_id"]: 0.0})
    for table in ("indicators", "outputs", "duties"):
        assert PENDING not in set(getattr(decisions, table)["status"]), table
    assert status(decisions, "indicators", course[0]["indicator"]) == NOT_MET
    assert decision(decisions) == NOT_YET


# --- weights: points are weights, fractional points included ---------------------------------------


def test_fractional_points_weigh_exactly_at_every_level(framework):
    """Do items worth 0.5 and 1.5 points weigh 1:3 at indicator, task, duty and output level, unrounded?"""
    course = [
        item("p1_2_1__half", "P1.2.1", 0.5),
        item("p1_2_1__one_and_half", "P1.2.1", 1.5, output="O1.2.1", kind="manual"),
        item("p1_2_2__two_and_half", "P1.2.2", 2.5, output="O1.2.1", kind="manual"),
    ]
    scores, _ = run(framework, course, {"p1_2_1__half": 1.0, "p1_2_1__one_and_half": 0.0})
    assert percent(scores, "indicators", "P1.2.1") == pytest.approx(100 * 0.5 / 2.0)  # 25 %, not 0 % or 50 %
    assert percent(scores, "outputs", "O1.2.1") == pytest.approx(100 * 2.5 / 4.0)
    assert percent(scores, "tasks", "T1.2") == pytest.approx(100 * 3.0 / 4.5)
    assert percent(scores, "duties", "T1") == pytest.approx(100 * 3.0 / 4.5)


def test_fractional_points_decide_a_threshold(framework):
    """Is automatic evidence of 2.5 points earned out of 4 (62.5 %) met, which rounding the points would fail?"""
    course = [
        item("p1_1_1__a", "P1.1.1", 2.5),
        item("p1_1_1__b", "P1.1.1", 1.5),
        item("p1_1_1__j", "P1.1.1", 1.0, kind="manual"),
    ]
    scores, decisions = run(framework, course, {"p1_1_1__b": 0.0})
    parts = scores.indicator_parts.set_index(["learner", "code", "kind"])
    assert parts.loc[("a", "P1.1.1", "auto"), "percent"] == pytest.approx(62.5)
    assert status(decisions, "indicators", "P1.1.1") == MET


def test_partial_score_is_a_fraction_of_the_items_points(framework):
    """Does a score of 1 out of max 4 on a 2-point item earn 0.5 points (25 %), whatever the max score is?"""
    course = [item("p1_1_1__x", "P1.1.1", 2.0), item("p1_1_1__y", "P1.1.1", 2.0)]
    evidence = pd.DataFrame(course)
    grades = pd.DataFrame(
        [
            dict(learner="a", module="01_market_analysis", grade_id="p1_1_1__x", score=1.0, max_score=4.0),
            dict(learner="a", module="01_market_analysis", grade_id="p1_1_1__y", score=0.0, max_score=2.0),
        ]
    )
    records = certify.records_from_frame(grades)
    scores = certify.competency_scores(records, certify.evidence_frame(evidence, records), framework)
    assert percent(scores, "indicators", "P1.1.1") == pytest.approx(100 * 0.5 / 4.0)


# --- thresholds: exactly at is met, just below is not ----------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "expected"), [(0.6, MET), (0.5999, NOT_MET), (0.6001, MET)], ids=["at", "below", "above"]
)
def test_indicator_threshold_at_and_just_below(framework, fraction, expected):
    """Is an indicator at exactly 60 % met and one at 59.99 % not met (no rounding up)?"""
    course = [
        item("p1_1_1__a", "P1.1.1", 3.0),
        item("p1_1_1__b", "P1.1.1", 2.0),
        item("p1_1_1__j", "P1.1.1", 1.0, kind="manual"),
    ]
    # Every item at `fraction`: the indicator and both its parts are at 100 x fraction percent.
    _, decisions = run(framework, course, {i["grade_id"]: fraction for i in course})
    assert status(decisions, "indicators", "P1.1.1") == expected


@pytest.mark.parametrize(("fraction", "expected"), [(0.6, MET), (0.5999, NOT_MET)], ids=["at", "below"])
def test_output_threshold_at_and_just_below(framework, fraction, expected):
    """Is a work output at exactly 60 % met and one at 59.99 % not met, while its indicators pass?"""
    policy = Policy(indicator_min=10.0, indicator_judgement_min=10.0, duty_min=10.0, output_min=60.0)
    course = [item("p1_2_1__report", "P1.2.1", 5.0, output="O1.2.1", kind="manual")]
    _, decisions = run(framework, course, {"p1_2_1__report": fraction}, policy=policy)
    assert status(decisions, "indicators", "P1.2.1") == MET
    assert status(decisions, "outputs", "O1.2.1") == expected


@pytest.mark.parametrize(("fraction", "expected"), [(0.7, MET), (0.6999, NOT_MET)], ids=["at", "below"])
def test_duty_threshold_at_and_just_below(framework, fraction, expected):
    """Is a duty at exactly 70 % met and one at 69.99 % not met, while its indicators pass at 60 %?"""
    course = [item(f"{c.lower().replace('.', '_')}__x", c, 1.0) for c in framework.indicators_of_duty("T1")]
    course += [
        item(f"{c.lower().replace('.', '_')}__j", c, 1.0, kind="manual")
        for c in framework.indicators_of_duty("T1")
    ]
    course.append(item("p1_2_1__report", "P1.2.1", 2.0, output="O1.2.1", kind="manual"))
    _, decisions = run(framework, course, {i["grade_id"]: fraction for i in course})
    assert set(decisions.indicators.loc[decisions.indicators["duty"] == "T1", "status"]) == {MET}
    assert status(decisions, "duties", "T1") == expected


@pytest.mark.parametrize(("fraction", "expected"), [(0.8, MET), (0.7999, NOT_MET)], ids=["at", "below"])
def test_indicator_override_at_and_just_below(framework, fraction, expected):
    """Does a per-indicator threshold of 80 % decide that indicator (at: met, just below: not) and no other?"""
    policy = Policy(indicator_overrides={"P1.1.1": 80.0})
    course = [
        item("p1_1_1__x", "P1.1.1", 1.0),
        item("p1_1_1__j", "P1.1.1", 1.0, kind="manual"),
        item("p1_1_2__x", "P1.1.2", 1.0),
        item("p1_1_2__j", "P1.1.2", 1.0, kind="manual"),
    ]
    fractions = {"p1_1_1__x": fraction, "p1_1_1__j": fraction, "p1_1_2__x": 0.7, "p1_1_2__j": 0.7}
    _, decisions = run(framework, course, fractions, policy=policy)
    assert status(decisions, "indicators", "P1.1.1") == expected
    assert status(decisions, "indicators", "P1.1.2") == MET  # 70 % against the default 60 %


def test_every_rule_must_hold_for_achieved(framework):
    """Is a learner with everything at 100 % but one indicator at 59.99 % not_yet, and at 60 % achieved?"""
    course = whole_course(framework)
    weak = course[0]["grade_id"]  # P1.1.1's automatic item
    _, below = run(framework, course, {weak: 0.5999})
    _, at = run(framework, course, {weak: 0.6})
    assert decision(below) == NOT_YET
    assert decision(at) == ACHIEVED


# --- automatic points never make up for blank judgement ------------------------------------------


def test_blank_judgement_fails_an_indicator_whatever_the_automatic_points(framework):
    """With full automatic marks and blank written answers (complete evidence), is the indicator not met and the learner not_yet?"""
    course = whole_course(framework)
    blank = {i["grade_id"]: 0.0 for i in course if i["grade_id"].endswith("__judgement")}
    scores, decisions = run(framework, course, blank)
    assert status(decisions, "indicators", "P1.1.1") == NOT_MET
    assert percent(scores, "indicators", "P1.1.1") == pytest.approx(50.0)  # overall alone would not decide
    assert status(decisions, "duties", "T1") == NOT_MET
    assert decision(decisions) == NOT_YET
    text = " ".join(decisions.reasons.loc[decisions.reasons["code"] == "P1.1.1", "text"])
    assert "書面判斷部分 0% 未達門檻 60%" in text


@pytest.mark.parametrize(("fraction", "expected"), [(0.6, MET), (0.5999, NOT_MET)], ids=["at", "below"])
def test_judgement_part_threshold_at_and_just_below(framework, fraction, expected):
    """With full automatic marks, is judgement at exactly 60 % met and at 59.99 % not met?"""
    course = [item("p1_1_1__a", "P1.1.1", 4.0), item("p1_1_1__j", "P1.1.1", 1.0, kind="manual")]
    _, decisions = run(framework, course, {"p1_1_1__j": fraction})
    assert status(decisions, "indicators", "P1.1.1") == expected


def test_strong_judgement_does_not_make_up_for_failed_automatic_items(framework):
    """Is an indicator with full judgement but automatic items at 50 % not met, although overall it is at 75 %?"""
    course = [item("p1_1_1__a", "P1.1.1", 1.0), item("p1_1_1__j", "P1.1.1", 1.0, kind="manual")]
    scores, decisions = run(framework, course, {"p1_1_1__a": 0.5})
    assert percent(scores, "indicators", "P1.1.1") == pytest.approx(75.0)
    assert status(decisions, "indicators", "P1.1.1") == NOT_MET


def test_indicator_without_judgement_items_is_never_decided(framework):
    """Is a fully graded indicator with no judgement item in the course pending, with the course gap named?"""
    course = whole_course(framework, judgement=False)
    _, decisions = run(framework, course)
    assert status(decisions, "indicators", "P1.1.1") == PENDING
    assert decision(decisions) == PENDING
    gaps = decisions.reasons[decisions.reasons["kind"] == "no_evidence"]
    assert any("P1.1.1" in text and "書面判斷" in text for text in gaps["text"])


# --- integrity flags ----------------------------------------------------------------------------------


def test_integrity_flag_makes_the_flagged_modules_duty_pending(framework):
    """Does a flag on module 01 make T1 pending (summary and duty table) and leave T2 and T3 met?"""
    flags = pd.DataFrame([{"learner": "a", "module": "01_market_analysis", "reason": "測試儲存格被刪除"}])
    _, decisions = run(framework, whole_course(framework), flags=flags)
    assert decision(decisions) == PENDING
    assert status(decisions, "duties", "T1") == PENDING
    assert status(decisions, "duties", "T2") == MET
    row = decisions.summary.set_index("learner").loc["a"]
    assert (row["T1"], row["T2"], row["T3"]) == (PENDING, MET, MET)
    flagged = decisions.reasons[decisions.reasons["kind"] == "flag"]
    assert set(flagged["code"]) == {"01_market_analysis"}


def test_another_learners_flag_changes_nothing(framework):
    """Does a flag on someone else's submission leave this learner achieved?"""
    flags = pd.DataFrame([{"learner": "b", "module": "01_market_analysis", "reason": "測試儲存格被修改"}])
    _, decisions = run(framework, whole_course(framework), flags=flags)
    assert decision(decisions) == ACHIEVED


def test_flags_are_ignored_only_when_the_policy_says_so(framework):
    """Is a flagged learner pending under the default policy and achieved under integrity_flags: ignore?"""
    flags = pd.DataFrame([{"learner": "a", "module": "03_performance", "reason": "核心當機"}])
    course = whole_course(framework)
    _, default = run(framework, course, flags=flags)
    _, ignoring = run(framework, course, flags=flags, policy=Policy(integrity_flags="ignore"))
    assert decision(default) == PENDING
    assert decision(ignoring) == ACHIEVED
