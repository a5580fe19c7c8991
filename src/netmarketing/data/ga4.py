"""GA4 web-stream event export (table ``ga4_events``) and demographics report (``ga4_demographics``).

Everything is vectorised: sessions are rows of arrays, events are produced
with ``np.repeat`` from per-session event counts, already in funnel order.
Purchase sessions come from website orders, so every GA4 purchase has its
order (joined by ``transaction_id``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog, seasons

SITE = catalog.COMPANY["website"]
EVENT_NAMES = [
    "session_start",
    "first_visit",
    "page_view",
    "view_item_list",
    "search",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
    "user_engagement",
]
EV = {name: i for i, name in enumerate(EVENT_NAMES)}
FUNNEL = ["view_item", "add_to_cart", "begin_checkout", "add_payment_info", "purchase"]
DEVICE_OS = [
    ("mobile", "iOS"),
    ("mobile", "Android"),
    ("desktop", "Windows"),
    ("desktop", "Macintosh"),
    ("desktop", "Linux"),
    ("tablet", "iOS"),
    ("tablet", "Android"),
]
SOURCES = list(catalog.TRAFFIC_SOURCES) + list(catalog.EXTRA_TRAFFIC_SOURCES)
# Share of sessions and relative conversion by source (index aligned with SOURCES by key).
SOURCE_CALIBRATION = {
    ("(direct)", "(none)", None): (0.22, 1.3),
    ("google", "organic", None): (0.20, 1.0),
    ("yahoo", "organic", None): (0.015, 0.9),
    ("bing", "organic", None): (0.006, 0.9),
    ("google", "cpc", "search_brand"): (0.035, 2.4),
    ("google", "cpc", "search_generic"): (0.09, 1.0),
    ("google", "cpc", "shopping_pmax"): (0.04, 1.3),
    ("facebook", "paid_social", "fb_prospecting"): (0.09, 0.5),
    ("instagram", "paid_social", "ig_retargeting"): (0.04, 1.2),
    ("facebook", "referral", None): (0.04, 0.6),
    ("instagram", "referral", None): (0.03, 0.6),
    ("line", "social", "line_oa_broadcast"): (0.05, 1.5),
    ("youtube", "referral", None): (0.012, 0.4),
    ("newsletter", "email", "edm_monthly"): (0.025, 1.8),
    ("ptt.cc", "referral", None): (0.012, 0.7),
    ("dcard.tw", "referral", None): (0.018, 0.8),
    ("mobile01.com", "referral", None): (0.008, 0.8),
    ("shopee.tw", "referral", None): (0.008, 0.6),
    ("affiliate_partner", "affiliate", "kol_affiliate"): (0.045, 1.3),
    ("gdn", "display", "gdn_remarketing"): (0.04, 0.35),
    ("qr_offline", "o2o", "popup_store"): (0.005, 1.0),
    ("momoshop.com.tw", "referral", None): (0.005, 0.6),
    ("pchome.com.tw", "referral", None): (0.004, 0.6),
    ("tw.news.yahoo.com", "referral", None): (0.006, 0.5),
    ("chatgpt.com", "referral", None): (0.006, 1.2),
    ("line", "referral", None): (0.015, 0.8),
    ("google", "cpc", "pmax_cross-network"): (0.02, 0.9),
    ("facebook", "cpc", "fb_dpa_shopping"): (0.02, 1.0),
    ("app_push", "push", "app_reengage"): (0.008, 1.4),
    ("sms", "sms", "sms_member_day"): (0.005, 1.4),
    ("tw.search.yahoo.com", "organic", None): (0.01, 0.9),
}
REFERRER_URL = {
    "google": "https://www.google.com/",
    "yahoo": "https://tw.search.yahoo.com/",
    "bing": "https://www.bing.com/",
    "facebook": "https://m.facebook.com/",
    "instagram": "https://l.instagram.com/",
    "youtube": "https://www.youtube.com/",
    "ptt.cc": "https://www.ptt.cc/bbs/MakeUp/index.html",
    "dcard.tw": "https://www.dcard.tw/f/makeup",
    "mobile01.com": "https://www.mobile01.com/topicdetail.php",
    "shopee.tw": "https://shopee.tw/",
    "momoshop.com.tw": "https://www.momoshop.com.tw/",
    "pchome.com.tw": "https://24h.pchome.com.tw/",
    "tw.news.yahoo.com": "https://tw.news.yahoo.com/",
    "chatgpt.com": "https://chatgpt.com/",
    "line": "https://line.me/",
    "tw.search.yahoo.com": "https://tw.search.yahoo.com/",
}
# Conditional funnel probabilities of sessions that do not buy: view_item, add_to_cart | view, ...
NON_BUYER_FUNNEL = [0.42, 0.17, 0.45, 0.35]
# Yearly drift of some sources' share (log scale), on top of a random drift per variant.
SOURCE_DRIFT = {
    ("chatgpt.com", "referral", None): 0.7,
    ("line", "social", "line_oa_broadcast"): 0.1,
    ("facebook", "referral", None): -0.15,
    ("instagram", "paid_social", "ig_retargeting"): 0.1,
    ("google", "cpc", "pmax_cross-network"): 0.25,
}
BOT_DEVICES = [("desktop", "Windows"), ("mobile", "Android"), ("desktop", "Linux"), ("mobile", "iOS")]
BOT_DEVICE_P = np.array([0.5, 0.3, 0.12, 0.08])
MAX_DURATION_S = 28 * 60  # keeps every in-session gap under GA4's 30-minute timeout


def _pick(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def _user_strings(keys: np.ndarray, first_seen_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return GA4-like user_pseudo_id strings ("123456789.1700000000") for unique user keys."""
    client = rng.integers(100_000_000, 2_147_483_647, size=len(keys))
    return (pd.Series(client).astype(str) + "." + pd.Series(first_seen_s).astype(str)).to_numpy(dtype=object)


def make_ga4(
    orders: pd.DataFrame,
    items: pd.DataFrame,
    products: pd.DataFrame,
    members: pd.DataFrame,
    hidden: pd.DataFrame,
    *,
    plan: dict,
    scale: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> dict:
    """Generate GA4 sessions and events consistent with the website orders.

    Parameters
    ----------
    orders, items : un-finalised orders (positional ``_order_pos`` in items) with ``_device``/``_os``.
    products, members, hidden : catalogue and CRM (hidden behaviour for users' devices and geo).
    plan : planted effects: ``conversion_rate``, ``funnel_break``, ``bot_spike``, ``viral_source``,
        ``untracked_share``.
    scale : world scale (bot spike size follows it).
    rng : seed or generator.

    Returns
    -------
    dict with ``events`` (DataFrame), ``sessions`` (hidden per-session frame), ``order_source``
    (per website order position: source, medium, campaign, tracked flag, transaction position),
    ``dropped_orders`` (positions removed by the funnel break), ``order_shift_s`` (seconds each
    order moved to keep one user's sessions 30 minutes apart).
    """
    rng = np.random.default_rng(rng)
    days = seasons.history_days()
    n_orders = len(orders)
    web_pos = np.flatnonzero(orders["platform"].to_numpy() == "website")
    order_local = orders["order_ts"].dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    order_utc_s = order_local.astype(np.int64) - 8 * 3600
    dev_os_index = {pair: i for i, pair in enumerate(DEVICE_OS)}
    order_devos = np.array(
        [
            dev_os_index[(d, o)]
            for d, o in zip(
                orders["_device"].to_numpy()[web_pos], orders["_os"].to_numpy()[web_pos], strict=False
            )
        ]
    )

    # --- Funnel break: a share of orders on one device/OS in one period never happen -----------
    fb = plan["funnel_break"]
    fb_devos = dev_os_index[(fb["device"], fb["os"])]
    fb_start = (pd.Timestamp(fb["start"]) - pd.Timestamp("1970-01-01")).total_seconds() - 8 * 3600
    fb_end = (
        pd.Timestamp(fb["end"]) + pd.Timedelta(days=1) - pd.Timestamp("1970-01-01")
    ).total_seconds() - 8 * 3600
    in_break = (
        (order_devos == fb_devos) & (order_utc_s[web_pos] >= fb_start) & (order_utc_s[web_pos] < fb_end)
    )
    broken = in_break & (rng.random(len(web_pos)) < fb["strength"])
    dropped_orders = web_pos[broken]
    kept = web_pos[~broken]
    kept_devos = order_devos[~broken]
    # Some website orders are not tracked by GA4 (consent refused, ad blockers).
    tracked = rng.random(len(kept)) >= plan["untracked_share"]
    buy_pos = kept[tracked]
    buy_devos = kept_devos[tracked]

    # --- Sources --------------------------------------------------------------------------------
    # The channel mix moves from year to year: each source drifts by its own yearly factor (AI
    # assistants and LINE rise, organic Facebook fades), drawn per variant.
    share = np.array([SOURCE_CALIBRATION[s][0] for s in SOURCES])
    conv = np.array([SOURCE_CALIBRATION[s][1] for s in SOURCES])
    drift = rng.normal(0, 0.12, len(SOURCES)) + np.array([SOURCE_DRIFT.get(s, 0.0) for s in SOURCES])
    years = np.arange(days[0].year, days[-1].year + 1)
    year_share = share[None, :] * np.exp(drift[None, :] * (years - years[0])[:, None])
    viral = SOURCES.index((plan["viral_source"], "referral", None))
    n_buy = len(buy_pos)
    n_total = round(len(web_pos) / plan["conversion_rate"])
    n_broken = len(dropped_orders)
    n_browse = max(n_total - n_buy - n_broken, 10)
    trend = (1 + plan["growth"]) ** seasons.years_since_start(days) * seasons.seasonal_factor(days)
    browse_days = _pick(trend, n_browse, rng)
    # A viral forum post: a burst of extra sessions from one forum, decaying over about a week.
    viral_day = int((pd.Timestamp(plan["viral_date"]) - days[0]).days)
    normal = n_browse * share[viral] / share.sum() / len(days)
    n_viral = int(rng.poisson(normal * rng.uniform(50, 80)))
    viral_days = np.minimum(viral_day + rng.geometric(0.45, n_viral) - 1, len(days) - 1)
    browse_days = np.concatenate([browse_days, viral_days])
    n_browse += n_viral

    # --- Session skeleton: purchase, broken and browsing sessions ------------------------------
    kind = np.concatenate([np.full(n_buy, 2), np.full(n_broken, 1), np.zeros(n_browse, dtype=np.int64)])
    n_s = len(kind)
    order_year = (order_local.astype("datetime64[Y]").astype(int) + 1970 - years[0]).clip(0, len(years) - 1)
    session_year = np.concatenate(
        [order_year[buy_pos], order_year[dropped_orders], days.year.to_numpy()[browse_days] - years[0]]
    )
    source = np.empty(n_s, dtype=np.int64)
    buying = kind > 0
    for y in range(len(years)):
        sel = np.flatnonzero(buying & (session_year == y))
        source[sel] = _pick(year_share[y] * conv, len(sel), rng)
        sel = np.flatnonzero(~buying & (session_year == y))
        source[sel] = _pick(year_share[y], len(sel), rng)
    source[n_s - n_viral :] = viral
    devos = np.concatenate([buy_devos, order_devos[broken], np.zeros(n_browse, dtype=np.int64)])
    dev_p = np.array([catalog.DEVICES[d] * catalog.OPERATING_SYSTEMS[d][o] for d, o in DEVICE_OS])
    devos[n_buy + n_broken :] = _pick(dev_p, n_browse, rng)
    order_ref = np.concatenate([buy_pos, dropped_orders, np.full(n_browse, -1)])

    # Depth in the funnel: 0 none, 1 view_item, ..., 5 purchase.
    depth = np.zeros(n_s, dtype=np.int64)
    depth[kind == 2] = 5
    depth[kind == 1] = 4 if fb["step"] == "purchase" else 3
    browse = kind == 0
    reach = np.ones(n_browse, dtype=bool)
    d_browse = np.zeros(n_browse, dtype=np.int64)
    for step, p in enumerate(NON_BUYER_FUNNEL, start=1):
        p_eff = p * (np.clip(conv[source[browse]], 0.5, 2.0) ** 0.5 if step == 1 else 1.0)
        reach &= rng.random(n_browse) < p_eff
        d_browse[reach] = step
    depth[browse] = d_browse

    # Start times (UTC seconds) and durations.
    duration = np.clip(rng.lognormal(np.log(240), 0.8, n_s), 30, MAX_DURATION_S).astype(np.int64)
    duration = np.where(depth >= 3, np.maximum(duration, 180), duration)
    start = np.empty(n_s, dtype=np.int64)
    has_order = order_ref >= 0
    # Purchase happens 5 s before the session's end, so start = order time - duration + 5.
    start[has_order] = order_utc_s[order_ref[has_order]] - duration[has_order] + 5
    start[browse] = seasons.local_to_utc_seconds(seasons.sample_local_times(browse_days, days, rng))

    # --- Users -----------------------------------------------------------------------------------
    # Member users are keyed by (member, device/OS); anonymous users by a pool number.
    member_ids = members["member_id"].to_numpy()
    member_index = pd.Index(member_ids)
    member_pos = np.full(n_s, -1, dtype=np.int64)
    om = orders["member_id"].to_numpy(dtype=object)[order_ref[has_order]]
    om_known = pd.notna(om)
    tmp = np.full(int(has_order.sum()), -1, dtype=np.int64)
    tmp[om_known] = member_index.get_indexer(om[om_known])
    member_pos[has_order] = tmp
    browse_member = browse & (rng.random(n_s) < 0.25)
    activity = hidden["activity"].to_numpy() * ~hidden["lapsing"].to_numpy() + 0.05
    member_pos[browse_member] = _pick(activity, int(browse_member.sum()), rng)
    n_anon_pool = max(int(0.6 * n_browse), 10)
    anon = member_pos < 0
    # Skewed reuse of anonymous users: a few come back often, most once.
    anon_key = (n_anon_pool * rng.random(int(anon.sum())) ** 1.8).astype(np.int64)
    guest_buyer = anon & has_order
    user_key = np.empty(n_s, dtype=np.int64)
    user_key[~anon] = member_pos[~anon] * 16 + devos[~anon]
    anon_keys = 10_000_000_000 + anon_key
    # Guests who buy are new anonymous users.
    guest_rank = np.cumsum(guest_buyer[anon]) - 1
    anon_keys = np.where(guest_buyer[anon], 20_000_000_000 + guest_rank, anon_keys)
    user_key[anon] = anon_keys
    # An anonymous pool user keeps one device.
    pool_devos = _pick(dev_p, n_anon_pool, rng)
    from_pool = anon.copy()
    from_pool[anon] = ~guest_buyer[anon]
    devos[from_pool] = pool_devos[anon_key[~guest_buyer[anon]]]

    # Funnel break on browsing (after devices are final) sessions too: checkout stops before payment info in the window.
    if fb["step"] == "add_payment_info":
        hit = browse & (devos == fb_devos) & (start >= fb_start) & (start < fb_end) & (depth >= 4)
        depth[hit & (rng.random(n_s) < fb["strength"])] = 3

    # --- Bot spike ---------------------------------------------------------------------------------
    # One ordinary-looking referrer sends 1-2 extra days' worth of sessions in one day: mixed devices,
    # ordinary hours, a single page each and no engagement. Only its behaviour gives it away.
    bot = plan["bot_spike"]
    n_bot = max(round((bot["day_factor"] - 1) * n_total / len(days)), 5)
    bot_day = int((pd.Timestamp(bot["date"]) - days[0]).days)
    bot_local = seasons.sample_local_times(np.full(n_bot, bot_day), days, rng)
    bot_source = len(SOURCES)  # appended below
    bot_devos = np.array([dev_os_index[pair] for pair in BOT_DEVICES])
    kind = np.concatenate([kind, np.full(n_bot, 3)])
    source = np.concatenate([source, np.full(n_bot, bot_source)])
    devos = np.concatenate([devos, bot_devos[_pick(BOT_DEVICE_P, n_bot, rng)]])
    depth = np.concatenate([depth, np.zeros(n_bot, dtype=np.int64)])
    duration = np.concatenate([duration, rng.integers(0, 2, n_bot)])
    start = np.concatenate([start, seasons.local_to_utc_seconds(bot_local)])
    user_key = np.concatenate([user_key, 30_000_000_000 + np.arange(n_bot)])
    member_pos = np.concatenate([member_pos, np.full(n_bot, -1)])
    order_ref = np.concatenate([order_ref, np.full(n_bot, -1)])
    all_sources = [*SOURCES, (bot["source"], "referral", None)]

    # --- One user's sessions must be more than 30 minutes apart -----------------------------------
    keep = np.ones(len(kind), dtype=bool)
    shift = np.zeros(len(kind), dtype=np.int64)
    _, user_rank = np.unique(user_key, return_inverse=True)
    t0 = start.min() - 86_400
    for _ in range(20):
        idx = np.flatnonzero(keep)
        # One int64 sort key (user rank, start) instead of a slow lexsort.
        order = idx[np.argsort((user_rank[idx].astype(np.int64) << 32) + (start[idx] + shift[idx] - t0))]
        s0 = start[order] + shift[order]
        same = user_key[order][1:] == user_key[order][:-1]
        gap = s0[1:] - (s0[:-1] + duration[order][:-1])
        clash = np.flatnonzero(same & (gap <= 31 * 60))
        if len(clash) == 0:
            break
        prev, cur = order[clash], order[clash + 1]
        cur_buy, prev_buy = order_ref[cur] >= 0, order_ref[prev] >= 0
        # Drop a browsing session when possible; otherwise move the later purchase.
        keep[cur[~cur_buy]] = False
        drop_prev = cur_buy & ~prev_buy
        keep[prev[drop_prev]] = False
        both = cur_buy & prev_buy
        shift[cur[both]] += s0[clash[both]] + duration[prev[both]] + 32 * 60 - s0[clash[both] + 1]
    idx = np.flatnonzero(keep)
    sess = pd.DataFrame(
        {
            "kind": kind[idx],
            "source": source[idx],
            "devos": devos[idx],
            "depth": depth[idx],
            "duration": duration[idx],
            "start": start[idx] + shift[idx],
            "user_key": user_key[idx],
            "member_pos": member_pos[idx],
            "order_ref": order_ref[idx],
            "shift": shift[idx],
        }
    )
    sess = sess.sort_values(["user_key", "start"], kind="stable").reset_index(drop=True)
    n_s = len(sess)

    # --- User attributes ---------------------------------------------------------------------------
    ukeys, user_code = np.unique(sess["user_key"].to_numpy(), return_inverse=True)
    first_start = np.full(len(ukeys), np.iinfo(np.int64).max)
    np.minimum.at(first_start, user_code, sess["start"].to_numpy())
    user_str = _user_strings(ukeys, first_start, rng)
    is_member_user = ukeys < 10_000_000_000
    u_member = np.where(is_member_user, ukeys // 16, -1)
    joined_early = np.zeros(len(ukeys), dtype=bool)
    joined_early[is_member_user] = hidden["join_days"].to_numpy()[u_member[is_member_user]] < 0
    returning = joined_early | (~is_member_user & (ukeys < 20_000_000_000) & (rng.random(len(ukeys)) < 0.15))
    prior = np.where(returning, 1 + rng.poisson(3, len(ukeys)), 0)
    city_keys = list(catalog.CITIES)
    u_city = _pick(plan["city_p"], len(ukeys), rng)
    mcity = members["city"].cat.codes.to_numpy()
    u_city[is_member_user] = mcity[u_member[is_member_user]]
    is_bot_user = ukeys >= 30_000_000_000

    sess["user_code"] = user_code
    sess["session_number"] = (sess.groupby("user_code").cumcount().to_numpy() + 1 + prior[user_code]).astype(
        np.int64
    )
    sess["first_visit"] = sess["session_number"].to_numpy() == 1
    # Logged in: members who buy always, members who browse often.
    sess["logged_in"] = (sess["member_pos"].to_numpy() >= 0) & (
        (sess["order_ref"].to_numpy() >= 0) | (rng.random(n_s) < 0.6)
    )

    # Page views and engagement (engaged = > 10 s, or a key event, or >= 2 page views).
    d = sess["depth"].to_numpy()
    k = sess["kind"].to_numpy()
    r = rng.random(n_s)
    bounce = (d == 0) & (r < 0.45)
    long_single = (d == 0) & (r >= 0.45) & (r < 0.62)
    pv = np.where(bounce | long_single, 1, 2 + rng.poisson(1.8, n_s) + d)
    eng_ms = np.where(
        bounce,
        rng.integers(0, 9_500, n_s),
        np.where(
            long_single,
            rng.integers(11_000, 180_000, n_s),
            (sess["duration"].to_numpy() * rng.uniform(0.4, 0.9, n_s) * 1000).astype(np.int64),
        ),
    )
    bot_s = k == 3
    pv[bot_s] = 1
    eng_ms[bot_s] = 0
    dur = sess["duration"].to_numpy().copy()
    dur = np.where(bounce | bot_s, np.maximum(eng_ms // 1000, 0) + rng.integers(0, 3, n_s), dur)
    sess["duration"] = dur
    sess["engagement_ms"] = eng_ms
    sess["page_views"] = pv

    # --- Event counts per session (columns in EVENT_NAMES order = funnel order) ---------------------
    counts = np.zeros((n_s, len(EVENT_NAMES)), dtype=np.int64)
    counts[:, EV["session_start"]] = 1
    counts[:, EV["first_visit"]] = sess["first_visit"].to_numpy()
    counts[:, EV["page_view"]] = pv
    counts[:, EV["view_item_list"]] = (pv >= 2) & (rng.random(n_s) < 0.5)
    counts[:, EV["search"]] = (pv >= 2) & (rng.random(n_s) < 0.12)
    counts[:, EV["view_item"]] = np.where(d >= 1, 1 + rng.poisson(0.8, n_s), 0)
    counts[:, EV["add_to_cart"]] = d >= 2
    counts[:, EV["begin_checkout"]] = d >= 3
    counts[:, EV["add_payment_info"]] = d >= 4
    counts[:, EV["purchase"]] = d >= 5
    counts[:, EV["user_engagement"]] = eng_ms > 0
    per_session = counts.sum(axis=1)
    flat = counts.ravel()
    ev_sess = np.repeat(np.repeat(np.arange(n_s, dtype=np.int32), len(EVENT_NAMES)), flat)
    ev_code = np.repeat(np.tile(np.arange(len(EVENT_NAMES), dtype=np.int8), n_s), flat)
    del flat
    n_ev = len(ev_sess)
    first_of_session = np.concatenate([[0], np.cumsum(per_session)[:-1]])
    pos_in_session = np.arange(n_ev) - first_of_session[ev_sess]

    # Offsets: increasing within a session; landing hits at 0; purchase 5 s before the end.
    u = rng.random(n_ev)
    # ev_sess is ascending, so sorting ev_sess + u sorts u within each session (faster than lexsort).
    u_sorted = np.sort(ev_sess + u) - ev_sess
    dur_us = dur[ev_sess].astype(np.int64) * 1_000_000
    offset = (u_sorted * np.maximum(dur_us - 6_000_000, 0)).astype(np.int64)
    first_pv = (ev_code == EV["page_view"]) & (pos_in_session == counts[ev_sess, EV["first_visit"]] + 1)
    offset[(ev_code <= EV["first_visit"]) | first_pv] = 0
    is_purchase = ev_code == EV["purchase"]
    offset[is_purchase] = dur_us[is_purchase] - 5_000_000
    offset[ev_code == EV["user_engagement"]] = dur_us[ev_code == EV["user_engagement"]]
    start_s = sess["start"].to_numpy()
    jitter = rng.integers(0, 1_000_000, n_ev)
    jitter[ev_code <= EV["first_visit"]] = 0
    ts_us = start_s[ev_sess] * 1_000_000 + offset + np.where(is_purchase, 0, jitter)
    # Purchase events sit inside the order's second: microsecond part only.
    ts_us[is_purchase] += rng.integers(0, 1_000_000, int(is_purchase.sum()))
    del u, u_sorted, dur_us, offset, jitter

    # --- Pages and items -----------------------------------------------------------------------------
    n_prod = len(products)
    skus = products["sku"].to_numpy()
    prod_cat = products["category"].cat.codes.to_numpy()
    cats = list(catalog.CATEGORIES)
    # The item of the session: for buyers the first ordered item, else a popular product.
    first_item = items.drop_duplicates("_order_pos")
    first_sku_pos = np.full(n_orders, 0, dtype=np.int64)
    first_sku_pos[first_item["_order_pos"].to_numpy()] = pd.Index(skus).get_indexer(
        first_item["sku"].to_numpy()
    )
    popularity = np.bincount(pd.Index(skus).get_indexer(items["sku"].to_numpy()), minlength=n_prod) + 1.0
    sess_item = _pick(popularity, n_s, rng)
    oref = sess["order_ref"].to_numpy()
    sess_item[oref >= 0] = first_sku_pos[oref[oref >= 0]]
    ev_item = np.where(rng.random(n_ev) < 0.7, sess_item[ev_sess], _pick(popularity, n_ev, rng))
    first_vi_pos = counts[:, : EV["view_item"]].sum(axis=1)
    anchor = (ev_code == EV["add_to_cart"]) | (
        (ev_code == EV["view_item"]) & (pos_in_session == first_vi_pos[ev_sess])
    )
    ev_item[anchor] = sess_item[ev_sess[anchor]]

    # Page table: 0 home, 1..5 categories, product pages, cart/checkout, search.
    fixed_pages = [
        "/",
        *[f"/category/{c}" for c in cats],
        "/cart",
        "/checkout",
        "/checkout/payment",
        "/checkout/complete",
        "/search",
    ]
    page_paths = np.array(fixed_pages + [f"/product/{s}" for s in skus], dtype=object)
    n_fixed = len(fixed_pages)
    ev_page = np.zeros(n_ev, dtype=np.int64)
    # Landing page: product page for paid traffic, else home or a category.
    src = sess["source"].to_numpy()
    src_campaign = np.array([c is not None for _, _, c in all_sources])
    landing = np.where(
        rng.random(n_s) < 0.45,
        n_fixed + sess_item,
        np.where(rng.random(n_s) < 0.5, 0, 1 + prod_cat[sess_item]),
    )
    landing = np.where(src_campaign[src] & (rng.random(n_s) < 0.7), n_fixed + sess_item, landing)
    pv_mask = ev_code == EV["page_view"]
    ev_page[pv_mask] = np.where(
        rng.random(int(pv_mask.sum())) < 0.6, n_fixed + ev_item[pv_mask], 1 + prod_cat[ev_item[pv_mask]]
    )
    ev_page[first_pv | (ev_code <= EV["first_visit"]) | (ev_code == EV["user_engagement"])] = landing[
        ev_sess[first_pv | (ev_code <= EV["first_visit"]) | (ev_code == EV["user_engagement"])]
    ]
    for name, page in [
        ("view_item_list", None),
        ("search", "/search"),
        ("add_to_cart", None),
        ("begin_checkout", "/checkout"),
        ("add_payment_info", "/checkout/payment"),
        ("purchase", "/checkout/complete"),
    ]:
        m = ev_code == EV[name]
        if name == "view_item_list":
            ev_page[m] = 1 + prod_cat[ev_item[m]]
        elif name == "add_to_cart":
            ev_page[m] = n_fixed + ev_item[m]
        else:
            ev_page[m] = fixed_pages.index(page)
    vi = ev_code == EV["view_item"]
    ev_page[vi] = n_fixed + ev_item[vi]
    # Tagged landing pages carry their UTM parameters: encode (page, source) pairs for landing hits.
    landing_hit = first_pv | (ev_code <= EV["first_visit"])
    utm_pair = np.where(landing_hit & src_campaign[src[ev_sess]], src[ev_sess] + 1, 0)
    combo = ev_page * (len(all_sources) + 1) + utm_pair
    combo_codes, combo_uniques = pd.factorize(combo, sort=True)
    base_page = combo_uniques // (len(all_sources) + 1)
    pair = combo_uniques % (len(all_sources) + 1)
    urls = []
    for bp, pr in zip(base_page, pair, strict=False):
        url = SITE + page_paths[bp]
        if pr:
            s_, m_, c_ = all_sources[pr - 1]
            url += f"?utm_source={s_}&utm_medium={m_}&utm_campaign={c_}"
        urls.append(url)

    # --- Traffic source on the landing hits only (collected_traffic_source) --------------------------
    src_frame = pd.DataFrame(all_sources, columns=["source", "medium", "campaign"])
    is_cpc = src_frame["medium"].to_numpy()[src] == "cpc"
    is_brand = src_frame["campaign"].to_numpy()[src] == "search_brand"
    google = src_frame["source"].to_numpy()[src] == "google"
    # Paid-search terms: brand terms on the brand campaign, category terms otherwise.
    term_table = np.array(
        list(catalog.BRAND_SEARCH_TERMS) + [t for c in cats for t in catalog.SEARCH_TERMS[c]], dtype=object
    )
    n_brand = len(catalog.BRAND_SEARCH_TERMS)
    pick_term = rng.integers(0, 4, n_s)
    term_index = np.where(is_brand, pick_term % n_brand, n_brand + prod_cat[sess_item] * 4 + pick_term)
    term_choices = np.where(is_cpc & google, term_table[term_index], None)
    referrer_of_source = np.array(
        [
            REFERRER_URL.get(s_) if m_ in ("referral", "organic", "social") else None
            for s_, m_, _ in all_sources
        ],
        dtype=object,
    )
    referrer_of_source[bot_source] = f"https://{bot['source']}/"

    # --- Event columns ---------------------------------------------------------------------------------
    # Built from small per-session code tables taken once per event, already in timestamp order, and
    # freed as soon as used: this keeps 10 M-event worlds within a few GB.
    order = np.argsort(ts_us, kind="stable")
    # Duplicate events (a data-quality defect: the same hit sent twice) are repeated positions of the order.
    dup_rate = float(plan.get("duplicate_event_rate", 0.0))
    dup_pick = rng.random(len(order)) < dup_rate
    order = np.repeat(order, np.where(dup_pick, 2, 1))
    del dup_pick, pos_in_session, first_pv, is_purchase
    ev_sess = ev_sess[order]
    ts_us = ts_us[order]
    ev_item = ev_item[order].astype(np.int32)
    landing_hit = landing_hit[order]
    combo_codes = combo_codes[order].astype(np.int32)
    ev_code = ev_code[order]
    copies = np.flatnonzero(np.r_[False, order[1:] == order[:-1]])
    del order
    dev_cat = np.array([d_ for d_, _ in DEVICE_OS])
    dev_os = np.array([o_ for _, o_ in DEVICE_OS])
    # Each user (browser) keeps one browser, drawn from the mix of the session's operating system.
    browser_names = sorted({b for mix in catalog.BROWSERS.values() for b in mix})
    s_browser = np.empty(len(sess), dtype=np.int64)
    user_draw = rng.random(int(sess["user_code"].max()) + 1)
    for os_name, mix in catalog.BROWSERS.items():
        sel = np.flatnonzero(dev_os[sess["devos"].to_numpy()] == os_name)
        cum = np.cumsum(list(mix.values()))
        pick = np.minimum(
            np.searchsorted(cum / cum[-1], user_draw[sess["user_code"].to_numpy()[sel]]), len(cum) - 1
        )
        s_browser[sel] = np.array([browser_names.index(b) for b in mix])[pick]
    region_en = [catalog.CITY_GA4[c][0] for c in city_keys] + ["(not set)"]
    city_en = [catalog.CITY_GA4[c][1] for c in city_keys] + ["(not set)"]
    # Bots mostly come from data centres abroad or unknown places: GA4 shows "(not set)".
    u_geo = np.where(is_bot_user & (rng.random(len(ukeys)) < 0.7), len(city_keys), u_city)
    s_user = sess["user_code"].to_numpy()
    s_devos = sess["devos"].to_numpy()
    tx_of_order = _transaction_ids(n_orders)

    def session_categorical(
        values, session_codes: np.ndarray, event_session: np.ndarray, landing: np.ndarray | None = None
    ) -> pd.Categorical:
        """Return an event categorical from category values and per-session codes (-1 = missing).

        ``landing`` (bool per event) keeps the value on landing hits only.
        """
        labels = np.asarray(values, dtype=object)
        present = pd.notna(labels)
        uniq, inv = np.unique(np.where(present, labels, "").astype(str), return_inverse=True)
        inv = np.where(present, inv, -1)
        per_session = np.where(session_codes >= 0, inv[np.maximum(session_codes, 0)], -1)
        used = np.bincount(per_session[per_session >= 0], minlength=len(uniq)) > 0
        renumber = np.append(np.cumsum(used) - 1, -1)  # index -1 stays missing
        dtype = np.int8 if used.sum() < 127 else np.int32
        per_session = renumber[per_session].astype(dtype)
        codes = per_session[event_session]
        if landing is not None:
            codes[~landing] = -1
        return pd.Categorical.from_codes(codes, categories=uniq[used])

    term_codes, term_uniques = pd.factorize(pd.Series(term_choices, dtype=object), sort=True)
    referrer_codes, referrer_uniques = pd.factorize(pd.Series(referrer_of_source, dtype=object), sort=True)
    local_day = (ts_us // 1_000_000 + 8 * 3600) // 86_400
    day_codes, day_uniques = pd.factorize(local_day, sort=True)
    del local_day
    columns: dict = {}
    columns["event_date"] = pd.Categorical.from_codes(
        day_codes.astype(np.int16), categories=pd.to_datetime(day_uniques, unit="D").strftime("%Y%m%d")
    )
    del day_codes
    columns["event_timestamp"] = ts_us
    columns["event_name"] = pd.Categorical.from_codes(ev_code, categories=EVENT_NAMES)
    columns["user_pseudo_id"] = arrow_str(s_user[ev_sess], user_str)
    logged_member = np.where(sess["logged_in"].to_numpy(), sess["member_pos"].to_numpy(), -1)
    columns["user_id"] = arrow_str(logged_member[ev_sess], member_ids)
    columns["ga_session_id"] = sess["start"].to_numpy()[ev_sess]
    columns["ga_session_number"] = sess["session_number"].to_numpy()[ev_sess]
    columns["page_location"] = pd.Categorical.from_codes(combo_codes, categories=urls)
    del combo_codes
    columns["page_referrer"] = session_categorical(
        referrer_uniques, referrer_codes[src], ev_sess, landing_hit
    )
    is_eng = ev_code == EV["user_engagement"]
    columns["engagement_time_msec"] = pd.arrays.IntegerArray(
        np.where(is_eng, sess["engagement_ms"].to_numpy()[ev_sess], 0).astype(np.int64), ~is_eng
    )
    del is_eng
    columns["device_category"] = session_categorical(dev_cat, s_devos, ev_sess)
    columns["device_operating_system"] = session_categorical(dev_os, s_devos, ev_sess)
    columns["device_browser"] = session_categorical(browser_names, s_browser, ev_sess)
    columns["geo_region"] = session_categorical(region_en, u_geo[s_user], ev_sess)
    columns["geo_city"] = session_categorical(city_en, u_geo[s_user], ev_sess)
    for column in ("source", "medium", "campaign"):
        columns[column] = session_categorical(
            src_frame[column].to_numpy(dtype=object), src, ev_sess, landing_hit
        )
    columns["term"] = session_categorical(term_uniques, term_codes, ev_sess, landing_hit)
    is_purchase = ev_code == EV["purchase"]
    p_order = np.where(is_purchase, oref[ev_sess], -1)
    del is_purchase
    columns["transaction_id"] = arrow_str(p_order, tx_of_order)
    columns["purchase_revenue"] = np.where(
        p_order >= 0, orders["revenue"].to_numpy()[np.maximum(p_order, 0)], np.nan
    )
    single_item = (ev_code == EV["view_item"]) | (ev_code == EV["add_to_cart"])
    columns["item_id"] = arrow_str(np.where(single_item, ev_item, -1), skus)
    del single_item, ev_item
    website = orders["platform"].to_numpy() == "website"
    columns["items"] = arrow_str(p_order, _items_json(items, products, n_orders, website))
    del p_order, ev_sess, ts_us, ev_code, landing_hit
    events = pd.DataFrame(columns, copy=False)
    del columns

    # Per-order source for the orders table (website orders that GA4 saw).
    sess_src = sess["source"].to_numpy()
    sess_out = pd.DataFrame(
        {
            "user_code": sess["user_code"].to_numpy(),
            "member_pos": sess["member_pos"].to_numpy(),
            "start": start_s,
            "month": _local_months(start_s),
            "source": src_frame["source"].to_numpy()[sess_src],
            "medium": src_frame["medium"].to_numpy()[sess_src],
            "campaign": src_frame["campaign"].to_numpy()[sess_src],
            "device": dev_cat[s_devos],
            "os": dev_os[s_devos],
            "depth": sess["depth"].to_numpy(),
            "kind": sess["kind"].to_numpy(),
            "order_ref": oref,
            "page_views": pv,
            "engagement_ms": eng_ms,
            "revenue": np.where(oref >= 0, orders["revenue"].to_numpy()[np.maximum(oref, 0)], 0)
            * (sess["depth"].to_numpy() == 5),
            "is_member_user": is_member_user[sess["user_code"].to_numpy()],
        }
    )
    shift_of_order = np.zeros(n_orders, dtype=np.int64)
    bought = (oref >= 0) & (sess["kind"].to_numpy() == 2)
    shift_of_order[oref[bought]] = sess["shift"].to_numpy()[bought]
    duplicates = {
        "table": "ga4_events",
        "rate": dup_rate,
        "count": len(copies),
        "keys": [
            [u_, int(t_), str(e_)]
            for u_, t_, e_ in zip(
                events["user_pseudo_id"].take(copies),
                events["event_timestamp"].take(copies),
                events["event_name"].take(copies),
                strict=False,
            )
        ],
        "how": "exact duplicate rows (user_pseudo_id, event_timestamp, event_name) right after the original",
    }
    return {
        "events": events,
        "sessions": sess_out,
        "dropped_orders": dropped_orders,
        "duplicate_events": duplicates,
        "tracked_orders": oref[bought],
        "order_shift_s": shift_of_order,
        "transaction_ids": tx_of_order,
        "sources": all_sources,
    }


def _transaction_ids(n_orders: int) -> np.ndarray:
    """Return a GA4-style transaction id per order position ("T" + 10 digits, unique, not sequential)."""
    seq = np.arange(1, n_orders + 1, dtype=np.int64)
    return ("T" + pd.Series((seq * 7919 + 1_234_567) % 9_000_000_000 + 1_000_000_000).astype(str)).to_numpy(
        dtype=object
    )


def _items_json(items: pd.DataFrame, products: pd.DataFrame, n_orders: int, wanted: np.ndarray) -> np.ndarray:
    """Return the GA4 ``items`` array as a JSON string per order position (None where not wanted)."""
    info = products.set_index("sku")
    lines = items[wanted[items["_order_pos"].to_numpy()]]
    sku = lines["sku"].astype(str)
    text = (
        '{"item_id": "'
        + sku
        + '", "item_name": "'
        + sku.map(info["name"]).astype(str)
        + '", "item_category": "'
        + sku.map(info["category"]).astype(str)
        + '", "price": '
        + lines["unit_price"].astype(str)
        + ', "quantity": '
        + lines["quantity"].astype(str)
        + "}"
    )
    pos = lines["_order_pos"].to_numpy()
    out = np.full(n_orders, None, dtype=object)
    text = text.to_numpy(dtype=object)
    first = np.r_[True, pos[1:] != pos[:-1]]
    # Lines of one order are contiguous: start each order's text, then append its further lines.
    out[pos[first]] = text[first]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(pos)), 0))
    rank = np.arange(len(pos)) - run_start
    for k in range(1, int(rank.max(initial=0)) + 1):
        sel = np.flatnonzero(rank == k)
        out[pos[sel]] = out[pos[sel]] + ", " + text[sel]
    wrapped = np.full(n_orders, None, dtype=object)
    has = pd.notna(out)
    wrapped[has] = "[" + out[has].astype(object) + "]"
    return wrapped


def _local_months(utc_seconds: np.ndarray) -> np.ndarray:
    """Return "YYYY-MM" (Asia/Taipei) for UTC epoch seconds, formatting unique days only."""
    day = (utc_seconds + 8 * 3600) // 86_400
    codes, uniques = pd.factorize(day, sort=True)
    labels = pd.to_datetime(uniques, unit="D").strftime("%Y-%m").to_numpy(dtype=object)
    return labels[codes]


def arrow_str(codes: np.ndarray, values: np.ndarray) -> pd.Series:
    """Return a pandas ``str`` Series of ``values[codes]`` (codes -1 = missing), built in Arrow."""
    import pyarrow as pa

    codes = np.asarray(codes)
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    dictionary = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    return pd.Series(
        pd.array(pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string()), dtype="str")
    )


def make_demographics(
    sessions: pd.DataFrame,
    members: pd.DataFrame,
    hidden: pd.DataFrame,
    *,
    rng: np.random.Generator | int | None = None,
    threshold: int = 50,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Aggregate the GA4 demographics and interests report by month (partial coverage, thresholded rows).

    Parameters
    ----------
    sessions : hidden per-session frame from :func:`make_ga4`.
    members, hidden : CRM (members' real age and gender feed Google signals when known).
    rng : seed or generator.
    threshold : rows with fewer active users are hidden, as GA4 does for privacy (at world scale 1;
        smaller worlds lower it in proportion, so their report keeps the same rows).
    scale : world scale.
    """
    rng = np.random.default_rng(rng)
    users = sessions.drop_duplicates("user_code")[["user_code", "member_pos"]].sort_values("user_code")
    n_u = int(users["user_code"].max()) + 1
    # Visitors who are not members: as many 65+ as online Taiwan has (TWNIC 2025-12-17: 53.8 % of the 70+ online).
    age = rng.choice(len(catalog.AGE_BRACKETS), size=n_u, p=[0.13, 0.27, 0.23, 0.17, 0.10, 0.10]).astype(
        object
    )
    gender = rng.choice(np.array(["female", "male"]), size=n_u, p=[0.6, 0.4]).astype(object)
    age = np.array(catalog.AGE_BRACKETS, dtype=object)[age.astype(int)]
    mp = np.full(n_u, -1)
    mp[users["user_code"].to_numpy()] = users["member_pos"].to_numpy()
    is_m = mp >= 0
    age[is_m] = members["age_bracket"].astype(str).to_numpy()[mp[is_m]]
    gender[is_m] = members["gender"].astype(str).to_numpy()[mp[is_m]]
    gender = np.where(gender == "other", "unknown", gender)
    # Google signals cover only part of the users.
    covered = rng.random(n_u) < 0.42
    age = np.where(covered, age, "unknown")
    gender = np.where(covered, gender, "unknown")
    cats = list(catalog.CATEGORIES)
    fav = rng.choice(len(cats), size=n_u)
    pref = hidden[[f"pref_{c}" for c in cats]].to_numpy().argmax(axis=1)
    fav[is_m] = pref[mp[is_m]]
    second = rng.integers(0, 2, n_u)
    interest = np.array(
        [catalog.INTERESTS[cats[f]][s] for f, s in zip(fav, second, strict=False)], dtype=object
    )
    interest = np.where(rng.random(n_u) < 0.35, interest, None)

    base = sessions[["user_code", "month", "depth", "revenue"]].copy()
    base["key_event"] = (base["depth"] == 5).astype(np.int64)
    frames = []
    for dim, values in (("age", age), ("gender", gender), ("interest", interest)):
        frame = base.assign(value=values[base["user_code"].to_numpy()]).dropna(subset=["value"])
        grouped = (
            frame.groupby(["month", "value"], observed=True)
            .agg(
                active_users=("user_code", "nunique"),
                sessions=("user_code", "size"),
                key_events=("key_event", "sum"),
                revenue=("revenue", "sum"),
            )
            .reset_index()
        )
        grouped.insert(1, "dimension", dim)
        frames.append(grouped)
    report = pd.concat(frames, ignore_index=True)
    report = report[report["active_users"] >= max(round(threshold * scale), 5)].reset_index(drop=True)
    report["month"] = pd.Categorical(report["month"])
    report["dimension"] = pd.Categorical(report["dimension"], categories=["age", "gender", "interest"])
    for col in ("active_users", "sessions", "key_events", "revenue"):
        report[col] = report[col].astype(np.int64)
    return report
