"""Google Ads keyword and search-terms reports (tables ``search_keywords`` and ``search_terms``).

Taiwanese cost levels (generic e-commerce CPCs of NT$10-40), Quality Scores that drift from month to
month, and a search-terms report with a long tail in which most queries never convert. Planted:
one keyword whose cost per conversion ran away (2-3x its peers since a month), one competitor's
trademark bought as a keyword, and a few irrelevant queries that spend money and never convert.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

BRAND_KEYWORDS = [
    ("{brand}", "Exact"),
    ("{brand} 官網", "Phrase"),
    ("{brand} 優惠碼", "Phrase"),
    ("好日子 選物", "Broad"),
]
GENERIC_KEYWORDS = {
    "beauty": [("保濕精華液", "Phrase"), ("卸妝油推薦", "Broad"), ("平價保養品", "Broad")],
    "health_food": [("葉黃素推薦", "Phrase"), ("益生菌", "Broad"), ("膠原蛋白粉", "Exact")],
    "home": [("收納箱", "Broad"), ("香氛擴香", "Phrase"), ("除濕盒", "Exact")],
    "accessories_3c": [("行動電源", "Broad"), ("藍牙耳機推薦", "Phrase"), ("iPhone手機殼", "Exact")],
    "apparel": [("涼感衣", "Phrase"), ("輕羽絨外套", "Broad"), ("瑜珈褲", "Exact")],
}
# Average CPC (NT$) of generic keywords by category: Taiwan e-commerce search CPCs of about NT$10-40
# (kantti.net, undated: weak source), dearer for supplements and skin care.
GENERIC_CPC = {"beauty": 24, "health_food": 30, "home": 15, "accessories_3c": 18, "apparel": 14}
GENERIC_CVR = {"beauty": 0.03, "health_food": 0.035, "home": 0.022, "accessories_3c": 0.02, "apparel": 0.018}
MATCH_CTR = {"Exact": 0.06, "Phrase": 0.045, "Broad": 0.03}
BRAND_CPC, BRAND_CVR, BRAND_CTR = (3, 8), 0.09, (0.10, 0.18)
COMPETITOR_CPC, COMPETITOR_CVR, COMPETITOR_CTR = 22, 0.02, 0.025
COST_WEIGHT = {"brand": 0.035, "generic": 0.05, "competitor": 0.035}
BASE_QUALITY = {"brand": (8, 10), "generic": (5, 8), "competitor": (3, 5)}
RUNAWAY_START_RANGE = (8, 22)  # month index of the first runaway month
RUNAWAY_VS_PEERS = (2.0, 3.0)  # its CPA since then against the median of its peers

# Search-term modifiers: the long tail of real queries behind one keyword.
RELEVANT_MODIFIERS = [
    "推薦",
    "哪裡買",
    "ptt",
    "dcard",
    "價格",
    "評價",
    "優惠",
    "特價",
    "比較",
    "品牌",
    "便宜",
    "2025",
    "2026",
    "cp值",
    "開箱",
    "好用嗎",
    "台灣",
    "官網",
    "門市",
    "團購",
    "禮盒",
    "女生",
    "男生",
    "學生",
    "敏感肌",
    "小資",
    "網購",
    "現貨",
    "免運",
    "momo",
    "蝦皮",
    "熱銷",
    "排行",
    "台北",
    "台中",
    "高雄",
    "新品",
    "限定",
    "組合",
    "送禮",
    "媽媽",
    "上班族",
    "大容量",
    "旅行",
    "試用",
    "成分",
    "功效",
    "副作用",
    "怎麼選",
    "差別",
]
IRRELEVANT_MODIFIERS = [
    "二手",
    "免費",
    "維修",
    "自己做 教學",
    "徵才",
    "出租",
    "回收",
    "批發 工廠",
    "代工",
    "圖片",
]
N_TERMS = (22, 40)  # long-tail search terms per keyword (besides the keyword itself)
HIDDEN_SHARE = 0.15  # rare queries Google does not list ("other search terms")


def _keyword_list(competitor: str) -> pd.DataFrame:
    """Return the keyword list (one row per keyword) with its base parameters."""
    brand = catalog.COMPANY["brand_zh"]
    rows = []
    for text, match in BRAND_KEYWORDS:
        rows.append(("search_brand", "品牌字", text.format(brand=brand), match, "brand", None))
    for category, keywords in GENERIC_KEYWORDS.items():
        group = catalog.CATEGORIES[category]["zh"]
        for text, match in keywords:
            rows.append(("search_generic", group, text, match, "generic", category))
    rows.append(("search_generic", "競品字", competitor, "Broad", "competitor", None))
    return pd.DataFrame(rows, columns=["campaign", "ad_group", "keyword", "match_type", "kind", "category"])


def category_aov(category: str | None) -> float:
    """Return a typical basket value (NT$) for a keyword's category."""
    if category not in catalog.CATEGORIES:  # brand and competitor keywords: the whole range
        return 1_450.0
    base = np.mean([p for p, _ in catalog.PRODUCT_TYPES[category].values()])
    return float(base * 1.5)


def _drift_quality(base: np.ndarray, n_months: int, rng: np.random.Generator) -> np.ndarray:
    """Return Quality Scores (keywords x months) that wander by one point now and then around a base."""
    steps = rng.choice([-1, 0, 0, 0, 1], size=(len(base), n_months))
    steps[:, 0] = 0
    walk = np.clip(base[:, None] + np.cumsum(steps, axis=1), base[:, None] - 2, base[:, None] + 2)
    return np.clip(walk, 1, 10).astype(int)


def make_search_ads(
    spend: np.ndarray, platform_value: np.ndarray, months: pd.PeriodIndex, *, rng=None
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Generate the Google Ads keyword report and search-terms report by month.

    Parameters
    ----------
    spend : target Paid Search cost per month (NT$).
    platform_value : conversion value Google Ads reports per month (NT$).
    months : the history months.
    rng : seed or generator.

    Returns
    -------
    keywords, terms : the two reports.
    truth : runaway_cpa_keyword, runaway_cpa_since, runaway_cpa_how, competitor_trademark_keyword,
        competitor_trademark_how, negative_keyword_candidates, negative_keyword_how.
    """
    rng = np.random.default_rng(rng)
    competitor = catalog.COMPETITORS[rng.integers(len(catalog.COMPETITORS))]
    kw = _keyword_list(competitor)
    n_kw, n_m = len(kw), len(months)
    kind = kw["kind"].to_numpy()
    generic = np.flatnonzero(kind == "generic")
    # Some keywords are structurally bigger spenders than others (search volume differs); the runaway
    # keyword is one of the busier generic ones, so its cost per conversion is worth watching.
    volume = rng.lognormal(0, 0.35, n_kw)
    busy = generic[volume[generic] >= np.median(volume[generic])]
    runaway = int(busy[rng.integers(len(busy))])
    start = int(rng.integers(*RUNAWAY_START_RANGE))

    cpc = np.empty(n_kw)
    cvr = np.empty(n_kw)
    ctr = np.empty(n_kw)
    for k, row in kw.iterrows():
        if row.kind == "brand":
            cpc[k], cvr[k], ctr[k] = rng.uniform(*BRAND_CPC), BRAND_CVR, rng.uniform(*BRAND_CTR)
        elif row.kind == "competitor":
            cpc[k], cvr[k], ctr[k] = COMPETITOR_CPC * rng.uniform(0.8, 1.2), COMPETITOR_CVR, COMPETITOR_CTR
        else:
            cpc[k] = GENERIC_CPC[row.category] * rng.uniform(0.8, 1.2)
            cvr[k] = GENERIC_CVR[row.category] * rng.uniform(0.85, 1.15)
            ctr[k] = MATCH_CTR[row.match_type] * rng.uniform(0.8, 1.2)
    aov = np.array([category_aov(c) for c in kw["category"]])
    base_q = np.array([rng.integers(*BASE_QUALITY[k], endpoint=True) for k in kind])
    # One generic keyword has a poor landing page too: low Quality Score is not the competitor's alone.
    base_q[generic[rng.integers(len(generic))]] = int(rng.integers(3, 5))
    # The runaway keyword's cost per conversion since `start`: 2-3x the median of its peers (every
    # non-brand keyword, at its Quality Score) and above the dearest of them, so one keyword stands out.
    expected_cpa = cpc * (7.0 / base_q) ** 0.3 / cvr
    peers = np.flatnonzero((kind != "brand") & (np.arange(n_kw) != runaway))
    target_cpa = max(
        rng.uniform(*RUNAWAY_VS_PEERS) * np.median(expected_cpa[peers]), 1.6 * expected_cpa[peers].max()
    )
    mult = target_cpa / expected_cpa[runaway]
    after = np.arange(n_m)[None, :] >= start
    is_runaway = (np.arange(n_kw) == runaway)[:, None] & after
    cpc_mult = np.where(is_runaway, mult**0.4, 1.0)
    cvr_mult = np.where(is_runaway, mult**-0.6, 1.0)

    quality = _drift_quality(base_q, n_m, rng)
    quality[runaway] = base_q[runaway]  # its Quality Score holds: the bids and the landing page went wrong
    weight = np.array([COST_WEIGHT[k] for k in kind]) * volume
    w = weight[:, None] * rng.lognormal(0, 0.15, (n_kw, n_m)) * np.where(is_runaway, 1.15, 1.0)
    cost_expected = spend[None, :] * w / w.sum(axis=0, keepdims=True)
    season = np.array([CPC_SEASON[m.month] for m in months])[None, :]
    # Better Quality Scores pay less per click (Google's ad rank discount).
    q_discount = (7.0 / np.maximum(quality, 1)) ** 0.3
    cpc_row = cpc[:, None] * season * q_discount * rng.lognormal(0, 0.08, (n_kw, n_m)) * cpc_mult
    ctr_row = np.clip(ctr[:, None] * rng.lognormal(0, 0.1, (n_kw, n_m)) * (quality / 7.0) ** 0.3, 0.002, 0.5)
    impressions = rng.poisson(np.maximum(cost_expected / cpc_row / ctr_row, 5))
    clicks = rng.binomial(impressions, ctr_row)
    cost = np.rint(clicks * cpc_row).astype("int64")
    cvr_row = cvr[:, None] * rng.lognormal(0, 0.15, (n_kw, n_m)) * cvr_mult
    aov_row = aov[:, None] * rng.lognormal(0, 0.08, (n_kw, n_m))
    raw = clicks * cvr_row
    scale = platform_value / np.maximum((raw * aov_row).sum(axis=0), 1e-9)
    conversions = np.round(raw * scale[None, :], 2)
    conversions = np.where(clicks > 0, np.maximum(conversions, 0.01), 0.0)
    conv_value = np.round(conversions * aov_row, 2)

    max_cpc = np.rint(cpc_row * 1.3).astype("int64")
    impr_share = np.where(
        kind[:, None] == "brand", rng.uniform(0.85, 0.98, (n_kw, n_m)), rng.uniform(0.2, 0.7, (n_kw, n_m))
    ) * np.clip(quality / 7.0, 0.4, 1.2)
    impr_share = np.clip(np.where(is_runaway, rng.uniform(0.75, 0.9, (n_kw, n_m)), impr_share), 0.05, 0.99)

    flat = {  # keyword-major order: all months of keyword 0, then keyword 1, ...
        "month": np.tile(_month_labels(months), n_kw),
        "campaign": np.repeat(kw["campaign"].to_numpy(), n_m),
        "ad_group": np.repeat(kw["ad_group"].to_numpy(), n_m),
        "keyword": np.repeat(kw["keyword"].to_numpy(), n_m),
        "match_type": np.repeat(kw["match_type"].to_numpy(), n_m),
        "status": np.where(quality.ravel() <= 3, "Rarely shown (low Quality Score)", "Eligible"),
        "max_cpc": max_cpc.ravel(),
        "quality_score": quality.ravel().astype("int8"),
        "impressions": impressions.ravel().astype("int64"),
        "clicks": clicks.ravel().astype("int64"),
    }
    keywords = pd.DataFrame(flat)
    with np.errstate(divide="ignore", invalid="ignore"):
        keywords["ctr"] = keywords["clicks"] / keywords["impressions"]
        keywords["avg_cpc"] = cost.ravel() / keywords["clicks"].replace(0, np.nan)
        keywords["cost"] = cost.ravel()
        keywords["conversions"] = conversions.ravel()
        keywords["conv_rate"] = keywords["conversions"] / keywords["clicks"].replace(0, np.nan)
        keywords["cost_per_conv"] = keywords["cost"] / keywords["conversions"].replace(0, np.nan)
        keywords["conv_value"] = conv_value.ravel()
        keywords["conv_value_per_cost"] = keywords["conv_value"] / keywords["cost"].replace(0, np.nan)
    keywords["search_impr_share"] = np.round(impr_share.ravel(), 4)
    for column in ["campaign", "ad_group", "match_type", "status"]:
        keywords[column] = keywords[column].astype("category")

    terms, negatives = _make_search_terms(kw, months, impressions, clicks, cost, conversions, conv_value, rng)
    truth = {
        "runaway_cpa_keyword": str(kw.loc[runaway, "keyword"]),
        "runaway_cpa_since": str(months[start]),
        "runaway_cpa_how": (
            "cost per conversion by keyword over the months since runaway_cpa_since (or the "
            "last 12 months), keywords with enough clicks: this keyword costs 2-3x its peers "
            "and rose from its own earlier level; the biggest spender is another keyword"
        ),
        "competitor_trademark_keyword": competitor,
        "competitor_trademark_how": (
            "a keyword equal to a company name in the competitors table (商標法 risk); "
            "its Quality Score is low but not the only low one"
        ),
        "negative_keyword_candidates": negatives,
        "negative_keyword_how": (
            "search terms with irrelevant intent (二手, 免費, 維修, 徵才 ...) whose clicks "
            "would have brought several conversions at their keyword's conversion rate, "
            "yet brought none; most long-tail terms have no conversion by chance"
        ),
    }
    return keywords, terms, truth


def _make_search_terms(kw, months, impressions, clicks, cost, conversions, conv_value, rng):
    """Split each keyword-month into the search terms that triggered it.

    Every keyword gets its head query (the keyword itself) and a long tail of modifier queries with
    Zipf-like shares; conversions are whole numbers drawn for each term, so most tail terms never
    convert. Planted irrelevant terms on some broad/phrase generic keywords take a sizeable share of
    clicks and never convert. A part of the traffic stays hidden, as Google hides rare queries.
    """
    n_kw, n_m = clicks.shape
    kind = kw["kind"].to_numpy()
    eligible = np.flatnonzero((kind == "generic") & (kw["match_type"].to_numpy() != "Exact"))
    n_bad = int(rng.integers(4, min(8, len(eligible)) + 1))
    # Broad traffic bleeds where the volume is: the irrelevant queries hit the busier keywords.
    busy = eligible[np.argsort(-clicks[eligible].sum(axis=1))][: max(n_bad + 2, len(eligible) * 2 // 3)]
    bad_keywords = set(rng.choice(busy, n_bad, replace=False).tolist())

    term_kw, term_text, term_share, term_bad = [], [], [], []
    for k in range(n_kw):
        keyword = kw.loc[k, "keyword"]
        n_tail = int(rng.integers(*N_TERMS))
        modifiers = rng.choice(RELEVANT_MODIFIERS, n_tail, replace=False)
        texts = [keyword, *[f"{keyword} {m}" for m in modifiers]]
        zipf = 1.0 / np.arange(1, len(texts) + 1) ** 1.2
        shares = list((1 - HIDDEN_SHARE) * zipf / zipf.sum() * rng.lognormal(0, 0.2, len(texts)))
        bad = [False] * len(texts)
        if k in bad_keywords:
            texts.append(f"{keyword} {IRRELEVANT_MODIFIERS[rng.integers(len(IRRELEVANT_MODIFIERS))]}")
            shares.append(rng.uniform(0.15, 0.25))
            bad.append(True)
        term_kw += [k] * len(texts)
        term_text += texts
        term_share += shares
        term_bad += bad
    term_kw = np.array(term_kw)
    term_share = np.array(term_share)
    term_bad = np.array(term_bad)
    n_terms = len(term_kw)

    click_split = np.zeros((n_terms, n_m), dtype="int64")
    impr_split = np.zeros((n_terms, n_m), dtype="int64")
    for k in range(n_kw):
        rows = np.flatnonzero(term_kw == k)
        p = term_share[rows]
        p = np.append(p, max(1.0 - p.sum(), 0.05))
        p = p / p.sum()
        click_split[rows] = rng.multinomial(clicks[k], p)[:, :-1].T
        impr_split[rows] = rng.multinomial(impressions[k], p)[:, :-1].T
    impr_split = np.maximum(impr_split, click_split)
    avg_cpc = np.divide(cost, clicks, out=np.zeros_like(cost, dtype=float), where=clicks > 0)
    term_cost = np.rint(click_split * avg_cpc[term_kw]).astype("int64")
    # Whole conversions per term: the keyword's conversions per click, relevant clicks only.
    bad_clicks = np.zeros_like(clicks)
    np.add.at(bad_clicks, term_kw[term_bad], click_split[term_bad])
    conv_per_click = np.divide(conversions, np.maximum(clicks - bad_clicks, 1))
    term_conv = rng.poisson(click_split * conv_per_click[term_kw]).astype(float)
    term_conv[term_bad] = 0.0
    value_per_conv = np.divide(conv_value, conversions, out=np.zeros_like(conv_value), where=conversions > 0)
    term_value = np.round(term_conv * value_per_conv[term_kw], 2)

    terms = pd.DataFrame(
        {
            "month": np.tile(_month_labels(months), n_terms),
            "campaign": np.repeat(kw["campaign"].to_numpy()[term_kw], n_m),
            "ad_group": np.repeat(kw["ad_group"].to_numpy()[term_kw], n_m),
            "keyword": np.repeat(kw["keyword"].to_numpy()[term_kw], n_m),
            "match_type": np.repeat(kw["match_type"].to_numpy()[term_kw], n_m),
            "search_term": np.repeat(np.array(term_text, dtype=object), n_m),
            "impressions": impr_split.ravel(),
            "clicks": click_split.ravel(),
            "cost": term_cost.ravel(),
            "conversions": term_conv.ravel(),
            "conv_value": term_value.ravel(),
        }
    )
    terms = terms[terms["impressions"] > 0].reset_index(drop=True)
    for column in ["campaign", "ad_group", "match_type"]:
        terms[column] = terms[column].astype("category")
    bad_texts = np.array(term_text, dtype=object)[term_bad]
    bad_clicks_total = click_split[term_bad].sum(axis=1)
    negatives = sorted(str(t) for t, c in zip(bad_texts, bad_clicks_total, strict=True) if c > 0)
    return terms, negatives


# Cost-per-click pressure by calendar month (November peak: 雙11 + 週年慶).
CPC_SEASON = {
    1: 1.05,
    2: 1.0,
    3: 0.95,
    4: 1.0,
    5: 1.1,
    6: 1.15,
    7: 0.95,
    8: 1.0,
    9: 1.0,
    10: 1.15,
    11: 1.35,
    12: 1.15,
}


def _month_labels(months: pd.PeriodIndex) -> np.ndarray:
    return np.array([str(m) for m in months], dtype=object)
