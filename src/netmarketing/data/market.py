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

# PEST indicators: (factor, indicator, period, value, unit, note). Figures from the
# research notes where we have them; the rest are marked as approximate or assumptions.
PEST_ROWS = [
    (
        "P",
        "個資法第48條罰鍰上限（違反行銷利用規定，情節重大）",
        "2023",
        15_000_000,
        "新臺幣元",
        "2023年修正；引用前請查證官方條文（law.moj.gov.tw）",
    ),
    (
        "P",
        "食安法第45條：食品宣稱醫療效能廣告罰鍰上限",
        "2025",
        5_000_000,
        "新臺幣元",
        "違反第28條第2項；引用前請查證官方條文",
    ),
    ("P", "消保法第19條通訊交易猶豫期", "2025", 7, "日", "收受商品後7日內得解除契約"),
    ("P", "化粧品衛生安全管理法第10條：化粧品不得宣稱醫療效能", "2025", 1, "條", "違規廣告須下架並處罰鍰"),
    ("E", "電子購物及郵購業營業額", "2024", 4_668, "億元", "經濟部統計；年增3.0%"),
    ("E", "電子購物及郵購業營業額年增率", "2025", 3.4, "%", "經濟部統計（初估）"),
    ("E", "網路零售銷售額", "2025", 6_716, "億元", "純網路業者占61.9%，實體業者網路銷售占30.9%"),
    ("E", "網路銷售占零售業比重", "2025", 13.9, "%", "經濟部統計"),
    ("E", "每月基本工資", "2025", 28_590, "新臺幣元", "勞動部公告；影響人力成本"),
    ("E", "消費者物價指數年增率", "2024", 2.2, "%", "約略值，引用前請查證主計總處資料"),
    ("S", "上網率", "2025", 90.3, "%", "數位發展部調查"),
    ("S", "過去一年曾網購比率", "2025", 69.3, "%", "數位發展部調查"),
    ("S", "65歲以上人口占比", "2025", 20.0, "%", "約略值：臺灣進入超高齡社會"),
    (
        "S",
        "消費旺季：雙11＋週年慶（11月營收較10月成長）",
        "2021",
        47.2,
        "%",
        "經濟部統計：2021年11月電商營收較10月",
    ),
    ("T", "行動支付使用率", "2025", 51.0, "%", "數位發展部調查"),
    ("T", "電子商務信用卡簽帳金額", "2024", 1.8, "兆元", "聯合信用卡中心，約略值"),
    (
        "T",
        "Universal Analytics 停止處理資料（全面改用 GA4）",
        "2023",
        2023,
        "年",
        "7月1日起停止處理標準版資源",
    ),
    ("T", "本公司網站流量行動裝置占比", "2026", 72.0, "%", "假設值：取自本公司 GA4 裝置分布"),
]

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
    our_revenue: pd.DataFrame, *, strength_category: str | None = None, rng=None
) -> tuple[pd.DataFrame, dict[int, dict[str, float]]]:
    """Generate the category market size by year, calibrated to the MOEA totals.

    The strength category's market is sized so that our share there stays the
    highest of our categories (by at least 25 %) in every competitor year.

    Returns
    -------
    market_size : pandas.DataFrame
        year, category, market_revenue (NT$, int64), growth (year-on-year, fraction).
    market : dict
        {year: {category: market_revenue}} for the competitor table.
    """
    rng = np.random.default_rng(rng)
    categories = list(catalog.CATEGORIES)
    totals = {year: value * YI for year, value in catalog.MARKET_REVENUE_YI.items()}
    for year in MARKET_YEARS:
        if year not in totals:  # estimate beyond the published figures
            totals[year] = totals[year - 1] * (1 + rng.uniform(0.025, 0.045))

    base = np.array([CATEGORY_MARKET_SHARE[c] for c in categories])
    drift = np.array([CATEGORY_SHARE_DRIFT[c] for c in categories])
    offsets = np.arange(len(MARKET_YEARS))[:, None]
    shares = base * np.exp(drift * offsets + rng.normal(0, 0.02, (len(MARKET_YEARS), len(categories))))
    market = {
        year: {c: float(shares[i, j] * totals[year]) for j, c in enumerate(categories)}
        for i, year in enumerate(MARKET_YEARS)
    }

    if strength_category in categories:
        # Shrink the strength category's market in every year by one factor (growth stays smooth)
        # so that our share there beats our best other category by 25 % in the competitor years.
        factor = 1.0
        for year in COMPETITOR_YEARS:
            if year not in our_revenue.index or our_revenue.loc[year, strength_category] <= 0:
                continue
            ratio = {c: our_revenue.loc[year, c] / market[year][c] for c in categories}
            best_other = max(v for c, v in ratio.items() if c != strength_category)
            factor = min(factor, ratio[strength_category] / (1.25 * best_other))
        for year in MARKET_YEARS:
            market[year][strength_category] *= factor

    rows = []
    for year in MARKET_YEARS:
        rest = totals[year] - sum(market[year].values())
        for category, value in [*market[year].items(), (OTHER_CATEGORY, rest)]:
            rows.append((year, category, round(value)))
    table = pd.DataFrame(rows, columns=["year", "category", "market_revenue"])
    table["market_revenue"] = table["market_revenue"].astype("int64")
    table["growth"] = table.groupby("category")["market_revenue"].pct_change()
    table["category"] = pd.Categorical(table["category"], categories=[*categories, OTHER_CATEGORY])
    table["is_estimate"] = table["year"] > max(catalog.MARKET_REVENUE_YI)
    return table, market


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
    rows = []
    for year in COMPETITOR_YEARS:
        for category in categories:
            position = (
                "strength"
                if category == strength_category
                else "weakness"
                if category == weakness_category
                else "normal"
            )
            ours = int(our_revenue.loc[year, category]) if year in our_revenue.index else 0
            reference = ours if ours > 0 else int(our_revenue.to_numpy().mean() or 1_000_000)
            low, high = COMPETITOR_FACTOR[position]
            competitor_revenue = reference * rng.uniform(low, high, len(catalog.COMPETITORS)) * company_size
            if position == "strength":  # keep us the leader there whatever the company size
                competitor_revenue = np.minimum(competitor_revenue, 0.9 * reference)
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
    """Return the PEST indicator table (fixed facts, the same in every world)."""
    table = pd.DataFrame(PEST_ROWS, columns=["factor", "indicator", "period", "value", "unit", "note"])
    table["value"] = table["value"].astype("float64")
    return table[["period", "factor", "indicator", "value", "unit", "note"]]


def make_resources(annual_budget: float, *, rng=None) -> pd.DataFrame:
    """Generate the internal resources inventory (註2: 財務、人力、材料、設備).

    Parameters
    ----------
    annual_budget : float
        Last full year's actual marketing spend (NT$); the 2027 cap is set near it.
    rng : int or numpy.random.Generator, optional
        Seed or generator.
    """
    rng = np.random.default_rng(rng)
    budget_cap = int(round(annual_budget * rng.uniform(0.95, 1.15), -5))
    planners, designers, analysts, service = (
        int(rng.integers(a, b)) for a, b in [(2, 5), (1, 3), (1, 3), (3, 7)]
    )
    rows = [
        (
            "財務",
            "2027 年度行銷預算上限",
            1,
            "年",
            budget_cap,
            np.nan,
            "含廣告、CRM、O2O 與製作費；超過須經董事會核准",
        ),
        (
            "財務",
            "數位廣告預算上限（搜尋＋社群＋多媒體）",
            1,
            "年",
            int(round(budget_cap * 0.62, -4)),
            np.nan,
            "單月花費不得超過年度上限的20%",
        ),
        (
            "財務",
            "KOL／聯盟行銷預算",
            1,
            "年",
            int(round(budget_cap * rng.uniform(0.06, 0.12), -4)),
            np.nan,
            "合作內容須揭露「廣告／合作」",
        ),
        (
            "財務",
            "O2O 市集／快閃活動預算",
            1,
            "年",
            int(round(budget_cap * rng.uniform(0.05, 0.1), -4)),
            np.nan,
            "每場活動含場租、人力與物料",
        ),
        (
            "人力",
            "行銷企劃",
            planners,
            "人",
            planners * 1_800,
            int(rng.integers(480, 620)),
            "annual_cap＝可用工時（小時），cost_per_unit＝每小時人事成本（元）",
        ),
        ("人力", "平面／影音設計", designers, "人", designers * 1_800, int(rng.integers(420, 560)), "同上"),
        (
            "人力",
            "數據分析",
            analysts,
            "人",
            analysts * 1_800,
            int(rng.integers(560, 720)),
            "負責 GA4、廣告報表與會員分析",
        ),
        ("人力", "客服", service, "人", service * 1_900, int(rng.integers(300, 380)), "LINE 與電話客服"),
        (
            "材料",
            "KOL 試用樣品",
            int(rng.integers(150, 400)),
            "組",
            int(rng.integers(400, 900)),
            int(rng.integers(250, 600)),
            "annual_cap＝年度可用組數",
        ),
        (
            "材料",
            "節慶禮盒包材",
            int(rng.integers(2_000, 6_000)),
            "個",
            int(rng.integers(8_000, 20_000)),
            int(rng.integers(25, 60)),
            "中秋、週年慶、雙11 使用",
        ),
        (
            "材料",
            "市集攤位展示道具",
            int(rng.integers(2, 5)),
            "套",
            int(rng.integers(6, 12)),
            int(rng.integers(3_000, 8_000)),
            "annual_cap＝年度可支援場次，cost_per_unit＝每套購置成本",
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


def make_o2o_events(
    core: dict[str, pd.DataFrame], *, months: pd.PeriodIndex, event_budget: float | None = None, rng=None
) -> pd.DataFrame:
    """Generate O2O pop-up events with QR-code traffic, joined to GA4 and orders.

    Events are placed where GA4 ``popup_store`` sessions cluster when the
    events export has them (else at random weekends). Sessions and orders count
    the tagged sessions and orders from the event start to seven days after it ends.
    ``event_budget`` (NT$), when given, is split over the events as their cost,
    so that the events add up with the O2O line of the marketing spend.
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
    cost_weight = rng.uniform(1, 3, n_events) * durations
    cost_weight = cost_weight / cost_weight.sum()

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
        cost = int(round(rng.uniform(60_000, 260_000) * (1 + 0.15 * (durations[k] - 2)), -3))
        if event_budget is not None:
            cost = round(event_budget * cost_weight[k])
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
