"""Learner competency reports and the cohort dashboard (HTML, zh-TW, printable to PDF)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from netmarketing.certify.framework import FRAMEWORK_NAME, LEVEL, Framework
from netmarketing.certify.policy import DECISION_ZH, NOT_MET, PENDING, STATUS_ZH, Decisions
from netmarketing.certify.scores import CompetencyScores

ITEM_STATUS_ZH = {"graded": "已評分", "ungraded": "待評分", "missing": "未繳交"}
KIND_ZH = {"auto": "自動評分", "manual": "人工評分"}
# Thresholds for flagging an item for review (classical test theory rules of thumb).
TOO_HARD, TOO_EASY, LOW_DISCRIMINATION = 0.2, 0.95, 0.2
#: Item flags: code -> (zh-TW name, what an instructor does about it). The README says the same.
ITEM_FLAGS = {
    "too_hard": ("太難", "檢查題意與提示是否清楚、所需技能是否已在前面的練習教過；確認評分測試沒有錯誤。"),
    "too_easy": (
        "太容易",
        "確認題目真的需要行為指標要求的判斷；可改用學員自己的資料變體提高要求，或減少提示。",
    ),
    "low_discrimination": (
        "鑑別度低",
        "高分與低分學員在此題表現差不多：檢查評分測試或規準是否只看格式、是否有可猜中的答案，必要時改寫。",
    ),
    "pending": (
        "待評分",
        "尚有學員的此題未評分（多為人工評分），先完成評分；統計與警示在評分完成後才有意義。",
    ),
}

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["pct"] = lambda v: "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.0f}%"
_ENV.filters["num"] = lambda v: "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:g}"


def item_statistics(scores: CompetencyScores) -> pd.DataFrame:
    """Return difficulty, discrimination and review flags of every item across the cohort.

    difficulty is the mean score fraction (high = easy); discrimination is the
    corrected item-total correlation: Pearson's r between the item's fraction
    and the learner's points on all other items (the point-biserial when the
    item is right/wrong). ``flags`` names why an item needs review
    (:data:`ITEM_FLAGS`: too_hard, too_easy, low_discrimination) and ``review``
    says it in zh-TW with the figures. An item some learner still waits on a
    grade for is ``pending`` and gets no other flag: its figures are not final,
    and a missing manual grade must never read as "too hard".
    """
    graded = scores.items[scores.items["status"] == "graded"]
    totals = graded.groupby("learner")["earned"].sum()
    rows = []
    keys = ["module", "notebook", "grade_id", "indicator", "output", "kind", "points"]
    for _key, group in scores.items.groupby(["module", "grade_id"], sort=False):
        first = group.iloc[0]
        done = group[group["status"] == "graded"]
        n_pending = int((group["status"] == "ungraded").sum())
        rest = totals.reindex(done["learner"]).to_numpy() - done["earned"].to_numpy()
        fraction = done["fraction"].to_numpy(dtype=float)
        if len(done) >= 3 and np.std(fraction) > 0 and np.std(rest) > 0:
            discrimination = float(np.corrcoef(fraction, rest)[0, 1])
        else:
            discrimination = np.nan
        difficulty = float(np.mean(fraction)) if len(done) else np.nan
        flags, reasons = _item_flags(difficulty, discrimination, n_pending, first["kind"])
        rows.append(
            {
                **{k: first[k] for k in keys},
                "n_graded": len(done),
                "n_pending": n_pending,
                "difficulty": difficulty,
                "discrimination": discrimination,
                "flags": ",".join(flags),
                "review": "；".join(reasons),
            }
        )
    columns = [*keys, "n_graded", "n_pending", "difficulty", "discrimination", "flags", "review"]
    return pd.DataFrame(rows, columns=columns)


def _item_flags(
    difficulty: float, discrimination: float, n_pending: int, kind: str
) -> tuple[list[str], list[str]]:
    """Return the flag codes of one item and why, in zh-TW with the figures."""
    if n_pending:
        who = "人工評分" if kind == "manual" else "自動評分"
        return ["pending"], [f"待評分：尚有 {n_pending} 位學員的此題等待{who}，統計尚未定案"]
    flags, reasons = [], []
    if difficulty < TOO_HARD:
        flags.append("too_hard")
        reasons.append(f"太難：平均得分比例 {difficulty:.2f}，低於 {TOO_HARD}")
    if difficulty > TOO_EASY:
        flags.append("too_easy")
        reasons.append(f"太容易：平均得分比例 {difficulty:.2f}，高於 {TOO_EASY}")
    if discrimination < LOW_DISCRIMINATION:
        flags.append("low_discrimination")
        reasons.append(f"鑑別度低：{discrimination:.2f}，低於 {LOW_DISCRIMINATION}，高分與低分學員表現相近")
    return flags, reasons


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and np.isnan(value) else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def next_steps(
    learner: str, scores: CompetencyScores, decisions: Decisions, framework: Framework
) -> list[str]:
    """Return what the learner should work on next, most urgent first (zh-TW)."""
    steps = []
    ind = decisions.indicators[decisions.indicators["learner"] == learner]
    items = scores.items[scores.items["learner"] == learner]
    weak = ind[ind["status"] == NOT_MET].assign(gap=lambda t: t["threshold"] - t["percent"])
    graded = items[items["status"] == "graded"].sort_values("fraction")
    worst_items: dict[str, list[str]] = {}
    for item in graded[["indicator", "module", "notebook", "grade_id"]].to_dict("records"):
        worst_items.setdefault(item["indicator"], []).append(
            f"{item['module']}/{item['notebook']} 的 {item['grade_id']}"
        )
    for row in weak.sort_values("gap", ascending=False).to_dict("records"):
        where = "、".join(worst_items.get(row["code"], [])[:2])
        steps.append(
            f"加強 {row['code']}「{framework.name_of(row['code'])}」：目前 {row['percent']:.0f}%，"
            f"門檻 {row['threshold']:g}%。建議重新練習 {where}。"
        )
    outputs = decisions.outputs
    for row in outputs[(outputs["learner"] == learner) & (outputs["status"] == NOT_MET)].to_dict("records"):
        steps.append(
            f"修訂工作產出 {row['code']}「{framework.name_of(row['code'])}」：目前 {row['percent']:.0f}%。"
        )
    missing = sorted(items.loc[items["status"] == "missing", "module"].unique())
    if missing:
        steps.append(f"繳交尚未繳交的模組：{'、'.join(missing)}。")
    if (items["status"] == "ungraded").any():
        steps.append("等待講師完成人工評分（項目列於「尚缺的證據」）。")
    reasons = decisions.reasons[decisions.reasons["learner"] == learner]
    waiting_duties = sorted(reasons.loc[reasons["kind"] == "no_evidence", "code"].unique())
    if waiting_duties:
        steps.append(
            f"{'、'.join(waiting_duties)} 的課程模組尚未提供；模組開放後完成其練習與作業，才能判定級別 4。"
        )
    if (reasons["kind"] == "flag").any():
        steps.append("評分時出現完整性警示，請與講師聯絡以完成人工複核。")
    if not steps:
        steps.append("所有證據完整且達標；可挑戰進階的延伸練習，或協助同儕。")
    return steps


def written_answers(manual: pd.DataFrame, rubrics: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Return a learner's graded written answers for the report: criterion levels, score, grader, comment.

    Parameters
    ----------
    manual : DataFrame
        The learner's rows of ``GradeRecords.manual`` (:class:`~netmarketing.certify.manual.ManualGrade`).
    rubrics : dict, optional
        Rubrics by id, to name each criterion and level.
    """
    rows = []
    for grade in _records(manual.sort_values(["module", "notebook", "grade_id"])) if not manual.empty else []:
        rubric = (rubrics or {}).get(grade["rubric_id"])
        levels = [int(x) for x in str(grade["criterion_levels"] or "").split(",") if x.strip()]
        criteria = []
        for number, level in enumerate(levels, start=1):
            name = rubric.criteria[number - 1] if rubric and number <= len(rubric.criteria) else ""
            label = rubric.level(level).label if rubric else ""
            criteria.append({"number": number, "name": name, "level": level, "label": label})
        rows.append(
            {
                **grade,
                "rubric_title": rubric.title if rubric else grade["rubric_id"],
                "criteria": criteria,
                "pending": grade["source"] == "invalid",
            }
        )
    return rows


def module_totals(grades: pd.DataFrame, learner: str) -> list[dict[str, Any]]:
    """Return a learner's total per module (points earned, possible, items still ungraded).

    The same total as the gradebook (formgrader) and the grading results table show, once
    ``netmarketing feedback`` has applied the rubric records.
    """
    own = grades[grades["learner"] == learner]
    rows = []
    for module, group in own.groupby("module", sort=True):
        rows.append(
            {
                "module": module,
                "earned": round(float(group["score"].fillna(0).sum()), 2),
                "possible": _clean(round(float(group["max_score"].sum(min_count=1)), 2)),
                "pending": int((~group["graded"].astype(bool)).sum()),
            }
        )
    return rows


def learner_report_html(
    learner: str,
    scores: CompetencyScores,
    decisions: Decisions,
    framework: Framework,
    *,
    simulated_manual: bool = False,
    credentials: list[dict[str, str]] | None = None,
    rubric_refs: dict[tuple[str, str], str] | None = None,
    written: list[dict[str, Any]] | None = None,
    totals: list[dict[str, Any]] | None = None,
    generated: str | None = None,
) -> str:
    """Render one learner's competency report as a self-contained HTML page.

    ``written`` (:func:`written_answers`) lists the graded written answers with their
    criterion levels and the grader's comment; ``totals`` (:func:`module_totals`) the
    learner's total per module.
    """
    from netmarketing.certify import charts  # matplotlib loads only when a report is drawn

    own = decisions.for_learner(learner)
    indicators = own["indicators"].merge(
        framework.indicators[["code", "name", "task"]], on="code", how="left"
    )
    items = scores.items[scores.items["learner"] == learner].copy()
    rubric_refs = rubric_refs or {}
    items["rubric"] = [
        rubric_refs.get((m, g), "") for m, g in zip(items["module"], items["grade_id"], strict=True)
    ]
    # Simulated: marked in the gradebook, or every manual grade when the caller says so.
    items["simulated"] = items["simulated"] | (
        simulated_manual & (items["kind"] == "manual") & (items["status"] == "graded")
    )
    simulated_manual = simulated_manual or bool(items["simulated"].any())
    items_by_indicator: dict[str, list[dict[str, Any]]] = {}
    for item in _records(items):
        items_by_indicator.setdefault(item["indicator"], []).append(item)
    evidence = []
    for row in _records(indicators):
        row["status_zh"] = STATUS_ZH[row["status"]]
        row["items"] = items_by_indicator.get(row["code"], [])
        evidence.append(row)
    duties = own["duties"].merge(framework.duties, on="code", how="left")
    outputs = own["outputs"].merge(framework.outputs[["code", "name"]], on="code", how="left")
    reasons = own["reasons"]
    return _ENV.get_template("learner_report.html.j2").render(
        learner=learner,
        framework=FRAMEWORK_NAME,
        level=LEVEL,
        decision=own["decision"],
        decision_zh=DECISION_ZH[own["decision"]],
        policy=decisions.policy,
        policy_lines=decisions.policy.describe(),
        chart=charts.indicator_chart(indicators),
        evidence=evidence,
        duties=[{**r, "status_zh": STATUS_ZH[r["status"]]} for r in _records(duties)],
        outputs=[{**r, "status_zh": STATUS_ZH[r["status"]]} for r in _records(outputs)],
        pending=_records(reasons[reasons["kind"] != "below_threshold"]),
        shortfalls=_records(reasons[reasons["kind"] == "below_threshold"]),
        next_steps=next_steps(learner, scores, decisions, framework),
        credentials=credentials or [],
        written=written or [],
        totals=totals or [],
        simulated=simulated_manual,
        item_status_zh=ITEM_STATUS_ZH,
        kind_zh=KIND_ZH,
        generated=generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        pending_code=PENDING,
    )


def cohort_report_html(
    scores: CompetencyScores,
    decisions: Decisions,
    framework: Framework,
    item_stats: pd.DataFrame,
    *,
    simulated_manual: bool = False,
    report_links: dict[str, str] | None = None,
    generated: str | None = None,
) -> str:
    """Render the cohort dashboard: decisions, indicator heat map, item difficulty and discrimination."""
    from netmarketing.certify import charts

    summary = decisions.summary.copy()
    summary["decision_zh"] = summary["decision"].map(DECISION_ZH)
    summary["report"] = summary["learner"].map(report_links or {})
    counts = summary["decision"].value_counts().to_dict()
    # Items to review first, then those waiting on grades, then the rest (weakest discrimination first).
    order = item_stats["flags"].map(lambda f: 2 if not f else 1 if f == "pending" else 0)
    stats = item_stats.assign(_order=order).sort_values(
        ["_order", "discrimination"], ascending=[True, True], na_position="last"
    )
    return _ENV.get_template("cohort_report.html.j2").render(
        framework=FRAMEWORK_NAME,
        level=LEVEL,
        n_learners=len(summary),
        counts={DECISION_ZH[k]: counts.get(k, 0) for k in DECISION_ZH},
        summary=_records(summary),
        duty_codes=framework.duty_codes,
        status_zh=STATUS_ZH,
        heatmap=charts.heatmap(scores.wide("indicators")) if len(summary) else "",
        items=_records(stats),
        item_flags=ITEM_FLAGS,
        n_flagged=int((order == 0).sum()),
        n_pending_items=int((order == 1).sum()),
        kind_zh=KIND_ZH,
        policy_lines=decisions.policy.describe(),
        simulated=simulated_manual,
        thresholds={"hard": TOO_HARD, "easy": TOO_EASY, "disc": LOW_DISCRIMINATION},
        generated=generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
