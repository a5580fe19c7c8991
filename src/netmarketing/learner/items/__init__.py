"""What each graded item expects, as the learner may know it: the answers' kinds and the self-checks.

Every automatically graded cell of a notebook calls ``submit(grade_id, ...)``; the item
registered here under that grade id says which answers it takes (:mod:`..answers` specs)
and which formative self-checks to print. Self-checks use only what a learner may see:
their own answers and their own tables (``learner.load``), never an answer key. The
grade itself comes from the grader's check of the same id
(:mod:`netmarketing.grading.checks`), which is the only place that knows the truth.

One file per module (``m00_orientation.py``, ...) registers its items with :func:`item`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from netmarketing.learner.answers import Spec

#: Modules that register items, imported on first use.
MODULES = ("m00_orientation", "m01_t1_1", "m01_t1_2")

#: A self-check gets the answers as attributes (``a.n_orders``) and yields ``(passed, message)`` lines.
SelfCheck = Callable[[SimpleNamespace], Iterable[tuple[bool, str]]]


@dataclass(frozen=True)
class Item:
    """One automatically graded item: its grade id, where it is asked, its answers and self-checks."""

    grade_id: str
    exercise: str
    answers: Mapping[str, Spec]
    selfcheck: SelfCheck | None = None
    hint: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


ITEMS: dict[str, Item] = {}
_loaded = False


def item(
    grade_id: str,
    exercise: str,
    answers: Mapping[str, Spec],
    selfcheck: SelfCheck | None = None,
    *,
    hint: str = "",
) -> Item:
    """Register and return the item ``grade_id`` (asked in ``exercise``, e.g. ``"練習 1"``)."""
    if grade_id in ITEMS:
        raise ValueError(f"item {grade_id} registered twice")
    entry = Item(grade_id, exercise, dict(answers), selfcheck, hint)
    ITEMS[grade_id] = entry
    return entry


def load_all() -> dict[str, Item]:
    """Import every module's items and return the registry."""
    global _loaded
    if not _loaded:
        for name in MODULES:
            try:
                importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        _loaded = True
    return ITEMS


def find(grade_id: str) -> Item | None:
    """Return the item registered under ``grade_id``, or None."""
    return load_all().get(grade_id)
