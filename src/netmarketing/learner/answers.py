"""Answers a notebook hands in: which kinds travel, how they are written, and how they are read back.

A graded cell calls :func:`netmarketing.learner.submit`, which turns each answer into
plain data and (while grading) writes it to a folder; the grader reads it back in a
process that never ran learner code and judges it there. Only data travels, never
code: JSON for numbers, text, lists and dicts; Parquet for tables and series; a JSON
summary for a chart. Nothing is pickled and nothing is evaluated, so reading an answer
cannot run anything a learner wrote.

Layout of one item, ``<folder>/<grade_id>/``::

    answer.json           {"grade_id": ..., "values": {name: {"kind": ..., ...}}}
    <name>.parquet        one per table or series answer

Specs (:class:`Spec` and its helpers) say which kind and shape an item expects; the
learner's self-check and the grader's check both use them, so a learner sees the same
format message the grader would give.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Caps on what one item may carry (a learner can write anything; the grader reads only this much).
MAX_JSON_BYTES = 1_000_000
MAX_TABLE_BYTES = 20_000_000
MAX_TABLE_ROWS = 500_000
MAX_ITEMS = 400
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_GRADE_ID = re.compile(r"^[a-z0-9_]{1,80}$")


class AnswerError(ValueError):
    """An answer that cannot travel (wrong kind, too large); the message is zh-TW with English."""


# -- turning values into plain data --------------------------------------------------------------
def _plain(value: Any, depth: int = 0) -> Any:
    """Return ``value`` as JSON-able data (numpy scalars, tuples, sets and timestamps converted)."""
    import numpy as np
    import pandas as pd

    if depth > 20:
        raise AnswerError("答案的巢狀層次太深 (nested too deeply)")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, Mapping):
        return {str(_plain(k, depth + 1)): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_plain(v, depth + 1) for v in value]
        return sorted(items, key=lambda v: (str(type(v)), str(v)))
    if isinstance(value, list | tuple | np.ndarray | pd.Index):
        return [_plain(v, depth + 1) for v in list(value)]
    raise AnswerError(
        f"無法交出 {type(value).__name__} 型別的答案；請交數字、文字、串列、字典、表格或圖表 "
        f"(cannot hand in a {type(value).__name__})"
    )


def figure_summary(fig_or_ax: Any) -> dict[str, Any]:
    """Return what a grader can judge about a matplotlib chart: titles, labels, marks, legend.

    Accepts a ``Figure``, an ``Axes`` or a seaborn grid (anything with ``.figure``).
    """
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

    if isinstance(fig_or_ax, MplFigure):
        fig = fig_or_ax
    elif isinstance(fig_or_ax, Axes):
        fig = fig_or_ax.get_figure()
    else:
        fig = getattr(fig_or_ax, "figure", None)  # a seaborn grid
    if not isinstance(fig, MplFigure):
        raise AnswerError("這不是 matplotlib 圖表 (not a matplotlib chart)")
    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append(
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "xticklabels": [t.get_text() for t in ax.get_xticklabels()][:200],
                "yticklabels": [t.get_text() for t in ax.get_yticklabels()][:200],
                "n_bars": sum(1 for p in ax.patches if type(p).__name__ == "Rectangle"),
                "n_lines": len(ax.lines),
                "n_collections": len(ax.collections),
                "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            }
        )
    suptitle = getattr(fig, "_suptitle", None)
    return {"suptitle": suptitle.get_text() if suptitle else "", "axes": axes}


def _is_chart(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith(("matplotlib.", "seaborn."))


def encode(value: Any) -> tuple[dict[str, Any], Any]:
    """Return ``(entry, frame)``: the JSON entry of one answer and the table to write, if any."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        frame = value.copy()
        frame.columns = [str(c) for c in frame.columns]
        _check_table(frame)
        return {"kind": "table"}, frame
    if isinstance(value, pd.Series):
        frame = value.to_frame(name="value")
        _check_table(frame)
        return {"kind": "series", "name": _plain(value.name)}, frame
    if isinstance(value, Figure):
        return {"kind": "figure", "value": dict(value.summary)}, None
    if _is_chart(value):
        return {"kind": "figure", "value": figure_summary(value)}, None
    return {"kind": "value", "value": _plain(value)}, None


def _check_table(frame: Any) -> None:
    if len(frame) > MAX_TABLE_ROWS:
        raise AnswerError(
            f"表格太大（{len(frame):,} 列，上限 {MAX_TABLE_ROWS:,}）；請交出彙總後的結果 (table too large)"
        )


def write_item(folder: Path, grade_id: str, values: Mapping[str, Any]) -> Path:
    """Write one item's answers under ``folder/<grade_id>/`` (replacing an earlier hand-in) and return it."""
    if not _GRADE_ID.match(grade_id):
        raise AnswerError(f"評分代號 {grade_id!r} 不正確 (bad grade id)")
    entries: dict[str, Any] = {}
    frames = {}
    for name, value in values.items():
        if not _NAME.match(name):
            raise AnswerError(f"答案名稱 {name!r} 不正確 (bad answer name)")
        entries[name], frame = encode(value)
        if frame is not None:
            frames[name] = frame
    payload = json.dumps({"grade_id": grade_id, "values": entries}, ensure_ascii=False)
    if len(payload.encode("utf-8")) > MAX_JSON_BYTES:
        raise AnswerError("答案太大（超過 1 MB）；請交出彙總後的結果 (answer larger than 1 MB)")
    target = Path(folder) / grade_id
    tmp = Path(folder) / f".{grade_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, frame in frames.items():
        frame.to_parquet(tmp / f"{name}.parquet")
    (tmp / "answer.json").write_text(payload, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return target


# -- reading answers back (grader side: the folder was written by untrusted code) ----------------
def _read_regular(path: Path, limit: int) -> bytes:
    """Return a regular file's bytes without following symlinks; refuse anything larger than ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        import stat

        if not stat.S_ISREG(info.st_mode):
            raise AnswerError(f"{path.name} 不是一般檔案 (not a regular file)")
        if info.st_size > limit:
            raise AnswerError(f"{path.name} 太大 ({info.st_size:,} bytes; limit {limit:,})")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise AnswerError(f"{path.name} 太大 (larger than {limit:,} bytes)")
        return data
    finally:
        os.close(fd)


def _read_table(path: Path) -> Any:
    import io

    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(_read_regular(path, MAX_TABLE_BYTES)))
    if table.num_rows > MAX_TABLE_ROWS:
        raise AnswerError(f"{path.name} 列數太多 (too many rows)")
    return table.to_pandas()


def read_item(item_dir: Path) -> dict[str, Any]:
    """Return the answers of one item folder written by :func:`write_item` (raises AnswerError)."""

    raw = json.loads(_read_regular(item_dir / "answer.json", MAX_JSON_BYTES).decode("utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), dict):
        raise AnswerError("answer.json 格式不正確 (malformed answer.json)")
    values: dict[str, Any] = {}
    for name, entry in raw["values"].items():
        if not _NAME.match(str(name)) or not isinstance(entry, dict):
            raise AnswerError(f"答案 {name!r} 格式不正確 (malformed entry)")
        kind = entry.get("kind")
        if kind == "value":
            values[name] = entry.get("value")
        elif kind == "figure":
            values[name] = Figure(entry.get("value") or {})
        elif kind in ("table", "series"):
            frame = _read_table(item_dir / f"{name}.parquet")
            if kind == "series":
                if "value" not in frame.columns:
                    raise AnswerError(f"{name} 不是序列 (not a series)")
                values[name] = frame["value"].rename(entry.get("name"))
            else:
                values[name] = frame
        else:
            raise AnswerError(f"答案 {name!r} 的種類 {kind!r} 不明 (unknown kind)")
    return values


def read_folder(folder: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Return ``({grade_id: answers}, {grade_id: problem})`` of every item in a collected folder."""
    answers: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return answers, problems
    for n, entry in enumerate(sorted(folder.iterdir(), key=lambda p: p.name)):
        if n >= MAX_ITEMS:
            break
        if entry.name.startswith(".") or not _GRADE_ID.match(entry.name):
            continue
        if entry.is_symlink() or not entry.is_dir():
            problems[entry.name] = "答案不是資料夾 (not a folder)"
            continue
        try:
            answers[entry.name] = read_item(entry)
        except (AnswerError, OSError, ValueError, UnicodeDecodeError) as exc:
            problems[entry.name] = f"無法讀取答案：{exc}"[:300]
        except Exception as exc:  # pyarrow raises its own errors on a corrupt file
            problems[entry.name] = f"無法讀取答案 ({type(exc).__name__})"
    return answers, problems


@dataclass(frozen=True)
class Figure:
    """A chart as the grader sees it: the summary made by :func:`figure_summary`."""

    summary: Mapping[str, Any]

    @property
    def axes(self) -> list[Mapping[str, Any]]:
        axes = self.summary.get("axes", [])
        return [a for a in axes if isinstance(a, Mapping)] if isinstance(axes, list) else []

    def texts(self) -> str:
        """Return every title, label and legend text of the chart, for checks on wording."""
        parts = [str(self.summary.get("suptitle", ""))]
        for ax in self.axes:
            parts += [str(ax.get(k, "")) for k in ("title", "xlabel", "ylabel")]
            for key in ("xticklabels", "yticklabels", "legend"):
                parts += [str(t) for t in ax.get(key, []) or []]
        return " ".join(p for p in parts if p)


# -- specs ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """What one answer must look like: a zh-TW description and a test that returns a problem or None."""

    describe: str
    problem: Callable[[Any], str | None]

    def __call__(self, value: Any) -> str | None:
        return self.problem(value)


def _integer(value: Any) -> str | None:
    import numpy as np

    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        return f"應為整數，目前是 {type(value).__name__}"
    return None


def _number(value: Any) -> str | None:
    import numpy as np

    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return f"應為數字，目前是 {type(value).__name__}"
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return "應為有限的數字（不是 NaN 或無限大）"
    return None


INTEGER = Spec("整數 (int)", _integer)
NUMBER = Spec("數字 (int 或 float)", _number)
BOOLEAN = Spec(
    "True 或 False", lambda v: None if isinstance(v, bool) else f"應為 True 或 False，目前是 {v!r}"
)


def text(min_chars: int = 1, max_chars: int = 20_000) -> Spec:
    """Return the spec of a text answer of ``min_chars`` to ``max_chars`` characters (spaces not counted)."""

    def problem(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"應為文字 (str)，目前是 {type(value).__name__}"
        length = len(re.sub(r"\s", "", value))
        if length < min_chars:
            return f"至少要寫 {min_chars} 個字（目前 {length} 個）"
        if length > max_chars:
            return f"請精簡到 {max_chars} 個字以內（目前 {length} 個）"
        return None

    return Spec(f"文字（{min_chars} 字以上）", problem)


TEXT = text()


def one_of(options: Iterable[Any], *, describe: str | None = None) -> Spec:
    """Return the spec of a choice among fixed ``options`` (use for labels that do not depend on the variant)."""
    allowed = list(options)

    def problem(value: Any) -> str | None:
        return None if value in allowed else f"應為 {', '.join(map(str, allowed))} 其中之一，目前是 {value!r}"

    return Spec(describe or f"{'、'.join(map(str, allowed))} 其中之一", problem)


def list_of(item: Spec, *, min_len: int = 0, max_len: int = 1000) -> Spec:
    """Return the spec of a list whose every element meets ``item``."""

    def problem(value: Any) -> str | None:
        if not isinstance(value, list | tuple):
            return f"應為串列 (list)，目前是 {type(value).__name__}"
        if not min_len <= len(value) <= max_len:
            return f"應有 {min_len}–{max_len} 個項目，目前有 {len(value)} 個"
        for i, element in enumerate(value):
            bad = item(element)
            if bad:
                return f"第 {i + 1} 個項目{bad}"
        return None

    return Spec(f"{item.describe}的串列", problem)


def dict_of(value_spec: Spec, *, keys: Iterable[str] | None = None) -> Spec:
    """Return the spec of a dict with text keys (exactly ``keys`` when given) and values meeting ``value_spec``."""
    wanted = sorted(keys) if keys is not None else None

    def problem(value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return f"應為字典 (dict)，目前是 {type(value).__name__}"
        if wanted is not None and sorted(map(str, value)) != wanted:
            return f"鍵 (keys) 應為 {', '.join(wanted)}"
        for key, element in value.items():
            bad = value_spec(element)
            if bad:
                return f"{key!r} 的值{bad}"
        return None

    return Spec(f"值為{value_spec.describe}的字典", problem)


def table(*columns: str, min_rows: int = 1) -> Spec:
    """Return the spec of a table (pandas DataFrame) with at least the named ``columns``."""

    def problem(value: Any) -> str | None:
        import pandas as pd

        if not isinstance(value, pd.DataFrame):
            return f"應為表格 (DataFrame)，目前是 {type(value).__name__}"
        missing = [c for c in columns if c not in map(str, value.columns)]
        if missing:
            return f"缺少欄位：{', '.join(missing)}"
        if len(value) < min_rows:
            return f"至少要有 {min_rows} 列"
        return None

    return Spec(f"含欄位 {', '.join(columns)} 的表格" if columns else "表格 (DataFrame)", problem)


def series(*, min_len: int = 1, numeric: bool = True) -> Spec:
    """Return the spec of a pandas Series (numeric values by default)."""

    def problem(value: Any) -> str | None:
        import pandas as pd

        if not isinstance(value, pd.Series):
            return f"應為 pandas Series，目前是 {type(value).__name__}"
        if len(value) < min_len:
            return f"至少要有 {min_len} 個值"
        if numeric and not pd.api.types.is_numeric_dtype(value):
            return "的值應為數字"
        return None

    return Spec("pandas Series", problem)


def _figure(value: Any) -> str | None:
    return None if isinstance(value, Figure) or _is_chart(value) else "應為 matplotlib 圖表 (Figure 或 Axes)"


FIGURE = Spec("圖表 (matplotlib Figure 或 Axes)", _figure)


def problems(values: Mapping[str, Any], specs: Mapping[str, Spec]) -> list[str]:
    """Return zh-TW problems of ``values`` against ``specs`` (missing names, wrong kinds); empty when fine."""
    found = []
    for name, spec in specs.items():
        if name not in values:
            found.append(f"缺少答案 {name}")
            continue
        bad = spec(values[name])
        if bad:
            found.append(f"{name} {bad}")
    return found


def encode_all(values: Mapping[str, Any]) -> None:
    """Check that every answer can travel (raises AnswerError), without writing anything."""
    for name, value in values.items():
        if not _NAME.match(name):
            raise AnswerError(f"答案名稱 {name!r} 不正確 (bad answer name)")
        encode(value)
