"""``netmarketing course check``: validate the course's nbgrader source notebooks.

Checks, per module (assignment) and course-wide:

- the notebook is valid JSON and has no committed outputs; its first code cell records
  ``LEARNER_ID = learner.learner_id()`` and prints the identity marker (``learner.whoami()``);
- grade ids of graded cells are unique across the course (nbgrader ids within a notebook);
- every graded cell carries exactly one indicator of the standard (or ``practice``), its
  grade id starts with that indicator's slug, it has points, and a deliverable's work
  output exists and belongs to the indicator's task (see :mod:`netmarketing.grading.evidence`);
- every indicator is assessed by at least two graded items and every work output by at
  least one deliverable: a warning while a duty has no module yet, a failure once all
  three duties have one;
- every automatically graded cell hands its answers in with ``submit("<its grade id>", ...)``
  and holds no test code: no hidden tests, no asserts, nothing from ``netmarketing.grading``;
  its item is registered (:mod:`netmarketing.learner.items`) and so is its grader check
  (:mod:`netmarketing.grading.checks`);
- the release nbgrader generates (into a temporary folder) contains no solution
  delimiters and no solution text;
- optionally (``execute=True``), every source notebook runs on two learners' variants and
  its answers earn full marks from the grader's checks.
"""

from __future__ import annotations

import ast
import json
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netmarketing.grading.cells import source
from netmarketing.grading.evidence import (
    NOT_COUNTED,
    PRACTICE,
    REFLECTION,
    course_modules,
    indicator_from_grade_id,
    indicator_slug,
)

ERROR = "error"
WARNING = "warning"
MIN_ITEMS_PER_INDICATOR = 2
#: Every indicator of a duty that has a module: at least this many automatic and judgement items.
MIN_AUTO_ITEMS = 2
MIN_JUDGEMENT_ITEMS = 1
_LEARNER_ID_RE = re.compile(r"^\s*LEARNER_ID\s*=\s*(\w+\.)?(learner_id|whoami)\(\)", re.MULTILINE)
_DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_SUBMIT_RE = re.compile(r"""^\s*submit\(\s*["'](?P<id>[a-z0-9_]+)["']""", re.MULTILINE)
# Lines shorter than this are too generic to count as leaked solution text (")", "else:").
_MIN_SECRET_LINE = 12
# A secret this long is specific on its own, also when embedded in a longer line (prose, a comment).
_LONG_SECRET = 40


@dataclass(frozen=True)
class Finding:
    """One problem found by the check."""

    severity: str  # "error" or "warning"
    code: str  # machine-readable, e.g. "duplicate-grade-id"
    message: str  # zh-TW first, English in parentheses
    module: str | None = None
    notebook: str | None = None
    cell: str | None = None  # grade id or cell index

    def format(self) -> str:
        where = "/".join(x for x in (self.module, self.notebook) if x)
        if self.cell:
            where = f"{where} [{self.cell}]" if where else f"[{self.cell}]"
        label = "錯誤 (error)" if self.severity == ERROR else "警告 (warning)"
        return f"{label} {where}: {self.message}" if where else f"{label}: {self.message}"


@dataclass
class CheckReport:
    """The findings of one check run."""

    modules: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    items_per_indicator: dict[str, int] = field(default_factory=dict)
    #: task -> {K/S code of the task: number of the task's items that exercise it}
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)
    #: indicator -> {"auto": n, "manual": n}
    kinds_per_indicator: dict[str, dict[str, int]] = field(default_factory=dict)
    #: attitude A01-A06 -> number of reflection prompts
    attitudes: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self, severity: str | None = None) -> set[str]:
        """Return the finding codes, optionally of one severity only."""
        return {f.code for f in self.findings if severity is None or f.severity == severity}

    def add(self, severity: str, code: str, message: str, **where: Any) -> None:
        self.findings.append(Finding(severity, code, message, **where))

    def coverage_lines(self) -> list[str]:
        """Return the K/S coverage per task, the evidence kinds per indicator and the attitudes, in zh-TW."""
        lines = []
        for task, codes in sorted(self.coverage.items()):
            marks = "  ".join(f"{code}{'✓' if n else '✗'}{n}" for code, n in codes.items())
            lines.append(f"{task} 知識與技能覆蓋 (K/S coverage): {marks}")
        for code, kinds in sorted(self.kinds_per_indicator.items()):
            if kinds.get("auto", 0) or kinds.get("manual", 0):
                lines.append(
                    f"{code} 自動評分 {kinds.get('auto', 0)} 項、書面判斷 {kinds.get('manual', 0)} 項 "
                    f"(automatic {kinds.get('auto', 0)}, judgement {kinds.get('manual', 0)})"
                )
        if self.attitudes:
            shown = "  ".join(f"{code}:{n}" for code, n in sorted(self.attitudes.items()))
            lines.append(f"態度反思題 (attitude reflections): {shown}")
        return lines

    def format(self) -> str:
        lines = [f.format() for f in self.findings] + self.coverage_lines()
        verdict = "通過 (passed)" if self.ok else "未通過 (failed)"
        lines.append(
            f"課程檢查{verdict}：{len(self.modules)} 個單元，{len(self.errors)} 個錯誤，{len(self.warnings)} 個警告 "
            f"(course check {'passed' if self.ok else 'failed'}: {len(self.modules)} modules, "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings)"
        )
        return "\n".join(lines)


def _load_standard() -> Any:
    from netmarketing.standard import load_standard

    return load_standard()


def _duty_of_indicator(code: str) -> str:
    return "T" + code[1:].split(".")[0]


def _task_of_code(code: str) -> str:
    return "T" + ".".join(code[1:].split(".")[:2])


# --- per notebook -------------------------------------------------------------------
def _check_notebook(path: Path, module: str, std: Any, report: CheckReport) -> list[dict]:
    """Check one notebook; return its graded-item records for the course-wide checks."""
    where = {"module": module, "notebook": path.stem}
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add(ERROR, "invalid-notebook", f"無法讀取筆記本 (cannot read notebook): {exc}", **where)
        return []
    items: list[dict] = []
    ids_in_notebook: Counter[str] = Counter()
    for index, cell in enumerate(nb.get("cells", [])):
        meta = cell.get("metadata", {})
        nbg = meta.get("nbgrader", {})
        grade_id = nbg.get("grade_id")
        label = grade_id or f"cell {index}"
        if cell.get("cell_type") == "code" and (
            cell.get("outputs") or cell.get("execution_count") is not None
        ):
            report.add(
                ERROR,
                "outputs-committed",
                "原始筆記本含有執行結果，請先清除輸出再提交 (outputs committed: clear all outputs)",
                cell=label,
                **where,
            )
        if grade_id:
            ids_in_notebook[grade_id] += 1
        text = source(cell)
        if any(d in text for d in _DELIMITERS[2:]):
            report.add(
                ERROR,
                "hidden-tests-not-allowed",
                "筆記本不可含隱藏測試：檢查寫在評分程式 netmarketing.grading.checks，學員的核心碰不到 "
                "(no hidden tests in notebooks: checks live in the grader)",
                cell=label,
                **where,
            )
        if "netmarketing.grading" in text:
            report.add(
                ERROR,
                "grader-import-in-notebook",
                "筆記本不可匯入 netmarketing.grading (notebooks must not import the grader)",
                cell=label,
                **where,
            )
        if any(d in text for d in _DELIMITERS[:2]) and not nbg.get("solution", False):
            report.add(
                ERROR,
                "solution-outside-solution-cell",
                "非作答儲存格含有 BEGIN/END SOLUTION (solution delimiters in a cell not marked as solution)",
                cell=label,
                **where,
            )
        if not nbg.get("grade", False):
            continue
        items.append(_check_graded_cell(cell, label, std, report, where))
    _check_identity_cell(nb, report, where)
    for grade_id, count in ids_in_notebook.items():
        if count > 1:
            report.add(
                ERROR,
                "duplicate-grade-id",
                f"grade_id {grade_id!r} 在同一筆記本出現 {count} 次 (duplicate grade id in notebook)",
                cell=grade_id,
                **where,
            )
    return items


def _check_identity_cell(nb: dict, report: CheckReport, where: dict) -> None:
    """Check that the first code cell records the learner id and prints the identity marker."""
    code_cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    first = source(code_cells[0]) if code_cells else ""
    if not _LEARNER_ID_RE.search(first):
        report.add(
            ERROR,
            "identity-cell-missing",
            "第一個程式儲存格必須記錄 LEARNER_ID = learner.whoami()（或 learner.learner_id()）"
            "(first code cell must record LEARNER_ID = learner.whoami() or learner.learner_id())",
            **where,
        )
        return
    if "whoami(" not in first:
        report.add(
            WARNING,
            "identity-marker-not-printed",
            "第一個程式儲存格沒有呼叫 learner.whoami()，評分時無法比對身分標記 "
            "(first code cell does not print the identity marker with learner.whoami())",
            **where,
        )
    if not code_cells[0].get("metadata", {}).get("nbgrader", {}).get("locked", False):
        report.add(
            WARNING,
            "identity-cell-unlocked",
            "身分儲存格應設為唯讀 (locked)，評分時才會還原 (identity cell should be locked so nbgrader restores it)",
            **where,
        )


def _check_graded_cell(cell: dict, label: str, std: Any, report: CheckReport, where: dict) -> dict:
    nbg = cell["metadata"]["nbgrader"]
    nm = cell["metadata"].get("netmarketing", {})
    indicator = nm.get("indicator")
    output = nm.get("output")
    grade_id = nbg.get("grade_id", "")
    kind = "auto" if cell.get("cell_type") == "code" and not nbg.get("solution", False) else "manual"
    record = {
        "grade_id": grade_id,
        "indicator": None,
        "output": None,
        "kind": kind,
        "ks": list(nm.get("ks", []) or []),
        "rubric": nm.get("rubric"),
        "attitude": nm.get("attitude"),
        **where,
    }
    if kind == "auto":
        _check_auto_cell(cell, grade_id, label, report, where)
    if indicator == REFLECTION:
        return _check_reflection(record, nbg, std, label, report, where)
    if not float(nbg.get("points", 0) or 0) > 0:
        report.add(
            ERROR,
            "no-points",
            "評分儲存格的配分必須大於 0 (graded cell needs points > 0)",
            cell=label,
            **where,
        )
    if isinstance(indicator, list) and len(indicator) == 1:
        indicator = indicator[0]
    if not isinstance(indicator, str) or not indicator:
        report.add(
            ERROR,
            "indicator-missing" if not indicator else "indicator-not-one",
            '評分儲存格必須標記恰好一個行為指標 metadata.netmarketing.indicator，例如 "P1.2.4" '
            f"(graded cell needs exactly one indicator, found {indicator!r})",
            cell=label,
            **where,
        )
        return record
    if indicator not in NOT_COUNTED:
        try:
            std.indicator(indicator)
        except KeyError:
            report.add(
                ERROR,
                "unknown-indicator",
                f"職能基準中沒有行為指標 {indicator!r} (unknown indicator)",
                cell=label,
                **where,
            )
            return record
    record["indicator"] = indicator
    if indicator not in NOT_COUNTED:
        _check_ks_and_rubric(record, std.indicator(indicator).task, std, label, report, where)
    try:
        from_id = indicator_from_grade_id(grade_id)
    except ValueError:
        from_id = None
    if from_id != indicator:
        expected = indicator_slug(indicator) if indicator != PRACTICE else PRACTICE
        report.add(
            ERROR,
            "id-indicator-mismatch",
            f"grade_id {grade_id!r} 應以 {expected}__ 開頭以對應指標 {indicator} "
            f"(grade id prefix does not match indicator {indicator})",
            cell=label,
            **where,
        )
    if output is not None:
        try:
            out = std.output(output)
        except KeyError:
            report.add(
                ERROR,
                "unknown-output",
                f"職能基準中沒有工作產出 {output!r} (unknown work output)",
                cell=label,
                **where,
            )
            return record
        if indicator == PRACTICE or out.task != std.indicator(indicator).task:
            report.add(
                ERROR,
                "output-task-mismatch",
                f"工作產出 {output} 不屬於指標 {indicator} 的工作任務 (work output belongs to another task)",
                cell=label,
                **where,
            )
        else:
            record["output"] = output
    return record


def _check_reflection(
    record: dict, nbg: dict, std: Any, label: str, report: CheckReport, where: dict
) -> dict:
    """A reflection prompt names one attitude (A01-A06), weighs nothing and is never scored."""
    attitude = record["attitude"]
    if attitude not in std.codes("attitude"):
        report.add(
            ERROR,
            "unknown-attitude",
            f"反思題必須標記態度 metadata.netmarketing.attitude（A01–A06），目前是 {attitude!r} "
            "(a reflection prompt names one attitude A01-A06)",
            cell=label,
            **where,
        )
    if float(nbg.get("points", 0) or 0) != 0 or record["kind"] != "manual":
        report.add(
            ERROR,
            "reflection-scored",
            "反思題是書面作答且配分為 0：它給認證人員參考，從不計分 (reflections are written, 0 points)",
            cell=label,
            **where,
        )
    record["indicator"] = REFLECTION
    return record


def _check_ks_and_rubric(
    record: dict, task: str, std: Any, label: str, report: CheckReport, where: dict
) -> None:
    """Each counting item names the K/S codes it exercises (from its task); written items name a detailed rubric."""
    wanted = set(std.task(task).knowledge) | set(std.task(task).skills)
    ks = record["ks"]
    if not ks:
        report.add(
            ERROR,
            "ks-missing",
            f"評分項目必須在 metadata.netmarketing.ks 標記所練習的知識與技能（{task} 的 "
            f"{', '.join(sorted(wanted))}）(graded item needs its K/S codes)",
            cell=label,
            **where,
        )
    for code in ks:
        if code not in wanted:
            report.add(
                ERROR,
                "ks-not-of-task",
                f"{code} 不屬於工作任務 {task} 的知識與技能 (code {code} is not listed for task {task})",
                cell=label,
                **where,
            )
    if record["kind"] != "manual":
        return
    from netmarketing.certify.rubrics import RubricError, load_rubrics

    try:
        rubrics = _RUBRICS.setdefault("all", load_rubrics())
    except RubricError as exc:
        report.add(ERROR, "rubrics-invalid", str(exc), cell=label, **where)
        return
    rubric = rubrics.get(record["rubric"] or "")
    if rubric is None:
        report.add(
            ERROR,
            "rubric-missing",
            f"書面判斷項目必須以 metadata.netmarketing.rubric 指定評分規準（可用：{', '.join(sorted(rubrics))}），"
            f"目前是 {record['rubric']!r} (a judgement item names its rubric)",
            cell=label,
            **where,
        )
    elif not rubric.detailed:
        report.add(
            ERROR,
            "rubric-not-detailed",
            f"評分規準 {rubric.id} 的每項準則都要有 0–3 級的描述與範例作答 "
            f"(rubric {rubric.id} must describe each criterion level by level, with exemplars)",
            cell=label,
            **where,
        )


_RUBRICS: dict[str, Any] = {}


def _check_auto_cell(cell: dict, grade_id: str, label: str, report: CheckReport, where: dict) -> None:
    """An automatically graded cell only hands answers in; the grader's check judges them."""
    from netmarketing.grading.checks import load_checks
    from netmarketing.learner.items import find

    text = source(cell)
    if re.search(r"^\s*assert\b", text, re.MULTILINE):
        report.add(
            ERROR,
            "test-code-in-notebook",
            "評分格不可含測試程式 (assert)；請改在 netmarketing.grading.checks 寫檢查 "
            "(graded cells hold no test code: write a grader check instead)",
            cell=label,
            **where,
        )
    handed = [m.group("id") for m in _SUBMIT_RE.finditer(text)]
    if handed != [grade_id]:
        report.add(
            ERROR,
            "submit-missing",
            f'評分格必須剛好呼叫一次 submit("{grade_id}", ...)，目前是 {handed} '
            f"(a graded cell calls submit with its own grade id exactly once)",
            cell=label,
            **where,
        )
    if find(grade_id) is None:
        report.add(
            ERROR,
            "item-not-registered",
            f"netmarketing.learner.items 沒有登記 {grade_id} (no item spec registered)",
            cell=label,
            **where,
        )
    if grade_id not in load_checks():
        report.add(
            ERROR,
            "check-not-registered",
            f"netmarketing.grading.checks 沒有 {grade_id} 的評分程式 (no grader check registered)",
            cell=label,
            **where,
        )


# --- course-wide --------------------------------------------------------------------
def _check_unique_ids(items: list[dict], report: CheckReport) -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if item["grade_id"]:
            seen[item["grade_id"]].append(f"{item['module']}/{item['notebook']}")
    for grade_id, places in seen.items():
        if len(places) > 1:
            report.add(
                ERROR,
                "duplicate-grade-id",
                f"評分 grade_id {grade_id!r} 在課程中重複：{', '.join(places)} (grade id not unique in the course)",
                cell=grade_id,
            )


def _check_coverage(
    items: list[dict], std: Any, report: CheckReport, duties_in_scope: set[str] | None
) -> None:
    counts = Counter(item["indicator"] for item in items if item["indicator"] not in (None, *NOT_COUNTED))
    outputs = Counter(item["output"] for item in items if item["output"])
    report.items_per_indicator = {code: counts.get(code, 0) for code in std.codes("indicator")}
    duties_present = {_duty_of_indicator(code) for code in counts}
    all_duties = {d.code for d in std.duties}
    complete = all_duties <= duties_present
    for duty in sorted(all_duties - duties_present):
        if duties_in_scope is not None and duty not in duties_in_scope:
            continue
        codes = [c for c in (*std.codes("indicator"), *std.codes("output")) if _duty_of_indicator(c) == duty]
        report.add(
            WARNING,
            "duty-missing",
            f"尚無 {duty} 的單元，其行為指標與工作產出都還沒有評分項目：{', '.join(codes)} "
            f"(no module assesses duty {duty} yet)",
            cell=duty,
        )
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        if item["indicator"] not in (None, *NOT_COUNTED):
            kinds[item["indicator"]][item["kind"]] += 1
    report.kinds_per_indicator = {code: dict(kinds.get(code, {})) for code in std.codes("indicator")}
    report.attitudes = {
        code: sum(1 for i in items if i["indicator"] == REFLECTION and i.get("attitude") == code)
        for code in std.codes("attitude")
    }
    for task in std.tasks:
        duty = _duty_of_indicator(task.code.replace("T", "P", 1))
        if duty not in duties_present or (duties_in_scope is not None and duty not in duties_in_scope):
            continue
        task_items = [
            i
            for i in items
            if i["indicator"] not in (None, *NOT_COUNTED) and _task_of_code(i["indicator"]) == task.code
        ]
        exercised = Counter(code for i in task_items for code in i.get("ks", []))
        report.coverage[task.code] = {
            code: exercised.get(code, 0) for code in (*task.knowledge, *task.skills)
        }
        for code, n in report.coverage[task.code].items():
            if not n:
                report.add(
                    ERROR,
                    "ks-not-covered",
                    f"工作任務 {task.code} 的 {code} 沒有任何評分項目練習到 (no item of {task.code} exercises {code})",
                    cell=task.code,
                )
    for code in std.codes("indicator"):
        duty = _duty_of_indicator(code)
        if duty not in duties_present or (duties_in_scope is not None and duty not in duties_in_scope):
            continue
        n_auto, n_judgement = kinds[code].get("auto", 0), kinds[code].get("manual", 0)
        if n_auto < MIN_AUTO_ITEMS or n_judgement < MIN_JUDGEMENT_ITEMS:
            report.add(
                ERROR,
                "evidence-kinds",
                f"行為指標 {code} 需要至少 {MIN_AUTO_ITEMS} 個自動評分項目與 {MIN_JUDGEMENT_ITEMS} 個書面判斷項目，"
                f"目前 {n_auto} 與 {n_judgement} "
                f"(indicator needs {MIN_AUTO_ITEMS} automatic and {MIN_JUDGEMENT_ITEMS} judgement items, "
                f"has {n_auto} and {n_judgement})",
                cell=code,
            )
        if counts.get(code, 0) < MIN_ITEMS_PER_INDICATOR:
            report.add(
                ERROR if complete else WARNING,
                "too-few-items",
                f"行為指標 {code} 只有 {counts.get(code, 0)} 個評分項目，至少需要 {MIN_ITEMS_PER_INDICATOR} 個 "
                f"(indicator assessed by {counts.get(code, 0)} items, needs {MIN_ITEMS_PER_INDICATOR})",
                cell=code,
            )
    for code in std.codes("output"):
        duty = _duty_of_indicator(code)
        if duty not in duties_present or (duties_in_scope is not None and duty not in duties_in_scope):
            continue
        if not outputs.get(code):
            report.add(
                ERROR if complete else WARNING,
                "output-not-assessed",
                f"工作產出 {code} 沒有任何評分的交付項目 (work output has no graded deliverable)",
                cell=code,
            )


# --- release scan -------------------------------------------------------------------
def _split_regions(text: str) -> tuple[list[str], list[str], list[str]]:
    """Split a cell into (solution lines, hidden-test lines, other lines)."""
    solution, hidden, other = [], [], []
    bucket = other
    for line in text.split("\n"):
        if "BEGIN SOLUTION" in line:
            bucket = solution
        elif "BEGIN HIDDEN TESTS" in line:
            bucket = hidden
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            bucket = other
        else:
            bucket.append(line)
    return solution, hidden, other


def _normalize(line: str) -> str:
    """Return a line without indentation, markdown list/quote markers, backticks and trailing comments."""
    line = line.strip().strip("`").strip()
    line = re.sub(r"^([-*>]|\d+\.)\s+", "", line).strip("`").strip()
    return re.sub(r"\s+#.*$", "", line) if "#" in line and not line.startswith("#") else line


def _is_secret(line: str, *, code: bool) -> bool:
    """Tell whether a solution or hidden-test line is specific enough to count as leaked text.

    Code lines must be whole statements (not a fragment of a method chain) that do
    something specific: imports, comments, bare names and short lines are too generic.
    """
    if len(line) < _MIN_SECRET_LINE or line.startswith("#"):
        return False
    if not code:
        return True
    if re.match(r"^(import |from \S+ import |plt\.|display\()", line):
        return False
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return False
    if len(tree.body) != 1:
        return True
    node = tree.body[0]
    generic = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.Constant)
    if isinstance(node, ast.Expr | ast.Return) and (node.value is None or isinstance(node.value, generic)):
        return False  # `df.columns`, `return "忠誠顧客"`: shown in many helpers
    return True


def secret_lines(nb: dict) -> tuple[set[str], set[str]]:
    """Return the normalized lines of a source notebook that must not reach learners.

    Returns ``(solution_lines, hidden_test_lines)``. A line already shown in a visible
    part of an earlier cell or of the same cell (a worked example, set-up code, a hint
    comment above the answer) is shown on purpose and left out; the same line in a
    later visible cell is a leak.
    """
    solution: set[str] = set()
    hidden: set[str] = set()
    shown: set[str] = set()
    for cell in nb.get("cells", []):
        text = source(cell)
        code = cell.get("cell_type") == "code"
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        sol, hid, other = _split_regions(text)
        if nbg.get("solution", False) and not any("BEGIN SOLUTION" in line for line in text.split("\n")):
            sol, other = other, []  # a whole solution cell without delimiters is replaced entirely
        # Visible text of the same cell (a hint comment above the answer) is shown on purpose too.
        shown.update(_normalize(line) for line in other)
        shown.update(_normalize(line.strip().lstrip("#")) for line in other if line.strip().startswith("#"))
        for lines, bucket in ((sol, solution), (hid, hidden)):
            for raw in lines:
                line = _normalize(raw)
                if line not in shown and _is_secret(line, code=code):
                    bucket.add(line)
    return solution, hidden


def _leaks(secrets: set[str], text: str) -> list[str]:
    """Return the secrets found in a released cell, if they are evidence enough of a leak.

    A secret counts as a whole line, or inside a line when long. One short common line
    (``s25 = sales[sales["year"] == 2025]``) in a helper is a coincidence; two secret
    lines, or one long one, are a leak.
    """
    lines = {_normalize(line) for line in text.split("\n")}
    found = sorted(s for s in secrets if s in lines or (len(s) >= _LONG_SECRET and s in text))
    return found if len(found) >= 2 or any(len(s) >= _LONG_SECRET for s in found) else []


def _scan_release(module: str, course_dir: Path, report: CheckReport) -> None:
    from netmarketing.grading.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="netmarketing-check-") as tmp:
        ws = Workspace(
            Path(tmp) / "autograder", course_dir=course_dir, db_url=f"sqlite:///{tmp}/gradebook.db"
        )
        ws.root.mkdir(parents=True)
        try:
            release = ws.generate(module)
        except (RuntimeError, FileNotFoundError) as exc:
            tail = str(exc).strip().splitlines()[-3:]
            report.add(
                ERROR,
                "release-failed",
                "nbgrader 無法產生學員版本 (generate_assignment failed): " + " | ".join(tail),
                module=module,
            )
            return
        for source in sorted((course_dir / module).glob("*.ipynb")):
            released = release / source.name
            where = {"module": module, "notebook": source.stem}
            if not released.exists():
                report.add(
                    ERROR, "release-missing", "學員版本缺少此筆記本 (notebook missing from release)", **where
                )
                continue
            _scan_released_notebook(source, released, report, where)


def _scan_released_notebook(source_path: Path, released: Path, report: CheckReport, where: dict) -> None:
    try:
        solution, hidden = secret_lines(json.loads(source_path.read_text(encoding="utf-8")))
    except json.JSONDecodeError:
        return  # already reported as invalid-notebook
    nb = json.loads(released.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb.get("cells", [])):
        label = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"
        texts = [source(cell)]
        texts += [json.dumps(o, ensure_ascii=False) for o in cell.get("outputs", []) or []]
        joined = "\n".join(texts)
        for delimiter in _DELIMITERS:
            if delimiter in joined:
                report.add(
                    ERROR,
                    "delimiter-in-release",
                    f"學員版本含有 {delimiter!r} (delimiter left in release)",
                    cell=label,
                    **where,
                )
        leaked_solution = _leaks(solution, joined)
        if leaked_solution:
            report.add(
                ERROR,
                "solution-in-release",
                f"學員版本含有解答程式碼 (solution text in release): {leaked_solution[0]!r}",
                cell=label,
                **where,
            )
        leaked_hidden = _leaks(hidden, joined)
        if leaked_hidden:
            report.add(
                ERROR,
                "hidden-test-in-release",
                f"學員版本含有隱藏測試 (hidden test text in release): {leaked_hidden[0]!r}",
                cell=label,
                **where,
            )


# --- execution ------------------------------------------------------------------------
def execute_notebook(
    path: Path, variants: Any, learner: str, *, timeout: int = 300, answers_out: dict | None = None
) -> list[str]:
    """Run one source notebook (with its solutions) on ``learner``'s variant; return what fails.

    The answers it hands in are judged by the grader's checks, exactly as in grading (but
    without a sandbox: these are the course's own solutions). An empty list means every
    automatic item earned full marks. ``answers_out`` receives the answers handed in.
    """
    import shutil

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from netmarketing.grading.checks import Variant, load_checks, write_saved_answers
    from netmarketing.grading.identity import kernel_env_for
    from netmarketing.grading.score import score_notebook
    from netmarketing.learner.answers import read_folder

    nb = nbformat.read(str(path), as_version=4)
    load_checks()
    world = variants.world(learner)
    variant = Variant(learner, world.tables, world.truth)
    with (
        tempfile.TemporaryDirectory(prefix="netmarketing-answers-") as answers_dir,
        tempfile.TemporaryDirectory(prefix="netmarketing-work-") as work,
    ):
        # The notebook runs in a copy of its folder: widget answers are saved there, never in course/.
        shutil.copytree(path.parent, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb"))
        grade_ids = [c.metadata.get("nbgrader", {}).get("grade_id", "") for c in nb.cells]
        write_saved_answers(work, grade_ids, variant)
        env = kernel_env_for(learner)
        env.update(NETMARKETING_DATA=str(variants.data_folder(learner)), NETMARKETING_ANSWERS=answers_dir)
        from netmarketing.grading.sandbox import local_kernel_manager

        client = NotebookClient(
            nb, km=local_kernel_manager(Path(work)), timeout=timeout, resources={"metadata": {"path": work}}
        )
        try:
            client.execute(env=env)
        except CellExecutionError as exc:
            cell = next(
                (c for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
                None,
            )
            label = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "") if cell else ""
            return [f"[{label}] {exc.ename}: {exc.evalue}" if label else f"{exc.ename}: {exc.evalue}"]
        except (CellTimeoutError, DeadKernelError) as exc:
            return [f"{type(exc).__name__}: {exc}"]
        answers, problems = read_folder(Path(answers_dir))
    if answers_out is not None:
        answers_out.update(answers)
    grades = score_notebook(nb, nb, answers, problems, variant)
    return [
        f"[{gid}] {g['score']:g}/{g['max_score']:g}: {g['message_zh']}"
        for gid, g in grades.items()
        if g["kind"] == "auto" and (g["score"] or 0) < g["max_score"]
    ]


# --- entry point ------------------------------------------------------------------------
def check_course(
    course_dir: Path,
    modules: Iterable[str] | None = None,
    *,
    execute: bool = False,
    release: bool = True,
    standard: Any = None,
    timeout: int = 300,
    learners: Iterable[str] = ("check-learner-a", "check-learner-b"),
    variants: Any = None,
    coverage: bool = True,
) -> CheckReport:
    """Check the course (or some of its modules) and return the findings.

    Parameters
    ----------
    course_dir : Path
        The folder holding the module folders (``NN_slug``).
    modules : iterable of str, optional
        Module names to check; default every module. Grade-id uniqueness is always
        checked across the whole course; indicator coverage only for the duties the
        selected modules assess.
    execute : bool
        Also run every selected source notebook (slow) and fail on any error.
    release : bool
        Generate the release into a temporary folder and scan it for leaks.
    standard : Standard, optional
        Default :func:`netmarketing.standard.load_standard`.
    timeout : int
        Per-cell timeout in seconds when executing.
    learners : iterable of str
        Learner ids to execute the sources as; two or more catch solutions that only
        work on one data variant (hard-coded numbers).
    variants : netmarketing.grading.variant.Variants, optional
        Whose variants to execute on; default a throw-away course secret.
    coverage : bool
        Fail on evidence gaps of the duties the course has modules for: an indicator
        without two automatic and one judgement item, a K/S code of a task no item
        exercises. Off only while drafting a module (``--draft``); the coverage is still printed.
    """
    course_dir = Path(course_dir).resolve()
    std = standard if standard is not None else _load_standard()
    report = CheckReport()
    all_modules = [p.name for p in course_modules(course_dir)] if course_dir.is_dir() else []
    selected = list(modules) if modules else all_modules
    report.modules = selected
    unknown = [m for m in selected if m not in all_modules]
    for module in unknown:
        report.add(
            ERROR, "unknown-module", f"找不到單元 {module!r}（{course_dir}）(unknown module)", module=module
        )
    if not all_modules:
        report.add(ERROR, "no-modules", f"{course_dir} 中沒有任何單元 (no modules found)")
        return report

    items: list[dict] = []
    selected_items: list[dict] = []
    for module in all_modules:
        notebooks = sorted((course_dir / module).glob("*.ipynb"))
        sink = report if module in selected else CheckReport()
        module_items = [i for nb in notebooks for i in _check_notebook(nb, module, std, sink)]
        items.extend(module_items)
        if module in selected:
            selected_items.extend(module_items)
            if not notebooks:
                report.add(ERROR, "empty-module", "單元中沒有筆記本 (module has no notebooks)", module=module)
    _check_unique_ids(items, report)
    scope = None
    if modules:
        scope = {
            _duty_of_indicator(i["indicator"])
            for i in selected_items
            if i["indicator"] not in (None, *NOT_COUNTED)
        }
    _check_coverage(items, std, report, scope)
    if not coverage:
        gaps = {"evidence-kinds", "ks-not-covered", "too-few-items", "output-not-assessed"}
        report.findings = [
            Finding(WARNING, f.code, f.message, f.module, f.notebook, f.cell) if f.code in gaps else f
            for f in report.findings
        ]

    for module in selected:
        if module in unknown:
            continue
        if release:
            _scan_release(module, course_dir, report)
        if execute:
            variants = variants or _throwaway_variants()
            for nb in sorted((course_dir / module).glob("*.ipynb")):
                handed: dict[str, dict] = {}
                for learner in learners:
                    handed[learner] = {}
                    for problem in execute_notebook(
                        nb, variants, learner, timeout=timeout, answers_out=handed[learner]
                    ):
                        report.add(
                            ERROR,
                            "source-fails",
                            f"原始筆記本（含解答）在學員 {learner} 的資料上沒有拿到滿分 "
                            f"(the solution does not earn full marks on learner {learner}'s variant): {problem}",
                            module=module,
                            notebook=nb.stem,
                        )
                _check_variant_dependence(nb, module, handed, variants, report)
    return report


def _check_variant_dependence(
    path: Path, module: str, handed: dict[str, dict], variants: Any, report: CheckReport
) -> None:
    """Report every counting automatic item whose answer, copied from one learner, passes on another's variant."""
    from netmarketing.grading.checks import Variant, judge

    learners = list(handed)
    if len(learners) < 2:
        return
    nb = json.loads(path.read_text(encoding="utf-8"))
    counting = {
        c["metadata"]["nbgrader"]["grade_id"]
        for c in nb.get("cells", [])
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and c.get("cell_type") == "code"
        and not c["metadata"]["nbgrader"].get("solution")
        and c.get("metadata", {}).get("netmarketing", {}).get("indicator") not in NOT_COUNTED
    }
    source, target = learners[0], learners[1]
    world = variants.world(target)
    other = Variant(target, world.tables, world.truth)
    for grade_id in sorted(counting & set(handed[source])):
        if judge(grade_id, handed[source][grade_id], None, other).fraction >= 1.0:
            report.add(
                ERROR,
                "answer-not-variant-dependent",
                f"{grade_id}：學員 {source} 的正確答案抄到學員 {target} 身上也拿到滿分；答案必須依資料版本而不同 "
                f"(a copied answer passes on another variant)",
                module=module,
                notebook=path.stem,
                cell=grade_id,
            )


#: Secret of the variants the course check runs solutions on. Public on purpose: its learners
#: ("check-learner-a" ...) are not people, and a fixed secret lets their worlds be cached.
CHECK_SECRET = b"netmarketing-course-check"


def _throwaway_variants() -> Any:
    """Return the course check's own variants (not any class's), cached with the public worlds."""
    from netmarketing.data.world import cache_root
    from netmarketing.grading.variant import Variants
    from netmarketing.learner.data import learner_scale

    return Variants(CHECK_SECRET, cache_root() / "course-check", learner_scale())
