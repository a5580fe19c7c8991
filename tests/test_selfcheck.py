"""Tests of the learners' visible self-checks (netmarketing.learner.selfcheck)."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from netmarketing.learner import selfcheck
from netmarketing.learner.selfcheck import (
    assert_check,
    assert_close,
    assert_columns,
    check,
    check_close,
    check_columns,
)


def test_failed_check_prints_indicator_and_fix_without_raising(capsys):
    """Does a failing self-check print ❌, the indicator and the fix, and return False instead of raising?"""
    assert check(False, indicator="P1.1.3", ok="好", fix="請改用 order_ts 的月份") is False
    out = capsys.readouterr().out
    assert "❌" in out and "P1.1.3" in out and "請改用 order_ts 的月份" in out


def test_passing_check_prints_ok_message(capsys):
    """Does a passing self-check print ✅ and the ok message?"""
    assert check(lambda: 2 > 1, indicator="P1.1.1", ok="配對合理", fix="x") is True
    assert "✅ [P1.1.1] 配對合理" in capsys.readouterr().out


def test_callable_with_missing_variable_becomes_a_failed_line(capsys):
    """Does a condition that refers to an undefined variable print a zh-TW hint instead of a NameError?"""
    assert check(lambda: undefined_answer > 0, indicator="P1.1.2", fix="先完成作答") is False  # noqa: F821
    out = capsys.readouterr().out
    assert "找不到變數" in out and "undefined_answer" in out


def test_check_columns_names_missing_and_forbidden_columns(capsys):
    """Does check_columns list both missing columns and forbidden columns that are present?"""
    df = pd.DataFrame({"customer_key": ["a"], "national_id": ["A123456789"]})
    ok = check_columns(df, ["customer_key", "city"], indicator="P1.1.2", forbidden=["national_id", "email"])
    out = capsys.readouterr().out
    assert ok is False
    assert "city" in out and "national_id" in out and "email" not in out


def test_check_columns_rejects_non_tables(capsys):
    """Does check_columns fail politely when it is given a list instead of a DataFrame?"""
    assert check_columns([1, 2], ["a"], indicator="practice") is False
    assert "DataFrame" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "expected", "passes"),
    [(100.0, 100.5, True), (100.0, 103.0, False), ("abc", 1.0, False), (None, 1.0, False)],
)
def test_check_close_uses_relative_tolerance(value, expected, passes, capsys):
    """Does check_close accept values within 1 % and reject others, including non-numbers?"""
    assert check_close(value, expected, indicator="P1.1.3", what="營收", rtol=0.01) is passes
    assert ("✅" in capsys.readouterr().out) is passes


def test_assert_variants_raise_with_the_zh_tw_message():
    """Do the assert_* variants raise AssertionError carrying the indicator and the fix?"""
    with pytest.raises(AssertionError, match=r"P1\.1\.2.*請移除身分證字號"):
        assert_check(False, indicator="P1.1.2", fix="請移除身分證字號")
    with pytest.raises(AssertionError, match="mobile"):
        assert_columns(pd.DataFrame({"mobile": [1]}), [], indicator="P1.1.2", forbidden=["mobile"])
    with pytest.raises(AssertionError, match="營收"):
        assert_close(1.0, 2.0, indicator="P1.1.3", what="營收")


def test_assert_variants_are_silent_when_right(capsys):
    """Do the assert_* variants return quietly when the answer is right?"""
    assert_check(lambda: True, indicator="P1.1.1", fix="x")
    assert_columns(pd.DataFrame({"a": [1]}), ["a"], indicator="P1.1.1")
    assert_close(3, 3.0, indicator="P1.1.3")
    assert capsys.readouterr().out == ""


def test_module_examples_hold():
    """Do the examples in the module docstring still print what they show?"""
    result = doctest.testmod(selfcheck)
    assert result.attempted > 0 and result.failed == 0
