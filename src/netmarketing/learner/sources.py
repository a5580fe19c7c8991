"""Data pathways, analysis purposes and business questions for P1.1.1, and a small picker.

The lists are data only. The answer key of the graded questions lives only in
the notebook's hidden tests (stripped from the learners' copies), never here:
learners can read this module. The worked example carries its answer: a
question's ``essential`` is a list of groups (a sound answer names at least
one pathway of every group), ``unsuitable`` pathways cannot answer it.
:func:`pathway_picker` lets a learner click an answer together; the choice
lands in a plain dict and a Python literal to paste into the answer cell, so
grading never depends on the widget.
"""

from __future__ import annotations

from typing import Any

# Where market information comes from (數據途徑), with the tables of the synthetic world behind each.
DATA_PATHWAYS: dict[str, dict] = {
    "ga4_export": {
        "zh": "GA4 BigQuery 匯出（網站與 APP 行為事件）",
        "tables": ["ga4_events", "ga4_demographics"],
        "holds": "工作階段、流量來源、頁面瀏覽、購物漏斗、裝置、訪客人群屬性（部分涵蓋）",
    },
    "backoffice_orders": {
        "zh": "電商後台訂單（各平台訂單、明細、商品主檔）",
        "tables": ["orders", "order_items", "products"],
        "holds": "訂單、營收、折扣、成本與毛利、退貨、付款方式、平台別銷售",
    },
    "crm": {
        "zh": "會員 CRM（會員資料、同意紀錄、LINE 與 EDM 名單）",
        "tables": ["members", "crm_campaigns"],
        "holds": "會員人口屬性、加入日期、行銷同意、再行銷活動成效",
    },
    "ad_platforms": {
        "zh": "廣告平台報表（Google Ads、Meta 廣告管理員）",
        "tables": ["search_keywords", "search_terms", "social_ads", "marketing_spend"],
        "holds": "曝光、點擊、花費、轉換、關鍵字與搜尋字詞、預算與實際支出",
    },
    "market_reports": {
        "zh": "市場與產業報告（經濟部統計、產業研究、競品觀察）",
        "tables": ["market_size", "competitors", "pest_indicators"],
        "holds": "市場規模與成長、競爭者價格與類別、總體環境（PEST）指標",
    },
    "surveys": {
        "zh": "消費者問卷調查",
        "tables": ["survey_responses"],
        "holds": "購買動機、滿意度、期待的商品與服務、品牌認知",
    },
}

# Why the information is collected (蒐集目的).
PURPOSES: dict[str, str] = {
    "market_trend": "掌握市場規模與趨勢",
    "competition": "了解競爭者與相對位置",
    "traffic_performance": "評估流量來源與網站行為",
    "ad_performance": "評估廣告投資報酬",
    "product_performance": "評估商品與類別經營表現",
    "customer_profile": "描繪客群輪廓與購買行為",
    "customer_needs": "了解顧客需求、動機與滿意度",
}

# The worked example of the notebook (not graded).
EXAMPLE_QUESTION: dict = {
    "id": "Q0",
    "zh": "母親節檔期，哪些類別去年賣得最好、毛利也夠？",
    "purpose": "product_performance",
    "essential": [["backoffice_orders"]],
    "unsuitable": ["market_reports", "surveys"],
}

# Business questions the learner scopes (ids are stable: the hidden tests key on them).
BUSINESS_QUESTIONS: list[dict] = [
    {
        "id": "Q1",
        "zh": "臺灣電子購物市場這兩年成長多少？我們的營收成長有沒有跟上市場？",
    },
    {
        "id": "Q2",
        "zh": "網站的工作階段主要從哪些流量來源（自然搜尋、社群、廣告、推薦連結）進來？",
    },
    {
        "id": "Q3",
        "zh": "Google 與 Meta 廣告每花 1 元，帶回多少營收（廣告投資報酬率 ROAS）？",
    },
    {
        "id": "Q4",
        "zh": "我們的會員主要是哪些年齡、性別與城市？哪一群最常回購？",
    },
    {
        "id": "Q5",
        "zh": "顧客為什麼選擇好日子選物？他們還希望我們賣什麼？",
    },
    {
        "id": "Q6",
        "zh": "主要競爭對手的價格帶與主力類別，和我們有什麼不同？",
    },
    {
        "id": "Q7",
        "zh": "哪個商品類別的毛利率最高、退貨率最高？",
    },
    {
        "id": "Q8",
        "zh": "手機版網站的購物流程，是否在某一步流失特別多？",
    },
]


def plan_literal(result: dict) -> str:
    """Return the Python code of a picker result, ready to paste into the answer cell.

    >>> print(plan_literal({"purpose": {"Q1": "market_trend"}, "pathways": {"Q1": ["crm"]}}))
    purpose_plan = {'Q1': 'market_trend'}
    pathway_plan = {'Q1': ['crm']}
    """
    return f"purpose_plan = {result['purpose']!r}\npathway_plan = {result['pathways']!r}"


def pathway_picker(questions: list[dict] | None = None) -> tuple[Any, dict]:
    """Build a picker: for each business question choose a purpose and the data pathways.

    Returns
    -------
    widget : ipywidgets.Widget
        One row per question; ``widget.controls`` maps ``"Q1_purpose"`` and
        ``"Q1_<pathway>"`` to their controls (for tests and curious learners).
    result : dict
        ``{"purpose": {question: code or None}, "pathways": {question: [codes]}}``,
        updated in place while the learner clicks.
    """
    import ipywidgets as widgets  # heavy: imported only when the picker is used

    questions = BUSINESS_QUESTIONS if questions is None else questions
    result: dict = {
        "purpose": {q["id"]: None for q in questions},
        "pathways": {q["id"]: [] for q in questions},
    }
    controls: dict[str, Any] = {}
    code_view = widgets.HTML()

    def _refresh(change: dict | None = None) -> None:
        for q in questions:
            qid = q["id"]
            result["purpose"][qid] = controls[f"{qid}_purpose"].value
            result["pathways"][qid] = [p for p in DATA_PATHWAYS if controls[f"{qid}_{p}"].value]
        code_view.value = "<b>複製到作答格：</b><pre>" + plan_literal(result) + "</pre>"

    rows = []
    purpose_options = [("（請選擇目的）", None)] + [(zh, code) for code, zh in PURPOSES.items()]
    for q in questions:
        qid = q["id"]
        purpose = widgets.Dropdown(options=purpose_options, value=None, description="目的")
        controls[f"{qid}_purpose"] = purpose
        boxes = []
        for code, info in DATA_PATHWAYS.items():
            box = widgets.Checkbox(value=False, description=info["zh"], indent=False)
            controls[f"{qid}_{code}"] = box
            boxes.append(box)
        for control in [purpose, *boxes]:
            control.observe(_refresh, names="value")
        rows.append(
            widgets.VBox(
                [
                    widgets.HTML(f"<b>{qid}</b>　{q['zh']}"),
                    purpose,
                    widgets.GridBox(boxes, layout=widgets.Layout(grid_template_columns="repeat(2, 48%)")),
                ]
            )
        )
    _refresh()
    picker = widgets.VBox([*rows, code_view])
    picker.controls = controls
    return picker, result
