"""Visible self-checks for learners: friendly zh-TW lines, never a traceback.

Two families with the same arguments:

- ``check*`` print ``✅``/``❌`` lines and return ``True``/``False``; they never
  raise on a learner's mistake, so a self-check cell always runs to the end;
- ``assert_*`` raise :class:`AssertionError` carrying the same zh-TW message,
  for graded test cells (nbgrader counts a cell as failed when it raises).

Every message names the behaviour indicator (e.g. ``P1.1.3``) and says what
to fix.

Examples
--------
>>> check(1 + 1 == 2, indicator="practice", ok="加法正確", fix="請檢查加法")
✅ [practice] 加法正確
True
>>> check_close(0.5, 0.52, indicator="P1.1.3", what="轉換率", rtol=0.01)
❌ [P1.1.3] 轉換率 = 0.5，預期約 0.52（允許相對誤差 1%）。請檢查計算步驟與篩選條件。
False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "assert_check",
    "assert_close",
    "assert_columns",
    "check",
    "check_close",
    "check_columns",
]

Condition = bool | Callable[[], Any]


def _line(passed: bool, indicator: str, text: str) -> str:
    return f"{'✅' if passed else '❌'} [{indicator}] {text}"


def _evaluate(condition: Condition) -> tuple[bool, str | None]:
    """Return whether a condition holds and, if it crashed, a zh-TW reason."""
    if not callable(condition):
        return bool(condition), None
    try:
        return bool(condition()), None
    except NameError as exc:
        return False, f"找不到變數：{exc}（請先執行上面的作答格）"
    except Exception as exc:  # a learner's half-finished answer may fail in any way
        return False, f"檢查時發生錯誤 {type(exc).__name__}: {exc}"


def check(condition: Condition, *, indicator: str, ok: str = "通過", fix: str = "請再檢查一次") -> bool:
    """Print one self-check line and return whether it passed.

    Parameters
    ----------
    condition : bool or callable
        The condition, or a function without arguments that returns it; a
        function is safer because a missing variable becomes a ❌ line
        instead of a traceback.
    indicator : str
        Behaviour indicator the check is evidence for, e.g. ``"P1.1.2"``.
    ok, fix : str
        zh-TW message when the check passes, and what to fix when it fails.
    """
    passed, reason = _evaluate(condition)
    text = ok if passed else (f"{fix}（{reason}）" if reason else fix)
    print(_line(passed, indicator, text))
    return passed


def _columns_problem(df: Any, columns: Iterable[str], forbidden: Iterable[str]) -> str | None:
    if not hasattr(df, "columns"):
        return f"這不是表格（DataFrame），而是 {type(df).__name__}。"
    have = [str(c) for c in df.columns]
    missing = [c for c in columns if c not in have]
    extra = [c for c in forbidden if c in have]
    problems = []
    if missing:
        problems.append(f"缺少欄位：{', '.join(missing)}")
    if extra:
        problems.append(f"不應出現的欄位：{', '.join(extra)}")
    return "；".join(problems) or None


def check_columns(df: Any, columns: Iterable[str], *, indicator: str, forbidden: Iterable[str] = ()) -> bool:
    """Print whether a table has the required columns and none of the forbidden ones."""
    problem = _columns_problem(df, list(columns), list(forbidden))
    if problem:
        print(_line(False, indicator, f"{problem}。請修正後再執行。"))
        return False
    print(_line(True, indicator, "欄位正確"))
    return True


def _close_problem(value: Any, expected: float, what: str, rtol: float, atol: float) -> str | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{what} 應為數字，目前是 {type(value).__name__}。"
    if math.isclose(number, float(expected), rel_tol=rtol, abs_tol=atol):
        return None
    tolerance = f"允許相對誤差 {rtol:.0%}" if rtol else f"允許誤差 {atol:g}"
    return f"{what} = {value:g}，預期約 {expected:g}（{tolerance}）。請檢查計算步驟與篩選條件。"


def check_close(
    value: Any, expected: float, *, indicator: str, what: str = "數值", rtol: float = 1e-6, atol: float = 0.0
) -> bool:
    """Print whether a number is close to the expected one."""
    problem = _close_problem(value, expected, what, rtol, atol)
    print(_line(problem is None, indicator, problem or f"{what} 正確"))
    return problem is None


def assert_check(condition: Condition, *, indicator: str, fix: str) -> None:
    """Raise AssertionError with a zh-TW message unless the condition holds."""
    passed, reason = _evaluate(condition)
    if not passed:
        raise AssertionError(_line(False, indicator, f"{fix}（{reason}）" if reason else fix))


def assert_columns(df: Any, columns: Iterable[str], *, indicator: str, forbidden: Iterable[str] = ()) -> None:
    """Raise AssertionError unless a table has the required and none of the forbidden columns."""
    problem = _columns_problem(df, list(columns), list(forbidden))
    if problem:
        raise AssertionError(_line(False, indicator, problem))


def assert_close(
    value: Any, expected: float, *, indicator: str, what: str = "數值", rtol: float = 1e-6, atol: float = 0.0
) -> None:
    """Raise AssertionError unless a number is close to the expected one."""
    problem = _close_problem(value, expected, what, rtol, atol)
    if problem:
        raise AssertionError(_line(False, indicator, problem))
