"""Rubrics for manually graded items (``autograder/rubrics/*.yaml``, zh-TW).

One rubric per kind of manual item: written analysis, SWOT / strategy text, the
analysis report O1.2.1, the annual plan O2.1.1, the traffic report O3.1.1, the
sales report O3.1.2, the market / performance report O3.2.1 and the
presentation P3.2.2.

File format (``id`` equals the file name without ``.yaml``)::

    id: analysis_report_o121
    title: 分析報告 (analysis report, O1.2.1)
    output: O1.2.1            # or null
    indicators: [P1.2.1, P1.2.2]
    use_for: 何時使用本規準
    criteria:                 # each criterion graded 0-3 on its own
      - name: 結論直接回答題目所問的商業問題
        levels:               # what each level of THIS criterion looks like, with an exemplar answer
          0: {descriptor: 沒有結論, exemplar: （空白）}
          1: {descriptor: ..., exemplar: 「……」}
          2: {descriptor: ..., exemplar: 「……」}
          3: {descriptor: ..., exemplar: 「……」}
    levels:                   # exactly 0, 1, 2, 3: names and fractions shared by the criteria
      0: {label: 未作答, fraction: 0.0, description: 這個等級看起來像什麼}
      ...
      3: {label: 優異, fraction: 1.0, description: ...}

A grader gives each criterion a level (the rubric record, :mod:`.manual`); the cell's
score is ``points x`` the mean fraction of those levels. Fractions rise with the
level, level 0 is 0 and level 3 is 1. Older rubrics list criteria as plain text;
every rubric a course item uses must describe each criterion level by level with an
exemplar (:attr:`Rubric.detailed`; ``netmarketing course check`` enforces it).

How a manual cell names its rubric: the graded cell's metadata carries
``metadata.netmarketing.rubric`` with the rubric id, next to the indicator::

    "netmarketing": {"indicator": "P1.2.2", "output": "O1.2.1", "rubric": "analysis_report_o121"}

A cell without it falls back to the rubric of its work output, or to
``written_analysis`` (:func:`rubric_for_cell`).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netmarketing.cli import UserError

DEFAULT_RUBRICS_DIR = Path("autograder") / "rubrics"
LEVELS = (0, 1, 2, 3)
_OUTPUT_RE = re.compile(r"^O\d+\.\d+\.\d+$")
_INDICATOR_RE = re.compile(r"^P\d+\.\d+\.\d+$")
FALLBACK_RUBRIC = "written_analysis"


class RubricError(UserError):
    """A rubric file is malformed or a rubric id is unknown."""


@dataclass(frozen=True)
class RubricLevel:
    level: int
    label: str
    fraction: float
    description: str


@dataclass(frozen=True)
class CriterionLevel:
    """What one level of one criterion looks like, and an exemplar answer at that level (zh-TW)."""

    level: int
    descriptor: str
    exemplar: str


@dataclass(frozen=True)
class Rubric:
    """One rubric: what each level 0-3 looks like and what fraction of the points it gives."""

    id: str
    title: str
    output: str | None
    indicators: tuple[str, ...]
    use_for: str
    criteria: tuple[str, ...]
    levels: tuple[RubricLevel, ...]
    #: Per criterion (same order as ``criteria``): its levels 0-3, or empty for a plain-text criterion.
    criterion_levels: tuple[tuple[CriterionLevel, ...], ...] = ()

    @property
    def detailed(self) -> bool:
        """Return whether every criterion describes each level 0-3 with an exemplar."""
        return len(self.criterion_levels) == len(self.criteria) and all(
            len(levels) == len(LEVELS) for levels in self.criterion_levels
        )

    def level(self, level: int) -> RubricLevel:
        for entry in self.levels:
            if entry.level == level:
                return entry
        raise RubricError(f"評分規準 {self.id} 沒有等級 {level} (rubric {self.id} has no level {level})")


def _bad(path: Path, message_zh: str, message_en: str) -> RubricError:
    return RubricError(f"評分規準 {path}：{message_zh} (rubric {path}: {message_en})")


def parse_rubric(data: Any, path: Path) -> Rubric:
    """Validate one rubric's parsed YAML and return it."""
    if not isinstance(data, dict):
        raise _bad(path, "內容應為對應表", "must be a mapping")
    required = ("id", "title", "indicators", "criteria", "levels")
    for key in required:
        if key not in data:
            raise _bad(path, f"缺少「{key}」", f"missing {key!r}")
    if data["id"] != path.stem:
        raise _bad(path, f"id「{data['id']}」應與檔名「{path.stem}」相同", "id must equal the file name")
    output = data.get("output")
    if output is not None and not _OUTPUT_RE.match(str(output)):
        raise _bad(
            path, f"output「{output}」不是工作產出代碼", f"output {output!r} is not a work-output code"
        )
    indicators = data["indicators"]
    if not isinstance(indicators, list) or not all(_INDICATOR_RE.match(str(c)) for c in indicators):
        raise _bad(path, "indicators 應為行為指標代碼清單", "indicators must be a list of indicator codes")
    criteria = data["criteria"]
    if not isinstance(criteria, list) or not criteria:
        raise _bad(path, "criteria 應為非空白的清單", "criteria must be a non-empty list")
    names, per_criterion = _criteria(criteria, path)
    levels = data["levels"]
    if not isinstance(levels, dict) or set(levels) != set(LEVELS):
        raise _bad(path, "levels 必須剛好定義等級 0、1、2、3", "levels must define exactly 0, 1, 2, 3")
    parsed = []
    for number in LEVELS:
        entry = levels[number]
        if not isinstance(entry, dict):
            raise _bad(path, f"等級 {number} 應為對應表", f"level {number} must be a mapping")
        description = entry.get("description")
        label = entry.get("label")
        fraction = entry.get("fraction")
        if not (
            isinstance(description, str) and description.strip() and isinstance(label, str) and label.strip()
        ):
            raise _bad(
                path,
                f"等級 {number} 需要 label 與 description",
                f"level {number} needs label and description",
            )
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
            raise _bad(
                path, f"等級 {number} 的 fraction 應介於 0 與 1", f"level {number} fraction must be 0-1"
            )
        parsed.append(RubricLevel(number, label, float(fraction), description.strip()))
    fractions = [lv.fraction for lv in parsed]
    if fractions[0] != 0 or fractions[-1] != 1 or any(b <= a for a, b in itertools.pairwise(fractions)):
        raise _bad(
            path,
            "fraction 應隨等級遞增，等級 0 為 0、等級 3 為 1",
            "fractions must increase with the level, 0 at level 0 and 1 at level 3",
        )
    return Rubric(
        id=data["id"],
        title=str(data["title"]),
        output=output,
        indicators=tuple(indicators),
        use_for=str(data.get("use_for", "")),
        criteria=names,
        levels=tuple(parsed),
        criterion_levels=per_criterion,
    )


def _criteria(
    entries: list[Any], path: Path
) -> tuple[tuple[str, ...], tuple[tuple[CriterionLevel, ...], ...]]:
    """Return the criteria's names and, for detailed criteria, their levels with exemplars."""
    names: list[str] = []
    detailed: list[tuple[CriterionLevel, ...]] = []
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, str) and entry.strip():
            names.append(entry.strip())
            continue
        if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
            raise _bad(path, f"準則 {number} 需要 name", f"criterion {number} needs a name")
        levels = entry.get("levels")
        if not isinstance(levels, dict) or set(levels) != set(LEVELS):
            raise _bad(
                path,
                f"準則 {number} 的 levels 必須剛好定義 0、1、2、3",
                f"criterion {number} levels must be 0-3",
            )
        parsed = []
        for level in LEVELS:
            spec = levels[level]
            if not isinstance(spec, dict) or not all(
                isinstance(spec.get(k), str) and spec[k].strip() for k in ("descriptor", "exemplar")
            ):
                raise _bad(
                    path,
                    f"準則 {number} 等級 {level} 需要 descriptor 與 exemplar（範例作答）",
                    f"criterion {number} level {level} needs a descriptor and an exemplar",
                )
            parsed.append(CriterionLevel(level, spec["descriptor"].strip(), spec["exemplar"].strip()))
        names.append(str(entry["name"]).strip())
        detailed.append(tuple(parsed))
    if detailed and len(detailed) != len(names):
        raise _bad(
            path,
            "準則要嘛全部逐級描述（含範例），要嘛全部是文字，不可混用",
            "criteria must all be detailed (levels with exemplars) or all plain text",
        )
    return tuple(names), tuple(detailed)


def load_rubrics(rubrics_dir: Path | str | None = None) -> dict[str, Rubric]:
    """Load and validate every rubric of a folder; return them by id."""
    if rubrics_dir is None:
        from netmarketing.grading.workspace import repo_root

        rubrics_dir = repo_root() / DEFAULT_RUBRICS_DIR
    folder = Path(rubrics_dir)
    rubrics = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" 第 {mark.line + 1} 行 (line {mark.line + 1})" if mark else ""
            raise _bad(path, f"YAML 語法錯誤{line}", f"YAML syntax error{line}") from None
        rubric = parse_rubric(data, path)
        rubrics[rubric.id] = rubric
    if not rubrics:
        raise RubricError(f"{folder} 中沒有評分規準 (no rubrics in {folder})")
    return rubrics


def points_for_level(rubric: Rubric, level: int, max_points: float) -> float:
    """Return the score of a cell worth ``max_points`` graded at ``level`` of the rubric.

    >>> r = Rubric("x", "x", None, (), "", ("c",), tuple(RubricLevel(n, "l", f, "d")
    ...     for n, f in zip(LEVELS, (0, .4, .7, 1))))
    >>> points_for_level(r, 2, 4)
    2.8
    """
    return round(max_points * rubric.level(level).fraction, 2)


def rubric_for_cell(metadata: dict[str, Any], rubrics: dict[str, Rubric]) -> Rubric:
    """Return the rubric a manual cell names, or the fallback by work output.

    Parameters
    ----------
    metadata : dict
        The cell's ``metadata.netmarketing`` (indicator, output, rubric).
    """
    rubric_id = metadata.get("rubric")
    if rubric_id:
        if rubric_id not in rubrics:
            raise RubricError(
                f"找不到評分規準「{rubric_id}」；可用的有 {', '.join(sorted(rubrics))} "
                f"(unknown rubric {rubric_id!r})"
            )
        return rubrics[rubric_id]
    output = metadata.get("output")
    for rubric in rubrics.values():
        if output and rubric.output == output:
            return rubric
    return rubrics[FALLBACK_RUBRIC]


def rubric_references(
    course_dir: Path | str, rubrics: dict[str, Rubric], *, strict: bool = True
) -> dict[tuple[str, str], str]:
    """Return (module, grade_id) -> rubric id for every manually graded cell of the course.

    Raises :class:`RubricError` when a cell names a rubric that does not exist,
    unless ``strict`` is false; then the unknown id is returned as it is.
    """
    refs = {}
    for nb_path in sorted(Path(course_dir).glob("[0-9][0-9]_*/*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {})
            nbg = meta.get("nbgrader", {})
            if not (nbg.get("grade") and nbg.get("solution")):
                continue
            nm = meta.get("netmarketing", {})
            try:
                rubric_id = rubric_for_cell(nm, rubrics).id
            except RubricError:
                if strict:
                    raise
                rubric_id = f"{nm.get('rubric')}（未定義 undefined）"
            refs[(nb_path.parent.name, nbg.get("grade_id", ""))] = rubric_id
    return refs
