"""Market-information sources for T1.1: pathways, purposes, your business questions and law cases.

Everything here is public course material: the lists a learner chooses from, and the
situations of their own variant (business questions, law cases, a shop page), drawn from
their own tables so that every learner works on different facts. No answer key lives here:
which purpose, pathway or law fits each situation is judged by the grader
(:mod:`netmarketing.grading.checks.m01_t1_1`), the only place that holds the key.

Draws are seeded by a fingerprint of the learner's own ``orders`` table
(:func:`variant_rng`), so the learner's kernel and the grader, which read the same
tables, draw the same situations; two learners almost never get the same ones.

Widgets: :func:`pathway_picker` (P1.1.1) saves its answers with a 儲存 button
(``learner.save_answer``) so the graded cells find them in a fresh run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from netmarketing.data import catalog

#: Grade ids of the picker's two answers.
PURPOSES_ID = "p1_1_1__purposes"
PATHWAYS_ID = "p1_1_1__pathways"
#: How many business questions each learner scopes, and how many law cases each judges.
N_QUESTIONS = 6
N_LAW_CASES = 8
MARKETPLACES = ("momo", "shopee", "pchome")

# Where market information comes from (數據途徑), with the tables of the course world behind each.
DATA_PATHWAYS: dict[str, dict] = {
    "ga4_export": {
        "zh": "GA4 匯出",
        "long": "GA4 BigQuery 匯出（官網的行為事件）",
        "tables": ["ga4_events", "ga4_demographics"],
        "holds": "工作階段、流量來源、頁面瀏覽、購物漏斗、裝置、部分訪客的人群屬性；看不到電商平台（momo、蝦皮、PChome）",
    },
    "backoffice_orders": {
        "zh": "後台訂單",
        "long": "電商後台訂單（各平台訂單、明細、商品主檔與價格歷史）",
        "tables": ["orders", "order_items", "products", "price_history", "offers"],
        "holds": "訂單、營收、折扣、成本與毛利、退貨、付款方式、各平台銷售、成交工作階段的管道",
    },
    "crm": {
        "zh": "會員 CRM",
        "long": "會員 CRM（會員資料、行銷同意、LINE 與電子報發送紀錄）",
        "tables": ["members", "crm_campaigns"],
        "holds": "會員人口屬性、加入日期、行銷同意與退出、LINE 與電子報的開啟、點擊與帶來的訂單",
    },
    "ad_platforms": {
        "zh": "廣告平台報表",
        "long": "廣告平台報表（Google Ads、Meta 廣告管理員）與行銷花費",
        "tables": ["search_keywords", "search_terms", "social_ads", "marketing_spend"],
        "holds": "曝光、點擊、花費、平台歸因的轉換、關鍵字與搜尋字詞、各管道預算與實際花費",
    },
    "market_reports": {
        "zh": "市場與產業報告",
        "long": "市場與產業報告（經濟部統計、產業研究、競品觀察、法規與總體環境）",
        "tables": ["market_size", "competitors", "pest_indicators"],
        "holds": "市場規模與成長、競爭者的營收、價格與品質、總體環境（PEST）與法規指標",
    },
    "surveys": {
        "zh": "消費者問卷",
        "long": "消費者問卷調查",
        "tables": ["survey_responses"],
        "holds": "購買動機、重視的屬性與滿意度、想看的內容、推薦意願（NPS）",
    },
}

# Why the information is collected (蒐集目的).
PURPOSES: dict[str, str] = {
    "market_trend": "掌握市場規模、趨勢與總體環境",
    "competition": "了解競爭者與我們的相對位置",
    "traffic_performance": "評估網站流量來源與瀏覽行為",
    "ad_performance": "評估廣告投資報酬",
    "sales_performance": "評估商品、品類與各平台的銷售表現",
    "crm_performance": "評估會員再行銷（LINE、電子報）成效",
    "customer_profile": "描繪客群輪廓與購買行為",
    "customer_needs": "了解顧客需求、動機與滿意度",
}

# The worked example of the notebook (not graded): its answer is shown on purpose.
EXAMPLE_QUESTION: dict = {
    "id": "Q0",
    "zh": "母親節檔期，哪些品類去年賣得最好、毛利也夠？",
    "purpose": "sales_performance",
    "needs": "去年 4–5 月各品類的營收、訂單數、毛利率，並和平常月份比較",
    "pathways": ["backoffice_orders"],
    "not_suitable": {
        "market_reports": "只有整體產業數字，看不到「我們」哪個品類賣得好",
        "ga4_export": "看不到電商平台的訂單，也沒有成本與毛利",
    },
}

# Business questions a learner may get. Ids are neutral on purpose; the grader holds the key.
QUESTION_TEMPLATES: dict[str, str] = {
    "q01": "臺灣網路購物市場與「{category}」品類市場這兩年成長多少？我們的{category}營收有沒有跟上市場？",
    "q02": "官網的工作階段主要從哪些管道進來？{year} 年來自「{source}」的流量是增是減？",
    "q03": "Google 搜尋廣告與 Meta 廣告每花 1 元，各帶回多少營收（ROAS）？哪一個該加碼？",
    "q04": "我們的會員主要是哪些年齡層與性別？住在{city}的會員回購得比較多嗎？",
    "q05": "顧客買東西最重視價格、品質還是配送？他們對我們的「{attribute}」滿意嗎？",
    "q06": "{competitor}等主要競爭者的價格帶與主力品類，和我們有什麼不同？",
    "q07": "哪個品類的毛利率最高、退貨率最高？{category}的退貨率是否偏高？",
    "q08": "手機版官網的購物流程，是否在某一步（加入購物車、結帳、付款）流失特別多？",
    "q09": "{platform}的訂單與營收占比，這兩年有什麼變化？",
    "q10": "{month}發送的電子報與 LINE 推播，開啟率、點擊率與帶來的營收各是多少？",
    "q11": "明年的法規與總體環境（例如個資法修正、高齡化、薪資成長）會怎麼影響我們的網路行銷？",
    "q12": "搜尋廣告裡，哪些「{category}」相關的關鍵字花了錢卻很少帶來轉換？",
}
SURVEY_ATTRIBUTES = ["價格", "品質", "配送速度", "客服", "品牌信任", "促銷活動"]
GA4_SOURCES = ["google（自然搜尋）", "facebook", "line", "dcard.tw", "chatgpt.com", "newsletter（電子報）"]

# Laws and articles a learner matches to situations (註1). Some options are plausible but wrong
# on purpose (a wrong article or fine); which option fits which case is the grader's key.
LAW_OPTIONS: dict[str, str] = {
    "pdpa_6_47": "個資法 §6 I 敏感個資 → §47 罰 5–50 萬元",
    "pdpa_20_1_47": "個資法 §20 I 目的外利用 → §47 罰 5–50 萬元",
    "pdpa_20_2_48": "個資法 §20 II 拒絕後仍行銷 → §48 I 先限期改正，未改正罰 2–20 萬元",
    "pdpa_20_3_48": "個資法 §20 III 未提供免費拒絕方式 → §48 I 先限期改正，未改正罰 2–20 萬元",
    "pdpa_20_15m": "個資法 §20 行銷利用 → 最高罰 1,500 萬元",
    "pdpa_20_2_47": "個資法 §20 II 拒絕後仍行銷 → §47 直接罰 5–50 萬元",
    "pdpa_27_48": "個資法 §27 安全維護 → §48 II–III 最高 1,500 萬元＋外洩通報（2025 修正）",
    "cpa_19": "消保法 §19 I：收貨後 7 日內可無理由解約，應受理",
    "cpa_19_exception": "消保法 §19 I 但書：已事先告知的合理例外，可不受理",
    "cpa_18": "消保法 §18：通訊交易應揭露業者資訊與解約方式",
    "copyright": "著作權法 §22、§26-1：擅自重製、公開傳輸他人照片",
    "keyword_trademark": "商標法 §68／公平交易法 §25：競爭者名稱當關鍵字廣告",
    "fta_21_endorse": "公平交易法 §21：薦證廣告未揭露利益關係",
    "accessibility": "身心障礙者權益保障法 §52-2：網站無障礙（良好實務）",
    "trade_secret": "營業秘密法 §2：客戶名單、成本屬營業秘密",
}

LAW_CASE_TEMPLATES: dict[str, str] = {
    "c01": "行銷部想用會員資料的 health_notes 欄，挑出「高血壓用藥中」的會員，推播{product}。",
    "c02": "為了衝業績，把 {n_order_only} 位只同意「訂單處理」目的的會員，也加入 LINE 行銷推播名單。",
    "c03": "會員 {member_id} 已於 {opt_out_date} 表示拒絕行銷，{later_date} 仍收到我們的電子報。",
    "c04": "電子報 {campaign_id} 是這位會員收到的第一封行銷信，信中沒有任何取消訂閱或拒收的方式。",
    "c05": "會員資料庫遭入侵，{n_members} 位會員的姓名與手機外洩；調查發現密碼以明碼儲存、沒有存取紀錄。",
    "c06": "訂單 {order_id}（{platform}）的顧客在到貨後第 {days} 天要求退貨，沒有說明理由。",
    "c07": "顧客要求退回已拆封的「{beauty_product}」；商品頁與結帳頁都已事先告知：個人衛生用品拆封後不適用七日解除權。",
    "c08": "設計師從{competitor}的官網下載商品照片，直接放到我們的{category}商品頁。",
    "c09": "搜尋廣告買了關鍵字「{keyword}」，廣告標題寫著「{keyword}同款 好日子選物更便宜」。",
    "c10": "官網商品頁有 {n_images} 張商品圖片沒有替代文字（alt），使用螢幕報讀器的視障顧客無法得知圖片內容。",
    "c11": "離職的行銷專員把會員名單與進貨成本表帶到{competitor}任職。",
    "c12": "付費請部落客寫{product}的開箱文，文章沒有標示「廣告」或「合作」。",
    "c13": "LINE 商店的商品頁沒有寫公司名稱、客服電話，也沒有說明退貨方式與期限。",
}


#: Grade id of the data-quality audit (saved by ``widgets.quality_explorer``).
AUDIT_ID = "p1_1_2__audit_issues"
#: Kinds of data-quality problems to look for (P1.1.2): code -> (zh-TW name, table, how to find it).
#: Not every kind is in every learner's data; each variant has its own.
DEFECT_KINDS: dict[str, tuple[str, str, str]] = {
    "duplicate_orders": ("訂單整列重複", "orders", "orders.duplicated() 為 True 的列"),
    "test_orders": ("測試訂單", "orders", "member_id 為 'TEST'、營收 NT$1"),
    "timezone_shift": ("某平台某月時區錯置", "orders", "該平台該月平均下單時刻比其他月份早約 8 小時"),
    "missing_order_city": ("訂單缺少縣市", "orders", "city 為空值"),
    "city_name_variants": ("縣市名稱「台／臺」混用", "orders", "city 以「台」開頭（台北市、台中市…）"),
    "delivered_before_order": ("到貨早於下單", "orders", "delivered_ts 早於 order_ts"),
    "unit_price_typo": ("單價多打一個 0", "order_items", "unit_price × quantity 不等於 item_revenue"),
    "sku_format": ("SKU 大小寫或空白錯誤", "order_items", "sku 對不到 products.sku"),
    "missing_member_birth_date": ("會員缺少生日", "members", "birth_date 為空值"),
    "mobile_format": ("手機格式不一", "members", "mobile 不是 09xx-xxx-xxx"),
    "email_format": ("e-mail 大寫或前面有空白", "members", "email 不等於 email.str.strip().str.lower()"),
    "unit_cost_in_cents": ("成本單位錯誤（以分輸入）", "products", "unit_cost 高於 price"),
    "duplicate_events": ("GA4 事件重複傳送", "ga4_events", "ga4_events.duplicated() 為 True 的列"),
}


# -- draws from the learner's own data -------------------------------------------------------------
def variant_rng(orders: pd.DataFrame, purpose: str) -> np.random.Generator:
    """Return a generator seeded by a fingerprint of ``orders`` and ``purpose``.

    The same tables give the same draws in the learner's kernel and in the grader;
    different learners' tables give different draws.
    """
    revenue = int(pd.to_numeric(orders["revenue"], errors="coerce").fillna(0).sum())
    last = str(orders["order_id"].iloc[-1]) if len(orders) else ""
    key = f"{purpose}|{len(orders)}|{revenue}|{last}"
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big"))


def _pick(rng: np.random.Generator, values: Sequence[Any]) -> Any:
    return values[int(rng.integers(len(values)))]


def _competitor_names(competitors: pd.DataFrame) -> list[str]:
    names = sorted(set(competitors["company"].astype(str)) - {catalog.COMPANY["brand_zh"]})
    return names or list(catalog.COMPETITORS)


def business_questions(orders: pd.DataFrame, competitors: pd.DataFrame) -> list[dict]:
    """Return your business questions for P1.1.1: ``[{"id": "Q1", "template": "q07", "zh": ...}, ...]``.

    Six questions drawn from :data:`QUESTION_TEMPLATES` in a variant order, with facts
    (a category, a city, a competitor, a month ...) from your own tables.
    """
    rng = variant_rng(orders, "questions")
    templates = [str(t) for t in rng.choice(sorted(QUESTION_TEMPLATES), N_QUESTIONS, replace=False)]
    cities = orders["city"].dropna().astype(str)
    top_cities = [c for c in cities.value_counts().index[:6] if not c.startswith("台")]
    platforms = [p for p in MARKETPLACES if p in set(orders["platform"].astype(str))] or list(MARKETPLACES)
    facts = {
        "category": _pick(rng, [c["zh"] for c in catalog.CATEGORIES.values()]),
        "year": _pick(rng, [2025, 2026]),
        "source": _pick(rng, GA4_SOURCES),
        "city": _pick(rng, top_cities or ["臺北市"]),
        "attribute": _pick(rng, SURVEY_ATTRIBUTES),
        "competitor": _pick(rng, _competitor_names(competitors)),
        "platform": catalog.PLATFORMS[_pick(rng, platforms)]["zh"],
        "month": f"2025 年 {int(rng.integers(1, 13))} 月",
    }
    return [
        {"id": f"Q{i + 1}", "template": template, "zh": QUESTION_TEMPLATES[template].format(**facts)}
        for i, template in enumerate(templates)
    ]


def _members_order_only(members: pd.DataFrame) -> int:
    purposes = members["consent_purposes"].fillna("").astype(str)
    return int((purposes == catalog.CONSENT_PURPOSES["order"]).sum())


def law_cases(tables: Mapping[str, pd.DataFrame]) -> list[dict]:
    """Return your law cases for P1.1.2: ``[{"id": "C1", "template": "c04", "zh": ...}, ...]``.

    Eight situations drawn from :data:`LAW_CASE_TEMPLATES` in a variant order, filled with
    facts from your tables (``orders``, ``members``, ``products``, ``competitors``,
    ``crm_campaigns``, ``search_keywords``).
    """
    orders, members, products = tables["orders"], tables["members"], tables["products"]
    rng = variant_rng(orders, "law_cases")
    templates = [str(t) for t in rng.choice(sorted(LAW_CASE_TEMPLATES), N_LAW_CASES, replace=False)]
    names = products.set_index("sku")["name"].astype(str)
    category = products.set_index("sku")["category"].astype(str)
    competitors = _competitor_names(tables["competitors"])
    keywords = set(tables["search_keywords"]["keyword"].astype(str))
    trademark = sorted(keywords & set(competitors)) or competitors[:1]
    campaigns = tables["crm_campaigns"]
    no_link = campaigns[(campaigns["channel"].astype(str) == "email") & ~campaigns["includes_opt_out_link"]]
    campaign_ids = sorted(no_link["campaign_id"].astype(str)) or ["EDM-20250301-000"]
    opted = members.dropna(subset=["marketing_opt_out_date"])
    member = opted.iloc[int(rng.integers(len(opted)))] if len(opted) else None
    returned = orders[(orders["status"].astype(str) == "returned") & orders["delivered_ts"].notna()]
    returned = returned[returned["returned_ts"] >= returned["delivered_ts"]].drop_duplicates("order_id")
    order = returned.iloc[int(rng.integers(len(returned)))] if len(returned) else None
    days = (
        int(np.ceil((order["returned_ts"] - order["delivered_ts"]) / pd.Timedelta(days=1)))
        if order is not None
        else 3
    )
    opt_out = (
        pd.Timestamp(member["marketing_opt_out_date"]) if member is not None else pd.Timestamp("2025-03-01")
    )
    facts = {
        "product": _pick(rng, sorted(names[category == "health_food"])),
        "beauty_product": _pick(rng, sorted(names[category == "beauty"])),
        "n_order_only": _members_order_only(members),
        "member_id": member["member_id"] if member is not None else "M000001",
        "opt_out_date": f"{opt_out:%Y-%m-%d}",
        "later_date": f"{opt_out + pd.Timedelta(days=int(rng.integers(10, 40))):%Y-%m-%d}",
        "campaign_id": _pick(rng, campaign_ids),
        "n_members": len(members),
        "order_id": order["order_id"] if order is not None else "W00000001",
        "platform": catalog.PLATFORMS[str(order["platform"])]["zh"] if order is not None else "官方網站",
        "days": max(1, min(days, 7)),
        "competitor": _pick(rng, competitors),
        "category": _pick(rng, [c["zh"] for c in catalog.CATEGORIES.values()]),
        "keyword": trademark[0],
        "n_images": int(rng.integers(3, 12)),
    }
    return [
        {"id": f"C{i + 1}", "template": template, "zh": LAW_CASE_TEMPLATES[template].format(**facts)}
        for i, template in enumerate(templates)
    ]


# -- accessibility of the shop (身心障礙者權益保障法 §52-2; WCAG 2.x as good practice) ------------------
#: Text and background colours the shop's designers proposed (some pass WCAG 1.4.3, some do not).
COLOUR_PAIRS = [
    ("#767676", "#FFFFFF"),
    ("#777777", "#FFFFFF"),
    ("#FFFFFF", "#E76F51"),
    ("#FFFFFF", "#2A9D8F"),
    ("#264653", "#F4A261"),
    ("#6C757D", "#F8F9FA"),
    ("#FFFFFF", "#E9C46A"),
    ("#1D3557", "#A8DADC"),
    ("#E63946", "#F1FAEE"),
    ("#FFFFFF", "#D62828"),
    ("#8D99AE", "#FFFFFF"),
    ("#333333", "#FFB703"),
]
TEXT_SNIPPETS = ["限時優惠倒數", "加入購物車", "滿 NT$990 免運", "會員獨享 85 折", "立即結帳", "查看商品規格"]


def shop_page(products: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Return your shop page's elements for the accessibility check (one row per element).

    Columns: ``element_id``, ``kind`` (``image`` or ``text``), ``content``, ``alt_text``
    (images; empty when missing), ``text_color`` and ``background_color`` (text, hex).
    """
    rng = variant_rng(orders, "shop_page")
    skus = [str(s) for s in rng.choice(products["sku"].astype(str).to_numpy(), 6, replace=False)]
    names = products.set_index("sku")["name"].astype(str)
    missing = set(rng.choice(6, int(rng.integers(1, 4)), replace=False).tolist())
    rows = [
        {
            "element_id": f"img-{i + 1}",
            "kind": "image",
            "content": f"{sku}.jpg",
            "alt_text": "" if i in missing else names[sku],
            "text_color": None,
            "background_color": None,
        }
        for i, sku in enumerate(skus)
    ]
    pairs = rng.choice(len(COLOUR_PAIRS), 5, replace=False)
    texts = rng.choice(len(TEXT_SNIPPETS), 5, replace=False)
    for i, (pair, text) in enumerate(zip(pairs, texts, strict=True)):
        fg, bg = COLOUR_PAIRS[int(pair)]
        rows.append(
            {
                "element_id": f"txt-{i + 1}",
                "kind": "text",
                "content": TEXT_SNIPPETS[int(text)],
                "alt_text": None,
                "text_color": fg,
                "background_color": bg,
            }
        )
    return pd.DataFrame(rows)


def _luminance(colour: str) -> float:
    """Return the WCAG 2.x relative luminance of a ``#RRGGBB`` colour."""
    if not re.fullmatch(r"#?[0-9A-Fa-f]{6}", str(colour).strip()):
        raise ValueError(f"顏色應為 #RRGGBB 格式，收到 {colour!r} (colour must be #RRGGBB)")
    hex_digits = str(colour).strip().lstrip("#")
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(text_color: str, background_color: str) -> float:
    """Return the WCAG 2.x contrast ratio of two ``#RRGGBB`` colours (1 to 21).

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#FFFFFF"), 1)
    21.0
    >>> contrast_ratio("#777777", "#FFFFFF") < 4.5 <= contrast_ratio("#767676", "#FFFFFF")
    True
    """
    lighter, darker = sorted((_luminance(text_color), _luminance(background_color)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# -- the P1.1.1 picker -----------------------------------------------------------------------------
def _restored(saved: Any, question_ids: list[str], check: Any) -> dict:
    """Return a saved answer when it answers exactly these questions, else an empty one."""
    if isinstance(saved, dict) and sorted(saved) == sorted(question_ids):
        return {q: saved[q] for q in question_ids if check(saved[q])}
    return {}


def pathway_picker(
    questions: Sequence[Mapping[str, Any]],
    *,
    purposes_id: str = PURPOSES_ID,
    pathways_id: str = PATHWAYS_ID,
    folder: str | None = None,
) -> tuple[Any, dict]:
    """Build a picker: for each business question choose a purpose and the data pathways, then save.

    Parameters
    ----------
    questions : sequence of mappings
        ``{"id": "Q1", "zh": ...}`` as returned by :func:`business_questions`.
    purposes_id, pathways_id : str
        Grade ids the 儲存 button saves the two answers under (``learner.save_answer``).
    folder : str, optional
        Where to save (default: beside the notebook).

    Returns
    -------
    widget : ipywidgets.Widget
        One block per question; ``widget.controls`` maps ``"Q1_purpose"``, ``"Q1_<pathway>"``
        and ``"save"`` to their controls (for tests and curious learners).
    result : dict
        ``{"purpose": {question: code or None}, "pathways": {question: [codes]}}``, kept up
        to date while the learner clicks. Earlier saved answers are shown again.
    """
    import ipywidgets as widgets

    from netmarketing.learner.saved import save_answer, saved_answer
    from netmarketing.learner.widgets import chosen, prompted_dropdown, save_bar, toggle_style

    ids = [str(q["id"]) for q in questions]
    old_purpose = _restored(saved_answer(purposes_id, folder=folder), ids, lambda v: v in PURPOSES)
    old_paths = _restored(
        saved_answer(pathways_id, folder=folder),
        ids,
        lambda v: isinstance(v, list) and all(p in DATA_PATHWAYS for p in v),
    )
    result: dict = {"purpose": {q: old_purpose.get(q) for q in ids}, "pathways": {q: [] for q in ids}}
    controls: dict[str, Any] = {}
    blocks = []
    purpose_options = [(zh, code) for code, zh in PURPOSES.items()]
    for question in questions:
        qid = str(question["id"])
        purpose = prompted_dropdown(
            purpose_options,
            old_purpose.get(qid),
            prompt="（請選擇目的）",
            description="蒐集目的",
            layout=widgets.Layout(width="420px"),
            style={"description_width": "70px"},
        )
        purpose.add_class("nm-purpose")
        controls[f"{qid}_purpose"] = purpose

        def _on_purpose(change: dict, qid: str = qid) -> None:
            result["purpose"][qid] = chosen(change["new"])

        purpose.observe(_on_purpose, names="value")
        toggles = []
        for code, info in DATA_PATHWAYS.items():
            toggle = widgets.ToggleButton(
                value=code in old_paths.get(qid, []),
                description=info["zh"],
                tooltip=info["long"],
                layout=widgets.Layout(width="auto", min_width="120px"),
            )
            toggle_style(toggle).add_class(f"nm-pathway-{code}")
            controls[f"{qid}_{code}"] = toggle

            def _on_toggle(change: dict, qid: str = qid) -> None:
                result["pathways"][qid] = [p for p in DATA_PATHWAYS if controls[f"{qid}_{p}"].value]

            toggle.observe(_on_toggle, names="value")
            toggles.append(toggle)
        result["pathways"][qid] = [p for p in DATA_PATHWAYS if controls[f"{qid}_{p}"].value]
        block = widgets.VBox(
            [
                widgets.HTML(f"<b>{qid}</b>　{question['zh']}"),
                purpose,
                widgets.HTML("數據途徑（可複選，綠色＝已選）："),
                widgets.HBox(toggles, layout=widgets.Layout(flex_flow="row wrap")),
            ],
            layout=widgets.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"),
        )
        block.add_class(f"nm-question-{qid}")  # a stable hook for browser tests
        blocks.append(block)

    def _save() -> str:
        save_answer(purposes_id, dict(result["purpose"]), folder)
        save_answer(pathways_id, {q: list(v) for q, v in result["pathways"].items()}, folder)
        blank = [q for q in ids if result["purpose"][q] is None or not result["pathways"][q]]
        if blank:
            return f"已儲存；但 {'、'.join(blank)} 還沒選完目的或途徑"
        return f"已儲存 {len(ids)} 題的目的與數據途徑"

    bar = save_bar(_save, controls)
    picker = widgets.VBox([*blocks, bar])
    picker.controls = controls
    return picker, result
