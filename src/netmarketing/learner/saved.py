"""Answers given through a widget, saved beside the notebook so that a fresh run finds them.

A widget (for example the SWOT board) calls :func:`save_answer` when the learner presses
its save button; the file ``answers/<grade id>.json`` lands in the assignment folder and
is submitted with the notebook. The graded cell reads it back with :func:`saved_answer`,
so the grader's fresh re-run of the notebook sees exactly what the learner chose. A
learner who never saves has no file, and the item has no answer.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from netmarketing.learner.answers import MAX_JSON_BYTES, AnswerError, _plain

#: Folder of saved widget answers, relative to the notebook (the assignment folder).
SAVED_DIR = "answers"
_GRADE_ID = re.compile(r"^[a-z0-9_]{1,80}$")


def saved_path(grade_id: str, folder: str | os.PathLike | None = None) -> Path:
    """Return the file that holds the saved answer of ``grade_id``."""
    if not _GRADE_ID.match(grade_id):
        raise AnswerError(f"評分代號 {grade_id!r} 不正確 (bad grade id)")
    return Path(folder or ".") / SAVED_DIR / f"{grade_id}.json"


def save_answer(grade_id: str, value: Any, folder: str | os.PathLike | None = None) -> Path:
    """Save a widget's answer (JSON data) for ``grade_id`` and return the file."""
    path = saved_path(grade_id, folder)
    payload = json.dumps({"grade_id": grade_id, "value": _plain(value)}, ensure_ascii=False, indent=1)
    if len(payload.encode("utf-8")) > MAX_JSON_BYTES:
        raise AnswerError("答案太大（超過 1 MB）(answer larger than 1 MB)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(payload, encoding="utf-8")
    os.replace(tmp, path)
    return path


def saved_answer(grade_id: str, default: Any = None, folder: str | os.PathLike | None = None) -> Any:
    """Return the saved answer of ``grade_id``, or ``default`` when nothing was saved (or the file is broken)."""
    path = saved_path(grade_id, folder)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default
    if not isinstance(raw, dict) or raw.get("grade_id") != grade_id:
        return default
    return raw.get("value", default)
