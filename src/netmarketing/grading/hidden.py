"""Helpers for hidden tests: the expected answers of the learner being graded.

Hidden tests run in the learner's kernel, where ``NETMARKETING_LEARNER`` is the
submitting learner (see :mod:`netmarketing.grading.identity`), so they recompute
the answer from the same variant the learner worked on. A learner who pastes
another learner's numbers therefore fails them.

Examples (inside a ``### BEGIN HIDDEN TESTS`` region)::

    from netmarketing.grading.hidden import my_truth, my_tables
    assert top_category == my_truth()["strength_category"]
    orders = my_tables()["orders"]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from netmarketing.learner.data import my_world
from netmarketing.learner.identity import learner_id, learner_seed

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["learner_id", "learner_seed", "my_tables", "my_truth"]


def my_truth() -> dict[str, Any]:
    """Return the truth manifest of the current learner's variant (``load_world(learner_seed()).truth``)."""
    return my_world().truth


class _FreshTables(Mapping):
    """Read-only view of a world's tables that hands out a copy on every access."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self._tables = tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._tables[name].copy()

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def my_tables() -> Mapping[str, pd.DataFrame]:
    """Return the tables of the current learner's variant; each access gives a fresh copy.

    Copies, because the learner's code may have modified the cached frames in place.
    """
    return _FreshTables(my_world().tables)
