"""``submit``: hand in an item's answers, and see its self-check.

A graded cell is one line::

    submit("p1_2_1__yoy_growth", "yoy", "significant")     # names of your variables
    submit("p1_2_3__swot", board=saved_answer("p1_2_3__swot"))  # or values

In the learner's JupyterLab it prints the item's formative self-check: "✅ 通過" lines on
standard output in green, "❌ 需修正" lines on standard error in red (nbgrader's Validate
counts a test cell with error output as failing, so Validate lists what still needs work).
Mark, word and colour each tell pass from fail, so a screen without an emoji font, or a
reader who does not see colour, still can. It never raises for a learner's mistake, so
"run all" goes on.

An answer cell the learner has not touched still holds nbgrader's stub, ``raise
NotImplementedError()``, under a line naming its exercise (``# 練習 1（0-1）作答區``, written
into the learner copies by :meth:`netmarketing.grading.workspace.Workspace.generate`).
:func:`explain_unanswered` (installed when a kernel imports ``netmarketing.learner``) shows
that error as one zh-TW sentence naming the exercise instead of an English traceback.

While grading, the grader sets ``NETMARKETING_ANSWERS`` to a folder; every call writes
the answers there as plain data (:mod:`.answers`), and the grader judges them after the
kernel has ended, in its own process. Whatever code does to this kernel can change only
the answers it hands in, never how they are judged.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from netmarketing.learner import answers as _answers
from netmarketing.learner import items as _items

ENV_ANSWERS = "NETMARKETING_ANSWERS"
PASS = "✅ 通過"
FAIL = "❌ 需修正"
#: ANSI colours JupyterLab, nbgrader's Validate dialog and nbconvert all render (bold green, bold red).
_GREEN, _RED, _RESET = "\x1b[1;32m", "\x1b[1;31m", "\x1b[0m"
#: The line of nbgrader's code stub that an unanswered answer cell still holds.
STUB_RAISE = "raise NotImplementedError()"
#: The line above the stub that names the exercise, in the learner copies.
EXERCISE_LINE = "# {exercise}作答區"
_EXERCISE_RE = re.compile(r"^#\s*(?P<exercise>.+?)作答區\s*$")
#: What this kernel handed in, for a learner who wants to look (``learner.submitted()``).
_SUBMITTED: dict[str, dict[str, Any]] = {}
_PASSED: dict[str, bool] = {}


def _say(passed: bool, text: str) -> None:
    mark, word = (PASS if passed else FAIL).split(" ", 1)
    colour = _GREEN if passed else _RED
    # The mark stays outside the colour: a colour emoji shows its own colours, a missing one a plain box.
    print(f"{mark} {colour}{word}{_RESET}｜{text}", file=sys.stdout if passed else sys.stderr, flush=True)


def submit(grade_id: str, *names: str, **values: Any) -> None:
    """Hand in the answers of item ``grade_id`` and print its self-check.

    Returns nothing, so that a graded cell shows only the self-check lines (whether it all
    passed is kept in :func:`last_check`).

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
    frame = sys._getframe(1)
    caller = {**frame.f_globals, **frame.f_locals}  # a notebook cell's names are its globals
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
        _PASSED[grade_id] = False
        return None
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
    _PASSED[grade_id] = ok
    return None


def last_check(grade_id: str) -> bool | None:
    """Return whether the last hand-in of ``grade_id`` passed its self-check (None: not handed in yet)."""
    return _PASSED.get(grade_id)


def submitted() -> dict[str, dict[str, Any]]:
    """Return what this kernel has handed in so far, by grade id."""
    return dict(_SUBMITTED)


# -- an answer cell left unanswered -----------------------------------------------------------------
def unanswered_message(exercise: str | None) -> str:
    """Return what a learner reads when an answer cell still holds the stub (``exercise`` may be unknown)."""
    which = f"{exercise}還沒作答" if exercise else "這一格還沒作答"
    return (
        f"{_RED}✏️ {which}{_RESET}：請把這一格的「{STUB_RAISE}」換成你的程式碼，再執行這一格。"
        "「執行所有儲存格」會停在還沒作答的練習，作答後就能繼續往下。"
        f"(not answered yet: replace `{STUB_RAISE}` with your code)"
    )


def unanswered_exercise(error: BaseException, tb: Any) -> str | None:
    """Return the exercise whose untouched stub raised ``error`` ("" if unnamed), or None for any other error.

    Only nbgrader's stub counts: a ``NotImplementedError`` raised by the
    line ``raise NotImplementedError()`` of a notebook cell itself (a library's
    NotImplementedError keeps its usual traceback).
    """
    if not isinstance(error, NotImplementedError) or tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    lines = linecache.getlines(code.co_filename)
    if code.co_name != "<module>" or not 0 < tb.tb_lineno <= len(lines):
        return None
    if not lines[tb.tb_lineno - 1].strip().startswith(STUB_RAISE):
        return None
    for line in reversed(lines[: tb.tb_lineno - 1]):
        found = _EXERCISE_RE.match(line.strip())
        if found:
            return found["exercise"].strip()
    return ""


def _show_unanswered(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None
) -> None:
    """IPython custom exception handler: one zh-TW sentence for an unanswered stub, else the usual traceback."""
    exercise = unanswered_exercise(value, tb)
    if exercise is not None:
        value._render_traceback_ = lambda: [unanswered_message(exercise)]  # type: ignore[attr-defined]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def explain_unanswered(shell: Any = None) -> bool:
    """Show an unanswered answer cell's error in zh-TW in this IPython kernel; return whether it is installed.

    Nothing changes outside IPython, or where another custom exception handler is already set.
    The cell still fails (so "run all" and Validate stop there and say so); only what it says changes.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # not loaded: not a notebook kernel (and not worth importing)
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    if shell.custom_exceptions and shell.custom_exceptions != (NotImplementedError,):
        return False
    shell.set_custom_exc((NotImplementedError,), _show_unanswered)
    return True
