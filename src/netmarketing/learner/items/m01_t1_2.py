"""Items of task T1.2 (定位市場與客群) and the public helpers its two notebooks use.

Notebooks ``t1_2a_statistics_and_position`` (P1.2.1, P1.2.2) and ``t1_2b_swot_segments_report``
(P1.2.3, P1.2.4, O1.2.1). Everything here is public and holds no answer key:

- :func:`clean_sales`: the cleaning every T1.2 exercise starts from (the same rules as T1.1);
- :func:`significance_question`: the question a learner's significance test answers. It is drawn
  from the learner's own data, so the right test differs between learners;
- :func:`swot_evidence`: the SWOT evidence cards of the learner's data (internal, market,
  competitor and PEST facts, in an order of their own); which quadrant a card belongs to is
  decided by the grader, never here;
- the items' answer specs and formative self-checks (format, plausibility and sums that must
  agree with the learner's own tables, never the graded answer).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from netmarketing.data.survey import ATTRIBUTES as SURVEY_ATTRIBUTES
from netmarketing.learner.answers import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    Spec,
    dict_of,
    list_of,
    one_of,
    series,
    table,
    text,
)
from netmarketing.learner.items import item

Loader = Callable[[str], Any]

#: The tests a learner chooses from (P1.2.1). Letters, so that the answer is short to type.
TESTS: dict[str, str] = {
    "A": "獨立樣本 t 檢定 (independent two-sample t-test)：比較兩組的平均數",
    "B": "配對樣本 t 檢定 (paired t-test)：同一批對象的兩次量測",
    "C": "卡方檢定 (chi-square test)／雙比例 z 檢定：比較比例或次數",
    "D": "單因子變異數分析 (one-way ANOVA)：比較三組以上的平均數",
    "E": "皮爾森相關分析 (Pearson correlation)：兩個數值變數是否一起變動",
}
#: Quadrants of the growth-share (BCG) matrix, as learners write them.
POSITIONS: dict[str, str] = {
    "明星": "高市場成長、相對市占 ≥ 1 (star)",
    "金牛": "低市場成長、相對市占 ≥ 1 (cash cow)",
    "問題兒童": "高市場成長、相對市占 < 1 (question mark)",
    "落水狗": "低市場成長、相對市占 < 1 (dog)",
}
STRATEGIES = ("SO", "ST", "WO", "WT")
#: Columns of the category scorecard (練習 2.1), in order.
METRIC_COLUMNS = ("revenue_2025", "growth", "gross_margin", "market_share", "relative_share", "market_growth")
#: Survey attributes (importance / satisfaction columns) -> zh-TW, as the survey table has them.
ATTRIBUTES: dict[str, str] = dict(SURVEY_ATTRIBUTES)
#: The hours a segment may prefer (local time), as in the order data.
HOUR_BANDS: dict[str, list[int]] = {
    "午休 12-13時": [12, 13],
    "下午 15-17時": [15, 16, 17],
    "晚間 20-22時": [20, 21, 22],
    "深夜 23-01時": [23, 0, 1],
}
PRICE_BANDS = ("平價", "中價", "高價")
OWN_PLATFORMS = ("website", "app", "line_store")
#: A segment needs this many buyers before its shares mean anything.
MIN_BUYERS = 30
#: The day after the data ends: "today" of the analysis.
ANALYSIS_DATE = "2026-11-01"
BRAND = "好日子選物"
SWOT_QUADRANTS = ("S", "W", "O", "T")


def category_zh() -> dict[str, str]:
    """Return category code -> zh-TW name."""
    from netmarketing.data.catalog import CATEGORIES

    return {code: spec["zh"] for code, spec in CATEGORIES.items()}


def _load(load: Loader | None) -> Loader:
    if load is not None:
        return load
    from netmarketing.learner.data import load as learner_load

    return learner_load


# -- the cleaning every exercise starts from ----------------------------------------------------
def clean_orders(orders: Any) -> Any:
    """Return the orders without duplicate export rows and test orders (member_id ``TEST``)."""
    orders = orders.drop_duplicates("order_id")
    is_test = orders["member_id"].astype("object").eq("TEST").fillna(False).astype(bool)
    return orders[~is_test.to_numpy()].copy()


def clean_sales(orders: Any, order_items: Any, products: Any) -> tuple[Any, Any]:
    """Return ``(completed, sales)``: completed orders and their lines with category, year and month.

    SKUs are trimmed and upper-cased first (some lines were keyed as ``sku-be-0001 ``).
    """
    orders = clean_orders(orders)
    completed = orders[(orders["status"].astype(str) == "completed").to_numpy()].copy()
    completed["year"] = completed["order_ts"].dt.year
    completed["month"] = completed["order_ts"].dt.month
    lines = order_items.copy()
    lines["sku"] = lines["sku"].astype(str).str.strip().str.upper()
    sales = lines.merge(
        completed[["order_id", "order_ts", "platform", "member_id", "year", "month"]], on="order_id"
    )
    sales = sales.merge(products[["sku", "category", "price"]], on="sku")
    sales["category"] = sales["category"].astype(str)
    sales["platform"] = sales["platform"].astype(str)
    return completed, sales


def _fingerprint(load: Loader) -> int:
    """Return a number that differs between learners' data (not a secret: anyone can compute it)."""
    orders = load("orders")
    return zlib.crc32(f"{int(orders['revenue'].sum())}|{len(orders)}".encode())


# -- P1.2.1: the learner's significance question --------------------------------------------------
@dataclass(frozen=True)
class Question:
    """A business question to test, and the data to test it on (a table of the learner's own data)."""

    number: int
    text: str
    data: Any

    def _repr_html_(self) -> str:  # shown nicely when a cell ends with the question
        return f"<p><b>你的檢定問題：</b>{self.text}</p>" + self.data.head(8).to_html()

    def __repr__(self) -> str:
        return f"你的檢定問題：{self.text}\n{self.data.head(8)}"


def _question_data(number: int, load: Loader) -> tuple[str, Any]:
    """Return the question text and data table of question ``number`` (0-4) on the learner's tables."""
    import pandas as pd

    if number == 0:
        crm = load("crm_campaigns")
        crm = crm[pd.to_datetime(crm["send_date"]).dt.year == 2025]
        totals = crm.groupby(crm["channel"].astype(str))[["clicked", "orders"]].sum()
        data = pd.DataFrame(
            {
                "點擊後下單": totals["orders"],
                "點擊後未下單": totals["clicked"] - totals["orders"],
            }
        ).loc[["line", "email"]]
        data.index = ["LINE 推播", "電子報"]
        data.index.name = "管道"
        return (
            "2025 年 LINE 推播與電子報：點擊之後下單的比例，兩個管道有沒有差異？（α = 0.05）",
            data,
        )
    completed, _ = clean_sales(load("orders"), load("order_items"), load("products"))
    done25 = completed[completed["year"] == 2025]
    names = {"website": "官方網站", "app": "行動 APP", "line_store": "LINE 官方帳號商店"}
    if number in (1, 3):
        groups = ["website", "app"] if number == 1 else list(OWN_PLATFORMS)
        rows = done25[done25["platform"].astype(str).isin(groups)]
        data = pd.DataFrame(
            {
                "平台": rows["platform"].astype(str).map(names).to_numpy(),
                "客單價": rows["revenue"].to_numpy(dtype=float),
            }
        )
        which = "官方網站與行動 APP" if number == 1 else "官方網站、行動 APP、LINE 官方帳號商店三個自有通路"
        return f"2025 年{which}的完成訂單：客單價的平均數有沒有差異？（α = 0.05）", data
    if number == 2:
        attribute = list(ATTRIBUTES)[(_fingerprint(load) // 5) % len(ATTRIBUTES)]
        survey = load("survey_responses")
        data = pd.DataFrame(
            {
                "受訪者": survey["respondent_id"].astype(str).to_numpy(),
                "重要度": survey[f"importance_{attribute}"].to_numpy(dtype=float),
                "滿意度": survey[f"satisfaction_{attribute}"].to_numpy(dtype=float),
            }
        )
        return (
            f"顧客問卷：受訪者對「{ATTRIBUTES[attribute]}」的重要度與滿意度（1–5 分），"
            "平均數有沒有差異？（α = 0.05）",
            data,
        )
    spend = load("marketing_spend")
    monthly_spend = spend.groupby("month")["actual_spend"].sum()
    month = completed["order_ts"].dt.strftime("%Y-%m")
    monthly_revenue = completed.groupby(month)["revenue"].sum()
    months = sorted(set(monthly_spend.index) & set(monthly_revenue.index))
    data = pd.DataFrame(
        {
            "月份": months,
            "行銷花費": monthly_spend.reindex(months).to_numpy(dtype=float),
            "完成訂單營收": monthly_revenue.reindex(months).to_numpy(dtype=float),
        }
    )
    return "每個月的行銷花費與完成訂單營收有沒有關聯？（α = 0.05）", data


def question_number(load: Loader | None = None) -> int:
    """Return which of the five questions the learner's data asks (0-4)."""
    return _fingerprint(_load(load)) % 5


def significance_question(load: Loader | None = None) -> Question:
    """Return the learner's significance question with its data (from ``learner.load``).

    The question depends on the learner's own data, so classmates answer different questions.
    """
    load = _load(load)
    number = question_number(load)
    question_text, data = _question_data(number, load)
    return Question(number, question_text, data)


# -- P1.2.3: SWOT evidence cards -------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{x:+.1%}"


def evidence_records(load: Loader | None = None) -> list[dict[str, Any]]:
    """Return the learner's SWOT evidence cards with what each is about (``kind``) and its figures.

    Each record: ``id`` (E01 ...), ``text`` (zh-TW, with its source), ``kind`` and figures
    (``ours``, ``theirs``...). Which quadrant a card belongs to is the learner's judgement;
    the grader decides it from the same figures.
    """
    import numpy as np

    load = _load(load)
    zh = category_zh()
    _, sales = clean_sales(load("orders"), load("order_items"), load("products"))
    by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
    growth = by_year[2025] / by_year[2024] - 1
    s25 = sales[sales["year"] == 2025]
    cost = s25.groupby("category")[["item_revenue", "item_cost"]].sum()
    margin = 1 - cost["item_cost"] / cost["item_revenue"]
    comp = load("competitors")
    comp = comp[comp["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
    ours = comp[comp["company"].astype(str) == BRAND].set_index("category")
    rivals = comp[comp["company"].astype(str) != BRAND]
    top_rival = rivals.groupby("category")["revenue"].max()
    relative = (ours["revenue"] / top_rival).reindex(list(zh)).dropna()
    cards: list[dict[str, Any]] = []

    def add(kind: str, card_text: str, source: str, **figures: Any) -> None:
        cards.append({"kind": kind, "text": f"{card_text}（來源：{source}）", **figures})

    fast = growth.idxmax()
    add("growth_top", f"「{zh[fast]}」2025 年營收比 2024 年 {_pct(growth[fast])}，五類中最高", "後台訂單")
    low = margin.idxmin()
    add("margin_bottom", f"「{zh[low]}」2025 年毛利率 {margin[low]:.0%}，五類中最低", "後台訂單明細")
    lead = relative.idxmax()
    add(
        "relative_top",
        f"「{zh[lead]}」2025 年營收是該品類最大競爭者的 {relative[lead]:.2f} 倍",
        "競爭者資料 competitors",
        ours=float(relative[lead]),
        theirs=1.0,
    )
    lag = relative.idxmin()
    add(
        "relative_bottom",
        f"「{zh[lag]}」2025 年營收只有該品類最大競爭者的 {relative[lag]:.2f} 倍",
        "競爭者資料 competitors",
        ours=float(relative[lag]),
        theirs=1.0,
    )
    # Our quality rating and delivery days against the rivals' mean, in our fastest-growing category.
    rival_fast = rivals[rivals["category"] == fast]
    our_q, their_q = float(ours.loc[fast, "quality_rating"]), float(rival_fast["quality_rating"].mean())
    add(
        "quality",
        f"「{zh[fast]}」的商品品質評分：我們 {our_q:.1f} 分，四家競爭者平均 {their_q:.1f} 分",
        "競爭者資料 competitors",
        ours=our_q,
        theirs=their_q,
    )
    our_d, their_d = float(ours.loc[fast, "delivery_days"]), float(rival_fast["delivery_days"].mean())
    add(
        "delivery",
        f"「{zh[fast]}」的平均到貨天數：我們 {our_d:.1f} 天，四家競爭者平均 {their_d:.1f} 天",
        "競爭者資料 competitors",
        ours=our_d,
        theirs=their_d,
    )
    survey = load("survey_responses")
    gaps = {a: survey[f"importance_{a}"].mean() - survey[f"satisfaction_{a}"].mean() for a in ATTRIBUTES}
    gap = max(gaps, key=gaps.get)
    add(
        "survey_gap",
        f"顧客問卷：「{ATTRIBUTES[gap]}」重要度 {survey[f'importance_{gap}'].mean():.2f} 分，"
        f"對我們的滿意度只有 {survey[f'satisfaction_{gap}'].mean():.2f} 分（六個項目中落差最大）",
        "顧客問卷 survey_responses",
    )
    market = load("market_size")
    market = market[market["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
    market_growth = market.set_index("category")["growth"].reindex(list(zh))
    hot, cold = market_growth.idxmax(), market_growth.idxmin()
    add(
        "market_top",
        f"「{zh[hot]}」品牌選物電商市場 2025 年規模 {_pct(market_growth[hot])}，五類中成長最快",
        "市場規模 market_size（課程估計）",
        ours=float(market_growth[hot]),
    )
    if market_growth[cold] < 0:
        add(
            "market_shrinking",
            f"「{zh[cold]}」品牌選物電商市場 2025 年規模 {_pct(market_growth[cold])}，市場在萎縮",
            "市場規模 market_size（課程估計）",
            ours=float(market_growth[cold]),
        )
    comp24 = load("competitors")
    comp24 = comp24[(comp24["year"] == 2024) & (comp24["category"].astype(str) == fast)]
    share24 = comp24.set_index(comp24["company"].astype(str))["market_share"]
    share25 = rival_fast.set_index(rival_fast["company"].astype(str))["market_share"]
    gain = (share25 - share24.reindex(share25.index)).dropna()
    if len(gain) and gain.max() > 0:
        who = gain.idxmax()
        add(
            "rival_gain",
            f"競爭者「{who}」在「{zh[fast]}」的市占率由 {share24[who]:.1%} 升到 {share25[who]:.1%}",
            "競爭者資料 competitors",
            ours=float(gain[who]),
        )
    cheapest = rival_fast.loc[rival_fast["price_index"].idxmin()]
    our_price = float(ours.loc[fast, "price_index"])
    if float(cheapest["price_index"]) < our_price:
        add(
            "rival_cheaper",
            f"競爭者「{cheapest['company']}」在「{zh[fast]}」的價格指數 {cheapest['price_index']:.0f}，"
            f"比我們的 {our_price:.0f} 低（同業平均 = 100）",
            "競爭者資料 competitors",
            ours=our_price,
            theirs=float(cheapest["price_index"]),
        )
    cards.extend(_pest_cards(load))
    rng = np.random.default_rng(_fingerprint(load))
    shuffled = [cards[k] for k in rng.permutation(len(cards))]
    for number, card in enumerate(shuffled, start=1):
        card["id"] = f"E{number:02d}"
    return [{"id": c.pop("id"), **c} for c in shuffled]


#: PEST rows of ``pest_indicators`` that become cards, by the start of their indicator name.
PEST_CARDS: dict[str, str] = {
    "個資法：行銷利用超出": "pest_privacy_purpose",
    "個資法：當事人拒絕後": "pest_privacy_refusal",
    "個資法修正": "pest_privacy_amendment",
    "食安法": "pest_food_claims",
    "每月最低工資": "pest_wage",
    "零售業網路銷售額": "pest_online_retail",
    "12 歲以上個人上網率": "pest_internet_use",
    "70 歲以上上網率": "pest_senior_online",
    "已使用生成式 AI": "pest_genai",
}


def _pest_cards(load: Loader) -> list[dict[str, Any]]:
    """Return four PEST cards (two from P/E rules and costs, two from E/S/T trends), chosen per learner."""
    import numpy as np

    pest = load("pest_indicators")
    found = []
    for _, row in pest.iterrows():
        name = str(row["indicator"])
        kind = next((k for prefix, k in PEST_CARDS.items() if name.startswith(prefix)), None)
        if kind is None:
            continue
        value = float(row["value"])
        shown = f"{value:,.0f}" if value >= 100 else f"{value:g}"
        note = f"；{row['note']}" if str(row.get("note") or "").strip() else ""
        found.append(
            {
                "kind": kind,
                "text": f"{row['factor']}｜{name}：{shown} {row['unit']}（{row['period']}{note}；"
                f"來源：{row['source']}）",
            }
        )
    rules = [
        c
        for c in found
        if c["kind"]
        in (
            "pest_privacy_purpose",
            "pest_privacy_refusal",
            "pest_privacy_amendment",
            "pest_food_claims",
            "pest_wage",
        )
    ]
    trends = [c for c in found if c not in rules]
    rng = np.random.default_rng(_fingerprint(load) // 7)
    picked = [rules[i] for i in rng.permutation(len(rules))[:2]] + [
        trends[i] for i in rng.permutation(len(trends))[:2]
    ]
    return picked


def swot_evidence(load: Loader | None = None) -> list[dict[str, str]]:
    """Return the learner's SWOT evidence cards as ``[{"id": "E01", "text": ...}, ...]``."""
    return [{"id": c["id"], "text": c["text"]} for c in evidence_records(load)]


# -- O1.2.1: a structure self-check of the saved report ---------------------------------------------
REPORT_HEADINGS = (
    "一、分析目的與資料",
    "二、統計分析發現",
    "三、優勢、劣勢與市場定位",
    "四、SWOT 與競爭策略",
    "五、目標客群與偏好需求",
    "六、結論與建議",
)
REPORT_MIN_CHARS = 800


def check_report(notebook: str, grade_id: str = "p1_2_4__analysis_report") -> bool:
    """Print a structure self-check of the report cell as last saved, and return whether it all passed.

    Reads the notebook file (save it first): the six headings, the length and the figures cited.
    The report itself is graded by the instructor with the rubric ``analysis_report_o121``.
    """
    import json
    import re
    from pathlib import Path

    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        cells = []
    source = next(
        (
            c.get("source", "")
            for c in cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id
        ),
        "",
    )
    report = "".join(source) if isinstance(source, list) else str(source)
    body = re.sub(r"[#*|`>\-\s]", "", report)
    figures = re.findall(r"\d[\d,]*(?:\.\d+)?\s*(?:%|倍|元|萬|個百分點)", report)
    lines = [
        (bool(report), "找到報告格" if report else "找不到報告格：請先「檔案 → 儲存」，並確認沒有刪掉報告格")
    ]
    lines += [
        (h[2:] in report, f"有「{h}」一節" if h[2:] in report else f"缺少「{h}」一節")
        for h in REPORT_HEADINGS
    ]
    long_enough = len(body) >= REPORT_MIN_CHARS
    lines.append(
        (long_enough, f"約 {len(body)} 字" + ("" if long_enough else f"，至少 {REPORT_MIN_CHARS} 字"))
    )
    lines.append(
        (
            len(figures) >= 8,
            f"引用了 {len(figures)} 個數字"
            + ("" if len(figures) >= 8 else "，請至少引用 8 個你自己資料的數字"),
        )
    )
    lines.append(
        (
            "YOUR ANSWER HERE" not in report,
            "已刪除預設文字" if "YOUR ANSWER HERE" not in report else "請刪除「請在此作答」",
        )
    )
    for passed, message in lines:
        print(f"{'✅' if passed else '❌'} [O1.2.1] {message}")
    return all(passed for passed, _ in lines)


# -- answer specs used by several items ------------------------------------------------------------
def _saved_board(value: Any) -> str | None:
    if value is None:
        return "尚未儲存：請在看板上完成後按「儲存」，再執行這一格"
    if not isinstance(value, dict) or sorted(value) != sorted(SWOT_QUADRANTS):
        return "格式不對：應為看板儲存的 {'S': [...], 'W': [...], 'O': [...], 'T': [...]}"
    if not all(isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in value.values()):
        return "每個象限應為證據卡編號（如 'E03'）的串列"
    return None


def _saved_strategy(value: Any) -> str | None:
    if value is None:
        return "尚未儲存：請在看板上選好策略、依據與行銷標的物後按「儲存」"
    if not isinstance(value, dict) or not {"strategy", "evidence", "target"} <= set(value):
        return "格式不對：應為看板儲存的 {'strategy': ..., 'evidence': [...], 'target': ...}"
    if not isinstance(value["evidence"], list):
        return "evidence 應為證據卡編號的串列"
    return None


SAVED_BOARD = Spec("SWOT 看板儲存的分類", _saved_board)
SAVED_STRATEGY = Spec("看板儲存的 TOWS 策略", _saved_strategy)
SEGMENT = dict_of(text(), keys=["age_bracket", "gender"])


# -- self-checks (own answers and own tables only) -------------------------------------------------
def _line(ok: Any, good: str, bad: str) -> tuple[bool, str]:
    """Return one self-check line: ``(passed, message)`` with the message for that outcome."""
    return bool(ok), good if ok else bad


def _own_sales() -> tuple[Any, Any]:
    from netmarketing.learner.data import load

    return clean_sales(load("orders"), load("order_items"), load("products"))


def _platform_stats(a) -> Iterator[tuple[bool, str]]:
    completed, _ = _own_sales()
    done25 = completed[completed["year"] == 2025]
    yield (
        set(map(str, a.platform_stats.index)) == set(done25["platform"].astype(str)),
        "每個平台各一列（索引是平台代碼）",
    )
    yield (
        int(a.platform_stats["orders"].sum()) == len(done25),
        "orders 合計等於 2025 年完成訂單數"
        if int(a.platform_stats["orders"].sum()) == len(done25)
        else "orders 合計應等於 2025 年完成訂單數：只用 2025 年、狀態為 completed 的訂單",
    )
    skewed = (a.platform_stats["mean"] >= a.platform_stats["median"]).mean() >= 0.5
    yield _line(skewed, "多數平台平均數 ≥ 中位數（右偏）", "mean 與 median 是否放反了？")


def _growth(a) -> Iterator[tuple[bool, str]]:
    ok = len(a.yoy_growth) == 5 and len(a.ytd_growth) == 5
    yield _line(ok, "五個品類都有年增率", "yoy_growth 與 ytd_growth 應各有 5 個品類")
    small = a.yoy_growth.abs().max() < 5
    yield _line(small, "年增率以小數表示", "年增率請用小數（0.12 = 12%），不要乘以 100")
    sane = (a.ytd_growth > -0.5).all()
    yield _line(
        sane, "同期比較看起來合理", "ytd_growth 有品類衰退超過 50%：是不是拿 2026 年 1–10 月去比 2025 全年？"
    )


def _seasonality(a) -> Iterator[tuple[bool, str]]:
    months = sorted(int(m) for m in a.seasonal_index.index)
    yield (
        months == list(range(1, 13)),
        "12 個月份都有指數" if months == list(range(1, 13)) else "索引應為 1–12 月",
    )
    mean_one = abs(float(a.seasonal_index.mean()) - 1) < 0.01
    yield _line(mean_one, "季節指數平均為 1", "季節指數的平均應為 1：分母是 2024–2025 共 24 個月的平均")
    top = int(a.seasonal_index.astype(float).idxmax()) == int(a.peak_month)
    yield _line(top, "peak_month 是指數最高的月份", "peak_month 應為 seasonal_index 最高的月份")


def _significance(a) -> Iterator[tuple[bool, str]]:
    p_ok = 0 <= float(a.p_value) <= 1
    yield _line(p_ok, "p 值介於 0 與 1", "p_value 是機率，應介於 0 與 1")
    same = bool(a.significant) == (float(a.p_value) < 0.05)
    yield _line(same, "顯著與否和 p 值一致", "significant 應為 p_value < 0.05")


def _category_metrics(a) -> Iterator[tuple[bool, str]]:
    m = a.category_metrics
    cols = ["growth", "gross_margin", "market_share", "relative_share", "market_growth"]
    complete = len(m) == 5 and not m[cols].isna().any().any()
    yield _line(
        complete, "五個品類、沒有缺漏值", "應有五個品類且沒有 NaN：合併前先把 category 轉成文字 .astype(str)"
    )
    ranged = m["gross_margin"].between(0, 1).all()
    yield _line(ranged, "毛利率介於 0 與 1", "毛利率應是 0 到 1 之間的小數")
    share = m["market_share"].astype(float)
    plausible = bool(share.max() < 0.5 and share.min() > 0.001)
    yield _line(
        plausible,
        "市占率的數量級合理",
        "市占率太大或太小：分母應是 2025 年該品類的利基市場規模 market_revenue",
    )


def _strength_weakness(a) -> Iterator[tuple[bool, str]]:
    codes = set(category_zh())
    valid = a.strength_category in codes and a.weakness_category in codes
    yield _line(valid, "兩個品類代碼都有效", "請填品類代碼（如 'beauty'），不是中文名稱")
    yield a.strength_category != a.weakness_category, "優勢與劣勢是不同品類"
    card = a.scorecard.astype(float)
    agree = valid and card.idxmin() == a.strength_category and card.idxmax() == a.weakness_category
    yield _line(agree, "結論與你的評分表一致", "strength／weakness 應是 scorecard 平均名次最好／最差的品類")


def _position_map(a) -> Iterator[tuple[bool, str]]:
    codes = set(category_zh())
    keys = set(map(str, a.quadrants)) == codes
    yield _line(keys, "五個品類都有象限", "quadrants 的鍵應是五個品類代碼")
    yield (
        a.marketing_target in codes,
        "行銷標的物是品類代碼" if a.marketing_target in codes else "請填品類代碼",
    )


def _card_ids() -> set[str]:
    return {c["id"] for c in swot_evidence()}


def _swot_sorting(a) -> Iterator[tuple[bool, str]]:
    ids = _card_ids()
    placed = [i for q in SWOT_QUADRANTS for i in a.board[q]]
    complete = set(placed) == ids and len(placed) == len(ids)
    left = len(ids - set(placed))
    yield _line(complete, "每張證據卡都歸入一個象限", f"還有 {left} 張卡沒有分類，或有卡放了兩次")
    filled = all(a.board[q] for q in SWOT_QUADRANTS)
    yield _line(filled, "四個象限都有證據", "有象限是空的：再檢查一次內部／外部、有利／不利")


def _tows_strategy(a) -> Iterator[tuple[bool, str]]:
    s = a.strategy
    yield (
        s["strategy"] in STRATEGIES,
        "已選 TOWS 策略" if s["strategy"] in STRATEGIES else "請在看板上選一個策略",
    )
    from netmarketing.learner.saved import saved_answer

    board = saved_answer("p1_2_3__swot_sorting") or {}
    used = {q for q in SWOT_QUADRANTS for i in s["evidence"] if i in board.get(q, [])}
    covered = s["strategy"] in STRATEGIES and set(s["strategy"]) <= used
    yield _line(
        covered,
        "策略的兩個字母都有你歸類的證據",
        "勾選的依據要包含策略兩個字母（例如 SO 的 S 與 O）各至少一張你歸類的卡",
    )
    yield (
        s["target"] in category_zh(),
        "已選相對優勢行銷標的物" if s["target"] in category_zh() else "請選行銷標的物",
    )


def _rival_benchmark(a) -> Iterator[tuple[bool, str]]:
    t = a.rival_table
    yield (
        BRAND in set(map(str, t.index)),
        "表中有我們自己（好日子選物）"
        if BRAND in set(map(str, t.index))
        else ("索引應是公司名稱，並包含好日子選物"),
    )
    ordered = t["market_share"].is_monotonic_decreasing
    yield _line(ordered, "依市占率由大到小排序", "請依 market_share 由大到小排序")


def _target_segment(a) -> Iterator[tuple[bool, str]]:
    lean = a.segment_lean
    enough = (lean["buyers"] >= MIN_BUYERS).all()
    yield _line(
        enough, f"每個客群至少 {MIN_BUYERS} 位購買者", f"請只留購買者 ≥ {MIN_BUYERS} 的客群（樣本太小不可靠）"
    )
    rows = lean[
        (lean["gender"].astype(str) == a.target_segment["gender"])
        & (lean["age_bracket"].astype(str) == a.target_segment["age_bracket"])
    ]
    top = len(rows) == 1 and float(rows["lean"].iloc[0]) == float(lean["lean"].max())
    yield _line(
        top, "目標客群是你表中偏好指數最高的一群", "target_segment 應是 segment_lean 中 lean 最高的那一列"
    )


def _preferences(a) -> Iterator[tuple[bool, str]]:
    from netmarketing.data.survey import CONTENT_TYPES

    p = a.preferences
    allowed = {
        "channel": OWN_PLATFORMS,
        "peak_hours": tuple(HOUR_BANDS),
        "price_band": PRICE_BANDS,
        "content": tuple(CONTENT_TYPES),
        "need": tuple(ATTRIBUTES),
    }
    for key, options in allowed.items():
        ok = p.get(key) in options
        yield _line(ok, f"{key} 的寫法正確", f"{key} 應為 {'、'.join(options)} 其中之一")


def _prospects(a) -> Iterator[tuple[bool, str]]:
    from netmarketing.learner.data import load

    members = load("members")
    ok_ids = set(
        members.loc[members["marketing_consent"].fillna(False).astype(bool), "member_id"].astype(str)
    )
    bad = [m for m in a.prospects if m not in ok_ids]
    yield (
        not bad,
        "名單中的會員都同意行銷使用"
        if not bad
        else f"有 {len(bad)} 位會員不同意（或已拒絕）行銷使用，依個資法 §20 不可列入行銷名單",
    )
    yield len(set(a.prospects)) == len(a.prospects), "沒有重複的會員"


# -- the items ---------------------------------------------------------------------------------------
CATEGORY = one_of(["beauty", "health_food", "home", "accessories_3c", "apparel"], describe="品類代碼")

item(
    "p1_2_1__platform_stats",
    "練習 1.1",
    {"platform_stats": table("orders", "mean", "median", min_rows=3)},
    _platform_stats,
)
item(
    "p1_2_1__growth", "練習 1.2", {"yoy_growth": series(min_len=5), "ytd_growth": series(min_len=5)}, _growth
)
item(
    "p1_2_1__seasonality",
    "練習 1.3",
    {"seasonal_index": series(min_len=12), "peak_month": INTEGER},
    _seasonality,
)
item(
    "p1_2_1__significance_test",
    "練習 1.4",
    {
        "test_choice": one_of(list(TESTS), describe="A–E 其中一個字母"),
        "statistic": NUMBER,
        "p_value": NUMBER,
        "significant": BOOLEAN,
    },
    _significance,
)
item(
    "p1_2_2__category_metrics",
    "練習 2.1",
    {"category_metrics": table(*METRIC_COLUMNS, min_rows=5)},
    _category_metrics,
)
item(
    "p1_2_2__strength_weakness",
    "練習 2.2",
    {"scorecard": series(min_len=5), "strength_category": CATEGORY, "weakness_category": CATEGORY},
    _strength_weakness,
)
item(
    "p1_2_2__position_map",
    "練習 2.3",
    {
        "quadrants": dict_of(one_of(list(POSITIONS), describe="明星、金牛、問題兒童、落水狗")),
        "marketing_target": CATEGORY,
    },
    _position_map,
)
item("p1_2_3__swot_sorting", "練習 3.1（SWOT 看板）", {"board": SAVED_BOARD}, _swot_sorting)
item("p1_2_3__tows_strategy", "練習 3.1（TOWS 策略）", {"strategy": SAVED_STRATEGY}, _tows_strategy)
item(
    "p1_2_3__rival_benchmark",
    "練習 3.2",
    {
        "marketing_target": CATEGORY,
        "rival_table": table("market_share", "price_index", "quality_rating", "delivery_days", min_rows=2),
    },
    _rival_benchmark,
)
item(
    "p1_2_4__target_segment",
    "練習 4.1",
    {
        "marketing_target": CATEGORY,
        "segment_lean": table("gender", "age_bracket", "buyers", "target_share", "lean", min_rows=2),
        "target_segment": SEGMENT,
    },
    _target_segment,
)
item(
    "p1_2_4__preferences",
    "練習 4.2",
    {
        "marketing_target": CATEGORY,
        "target_segment": SEGMENT,
        "preferences": dict_of(text(), keys=["channel", "content", "need", "peak_hours", "price_band"]),
    },
    _preferences,
)
item(
    "p1_2_4__prospects",
    "練習 4.3",
    {"marketing_target": CATEGORY, "target_segment": SEGMENT, "prospects": list_of(text(), max_len=20_000)},
    _prospects,
)
