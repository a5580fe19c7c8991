"""Build the marketing tables of the synthetic world from its core tables.

Entry point: :func:`make_marketing_tables`. It returns the advertising
reports (Google Ads keywords and search terms, Meta ads), the CRM campaigns,
the marketing spend plan versus actual, the market and competitor tables, the
customer survey, PEST indicators, the resources inventory, O2O events and the
ad-copy compliance set, plus a truth fragment for the grading code.

Money is NT$. Ratios (ctr, conv_rate, market_share, ...) are fractions, not percent.
Monthly tables use ``month`` as a ``"YYYY-MM"`` string (Asia/Taipei calendar).

Planted truths (seed-dependent): the keyword with a runaway cost per
conversion, the irrelevant search terms to add as negatives, the channels
with the best and worst ROAS, e-mail campaigns without an opt-out link, the
survey's segment preferences and the ad-copy compliance labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog
from netmarketing.data.copies import make_ad_copies
from netmarketing.data.market import (
    O2O_CAMPAIGN,
    make_competitors,
    make_market_size,
    make_o2o_events,
    make_pest_indicators,
    make_resources,
    our_revenue_by_year_category,
    sales_lines,
)
from netmarketing.data.search_ads import category_aov, make_search_ads
from netmarketing.data.survey import make_survey_responses

MARKETING_TABLES = [
    "search_keywords",
    "search_terms",
    "social_ads",
    "crm_campaigns",
    "marketing_spend",
    "market_size",
    "competitors",
    "survey_responses",
    "pest_indicators",
    "resources",
    "o2o_events",
    "ad_copies",
]

# Spend channels and how their revenue is found in the orders: (column, values).
# Names follow GA4's default channel groups where one exists.
SPEND_CHANNELS = {
    "Paid Search": ("channel", ("Paid Search",)),
    "Paid Shopping": ("channel", ("Paid Shopping",)),
    "Paid Social": ("channel", ("Paid Social",)),
    "Display": ("channel", ("Display",)),
    "Email": ("channel", ("Email",)),
    "Affiliates": ("channel", ("Affiliates",)),
    "LINE OA": ("campaign", ("line_oa_broadcast",)),
    "O2O/Offline": ("campaign", (O2O_CAMPAIGN,)),
    "Marketplace ads": ("platform", tuple(p for p, v in catalog.PLATFORMS.items() if not v["own"])),
}
# Share of own-platform revenue assumed when the orders carry no revenue for a channel.
FALLBACK_REVENUE_SHARE = {
    "Paid Search": 0.12,
    "Paid Shopping": 0.06,
    "Paid Social": 0.09,
    "Display": 0.02,
    "Email": 0.04,
    "Affiliates": 0.03,
    "LINE OA": 0.05,
    "O2O/Offline": 0.01,
    "Marketplace ads": 0.05,
}
MARKETPLACE_AD_SHARE = (0.15, 0.25)  # share of marketplace revenue the platforms' ad reports claim

# Realistic ROAS (attributed revenue / spend) per channel: owned channels (e-mail, LINE) cost little,
# reach channels (display, social) return little on last click. Marketplace ads: about 2.3-3.5
# (Statista 2023, Shopee by category in Southeast Asia, via 10100.com 2025-12-30: regional, weak).
ROAS_RANGE = {
    "Paid Search": (1.6, 3.0),
    "Paid Shopping": (2.0, 3.8),
    "Paid Social": (1.2, 2.4),
    "Display": (0.7, 1.5),
    "Email": (7.0, 12.0),
    "Affiliates": (3.0, 6.0),
    "LINE OA": (6.0, 11.0),
    "O2O/Offline": (0.9, 2.0),
    "Marketplace ads": (2.3, 3.5),
}
BEST_ROAS_CANDIDATES = ["Email", "LINE OA"]
WORST_ROAS_CANDIDATES = ["Display", "Paid Social", "O2O/Offline"]
LEAD_GAP = (1.12, 1.3)  # best / second best and second worst / worst: clear, yet no gulf

# Platforms claim more than GA4 last click: platform conversion value / GA4 revenue.
GOOGLE_ADS_OVERCLAIM = (1.0, 1.3)
META_OVERCLAIM = (1.3, 1.8)

# CPM pressure by calendar month (November peak: 雙11 + 週年慶).
CPM_SEASON = {
    1: 1.1,
    2: 1.05,
    3: 0.95,
    4: 1.0,
    5: 1.1,
    6: 1.2,
    7: 0.95,
    8: 1.0,
    9: 1.0,
    10: 1.25,
    11: 1.9,
    12: 1.35,
}
# Budget plan: how a year's planned budget is spread over the months (heavier in May, June, November).
PLAN_SEASON = np.array([1.0, 0.85, 0.85, 0.95, 1.15, 1.2, 0.85, 0.9, 1.0, 1.1, 1.45, 1.2])
PACING_BIAS = (0.85, 1.12)  # a channel-year's actual spend against its plan
PAUSED_MONTHS = (1, 3)  # channel-months paused (actual far below plan)

# ---- Meta ----------------------------------------------------------------------------------
META_AD_SETS = [  # campaign, ad_set, spend share, frequency range, ctr factor, purchase rate per link click
    ("fb_prospecting", "興趣受眾_美妝保養", 0.30, (1.1, 1.6), 1.0, 0.012),
    ("fb_prospecting", "類似受眾_購買者1%", 0.30, (1.2, 1.8), 1.05, 0.016),
    ("ig_retargeting", "網站訪客_30天", 0.22, (2.0, 3.5), 1.35, 0.035),
    ("ig_retargeting", "加入購物車未結帳_7天", 0.18, (2.5, 4.5), 1.5, 0.06),
]
META_AGE_WEIGHT = [0.12, 0.30, 0.28, 0.17, 0.09, 0.04]  # catalog.AGE_BRACKETS order
META_GENDERS = {"female": 0.62, "male": 0.34, "unknown": 0.04}
META_PLACEMENTS = [  # publisher_platform, placement, device, spend share, cpm factor, ctr factor
    ("facebook", "feed", "mobile_app", 0.25, 1.1, 1.1),
    ("facebook", "feed", "desktop", 0.06, 1.5, 1.3),
    ("facebook", "facebook_stories", "mobile_app", 0.07, 0.8, 0.7),
    ("facebook", "marketplace", "mobile_app", 0.04, 0.9, 0.9),
    ("instagram", "feed", "mobile_app", 0.22, 1.2, 1.0),
    ("instagram", "instagram_stories", "mobile_app", 0.15, 0.9, 0.6),
    ("instagram", "instagram_reels", "mobile_app", 0.15, 0.75, 0.7),
    ("audience_network", "an_classic", "mobile_app", 0.06, 0.35, 0.5),
]
# Age and gender effects (catalog.AGE_BRACKETS order; female, male, unknown): the young click more
# and cost less to reach, older audiences click less but buy more per click.
META_AGE_CPM = np.array([0.85, 1.0, 1.1, 1.05, 0.95, 0.85])
META_AGE_CTR = np.array([1.2, 1.1, 1.0, 0.9, 0.8, 0.72])
META_AGE_BUY = np.array([0.7, 1.0, 1.15, 1.2, 1.1, 0.95])
META_GENDER_CPM = np.array([1.1, 0.92, 0.85])
META_GENDER_CTR = np.array([1.05, 0.9, 0.8])
META_BASE_CPM = (75.0, 110.0)
META_BASE_CTR = (0.011, 0.015)

# ---- CRM -----------------------------------------------------------------------------------
CRM_SEGMENTS = {  # segment -> (share of the reachable list, conversion factor)
    "全體好友": (1.0, 1.0),
    "全體訂閱者": (1.0, 1.0),
    "VIP會員": (0.08, 3.0),
    "近90天未購買": (0.55, 0.7),
    "生日當月": (1 / 12, 2.0),
    "購物車未結帳": (0.03, 4.0),
    "沉睡會員": (0.35, 0.5),
    "新會員": (0.05, 1.5),
}
LINE_EXTRA_SEGMENTS = ["VIP會員", "近90天未購買", "生日當月", "購物車未結帳"]
EMAIL_EXTRA_SEGMENTS = ["VIP會員", "沉睡會員", "新會員"]
MISSING_OPT_OUT_RANGE = (2, 5)  # e-mail campaigns sent without an opt-out link


def history_months() -> pd.PeriodIndex:
    """Return the months of the world's history (Asia/Taipei calendar)."""
    return pd.period_range(catalog.HISTORY_START, catalog.HISTORY_END, freq="M")


def _month_labels(months: pd.PeriodIndex) -> np.ndarray:
    return np.array([str(m) for m in months], dtype=object)


def _order_month_index(orders: pd.DataFrame, months: pd.PeriodIndex) -> np.ndarray:
    """Map each order to its month position in ``months`` (-1 outside the history)."""
    ts = orders["order_ts"]
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert(catalog.TIMEZONE)
    first = months[0]
    idx = (ts.dt.year.to_numpy() - first.year) * 12 + ts.dt.month.to_numpy() - first.month
    return np.where((idx >= 0) & (idx < len(months)), idx, -1)


def channel_revenue(
    orders: pd.DataFrame, months: pd.PeriodIndex, *, rng=None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Attribute order revenue and order counts to spend channels by month.

    Revenue is GA4-style: every order of the channel counts, whatever its later
    status. Marketplace ads get a share of marketplace revenue (the platforms'
    own ad reports). Channels without any revenue in the orders get a fallback
    share of own-platform revenue and are flagged "synthetic".

    Returns
    -------
    revenue, counts : pandas.DataFrame
        months x channels.
    source : dict
        channel -> "orders" or "synthetic".
    """
    rng = np.random.default_rng(rng)
    n = len(months)
    idx = _order_month_index(orders, months)
    valid = idx >= 0
    amount = orders["revenue"].to_numpy(dtype=float)
    own_platforms = [p for p, v in catalog.PLATFORMS.items() if v["own"]]
    own = orders["platform"].isin(own_platforms).to_numpy() & valid
    own_monthly = np.bincount(idx[own], weights=amount[own], minlength=n)
    own_counts = np.bincount(idx[own], minlength=n).astype(float)
    own_aov = own_monthly.sum() / max(own_counts.sum(), 1)
    total = own_monthly.sum()
    revenue, counts, source = {}, {}, {}
    for channel, (column, values) in SPEND_CHANNELS.items():
        mask = valid.copy()
        if column in orders:
            mask &= orders[column].isin(values).to_numpy()
        else:
            mask &= False
        monthly = np.bincount(idx[mask], weights=amount[mask], minlength=n)
        monthly_counts = np.bincount(idx[mask], minlength=n).astype(float)
        if channel == "Marketplace ads":
            share = rng.uniform(*MARKETPLACE_AD_SHARE)
            monthly, monthly_counts = monthly * share, np.rint(monthly_counts * share)
        if monthly.sum() < 1e-3 * max(total, 1):
            base = own_monthly if total > 0 else np.full(n, 3_000_000.0)
            monthly = base * FALLBACK_REVENUE_SHARE[channel] * rng.lognormal(0, 0.15, n)
            monthly_counts = np.rint(monthly / (own_aov if total > 0 else 1_500))
            source[channel] = "synthetic"
        else:
            source[channel] = "orders"
        revenue[channel], counts[channel] = monthly, monthly_counts
    labels = _month_labels(months)
    return pd.DataFrame(revenue, index=labels), pd.DataFrame(counts, index=labels), source


def clean_core(core: dict[str, pd.DataFrame], truth: dict | None = None) -> dict[str, pd.DataFrame]:
    """Return the core tables with the known order defects undone.

    The core tables reach us after defect injection. Sales figures must come
    from clean orders: duplicate exports and test orders are dropped and the
    one marketplace month exported in UTC is shifted back (ids from the truth
    manifest's "defects", when present).
    """
    defects = (truth or {}).get("defects", {})
    orders = core["orders"]
    orders = orders[~orders["order_id"].duplicated().to_numpy()]
    test_ids = set(defects.get("test_orders", {}).get("ids", []))
    keep = ~orders["order_id"].isin(test_ids)
    if "member_id" in orders:
        keep &= orders["member_id"].ne("TEST").fillna(True)
    orders = orders[keep.to_numpy()].copy()
    shift = defects.get("timezone_shift", {})
    if shift.get("ids") and shift.get("shift_hours"):
        hit = orders["order_id"].isin(shift["ids"])
        orders.loc[hit, "order_ts"] = orders.loc[hit, "order_ts"] - pd.Timedelta(hours=shift["shift_hours"])
    items = core["order_items"]
    items = items[pd.Index(orders["order_id"]).get_indexer(items["order_id"]) >= 0]  # fast for arrow strings
    return {**core, "orders": orders.reset_index(drop=True), "order_items": items.reset_index(drop=True)}


def plant_roas(channels: list[str], *, rng=None) -> dict[str, float]:
    """Draw a target ROAS per channel: realistic levels, one best and one worst channel by a clear margin.

    The best channel leads the second by 12-30 % and the worst trails the second worst by as much:
    found by computing ROAS properly, but not a gulf that shows at a glance.
    """
    rng = np.random.default_rng(rng)
    targets = {c: float(rng.uniform(*ROAS_RANGE[c])) for c in channels}
    best = BEST_ROAS_CANDIDATES[rng.integers(len(BEST_ROAS_CANDIDATES))]
    worst = WORST_ROAS_CANDIDATES[rng.integers(len(WORST_ROAS_CANDIDATES))]
    targets[best] = max(v for c, v in targets.items() if c != best) * float(rng.uniform(*LEAD_GAP))
    targets[worst] = min(v for c, v in targets.items() if c not in (best, worst)) / float(
        rng.uniform(*LEAD_GAP)
    )
    return targets


def _spend_targets(revenue: pd.DataFrame, roas: dict[str, float], *, rng) -> pd.DataFrame:
    """Turn revenue and target ROAS into monthly spend whose total gives exactly that ROAS.

    Spend follows the revenue of its month loosely (campaigns are planned, results vary).
    """
    spend = {}
    for channel in revenue.columns:
        monthly = (0.5 * revenue[channel].to_numpy() + 0.5 * revenue[channel].mean()) * rng.lognormal(
            0, 0.15, len(revenue)
        )
        total = revenue[channel].sum() / roas[channel]
        spend[channel] = monthly * total / monthly.sum() if monthly.sum() > 0 else monthly
    return pd.DataFrame(spend, index=revenue.index)


def plan_budgets(
    actual: pd.DataFrame, months: pd.PeriodIndex, *, rng=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the planned monthly budgets behind the actual spend, and the actual spend after pacing.

    Each channel-year has an annual plan (rounded to NT$10,000) spread over the months by the plan's
    seasonality and rounded to NT$1,000. Actual spend misses its plan as real pacing does: a whole
    year runs 12 % under to 15 % over, and one to three channel-months were paused, their money spent
    in the next month instead (totals, and so ROAS, stay as planted).
    """
    rng = np.random.default_rng(rng)
    actual = actual.copy()
    years = np.array([m.year for m in months])
    month_no = np.array([m.month for m in months])
    pausable = [c for c in ("Display", "Paid Social", "Affiliates", "Paid Shopping") if c in actual]
    for _ in range(int(rng.integers(*PAUSED_MONTHS, endpoint=True))):
        channel = pausable[rng.integers(len(pausable))]
        m = int(rng.integers(1, len(months) - 1))
        moved = actual[channel].iloc[m] * 0.9
        actual.iloc[m, actual.columns.get_loc(channel)] -= moved
        actual.iloc[m + 1, actual.columns.get_loc(channel)] += moved
    planned = pd.DataFrame(index=actual.index, columns=actual.columns, dtype=float)
    for channel in actual.columns:
        for year in np.unique(years):
            sel = years == year
            annual = actual[channel].to_numpy()[sel].sum() / rng.uniform(*PACING_BIAS)
            weights = PLAN_SEASON[month_no[sel] - 1]
            annual = max(round(annual, -4), 10_000)
            planned.loc[sel, channel] = np.round(annual * weights / weights.sum(), -3)
    return planned, actual


def make_social_ads(
    spend: np.ndarray, platform_value: np.ndarray, months: pd.PeriodIndex, *, rng=None
) -> pd.DataFrame:
    """Generate the Meta ads report by month x ad set x age x gender x placement.

    Parameters
    ----------
    spend : numpy.ndarray
        Target Paid Social spend per month (NT$).
    platform_value : numpy.ndarray
        Purchase value Meta reports per month (NT$).
    months : pandas.PeriodIndex
        The history months.
    rng : int or numpy.random.Generator, optional
        Seed or generator.
    """
    rng = np.random.default_rng(rng)
    n_m, n_s, n_a, n_g, n_p = (
        len(months),
        len(META_AD_SETS),
        len(catalog.AGE_BRACKETS),
        3,
        len(META_PLACEMENTS),
    )
    shape = (n_m, n_s, n_a, n_g, n_p)
    set_share = np.array([s[2] for s in META_AD_SETS])
    age_w = np.array(META_AGE_WEIGHT)
    gender_w = np.array(list(META_GENDERS.values()))
    place_w = np.array([p[3] for p in META_PLACEMENTS])
    w = (
        set_share[None, :, None, None, None]
        * age_w[None, None, :, None, None]
        * gender_w[None, None, None, :, None]
        * place_w[None, None, None, None, :]
        * rng.lognormal(0, 0.3, shape)
    )
    w = w / w.sum(axis=(1, 2, 3, 4), keepdims=True)
    amount = np.rint(spend[:, None, None, None, None] * w).astype("int64")

    base_cpm = rng.uniform(*META_BASE_CPM)
    cpm_season = np.array([CPM_SEASON[m.month] for m in months])
    # Audiences differ in price and response: age and gender effects plus a per-variant effect for
    # each age x gender cell that holds over the months (so the breakdown tells a stable story).
    cell_cpm = rng.lognormal(0, 0.12, (n_a, n_g))
    cell_ctr = rng.lognormal(0, 0.18, (n_a, n_g))
    cell_buy = rng.lognormal(0, 0.2, (n_a, n_g))
    age_gender_cpm = np.outer(META_AGE_CPM, META_GENDER_CPM) * cell_cpm
    age_gender_ctr = np.outer(META_AGE_CTR, META_GENDER_CTR) * cell_ctr
    cpm = (
        base_cpm
        * cpm_season[:, None, None, None, None]
        * age_gender_cpm[None, None, :, :, None]
        * np.array([p[4] for p in META_PLACEMENTS])[None, None, None, None, :]
        * rng.lognormal(0, 0.1, shape)
    )
    impressions = np.rint(amount / cpm * 1000).astype("int64")
    freq_low = np.array([s[3][0] for s in META_AD_SETS])
    freq_high = np.array([s[3][1] for s in META_AD_SETS])
    freq_draw = rng.uniform(size=(n_m, n_s))
    frequency = freq_low + (freq_high - freq_low) * freq_draw
    frequency = frequency[:, :, None, None, None] * rng.lognormal(0, 0.05, shape)
    reach = np.maximum(np.rint(impressions / frequency), 1).astype("int64")
    base_ctr = rng.uniform(*META_BASE_CTR)
    ctr = (
        base_ctr
        * np.array([s[4] for s in META_AD_SETS])[None, :, None, None, None]
        * age_gender_ctr[None, None, :, :, None]
        * np.array([p[5] for p in META_PLACEMENTS])[None, None, None, None, :]
        * rng.lognormal(0, 0.15, shape)
    )
    link_clicks = rng.binomial(impressions, np.clip(ctr, 0, 0.2))
    purchase_rate = (
        np.array([s[5] for s in META_AD_SETS])[None, :, None, None, None]
        * (META_AGE_BUY[:, None] * cell_buy)[None, None, :, :, None]
        * rng.lognormal(0, 0.2, shape)
    )
    aov = category_aov(None) * rng.lognormal(0, 0.1, shape)
    expected_value = (link_clicks * purchase_rate * aov).sum(axis=(1, 2, 3, 4))
    scale = platform_value / np.maximum(expected_value, 1e-9)
    purchases = rng.poisson(link_clicks * purchase_rate * scale[:, None, None, None, None])
    purchase_value = np.round(purchases * aov, 2)

    # Build the columns from grid codes (categoricals from codes: fast, no string churn).
    keep = impressions.ravel() > 0
    m_code, s_code, a_code, g_code, p_code = (c.ravel()[keep] for c in np.indices(shape))

    def from_codes(values: list[str], codes: np.ndarray) -> pd.Categorical:
        unique = list(dict.fromkeys(values))
        remap = np.array([unique.index(v) for v in values])
        return pd.Categorical.from_codes(remap[codes], categories=unique)

    impressions_kept = impressions.ravel()[keep]
    reach_kept = np.minimum(reach.ravel()[keep], impressions_kept)
    amount_kept = amount.ravel()[keep]
    clicks_kept = link_clicks.ravel()[keep].astype("int64")
    value_kept = purchase_value.ravel()[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame(
            {
                "month": _month_labels(months)[m_code],
                "campaign": from_codes([s[0] for s in META_AD_SETS], s_code),
                "ad_set": from_codes([s[1] for s in META_AD_SETS], s_code),
                "age": pd.Categorical.from_codes(a_code, categories=catalog.AGE_BRACKETS),
                "gender": pd.Categorical.from_codes(g_code, categories=list(META_GENDERS)),
                "publisher_platform": from_codes([p[0] for p in META_PLACEMENTS], p_code),
                "placement": from_codes([p[1] for p in META_PLACEMENTS], p_code),
                "device": from_codes([p[2] for p in META_PLACEMENTS], p_code),
                "reach": reach_kept,
                "impressions": impressions_kept,
                "frequency": impressions_kept / reach_kept,
                "amount_spent": amount_kept,
                "cpm": amount_kept / impressions_kept * 1000,
                "link_clicks": clicks_kept,
                "cpc": np.where(clicks_kept > 0, amount_kept / clicks_kept, np.nan),
                "ctr": clicks_kept / impressions_kept,
                "purchases": purchases.ravel()[keep].astype("int64"),
                "purchase_value": value_kept,
                "purchase_roas": np.where(amount_kept > 0, value_kept / amount_kept, np.nan),
            }
        )
    return table


def _reachable_members(members: pd.DataFrame | None, months: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """Count LINE-linked friends and e-mail-consenting members at each month end."""
    n = len(months)
    if members is None or len(members) == 0:
        return np.full(n, 20_000.0), np.full(n, 12_000.0)
    join = pd.to_datetime(members["join_date"])
    if getattr(join.dt, "tz", None) is not None:
        join = join.dt.tz_convert(catalog.TIMEZONE).dt.tz_localize(None)
    month_end = np.array([m.end_time for m in months], dtype="datetime64[ns]")
    joined = join.to_numpy(dtype="datetime64[ns]")[None, :] <= month_end[:, None]
    line = (
        members["line_user_linked"].to_numpy(dtype=bool)
        if "line_user_linked" in members
        else np.ones(len(members), bool)
    )
    consent = (
        members["marketing_consent"].to_numpy(dtype=bool)
        if "marketing_consent" in members
        else np.ones(len(members), bool)
    )
    if "marketing_opt_out_date" in members:
        opt = pd.to_datetime(members["marketing_opt_out_date"])
        if getattr(opt.dt, "tz", None) is not None:
            opt = opt.dt.tz_convert(catalog.TIMEZONE).dt.tz_localize(None)
        opt = opt.to_numpy(dtype="datetime64[ns]")
        still = np.isnat(opt)[None, :] | (opt[None, :] > month_end[:, None])
    else:
        still = np.ones((1, len(members)), bool)
    line_count = (joined & line[None, :]).sum(axis=1).astype(float)
    email_count = (joined & consent[None, :] & still).sum(axis=1).astype(float)
    return np.maximum(line_count, 50), np.maximum(email_count, 50)


def make_crm_campaigns(
    members: pd.DataFrame | None,
    revenue: pd.DataFrame,
    counts: pd.DataFrame,
    months: pd.PeriodIndex,
    *,
    rng=None,
) -> tuple[pd.DataFrame, dict]:
    """Generate LINE and e-mail campaign results, consistent with the orders they brought.

    Each month's e-mail (LINE) orders and revenue from the orders table are
    split over that month's e-mail (LINE) campaigns.
    """
    rng = np.random.default_rng(rng)
    line_base, email_base = _reachable_members(members, months)
    rows = []
    for m, month in enumerate(months):
        plan = [("line", "全體好友"), ("line", "全體好友")]
        plan += [("line", s) for s in rng.choice(LINE_EXTRA_SEGMENTS, int(rng.integers(1, 3)), replace=False)]
        plan += [("email", "全體訂閱者")]
        plan += [
            ("email", s) for s in rng.choice(EMAIL_EXTRA_SEGMENTS, int(rng.integers(1, 3)), replace=False)
        ]
        days = np.sort(rng.choice(np.arange(1, month.days_in_month + 1), len(plan), replace=False))
        for (channel, segment), day in zip(plan, days, strict=True):
            rows.append((m, channel, segment, pd.Timestamp(month.year, month.month, int(day))))
    table = pd.DataFrame(rows, columns=["m", "channel", "segment", "send_date"])
    m_idx = table["m"].to_numpy()
    is_line = (table["channel"] == "line").to_numpy()
    seg_share = table["segment"].map(lambda s: CRM_SEGMENTS[s][0]).to_numpy()
    seg_conv = table["segment"].map(lambda s: CRM_SEGMENTS[s][1]).to_numpy()
    base = np.where(is_line, line_base[m_idx], email_base[m_idx])
    n = len(table)
    sent = np.maximum(np.rint(base * seg_share * rng.uniform(0.95, 1.0, n)), 10).astype("int64")
    delivered = rng.binomial(
        sent, np.where(is_line, rng.uniform(0.97, 0.995, n), rng.uniform(0.94, 0.985, n))
    )
    open_rate = np.where(is_line, rng.uniform(0.45, 0.65, n), rng.uniform(0.15, 0.3, n)) * np.where(
        seg_conv > 1, 1.15, 1
    )
    opened = rng.binomial(delivered, np.clip(open_rate, 0, 0.95))
    clicked = rng.binomial(opened, np.where(is_line, rng.uniform(0.08, 0.18, n), rng.uniform(0.08, 0.15, n)))

    orders = np.zeros(n, dtype="int64")
    revenue_out = np.zeros(n, dtype="int64")
    channel_of_row = table["channel"].to_numpy(dtype=object)
    for channel, spend_channel in [("line", "LINE OA"), ("email", "Email")]:
        month_orders = counts[spend_channel].to_numpy()
        month_revenue = revenue[spend_channel].to_numpy()
        for m in range(len(months)):
            rows_m = np.flatnonzero((m_idx == m) & (channel_of_row == channel))
            total_orders = int(month_orders[m])
            total_revenue = float(month_revenue[m])
            weight = np.maximum(clicked[rows_m], 1) * seg_conv[rows_m]
            split = rng.multinomial(total_orders, weight / weight.sum())
            orders[rows_m] = split
            value_w = split * rng.lognormal(0, 0.15, len(rows_m))
            if value_w.sum() > 0:
                shares = value_w / value_w.sum()
                parts = np.floor(total_revenue * shares).astype("int64")
                parts[np.argmax(shares)] += round(total_revenue) - parts.sum()  # keep the month's total exact
                revenue_out[rows_m] = parts
    clicked = np.maximum(clicked, orders + rng.binomial(np.maximum(orders, 1) * 3, 0.5))
    opened = np.maximum(opened, clicked)
    delivered = np.maximum(delivered, opened)
    sent = np.maximum(sent, delivered)

    is_email = ~is_line
    opt_out = np.ones(n, dtype=bool)
    email_rows = np.flatnonzero(is_email)
    n_missing = int(rng.integers(*MISSING_OPT_OUT_RANGE))
    missing = rng.choice(email_rows, min(n_missing, len(email_rows)), replace=False)
    opt_out[missing] = False
    unsub_rate = np.where(is_line, rng.uniform(0.003, 0.012, n), rng.uniform(0.002, 0.006, n))
    unsub_rate = np.where(opt_out, unsub_rate, 0.0002)  # no link: hardly anyone manages to leave
    unsubscribed = rng.binomial(delivered, unsub_rate)

    prefix = np.where(is_line, "LINE", "EDM")
    campaign_id = [
        f"{p}-{d:%Y%m%d}-{i:03d}" for i, (p, d) in enumerate(zip(prefix, table["send_date"], strict=True))
    ]
    result = pd.DataFrame(
        {
            "campaign_id": campaign_id,
            "channel": pd.Categorical(table["channel"], categories=["line", "email"]),
            "send_date": pd.to_datetime(table["send_date"]).astype("datetime64[us]"),
            "segment": table["segment"].to_numpy(),
            "sent": sent,
            "delivered": delivered.astype("int64"),
            "opened": opened.astype("int64"),
            "clicked": clicked.astype("int64"),
            "orders": orders,
            "revenue": revenue_out,
            "unsubscribed": unsubscribed.astype("int64"),
            "includes_opt_out_link": opt_out,
        }
    )
    truth = {"crm_missing_opt_out_campaigns": sorted(result.loc[~opt_out, "campaign_id"].tolist())}
    return result, truth


def make_marketing_tables(
    core: dict[str, pd.DataFrame], *, rng=None, truth: dict | None = None
) -> tuple[dict[str, pd.DataFrame], dict]:
    """Build every marketing table from the core tables.

    Parameters
    ----------
    core : dict of pandas.DataFrame
        Core tables: products, members, orders, order_items, ga4_events,
        ga4_demographics (columns as in the team contract).
    rng : int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same tables.
    truth : dict, optional
        The core's truth manifest so far (read only). Uses
        "strength_category", "weakness_category" and "target_segment" when present.

    Returns
    -------
    tables : dict of pandas.DataFrame
        The tables named in ``MARKETING_TABLES``.
    truth_fragment : dict
        New truth keys (JSON-serialisable).
    """
    rng = np.random.default_rng(rng)
    truth = truth or {}
    core = clean_core(core, truth)
    streams = rng.spawn(12)
    months = history_months()
    strength = truth.get("strength_category")
    weakness = truth.get("weakness_category")
    strength = strength if strength in catalog.CATEGORIES else None
    weakness = weakness if weakness in catalog.CATEGORIES and weakness != strength else None

    revenue, counts, source = channel_revenue(core["orders"], months, rng=streams[0])
    roas_target = plant_roas(list(revenue.columns), rng=streams[1])

    # O2O is costed bottom-up (booths, staff, materials); its revenue is the QR-tagged online orders
    # plus the booths' on-site sales, which bring the channel to its planted ROAS.
    o2o = make_o2o_events(core, months=months, rng=streams[5])
    o2o_spend = np.full(len(months), float(streams[5].uniform(1_500, 3_000)))  # QR codes, flyers, stands
    event_month = o2o["start_date"].dt.to_period("M")
    for period, cost in zip(event_month, o2o["cost"], strict=True):
        if period in months:
            o2o_spend[months.get_loc(period)] += cost
    onsite_total = max(roas_target["O2O/Offline"] * o2o_spend.sum() - revenue["O2O/Offline"].sum(), 0.0)
    weight = (o2o["end_date"] - o2o["start_date"]).dt.days.to_numpy() + 1.0
    weight = weight * streams[5].lognormal(0, 0.25, len(o2o))
    o2o["onsite_revenue"] = np.round(onsite_total * weight / weight.sum()).astype("int64")
    o2o_revenue = revenue["O2O/Offline"].to_numpy().copy()
    for period, value in zip(event_month, o2o["onsite_revenue"], strict=True):
        if period in months:
            o2o_revenue[months.get_loc(period)] += value
    revenue["O2O/Offline"] = o2o_revenue

    targets = _spend_targets(revenue, roas_target, rng=streams[1])
    targets["O2O/Offline"] = o2o_spend
    planned, actual = plan_budgets(targets, months, rng=streams[6])

    search_value = revenue["Paid Search"].to_numpy() * streams[2].uniform(*GOOGLE_ADS_OVERCLAIM, len(months))
    keywords, terms, search_truth = make_search_ads(
        actual["Paid Search"].to_numpy(), search_value, months, rng=streams[2]
    )
    social_value = revenue["Paid Social"].to_numpy() * streams[3].uniform(*META_OVERCLAIM, len(months))
    social = make_social_ads(actual["Paid Social"].to_numpy(), social_value, months, rng=streams[3])
    crm, crm_truth = make_crm_campaigns(core.get("members"), revenue, counts, months, rng=streams[4])
    actual["Paid Search"] = (
        keywords.groupby("month", sort=False)["cost"].sum().reindex(actual.index).to_numpy()
    )
    actual["Paid Social"] = (
        social.groupby("month", sort=False)["amount_spent"].sum().reindex(actual.index).fillna(0).to_numpy()
    )
    channels = list(revenue.columns)
    spend_table = pd.DataFrame(
        {
            "month": np.repeat(actual.index.to_numpy(), len(channels)),
            "channel": pd.Categorical(np.tile(channels, len(months)), categories=channels),
            "planned_budget": np.rint(planned[channels].to_numpy(dtype=float).ravel()).astype("int64"),
            "actual_spend": np.rint(actual[channels].to_numpy().ravel()).astype("int64"),
            "attributed_revenue": np.rint(revenue[channels].to_numpy().ravel()).astype("int64"),
        }
    )
    totals = spend_table.groupby("channel", observed=True)[["attributed_revenue", "actual_spend"]].sum()
    roas = (totals["attributed_revenue"] / totals["actual_spend"]).sort_values()

    lines = sales_lines(core)
    our_revenue = our_revenue_by_year_category(lines)
    market_size, market = make_market_size(
        our_revenue, strength_category=strength, weakness_category=weakness, rng=streams[7]
    )
    competitors = make_competitors(
        lines, our_revenue, market, strength_category=strength, weakness_category=weakness, rng=streams[7]
    )
    survey, survey_truth = make_survey_responses(
        core.get("members"),
        target_segment=truth.get("target_segment"),
        strength_category=strength,
        rng=streams[8],
    )
    last_full_year = int(months[-1].year) - 1
    last_year = spend_table[spend_table["month"].str.startswith(str(last_full_year))]
    spend_by_channel = (
        last_year.groupby("channel", observed=True)["actual_spend"].sum().astype(float).to_dict()
    )
    annual_revenue = (
        float(our_revenue.loc[last_full_year].sum()) if last_full_year in our_revenue.index else 0.0
    )
    resources = make_resources(spend_by_channel, annual_revenue, rng=streams[9])
    copies, copy_truth = make_ad_copies(core, rng=streams[10])

    tables = {
        "search_keywords": keywords,
        "search_terms": terms,
        "social_ads": social,
        "crm_campaigns": crm,
        "marketing_spend": spend_table,
        "market_size": market_size,
        "competitors": competitors,
        "survey_responses": survey,
        "pest_indicators": make_pest_indicators(),
        "resources": resources,
        "o2o_events": o2o,
        "ad_copies": copies,
    }
    share = competitors[competitors["company"] == catalog.COMPANY["brand_zh"]]
    fragment = {
        **search_truth,
        "best_roas_channel": str(roas.index[-1]),
        "worst_roas_channel": str(roas.index[0]),
        "channel_roas": {str(c): round(float(v), 4) for c, v in roas.items()},
        "roas_how": (
            "sum(attributed_revenue) / sum(actual_spend) per channel in marketing_spend over the "
            "whole history; the best leads the second by 12-30 %, the worst trails by as much; the "
            "channel with the most revenue is not the best"
        ),
        "channel_revenue_source": source,
        **crm_truth,
        **survey_truth,
        "our_market_share": {
            str(year): {str(r.category): round(float(r.market_share), 8) for r in grp.itertuples()}
            for year, grp in share.groupby("year")
        },
        **copy_truth,
    }
    return tables, fragment
