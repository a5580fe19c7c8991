"""``submit``: hand in an item's answers, and see its self-check.

A graded cell is one line::

    submit("p1_2_1__yoy_growth", "yoy", "significant")     # names of your variables
    submit("p1_2_3__swot", board=saved_answer("p1_2_3__swot"))  # or values

In the learner's JupyterLab it prints the item's formative self-check: ✅ lines on
standard output, ❌ lines on standard error (nbgrader's Validate counts a test cell with
error output as failing, so Validate lists what still needs work). It never raises for a
learner's mistake, so "run all" goes on.

While grading, the grader sets ``NETMARKETING_ANSWERS`` to a folder; every call writes
the answers there as plain data (:mod:`.answers`), and the grader judges them after the
kernel has ended, in its own process. Whatever code does to this kernel can change only
the answers it hands in, never how they are judged.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from netmarketing.learner import answers as _answers
from netmarketing.learner import items as _items

ENV_ANSWERS = "NETMARKETING_ANSWERS"
PASS = "✅ 通過"
FAIL = "❌ 需修正"
#: What this kernel handed in, for a learner who wants to look (``learner.submitted()``).
_SUBMITTED: dict[str, dict[str, Any]] = {}


def _say(passed: bool, text: str) -> None:
    print(f"{PASS if passed else FAIL}｜{text}", file=sys.stdout if passed else sys.stderr, flush=True)


def submit(grade_id: str, *names: str, **values: Any) -> bool:
    """Hand in the answers of item ``grade_id`` and print its self-check; return whether it all passed.

    Parameters
    ----------
    grade_id : str
        The item, as written in the graded cell.
    *names : str
        Names of variables to hand in, looked up where ``submit`` is called (a missing one
        is reported in zh-TW instead of a NameError).
    **values
        Answers given directly, e.g. ``board=saved_answer("p1_2_3__swot")``.
    """
    caller = sys._getframe(1).f_globals
    item = _items.find(grade_id)
    label = f"{item.exercise}（{grade_id}）" if item else grade_id
    given: dict[str, Any] = {}
    missing = []
    for name in names:
        if name in caller:
            given[name] = caller[name]
        else:
            missing.append(name)
    given.update(values)
    ok = True
    if item is None:
        _say(False, f"{grade_id} 不是本課程的評分項目，請勿修改評分格 (unknown grade id)")
        ok = False
    for name in missing:
        _say(False, f"{label} 尚未作答：找不到變數 {name}，請先完成並執行上面的作答格")
        ok = False
    if item is not None:
        for problem in _answers.problems(given, {k: v for k, v in item.answers.items() if k not in missing}):
            _say(False, f"{label} {problem}")
            ok = False
    folder = os.environ.get(ENV_ANSWERS)
    try:
        if folder:
            _answers.write_item(Path(folder), grade_id, given)
        else:
            _answers.encode_all(given)  # the same limits as while grading, so surprises come early
    except _answers.AnswerError as exc:
        _say(False, f"{label} 無法交出：{exc}")
        return False
    _SUBMITTED[grade_id] = given
    if ok and item is not None and item.selfcheck is not None:
        try:
            lines = list(item.selfcheck(SimpleNamespace(**given)))
        except Exception as exc:  # a half-finished answer may break a self-check in any way
            lines = [(False, f"自我檢查時發生錯誤 {type(exc).__name__}: {exc}")]
        for passed, message in lines:
            _say(bool(passed), f"{label} {message}")
            ok = ok and bool(passed)
    if ok:
        _say(True, f"{label} 已交出，格式正確" + ("；正式成績在繳交後由評分程式判定" if not folder else ""))
    return ok


def submitted() -> dict[str, dict[str, Any]]:
    """Return what this kernel has handed in so far, by grade id."""
    return dict(_SUBMITTED)
