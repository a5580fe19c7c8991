"""The learner's own tables: from their data folder, or the public self-study variant.

Where the tables come from (first hit wins):

1. ``$NETMARKETING_DATA``: a learner data folder (``variant.json`` + ``tables/``), set by
   the grader for each submission and by the class hub for each learner;
2. ``~/netmarketing-data/`` when it holds a ``variant.json`` (a folder the instructor gave you);
3. the **public self-study variant**, built on this machine. Everyone who studies alone
   gets the same public numbers; graded variants come only from the instructor.

A data folder holds tables only: no truth manifest, no seed and no course secret, so
nothing a learner's kernel can reach leads to an answer key. ``NETMARKETING_SCALE``
(default 1.0) shrinks or grows the self-study world, e.g. for fast tests.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ENV_DATA = "NETMARKETING_DATA"
ENV_SCALE = "NETMARKETING_SCALE"
SELF_STUDY = "self-study"
#: Public learner id whose variant is the self-study data (the seed is public on purpose).
PUBLIC_VARIANT_ID = "self-study"


def learner_scale() -> float:
    """Return the world scale (``$NETMARKETING_SCALE``, default 1.0)."""
    raw = os.environ.get(ENV_SCALE, "").strip()
    try:
        scale = float(raw) if raw else 1.0
    except ValueError:
        scale = -1.0
    if scale <= 0:
        raise ValueError(f"NETMARKETING_SCALE 必須是正數，目前是 {raw!r} (must be a positive number)")
    return scale


def data_folder() -> Path | None:
    """Return the learner data folder in use, or None for the public self-study variant."""
    raw = os.environ.get(ENV_DATA, "").strip()
    if raw:
        folder = Path(raw).expanduser()
        if not (folder / "variant.json").is_file():
            raise FileNotFoundError(
                f"找不到資料資料夾 {folder}（缺少 variant.json）；請洽講師 "
                f"(no learner data folder at {folder}: variant.json is missing)"
            )
        return folder
    home = Path.home() / "netmarketing-data"
    return home if (home / "variant.json").is_file() else None


def variant() -> dict[str, Any]:
    """Return who the data belongs to: ``{"learner", "variant", "self_study"}``."""
    folder = data_folder()
    if folder is None:
        return {"learner": None, "variant": SELF_STUDY, "self_study": True}
    from netmarketing.data.release import read_variant

    meta = read_variant(folder)
    return {"learner": meta.get("learner"), "variant": str(meta["variant"]), "self_study": False}


@functools.lru_cache(maxsize=2)
def _self_study_tables(scale: float) -> dict[str, pd.DataFrame]:
    from netmarketing.data import load_world, seed_for

    # Keep the tables only: nothing here holds on to the world's truth manifest.
    return dict(load_world(seed_for(PUBLIC_VARIANT_ID), scale=scale).tables)


def table_names() -> list[str]:
    """Return the names of the tables you can load."""
    folder = data_folder()
    if folder is None:
        return sorted(_self_study_tables(learner_scale()))
    return sorted(p.stem for p in (folder / "tables").glob("*.parquet"))


@functools.lru_cache(maxsize=32)
def _read_table(path: str, mtime: float) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(path)


def load(name: str) -> pd.DataFrame:
    """Return a copy of one of your tables.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"orders"`` or ``"ga4_events"`` (``learner.table_names()`` lists them).

    Raises
    ------
    KeyError
        With the list of available tables (zh-TW first) when ``name`` is unknown.
    """
    folder = data_folder()
    if folder is None:
        tables = _self_study_tables(learner_scale())
        frame = tables.get(name)
    else:
        path = folder / "tables" / f"{name}.parquet"
        frame = _read_table(str(path), path.stat().st_mtime) if path.is_file() else None
    if frame is None:
        available = "、".join(table_names())
        raise KeyError(f"找不到資料表 {name!r}，可用的有：{available} (unknown table {name!r})")
    # A copy, so that a learner's in-place edits never leak into the next load().
    return frame.copy()
