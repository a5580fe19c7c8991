"""The competency framework as the certify room needs it: four small tables.

The standard room owns the standard (``netmarketing.standard.load_standard()``);
this module only flattens it into pandas tables so that scoring, policy,
reports and credentials share one shape:

- ``duties``: code, name
- ``tasks``: code, name, duty
- ``indicators``: code, name, task, duty
- ``outputs``: code, name, task, duty

Any object with those columns (for example a hand-made one in a test) can be
passed wherever a :class:`Framework` is expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

FRAMEWORK_CODE = "KMC2431-008v1"
FRAMEWORK_NAME = "KMC2431-008v1 網路行銷企劃主管"
LEVEL = 4


@dataclass(frozen=True)
class Framework:
    """The duties, tasks, indicators and work outputs of the standard, as tables."""

    duties: pd.DataFrame
    tasks: pd.DataFrame
    indicators: pd.DataFrame
    outputs: pd.DataFrame

    @property
    def indicator_codes(self) -> list[str]:
        return list(self.indicators["code"])

    @property
    def duty_codes(self) -> list[str]:
        return list(self.duties["code"])

    @cached_property
    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for table in (self.indicators, self.tasks, self.duties, self.outputs):
            names.update(zip(table["code"], table["name"].astype(str), strict=True))
        return names

    def name_of(self, code: str) -> str:
        """Return the zh-TW name of any code of the framework (or the code itself)."""
        return self._names.get(code, code)

    def indicators_of_duty(self, duty: str) -> list[str]:
        return list(self.indicators.loc[self.indicators["duty"] == duty, "code"])


def _members(collection: Any) -> list[Any]:
    """Return the members of a dict (its values) or any other iterable."""
    if isinstance(collection, dict):
        return list(collection.values())
    return list(collection) if isinstance(collection, Iterable) else []


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def _code(value: Any) -> str | None:
    """Return the code of a reference that may be a code or an object with ``.code``."""
    if value is None or isinstance(value, str):
        return value
    return _attr(value, "code")


def _name(obj: Any) -> str:
    text = str(_attr(obj, "name_zh", "zh", "text_zh", "name", "title", "text", "code", default=""))
    # Note markers such as 【註1】 belong to the printed standard, not to a report heading.
    return re.sub(r"\s*\^?\{?【註?\d+】\}?", "", text).strip()


def framework_from_standard(standard: Any | None = None) -> Framework:
    """Flatten the standard room's object into a :class:`Framework`.

    Parameters
    ----------
    standard : object, optional
        What ``netmarketing.standard.load_standard()`` returns; loaded when omitted.
        Its ``duties``, ``tasks``, ``indicators`` and ``outputs`` may be dicts keyed
        by code or lists; indicators and outputs know their ``task``, tasks their
        ``duty`` (a code or an object with ``.code``).
    """
    if standard is None:
        from netmarketing.standard import load_standard  # the standard room's door

        standard = load_standard()
    tasks = pd.DataFrame(
        [
            {"code": _attr(t, "code"), "name": _name(t), "duty": _code(_attr(t, "duty", "duty_code"))}
            for t in _members(_attr(standard, "tasks"))
        ]
    )
    duty_of_task = dict(zip(tasks["code"], tasks["duty"], strict=True))

    def _with_task(objs: Any) -> pd.DataFrame:
        rows = []
        for obj in _members(objs):
            task = _code(_attr(obj, "task", "task_code"))
            rows.append({"code": _attr(obj, "code"), "name": _name(obj), "task": task})
        frame = pd.DataFrame(rows, columns=["code", "name", "task"])
        frame["duty"] = frame["task"].map(duty_of_task)
        return frame

    duties = pd.DataFrame(
        [{"code": _attr(d, "code"), "name": _name(d)} for d in _members(_attr(standard, "duties"))]
    )
    indicators = _with_task(_attr(standard, "indicators"))
    outputs = _with_task(_attr(standard, "outputs", "work_outputs"))
    return Framework(
        duties=duties.sort_values("code", ignore_index=True),
        tasks=tasks.sort_values("code", ignore_index=True),
        indicators=indicators.sort_values("code", key=_code_sort_key, ignore_index=True),
        outputs=outputs.sort_values("code", ignore_index=True),
    )


def _code_sort_key(codes: pd.Series) -> pd.Series:
    # "P1.2.10" must sort after "P1.2.9".
    return codes.map(lambda c: tuple(int(p) for p in str(c)[1:].split(".")))


_CACHE: dict[str, Framework] = {}


def default_framework() -> Framework:
    """Return the framework of the installed standard (loaded once)."""
    if "default" not in _CACHE:
        _CACHE["default"] = framework_from_standard()
    return _CACHE["default"]
