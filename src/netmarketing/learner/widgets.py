"""Small ipywidgets explorers for the notebooks; every final choice lands in a plain dict, and is saved.

Explorers render tables as HTML widgets (no ``Output`` capture), so a headless run
under nbclient has no output routing to race with. Each function returns
``(widget, result)`` where ``result`` is an ordinary ``dict`` that the widget updates
in place while the learner clicks. A graded widget has a 儲存 (save) button that writes
its answer with :func:`netmarketing.learner.save_answer` to ``answers/<grade id>.json``
beside the notebook; the graded cell reads it back with
:func:`netmarketing.learner.saved_answer`, so the grader's fresh re-run sees exactly what
the learner saved (and a learner who never saves hands in nothing).

Widgets: :func:`swot_board` (SWOT sorting + TOWS choice), :func:`segment_explorer`,
:func:`quality_explorer` (data-quality audit with the defects found) and
:func:`choice_board` (pair items with options, e.g. law cases with articles).

The controls of each widget are exposed as ``widget.controls`` (a dict of
name -> control) so that tests, and curious learners, can drive them without
a browser.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import ipywidgets as widgets
import pandas as pd

SWOT_QUADRANTS: dict[str, str] = {
    "S": "S 優勢 (Strengths)",
    "W": "W 劣勢 (Weaknesses)",
    "O": "O 機會 (Opportunities)",
    "T": "T 威脅 (Threats)",
}
TOWS_STRATEGIES: dict[str, str] = {
    "SO": "SO 增長型：用優勢抓住機會",
    "ST": "ST 多元化／防禦型：用優勢化解威脅",
    "WO": "WO 扭轉型：借機會改善劣勢",
    "WT": "WT 防禦型：減少劣勢、避開威脅",
}
_UNSORTED = "?"


def _item_id_and_text(item: Any) -> tuple[str, str]:
    """Return (id, text) of one evidence item given as a mapping or a (id, text) pair."""
    if isinstance(item, Mapping):
        return str(item["id"]), str(item["text"])
    item_id, text = item
    return str(item_id), str(text)


def assign_quadrant(result: dict, item_id: str, quadrant: str | None) -> dict:
    """Move one evidence item into a SWOT quadrant of ``result``, or out of all of them.

    Parameters
    ----------
    result : dict
        The board's result dict with list values under ``"S"``, ``"W"``, ``"O"``, ``"T"``.
    item_id : str
        The evidence item's id.
    quadrant : str or None
        One of ``"S"``, ``"W"``, ``"O"``, ``"T"``; ``None`` (or ``"?"``) leaves it unsorted.

    Returns
    -------
    dict
        The same ``result``, changed in place: an item is never in two quadrants.
    """
    for q in SWOT_QUADRANTS:
        if item_id in result[q]:
            result[q].remove(item_id)
    if quadrant not in (None, _UNSORTED):
        if quadrant not in SWOT_QUADRANTS:
            raise ValueError(f"象限應為 S、W、O、T 之一，收到 {quadrant!r} (quadrant must be S, W, O or T)")
        result[quadrant].append(item_id)
    return result


#: Colours of the four quadrants (a selected button takes its quadrant's colour, not just a darker shade).
SWOT_COLOURS: dict[str, str] = {"S": "#2e7d32", "W": "#c62828", "O": "#1565c0", "T": "#ef6c00"}
_BOARD_CSS = (
    "<style>"
    ".nm-swot-toggle .widget-toggle-button{width:auto;min-width:5.2em;padding:0 .6em}"
    ".nm-swot-toggle .widget-toggle-button.mod-active{font-weight:bold;outline:2px solid #333}"
    + "".join(
        f".nm-swot-toggle .widget-toggle-button.mod-active[value='{n}']{{background:{SWOT_COLOURS[q]};color:#fff}}"
        for n, q in enumerate(SWOT_QUADRANTS, start=1)
    )
    + ".nm-swot-card{line-height:1.4;white-space:normal;overflow-wrap:anywhere}"
    ".nm-swot-grid td{vertical-align:top;padding:4px 8px;border:1px solid #ccc;min-width:12em}"
    "</style>"
)


def _quadrant_grid(result: Mapping[str, Any]) -> str:
    """Return the 2x2 SWOT grid (HTML) of the cards placed so far, each quadrant in its colour."""

    def cell(q: str) -> str:
        ids = "、".join(result[q]) or "（尚無）"
        return f"<td><b style='color:{SWOT_COLOURS[q]}'>{SWOT_QUADRANTS[q]}</b><br>{ids}</td>"

    return (
        "<table class='nm-swot-grid'>"
        f"<tr><td></td><td><b>有利</b></td><td><b>不利</b></td></tr>"
        f"<tr><td><b>內部</b></td>{cell('S')}{cell('W')}</tr>"
        f"<tr><td><b>外部</b></td>{cell('O')}{cell('T')}</tr></table>"
    )


def swot_board(
    evidence_items: Iterable[Any],
    *,
    grade_id: str | None = None,
    strategy_grade_id: str | None = None,
    categories: Mapping[str, str] | None = None,
    strategies: Mapping[str, str] = TOWS_STRATEGIES,
    folder: Any = None,
) -> tuple[widgets.Widget, dict]:
    """Build a board on which the learner sorts evidence into S/W/O/T, picks a TOWS strategy and saves.

    Parameters
    ----------
    evidence_items : iterable
        Items as ``{"id": "E1", "text": "..."}`` mappings or ``("E1", "...")`` pairs.
    grade_id : str, optional
        Grade id under which 儲存 (save) keeps the sorting ``{"S": [...], "W": [...], "O": [...],
        "T": [...]}`` (``learner.save_answer``); a board built again starts from what was saved.
    strategy_grade_id : str, optional
        Grade id under which 儲存 keeps ``{"strategy", "evidence", "target"}``.
    categories : mapping, optional
        Category code -> zh-TW name offered as the relatively advantaged marketing target (步驟 3).
    strategies : mapping
        TOWS strategy code -> zh-TW label.
    folder : path, optional
        The assignment folder (default: the notebook's working folder).

    Returns
    -------
    widget : ipywidgets.Widget
        The board; ``widget.controls`` maps each item id (its quadrant buttons), ``"use:<id>"``
        (its 策略依據 checkbox), ``"strategy"``, ``"target"``, ``"save"`` and ``"status"`` to controls.
    result : dict
        ``{"S": [...], "W": [...], "O": [...], "T": [...], "strategy": None, "strategy_evidence": [],
        "target": None}``, kept up to date as the learner clicks.

    Examples
    --------
    >>> board, result = swot_board([{"id": "E1", "text": "美妝保養營收成長 18%"}])
    >>> board.controls["E1"].value = "S"
    >>> result["S"]
    ['E1']
    """
    from netmarketing.learner.saved import save_answer, saved_answer

    items = [_item_id_and_text(item) for item in evidence_items]
    ids = [item_id for item_id, _ in items]
    result: dict = {q: [] for q in SWOT_QUADRANTS}
    result.update(strategy=None, strategy_evidence=[], target=None)
    controls: dict[str, widgets.Widget] = {}
    grid = widgets.HTML(_quadrant_grid(result))
    options = [("未分類", _UNSORTED)] + [(label.split(" (")[0], q) for q, label in SWOT_QUADRANTS.items()]

    def _on_use(change: dict, item_id: str) -> None:
        chosen = [i for i in ids if controls[f"use:{i}"].value]
        result["strategy_evidence"] = chosen

    rows = []
    for item_id, text in items:
        toggle = widgets.ToggleButtons(
            options=options, value=_UNSORTED, tooltips=list(SWOT_QUADRANTS.values())
        )
        toggle.add_class("nm-swot-toggle")

        def _on_quadrant(change: dict, item_id: str = item_id) -> None:
            assign_quadrant(result, item_id, change["new"])
            grid.value = _quadrant_grid(result)

        toggle.observe(_on_quadrant, names="value")
        use = widgets.Checkbox(
            value=False, description="策略依據", indent=False, layout=widgets.Layout(width="7em")
        )
        use.observe(lambda change, item_id=item_id: _on_use(change, item_id), names="value")
        controls[item_id] = toggle
        controls[f"use:{item_id}"] = use
        label = widgets.HTML(
            f"<div class='nm-swot-card'><b>{item_id}</b>　{text}</div>", layout=widgets.Layout(width="52%")
        )
        rows.append(widgets.HBox([label, toggle, use], layout=widgets.Layout(align_items="center")))

    strategy = widgets.Dropdown(
        options=[("（請選擇 TOWS 策略）", None)] + [(label, code) for code, label in strategies.items()],
        index=0,  # the zh-TW prompt shows until the learner chooses
        layout=widgets.Layout(width="auto"),
    )
    strategy.observe(lambda change: result.update(strategy=change["new"]), names="value")
    target = widgets.Dropdown(
        options=[("（請選擇行銷標的物）", None)] + [(zh, code) for code, zh in (categories or {}).items()],
        index=0,  # the zh-TW prompt shows until the learner chooses
        layout=widgets.Layout(width="auto"),
    )
    target.observe(lambda change: result.update(target=change["new"]), names="value")
    save = widgets.Button(
        description="儲存", icon="save", button_style="success", tooltip="把看板的答案存到 answers/ 資料夾"
    )
    status = widgets.HTML()
    controls.update(strategy=strategy, target=target, save=save, status=status)

    def _missing() -> list[str]:
        left = [i for i in ids if not any(i in result[q] for q in SWOT_QUADRANTS)]
        missing = [f"{len(left)} 張卡未分類"] if left else []
        if strategy_grade_id:
            missing += [] if result["strategy"] else ["尚未選策略"]
            missing += [] if result["strategy_evidence"] else ["尚未勾選策略依據"]
            missing += [] if result["target"] or not categories else ["尚未選行銷標的物"]
        return missing

    def _save(button: widgets.Button | None = None) -> None:
        try:
            if grade_id:
                save_answer(grade_id, {q: list(result[q]) for q in SWOT_QUADRANTS}, folder)
            if strategy_grade_id:
                answer = {
                    "strategy": result["strategy"],
                    "evidence": list(result["strategy_evidence"]),
                    "target": result["target"],
                }
                save_answer(strategy_grade_id, answer, folder)
        except Exception as exc:  # a full disk or a read-only folder: say so, lose nothing on screen
            status.value = f"<span style='color:#c62828'>❌ 無法儲存：{exc}</span>"
            return
        from datetime import datetime

        note = "；還沒完成：" + "、".join(_missing()) if _missing() else "。請執行下面的交卷格"
        status.value = f"<span style='color:#2e7d32'>✅ 已儲存（{datetime.now():%H:%M:%S}）{note}</span>"

    save.on_click(_save)
    # A board built again (restart, re-run) shows what was saved last.
    if grade_id:
        before = saved_answer(grade_id, folder=folder) or {}
        for q in SWOT_QUADRANTS:
            for item_id in before.get(q, []) if isinstance(before, dict) else []:
                if item_id in controls and item_id in ids:
                    controls[item_id].value = q
    if strategy_grade_id:
        before = saved_answer(strategy_grade_id, folder=folder) or {}
        if isinstance(before, dict):
            for item_id in before.get("evidence") or []:
                if f"use:{item_id}" in controls:
                    controls[f"use:{item_id}"].value = True
            if before.get("strategy") in strategies:
                strategy.value = before["strategy"]
            if before.get("target") in (categories or {}):
                target.value = before["target"]
    parts = [
        widgets.HTML(_BOARD_CSS + "<h4>步驟 1：把每一張證據卡歸入 S、W、O、T</h4>"),
        *rows,
        grid,
        widgets.HTML(
            "<h4>步驟 2：選擇 TOWS 競爭策略，並在上面勾選它所依據的證據卡（策略的兩個字母各至少一張）</h4>"
        ),
        strategy,
    ]
    if categories:
        parts += [widgets.HTML("<h4>步驟 3：相對優勢的行銷標的物</h4>"), target]
    parts += [widgets.HTML("<h4>最後：按「儲存」，再執行下面的交卷格</h4>"), widgets.HBox([save, status])]
    board = widgets.VBox(parts)
    board.controls = controls
    return board, result


def _share_table(frame: pd.DataFrame, group_col: str, attribute: str) -> pd.DataFrame:
    """Return the share of each attribute value per group, with the all-customer share as last row."""
    shares = pd.crosstab(frame[group_col], frame[attribute], normalize="index")
    overall = frame[attribute].value_counts(normalize=True).rename("全體顧客")
    return pd.concat([shares, overall.to_frame().T]).fillna(0.0)


ATTRIBUTE_ZH: dict[str, str] = {
    "gender": "性別",
    "age_bracket": "年齡層",
    "education": "教育程度",
    "income_bracket": "個人月收入",
    "city": "縣市",
    "platform": "購物平台",
}
VALUE_ZH: dict[str, str] = {
    "female": "女性",
    "male": "男性",
    "other": "其他",
    "unknown": "未知",
    "website": "官方網站",
    "app": "行動 APP",
    "line_store": "LINE 官方帳號商店",
}


def segment_explorer(
    customers: pd.DataFrame,
    *,
    segment_col: str = "segment",
    attributes: Sequence[str] = ("age_bracket", "gender", "education", "income_bracket", "city"),
) -> tuple[widgets.Widget, dict]:
    """Build an explorer that profiles one customer attribute across segments.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with ``segment_col`` and the profile attributes.
    segment_col : str
        Column with the segment label.
    attributes : sequence of str
        Profile columns offered in the dropdown (shown by their zh-TW names, :data:`ATTRIBUTE_ZH`).

    Returns
    -------
    widget : ipywidgets.Widget
        Dropdowns for the attribute and the segment of interest (each starting with a zh-TW prompt)
        plus an HTML share table; ``widget.controls`` has ``"attribute"``, ``"segment"`` and ``"view"``.
    result : dict
        ``{"attribute": None, "segment": None, "table": None}`` until an attribute is chosen; then
        the share table (rows = segments + 全體顧客, columns = the attribute's values in zh-TW).
    """
    attributes = [a for a in attributes if a in customers.columns]
    result: dict = {"attribute": None, "segment": None, "table": None}
    attribute = prompted_dropdown(
        [(ATTRIBUTE_ZH.get(a, a), a) for a in attributes], prompt="（請選擇屬性）", description="屬性"
    )
    segments = sorted(str(s) for s in customers[segment_col].dropna().unique())
    segment = prompted_dropdown([(s, s) for s in segments], prompt="（全部分群）", description="分群")
    out = widgets.HTML("<p>請先選擇一個屬性。</p>")

    def _show(change: dict | None = None) -> None:
        chosen_attribute, chosen_segment = chosen(attribute.value), chosen(segment.value)
        result.update(attribute=chosen_attribute, segment=chosen_segment)
        if chosen_attribute is None:
            result["table"] = None
            out.value = "<p>請先選擇一個屬性。</p>"
            return
        table = _share_table(customers, segment_col, chosen_attribute)
        table.columns = [VALUE_ZH.get(str(c), str(c)) for c in table.columns]
        result["table"] = table
        shown = table if chosen_segment is None else table.loc[[chosen_segment, "全體顧客"]]
        out.value = (
            f"<p>{ATTRIBUTE_ZH.get(chosen_attribute, chosen_attribute)}的分布（每一列加總為 100%）</p>"
            + shown.style.format("{:.1%}").background_gradient(axis=None, cmap="Blues").to_html()
        )

    attribute.observe(_show, names="value")
    segment.observe(_show, names="value")
    box = widgets.VBox([widgets.HBox([attribute, segment]), out])
    box.controls = {"attribute": attribute, "segment": segment, "view": out}
    return box, result


def _column_profile(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Return a one-column profile of a data column: type, missing, distinct, extremes, top values."""
    series = frame[column]
    profile: dict[str, Any] = {
        "資料型別 (dtype)": str(series.dtype),
        "筆數": len(series),
        "缺漏值 (missing)": int(series.isna().sum()),
        "缺漏比例": f"{series.isna().mean():.1%}",
        "相異值數": int(series.nunique(dropna=True)),
    }
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        non_null = series.dropna()
        profile["最小值"] = str(non_null.min()) if len(non_null) else ""
        profile["最大值"] = str(non_null.max()) if len(non_null) else ""
    top = series.astype("string").value_counts(dropna=True).head(5)
    profile["最常見的值"] = "；".join(f"{value} ({count})" for value, count in top.items())
    return pd.DataFrame({"值": profile})


# -- saving a widget's answer (T1.1 widgets) --------------------------------------------------------
_OK_COLOUR = "#1b7f3b"
_ERROR_COLOUR = "#b00020"


def prompted_dropdown(
    options: Sequence[tuple[str, Any]], value: Any = None, *, prompt: str = "（請選擇）", **kwargs: Any
) -> widgets.Dropdown:
    """Return a dropdown whose first entry is a zh-TW prompt, showing ``value`` (or the prompt when None).

    The prompt's value is ``""`` (read it back with :func:`chosen`): ipywidgets shows an empty box,
    not the prompt, for an option whose value is None.
    """
    dropdown = widgets.Dropdown(options=[(prompt, ""), *options], value="", **kwargs)
    if value is not None:
        dropdown.value = value
    return dropdown


def chosen(value: Any) -> Any:
    """Return a prompted dropdown's value, or None while it shows its prompt."""
    return None if value == "" else value


def toggle_style(toggle: widgets.ToggleButton) -> widgets.ToggleButton:
    """Paint a toggle button green with a check mark while it is on, so the choice shows by colour."""

    def _paint(change: dict | None = None) -> None:
        toggle.button_style = "success" if toggle.value else ""
        toggle.icon = "check" if toggle.value else ""

    toggle.observe(_paint, names="value")
    _paint()
    return toggle


def save_bar(save: Callable[[], str], controls: dict | None = None, *, label: str = "儲存") -> widgets.Widget:
    """Return a 儲存 button with a status line; a click calls ``save()`` and shows its message.

    ``save`` saves the widget's answer (``learner.save_answer``) and returns what to tell the
    learner. An error (an answer too large, a read-only folder) is shown in red and loses nothing.
    ``controls`` (when given) receives the button as ``"save"`` and the status as ``"save_status"``.
    """
    button = widgets.Button(
        description=label, icon="save", button_style="primary", layout=widgets.Layout(width="auto")
    )
    button.add_class("nm-save")  # a stable hook for browser tests
    status = widgets.HTML()

    def _click(_: Any = None) -> None:
        try:
            message = save()
        except (OSError, ValueError) as exc:  # AnswerError is a ValueError
            status.value = f'<span style="color:{_ERROR_COLOUR}">❌ 無法儲存：{html.escape(str(exc))}</span>'
            return
        stamp = datetime.now().strftime("%H:%M:%S")
        status.value = f'<span style="color:{_OK_COLOUR}">✅ {html.escape(message)}（{stamp}）</span>'

    button.on_click(_click)
    if controls is not None:
        controls["save"] = button
        controls["save_status"] = status
    return widgets.HBox([button, status], layout=widgets.Layout(margin="8px 0"))


def _found_table(found: Mapping[str, int], kinds: Mapping[str, Any]) -> str:
    if not found:
        return "<p>（尚未記錄任何問題）</p>"
    rows = "".join(
        f"<tr><td>{html.escape(code)}</td><td>{html.escape(_kind_name(kinds, code))}</td>"
        f"<td style='text-align:right'>{count:,}</td></tr>"
        for code, count in found.items()
    )
    return "<table><tr><th>代碼</th><th>問題</th><th>影響筆數</th></tr>" + rows + "</table>"


def _kind_name(kinds: Mapping[str, Any], code: str) -> str:
    value = kinds.get(code, code)
    return str(value[0] if isinstance(value, tuple | list) else value)


def quality_explorer(
    tables: Mapping[str, pd.DataFrame],
    *,
    kinds: Mapping[str, Any] | None = None,
    save_as: str | None = None,
    folder: str | None = None,
) -> tuple[widgets.Widget, dict]:
    """Build a data-quality explorer: profile any column, record the problems found, save the list.

    Parameters
    ----------
    tables : mapping
        Table name -> DataFrame.
    kinds : mapping, optional
        Problem code -> zh-TW name (or a tuple whose first element is the name), offered in a
        dropdown; default: a free list is not offered and nothing can be recorded.
    save_as : str, optional
        Grade id the 儲存 button saves ``{code: affected rows}`` under (``learner.save_answer``);
        without it there is no save button. A saved list is shown again when the cell re-runs.
    folder : str, optional
        Where to save (default: beside the notebook).

    Returns
    -------
    widget : ipywidgets.Widget
        ``widget.controls`` has ``"table"``, ``"column"``, ``"view"`` (the HTML profile),
        ``"kind"``, ``"count"``, ``"flag"`` (記錄), ``"found"`` (the list) and ``"save"``.
    result : dict
        ``{"table": ..., "column": ..., "found": {code: affected rows}}``; recording a code
        again replaces its count, and a count of 0 removes it.
    """
    from netmarketing.learner.saved import save_answer, saved_answer

    kinds = dict(kinds or {})
    names = list(tables)
    found: dict[str, int] = {}
    if save_as:
        old = saved_answer(save_as, folder=folder)
        if isinstance(old, dict):
            found.update({k: int(v) for k, v in old.items() if k in kinds and isinstance(v, int) and v > 0})
    result: dict = {"table": names[0], "column": None, "found": found}
    wide = {"description_width": "70px"}
    table = widgets.Dropdown(options=names, value=names[0], description="資料表", style=wide)
    column = widgets.Dropdown(options=list(tables[names[0]].columns), description="欄位", style=wide)
    out = widgets.HTML()
    kind = prompted_dropdown(
        [(f"{_kind_name(kinds, c)}（{c}）", c) for c in kinds],
        prompt="（請選擇問題種類）",
        description="問題",
        style=wide,
        layout=widgets.Layout(width="460px"),
    )
    count = widgets.BoundedIntText(value=0, min=0, max=10_000_000, description="影響筆數", style=wide)
    flag = widgets.Button(description="記錄", icon="flag", layout=widgets.Layout(width="auto"))
    listing = widgets.HTML(_found_table(found, kinds))
    message = widgets.HTML()
    for control, hook in ((kind, "nm-kind"), (count, "nm-count"), (flag, "nm-flag")):
        control.add_class(hook)  # stable hooks for browser tests

    def _show(change: dict | None = None) -> None:
        frame = tables[table.value]
        result.update(table=table.value, column=column.value)
        text = f"<p>{table.value}：{len(frame):,} 列，完全重複的列 {int(frame.duplicated().sum()):,} 筆</p>"
        if column.value is not None:
            text += _column_profile(frame, column.value).to_html()
        out.value = text

    def _on_table(change: dict) -> None:
        # Changing the options resets the column; _show runs once through the column observer.
        column.options = list(tables[table.value].columns)
        _show()

    def _on_flag(button: widgets.Button | None = None) -> None:
        if chosen(kind.value) is None:
            message.value = f'<span style="color:{_ERROR_COLOUR}">請先選擇問題種類</span>'
            return
        if count.value > 0:
            found[kind.value] = int(count.value)
            message.value = f"已記錄：{_kind_name(kinds, kind.value)}，{count.value:,} 筆"
        else:
            found.pop(kind.value, None)
            message.value = f"已移除：{_kind_name(kinds, kind.value)}（影響筆數 0 表示沒有這個問題）"
        listing.value = _found_table(found, kinds)
        kind.value, count.value = "", 0  # back to the prompt

    table.observe(_on_table, names="value")
    column.observe(_show, names="value")
    flag.on_click(_on_flag)
    _show()
    controls: dict[str, Any] = {
        "table": table,
        "column": column,
        "view": out,
        "kind": kind,
        "count": count,
        "flag": flag,
        "found": listing,
    }
    parts: list[widgets.Widget] = [
        widgets.HTML("<b>步驟 1：逐欄查看</b>"),
        widgets.HBox([table, column]),
        out,
        widgets.HTML("<b>步驟 2：記錄你用資料證實的問題與影響筆數</b>（筆數填 0 再按「記錄」可移除）"),
        widgets.HBox([kind, count, flag]),
        message,
        listing,
    ]
    if save_as:

        def _save() -> str:
            save_answer(save_as, dict(found), folder)
            return f"已儲存 {len(found)} 種問題"

        parts.append(save_bar(_save, controls))
    box = widgets.VBox(parts)
    box.controls = controls
    return box, result


def choice_board(
    items: Iterable[Any],
    options: Mapping[str, str] | Sequence[str],
    *,
    multiple: bool = False,
    save_as: str | None = None,
    folder: str | None = None,
) -> tuple[widgets.Widget, dict]:
    """Build a board that pairs each item (a question, a case) with one or several options.

    Useful for matching business questions to data sources, or cases to the law that applies.

    Parameters
    ----------
    items : iterable
        Items as ``{"id": ..., "zh" or "text": ...}`` mappings or ``(id, text)`` pairs.
    options : mapping or sequence
        Option code -> zh-TW label, or plain option codes.
    multiple : bool
        Allow several options per item (lists in the result) instead of one.
    save_as : str, optional
        Grade id the 儲存 button saves the result under (``learner.save_answer``); a saved
        result is shown again when the cell re-runs. Without it there is no save button.
    folder : str, optional
        Where to save (default: beside the notebook).

    Returns
    -------
    widget : ipywidgets.Widget
        One row per item; ``widget.controls`` maps each item id to its control (and ``"save"``).
    result : dict
        Item id -> chosen option code (``None`` until chosen), or a list when ``multiple``.

    Examples
    --------
    >>> board, result = choice_board([("Q1", "哪個通路帶來訂單？")], {"ga4": "GA4 匯出", "crm": "CRM"})
    >>> board.controls["Q1"].value = "ga4"
    >>> result
    {'Q1': 'ga4'}
    """
    from netmarketing.learner.saved import save_answer, saved_answer

    labelled = list(options.items()) if isinstance(options, Mapping) else [(o, o) for o in options]
    codes = {code for code, _ in labelled}
    pairs = [(label, code) for code, label in labelled]
    entries = [
        (str(item["id"]), str(item["zh"]))
        if isinstance(item, Mapping) and "zh" in item
        else _item_id_and_text(item)
        for item in items
    ]
    old = saved_answer(save_as, folder=folder) if save_as else None
    old = old if isinstance(old, dict) and sorted(old) == sorted(i for i, _ in entries) else {}
    rows, controls = [], {}
    result: dict = {}
    for item_id, text in entries:
        mark = widgets.HTML()
        if multiple:
            start = [v for v in old.get(item_id) or [] if v in codes]
            control = widgets.SelectMultiple(options=pairs, value=start, rows=min(len(pairs), 6))
            result[item_id] = list(start)
        else:
            start = old.get(item_id) if old.get(item_id) in codes else None
            control = prompted_dropdown(pairs, start, layout=widgets.Layout(width="640px"))
            result[item_id] = start

        def _paint(mark: widgets.HTML = mark, item_id: str = item_id) -> None:
            chosen = bool(result[item_id])
            colour, sign = (_OK_COLOUR, "✔ 已選") if chosen else ("#888888", "未選")
            mark.value = f'<span style="color:{colour};font-weight:bold">{sign}</span>'

        def _on_change(change: dict, item_id: str = item_id, paint: Callable[[], None] = _paint) -> None:
            result[item_id] = list(change["new"]) if multiple else chosen(change["new"])
            paint()

        control.observe(_on_change, names="value")
        _paint()
        controls[item_id] = control
        row = widgets.VBox(
            [
                widgets.HTML(f"<b>{html.escape(item_id)}</b>　{html.escape(text)}"),
                widgets.HBox([control, mark]),
            ],
            layout=widgets.Layout(margin="4px 0"),
        )
        row.add_class(f"nm-item-{item_id}")  # a stable hook for browser tests
        rows.append(row)
    if save_as:

        def _save() -> str:
            save_answer(save_as, {k: (list(v) if multiple else v) for k, v in result.items()}, folder)
            blank = [k for k, v in result.items() if not v]
            return f"已儲存；但 {'、'.join(blank)} 還沒選" if blank else f"已儲存 {len(result)} 項"

        rows.append(save_bar(_save, controls))
    board = widgets.VBox(rows)
    board.controls = controls
    return board, result
