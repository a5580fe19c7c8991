"""Do the GA4 events behave like a real GA4 export: sessions, engagement, funnel, channels, purchases?"""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

from netmarketing.data import build_world, default_channel_group
from netmarketing.data.channels import source_categories

SEED = 4242
FUNNEL = ["view_item", "add_to_cart", "begin_checkout", "add_payment_info", "purchase"]
THIRTY_MIN_US = 30 * 60 * 1_000_000


@pytest.fixture(scope="module")
def world():
    return build_world(SEED, scale=0.3, marketing=False)


@pytest.fixture(scope="module")
def events(world):
    ev = world["ga4_events"].drop_duplicates(["user_pseudo_id", "event_timestamp", "event_name"])
    return ev.sort_values(["user_pseudo_id", "event_timestamp"], kind="stable").reset_index(drop=True)


def test_sessions_follow_the_thirty_minute_rule(events):
    """Does splitting each user's events at 30-minute gaps give exactly the exported ga_session_id sessions?"""
    user = events["user_pseudo_id"].to_numpy()
    ts = events["event_timestamp"].to_numpy()
    new_user = np.r_[True, user[1:] != user[:-1]]
    gap = np.r_[0, np.diff(ts)]
    new_session = new_user | (gap > THIRTY_MIN_US)
    rebuilt = np.cumsum(new_session)
    exported = events.groupby(["user_pseudo_id", "ga_session_id"], sort=False).ngroup().to_numpy()
    # A one-to-one match between the two session labellings.
    pairs = pd.DataFrame({"a": rebuilt, "b": exported}).drop_duplicates()
    assert pairs["a"].is_unique and pairs["b"].is_unique


def test_one_session_start_per_session_and_session_numbers_count_up(events):
    """Has every session one session_start, and do a user's session numbers rise by one, first_visit only at 1?"""
    starts = events[events["event_name"] == "session_start"]
    per_session = starts.groupby(["user_pseudo_id", "ga_session_id"]).size()
    n_sessions = events.groupby(["user_pseudo_id", "ga_session_id"]).ngroups
    assert (per_session == 1).all() and len(per_session) == n_sessions
    nums = starts.sort_values(["user_pseudo_id", "event_timestamp"])
    step = nums.groupby("user_pseudo_id")["ga_session_number"].diff().dropna()
    assert (step == 1).all()
    first = events[events["event_name"] == "first_visit"]
    assert (first["ga_session_number"] == 1).all()
    assert first["user_pseudo_id"].is_unique


def test_event_date_is_taipei_date_of_timestamp(events):
    """Is event_date the Asia/Taipei calendar date of the UTC microsecond timestamp?"""
    sample = events.sample(5_000, random_state=1)
    local = pd.to_datetime(sample["event_timestamp"], unit="us", utc=True).dt.tz_convert("Asia/Taipei")
    assert (local.dt.strftime("%Y%m%d").to_numpy() == sample["event_date"].astype(str).to_numpy()).all()


def _sessions(events: pd.DataFrame) -> pd.DataFrame:
    key = ["user_pseudo_id", "ga_session_id"]
    flags = pd.crosstab([events["user_pseudo_id"], events["ga_session_id"]], events["event_name"].astype(str))
    eng = events.groupby(key)["engagement_time_msec"].sum()
    out = pd.DataFrame({step: flags.get(step, 0) > 0 for step in FUNNEL})
    out["views"] = flags.get("page_view", 0)
    out["engaged"] = (eng.reindex(out.index).fillna(0) > 10_000) | out["purchase"] | (out["views"] >= 2)
    return out


def test_engaged_sessions_and_funnel_never_grow(events):
    """Is the engagement rate GA4-like and does each funnel step reach no more sessions (or users) than the one before?"""
    sess = _sessions(events)
    assert 0.45 <= sess["engaged"].mean() <= 0.85
    counts = [int(sess[s].sum()) for s in FUNNEL]
    assert all(a >= b for a, b in itertools.pairwise(counts)), counts
    assert counts[-1] > 0
    # Session by session: a purchase implies every earlier step.
    buyers = sess[sess["purchase"]]
    assert buyers[FUNNEL].all(axis=1).all()
    users = [events.loc[events["event_name"] == s, "user_pseudo_id"].nunique() for s in FUNNEL]
    assert all(a >= b for a, b in itertools.pairwise(users)), users


def test_session_conversion_rate_is_one_to_three_percent(events):
    """Is the share of sessions with a purchase between 1 % and 3 % (real e-commerce range)?"""
    sess = _sessions(events)
    assert 0.01 <= sess["purchase"].mean() <= 0.03


def _reference_channel(source: str, medium: str, campaign: str, lists: dict) -> str:
    """Apply the research file's rule table one triple at a time (independent of the package code)."""
    s, m, c = (str(x).lower() if x is not None and x == x else "" for x in (source, medium, campaign))
    paid = re.match(r"^(.*cp.*|ppc|retargeting|paid.*)$", m) is not None
    shop_camp = re.match(r"^(.*(([^a-df-z]|^)shop|shopping).*)$", c) is not None
    search, social, video, shopping = (s in lists[k] for k in ("SEARCH", "SOCIAL", "VIDEO", "SHOPPING"))
    if s == "(direct)" and m in ("(not set)", "(none)"):
        return "Direct"
    if "cross-network" in c:
        return "Cross-network"
    if (shopping or shop_camp) and paid:
        return "Paid Shopping"
    if search and paid:
        return "Paid Search"
    if social and paid:
        return "Paid Social"
    if video and paid:
        return "Paid Video"
    if m in ("display", "banner", "expandable", "interstitial", "cpm"):
        return "Display"
    if paid:
        return "Paid Other"
    if shopping or shop_camp:
        return "Organic Shopping"
    if social or m in ("social", "social-network", "social-media", "sm", "social network", "social media"):
        return "Organic Social"
    if video or "video" in m:
        return "Organic Video"
    if search or m == "organic":
        return "Organic Search"
    if m in ("referral", "app", "link"):
        return "Referral"
    if any(re.search(r"email|e-mail|e_mail|e mail", x) for x in (s, m)):
        return "Email"
    if m == "affiliate":
        return "Affiliates"
    if m == "audio":
        return "Audio"
    if s == "sms" or m == "sms":
        return "SMS"
    if m.endswith("push") or "mobile" in m or "notification" in m or s == "firebase":
        return "Mobile Push"
    return "Unassigned"


def _own_lists() -> dict:
    """Read Google's source list CSV directly (not through the package)."""
    from importlib import resources

    with (resources.files("netmarketing.data") / "ga4_source_categories.csv").open(encoding="utf-8") as fh:
        table = pd.read_csv(fh)
    return {
        k: set(table.loc[table["source_category"] == f"SOURCE_CATEGORY_{k}", "source"].str.lower())
        for k in ("SEARCH", "SOCIAL", "VIDEO", "SHOPPING")
    }


EDGE_CASES = [
    ("(direct)", "(not set)", None),
    ("(direct)", "referral", None),
    ("google", "cpc", "brand_cross-network"),
    ("Google Shopping", "organic", None),
    ("bing", "ppc", None),
    ("facebook", "paid_social", "summer_shop"),
    ("tiktok", "retargeting", None),
    ("youtube", "cpv", None),
    ("newsletter", "banner", None),
    ("partner", "cpm", None),
    ("partner", "paid", None),
    ("IGShopping", "social", None),
    ("plurk", "referral", None),
    ("unknown", "social network", None),
    ("vimeo.example", "video", None),
    ("naver", "referral", None),
    ("ptt.cc", "referral", None),
    ("dcard.tw", "link", None),
    ("E-Mail", "newsletter", None),
    ("x", "e_mail", None),
    ("kol", "affiliate", None),
    ("podcast", "audio", None),
    ("SMS", "text", None),
    ("x", "web-push", None),
    ("x", "mobile_app", None),
    ("firebase", "x", None),
    ("qr_offline", "o2o", "popup_store"),
    (None, None, None),
    ("line", "cpc", "workshop"),
    ("line", "cpc", "eshop_sale"),
]


def test_default_channel_group_matches_reference_for_every_combination(world):
    """Does the package's channel grouping equal an independent rule-table implementation for every triple?"""
    ev = world["ga4_events"]
    combos = ev.loc[ev["event_name"] == "session_start", ["source", "medium", "campaign"]].astype(object)
    combos = combos.drop_duplicates()
    combos = pd.concat([combos, pd.DataFrame(EDGE_CASES, columns=combos.columns)], ignore_index=True)
    got = default_channel_group(combos["source"], combos["medium"], combos["campaign"]).astype(str).tolist()
    lists = _own_lists()
    want = [_reference_channel(s, m, c, lists) for s, m, c in combos.itertuples(index=False)]
    mismatches = [
        (tuple(r), g, w) for r, g, w in zip(combos.itertuples(index=False), got, want, strict=False) if g != w
    ]
    assert not mismatches
    assert lists["SOCIAL"] == set(source_categories()["SOCIAL"])


def test_taiwanese_forums_land_in_referral(world):
    """Do untagged Taiwanese forum and marketplace links (ptt, dcard, mobile01, shopee) count as Referral?"""
    ev = world["ga4_events"]
    starts = ev[ev["event_name"] == "session_start"]
    forums = starts[starts["source"].isin(["ptt.cc", "dcard.tw", "mobile01.com", "shopee.tw"])]
    assert len(forums) > 0
    channels = default_channel_group(forums["source"], forums["medium"], forums["campaign"])
    assert set(channels.astype(str)) == {"Referral"}


def test_purchases_carry_their_order(world):
    """Does each GA4 purchase carry its order's revenue, a unique transaction id and an items array matching the lines?"""
    ev = world["ga4_events"].drop_duplicates(["user_pseudo_id", "event_timestamp", "event_name"])
    purchases = ev[ev["event_name"] == "purchase"]
    assert purchases["transaction_id"].is_unique
    orders = world["orders"].drop_duplicates("order_id").set_index("transaction_id")
    matched = orders.loc[purchases["transaction_id"]]
    assert np.allclose(purchases["purchase_revenue"].to_numpy(), matched["revenue"].to_numpy())
    assert (matched["platform"] == "website").all()
    items = world["order_items"].groupby("order_id")["item_revenue"].sum()
    for text, order_id in zip(purchases["items"].head(200), matched["order_id"].head(200), strict=False):
        lines = json.loads(text)
        assert sum(x["price"] * x["quantity"] for x in lines) == items[order_id]
    # The purchase happens in the same second as the order timestamp.
    order_seconds = matched["order_ts"].dt.tz_convert("UTC").astype("int64") // 10**6
    assert (purchases["event_timestamp"].to_numpy() // 1_000_000 == order_seconds.to_numpy()).all()


def test_traffic_source_only_on_landing_hits(world):
    """Is the collected traffic source set on every session_start and absent from later funnel events?"""
    ev = world["ga4_events"]
    assert ev.loc[ev["event_name"] == "session_start", "source"].notna().all()
    assert ev.loc[ev["event_name"].isin(["add_to_cart", "purchase"]), "source"].isna().all()


def test_demographics_report_is_partial_and_thresholded(world):
    """Does the demographics report show unknown values, hide some month-value cells and keep counts coherent?"""
    demo = world["ga4_demographics"]
    assert set(demo["dimension"].astype(str)) == {"age", "gender", "interest"}
    assert "unknown" in set(demo.loc[demo["dimension"] == "gender", "value"])
    assert (demo["active_users"] <= demo["sessions"]).all() and (demo["key_events"] <= demo["sessions"]).all()
    # Rows below GA4's threshold (50 active users at scale 1, in proportion for smaller worlds) are withheld.
    assert (demo["active_users"] >= round(50 * world.scale)).all()
    # Coverage is partial: known genders are a minority of users.
    gender = demo[demo["dimension"] == "gender"].groupby("value", observed=True)["active_users"].sum()
    assert gender.get("unknown", 0) > gender.drop("unknown", errors="ignore").sum()
