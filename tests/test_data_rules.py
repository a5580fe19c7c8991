"""Fast tests of the data rules a learner is judged against: the history's last day, channels, the YoY truth.

Marked ``rules`` (see the README's developer section). They use only the data room's
door: ``build_world`` (its tables and truth) and ``default_channel_group``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from netmarketing.data import build_world, default_channel_group

pytestmark = pytest.mark.rules

LAST_DAY = pd.Timestamp("2026-10-31")
# Seed 1 at half scale: about ten orders and a few hundred GA4 events on the last day, and one
# session that starts late on it and runs past midnight (about 0.8 s to build).
SEED, SCALE = 1, 0.5


@pytest.fixture(scope="module")
def world():
    return build_world(SEED, scale=SCALE, marketing=False)


def local_days(stamps: pd.Series) -> pd.Series:
    """Return the Asia/Taipei calendar day of each timestamp (tz-aware or already local)."""
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("Asia/Taipei").dt.tz_localize(None)
    return stamps.dt.normalize()


def event_days(events: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(events["event_date"].astype(str), format="%Y%m%d")


# --- the last day of history ---------------------------------------------------------------------


def test_orders_reach_the_last_day_and_stop_there(world):
    """Do orders run up to 2026-10-31 (Asia/Taipei) inclusive and never past it?"""
    days = local_days(world["orders"]["order_ts"])
    assert (days == LAST_DAY).sum() > 0
    assert days.max() == LAST_DAY


def test_ga4_sessions_reach_the_last_day_and_stop_there(world):
    """Do GA4 sessions start up to 2026-10-31 inclusive and none after it?"""
    events = world["ga4_events"]
    starts = event_days(events[events["event_name"] == "session_start"])
    assert (starts == LAST_DAY).sum() > 0
    assert starts.max() == LAST_DAY


def test_only_sessions_crossing_the_last_midnight_spill_over(world):
    """Is every GA4 event dated after 2026-10-31 part of a session that started on 2026-10-31, within hours?

    Module 01 teaches that a few events of sessions running past midnight may follow the
    cut-off; anything else after it would be a day of history the world should not have.
    """
    events = world["ga4_events"]
    days = event_days(events)
    late = events[days > LAST_DAY]
    session = ["user_pseudo_id", "ga_session_id"]
    starts = events.loc[events["event_name"] == "session_start", [*session, "event_date"]]
    started = late[session].drop_duplicates().merge(starts, on=session, how="left")
    assert (pd.to_datetime(started["event_date"].astype(str), format="%Y%m%d") == LAST_DAY).all()
    assert days.max() <= LAST_DAY + pd.Timedelta(days=1)


# --- the 2025 YoY truth ----------------------------------------------------------------------------


def test_yoy_truth_is_recomputed_from_the_cleaned_tables(world):
    """Does the truth's 2025-vs-2024 growth equal completed revenue by Taipei year, from tables cleaned as taught?"""
    orders = world["orders"].drop_duplicates()
    orders = orders[orders["member_id"].ne("TEST").fillna(True) & (orders["revenue"] > 1)]
    done = orders[orders["status"] == "completed"]
    by_year = done.groupby(local_days(done["order_ts"]).dt.year)["revenue"].sum()
    growth = by_year[2025] / by_year[2024] - 1
    truth = world.truth["yoy_growth"]["realised_2025_vs_2024"]
    # A UTC-labelled export month can move an order across New Year: at most a few NT$ in millions.
    assert truth == pytest.approx(growth, abs=1e-3)


# --- GA4 default channel group: Organic Search and its neighbours ------------------------------------
# Google Analytics Help, "[GA4] Default channel group" (support.google.com/analytics/answer/9756891):
# Organic Search = source matches the list of search sites OR medium exactly matches "organic";
# rules are evaluated in order, first match wins, case-insensitive.

CHANNEL_CASES = [
    # The rule itself: medium "organic" from a source NOT on Google's search list.
    ("ptt.cc", "organic", None, "Organic Search"),
    ("our-blog.example", "organic", None, "Organic Search"),
    ("newsletter-archive", "ORGANIC", None, "Organic Search"),  # case-insensitive
    ("(direct)", "organic", None, "Organic Search"),  # Direct needs medium (none) / (not set)
    # ... and from a source ON the search list, with any non-paid medium.
    ("google", "organic", None, "Organic Search"),
    ("bing", "referral", None, "Organic Search"),  # rule 12 comes before Referral
    # Earlier rules win over "organic".
    ("facebook", "organic", None, "Organic Social"),
    ("youtube", "organic", None, "Organic Video"),
    ("Google Shopping", "organic", None, "Organic Shopping"),
    ("ptt.cc", "organic", "autumn_shop", "Organic Shopping"),
    ("google", "cpc", None, "Paid Search"),
    ("ptt.cc", "cpc", None, "Paid Other"),
    # The rule must not widen: only the exact medium "organic" counts.
    ("ptt.cc", "organic_social", None, "Unassigned"),
    ("ptt.cc", "inorganic", None, "Unassigned"),
    ("ptt.cc", "organic-search", None, "Unassigned"),
    ("ptt.cc", "referral", None, "Referral"),
    ("ptt.cc", None, None, "Unassigned"),
    ("(direct)", "(none)", None, "Direct"),
]


@pytest.mark.parametrize(("source", "medium", "campaign", "expected"), CHANNEL_CASES)
def test_organic_search_and_its_neighbours(source, medium, campaign, expected):
    """Does each source / medium / campaign land in GA4's channel as Google's rule table says?"""
    got = default_channel_group(pd.Series([source]), pd.Series([medium]), pd.Series([campaign]))
    assert str(got.iloc[0]) == expected


def test_channel_of_each_row_in_a_mixed_batch():
    """In one batch with repeated triples, does every row keep its own channel (no mix-up between rows)?"""
    cases = CHANNEL_CASES + CHANNEL_CASES[::-1]
    frame = pd.DataFrame(
        cases, columns=["source", "medium", "campaign", "expected"], index=range(100, 100 + len(cases))
    )
    got = default_channel_group(frame["source"], frame["medium"], frame["campaign"])
    assert list(got.index) == list(frame.index)
    assert got.astype(str).tolist() == frame["expected"].tolist()
