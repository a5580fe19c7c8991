"""A learner's feedback on one module, in zh-TW: one page per notebook and an index.

``feedback/<learner>/<module>/`` holds ``index.html`` (the module at a glance: status,
total, every notebook's score, each behaviour indicator) and ``<notebook>.html`` for each
notebook (nbgrader's Release Feedback hands these out under the same names). A notebook
page says, item by item, what the grader's check found (its zh-TW message: what was wrong
and where to look, never the expected answer), shows each written answer's rubric
criteria and, once graded, the level given per criterion and the grader's comment, and
then the learner's notebook: Markdown rendered (raw HTML escaped), widgets summarised in
words, outputs as text, charts with a text alternative.

What can reach a page, and why nothing secret does: the item results come from the
grader's record (check messages only, never a check's code or the truth), manual grades
from the rubric record (:mod:`netmarketing.certify.manual`), and the notebook is the one
the learner's kernel executed, whose locked and graded cells are shown as released
(solutions and hidden-test regions removed). Learner output that quotes a hidden-test
line of the source is withheld as well, so even a course that still had hidden tests
could not leak them here.

The pages are written at grading time (:func:`netmarketing.grading.store.store`) and again
after manual grading by ``netmarketing feedback`` (:mod:`.review`), which also runs when
formgrader's Generate Feedback is pressed (:mod:`.nbgrader_bridge`).
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
RESULT_ZH = {
    "pass": "通過",
    "partial": "部分通過",
    "fail": "需再加強",
    "pending": "待講師評分",
    "none": "未評分",
}
WITHHELD = "（此輸出含有隱藏測試的內容，已隱藏）"
HIDDEN_OUTPUT = "（此格含隱藏測試 (hidden test)，輸出不顯示；結果見上方「各題結果」）"
PENDING_NOTE = "書面作答，由講師依評分規準 (rubric) 評分；評分完成後，這裡會列出各準則的等級與評語。"
#: Files nbgrader's Release Feedback reads beside the pages (copied from the submission).
RELEASE_FILES = ("timestamp.txt", "submission_secret.txt")
INDEX = "index.html"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: The one HTML tag course Markdown uses (line breaks in table cells); all other HTML stays escaped.
_BR = re.compile(r"&lt;br\s*/?&gt;")
_MAX_TEXT = 5000
_MAX_IMAGE = 2_000_000
#: Issues a learner is not shown (the instructor reads them in the results table).
_INSTRUCTOR_ONLY = {"suspicious_code"}


@dataclass
class ItemResult:
    """One graded item as the learner sees it."""

    notebook: str
    grade_id: str
    kind: str  # "auto" or "manual"
    score: float | None
    max_score: float
    message: str
    indicator: str
    exercise: str
    rubric: Any = None  # the item's Rubric (written items), when rubrics are known
    manual: Any = None  # the ManualGrade of a written item, when a person graded it

    @property
    def result(self) -> str:
        """Return ``pass``, ``partial``, ``fail``, ``pending`` (a person has yet to grade) or ``none``."""
        if self.score is None:
            return "pending" if self.kind == "manual" else "none"
        if self.max_score == 0 or self.score >= self.max_score:
            return "pass"
        return "partial" if self.score > 0 else "fail"


@dataclass
class Submission:
    """Everything one learner's module feedback shows."""

    student: str
    module: str
    status: str
    issues: list[dict[str, Any]]
    items: list[ItemResult]
    notebooks: list[str]
    titles: dict[str, str] = field(default_factory=dict)
    learner_name: str = ""

    def of(self, notebook: str) -> list[ItemResult]:
        return [i for i in self.items if i.notebook == notebook]


# ==============================================================================================
# Writing
# ==============================================================================================
def write_feedback(
    out_dir: Path,
    record: Mapping[str, Any],
    sources: Sequence[Path],
    executed: Mapping[str, Path],
    *,
    manual: Mapping[tuple[str, str], Any] | None = None,
    rubrics: Mapping[str, Any] | None = None,
    learner_name: str = "",
    submission_dir: Path | None = None,
) -> Path:
    """Write a learner's feedback on one module (index and one page per notebook); return the index.

    The folder is replaced: whatever else was in it (for example what nbgrader's Generate
    Feedback copied there) is removed, so it holds exactly this feedback.

    Parameters
    ----------
    out_dir : Path
        ``feedback/<learner>/<module>/``.
    record : mapping
        The grader's record of the submission (status, issues, grades per notebook; :mod:`.results`).
    sources : sequence of Path
        The module's source notebooks (item indicators and rubrics, released text of locked cells).
    executed : mapping
        ``{notebook: path}`` of the notebooks the learner's kernel executed (``autograded/``).
    manual : mapping, optional
        ``{(notebook, grade_id): ManualGrade}`` of written items graded by a person
        (:func:`netmarketing.certify.manual.read_manual_grade`).
    rubrics : mapping, optional
        Rubrics by id; written items then show their criteria.
    learner_name : str
        Shown beside the learner id.
    submission_dir : Path, optional
        ``submitted/<learner>/<module>/``: its ``timestamp.txt`` and ``submission_secret.txt``
        are copied beside the pages, which nbgrader's Release Feedback needs.
    """
    import nbformat

    out_dir = Path(out_dir)
    source_nbs = {Path(p).stem: nbformat.read(str(p), as_version=4) for p in sources}
    sub = _submission(record, sources, source_nbs, manual or {}, rubrics or {}, learner_name)
    pages = {INDEX: _index_page(sub)}
    for name in sub.notebooks:
        nb = nbformat.read(str(executed[name]), as_version=4) if name in executed else None
        pages[f"{name}.html"] = _notebook_page(sub, name, nb, source_nbs.get(name))
    _replace_folder(out_dir, pages, submission_dir)
    return out_dir / INDEX


def _replace_folder(out_dir: Path, pages: Mapping[str, str], submission_dir: Path | None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    keep = set(pages) | set(RELEASE_FILES)
    for path in out_dir.iterdir():
        if path.name not in keep:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    for name, text in pages.items():
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out_dir / name)
    for name in RELEASE_FILES:
        src = Path(submission_dir) / name if submission_dir else None
        if src is not None and src.is_file() and not src.is_symlink():
            shutil.copyfile(src, out_dir / name)


def _submission(
    record: Mapping[str, Any],
    sources: Sequence[Path],
    source_nbs: Mapping[str, Any],
    manual: Mapping[tuple[str, str], Any],
    rubrics: Mapping[str, Any],
    learner_name: str,
) -> Submission:
    from netmarketing.learner import items as learner_items

    module = record["module"]
    secret = set().union(*(integrity.hidden_lines(nb) for nb in source_nbs.values()))
    found = {}
    for path in sources:
        for item in evidence.notebook_evidence(Path(path), module):
            found[(item.notebook, item.grade_id)] = item
    notebooks = [Path(p).stem for p in sources] or list(record.get("notebooks", {}))
    results = []
    for notebook in notebooks:
        grades = record.get("notebooks", {}).get(notebook, {}).get("grades", {})
        for gid, grade in grades.items():
            item = found.get((notebook, gid))
            registered = learner_items.find(gid)
            given = manual.get((notebook, gid))
            if given is not None and given.source == "invalid":
                given = None  # an unreadable rubric record: the answer still waits for its grade
            score = given.score if given is not None and given.score is not None else grade.get("score")
            results.append(
                ItemResult(
                    notebook=notebook,
                    grade_id=gid,
                    kind=grade.get("kind", "auto"),
                    score=score,
                    max_score=float(grade.get("max_score") or 0),
                    message=_scrub(str(grade.get("message_zh") or ""), secret),
                    indicator=item.indicator if item else _indicator_or_unknown(gid),
                    exercise=registered.exercise if registered else "",
                    rubric=_rubric(rubrics, item),
                    manual=given,
                )
            )
    titles = {name: _title(nb, name) for name, nb in source_nbs.items()}
    return Submission(
        student=record["student"],
        module=module,
        status=record.get("status", "graded"),
        issues=[i for i in record.get("issues", []) if i.get("code") not in _INSTRUCTOR_ONLY],
        items=results,
        notebooks=notebooks,
        titles=titles,
        learner_name=learner_name,
    )


def _rubric(rubrics: Mapping[str, Any], item: Any) -> Any:
    """Return the rubric of a written item (None for automatic items or when rubrics are unknown)."""
    if not rubrics or item is None or item.kind != "manual" or not item.points:
        return None
    from netmarketing.certify.rubrics import RubricError, rubric_for_cell

    try:  # the same choice certify makes: the cell's rubric, else its work output's, else the default
        return rubric_for_cell({"rubric": item.rubric, "output": item.output}, dict(rubrics))
    except (RubricError, KeyError):
        return None


def _title(nb: Any, name: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in integrity.source_text(cell).split("\n"):
                if line.startswith("#"):
                    return line.lstrip("#").strip() or name
    return name


def _indicator_or_unknown(grade_id: str) -> str:
    try:
        return evidence.indicator_from_grade_id(grade_id)
    except ValueError:
        return "（未對應指標）"


# ==============================================================================================
# Pages
# ==============================================================================================
def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{round(float(value), 2):g}"


def _total(items: Sequence[ItemResult]) -> tuple[float, float, int]:
    """Return (points earned, points possible, items still waiting for a person)."""
    got = sum(i.score or 0.0 for i in items)
    return round(got, 2), round(sum(i.max_score for i in items), 2), sum(i.result == "pending" for i in items)


def _page(title: str, body: list[str], sub: Submission, current: str) -> str:
    links = [f'<li><a href="{INDEX}"{_current(current, INDEX)}>本單元總覽 (overview)</a></li>']
    for name in sub.notebooks:
        label = f"{sub.titles.get(name, name)}"
        links.append(
            f'<li><a href="{_esc(name)}.html"{_current(current, name + ".html")}>{_esc(label)}</a></li>'
        )
    who = _esc(sub.student) + (f"（{_esc(sub.learner_name)}）" if sub.learner_name else "")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-Hant-TW">',
            '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_esc(title)}</title>",
            f"<style>{_CSS}</style></head>",
            "<body>",
            f'<header><p class="who">學員 (learner)：{who}　單元 (module)：{_esc(sub.module)}</p>',
            f'<nav aria-label="回饋頁面 (feedback pages)"><ul>{"".join(links)}</ul></nav></header>',
            "<main>",
            *body,
            "</main>",
            "</body></html>",
        ]
    )


def _current(current: str, target: str) -> str:
    return ' aria-current="page"' if current == target else ""


def _summary_line(items: Sequence[ItemResult]) -> str:
    got, possible, pending = _total(items)
    text = f"得分 (score)：{_num(got)} / {_num(possible)}"
    if pending:
        text += f"；另有 {pending} 題書面作答待講師評分，分數會在評分後更新"
    return f'<p class="total">{text}。</p>'


def _issues_section(issues: Sequence[Mapping[str, Any]], notebook: str | None = None) -> list[str]:
    own = [i for i in issues if notebook is None or i.get("notebook") in (None, notebook)]
    if not own:
        return []
    rows = [f"<li>{_esc(i.get('reason_zh', ''))}</li>" for i in own]
    return ["<section><h2>評分時的狀況 (what the grader met)</h2>", "<ul>", *rows, "</ul></section>"]


def _index_page(sub: Submission) -> str:
    title = f"{sub.module} 回饋總覽 (feedback overview)"
    body = [
        f"<h1>{_esc(title)}</h1>",
        f"<p>狀態 (status)：<strong>{_esc(STATUS_ZH.get(sub.status, sub.status))}</strong></p>",
        _summary_line(sub.items),
        *_issues_section(sub.issues),
        "<section><h2>各筆記本 (notebooks)</h2>",
        "<table><caption>每本筆記本的得分；點名稱看逐題回饋</caption>",
        '<thead><tr><th scope="col">筆記本</th><th scope="col">得分</th>'
        '<th scope="col">待評分題數</th></tr></thead><tbody>',
    ]
    for name in sub.notebooks:
        got, possible, pending = _total(sub.of(name))
        body.append(
            f'<tr><th scope="row"><a href="{_esc(name)}.html">{_esc(sub.titles.get(name, name))}</a></th>'
            f"<td>{_num(got)} / {_num(possible)}</td><td>{pending}</td></tr>"
        )
    body += ["</tbody></table></section>", *_indicator_section(sub)]
    return _page(title, body, sub, INDEX)


def _indicator_section(sub: Submission) -> list[str]:
    names = _indicator_names()
    by_code: dict[str, list[ItemResult]] = {}
    for item in sub.items:
        by_code.setdefault(item.indicator, []).append(item)
    body = [
        "<section><h2>各行為指標 (behaviour indicators)</h2>",
        "<table><caption>每個行為指標的評分項目與結果</caption>",
        '<thead><tr><th scope="col">行為指標</th><th scope="col">通過</th>'
        '<th scope="col">待講師評分</th><th scope="col">建議回頭檢視</th></tr></thead><tbody>',
    ]
    for code in sorted(by_code):
        rows = by_code[code]
        passed = sum(i.result == "pass" for i in rows)
        pending = sum(i.result == "pending" for i in rows)
        revisit = [_item_label(i) for i in rows if i.result in ("fail", "partial")]
        label = f"{code}　{names.get(code, '')}".strip()
        body.append(
            f'<tr><th scope="row">{_esc(label)}</th><td>{passed} / {len(rows) - pending}</td>'
            f"<td>{pending}</td><td>{_esc('、'.join(revisit) or '—')}</td></tr>"
        )
    body.append("</tbody></table></section>")
    return body


def _indicator_names() -> dict[str, str]:
    try:
        from netmarketing.standard import load_standard

        std = load_standard()
        return {code: std.indicator(code).zh for code in std.codes("indicator")}
    except Exception:  # the page is still useful without the names
        return {}


def _item_label(item: ItemResult) -> str:
    return f"{item.exercise}（{item.grade_id}）" if item.exercise else item.grade_id


def _notebook_page(sub: Submission, name: str, nb: Any, source: Any) -> str:
    title = sub.titles.get(name, name)
    items = sub.of(name)
    body = [
        f"<h1>{_esc(title)}：回饋 (feedback)</h1>",
        f"<p>狀態 (status)：<strong>{_esc(STATUS_ZH.get(sub.status, sub.status))}</strong></p>",
        _summary_line(items),
        *_issues_section(sub.issues, name),
        *_items_table(items),
        *_written_section(items),
        '<section><h2 id="notebook">你的筆記本 (your notebook)</h2>',
    ]
    if nb is None:
        body.append("<p>這本筆記本沒有可顯示的內容（找不到或無法執行，原因見上方「評分時的狀況」）。</p>")
    else:
        body += _render_notebook(nb, source, items)
    body.append("</section>")
    return _page(f"{sub.module} {title} 回饋 (feedback)", body, sub, f"{name}.html")


def _items_table(items: Sequence[ItemResult]) -> list[str]:
    if not items:
        return []
    body = [
        "<section><h2>各題結果 (results by item)</h2>",
        "<table><caption>逐題的得分與說明；「說明」告訴你哪裡要修正、該回頭看哪裡</caption>",
        '<thead><tr><th scope="col">題目</th><th scope="col">行為指標</th><th scope="col">得分</th>'
        '<th scope="col">結果</th><th scope="col">說明</th></tr></thead><tbody>',
    ]
    for item in items:
        body.append(
            f'<tr class="{item.result}"><th scope="row"><a href="#cell-{_esc(item.grade_id)}">'
            f"{_esc(_item_label(item))}</a></th><td>{_esc(item.indicator)}</td>"
            f'<td class="n">{_num(item.score)} / {_num(item.max_score)}</td>'
            f'<td><span class="tag {item.result}">{RESULT_ZH[item.result]}</span></td>'
            f"<td>{_esc(_note(item))}</td></tr>"
        )
    body.append("</tbody></table></section>")
    return body


def _note(item: ItemResult) -> str:
    if item.kind == "manual":
        if item.manual is not None:
            return "講師已依評分規準評分，各準則的等級與評語見下方「書面作答的評分」。"
        return item.message or PENDING_NOTE
    if item.result == "pass":
        return item.message or "做得好。"
    return item.message or "未通過：請依題目說明重新檢查你的作答，再執行一次評分格。"


def _written_section(items: Sequence[ItemResult]) -> list[str]:
    written = [i for i in items if i.kind == "manual" and i.max_score > 0]
    if not written:
        return []
    body = ["<section><h2>書面作答的評分 (written answers)</h2>"]
    for item in written:
        body.append(f"<h3>{_esc(_item_label(item))}</h3>")
        rubric, given = item.rubric, item.manual
        if rubric is not None:
            body.append(f"<p>評分規準 (rubric)：{_esc(rubric.title)}</p>")
        if given is not None and getattr(given, "criterion_levels", ()) and rubric is not None:
            body += _levels_table(item.grade_id, rubric, given.criterion_levels)
        if given is not None:
            body.append(f"<p>得分 (score)：{_num(item.score)} / {_num(item.max_score)}</p>")
            comment = str(getattr(given, "comment", "") or "").strip()
            body.append(
                '<div class="comment"><h4>講師評語 (comment)</h4>'
                + (_paragraphs(comment) if comment else "<p>（講師沒有留下評語）</p>")
                + "</div>"
            )
            if getattr(given, "simulated", False):
                body.append('<p class="note">這是示範用的模擬評分 (simulated)，不是講師實際給的分數。</p>')
        elif item.result == "pending":
            body.append(f"<p>{PENDING_NOTE}</p>")
            if rubric is not None:
                names = "".join(f"<li>{_esc(c)}</li>" for c in rubric.criteria)
                body.append(f"<p>講師會看這幾項準則，每項給 0–3 級：</p><ul>{names}</ul>")
        else:
            body.append(
                f"<p>{_esc(item.message or '未作答')}：得分 {_num(item.score)} / {_num(item.max_score)}。</p>"
            )
    body.append("</section>")
    return body


def _levels_table(grade_id: str, rubric: Any, levels: Sequence[int]) -> list[str]:
    rows = []
    for number, (criterion, level) in enumerate(zip(rubric.criteria, levels, strict=False), start=1):
        label = rubric.level(level).label
        detail = rubric.criterion_levels[number - 1][level].descriptor if rubric.detailed else ""
        detail = detail or rubric.level(level).description
        rows.append(
            f'<tr><th scope="row">準則 {number}：{_esc(criterion)}</th>'
            f"<td>{level}（{_esc(label)}）</td><td>{_esc(detail)}</td></tr>"
        )
    return [
        f"<table><caption>{_esc(grade_id)} 各準則的等級（0–3）</caption>",
        '<thead><tr><th scope="col">準則 (criterion)</th><th scope="col">等級 (level)</th>'
        '<th scope="col">這個等級的意思</th></tr></thead>',
        f"<tbody>{''.join(rows)}</tbody></table>",
    ]


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_esc(part)}</p>" for part in text.split("\n") if part.strip())


# ==============================================================================================
# The learner's notebook
# ==============================================================================================
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def heading(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        # The page has h1 and h2 above the notebook: its headings start at h3.
        token = tokens[idx]
        token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("heading_open", heading)
    md.add_render_rule("heading_close", heading)
    return md


def _render_notebook(nb: Any, source: Any, items: Sequence[ItemResult]) -> list[str]:
    """Return the learner's executed notebook as HTML; locked cells as released, hidden tests never."""
    md = _markdown()
    released, hidden, secret = {}, set(), set()
    if source is not None:
        secret = integrity.hidden_lines(source)
        hidden = {
            integrity.nbgrader_meta(c).get("grade_id") for c in source.cells if integrity.has_hidden_tests(c)
        }
        for cell in integrity.release_version(source).cells:
            gid = integrity.nbgrader_meta(cell).get("grade_id")
            if gid:
                released[gid] = integrity.source_text(cell)
    by_id = {i.grade_id: i for i in items}
    states = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    parts = []
    for number, cell in enumerate(nb.cells, start=1):
        gid = integrity.nbgrader_meta(cell).get("grade_id")
        role = integrity.cell_role(cell)
        text = integrity.source_text(cell)
        if role in ("test", "locked") and gid in released:
            text = released[gid]  # as released: never a solution or a hidden test
        elif role is None or role == "answer":
            text = _scrub(text, secret)
        anchor = f' id="cell-{_esc(gid)}"' if gid in by_id else ""
        label = _cell_label(by_id.get(gid))
        parts.append(f'<div class="cell {cell.cell_type}"{anchor}>{label}')
        if cell.cell_type == "markdown":
            parts.append(f'<div class="md">{_BR.sub("<br>", md.render(text))}</div>')
        elif cell.cell_type == "code":
            if text.strip():
                parts.append(
                    f'<pre class="src" aria-label="第 {number} 格程式碼 (code)"><code>{_esc(text)}</code></pre>'
                )
            if gid in hidden and cell.get("outputs"):
                parts.append(f'<p class="note">{HIDDEN_OUTPUT}</p>')
            else:
                parts += [_render_output(o, secret, states, number) for o in cell.get("outputs", [])]
        parts.append("</div>")
    return parts


def _cell_label(item: ItemResult | None) -> str:
    if item is None:
        return ""
    return (
        f'<p class="graded"><span class="tag {item.result}">{RESULT_ZH[item.result]}</span> '
        f"評分格 {_esc(_item_label(item))}：{_num(item.score)} / {_num(item.max_score)}</p>"
    )


def _scrub(text: str, secret: set[str]) -> str:
    """Return ``text``, or the withheld notice when it quotes any hidden-test line of the source."""
    return WITHHELD if any(line in text for line in secret) else text


def _render_output(
    output: Mapping[str, Any], secret: set[str], states: Mapping[str, Any], number: int
) -> str:
    kind = output.get("output_type")
    if kind == "error":
        # The message, never the traceback: its frames would show code the learner did not write.
        text = f"{output.get('ename', '')}: {_ANSI.sub('', str(output.get('evalue', '')))}"
        return f'<pre class="out err">{_esc(_scrub(text[:_MAX_TEXT], secret))}</pre>'
    if kind == "stream":
        text = _ANSI.sub("", _joined(output.get("text", "")))
        css = "out err" if output.get("name") == "stderr" else "out"
        return f'<pre class="{css}">{_esc(_scrub(text[:_MAX_TEXT], secret))}</pre>'
    data = output.get("data", {})
    if WIDGET_VIEW in data:
        summary = widget_summary(data[WIDGET_VIEW].get("model_id", ""), states)
        return f'<p class="widget">{_esc(summary)}</p>'
    png = data.get("image/png")
    if png and len(png) < _MAX_IMAGE:
        alt = f"第 {number} 格程式產生的圖表 (chart)；圖表中的數字可在上方程式與輸出中找到"
        return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{_esc(str(png).strip())}">'
    text = data.get("text/plain")
    if text is not None:
        return f'<pre class="out">{_esc(_scrub(_joined(text)[:_MAX_TEXT], secret))}</pre>'
    return ""


def _joined(text: Any) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


#: Controls and how their chosen value reads; containers (VBox, HBox ...) are walked through.
_CHOICE_MODELS = {"DropdownModel", "ToggleButtonsModel", "RadioButtonsModel", "SelectModel"}
_MULTI_MODELS = {"SelectMultipleModel"}
_VALUE_MODELS = {
    "TextModel",
    "TextareaModel",
    "IntTextModel",
    "FloatTextModel",
    "BoundedIntTextModel",
    "BoundedFloatTextModel",
    "IntSliderModel",
    "FloatSliderModel",
    "CheckboxModel",
    "ToggleButtonModel",
    "ComboboxModel",
}


def widget_summary(model_id: str, states: Mapping[str, Any]) -> str:
    """Return, in words, what an interactive widget shows (its controls and their values).

    ``states`` is the notebook's saved widget state (``metadata.widgets``). Without it the
    summary says so: the widget's Python repr (``VBox(children=(...``) is never shown.

    Examples
    --------
    >>> states = {"a": {"state": {"_model_name": "VBoxModel", "children": ["IPY_MODEL_b"]}},
    ...           "b": {"state": {"_model_name": "DropdownModel", "description": "通路",
    ...                           "_options_labels": ["官網", "momo"], "index": 1}}}
    >>> widget_summary("a", states)
    '互動元件 (widget)：「通路」選了「momo」。'
    """
    found: list[str] = []
    _walk_widget(model_id, states, found, set())
    if not found:
        return (
            "互動元件 (widget)：回饋頁無法顯示互動元件本身；你用它做的選擇若由評分格交出，"
            "結果列在上方「各題結果」，也可以在 JupyterLab 中開啟筆記本查看。"
        )
    return "互動元件 (widget)：" + "；".join(found) + "。"


def _walk_widget(model_id: str, states: Mapping[str, Any], found: list[str], seen: set[str]) -> None:
    if model_id in seen or model_id not in states:
        return
    seen.add(model_id)
    state = states[model_id].get("state", {})
    name = state.get("_model_name", "")
    label = str(state.get("description") or state.get("placeholder") or "").strip()
    label = f"「{label}」" if label else "一個選項"
    if name in _CHOICE_MODELS:
        options, index = state.get("_options_labels", []), state.get("index")
        chosen = options[index] if isinstance(index, int) and 0 <= index < len(options) else None
        found.append(f"{label}選了「{chosen}」" if chosen is not None else f"{label}尚未選擇")
    elif name in _MULTI_MODELS:
        options = state.get("_options_labels", [])
        chosen = [options[i] for i in state.get("index", []) if isinstance(i, int) and 0 <= i < len(options)]
        found.append(f"{label}選了「{'、'.join(chosen)}」" if chosen else f"{label}尚未選擇")
    elif name in _VALUE_MODELS:
        value = state.get("value")
        if isinstance(value, bool):
            value = "是" if value else "否"
        found.append(f"{label}是「{value}」" if value not in (None, "") else f"{label}尚未填寫")
    for child in state.get("children", []) or []:
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            _walk_widget(child.removeprefix("IPY_MODEL_"), states, found, seen)


_CSS = """
body { font-family: "Noto Sans CJK TC", "Microsoft JhengHei", "PingFang TC", sans-serif; max-width: 980px;
  margin: 1.5em auto; padding: 0 1em; line-height: 1.65; color: #1f2328; background: #fff; }
header { border-bottom: 1px solid #d0d7de; margin-bottom: 1em; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4em 1.2em; }
a { color: #0550ae; } a[aria-current="page"] { font-weight: bold; color: #1f2328; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
caption { text-align: left; color: #57606a; padding: .2em 0; }
th, td { border: 1px solid #d0d7de; padding: .35em .55em; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
.tag { display: inline-block; padding: 0 .45em; border-radius: .3em; font-weight: bold; border: 1px solid;
  white-space: nowrap; }
td.n { white-space: nowrap; }
.tag.pass { color: #116329; border-color: #116329; background: #dafbe1; }
.tag.partial, .tag.fail { color: #8a3b00; border-color: #8a3b00; background: #fff1e5; }
.tag.pending, .tag.none { color: #3d444d; border-color: #3d444d; background: #eaeef2; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; padding: .5em; margin: .3em 0; }
pre.err { background: #fff0f0; }
.cell { border-left: 3px solid #d0d7de; padding-left: .7em; margin: 1em 0; }
.cell.markdown { border-left-color: transparent; }
.graded { margin: .2em 0; font-weight: bold; }
.widget { background: #fff8c5; padding: .4em .6em; }
.comment { border: 1px solid #0550ae; padding: .2em .8em; margin: .5em 0 1em; }
.comment h4 { margin: .4em 0; }
.note, .who { color: #57606a; }
img { max-width: 100%; height: auto; }
"""
