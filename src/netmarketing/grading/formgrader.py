"""formgrader set up for this course: rubrics where the grading happens, flags with reasons, modules only.

How it plugs in (all configured from the course's nbgrader config, :func:`configure_formgrader`,
which :meth:`.workspace.Workspace.configure` calls):

- **the submission page** is rendered with ``formgrader_templates/netmarketing_formgrade.html.j2``,
  which extends nbgrader's own ``formgrade`` template. Before it
  renders, :class:`.nbgrader_bridge.FormgraderPanels` (a preprocessor of formgrader's HTML exporter)
  adds, from the workspace: the learner's id and name, the integrity flags of the submission
  with their reasons and a button to resolve them, and beside every written answer its
  rubric: each criterion with its levels 0-3, their descriptors and exemplars (zh-TW), and
  a form that writes the rubric record (:mod:`netmarketing.certify.manual`) into formgrader's
  comment box and the score the record gives into the score box.
  Why a template and not the notebooks: the rubric stays in one place
  (``autograder/rubrics/*.yaml``), course notebooks are not touched, and the record the
  form writes is the one ``certify`` reads back;
- **Generate Feedback** writes the course's own feedback (:class:`.nbgrader_bridge.ProjectFeedback`);
- **only modules are assignments**: :func:`list_only_modules` (loaded as a Jupyter server
  extension by ``netmarketing formgrader``) keeps other folders of ``course/`` (builder
  scripts, ``_build``) out of formgrader's assignment list.

``netmarketing formgrader`` (:func:`write_server_config`) serves JupyterLab from the folder
that holds both ``autograder/`` and ``course/``, so formgrader's links to sources, submissions
and live notebooks resolve (nbgrader links to them relative to the server's root).
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

#: formgrader's submission page: nbgrader's ``formgrade`` template with the course's additions.
TEMPLATE = Path(__file__).parent / "formgrader_templates" / "netmarketing_formgrade.html.j2"
#: A course module folder (the same rule as :func:`.evidence.course_modules`).
MODULE_RE = re.compile(r"^\d\d_")
SERVER_EXTENSION = "netmarketing.grading.formgrader"
#: nbgrader's own feedback folder (``CourseDirectory.feedback_directory``): what Release Feedback sends.
#: Generate Feedback empties it before writing; the course's feedback (``feedback/``) is never in its way.
RELEASE_FEEDBACK_DIR = "feedback_release"


def configure_formgrader(c: Any, ws: Any) -> None:
    """Write the course's formgrader and feedback settings into an nbgrader ``Config``."""
    # formgrader sets the template name itself ("formgrade"); a template file given by path
    # takes its place and extends it (nbconvert looks the file up on formgrade's template path).
    c.HTMLExporter.template_file = str(TEMPLATE)
    c.HTMLExporter.preprocessors = ["netmarketing.grading.nbgrader_bridge.FormgraderPanels"]
    c.FormgraderPanels.autograder = str(ws.root)
    c.FormgraderPanels.course = str(ws.course_dir)
    c.FormgraderPanels.db_url = str(ws.db_url)
    # Generate Feedback writes the course's feedback, never nbgrader's own (see nbgrader_bridge), and
    # puts copies of its pages in a folder of nbgrader's own, so that nothing it empties is the course's.
    c.GenerateFeedback.exporter_class = "netmarketing.grading.nbgrader_bridge.ProjectFeedback"
    c.GenerateFeedback.preprocessors = []
    c.CourseDirectory.feedback_directory = RELEASE_FEEDBACK_DIR


# ==============================================================================================
# The submission page
# ==============================================================================================
def page_parts(
    ws: Any, module: str, student: str, notebook: str, nb: Any, resources: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the banner, the rubric panels by grade id and the script of one submission page."""
    from netmarketing.certify.rubrics import RubricError, rubric_for_cell
    from netmarketing.grading import integrity
    from netmarketing.grading.review import load_workspace_rubrics

    rubrics = load_workspace_rubrics(ws)
    panels = {}
    for cell in nb.cells:
        meta = integrity.nbgrader_meta(cell)
        points = float(meta.get("points") or 0)
        if not (meta.get("grade") and meta.get("solution") and points > 0):
            continue
        gid = meta["grade_id"]
        try:
            if rubrics is None:
                raise RubricError(f"無法讀取評分規準資料夾 (rubrics folder unreadable): {_rubrics_dir(ws)}")
            rubric = rubric_for_cell(dict(cell.metadata.get("netmarketing", {})), rubrics)
        except RubricError as exc:
            panels[gid] = f'<div class="alert alert-warning nm-rubric">{_esc(exc)}</div>'
            continue
        panels[gid] = rubric_panel(rubric, gid, points)
    resources = resources or {}
    name = f"{resources.get('last_name') or ''}{resources.get('first_name') or ''}".strip()
    return {"banner": banner(ws, module, student, notebook, name), "panels": panels, "script": SCRIPT}


def _rubrics_dir(ws: Any) -> Path:
    from netmarketing.grading.review import rubrics_dir

    return rubrics_dir(ws)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def banner(ws: Any, module: str, student: str, notebook: str, name: str = "") -> str:
    """Return the top of a submission page: who it is, and the integrity flags with their reasons."""
    from netmarketing.grading.flags import OPEN, flag_issues, read_state
    from netmarketing.grading.results import load_results

    who = f"{_esc(student)}　{_esc(name)}" if name else _esc(student)
    parts = [
        '<div class="nm-banner">',
        f'<p class="nm-learner"><strong>學員 (learner)：{who}</strong>　｜　{_esc(module)} / {_esc(notebook)}</p>',
    ]
    record = load_results(ws, module).get(student, {})
    issues = [i for i in flag_issues(record) if i.get("notebook") in (None, notebook)]
    if issues:
        entry = read_state(ws.root).get(module, {}).get(student, {})
        open_flag = entry.get("state", OPEN) == OPEN
        state = (
            "目前狀態：未處理，已標記 (flagged)"
            if open_flag
            else f"目前狀態：講師已處理 (resolved {entry.get('resolved_at', '')})"
        )
        reasons = "".join(f"<li>{_esc(i['reason_zh'])}（{_esc(i['reason_en'])}）</li>" for i in issues)
        parts += [
            f'<div class="alert alert-danger nm-flag" role="alert" data-open="{str(open_flag).lower()}">',
            "<p><strong>完整性警示 (integrity flag)</strong>：評分程式發現下列狀況，請檢視這份繳交。</p>",
            f"<ul>{reasons}</ul>",
            "<p>檢視後按「取消標記」(unflag) 即表示已處理：認證不再因此待定；"
            "同一份繳交重新評分也不會再標記，除非學員重新繳交。</p>",
            '<button type="button" class="btn btn-default nm-flag-toggle">取消標記／重新標記 (toggle flag)</button> ',
            f'<span class="nm-flag-state" role="status">{state}</span>',
            "</div>",
        ]
    parts.append("</div>")
    return "\n".join(parts)


def rubric_panel(rubric: Any, grade_id: str, points: float) -> str:
    """Return the rubric of one written answer, with a form that fills in its rubric record and score."""
    from netmarketing.certify.manual import render_record

    fractions = [rubric.level(n).fraction for n in range(4)]
    scale = "、".join(f"{lv.level} {lv.label}（{lv.fraction:g}）" for lv in rubric.levels)
    parts = [
        f'<section class="panel panel-info nm-rubric" data-grade-id="{_esc(grade_id)}" '
        f"data-points=\"{points:g}\" data-fractions='{json.dumps(fractions)}' "
        f'aria-labelledby="nm-title-{_esc(grade_id)}">',
        f'<div class="panel-heading"><h3 class="panel-title" id="nm-title-{_esc(grade_id)}">'
        f"評分規準 (rubric)：{_esc(rubric.title)}（{_esc(rubric.id)}）</h3></div>",
        '<div class="panel-body">',
    ]
    if rubric.use_for:
        parts.append(f"<p>{_esc(rubric.use_for)}</p>")
    parts.append(
        f"<p>每項準則各給 0–3 級；本題 {points:g} 分 × 各準則等級比例的平均即為分數。等級與比例：{_esc(scale)}。</p>"
    )
    for number, criterion in enumerate(rubric.criteria, start=1):
        detail = rubric.criterion_levels[number - 1] if rubric.detailed else ()
        parts.append(
            f'<fieldset class="nm-criterion" data-criterion="{number}">'
            f"<legend>準則 {number}：{_esc(criterion)}</legend>"
        )
        for level in rubric.levels:
            descriptor = detail[level.level].descriptor if detail else level.description
            exemplar = (
                f'<br><span class="nm-exemplar">範例 (exemplar)：{_esc(detail[level.level].exemplar)}</span>'
                if detail
                else ""
            )
            parts.append(
                f'<div class="radio"><label><input type="radio" name="nm-{_esc(grade_id)}-c{number}" '
                f'value="{level.level}"> <strong>{level.level} {_esc(level.label)}</strong>：'
                f"{_esc(descriptor)}{exemplar}</label></div>"
            )
        parts.append("</fieldset>")
    parts += [
        f'<p><label>評分者 (grader)：<input type="text" class="form-control nm-grader" '
        f'id="nm-grader-{_esc(grade_id)}"></label></p>',
        f'<p><label for="nm-comment-{_esc(grade_id)}">給學員的評語 (comment to the learner)：</label>'
        f'<textarea class="form-control nm-comment" id="nm-comment-{_esc(grade_id)}" rows="3"></textarea></p>',
        '<p><button type="button" class="btn btn-primary nm-fill">填入評分紀錄與分數 '
        "(fill in the rubric record and score)</button> "
        '<span class="nm-status" role="status"></span></p>',
        "<details><summary>空白評分紀錄 (blank rubric record)：也可以自己複製、填好後貼到評語欄</summary>",
        f'<pre class="nm-template">{_esc(render_record(rubric))}</pre></details>',
        "</div></section>",
    ]
    return "\n".join(parts)


def _script() -> str:
    from netmarketing.certify.manual import LABELS

    return (
        "<style>.nm-rubric{margin:0 0 2em 0}.nm-rubric fieldset{margin:.6em 0;padding:.3em .8em;"
        "border:1px solid #bce8f1}.nm-rubric legend{font-size:1em;font-weight:bold;width:auto;border:0;"
        "margin:0}.nm-exemplar{color:#555}.nm-banner{margin-bottom:1em}.nm-learner{font-size:1.1em}</style>\n"
        f"<script>var NM_LABELS = {json.dumps(LABELS, ensure_ascii=False)};</script>\n"
        f"<script>{_JS}</script>"
    )


_JS = r"""
(function () {
  "use strict";
  function taiwanNow() {
    var d = new Date(Date.now() + 8 * 3600 * 1000);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate()) + " " +
      p(d.getUTCHours()) + ":" + p(d.getUTCMinutes());
  }
  function levelsOf(panel) {
    return Array.prototype.map.call(panel.querySelectorAll("fieldset.nm-criterion"), function (fs) {
      var checked = fs.querySelector("input[type=radio]:checked");
      return checked ? parseInt(checked.value, 10) : null;
    });
  }
  function recordText(panel, levels) {
    var n = 0;
    var grader = panel.querySelector(".nm-grader").value.trim();
    var comment = panel.querySelector(".nm-comment").value.trim();
    var lines = panel.querySelector(".nm-template").textContent.split("\n").map(function (line) {
      if (/^準則\s*\d+/.test(line)) { n += 1; return line + levels[n - 1]; }
      if (line.indexOf(NM_LABELS.grader) === 0) { return line + grader; }
      if (line.indexOf(NM_LABELS.graded_at) === 0) { return line + taiwanNow(); }
      return line;
    });
    return lines.join("\n") + (comment ? "\n" + comment : "");
  }
  function fill(panel) {
    var status = panel.querySelector(".nm-status");
    var levels = levelsOf(panel);
    if (levels.indexOf(null) !== -1) {
      status.textContent = "請為每一項準則選擇等級 (choose a level for every criterion)";
      return;
    }
    var fractions = JSON.parse(panel.getAttribute("data-fractions"));
    var points = parseFloat(panel.getAttribute("data-points"));
    var mean = levels.reduce(function (sum, level) { return sum + fractions[level]; }, 0) / levels.length;
    var score = Math.round(points * mean * 100) / 100;
    var id = panel.getAttribute("data-grade-id");
    $(document.getElementById(id + "-comment")).val(recordText(panel, levels)).trigger("change");
    $(document.getElementById(id)).val(score).trigger("change");
    status.textContent = "已填入評分紀錄，分數 " + score + " / " + points + " (record and score saved)";
  }
  function prefill(panel) {
    var box = document.getElementById(panel.getAttribute("data-grade-id") + "-comment");
    var tries = 0;
    (function wait() {
      if (!box) { return; }
      if (!box.value) { if (tries++ < 50) { setTimeout(wait, 200); } return; }
      var inComment = false, comment = [], hasRecord = box.value.indexOf(NM_LABELS.rubric) !== -1;
      box.value.split(/\r?\n/).forEach(function (raw) {
        if (inComment) { comment.push(raw); return; }
        var line = raw.trim(), m = /^準則\s*(\d+).*[：:]\s*(\d)\s*$/.exec(line);
        if (m) {
          var input = panel.querySelector("fieldset[data-criterion='" + m[1] + "'] input[value='" + m[2] + "']");
          if (input) { input.checked = true; }
        } else if (line.indexOf(NM_LABELS.grader) === 0) {
          panel.querySelector(".nm-grader").value = line.replace(/^[^：:]*[：:]\s*/, "");
        } else if (line.indexOf(NM_LABELS.comment) === 0) {
          inComment = true;
          var first = line.replace(/^[^：:]*[：:]\s*/, "");
          if (first) { comment.push(first); }
        }
      });
      panel.querySelector(".nm-comment").value = hasRecord ? comment.join("\n").trim() : box.value;
    })();
  }
  Array.prototype.forEach.call(document.querySelectorAll(".nm-rubric[data-grade-id]"), function (panel) {
    panel.querySelector(".nm-fill").addEventListener("click", function () { fill(panel); });
    prefill(panel);
  });
  Array.prototype.forEach.call(document.querySelectorAll(".nm-flag-toggle"), function (button) {
    button.addEventListener("click", function () {
      $.ajax({
        method: "POST",
        url: base_url + "/api/submitted_notebook/" + submission_id + "/flag",
        headers: {"X-CSRFToken": getCookie("_xsrf")}
      }).done(function (data) {
        var flagged = JSON.parse(data).flagged;
        button.parentNode.querySelector(".nm-flag-state").textContent = flagged
          ? "目前狀態：已標記 (flagged)"
          : "目前狀態：已取消標記 (unflagged)；下次執行 netmarketing feedback 或 certify 時記為已處理";
      });
    });
  });
})();
"""
SCRIPT = _script()


# ==============================================================================================
# The server: modules only, links that resolve
# ==============================================================================================
def list_only_modules() -> None:
    """Make nbgrader list only course modules (``NN_slug`` folders) as assignments, in this process."""
    from nbgrader.apps.api import NbGraderAPI

    original = NbGraderAPI.get_source_assignments
    if getattr(original, "only_modules", False):
        return

    def get_source_assignments(self: Any) -> set[str]:
        return {name for name in original(self) if MODULE_RE.match(name)}

    get_source_assignments.only_modules = True  # type: ignore[attr-defined]
    NbGraderAPI.get_source_assignments = get_source_assignments  # type: ignore[method-assign]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": SERVER_EXTENSION}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    list_only_modules()
    serverapp.log.info("netmarketing: formgrader lists course modules only")


def server_root(ws: Any) -> Path:
    """Return the folder formgrader must be served from: the one that holds the workspace and the course."""
    return Path(os.path.commonpath([str(ws.root), str(ws.course_dir)]))


def write_server_config(ws: Any) -> Path:
    """Write the instructor server's Jupyter config folder (nbgrader config, server extension); return it."""
    folder = Path(ws.root) / ".formgrader" / "config"
    (folder / "jupyter_server_config.d").mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(
        "# Written by `netmarketing formgrader`: the course's grading workspace and sources.\n"
        "from pathlib import Path\n\n"
        "from netmarketing.grading.workspace import Workspace\n\n"
        "c = get_config()  # noqa: F821 - provided by traitlets\n"
        f"Workspace(Path({str(ws.root)!r}), course_dir=Path({str(ws.course_dir)!r})).configure(c)\n",
        encoding="utf-8",
    )
    extension = {"ServerApp": {"jpserver_extensions": {SERVER_EXTENSION: True}}}
    (folder / "jupyter_server_config.d" / "netmarketing-formgrader.json").write_text(
        json.dumps(extension, indent=2) + "\n", encoding="utf-8"
    )
    return folder
