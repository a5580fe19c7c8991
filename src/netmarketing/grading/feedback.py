"""Feedback for one learner on one module, in zh-TW, grouped by behaviour indicator.

It says what passed and what to revisit, per indicator of the standard (through
the evidence map, :mod:`netmarketing.grading.evidence`), then shows the graded
notebook. It never shows hidden tests: a hidden-test cell is shown in its learner
version (the hidden region removed), its outputs are replaced by a neutral message
naming the indicator, and any other output that quotes a hidden-test line (for
example a learner cell printing IPython's input history) is withheld. Visible
tests show only their assertion message (``AssertionError: ...``), not a traceback.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from netmarketing.grading import evidence, integrity

STATUS_ZH = {
    "graded": "已完成評分",
    "flagged": "已評分，部分內容待講師檢視",
    "timeout": "已評分，但有儲存格執行逾時",
    "memory": "已評分，但有儲存格超過記憶體上限",
    "crashed": "已評分，但有儲存格使核心 (kernel) 當掉",
    "killed": "已評分，但有儲存格無法中斷而被強制結束",
    "missing": "找不到應繳交的筆記本",
    "corrupt": "筆記本檔案損毀，無法評分",
    "error": "評分程式發生問題，將重新評分",
}
WITHHELD = "（此輸出含有隱藏測試的內容，已隱藏）"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MAX_TEXT = 5000


def hidden_message(indicator: str, name: str | None) -> str:
    """Return the neutral message shown instead of a failed hidden test."""
    named = f"「{name}」" if name else ""
    return (
        f"此項隱藏測試 (hidden test) 未通過。請對照行為指標 {indicator}{named}的要求，"
        "用你自己的資料版本重新檢查計算過程與結果。"
    )


def _indicator_names() -> dict[str, str]:
    try:
        from netmarketing.standard import load_standard

        std = load_standard()
        return {code: std.indicator(code).zh for code in std.codes("indicator")}
    except Exception:
        return {}


def _evidence(sources: Sequence[Path], module: str) -> dict[tuple[str, str], evidence.EvidenceItem]:
    items = {}
    for path in sources:
        for item in evidence.notebook_evidence(Path(path), module):
            items[(item.notebook, item.grade_id)] = item
    return items


def _result_label(grade: Mapping[str, Any]) -> tuple[str, str]:
    if grade["score"] is None:
        return "pending", "待講師評分" if grade["kind"] == "manual" else "未評分"
    if grade["score"] >= grade["max_score"] > 0 or (grade["max_score"] == 0 and grade["score"] == 0):
        return "pass", "通過"
    if grade["score"] > 0:
        return "partial", "部分通過"
    return "fail", "需再加強"


def write_feedback(
    out_dir: Path,
    record: Mapping[str, Any],
    sources: Sequence[Path],
    executed: Mapping[str, Path],
) -> Path:
    """Write ``index.html`` (zh-TW feedback) for one learner's module and return its path.

    Parameters
    ----------
    out_dir : Path
        ``feedback/<student>/<module>/``.
    record : mapping
        The autograder's record of the submission (status, issues, grades per notebook).
    sources : sequence of Path
        The module's source notebooks (for the evidence map and the hidden-test text to withhold).
    executed : mapping
        ``{notebook: path}`` of the executed (autograded) notebooks.
    """
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    module = record["module"]
    names = _indicator_names()
    items = _evidence(sources, module)
    secret = set()
    for path in sources:
        secret |= integrity.hidden_lines(nbformat.read(str(path), as_version=4))

    by_indicator: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for notebook, nb_record in record["notebooks"].items():
        for gid, grade in nb_record.get("grades", {}).items():
            item = items.get((notebook, gid))
            code = item.indicator if item else _indicator_or_unknown(gid)
            by_indicator.setdefault(code, []).append((notebook, gid, grade))

    parts = [_HEAD.format(title=html.escape(f"{module} 自動評分回饋 (feedback)"))]
    parts.append(f"<h1>{html.escape(module)} 自動評分回饋</h1>")
    parts.append(
        f"<p>學員 (learner)：<b>{html.escape(record['student'])}</b>　"
        f"狀態：<b>{html.escape(STATUS_ZH.get(record['status'], record['status']))}</b></p>"
    )
    auto = [g for rows in by_indicator.values() for _, _, g in rows if g["kind"] == "auto"]
    if auto:
        got = sum(g["score"] or 0 for g in auto)
        parts.append(
            f"<p>自動評分 (autograded) 得分：{got:g} / {sum(g['max_score'] for g in auto):g}；"
            "講師評分的項目另行公布。</p>"
        )
    learner_issues = [i for i in record.get("issues", []) if i.get("code") != "suspicious_code"]
    if learner_issues:
        parts.append("<h2>評分時的狀況</h2><ul>")
        parts += [f"<li>{html.escape(i['reason_zh'])}</li>" for i in learner_issues]
        parts.append("</ul>")

    parts.append("<h2>各行為指標 (behaviour indicator) 的表現</h2>")
    for code in sorted(by_indicator):
        rows = by_indicator[code]
        labels = [_result_label(g)[0] for *_, g in rows]
        passed = labels.count("pass")
        pending = sum(1 for *_, g in rows if g["score"] is None and g["kind"] == "manual")
        summary = (
            f"自動評分通過 {passed} / {len(rows) - pending} 項" if len(rows) > pending else "尚無自動評分項目"
        )
        if pending:
            summary += f"，另有 {pending} 項待講師評分"
        title = f"{code}　{names.get(code, '')}".strip()
        parts.append(f"<section class='indicator'><h3>{html.escape(title)}</h3>")
        parts.append(f"<p>{summary}。</p><table><tr><th>項目</th><th>結果</th><th>說明</th></tr>")
        revisit = []
        for notebook, gid, grade in rows:
            key, label = _result_label(grade)
            if key == "pass":
                note = grade.get("message_zh") or "做得好。"
            elif key == "pending":
                note = "書面作答，由講師依評分規準 (rubric) 評分。"
            else:
                note = grade.get("message_zh") or "未通過，請依題目說明修正。"
                revisit.append(gid)
            parts.append(
                f"<tr class='{key}'><td>{html.escape(notebook)} / {html.escape(gid)}</td>"
                f"<td>{label}</td><td>{html.escape(_scrub(note, secret))}</td></tr>"
            )
        parts.append("</table>")
        if revisit:
            parts.append(f"<p class='revisit'>建議回頭檢視：{html.escape('、'.join(revisit))}</p>")
        parts.append("</section>")

    for notebook, path in executed.items():
        nb = nbformat.read(str(path), as_version=4)
        parts.append(f"<h2>筆記本 {html.escape(notebook)}.ipynb</h2>")
        parts += _render_notebook(nb, secret, names, items, notebook)
    parts.append("</body></html>")
    target = out_dir / "index.html"
    target.write_text("\n".join(parts), encoding="utf-8")
    # nbgrader's release_feedback hands out feedback/<student>/<module>/<notebook>.html.
    for path in sources:
        shutil.copyfile(target, out_dir / f"{Path(path).stem}.html")
    return target


def _indicator_or_unknown(grade_id: str) -> str:
    try:
        return evidence.indicator_from_grade_id(grade_id)
    except ValueError:
        return "（未對應指標）"


def _scrub(text: str, secret: set[str]) -> str:
    """Return ``text``, or the withheld notice when it quotes any hidden-test line."""
    return WITHHELD if any(line in text for line in secret) else text


def _render_notebook(
    nb: Any, secret: set[str], names: Mapping[str, str], items: Mapping[tuple[str, str], Any], notebook: str
) -> list[str]:
    parts = []
    for cell in nb.cells:
        meta = integrity.nbgrader_meta(cell)
        gid = meta.get("grade_id")
        hidden = integrity.has_hidden_tests(cell)
        source = (
            integrity.strip_hidden(integrity.source_text(cell)) if hidden else integrity.source_text(cell)
        )
        source = _scrub(source, secret) if not (hidden or integrity.cell_role(cell)) else source
        if cell.cell_type != "code":
            parts.append(f"<div class='md'>{html.escape(source)}</div>")
            continue
        parts.append(f"<pre class='src'>{html.escape(source)}</pre>")
        if hidden and meta.get("grade"):
            item = items.get((notebook, gid))
            code = item.indicator if item else _indicator_or_unknown(gid or "")
            failed = any(o.get("output_type") == "error" or o.get("name") == "stderr" for o in cell.outputs)
            text = (
                hidden_message(code, names.get(code))
                if failed
                else f"隱藏測試 (hidden test) 通過（指標 {code}）。"
            )
            parts.append(f"<div class='out neutral'>{html.escape(text)}</div>")
            continue
        is_test = integrity.cell_role(cell) == "test"
        for output in cell.outputs:
            parts.append(_render_output(output, secret, brief_errors=is_test))
    return parts


def _render_output(output: Mapping[str, Any], secret: set[str], *, brief_errors: bool) -> str:
    kind = output.get("output_type")
    if kind == "error":
        if brief_errors:
            text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
        else:
            text = _ANSI.sub("", "\n".join(output.get("traceback", [])[-8:])) or output.get("evalue", "")
        return f"<pre class='out err'>{html.escape(_scrub(text[:_MAX_TEXT], secret))}</pre>"
    if kind == "stream":
        text = _ANSI.sub("", str(output.get("text", "")))
        return f"<pre class='out'>{html.escape(_scrub(text[:_MAX_TEXT], secret))}</pre>"
    data = output.get("data", {})
    png = data.get("image/png")
    if png and len(png) < 2_000_000:
        return f"<img alt='圖表' src='data:image/png;base64,{html.escape(str(png).strip())}'>"
    text = data.get("text/plain")
    if text is not None:
        text = "".join(text) if isinstance(text, list) else str(text)
        return f"<pre class='out'>{html.escape(_scrub(text[:_MAX_TEXT], secret))}</pre>"
    return ""


_HEAD = """<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK TC", "Microsoft JhengHei", "PingFang TC", sans-serif; max-width: 960px;
  margin: 2em auto; padding: 0 1em; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border: 1px solid #ccc; padding: .3em .5em; }}
tr.pass td:nth-child(2) {{ color: #1a7f37; }} tr.fail td:nth-child(2), tr.partial td:nth-child(2) {{ color: #b35900; }}
pre {{ white-space: pre-wrap; background: #f6f8fa; padding: .5em; }} pre.err {{ background: #fff0f0; }}
.md {{ white-space: pre-wrap; margin: 1em 0; }} .neutral {{ background: #fff8e1; padding: .5em; }}
.revisit {{ font-weight: bold; }}
</style></head><body>"""
