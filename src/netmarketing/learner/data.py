"""The learner's variant of the synthetic world (tables only; the truth manifest is for grading).

The world is built once per seed and cached on disk by
:func:`netmarketing.data.load_world`. ``NETMARKETING_SCALE`` (default 1.0)
shrinks or grows the world, e.g. for fast tests; grading uses the same value.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from netmarketing.learner.identity import learner_id, learner_seed

if TYPE_CHECKING:
    import pandas as pd

    from netmarketing.data import World

ENV_SCALE = "NETMARKETING_SCALE"


def learner_scale() -> float:
    """Return the world scale used for every learner (``$NETMARKETING_SCALE``, default 1.0)."""
    raw = os.environ.get(ENV_SCALE, "").strip()
    try:
        scale = float(raw) if raw else 1.0
    except ValueError:
        raise ValueError(
            f"NETMARKETING_SCALE 必須是正數，目前是 {raw!r} (must be a positive number)"
        ) from None
    if scale <= 0:
        raise ValueError(f"NETMARKETING_SCALE 必須是正數，目前是 {raw!r} (must be a positive number)")
    return scale


@functools.lru_cache(maxsize=4)
def _world(seed: int, scale: float) -> World:
    from netmarketing.data import load_world

    return load_world(seed, scale=scale)


def my_world() -> World:
    """Return the whole variant of the current learner (read the tables, not ``.truth``)."""
    return _world(learner_seed(), learner_scale())


def load(name: str) -> pd.DataFrame:
    """Return a copy of one table of the current learner's variant.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"orders"`` or ``"ga4_events"``.

    Raises
    ------
    KeyError
        With the list of available tables (zh-TW first) when ``name`` is unknown.
    """
    tables = my_world().tables
    if name not in tables:
        available = "、".join(sorted(tables))
        raise KeyError(
            f"找不到資料表 {name!r}，可用的有：{available} (unknown table {name!r}; learner {learner_id()!r})"
        )
    # A copy, so a learner's in-place edits never leak into the next load().
    return tables[name].copy()
