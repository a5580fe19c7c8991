"""Does every variant of the world look like a Taiwanese shop and hide its planted facts well?

One fixture builds 20 worlds at a small scale and reduces each to a summary: the shapes a Taiwanese
marketer expects (company size, prices, marketplace economics, calendar, people, ad reports) and,
for each planted fact, whether the intended analysis finds it and whether a naive look does. The
analyses work on the published tables like a learner would; the truth manifest is only compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netmarketing.data import build_world, catalog, seasons
from netmarketing.data.orders import HOUR_BANDS, PRICE_BANDS, price_band_of
from netmarketing.data.search_ads import make_search_ads

SEEDS = list(range(301, 321))  # 20 seeds
SCALE = 0.5  # smaller worlds blur a 10-point growth gap between categories
FORUMS = ["ptt.cc", "dcard.tw", "mobile01.com"]


def clean_orders(w) -> pd.DataFrame:
    """Drop duplicate rows and test orders and undo the UTC month, as the cleaning lesson teaches."""
    orders = w["orders"].drop_duplicates("order_id")
    return orders[orders["member_id"].ne("TEST").fillna(True)].copy()


def session_table(w) -> pd.DataFrame:
    """One row per GA4 session: date, source, engaged (GA4 definition)."""
    ev = w["ga4_events"].drop_duplicates(["user_pseudo_id", "event_timestamp", "event_name"])
    sid = ev.groupby(["user_pseudo_id", "ga_session_id"], sort=False).ngroup().to_numpy()
    n = sid.max() + 1
    name = ev["event_name"].astype(str).to_numpy()
    first = name == "session_start"
    sess = ev.loc[first, ["event_date", "source"]].set_axis(sid[first]).sort_index()
    eng = np.bincount(sid, weights=ev["engagement_time_msec"].fillna(0).to_numpy(dtype=float), minlength=n)
    views = np.bincount(sid[name == "page_view"], minlength=n)
    bought = np.bincount(sid[name == "purchase"], minlength=n) > 0
    sess["engaged"] = (eng[sess.index] > 10_000) | (views[sess.index] >= 2) | bought[sess.index]
    sess["source"] = sess["source"].astype(str)
    return sess.reset_index(drop=True)


def summarise(seed: int) -> dict:
    """Build one world and reduce it to shapes, found/missed flags and planted answers."""
    w = build_world(seed, scale=SCALE)
    t = w.truth
    out: dict = {"seed": seed}
    orders = clean_orders(w)
    done = orders[orders["status"] == "completed"]
    year = done["order_ts"].dt.year
    revenue_2025 = done.loc[year == 2025, "revenue"].sum()

    # --- One consistent company -------------------------------------------------------------------
    res = w["resources"]
    staff = res[(res["resource_type"] == "人力") & (res["unit"] == "人")]
    out["staff_ratio"] = (staff["annual_cap"] * staff["cost_per_unit"]).sum() / revenue_2025
    spend = w["marketing_spend"]
    out["spend_ratio"] = spend.loc[spend["month"].str.startswith("2025"), "actual_spend"].sum() / revenue_2025
    comp = w["competitors"]
    out["min_share"] = comp["market_share"].min()
    totals = comp[comp["year"] == 2025].groupby("company")["revenue"].sum()
    ours = totals[catalog.COMPANY["brand_zh"]]
    out["competitor_size"] = (totals.drop(catalog.COMPANY["brand_zh"]) / ours).agg(["min", "max"]).tolist()
    o2o = w["o2o_events"]
    out["popup_cost"] = o2o["cost"].agg(["min", "max"]).tolist()

    # --- Prices from the product -------------------------------------------------------------------
    products = w["products"]
    spread = products.groupby("product_type")["price"].agg(lambda p: p.max() / p.min())
    out["price_spread"] = spread.max()
    sane = products[products["unit_cost"] < products["price"]]
    margin = 1 - sane["unit_cost"] / sane["price"]
    house = sane["brand"].astype(str) == catalog.HOUSE_BRAND
    out["house_margin_premium"] = margin[house].mean() - margin[~house].mean()

    # --- Marketplace economics ---------------------------------------------------------------------
    by_channel = spend.groupby("channel", observed=True)[["attributed_revenue", "actual_spend"]].sum()
    out["marketplace_roas"] = (by_channel["attributed_revenue"] / by_channel["actual_spend"])[
        "Marketplace ads"
    ]
    plat = done.groupby("platform", observed=True)
    out["aov"] = plat["revenue"].mean().to_dict()
    out["fee_rate"] = (plat["platform_fee"].sum() / plat["revenue"].sum()).to_dict()
    lag = (orders["delivered_ts"] - orders["order_ts"]).dt.total_seconds() / 86_400
    out["delivery_days"] = lag[lag > 0].groupby(orders["platform"], observed=True).mean().to_dict()

    # --- The Taiwanese calendar --------------------------------------------------------------------
    bad_ids = set(t["defects"].get("delivered_before_order", {}).get("ids", []))
    delivered = orders.loc[~orders["order_id"].isin(bad_ids), "delivered_ts"].dropna()
    delivered_day = delivered.dt.tz_localize(None).dt.normalize()
    blackout = []
    for yr in (2024, 2025, 2026):
        first = seasons.event_date("春節", yr)
        blackout += list(pd.date_range(first - pd.Timedelta(days=1), first + pd.Timedelta(days=3)))
    out["blackout_deliveries"] = int(delivered_day.isin(blackout).sum())
    local = orders["order_ts"].dt.tz_localize(None).dt.normalize()
    daily = local.value_counts().reindex(seasons.history_days(), fill_value=0)
    weekend = daily.index.day_of_week >= 5
    out["weekend_vs_weekday"] = daily[weekend].mean() / daily[~weekend].mean()
    runups = []
    for yr in (2024, 2025, 2026):
        day = seasons.event_date("母親節", yr)
        before = daily[day - pd.Timedelta(days=9) : day - pd.Timedelta(days=3)].mean()
        after = daily[day + pd.Timedelta(days=1) : day + pd.Timedelta(days=7)].mean()
        runups.append(before / after)
    out["mothers_day_runup"] = min(runups)
    out["yearly_counts"] = orders.groupby(orders["order_ts"].dt.year).size().tolist()

    # --- People as in Taiwan -----------------------------------------------------------------------
    demo = w["ga4_demographics"]
    age = (
        demo[demo["dimension"] == "age"]
        .groupby("value")["active_users"]
        .sum()
        .drop("unknown", errors="ignore")
    )
    out["ga4_65_share"] = age.get("65+", 0) / age.sum()
    members = w["members"].dropna(subset=["age_bracket"])
    high = members["income_bracket"].isin(["8-12萬", "12萬以上"])
    out["high_income_share"] = high.mean()
    degree = members["education"].isin(["大學", "碩士以上"])
    out["degree_65"] = degree[members["age_bracket"] == "65+"].mean()
    out["degree_25_34"] = degree[members["age_bracket"] == "25-34"].mean()
    city = orders["city"].astype(str).str.replace("台", "臺", regex=False)
    pop = pd.Series(catalog.CITIES, dtype=float)
    north = ["臺北市", "新北市", "新竹市", "新竹縣"]
    out["north_index"] = city.isin(north).mean() / (pop[north].sum() / pop.sum())
    ev = w["ga4_events"]
    out["browsers"] = ev.loc[ev["event_name"] == "session_start", "device_browser"].nunique()

    # --- Ad reports with a real shape --------------------------------------------------------------
    kw = w["search_keywords"]
    out["qs_changes"] = int((kw.groupby("keyword")["quality_score"].nunique() > 1).sum())
    generic = kw[kw["campaign"] == "search_generic"]
    out["generic_cpc"] = generic["cost"].sum() / generic["clicks"].sum()
    terms = w["search_terms"].groupby("search_term")[["clicks", "conversions"]].sum()
    out["unconverted_terms"] = (terms["conversions"] == 0).mean()
    social = w["social_ads"].groupby(["age", "gender"], observed=True)[["link_clicks", "impressions"]].sum()
    ctr = social["link_clicks"] / social["impressions"]
    out["meta_ctr_spread"] = ctr.max() / ctr.min()
    yearly = (
        spend.assign(year=spend["month"].str.slice(0, 4))
        .groupby(["channel", "year"], observed=True)[["planned_budget", "actual_spend"]]
        .sum()
    )
    off = (yearly["planned_budget"] / yearly["actual_spend"] - 1).abs()
    out["pacing_off_share"] = (off > 0.02).mean()

    # --- Planted facts: intended analysis against a naive look ---------------------------------------
    lines = (
        w["order_items"]
        .merge(done[["order_id", "order_ts", "member_id"]], on="order_id")
        .merge(products[["sku", "category"]], on="sku")
    )
    lines["year"] = lines["order_ts"].dt.year
    rev = lines.pivot_table(
        index="category", columns="year", values="item_revenue", aggfunc="sum", observed=True
    )
    cost = lines.groupby("category", observed=True)[["item_revenue", "item_cost"]].sum()
    growth = rev[2025] / rev[2024] - 1
    margins = 1 - cost["item_cost"] / cost["item_revenue"]
    out["category_growths"] = growth.tolist()
    out["strength_found"] = growth.idxmax() == margins.idxmax() == t["strength_category"]
    out["weakness_found"] = growth.idxmin() == margins.idxmin() == t["weakness_category"]
    out["strength_naive"] = rev[2025].idxmax() == t["strength_category"]

    sess = session_table(w)
    by_source = sess.groupby("source").agg(n=("engaged", "size"), rate=("engaged", "mean"))
    suspects = by_source[(by_source["rate"] < 0.05) & (by_source["n"] >= 20)]
    bot_source = suspects["n"].idxmax() if len(suspects) else None
    bot_day = sess.loc[sess["source"] == bot_source, "event_date"].astype(str).mode()
    found_day = pd.Timestamp(bot_day.iloc[0]).date().isoformat() if len(bot_day) else None
    out["bot_found"] = bot_source == t["bot_spike"]["source"] and found_day == t["bot_spike"]["date"]
    busiest = pd.Timestamp(str(sess["event_date"].value_counts().idxmax())).date().isoformat()
    out["bot_naive"] = busiest == t["bot_spike"]["date"]
    per_day = sess[sess["source"].isin(FORUMS)].groupby(["source", "event_date"], observed=True).size()
    burst = per_day.groupby(level=0).agg(lambda s: s.max() / max(s.median(), 1))
    out["viral_found"] = burst.idxmax() == t["referral_viral_source"]
    out["viral_naive"] = per_day.groupby(level=0).sum().idxmax() == t["referral_viral_source"]

    recent = kw[kw["month"] >= "2025-11"].groupby("keyword")[["clicks", "cost", "conversions"]].sum()
    recent = recent[recent["clicks"] >= 0.01 * recent["clicks"].sum()]
    cpa = recent["cost"] / recent["conversions"]
    out["runaway_found"] = cpa.idxmax() == t["runaway_cpa_keyword"]
    out["runaway_vs_peers"] = cpa.max() / cpa.drop(cpa.idxmax()).median()
    out["runaway_naive"] = kw.groupby("keyword")["cost"].sum().idxmax() == t["runaway_cpa_keyword"]
    names = set(comp["company"]) - {catalog.COMPANY["brand_zh"]}
    out["competitor_found"] = [k for k in kw["keyword"].unique() if k in names] == [
        t["competitor_trademark_keyword"]
    ]
    out["competitor_naive"] = (
        kw.groupby("keyword")["quality_score"].mean().idxmin() == t["competitor_trademark_keyword"]
    )

    roas = (by_channel["attributed_revenue"] / by_channel["actual_spend"]).sort_values()
    out["roas_found"] = roas.index[-1] == t["best_roas_channel"] and roas.index[0] == t["worst_roas_channel"]
    out["roas_lead"] = roas.iloc[-1] / roas.iloc[-2]
    out["roas_naive"] = by_channel["attributed_revenue"].idxmax() == t["best_roas_channel"]

    survey = w["survey_responses"]
    attrs = ["price", "quality", "delivery", "service", "brand_trust", "promotion"]
    gap = {a: survey[f"importance_{a}"].mean() - survey[f"satisfaction_{a}"].mean() for a in attrs}
    out["gap_found"] = max(gap, key=gap.get) == t["satisfaction_gap_attribute"]
    out["gap_naive"] = (
        min(attrs, key=lambda a: survey[f"satisfaction_{a}"].mean()) == t["satisfaction_gap_attribute"]
    )

    # Target segment (P1.2.4): the segment that leans most to the strength category.
    mem = w["members"][["member_id", "gender", "age_bracket"]].dropna()
    ml = lines.merge(mem, on="member_id")
    seg = ml.groupby(["gender", "age_bracket"], observed=True)
    buyers = seg["member_id"].nunique()
    lean = (
        ml[ml["category"] == t["strength_category"]]
        .groupby(["gender", "age_bracket"], observed=True)["item_revenue"]
        .sum()
        / seg["item_revenue"].sum()
    )[buyers >= 30]
    target = t["target_segment"]
    out["target_found"] = lean.idxmax() == (target["gender"], target["age_bracket"])
    out["target_naive"] = seg["item_revenue"].sum().idxmax() == (target["gender"], target["age_bracket"])
    mo = orders.merge(mem, on="member_id")
    in_t = (mo["gender"] == target["gender"]) & (mo["age_bracket"] == target["age_bracket"])
    own = mo["platform"].astype(str)
    lift = own[in_t].value_counts(normalize=True) / own.value_counts(normalize=True)
    out["channel_found"] = lift.idxmax() == target["preferred_channel"]
    hour = mo["order_ts"].dt.hour
    band_of = {h: b for b, hours in HOUR_BANDS.items() for h in hours}
    band = hour.map(band_of)
    hour_lift = band[in_t].value_counts(normalize=True) - band.value_counts(normalize=True)
    out["hours_found"] = hour_lift.idxmax() == target["peak_hours"]
    bands = pd.Series(price_band_of(products), index=products["sku"])
    tl = ml[
        (ml["gender"] == target["gender"])
        & (ml["age_bracket"] == target["age_bracket"])
        & (ml["category"] == t["strength_category"])
    ]
    out["price_band_found"] = PRICE_BANDS[int(tl["sku"].map(bands).mode().iloc[0])] == target["price_band"]
    ts = survey[(survey["gender"] == target["gender"]) & (survey["age_bracket"] == target["age_bracket"])]
    out["content_found"] = ts["preferred_content"].value_counts().idxmax() == target["preferred_content"]

    # Ad copies: price claims judged on price history, not on the words.
    copies = w["ad_copies"]
    history = w["price_history"]
    offers = w["offers"].set_index("offer_id")
    judged, naive = {}, {}
    for row in copies.itertuples():
        if "原價" in row.text:
            claimed = int(row.text.split("原價NT$")[1].split("，")[0].replace(",", ""))
            start = offers.loc[row.offer_id, "start_date"]
            h = history[(history["sku"] == row.sku) & (history["price_type"] == "regular")]
            h = h[
                (h["valid_from"] < start)
                & (h["valid_to"].fillna(pd.Timestamp("2100-01-01")) >= start - pd.Timedelta(days=30))
            ]
            judged[row.copy_id] = claimed not in set(h["price"])
            naive[row.copy_id] = True
        elif "限時優惠到" in row.text:
            month, day = row.text.split("限時優惠到")[1].split(" ")[0].split("/")
            end = offers.loc[row.offer_id, "end_date"]
            judged[row.copy_id] = (int(month), int(day)) != (end.month, end.day)
            naive[row.copy_id] = True
    labels = t["ad_copy_labels"]
    truth_flag = {c: bool({"false_original_price", "false_countdown"} & set(labels[c])) for c in judged}
    out["copies_found"] = judged == truth_flag and len(judged) > 0
    out["copies_naive"] = naive == truth_flag

    out["answers"] = {
        "strength": t["strength_category"],
        "weakness": t["weakness_category"],
        "bot": (t["bot_spike"]["date"], t["bot_spike"]["source"]),
        "viral": t["referral_viral_source"],
        "runaway": t["runaway_cpa_keyword"],
        "competitor": t["competitor_trademark_keyword"],
        "best_roas": t["best_roas_channel"],
        "worst_roas": t["worst_roas_channel"],
        "gap": t["satisfaction_gap_attribute"],
        "defects": tuple(sorted(t["defects"])),
        "target": (target["gender"], target["age_bracket"]),
        "channel": target["preferred_channel"],
        "price_band": target["price_band"],
        "hours": target["peak_hours"],
        "content": target["preferred_content"],
        "negatives": tuple(t["negative_keyword_candidates"]),
    }
    return out


@pytest.fixture(scope="module")
def summaries() -> list[dict]:
    return [summarise(seed) for seed in SEEDS]


def share(summaries, key) -> float:
    return float(np.mean([bool(s[key]) for s in summaries]))


@pytest.mark.slow
def test_company_is_consistent(summaries):
    """Is staff cost well below revenue, marketing spend 4-15 % of it, and are competitors of our size?"""
    for s in summaries:
        assert s["staff_ratio"] < 0.3, s["seed"]
        assert 0.04 <= s["spend_ratio"] <= 0.16, (s["seed"], s["spend_ratio"])
        assert s["min_share"] > 0.001, s["seed"]
        assert 0.3 <= s["competitor_size"][0] and s["competitor_size"][1] <= 5, s["seed"]
        assert 20_000 <= s["popup_cost"][0] and s["popup_cost"][1] <= 200_000, s["seed"]


@pytest.mark.slow
def test_prices_come_from_the_product(summaries):
    """Does one product type span at most 3.5x in price, with house brands earning a margin premium?"""
    for s in summaries:
        assert s["price_spread"] <= 3.5, s["seed"]
        assert s["house_margin_premium"] > 0.05, s["seed"]


@pytest.mark.slow
def test_marketplace_economics(summaries):
    """Is marketplace ROAS 2.3-3.5, do marketplaces charge fees, and do AOV and delivery differ by platform?"""
    for s in summaries:
        assert 2.2 <= s["marketplace_roas"] <= 3.6, s["seed"]
        assert all(s["fee_rate"][p] >= 0.08 for p in ("momo", "shopee", "pchome")), s["seed"]
        assert s["aov"]["shopee"] < 0.85 * s["aov"]["momo"], s["seed"]
        assert s["delivery_days"]["momo"] < s["delivery_days"]["shopee"] - 1, s["seed"]


@pytest.mark.slow
def test_taiwanese_calendar(summaries):
    """Are there no deliveries 除夕-初四, more orders on weekend days, and a run-up before 母親節?"""
    for s in summaries:
        assert s["blackout_deliveries"] == 0, s["seed"]
        assert s["weekend_vs_weekday"] > 1.05, s["seed"]
        assert s["mothers_day_runup"] > 1.1, s["seed"]
        assert not all(c % 100 == 0 for c in s["yearly_counts"]), s["seed"]


@pytest.mark.slow
def test_people_as_in_taiwan(summaries):
    """Are 65+ over 5 % of known-age GA4 users, high incomes rare, degrees rarer with age, the north over-weighted?"""
    for s in summaries:
        assert s["ga4_65_share"] > 0.05, s["seed"]
        assert s["high_income_share"] < 0.25, s["seed"]
        assert s["degree_65"] < 0.35 < s["degree_25_34"], s["seed"]
        assert s["north_index"] > 1.1, s["seed"]
        assert s["browsers"] >= 5, s["seed"]


@pytest.mark.slow
def test_ad_reports_have_a_real_shape(summaries):
    """Does Quality Score drift, CTR vary by audience, generic CPC sit at NT$10-40, most terms never convert,
    and plans miss actual spend?"""
    for s in summaries:
        assert s["qs_changes"] >= 10, s["seed"]
        assert s["meta_ctr_spread"] > 1.3, s["seed"]
        assert 10 <= s["generic_cpc"] <= 40, s["seed"]
        assert s["unconverted_terms"] > 0.5, s["seed"]
        assert s["pacing_off_share"] > 0.5, s["seed"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "fact, naive_at_most",
    [
        ("strength", 0.5),
        ("bot", 0.0),
        ("viral", 0.7),
        ("runaway", 0.3),
        ("competitor", 0.8),
        ("roas", 0.0),
        ("gap", 0.2),
        ("target", 0.0),
        ("copies", 0.0),
    ],
)
def test_planted_fact_found_by_intended_analysis_missed_by_naive(summaries, fact, naive_at_most):
    """Does the intended analysis find each planted fact in every variant while a naive look mostly misses it?"""
    assert share(summaries, f"{fact}_found") == 1.0, [s["seed"] for s in summaries if not s[f"{fact}_found"]]
    assert share(summaries, f"{fact}_naive") <= naive_at_most


@pytest.mark.slow
def test_weakness_found_and_trends_moderate(summaries):
    """Is the weakness category found by growth and margin, with every category's growth within about -25..+30 %?"""
    for s in summaries:
        assert s["weakness_found"], s["seed"]
        assert all(-0.25 <= g <= 0.33 for g in s["category_growths"]), s["seed"]


@pytest.mark.slow
def test_leaders_are_close_and_runaway_is_two_to_three_times_its_peers(summaries):
    """Does the best ROAS lead the second by 5-50 % (no gulf) and the runaway CPA stay at about 2-3x its peers?"""
    for s in summaries:
        assert 1.05 <= s["roas_lead"] <= 1.5, (s["seed"], s["roas_lead"])
        assert 1.7 <= s["runaway_vs_peers"] <= 4.5, (s["seed"], s["runaway_vs_peers"])


def negatives_found(seed: int) -> tuple[float, float, float]:
    """Run the search-ads generator at default-world volumes and find negatives as a learner would.

    Returns precision and recall of "zero conversions although the keyword's rate promised three or more",
    and the precision of the naive "every term without conversions".
    """
    months = pd.period_range(catalog.HISTORY_START, catalog.HISTORY_END, freq="M")
    rng = np.random.default_rng(seed)
    spend = rng.uniform(15_000, 25_000, len(months))
    keywords, terms, truth = make_search_ads(spend, spend * rng.uniform(2.5, 4.5), months, rng=rng)
    rate = keywords.groupby("keyword")[["conversions", "clicks"]].sum()
    rate = rate["conversions"] / rate["clicks"]
    st = terms.groupby(["keyword", "search_term"])[["clicks", "conversions"]].sum().reset_index()
    zero = st[st["conversions"] == 0]
    found = set(zero.loc[zero["clicks"] * zero["keyword"].map(rate) >= 3, "search_term"])
    planted = set(truth["negative_keyword_candidates"])
    return (
        len(found & planted) / max(len(found), 1),
        len(found & planted) / max(len(planted), 1),
        len(set(zero["search_term"]) & planted) / max(len(zero), 1),
    )


def test_negative_keywords_need_expected_conversions():
    """Do zero-conversion terms with enough expected conversions find the planted negatives, unlike all zero terms?"""
    for seed in range(20):
        precision, recall, naive = negatives_found(seed)
        assert precision >= 0.6 and recall >= 0.7, (seed, precision, recall)
        assert naive < 0.2, seed


@pytest.mark.slow
def test_target_segment_preferences_are_found(summaries):
    """Are the target segment's channel, hours, price band and content found by lifts against all members?"""
    for key in ("channel_found", "hours_found", "price_band_found", "content_found"):
        assert share(summaries, key) >= 0.9, (key, [s["seed"] for s in summaries if not s[key]])


@pytest.mark.slow
def test_no_planted_answer_is_the_same_in_every_variant(summaries):
    """Does every planted answer take several values over 20 seeds, so a copied answer fails?"""
    keys = summaries[0]["answers"].keys()
    for key in keys:
        values = {s["answers"][key] for s in summaries}
        assert len(values) >= 2, key
    for key in ("bot", "defects", "negatives", "runaway", "strength", "target"):
        assert len({s["answers"][key] for s in summaries}) >= 4, key
