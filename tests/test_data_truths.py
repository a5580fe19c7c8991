"""Are the planted truths of the world findable by a simple reference analysis, seed after seed?

Each reference analysis below works like a learner would: from the published
(defective) tables, with simple cleaning, never reading the truth manifest;
the manifest is only used to compare the answer.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from netmarketing.data import build_world, default_channel_group

SEEDS = list(range(101, 121))  # 20 seeds
SCALE = 0.4
FUNNEL = ["view_item", "add_to_cart", "begin_checkout", "add_payment_info", "purchase"]
TW_FORUMS = {"ptt.cc", "dcard.tw", "mobile01.com", "shopee.tw", "momoshop.com.tw", "pchome.com.tw"}


def clean_orders(w) -> pd.DataFrame:
    """Drop duplicate rows and test orders, as the data-cleaning lesson teaches."""
    orders = w["orders"].drop_duplicates("order_id")
    return orders[(orders["member_id"] != "TEST") & (orders["revenue"] > 1)]


def category_scorecard(w) -> pd.DataFrame:
    """Return growth 2025 vs 2024 and gross margin by category from completed order lines."""
    orders = clean_orders(w)
    done = orders.loc[orders["status"] == "completed", ["order_id", "order_ts"]]
    lines = w["order_items"].merge(done, on="order_id").merge(w["products"][["sku", "category"]], on="sku")
    lines["year"] = lines["order_ts"].dt.year
    rev = lines.pivot_table(
        index="category", columns="year", values="item_revenue", aggfunc="sum", observed=True
    )
    cost = lines.groupby("category", observed=True)[["item_revenue", "item_cost"]].sum()
    return pd.DataFrame(
        {"growth": rev[2025] / rev[2024] - 1, "margin": 1 - cost["item_cost"] / cost["item_revenue"]}
    )


def sessions_table(w) -> pd.DataFrame:
    """Return one row per GA4 session with its source, device, date, engagement and reached funnel steps."""
    ev = w["ga4_events"].drop_duplicates(["user_pseudo_id", "event_timestamp", "event_name"])
    sid = ev.groupby(["user_pseudo_id", "ga_session_id"], sort=False).ngroup().to_numpy()
    n = sid.max() + 1
    name = ev["event_name"].astype(str).to_numpy()
    first = ev["event_name"].eq("session_start").to_numpy()
    sess = (
        ev.loc[
            first,
            ["event_date", "source", "medium", "campaign", "device_category", "device_operating_system"],
        ]
        .set_axis(sid[first])
        .sort_index()
    )
    for step in FUNNEL:
        sess[step] = np.bincount(sid[name == step], minlength=n)[sess.index] > 0
    eng = np.bincount(sid, weights=ev["engagement_time_msec"].fillna(0).to_numpy(dtype=float), minlength=n)
    views = np.bincount(sid[name == "page_view"], minlength=n)
    sess["engaged"] = (eng[sess.index] > 10_000) | sess["purchase"] | (views[sess.index] >= 2)
    sess["month"] = sess["event_date"].astype(str).str.slice(0, 6)
    return sess.reset_index(drop=True)


def find_funnel_break(sess: pd.DataFrame) -> tuple[str, str, str, str]:
    """Return (device, os, step, month) whose step count falls furthest below the segment's usual rate.

    The shortfall is a binomial z-score, so small noisy months do not win over a real break.
    """
    best = (np.inf, None)
    for prev, step in itertools.pairwise(FUNNEL):
        entered = sess[sess[prev]]
        grid = entered.groupby(["device_category", "device_operating_system", "month"], observed=True)[
            step
        ].agg(["sum", "size"])
        grid = grid[grid["size"] >= 10]
        usual = (grid["sum"] / grid["size"]).groupby(level=[0, 1]).transform("median")
        expected = usual * grid["size"]
        z = (grid["sum"] - expected) / np.sqrt(expected * (1 - usual)).clip(lower=0.5)
        if len(z) and z.min() < best[0]:
            dev, os_, month = z.idxmin()
            best = (z.min(), (dev, os_, step, month))
    return best[1]


def find_lapsing(w) -> set[str]:
    """Return members who bought often (top 5 % frequency) but not in the last 240 days."""
    orders = clean_orders(w).dropna(subset=["member_id"])
    per = orders.groupby("member_id").agg(n=("order_id", "nunique"), last=("order_ts", "max"))
    end = pd.Timestamp("2026-10-31", tz="Asia/Taipei")
    frequent = per["n"] >= per["n"].quantile(0.95)
    return set(per.index[frequent & ((end - per["last"]).dt.days >= 240)])


@pytest.fixture(scope="module")
def worlds():
    return {seed: build_world(seed, scale=SCALE, marketing=False) for seed in SEEDS}


@pytest.fixture(scope="module")
def sessions(worlds):
    return {seed: sessions_table(w) for seed, w in worlds.items()}


@pytest.mark.slow
def test_strength_and_weakness_categories_found(worlds):
    """Does the category with the best growth and margin match the planted strength (and the worst, the weakness)?"""
    for seed, w in worlds.items():
        card = category_scorecard(w)
        assert card["growth"].idxmax() == card["margin"].idxmax() == w.truth["strength_category"], seed
        assert card["growth"].idxmin() == card["margin"].idxmin() == w.truth["weakness_category"], seed


@pytest.mark.slow
def test_funnel_break_found(worlds, sessions):
    """Does the worst device/OS/month step rate point at the planted funnel break?"""
    for seed, w in worlds.items():
        dev, os_, step, month = find_funnel_break(sessions[seed])
        fb = w.truth["funnel_break"]
        assert (dev, os_, step) == (fb["device"], fb["os"], fb["step"]), seed
        assert fb["start"].replace("-", "")[:6] <= month <= fb["end"].replace("-", "")[:6], seed


@pytest.mark.slow
def test_untagged_referrals_land_in_referral(worlds, sessions):
    """Do untagged Taiwanese forums and marketplaces land in Referral, as the truth lists them?

    (The bot spike and the viral forum are checked against naive looks in test_world_variants.)
    """
    for seed, w in worlds.items():
        sess = sessions[seed].copy()
        sess["channel"] = default_channel_group(sess["source"], sess["medium"], sess["campaign"])
        forums = sess[sess["source"].isin(TW_FORUMS)]
        assert set(forums["channel"].astype(str)) == {"Referral"}, seed
        assert sorted(forums["source"].unique()) == w.truth["referral_untagged_sources"], seed


@pytest.mark.slow
def test_lapsing_segment_found(worlds):
    """Do frequent buyers who went quiet mostly belong to the planted lapsing segment, and cover much of it?"""
    for seed, w in worlds.items():
        found = find_lapsing(w)
        truth = set(w.truth["lapsing_segment"]["member_ids"])
        precision = len(found & truth) / max(len(found), 1)
        recall = len(found & truth) / max(len(truth), 1)
        assert precision >= 0.6 and recall >= 0.6, (seed, precision, recall)


@pytest.mark.slow
def test_yoy_growth_and_conversion_match_manifest(worlds, sessions):
    """Does the cleaned 2025-vs-2024 revenue growth match the manifest, and is session conversion 1-3 %?"""
    growths = []
    for seed, w in worlds.items():
        orders = clean_orders(w)
        done = orders[orders["status"] == "completed"]
        by_year = done.groupby(done["order_ts"].dt.year)["revenue"].sum()
        growth = by_year[2025] / by_year[2024] - 1
        assert abs(growth - w.truth["yoy_growth"]["realised_2025_vs_2024"]) < 0.015, seed
        growths.append(growth)
        sess = sessions[seed]
        sess = sess[sess["source"] != w.truth["bot_spike"]["source"]]
        assert 0.01 <= sess["purchase"].mean() <= 0.03, seed
    # The growth really varies with the seed.
    assert np.ptp(growths) > 0.05
