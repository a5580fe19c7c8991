"""Tests of manual grade records: the comment template, reading it back through the rubric, grader and time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netmarketing import certify
from netmarketing.certify.manual import (
    UNRECORDED,
    ManualRecordError,
    parse_record,
    read_manual_grade,
    render_record,
    score_from_levels,
    stamp_first_seen,
)
from netmarketing.certify.rubrics import load_rubrics
from netmarketing.certify.simulate import SIMULATED_MARK, is_simulated

REPO = Path(__file__).resolve().parents[1]
RUBRICS = load_rubrics(REPO / "autograder" / "rubrics")
WRITTEN = RUBRICS["written_analysis"]


def _read(comment, score=None, max_score=4.0):
    return read_manual_grade(
        comment,
        learner="s001",
        module="01_market_analysis",
        notebook="t1_1",
        grade_id="p1_1_1__memo",
        gradebook_score=score,
        max_score=max_score,
        rubrics=RUBRICS,
    )


def test_template_round_trips_and_scores_through_the_rubric():
    """Does a rendered record read back to the same levels, and is the score points x the mean level fraction?"""
    levels = [3, 2, 2, 1]
    text = render_record(
        WRITTEN, levels, grader="王老師", graded_at="2025-03-01T10:30:00+08:00", comment="好"
    )
    record = parse_record(text)
    assert record.levels == dict(enumerate(levels, start=1))
    assert (record.grader, record.simulated, record.comment) == ("王老師", False, "好")
    fractions = [WRITTEN.level(n).fraction for n in levels]
    grade = _read(text, score=0.5)
    assert grade.score == pytest.approx(round(4.0 * sum(fractions) / 4, 2))
    assert grade.criterion_levels == tuple(levels)
    assert grade.gradebook_score == 0.5  # the number in formgrader's box is kept, the record decides
    assert (grade.source, grade.graded_at, grade.graded_at_source) == (
        "record",
        "2025-03-01T10:30:00+08:00",
        "record",
    )


def test_every_criterion_at_one_level_gives_that_levels_points():
    """Do four criteria at level 2 score exactly like the whole-item level 2 of the rubric?"""
    for level in (0, 1, 2, 3):
        assert score_from_levels(WRITTEN, [level] * 4, 3.0) == certify.points_for_level(WRITTEN, level, 3.0)


def test_a_person_may_type_it_loosely():
    """Does a record typed by hand (half-width colons, no English labels, extra spaces, a time without zone) read?"""
    text = (
        "評分規準: written_analysis\n準則1: 2\n 準則 2 : 3 \n準則 3（限制）：1\n準則4：2\n"
        "評分者：林助教\n評分時間：2025/03/02 09:15\n評語：\n第一行\n第二行：含冒號"
    )
    grade = _read(text)
    assert grade.criterion_levels == (2, 3, 1, 2)
    assert grade.graded_at == "2025-03-02T09:15:00+08:00"  # Taiwan time when no zone is written
    assert grade.comment == "第一行\n第二行：含冒號"
    assert grade.grader == "林助教"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("評分規準：written_analysis\n準則 1：2\n準則 2：3\n準則 3：\n準則 4：2", "準則 3 尚未給等級"),
        ("評分規準：written_analysis\n準則 1：2\n準則 2：3\n準則 4：2", "準則 3 尚未給等級"),
        ("評分規準：written_analysis\n準則 1：4\n準則 2：3\n準則 3：1\n準則 4：2", "0、1、2 或 3"),
        ("評分規準：written_analysis\n準則 1：2\n準則 1：3", "出現兩次"),
        ("評分規準：no_such_rubric\n準則 1：2", "no_such_rubric"),
        ("評分規準：written_analysis\n準則 1：2\n準則 2：2\n準則 3：2\n準則 4：2\n準則 5：2", "沒有準則"),
        ("【評分紀錄 rubric record】\n準則 1：2", "評分規準"),
        ("評分規準：written_analysis\n準則 1：2\n準則 2：3\n準則 3：1\n準則 4：2\n模擬評分：也許", "是"),
        (
            "評分規準：written_analysis\n準則 1：2\n準則 2：3\n準則 3：1\n準則 4：2\n評分時間：下午",
            "評分時間",
        ),
    ],
)
def test_an_unreadable_record_leaves_the_item_ungraded_with_the_reason(text, problem):
    """Does a record with a missing, wrong or repeated level (or unknown rubric) count as ungraded, saying why?"""
    grade = _read(text, score=3.0)
    assert grade.source == "invalid" and grade.score is None
    assert problem in grade.problem


def test_a_plain_comment_counts_as_typed_and_is_not_simulated_by_accident():
    """Is a comment without a record the plain nbgrader case: the typed score counts, not marked simulated?"""
    grade = _read("論點清楚，但這不是 simulated 的分數。", score=2.5)
    assert (grade.source, grade.score, grade.grader, grade.simulated) == ("plain", 2.5, UNRECORDED, False)
    assert _read("只寫了評語，還沒給分") is None  # no score and no record: not graded yet


def test_simulated_is_a_field_of_the_record():
    """Is 'simulated' read from the record's field, and the demo's older marker still recognised?"""
    text = render_record(
        WRITTEN, [2, 2, 2, 2], grader="模擬", simulated=True, comment=f"{SIMULATED_MARK} 等級 2"
    )
    assert "模擬評分 (simulated)：是" in text
    assert _read(text).simulated and is_simulated(text)
    assert not is_simulated(render_record(WRITTEN, [2, 2, 2, 2], comment=SIMULATED_MARK))  # the field decides
    assert is_simulated(f"{SIMULATED_MARK} 評分規準 written_analysis 等級 2")


def test_blank_template_is_what_a_grader_fills_in():
    """Does the blank template list every criterion of the rubric with an empty level, and read as incomplete?"""
    blank = render_record(WRITTEN)
    for number, criterion in enumerate(WRITTEN.criteria, start=1):
        assert f"準則 {number}（{criterion}）：\n" in blank
    assert "尚未給等級" in _read(blank).problem
    with pytest.raises(ManualRecordError):
        render_record(WRITTEN, [1, 2])


def test_first_seen_time_is_logged_once(tmp_path):
    """Does a grade without a time get the time certify first saw it, kept on later runs until it changes?"""
    log = tmp_path / "manual_grades.csv"
    grades = pd.DataFrame([_read("很好", score=3.0).as_row()])
    first = stamp_first_seen(log, grades, "2025-03-01T00:00:00Z")
    assert first.loc[0, "graded_at"] == "2025-03-01T00:00:00Z"
    assert first.loc[0, "graded_at_source"] == "first_seen"
    again = stamp_first_seen(log, grades, "2025-03-09T00:00:00Z")
    assert again.loc[0, "graded_at"] == "2025-03-01T00:00:00Z"
    changed = pd.DataFrame([_read("改了評語", score=2.0).as_row()])
    assert (
        stamp_first_seen(log, changed, "2025-03-09T00:00:00Z").loc[0, "graded_at"] == "2025-03-09T00:00:00Z"
    )
    timed = pd.DataFrame([_read(render_record(WRITTEN, [2] * 4, graded_at="2025-02-01T08:00")).as_row()])
    assert stamp_first_seen(log, timed, "2025-03-09T00:00:00Z").loc[0, "graded_at"].startswith("2025-02-01")


def test_an_unreadable_record_keeps_the_learner_pending_with_the_reason():
    """Does an ungraded item with a note make the decision pending, and does the reason carry the note?"""
    from test_certify import make_evidence, make_grades  # a sibling test module

    framework = certify.default_framework()
    evidence = make_evidence(framework)
    grades = make_grades(evidence, {"a": {"*": 1.0, "p1_2_1__manual": np.nan}})
    grades["note"] = np.where(
        grades["grade_id"] == "p1_2_1__manual", "評分紀錄無法讀取：準則 3 尚未給等級", ""
    )
    records = certify.records_from_frame(grades)
    scores = certify.competency_scores(records, certify.evidence_frame(evidence, records), framework)
    decisions = certify.decide(scores, framework)
    assert decisions.summary.loc[0, "decision"] == certify.PENDING
    texts = " ".join(decisions.reasons.loc[decisions.reasons["kind"] == "ungraded", "text"])
    assert "準則 3 尚未給等級" in texts
