"""Tests of the marketing tables (netmarketing.data.marketing) against a small fake core."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from netmarketing.data import catalog
from netmarketing.data.marketing import MARKETING_TABLES, make_marketing_tables

OWN_CHANNELS = [
    "Direct",
    "Organic Search",
    "Paid Search",
    "Paid Shopping",
    "Paid Social",
    "Display",
    "Email",
    "Affiliates",
    "Organic Social",
    "Referral",
    "Unassigned",
]
OWN_CHANNEL_P = [0.25, 0.2, 0.12, 0.05, 0.1, 0.03, 0.05, 0.03, 0.09, 0.05, 0.03]


def fake_core(seed: int = 0, n_orders: int = 6_000, n_members: int = 1_500) -> dict[str, pd.DataFrame]:
    """Build a small core world with the contract's columns (independent of data-core's code)."""
    rng = np.random.default_rng(seed)
    cats = list(catalog.CATEGORIES)
    skus = [f"SKU-{c[:2].upper()}-{i:04d}" for c in cats for i in range(8)]
    products = pd.DataFrame(
        {
            "sku": skus,
            "category": pd.Categorical(np.repeat(cats, 8), categories=cats),
            "price": rng.integers(300, 2500, len(skus)),
        }
    )
    join = pd.Timestamp("2023-01-01", tz=catalog.TIMEZONE) + pd.to_timedelta(
        rng.integers(0, 1300, n_members), "D"
    )
    members = pd.DataFrame(
        {
            "member_id": [f"M{i:06d}" for i in range(1, n_members + 1)],
            "gender": rng.choice(["female", "male", "other"], n_members, p=[0.6, 0.37, 0.03]),
            "age_bracket": rng.choice(catalog.AGE_BRACKETS, n_members),
            "city": rng.choice(list(catalog.CITIES), n_members),
            "join_date": join,
            "marketing_consent": rng.random(n_members) < 0.7,
            "marketing_opt_out_date": pd.Series(
                pd.NaT, index=range(n_members), dtype=f"datetime64[ns, {catalog.TIMEZONE}]"
            ),
            "line_user_linked": rng.random(n_members) < 0.5,
        }
    )
    start = pd.Timestamp(catalog.HISTORY_START, tz=catalog.TIMEZONE)
    span = (pd.Timestamp(catalog.HISTORY_END, tz=catalog.TIMEZONE) - start).days + 1
    ts = start + pd.to_timedelta(rng.integers(0, span * 86_400, n_orders), "s")
    platform = rng.choice(list(catalog.PLATFORMS), n_orders, p=[0.3, 0.15, 0.1, 0.2, 0.17, 0.08])
    own = np.isin(platform, ["website", "app", "line_store"])
    channel = np.where(own, rng.choice(OWN_CHANNELS, n_orders, p=OWN_CHANNEL_P), None)
    campaign = np.full(n_orders, None, dtype=object)
    campaign[platform == "line_store"] = "line_oa_broadcast"
    campaign[channel == "Email"] = "edm_monthly"
    o2o = np.flatnonzero(channel == "Unassigned")
    campaign[o2o] = "popup_store"
    revenue = rng.integers(400, 4000, n_orders)
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i:07d}" for i in range(n_orders)],
            "platform": platform,
            "member_id": np.where(own, rng.choice(members["member_id"], n_orders), None),
            "order_ts": ts,
            "campaign": campaign,
            "channel": channel,
            "revenue": revenue,
            "status": rng.choice(["completed", "cancelled", "returned"], n_orders, p=[0.9, 0.05, 0.05]),
        }
    )
    n_items = n_orders
    order_items = pd.DataFrame(
        {
            "order_id": orders["order_id"],
            "line_no": 1,
            "sku": rng.choice(skus, n_items),
            "quantity": rng.integers(1, 3, n_items),
        }
    )
    order_items["unit_price"] = products.set_index("sku").loc[order_items["sku"], "price"].to_numpy()
    order_items["item_revenue"] = order_items["unit_price"] * order_items["quantity"]
    # GA4: session_start events, popup_store sessions clustered on a few weekends.
    n_sessions = 30_000
    days = start + pd.to_timedelta(rng.integers(0, span, n_sessions), "D")
    camp = rng.choice(["search_brand", "fb_prospecting", None], n_sessions).astype(object)
    bursts = pd.date_range(start, periods=8, freq="97D")
    popup_days = bursts[rng.integers(0, 8, 400)] + pd.to_timedelta(rng.integers(0, 3, 400), "D")
    ga4 = pd.DataFrame(
        {
            "event_date": np.concatenate([days.strftime("%Y%m%d"), popup_days.strftime("%Y%m%d")]),
            "event_name": "session_start",
            "campaign": np.concatenate([camp, np.full(400, "popup_store", dtype=object)]),
        }
    )
    return {
        "products": products,
        "members": members,
        "orders": orders,
        "order_items": order_items,
        "ga4_events": ga4,
        "ga4_demographics": pd.DataFrame(),
    }


CORE_TRUTH = {
    "strength_category": "beauty",
    "weakness_category": "apparel",
    "target_segment": {"gender": "female", "age_bracket": "25-34", "preferred_category": "health_food"},
}


@pytest.fixture(scope="module")
def core():
    return fake_core(0)


@pytest.fixture(scope="module")
def world(core):
    return make_marketing_tables(core, rng=7, truth=CORE_TRUTH)


EXPECTED_COLUMNS = {
    "search_keywords": [
        "month",
        "campaign",
        "ad_group",
        "keyword",
        "match_type",
        "status",
        "max_cpc",
        "quality_score",
        "impressions",
        "clicks",
        "ctr",
        "avg_cpc",
        "cost",
        "conversions",
        "conv_rate",
        "cost_per_conv",
        "conv_value",
        "conv_value_per_cost",
        "search_impr_share",
    ],
    "search_terms": [
        "month",
        "campaign",
        "ad_group",
        "keyword",
        "match_type",
        "search_term",
        "impressions",
        "clicks",
        "cost",
        "conversions",
        "conv_value",
    ],
    "social_ads": [
        "month",
        "campaign",
        "ad_set",
        "age",
        "gender",
        "publisher_platform",
        "placement",
        "device",
        "reach",
        "impressions",
        "frequency",
        "amount_spent",
        "cpm",
        "link_clicks",
        "cpc",
        "ctr",
        "purchases",
        "purchase_value",
        "purchase_roas",
    ],
    "crm_campaigns": [
        "campaign_id",
        "channel",
        "send_date",
        "segment",
        "sent",
        "delivered",
        "opened",
        "clicked",
        "orders",
        "revenue",
        "unsubscribed",
        "includes_opt_out_link",
    ],
    "marketing_spend": ["month", "channel", "planned_budget", "actual_spend", "attributed_revenue"],
    "market_size": ["year", "category", "market_revenue", "growth", "ecommerce_revenue", "is_estimate"],
    "competitors": [
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
    "survey_responses": [
        "respondent_id",
        "member_id",
        "age_bracket",
        "gender",
        "city",
        "preferred_category",
        "preferred_channel",
        "preferred_content",
        "importance_price",
        "importance_quality",
        "importance_delivery",
        "importance_service",
        "importance_brand_trust",
        "importance_promotion",
        "satisfaction_price",
        "satisfaction_quality",
        "satisfaction_delivery",
        "satisfaction_service",
        "satisfaction_brand_trust",
        "satisfaction_promotion",
        "nps",
    ],
    "pest_indicators": ["period", "factor", "indicator", "value", "unit", "note", "source"],
    "resources": ["resource_type", "item", "quantity", "unit", "annual_cap", "cost_per_unit", "notes"],
    "o2o_events": [
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
        "onsite_revenue",
    ],
    "ad_copies": ["copy_id", "category", "platform", "sku", "offer_id", "run_date", "text"],
}


def test_every_table_has_the_documented_columns(world):
    """Does every marketing table exist, non-empty, with at least the documented columns?"""
    tables, _ = world
    assert set(tables) == set(MARKETING_TABLES) == set(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        missing = set(columns) - set(tables[name].columns)
        assert not missing, f"{name} lacks {missing}"
        assert len(tables[name]) > 0, name


def test_truth_fragment_is_json_serialisable_and_new(world):
    """Is the truth fragment JSON-serialisable and free of the core's keys?"""
    import json

    _, truth = world
    json.dumps(truth)
    assert not set(truth) & set(CORE_TRUTH)


def test_same_seed_same_tables_other_seed_other_numbers(core, world):
    """Does the same seed rebuild identical tables, and another seed give other numbers?"""
    again, truth_again = make_marketing_tables(core, rng=7, truth=CORE_TRUTH)
    tables, truth = world
    for name in MARKETING_TABLES:  # DataFrame.equals: values, NaN positions and dtypes, fast
        assert tables[name].equals(again[name]), name
        assert list(tables[name].dtypes) == list(again[name].dtypes), name
    assert truth == truth_again
    other, _ = make_marketing_tables(core, rng=8, truth=CORE_TRUTH)
    assert not other["search_keywords"]["cost"].equals(tables["search_keywords"]["cost"])


def test_search_metric_identities(world):
    """Do CTR, average CPC, conversion rate, CPA and value/cost follow their definitions in the keyword report?"""
    kw = world[0]["search_keywords"]
    clicked = kw[kw["clicks"] > 0]
    assert np.allclose(kw["ctr"], kw["clicks"] / kw["impressions"])
    assert np.allclose(clicked["avg_cpc"], clicked["cost"] / clicked["clicks"])
    assert np.allclose(clicked["conv_rate"], clicked["conversions"] / clicked["clicks"])
    assert np.allclose(clicked["cost_per_conv"], clicked["cost"] / clicked["conversions"])
    paid = kw[kw["cost"] > 0]
    assert np.allclose(paid["conv_value_per_cost"], paid["conv_value"] / paid["cost"])
    assert (kw["clicks"] <= kw["impressions"]).all()
    assert kw["quality_score"].between(1, 10).all()
    assert kw["search_impr_share"].between(0, 1).all()
    assert set(kw["match_type"].astype(str)) == {"Exact", "Phrase", "Broad"}


def test_search_terms_add_up_within_their_keyword(world):
    """Do a keyword's search terms never exceed the keyword's clicks or impressions in a month?"""
    tables, _ = world
    kw = tables["search_keywords"].set_index(["month", "keyword"])
    terms = (
        tables["search_terms"].groupby(["month", "keyword"])[["clicks", "impressions", "conversions"]].sum()
    )
    joined = terms.join(kw[["clicks", "impressions", "conversions"]].add_suffix("_kw"))
    assert (joined["clicks"] <= joined["clicks_kw"]).all()
    assert (joined["impressions"] <= joined["impressions_kw"]).all()


def test_social_metric_identities(world):
    """Do frequency, CPM, CPC, CTR and ROAS follow Meta's definitions row by row?"""
    ads = world[0]["social_ads"]
    assert np.allclose(ads["frequency"], ads["impressions"] / ads["reach"])
    assert (ads["frequency"] >= 1).all()
    assert np.allclose(ads["cpm"], ads["amount_spent"] / ads["impressions"] * 1000)
    assert np.allclose(ads["ctr"], ads["link_clicks"] / ads["impressions"])
    clicked = ads[ads["link_clicks"] > 0]
    assert np.allclose(clicked["cpc"], clicked["amount_spent"] / clicked["link_clicks"])
    spent = ads[ads["amount_spent"] > 0]
    assert np.allclose(spent["purchase_roas"], spent["purchase_value"] / spent["amount_spent"])


def test_calibration_to_taiwan_magnitudes(world):
    """Are Meta CPM and CTR, search CTR and CPC within the Taiwan ranges, with November the CPM peak?"""
    tables, _ = world
    ads = tables["social_ads"]
    monthly = ads.groupby("month")[["amount_spent", "impressions", "link_clicks"]].sum()
    cpm = monthly["amount_spent"] / monthly["impressions"] * 1000
    off_peak = cpm[~cpm.index.str.endswith(("-10", "-11", "-12"))]
    assert off_peak.between(50, 150).all(), off_peak.describe()
    november = cpm[cpm.index.str.endswith("-11")]
    assert (november > off_peak.median() * 1.4).all() and (november <= 300).all()
    ctr = monthly["link_clicks"].sum() / monthly["impressions"].sum()
    assert 0.009 <= ctr <= 0.02
    kw = tables["search_keywords"]
    search_ctr = kw["clicks"].sum() / kw["impressions"].sum()
    assert 0.03 <= search_ctr <= 0.08
    generic = kw[kw["campaign"] == "search_generic"]
    generic_cpc = generic["cost"].sum() / generic["clicks"].sum()
    assert 10 <= generic_cpc <= 40  # Taiwan e-commerce search CPCs (weak source, see the data dictionary)
    conv_rate = kw["conversions"].sum() / kw["clicks"].sum()
    assert 0.01 <= conv_rate <= 0.3


def test_marketing_spend_matches_orders_and_ad_reports(core, world):
    """Does attributed revenue equal the orders' channel revenue, and spend equal the ad reports' cost?"""
    tables, _ = world
    spend = tables["marketing_spend"]
    orders = core["orders"]
    month = orders["order_ts"].dt.strftime("%Y-%m")
    for channel in ["Paid Search", "Paid Social", "Email"]:
        expected = orders[orders["channel"] == channel].groupby(month)["revenue"].sum()
        got = spend[spend["channel"] == channel].set_index("month")["attributed_revenue"]
        assert np.allclose(got.reindex(expected.index), expected, atol=1)
    search_cost = tables["search_keywords"].groupby("month")["cost"].sum()
    got = spend[spend["channel"] == "Paid Search"].set_index("month")["actual_spend"]
    assert (got.reindex(search_cost.index) == search_cost).all()
    meta = tables["social_ads"].groupby("month")["amount_spent"].sum()
    got = spend[spend["channel"] == "Paid Social"].set_index("month")["actual_spend"]
    assert (got.reindex(meta.index) == meta).all()
    event_cost = tables["o2o_events"]["cost"].sum()
    o2o_spend = spend.loc[spend["channel"] == "O2O/Offline", "actual_spend"].sum()
    assert 0.5 * o2o_spend <= event_cost <= o2o_spend
    assert spend["month"].nunique() == 34


def test_duplicate_and_test_orders_do_not_count(core, world):
    """Are duplicated order rows and staff test orders left out of the revenue the marketing tables use?"""
    orders = core["orders"]
    dirty_orders = pd.concat([orders, orders.iloc[:300]], ignore_index=True)  # double export
    test = orders[orders["channel"] == "Paid Search"].iloc[:5].copy()
    test["order_id"] = [f"W9{i:07d}" for i in range(5)]
    test["member_id"], test["revenue"] = "TEST", 50_000
    dirty_orders = pd.concat([dirty_orders, test], ignore_index=True)
    dirty = {**core, "orders": dirty_orders}
    tables, _ = make_marketing_tables(dirty, rng=7, truth=CORE_TRUTH)
    for name in ["marketing_spend", "competitors", "crm_campaigns"]:
        assert tables[name].equals(world[0][name]), name


def test_crm_funnel_and_orders_are_consistent(core, world):
    """Does every CRM campaign have sent >= delivered >= opened >= clicked >= orders, and e-mail orders match the orders table?"""
    crm = world[0]["crm_campaigns"]
    for a, b in [
        ("sent", "delivered"),
        ("delivered", "opened"),
        ("opened", "clicked"),
        ("clicked", "orders"),
    ]:
        assert (crm[a] >= crm[b]).all(), (a, b)
    email_orders = (core["orders"]["channel"] == "Email").sum()
    assert crm.loc[crm["channel"] == "email", "orders"].sum() == email_orders
    email = core["orders"]["channel"] == "Email"
    assert crm.loc[crm["channel"] == "email", "revenue"].sum() == core["orders"].loc[email, "revenue"].sum()
    assert set(crm["channel"].astype(str)) == {"line", "email"}


def test_market_share_is_our_order_revenue_over_market_size(core, world):
    """Is our market share our completed-order item revenue divided by the category's market size?"""
    tables, _ = world
    items = core["order_items"].merge(core["orders"], on="order_id").merge(core["products"], on="sku")
    items = items[items["status"] == "completed"]
    ours = items.groupby([items["order_ts"].dt.year, "category"], observed=True)["item_revenue"].sum()
    comp = tables["competitors"]
    mine = comp[comp["company"] == catalog.COMPANY["brand_zh"]].set_index(["year", "category"])
    market = tables["market_size"].set_index(["year", "category"])["market_revenue"]
    for (year, category), row in mine.iterrows():
        assert row["revenue"] == ours.loc[(year, category)]
        assert np.isclose(row["market_share"], ours.loc[(year, category)] / market.loc[(year, category)])
    broad = tables["market_size"].groupby("year")["ecommerce_revenue"].sum()
    for year, yi in catalog.MARKET_REVENUE_YI.items():
        assert broad[year] < yi * 1e8  # the five categories are part of the MOEA total
    assert (tables["competitors"]["market_share"] > 0.001).all()


def test_pest_resources_and_o2o_are_well_formed(world):
    """Do PEST rows cover P, E, S and T, resources cover the four types, and O2O events point to popup_store?"""
    tables, _ = world
    assert set(tables["pest_indicators"]["factor"]) == {"P", "E", "S", "T"}
    assert set(tables["resources"]["resource_type"]) == {"財務", "人力", "材料", "設備"}
    o2o = tables["o2o_events"]
    assert (o2o["utm_campaign"] == "popup_store").all()
    assert (o2o["qr_scans"] >= o2o["sessions"]).all()
    assert (o2o["end_date"] >= o2o["start_date"]).all()
    assert o2o["sessions"].sum() > 0


# ---- Ad copies: an independent keyword rule -------------------------------------------------
def rule_labels(category: str, platform: str, text: str) -> list[str]:
    """Label a copy's wording-based breaches by simple keyword rules written independently of the generator."""
    labels = []
    if re.search(r"部落客|網紅|KOL", text) and not re.search(r"廣告|合作|贊助", text):
        labels.append("undisclosed_endorsement")
    if category == "health_food" and re.search(r"治療|降血壓|降血糖|預防癌症", text):
        labels.append("medical_claim_food")
    if category == "beauty" and re.search(r"消炎|治療痘痘|生髮", text):
        labels.append("medical_claim_cosmetic")
    if platform in ("電子報", "簡訊") and not re.search(r"取消訂閱|退訂|拒收", text):
        labels.append("missing_opt_out")
    return labels


def test_ad_copy_labels_agree_with_keyword_rule():
    """Without price facts, does every copy carry exactly the wording labels an independent rule finds?"""
    from netmarketing.data.copies import make_ad_copies

    texts = set()
    for seed in range(20):
        copies, truth = make_ad_copies(rng=seed)
        labels = truth["ad_copy_labels"]
        assert 40 <= len(copies) <= 60
        assert set(labels) == set(copies["copy_id"])
        for row in copies.itertuples():
            expected = sorted(rule_labels(str(row.category), row.platform, row.text))
            assert sorted(labels[row.copy_id]) == expected, row.text
            assert "原價" not in row.text and "限時" not in row.text  # no price facts, no price claims
            for item in truth["ad_copy_evidence"][row.copy_id]:
                assert item["rule"] and item["evidence"]
        found = {label for values in labels.values() for label in values}
        assert {
            "undisclosed_endorsement",
            "medical_claim_food",
            "medical_claim_cosmetic",
            "missing_opt_out",
        } <= found
        assert sum(1 for v in labels.values() if not v) >= 8  # enough compliant copies to tell apart
        texts.add(tuple(copies["text"]))
    assert len(texts) == 20  # the mix varies with the seed


# ---- Planted truths, found by reference analyses over many seeds ----------------------------
@pytest.fixture(scope="module")
def many_worlds(core):
    truths = [
        {
            "strength_category": c,
            "weakness_category": w,
            "target_segment": {"gender": "female", "age_bracket": a, "preferred_category": p},
        }
        for c, w, a, p in zip(
            ["beauty", "home", "apparel", "health_food", "accessories_3c"] * 4,
            ["apparel", "beauty", "home", "accessories_3c", "health_food"] * 4,
            catalog.AGE_BRACKETS * 4,
            ["home", "beauty", "apparel"] * 7,
            strict=False,
        )
    ]
    return [(truth, *make_marketing_tables(core, rng=100 + i, truth=truth)) for i, truth in enumerate(truths)]


@pytest.mark.slow
def test_runaway_cpa_keyword_is_found(many_worlds):
    """Is the planted keyword the one with the highest cost per conversion among keywords with enough clicks?"""
    for _, tables, truth in many_worlds:
        recent = tables["search_keywords"][tables["search_keywords"]["month"] >= truth["runaway_cpa_since"]]
        kw = recent.groupby("keyword")[["clicks", "cost", "conversions"]].sum()
        kw = kw[kw["clicks"] >= 0.01 * kw["clicks"].sum()]
        cpa = (kw["cost"] / kw["conversions"]).sort_values()
        assert cpa.index[-1] == truth["runaway_cpa_keyword"]
        assert cpa.iloc[-1] > 1.2 * cpa.iloc[-2]


@pytest.mark.slow
def test_negative_keyword_candidates_are_found(many_worlds):
    """Are the planted negatives search terms that cost money and never converted, among many such terms?"""
    for _, tables, truth in many_worlds:
        terms = tables["search_terms"].groupby("search_term")[["clicks", "cost", "conversions"]].sum()
        zero = set(terms[(terms["clicks"] > 0) & (terms["conversions"] == 0)].index)
        assert set(truth["negative_keyword_candidates"]) <= zero
        assert len(truth["negative_keyword_candidates"]) >= 3 and len(zero) > 3 * len(
            truth["negative_keyword_candidates"]
        )


@pytest.mark.slow
def test_best_and_worst_roas_channels_are_found(many_worlds):
    """Are the best and worst ROAS channels clear winners in the marketing spend table, and do they vary by seed?"""
    best_seen, worst_seen = set(), set()
    for _, tables, truth in many_worlds:
        totals = (
            tables["marketing_spend"]
            .groupby("channel", observed=True)[["attributed_revenue", "actual_spend"]]
            .sum()
        )
        roas = (totals["attributed_revenue"] / totals["actual_spend"]).sort_values()
        assert roas.index[-1] == truth["best_roas_channel"]
        assert roas.index[0] == truth["worst_roas_channel"]
        assert 1.05 * roas.iloc[-2] < roas.iloc[-1] < 1.5 * roas.iloc[-2]  # a clear leader, no gulf
        assert roas.iloc[0] < 0.95 * roas.iloc[1]
        best_seen.add(truth["best_roas_channel"])
        worst_seen.add(truth["worst_roas_channel"])
    assert len(best_seen) >= 2 and len(worst_seen) >= 2


@pytest.mark.slow
def test_segment_preferences_are_found(many_worlds):
    """Does each age bracket's most chosen category, channel and most important attribute match the truth?"""
    for core_truth, tables, truth in many_worlds:
        survey = tables["survey_responses"]
        planted = truth["segment_preferences"]["segments"]
        importance = [c for c in survey.columns if c.startswith("importance_")]
        for bracket, group in survey.groupby("age_bracket", observed=True):
            expected = planted[bracket]
            assert group["preferred_category"].value_counts().idxmax() == expected["preferred_category"]
            assert group["preferred_channel"].value_counts().idxmax() == expected["preferred_channel"]
            top = group[importance].mean().idxmax().removeprefix("importance_")
            assert top == expected["top_importance"]
        target = core_truth["target_segment"]
        assert planted[target["age_bracket"]]["preferred_category"] == target["preferred_category"]
        gap = {
            a: survey[f"importance_{a}"].mean() - survey[f"satisfaction_{a}"].mean()
            for a in ["price", "quality", "delivery", "service", "brand_trust", "promotion"]
        }
        assert max(gap, key=gap.get) == truth["satisfaction_gap_attribute"]


@pytest.mark.slow
def test_strength_category_leads_on_market_share(many_worlds):
    """Is our market share highest in the strength category, where we also lead every competitor?"""
    for core_truth, tables, _ in many_worlds:
        comp = tables["competitors"]
        ours = comp[comp["company"] == catalog.COMPANY["brand_zh"]]
        for year, group in ours.groupby("year"):
            best = group.set_index("category")["market_share"].idxmax()
            assert best == core_truth["strength_category"], year
        strength = comp[comp["category"] == core_truth["strength_category"]]
        for _year, group in strength.groupby("year"):
            assert group.set_index("company")["revenue"].idxmax() == catalog.COMPANY["brand_zh"]


@pytest.mark.slow
def test_crm_missing_opt_out_campaigns_vary_and_are_email(many_worlds):
    """Does each world have a few e-mail campaigns without an opt-out link, listed in the truth and varying by seed?"""
    seen = set()
    for _, tables, truth in many_worlds:
        crm = tables["crm_campaigns"].set_index("campaign_id")
        listed = truth["crm_missing_opt_out_campaigns"]
        assert 2 <= len(listed) <= 4
        assert not crm.loc[listed, "includes_opt_out_link"].any()
        assert (crm.loc[listed, "channel"] == "email").all()
        assert crm["includes_opt_out_link"].sum() == len(crm) - len(listed)
        seen.add(tuple(listed))
    assert len(seen) > 1


# ---- The real world (data-core's build_world) -------------------------------------------------
@pytest.fixture(scope="module")
def real_world():
    from netmarketing.data import build_world

    return build_world(11, scale=0.3)


@pytest.mark.slow
def test_real_world_carries_marketing_tables_and_truths(real_world):
    """Does build_world add every marketing table, with truths a reference analysis recovers?"""
    tables, truth = real_world.tables, real_world.truth
    assert set(MARKETING_TABLES) <= set(tables)
    recent = tables["search_keywords"][tables["search_keywords"]["month"] >= truth["runaway_cpa_since"]]
    kw = recent.groupby("keyword")[["clicks", "cost", "conversions"]].sum()
    kw = kw[kw["clicks"] >= 0.01 * kw["clicks"].sum()]
    assert (kw["cost"] / kw["conversions"]).idxmax() == truth["runaway_cpa_keyword"]
    spend = (
        tables["marketing_spend"]
        .groupby("channel", observed=True)[["attributed_revenue", "actual_spend"]]
        .sum()
    )
    roas = spend["attributed_revenue"] / spend["actual_spend"]
    assert roas.idxmax() == truth["best_roas_channel"] and roas.idxmin() == truth["worst_roas_channel"]
    ours = tables["competitors"][tables["competitors"]["company"] == catalog.COMPANY["brand_zh"]]
    for _year, group in ours.groupby("year"):
        assert group.set_index("category")["market_share"].idxmax() == truth["strength_category"]
    survey = tables["survey_responses"]
    target = truth["target_segment"]
    in_target = survey[survey["age_bracket"] == target["age_bracket"]]
    assert in_target["preferred_category"].value_counts().idxmax() == target["preferred_category"]


@pytest.mark.slow
def test_real_world_revenue_reconciles_with_clean_orders(real_world):
    """Does Paid Search attributed revenue equal the revenue of the deduplicated, non-test Paid Search orders?"""
    orders = real_world["orders"].drop_duplicates("order_id")
    orders = orders[orders["member_id"].ne("TEST").fillna(True)]
    paid = orders[orders["channel"] == "Paid Search"]
    spend = real_world["marketing_spend"]
    assert spend.loc[spend["channel"] == "Paid Search", "attributed_revenue"].sum() == paid["revenue"].sum()
    email = orders[orders["channel"] == "Email"]
    crm = real_world["crm_campaigns"]
    assert crm.loc[crm["channel"] == "email", "orders"].sum() == len(email)


def test_pest_rows_carry_sources_and_the_right_pdpa_fines(world):
    """Does every PEST row name its source, and are the 個資法 fines tied to the right articles?"""
    pest = world[0]["pest_indicators"]
    assert pest["source"].str.len().gt(5).all()
    assert not pest["note"].str.contains("約略值").any()
    pdpa = pest[pest["indicator"].str.startswith("個資法")]
    marketing = pdpa[pdpa["indicator"].str.contains("行銷")]
    assert len(marketing) >= 2 and (marketing["value"] <= 500_000).all()
    ceiling = pdpa[pdpa["value"] == 15_000_000]
    assert len(ceiling) == 1 and "§27" in ceiling["indicator"].iloc[0] and "§48" in ceiling["source"].iloc[0]
    assert pest["note"].str.contains("2025-10-17").any()
