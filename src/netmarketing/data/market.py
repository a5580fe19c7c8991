"""Generate the market-side tables: market size, competitors, PEST, resources, O2O events.

The market size follows the MOEA figures in ``catalog.MARKET_REVENUE_YI``,
split by category shares. Our own revenue per category comes from the core
orders, so that a learner's market share (our revenue / market size) agrees
with what the orders say.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

YI = 100_000_000  # 1 億 NT$

# Share of 電子購物及郵購業 revenue per category in 2019 (assumption) and yearly log drift.
CATEGORY_MARKET_SHARE = {
    "beauty": 0.115,
    "health_food": 0.075,
    "home": 0.14,
    "accessories_3c": 0.19,
    "apparel": 0.16,
}
CATEGORY_SHARE_DRIFT = {
    "beauty": 0.012,
    "health_food": 0.035,
    "home": 0.005,
    "accessories_3c": -0.012,
    "apparel": -0.018,
}
MARKET_YEARS = list(range(2019, 2027))
COMPETITOR_YEARS = [2024, 2025]  # full years of history only; 2026 is partial
OTHER_CATEGORY = "other"

# Factor competitor revenue / our revenue, by our position in the category.
COMPETITOR_FACTOR = {"strength": (0.30, 0.80), "weakness": (1.8, 3.2), "normal": (0.6, 2.2)}

# PEST indicators: (factor, indicator, period, value, unit, note, source). Every row names its
# source (agency or law and date); rows from secondary reports are marked 「弱來源」 in the note.
PDPA = "個人資料保護法（2023-05-31 修正公布；全國法規資料庫 law.moj.gov.tw）"
PEST_ROWS = [
    (
        "P",
        "個資法：行銷利用超出蒐集之特定目的（§20 I）之罰鍰上限（§47，並令限期改正）",
        "2023",
        500_000,
        "新臺幣元",
        "下限 5 萬元；屆期未改正按次處罰",
        f"{PDPA} §47",
    ),
    (
        "P",
        "個資法：當事人拒絕後未停止行銷、或首次行銷未提供免費拒絕方式（§20 II–III）之罰鍰上限（§48 I）",
        "2023",
        200_000,
        "新臺幣元",
        "須先經限期改正、屆期未改正才按次處 2 萬–20 萬元",
        f"{PDPA} §48 I",
    ),
    (
        "P",
        "個資法：未採行適當安全措施（§27）情節重大之罰鍰上限（§48 III）",
        "2023",
        15_000_000,
        "新臺幣元",
        "1,500 萬元是資安維護義務的上限，不是行銷利用的罰則",
        f"{PDPA} §48 II–III",
    ),
    (
        "P",
        "個資法修正：個資外洩通知當事人與通報主管機關；非公務機關違反通報規定之罰鍰上限",
        "2025",
        200_000,
        "新臺幣元",
        "2025-10-17 立法院三讀；主管機關為個人資料保護委員會；施行日期由行政院定之",
        "立法院三讀（聯合報 udn.com/news/story/7314/9077132、自由時報 2025-10-17）",
    ),
    (
        "P",
        "食安法：食品宣稱醫療效能（§28 II）之罰鍰上限",
        "2023",
        5_000_000,
        "新臺幣元",
        "下限 60 萬元（§45）",
        "食品安全衛生管理法 §28 II、§45；高雄市政府衛生局 2023-01-10 說明",
    ),
    (
        "P",
        "消保法：通訊交易猶豫期（收受商品後得無條件解除契約）",
        "2025",
        7,
        "日",
        "§19 I",
        "消費者保護法 §19",
    ),
    ("E", "電子購物及郵購業營業額", "2024", 4_668, "億元", "年增 3.0 %", "經濟部統計處（課程研究筆記）"),
    (
        "E",
        "電子購物及郵購業營業額年增率",
        "2025",
        3.4,
        "%",
        "成長趨緩的新常態",
        "經濟部統計處（聯合報 2026-02-21）",
    ),
    (
        "E",
        "零售業網路銷售額",
        "2025",
        6_716,
        "億元",
        "電子購物業占 61.9 %，實體零售業網路銷售占 30.9 %",
        "經濟部統計處（聯合報 2026-02-21）",
    ),
    (
        "E",
        "受僱員工全年總薪資中位數",
        "2024",
        54.6,
        "萬元",
        "D1 33 萬、D9 133.6 萬；新竹市、新竹縣、臺北市最高",
        "行政院主計總處（自由時報 2025-11-25）",
    ),
    (
        "E",
        "每月最低工資",
        "2025",
        28_590,
        "新臺幣元",
        "2026-01-01 起調為 29,500 元（影響人力成本）",
        "勞動部公告（中央社 2025-10-21）",
    ),
    (
        "S",
        "12 歲以上個人上網率",
        "2025",
        90.3,
        "%",
        "家戶連網率 93.4 %",
        "數位發展部 114 年數位近用調查（2026-01-14 報導）",
    ),
    (
        "S",
        "70 歲以上上網率",
        "2025",
        53.8,
        "%",
        "2024 年為 50.2 %；高齡上網持續增加",
        "TWNIC 2025 台灣網路報告（2025-12-17）",
    ),
    (
        "S",
        "65 歲以上人口占總人口比率",
        "2025",
        20.06,
        "%",
        "正式進入超高齡社會；臺北市 24.18 % 最高",
        "內政部戶口統計（2026-01-09）",
    ),
    (
        "S",
        "消費旺季：2021 年 11 月電商營業額較 10 月成長",
        "2021",
        47.2,
        "%",
        "雙11＋週年慶",
        "經濟部統計處（課程研究筆記；弱來源）",
    ),
    (
        "T",
        "已使用生成式 AI 的民眾比率",
        "2025",
        40.0,
        "%",
        "報告稱「逾四成」，取下限",
        "TWNIC 2025 台灣網路報告（2025-12-17）",
    ),
    ("T", "行動支付使用率", "2025", 51.0, "%", "未在原始報告核對", "數位發展部調查（課程研究筆記；弱來源）"),
    (
        "T",
        "Universal Analytics 停止處理資料（全面改用 GA4）",
        "2023",
        2023,
        "年",
        "2023-07-01 起停止處理標準版資源",
        "Google Analytics 說明中心",
    ),
]
# The market the company competes in (the base of its market share): Taiwan's online 「生活選物」
# shops of independent brands, per category. A course estimate (not an official statistic): about
# 3-6 % of the category's online sales, sized so that the company holds a few per cent of it.
MARKET_DEFINITION = (
    "臺灣網路通路的品牌選物電商（獨立品牌官網與電商平台旗艦店，客單價約 NT$500–3,000），"
    "依品類估計；課程假設值，非官方統計"
)
OUR_SHARE = (0.015, 0.05)  # our share of the niche market per category in 2024
STRENGTH_SHARE_LEAD = (1.3, 1.6)  # our share in the strength category against our best other category
MARKET_GROWTH = {"strength": (0.05, 0.09), "weakness": (-0.01, 0.03), "normal": (0.01, 0.06)}

# O2O pop-up store venues (city, venue).
O2O_VENUES = [
    ("臺北市", "華山文創市集攤位"),
    ("臺北市", "信義商圈快閃攤位"),
    ("新北市", "板橋車站快閃櫃"),
    ("臺中市", "勤美草悟道市集攤位"),
    ("高雄市", "駁二藝術特區市集攤位"),
    ("桃園市", "桃園站前百貨快閃櫃"),
    ("臺南市", "藍晒圖文創市集攤位"),
    ("新竹市", "巨城購物中心快閃櫃"),
]
O2O_CAMPAIGN = "popup_store"
O2O_ATTRIBUTION_DAYS = 7  # sessions and orders up to a week after the event count for it


def sales_lines(core: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Join order items to their order's year and status and their product's category."""
    orders, items, products = core["orders"], core["order_items"], core["products"]
    order_pos = pd.Index(orders["order_id"]).get_indexer(items["order_id"])
    product_pos = pd.Index(products["sku"]).get_indexer(items["sku"])
    ok = (order_pos >= 0) & (product_pos >= 0)
    order_pos, product_pos = order_pos[ok], product_pos[ok]
    return pd.DataFrame(
        {
            "year": orders["order_ts"].dt.year.to_numpy()[order_pos],
            "completed": (orders["status"] == "completed").to_numpy()[order_pos],
            "category": pd.Categorical(
                products["category"].astype(str).to_numpy()[product_pos], categories=list(catalog.CATEGORIES)
            ),
            "item_revenue": items["item_revenue"].to_numpy()[ok],
            "quantity": items["quantity"].to_numpy()[ok],
            "value": (items["unit_price"] * items["quantity"]).to_numpy()[ok],
        }
    )


def our_revenue_by_year_category(lines: pd.DataFrame) -> pd.DataFrame:
    """Sum our net item revenue by year and category from the sales lines.

    Only completed orders count (cancelled and returned orders are not sales).
    Returns a frame indexed by year with one column per category (NT$, int64).
    """
    lines = lines[lines["completed"]]
    table = lines.groupby(["year", "category"], observed=False)["item_revenue"].sum().unstack()
    return table.reindex(columns=list(catalog.CATEGORIES)).fillna(0).astype("int64")


def _our_avg_price(lines: pd.DataFrame) -> pd.DataFrame:
    """Return the quantity-weighted average list price by year and category (all orders)."""
    grouped = lines.groupby(["year", "category"], observed=False)[["value", "quantity"]].sum()
    price = grouped["value"] / grouped["quantity"].replace(0, np.nan)
    return price.unstack().reindex(columns=list(catalog.CATEGORIES))


def make_market_size(
    our_revenue: pd.DataFrame,
    *,
    strength_category: str | None = None,
    weakness_category: str | None = None,
    rng=None,
) -> tuple[pd.DataFrame, dict[int, dict[str, float]]]:
    """Generate the category market size by year for the company's market definition.

    ``market_revenue`` is the niche market of :data:`MARKET_DEFINITION` (the base of market share):
    sized from our 2024 revenue and a drawn share, moved over the years like the MOEA total of
    電子購物及郵購業 (``catalog.MARKET_REVENUE_YI``) plus a category drift, so that 2025 growth is
    the drawn market growth of the category (fastest in the strength category, slowest in the
    weakness category). ``ecommerce_revenue`` is the category's share of the whole MOEA figure,
    for context.

    Returns
    -------
    market_size : year, category, market_revenue, growth, ecommerce_revenue, is_estimate.
    market : {year: {category: market_revenue}} for the competitor table.
    """
    rng = np.random.default_rng(rng)
    categories = list(catalog.CATEGORIES)
    totals = {year: value * YI for year, value in catalog.MARKET_REVENUE_YI.items()}
    for year in MARKET_YEARS:
        if year not in totals:  # estimate beyond the published figures
            totals[year] = totals[year - 1] * (1 + rng.uniform(0.025, 0.045))
    share = {c: rng.uniform(*OUR_SHARE) for c in categories}
    if strength_category in categories:
        best_other = max(v for c, v in share.items() if c != strength_category)
        share[strength_category] = best_other * rng.uniform(*STRENGTH_SHARE_LEAD)
    growth = {}
    for c in categories:
        position = (
            "strength" if c == strength_category else "weakness" if c == weakness_category else "normal"
        )
        growth[c] = rng.uniform(*MARKET_GROWTH[position])
    ref = 2024
    moe_growth_2025 = totals[2025] / totals[2024]
    market = {year: {} for year in MARKET_YEARS}
    for c in categories:
        ours = float(our_revenue.loc[ref, c]) if ref in our_revenue.index else 0.0
        base = (ours if ours > 0 else 1_000_000.0) / share[c]
        drift = np.log((1 + growth[c]) / moe_growth_2025)
        for year in MARKET_YEARS:
            noise = 1.0 if year in (2024, 2025) else rng.lognormal(0, 0.02)
            market[year][c] = base * totals[year] / totals[ref] * np.exp(drift * (year - ref)) * noise
    eshare = np.array([CATEGORY_MARKET_SHARE[c] for c in categories])
    edrift = np.array([CATEGORY_SHARE_DRIFT[c] for c in categories])
    rows = []
    for i, year in enumerate(MARKET_YEARS):
        eco = eshare * np.exp(edrift * i)
        for j, c in enumerate(categories):
            rows.append((year, c, round(market[year][c]), round(eco[j] * totals[year])))
    table = pd.DataFrame(rows, columns=["year", "category", "market_revenue", "ecommerce_revenue"])
    for col in ("market_revenue", "ecommerce_revenue"):
        table[col] = table[col].astype("int64")
    table["growth"] = table.groupby("category")["market_revenue"].pct_change()
    table["category"] = pd.Categorical(table["category"], categories=categories)
    table["is_estimate"] = table["year"] > max(catalog.MARKET_REVENUE_YI)
    return table[["year", "category", "market_revenue", "growth", "ecommerce_revenue", "is_estimate"]], market


def make_competitors(
    lines: pd.DataFrame,
    our_revenue: pd.DataFrame,
    market: dict[int, dict[str, float]],
    *,
    strength_category: str | None = None,
    weakness_category: str | None = None,
    rng=None,
) -> pd.DataFrame:
    """Generate competitor revenue, share, price and service figures by year and category.

    Our row per (year, category) uses our revenue from the orders; competitors
    are sized relative to us: smaller in the strength category, larger in the
    weakness category.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines from :func:`sales_lines` (for our average price).
    our_revenue : pandas.DataFrame
        From :func:`our_revenue_by_year_category`.
    market : dict
        {year: {category: market revenue}} from :func:`make_market_size`.
    strength_category, weakness_category : str, optional
        The core's planted strength and weakness.
    rng : int or numpy.random.Generator, optional
        Seed or generator.
    """
    rng = np.random.default_rng(rng)
    categories = list(catalog.CATEGORIES)
    companies = [catalog.COMPANY["brand_zh"], *catalog.COMPETITORS]
    our_price = _our_avg_price(lines)
    fallback_price = {c: float(np.mean(catalog.CATEGORIES[c]["price"])) for c in categories}
    company_size = rng.lognormal(0, 0.25, len(catalog.COMPETITORS))
    company_quality = rng.uniform(3.3, 4.5, len(catalog.COMPETITORS))
    company_delivery = rng.uniform(1.5, 4.0, len(catalog.COMPETITORS))
    our_quality, our_delivery = rng.uniform(3.8, 4.4), rng.uniform(1.3, 2.6)
    # Each competitor's size per category is fixed in the first year; later years follow the market.
    first = COMPETITOR_YEARS[0]
    factor = {}
    for category in categories:
        position = (
            "strength"
            if category == strength_category
            else "weakness"
            if category == weakness_category
            else "normal"
        )
        low, high = COMPETITOR_FACTOR[position]
        factor[category] = rng.uniform(low, high, len(catalog.COMPETITORS)) * company_size
    rows = []
    for year in COMPETITOR_YEARS:
        for category in categories:
            ours = int(our_revenue.loc[year, category]) if year in our_revenue.index else 0
            ours_first = int(our_revenue.loc[first, category]) if first in our_revenue.index else ours
            reference = ours_first if ours_first > 0 else int(our_revenue.to_numpy().mean() or 1_000_000)
            market_growth = market[year][category] / market[first][category]
            competitor_revenue = (
                reference
                * factor[category]
                * market_growth
                * rng.lognormal(0, 0.03, len(catalog.COMPETITORS))
            )
            if category == strength_category:  # keep us the leader there whatever the company size
                competitor_revenue = np.minimum(competitor_revenue, 0.9 * max(ours, 1))
            price_ours = our_price.loc[year, category] if year in our_price.index else np.nan
            if not np.isfinite(price_ours):
                price_ours = fallback_price[category]
            prices = np.concatenate(
                [[price_ours], price_ours * rng.uniform(0.8, 1.25, len(catalog.COMPETITORS))]
            )
            revenues = np.concatenate([[ours], np.round(competitor_revenue)]).astype("int64")
            quality = np.concatenate([[our_quality], company_quality]) + rng.normal(0, 0.15, len(companies))
            delivery = np.concatenate([[our_delivery], company_delivery]) + rng.normal(0, 0.2, len(companies))
            for k, company in enumerate(companies):
                rows.append(
                    (
                        year,
                        category,
                        company,
                        revenues[k],
                        revenues[k] / market[year][category],
                        round(prices[k]),
                        round(float(prices[k] / prices.mean() * 100), 1),
                        round(float(np.clip(quality[k], 1, 5)), 1),
                        round(float(max(delivery[k], 0.5)), 1),
                    )
                )
    table = pd.DataFrame(
        rows,
        columns=[
            "year",
            "category",
            "company",
            "revenue",
            "market_share",
            "avg_price",
            "price_index",
            "quality_rating",
            "delivery_days",
        ],
    )
    table["category"] = pd.Categorical(table["category"], categories=categories)
    table["revenue"] = table["revenue"].astype("int64")
    table["avg_price"] = table["avg_price"].astype("int64")
    return table


def make_pest_indicators() -> pd.DataFrame:
    """Return the PEST indicator table (published facts with their sources, the same in every world)."""
    table = pd.DataFrame(
        PEST_ROWS, columns=["factor", "indicator", "period", "value", "unit", "note", "source"]
    )
    table["value"] = table["value"].astype("float64")
    return table[["period", "factor", "indicator", "value", "unit", "note", "source"]]


# Marketing and service team: (role, share of the team's hours, hourly cost range NT$). Hourly cost =
# monthly pay x 14 months x 1.2 (labour and health insurance, pension) / 1,800 hours; pay levels for
# Taipei-area e-commerce roles (course assumption, checked against 主計總處's 2024 median total pay of
# 54.6萬). The team's size follows the company's revenue: about one full-time person per NT$5-6.5 M.
STAFF = [
    ("行銷企劃（含主管）", 0.32, (420, 560), "負責年度行銷計畫、檔期活動與預算"),
    ("平面／影音設計", 0.16, (330, 420), "商品圖、廣告素材與短影音"),
    ("數據分析", 0.14, (450, 600), "負責 GA4、廣告報表與會員分析"),
    ("客服", 0.38, (250, 310), "LINE、電子郵件與電話客服"),
]
HOURS_PER_PERSON = 1_800
REVENUE_PER_FTE = (5_000_000, 6_500_000)


def make_resources(spend_by_channel: dict[str, float], annual_revenue: float, *, rng=None) -> pd.DataFrame:
    """Generate the internal resources inventory (註2: 財務、人力、材料、設備) of a company of this size.

    Parameters
    ----------
    spend_by_channel : last full year's actual marketing spend per channel (NT$); the 2027 caps sit
        near it, so budget and results tell one story.
    annual_revenue : last full year's revenue (NT$); the team and its cost fit a company of that size.
    rng : int or numpy.random.Generator, optional
        Seed or generator.
    """
    rng = np.random.default_rng(rng)
    total = float(sum(spend_by_channel.values()))
    budget_cap = int(round(total * rng.uniform(1.0, 1.15), -4))
    digital = sum(
        spend_by_channel.get(c, 0.0) for c in ("Paid Search", "Paid Shopping", "Paid Social", "Display")
    )
    marketplace = spend_by_channel.get("Marketplace ads", 0.0)
    kol = spend_by_channel.get("Affiliates", 0.0)
    o2o = spend_by_channel.get("O2O/Offline", 0.0)
    post_cost = int(round(rng.uniform(8_000, 25_000), -3))
    event_cost = int(round(rng.uniform(45_000, 90_000), -3))
    rows = [
        (
            "財務",
            "2027 年度行銷預算上限",
            1,
            "年",
            budget_cap,
            np.nan,
            f"含廣告、電商平台廣告、CRM、O2O 與製作費；約為年營收的 {budget_cap / max(annual_revenue, 1):.0%}",
        ),
        (
            "財務",
            "數位廣告預算上限（搜尋＋購物＋社群＋多媒體）",
            1,
            "年",
            int(round(digital * rng.uniform(1.0, 1.2), -4)),
            np.nan,
            "單月花費不得超過年度上限的 20%",
        ),
        (
            "財務",
            "電商平台廣告預算上限（momo、蝦皮、PChome 站內廣告）",
            1,
            "年",
            int(round(marketplace * rng.uniform(1.0, 1.1), -4)),
            np.nan,
            "依各平台站內廣告報表結算",
        ),
        (
            "財務",
            "KOL／聯盟行銷預算",
            1,
            "年",
            int(round(max(kol * rng.uniform(1.0, 1.3), 2 * post_cost), -4)),
            np.nan,
            "合作內容須揭露「廣告／合作」",
        ),
        (
            "財務",
            "O2O 市集／快閃活動預算",
            1,
            "年",
            int(round(max(o2o * rng.uniform(0.9, 1.2), 2 * event_cost), -4)),
            np.nan,
            "每場活動含攤位租金、人力與物料",
        ),
    ]
    fte = max(annual_revenue, 3_000_000) / rng.uniform(*REVENUE_PER_FTE)
    for role, share, (c_lo, c_hi), note in STAFF:
        hours = int(round(fte * share * rng.uniform(0.85, 1.15) * HOURS_PER_PERSON, -2))
        people = max(int(np.ceil(hours / HOURS_PER_PERSON)), 1)
        part = "（含部分工時）" if hours < people * HOURS_PER_PERSON * 0.9 else ""
        rows.append(
            (
                "人力",
                role,
                people,
                "人",
                hours,
                int(rng.integers(c_lo, c_hi + 1)),
                f"{note}{part}；annual_cap＝可用工時（小時），cost_per_unit＝每小時人事成本（元）",
            )
        )
    rows += [
        (
            "人力",
            "KOL 合作貼文（微型網紅，1–5 萬追蹤）",
            int(rng.integers(6, 16)),
            "則",
            int(rng.integers(6, 16)),
            post_cost,
            "annual_cap＝年度可合作則數，cost_per_unit＝每則費用（元）",
        ),
        (
            "材料",
            "KOL 試用樣品",
            int(rng.integers(80, 250)),
            "組",
            int(rng.integers(150, 400)),
            int(rng.integers(250, 600)),
            "annual_cap＝年度可用組數",
        ),
        (
            "材料",
            "節慶禮盒包材",
            int(rng.integers(1_000, 3_000)),
            "個",
            int(rng.integers(3_000, 8_000)),
            int(rng.integers(25, 60)),
            "中秋、週年慶、雙11 使用",
        ),
        (
            "材料",
            "市集攤位展示道具",
            int(rng.integers(2, 4)),
            "套",
            int(rng.integers(4, 10)),
            event_cost // 10,
            f"annual_cap＝年度可支援場次；一場快閃活動約 NT${event_cost:,}（攤位、人力、物料）",
        ),
        (
            "設備",
            "商品攝影棚",
            1,
            "間",
            int(rng.integers(150, 260)),
            int(rng.integers(1_500, 3_000)),
            "annual_cap＝年度可用天數，cost_per_unit＝每日成本",
        ),
        ("設備", "Google Analytics 4", 1, "資源", 1, 0, "免費版；資料保留期設定請檢查"),
        ("設備", "Looker Studio", 1, "帳號", 1, 0, "免費報表工具"),
        (
            "設備",
            "LINE 官方帳號（中用量方案）",
            1,
            "帳號",
            12,
            800,
            "每月固定則數，超過另計；價格以官方公告為準",
        ),
        ("設備", "電子報發送平台", 1, "帳號", 12, int(rng.integers(3_000, 8_000)), "依名單數計費（每月）"),
        (
            "設備",
            "會員 CRM 系統",
            1,
            "套",
            12,
            int(rng.integers(15_000, 30_000)),
            "會員標籤、分眾與自動化旅程",
        ),
    ]
    table = pd.DataFrame(
        rows, columns=["resource_type", "item", "quantity", "unit", "annual_cap", "cost_per_unit", "notes"]
    )
    table["annual_cap"] = table["annual_cap"].astype("int64")
    table["cost_per_unit"] = table["cost_per_unit"].astype("float64")
    return table


def _o2o_session_days(core: dict[str, pd.DataFrame]) -> pd.Series:
    """Count GA4 sessions tagged with the O2O campaign per local day."""
    events = core.get("ga4_events")
    if events is None or events.empty:
        return pd.Series(dtype="int64")
    tagged = events.loc[(events["campaign"] == O2O_CAMPAIGN).to_numpy()]  # rare: filter it first
    tagged = tagged[tagged["event_name"] == "session_start"]
    keys = [c for c in ("user_pseudo_id", "event_timestamp", "event_name") if c in tagged]
    if keys:  # the export may hold duplicate events
        tagged = tagged.drop_duplicates(subset=keys)
    days = pd.to_datetime(tagged["event_date"], format="%Y%m%d")
    return days.value_counts().sort_index()


def make_o2o_events(core: dict[str, pd.DataFrame], *, months: pd.PeriodIndex, rng=None) -> pd.DataFrame:
    """Generate O2O pop-up events with QR-code traffic, joined to GA4 and orders.

    Events are placed where GA4 ``popup_store`` sessions cluster when the
    events export has them (else at random weekends). Sessions and orders count
    the tagged sessions and orders from the event start to seven days after it ends.
    Each event's cost is built bottom-up: booth rent per day, two staff per day and materials.
    """
    rng = np.random.default_rng(rng)
    n_events = int(rng.integers(6, 10))
    first, last = months[0].start_time, months[-1].end_time.normalize()
    per_day = _o2o_session_days(core)
    starts: list[pd.Timestamp] = []
    if per_day.sum() >= 3 * n_events:
        window = per_day.reindex(pd.date_range(first, last, freq="D"), fill_value=0).rolling(3).sum()
        for day, _ in window.sort_values(ascending=False).items():
            start = day - pd.Timedelta(days=2)
            if all(abs((start - s).days) > 21 for s in starts):
                starts.append(start)
            if len(starts) == n_events:
                break
    while len(starts) < n_events:  # random Fridays, kept apart by three weeks
        day = first + pd.Timedelta(days=int(rng.integers(0, (last - first).days - 10)))
        day = day + pd.Timedelta(days=(4 - day.day_of_week) % 7)
        if all(abs((day - s).days) > 21 for s in starts):
            starts.append(day)
    starts = sorted(starts)
    durations = rng.integers(2, 6, n_events)
    venue_idx = rng.integers(0, len(O2O_VENUES), n_events)

    orders = core["orders"]
    tagged = orders.loc[orders["campaign"] == O2O_CAMPAIGN, ["order_ts", "revenue"]]
    order_days = tagged["order_ts"].dt.tz_localize(None).dt.normalize()
    rows = []
    for k, start in enumerate(starts):
        end = start + pd.Timedelta(days=int(durations[k]) - 1)
        stop = end + pd.Timedelta(days=O2O_ATTRIBUTION_DAYS)
        sessions = int(per_day[(per_day.index >= start) & (per_day.index <= stop)].sum())
        in_window = (order_days >= start) & (order_days <= stop)
        n_orders, revenue = int(in_window.sum()), int(tagged.loc[in_window.to_numpy(), "revenue"].sum())
        if sessions == 0:  # no GA4 tagging found: synthesise plausible traffic
            sessions = int(rng.integers(150, 900))
            n_orders = int(rng.binomial(sessions, 0.03))
            revenue = int(n_orders * rng.uniform(900, 1_600))
        qr_scans = round(sessions / rng.uniform(0.72, 0.9))
        city, venue = O2O_VENUES[venue_idx[k]]
        # Booth NT$3-12k a day (市集 to department-store pop-up), two staff at NT$1,800 a day, materials.
        days_k = int(durations[k])
        cost = int(round(days_k * (rng.uniform(3_000, 12_000) + 2 * 1_800) + rng.uniform(8_000, 25_000), -2))
        rows.append(
            (
                f"O2O-{start:%Y%m%d}",
                f"{catalog.COMPANY['brand_zh']} {venue}",
                city,
                start.date(),
                end.date(),
                cost,
                qr_scans,
                sessions,
                n_orders,
                revenue,
                O2O_CAMPAIGN,
            )
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "name",
            "city",
            "start_date",
            "end_date",
            "cost",
            "qr_scans",
            "sessions",
            "orders",
            "revenue",
            "utm_campaign",
        ],
    )
    table["start_date"] = pd.to_datetime(table["start_date"]).astype("datetime64[us]")
    table["end_date"] = pd.to_datetime(table["end_date"]).astype("datetime64[us]")
    for column in ["cost", "qr_scans", "sessions", "orders", "revenue"]:
        table[column] = table[column].astype("int64")
    return table
