"""The grader's checks: one function per automatically graded item, judged outside the learner's kernel.

A check takes the answers a learner handed in (``a.<name>``, already read back as data
and checked against the item's spec from :mod:`netmarketing.learner.items`) and that
learner's variant (``v``: tables, truth, and a cache of values derived from them), and
returns a :class:`Result`: the fraction of the item's points earned and a message in
zh-TW and English that says what was wrong and where to look, never the expected answer.

Checks run in the grader's worker process after the kernel has ended. Learner code never
runs in that process, so nothing a learner does to their own kernel reaches a check.

Writing one (``m00_orientation.py`` is the smallest example)::

    @check("practice__n_orders")
    def n_orders(a, v):
        if a.n_orders == len(v.table("orders")):
            return full()
        return zero("n_orders 和你的訂單資料表列數不一致：請用 len(orders)", "n_orders does not match ...")
"""

from __future__ import annotations

import importlib
import math
import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from netmarketing.learner import answers as answer_kinds
from netmarketing.learner import items as learner_items

#: Modules that register the course's checks, imported on first use.
MODULES = ("m00_orientation", "m01_t1_1", "m01_t1_2")


@dataclass(frozen=True)
class Result:
    """The outcome of one check: the fraction of points earned and why, in zh-TW and English."""

    fraction: float
    message_zh: str
    message_en: str = ""

    def __post_init__(self) -> None:
        value = float(self.fraction)
        if math.isnan(value):
            value = 0.0
        object.__setattr__(self, "fraction", min(1.0, max(0.0, value)))


def full(zh: str = "正確。", en: str = "correct") -> Result:
    return Result(1.0, zh, en)


def zero(zh: str, en: str = "") -> Result:
    return Result(0.0, zh, en)


def partial(fraction: float, zh: str, en: str = "") -> Result:
    return Result(fraction, zh, en)


@dataclass
class Variant:
    """One learner's variant as a check sees it: tables (fresh copies), the truth, a shared cache."""

    learner: str
    tables: Mapping[str, Any]
    truth: Mapping[str, Any]
    cache: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> Any:
        """Return a copy of one of the learner's tables."""
        return self.tables[name].copy()

    def derived(self, key: str, compute: Callable[[Variant], Any]) -> Any:
        """Return ``compute(self)``, computed once per learner and shared by the checks of a module."""
        if key not in self.cache:
            self.cache[key] = compute(self)
        return self.cache[key]


Check = Callable[[SimpleNamespace, Variant], Result]


@dataclass(frozen=True)
class Registered:
    grade_id: str
    fn: Check
    module: str
    #: For items answered through a widget: the answer a learner who gets it right saves
    #: (``learner.save_answer``), computed from the variant. The course check and the simulated
    #: cohort write it where the notebook's fresh run finds it; learners never see it.
    saved: Callable[[Variant], Any] | None = None


CHECKS: dict[str, Registered] = {}
_imported: set[str] = set()


def check(grade_id: str, *, saved: Callable[[Variant], Any] | None = None) -> Callable[[Check], Check]:
    """Register the decorated function as the check of ``grade_id``.

    ``saved`` (widget items only) returns the right saved answer for a variant; see
    :func:`write_saved_answers`.
    """

    def register(fn: Check) -> Check:
        if grade_id in CHECKS and CHECKS[grade_id].fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"check {grade_id} registered twice")
        CHECKS[grade_id] = Registered(grade_id, fn, fn.__module__, saved)
        return fn

    return register


def write_saved_answers(folder: Any, grade_ids: Iterable[str], variant: Variant) -> list[str]:
    """Save, beside a notebook in ``folder``, the right widget answers of ``grade_ids`` for ``variant``.

    What a learner who answers every widget item correctly would have saved; used to run the
    course's solutions (``course check --execute``) and to simulate a cohort. Returns the grade
    ids written.
    """
    from netmarketing.learner.saved import save_answer

    written = []
    for grade_id in grade_ids:
        registered = CHECKS.get(grade_id)
        if registered is not None and registered.saved is not None:
            save_answer(grade_id, registered.saved(variant), folder)
            written.append(grade_id)
    return written


#: Dotted names of more check modules to load, comma-separated (a course's own, or a test fixture's);
#: grading workers inherit it, so nbgrader's own autograde path sees them too.
ENV_EXTRA = "NETMARKETING_EXTRA_CHECKS"


def load_checks(extra: Iterable[str] = ()) -> dict[str, Registered]:
    """Import the course's check modules (and ``extra`` / ``$NETMARKETING_EXTRA_CHECKS`` ones); return the registry."""
    configured = [m.strip() for m in os.environ.get(ENV_EXTRA, "").split(",") if m.strip()]
    names = [f"{__name__}.{m}" for m in MODULES] + list(extra) + configured
    for name in names:
        if name in _imported:
            continue
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
        _imported.add(name)
    return CHECKS


def judge(grade_id: str, answers: Mapping[str, Any] | None, problem: str | None, variant: Variant) -> Result:
    """Score one item: no answer, a malformed one, or the check's verdict (never raises)."""
    registered = CHECKS.get(grade_id)
    if registered is None:
        return zero("此項目沒有評分程式，請通知講師", f"no check registered for {grade_id}")
    if problem:
        return zero(f"交出的答案無法讀取：{problem}", f"the answer could not be read: {problem}")
    item = learner_items.find(grade_id)
    if answers is None:
        where = f"（{item.exercise}）" if item else ""
        return zero(
            f"沒有交出答案{where}：請完成作答格，並執行評分格中的 submit(...)",
            "no answer was handed in: complete the exercise and run the graded cell",
        )
    if item is not None:
        unanswered = [name for name in item.answers if name not in answers]
        if unanswered:
            names = "、".join(unanswered)
            return zero(
                f"沒有交出 {names}（{item.exercise} 尚未完成）：請完成作答格後再執行評分格",
                f"{', '.join(unanswered)} not handed in: the exercise is unfinished",
            )
        found = answer_kinds.problems(answers, item.answers)
        if found:
            text = "；".join(found)
            return zero(f"答案格式不符：{text}", f"the answer has the wrong form: {text}")
        answers = {k: v for k, v in answers.items() if k in item.answers}
    try:
        result = registered.fn(SimpleNamespace(**answers), variant)
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-200:]
        return zero(
            "答案無法判讀（格式或內容與題目要求不符），請對照題目說明再檢查一次",
            f"the answer could not be judged ({detail})",
        )
    if not isinstance(result, Result):
        return zero("評分程式沒有回傳結果，請通知講師", f"check {grade_id} returned {type(result).__name__}")
    return result
