"""Orders and order items from every platform (tables ``orders`` and ``order_items``).

Vectorised: days and categories are drawn jointly from the demand intensity,
members are drawn month by month from who has joined and not lapsed,
products from a popularity curve within the category.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog, seasons

TZ = catalog.TIMEZONE
PLATFORM_DTYPE = pd.CategoricalDtype(list(catalog.PLATFORMS))
PAYMENT_DTYPE = pd.CategoricalDtype(list(catalog.PAYMENT_METHODS))
STATUS_DTYPE = pd.CategoricalDtype(["completed", "cancelled", "returned"])
CITY_DTYPE = pd.CategoricalDtype(list(catalog.CITIES))
ORDER_PREFIX = {"website": "W", "app": "A", "line_store": "L", "momo": "MO", "shopee": "SP", "pchome": "PC"}

# Orders per platform in the default world (scale 1.0) over the whole history.
BASE_ORDERS = {"website": 2_300, "app": 2_600, "line_store": 1_400, "momo": 2_400, "shopee": 2_600, "pchome": 900}
# Share of orders placed by a logged-in member (marketplace buyers are not in our CRM).
MEMBER_SHARE = {"website": 0.72, "app": 1.0, "line_store": 1.0, "momo": 0.0, "shopee": 0.0, "pchome": 0.0}
PAYMENT_MIX = {
    # credit_card, cvs_cod, line_pay, jkopay, apple_pay, atm_transfer, cash_on_delivery
    "website": [0.48, 0.18, 0.12, 0.04, 0.08, 0.06, 0.04],
    "app": [0.42, 0.12, 0.16, 0.06, 0.20, 0.02, 0.02],
    "line_store": [0.25, 0.10, 0.55, 0.03, 0.04, 0.02, 0.01],
    "momo": [0.62, 0.22, 0.06, 0.02, 0.03, 0.03, 0.02],
    "shopee": [0.35, 0.45, 0.08, 0.04, 0.02, 0.04, 0.02],
    "pchome": [0.60, 0.20, 0.08, 0.03, 0.04, 0.03, 0.02],
}
# Base category shares of demand (before trends).
CATEGORY_SHARE = {"beauty": 0.24, "health_food": 0.20, "home": 0.20, "accessories_3c": 0.18, "apparel": 0.18}
APP_SOURCES = [(("(direct)", "(none)", None), 0.5), (("app_push", "push", "app_reengage"), 0.2),
               (("newsletter", "email", "edm_monthly"), 0.1), (("facebook", "paid_social", "fb_prospecting"), 0.1),
               (("google", "cpc", "search_brand"), 0.1)]
LINE_SOURCE = ("line", "social", "line_oa_broadcast")


def category_day_intensity(days: pd.DatetimeIndex, plan: dict) -> np.ndarray:
    """Return demand intensity per (category, day): share x overall growth x category trend x season."""
    years = seasons.years_since_start(days)
    season = seasons.seasonal_factor(days)
    rows = []
    for cat, share in CATEGORY_SHARE.items():
        trend = (1 + plan["growth"]) ** years * (1 + plan["category_trend"].get(cat, 0.0)) ** years
        rows.append(share * trend * season)
    return np.vstack(rows)


def _pick_members(order_day: np.ndarray, order_cat: np.ndarray, hidden: pd.DataFrame, days: pd.DatetimeIndex,
                  lapse_day: int, rng: np.random.Generator) -> np.ndarray:
    """Choose a member (row position) per order: joined already, not lapsed, weighted by activity x preference."""
    result = np.full(len(order_day), -1, dtype=np.int64)
    month = days.year.to_numpy() * 12 + days.month.to_numpy()
    join_day = hidden["join_days"].to_numpy()
    lapsing = hidden["lapsing"].to_numpy()
    activity = hidden["activity"].to_numpy()
    cats = list(catalog.CATEGORIES)
    pref = hidden[[f"pref_{c}" for c in cats]].to_numpy()
    order_month = month[order_day]
    for m in np.unique(order_month):
        in_month = order_month == m
        month_days = np.flatnonzero(month == m)
        first_day, last_day = int(month_days.min()), int(month_days.max())
        # Members order only from the month after they joined, so no order predates its member.
        eligible = join_day < first_day
        if last_day >= lapse_day:
            eligible &= ~lapsing
        for ci in range(len(cats)):
            sel = np.flatnonzero(in_month & (order_cat == ci))
            if len(sel) == 0:
                continue
            weights = np.where(eligible, activity * pref[:, ci], 0.0)
            result[sel] = rng.choice(len(weights), size=len(sel), p=weights / weights.sum())
    return result


def make_orders(products: pd.DataFrame, members: pd.DataFrame, hidden: pd.DataFrame, *, plan: dict,
                scale: float = 1.0, rng: np.random.Generator | int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate orders of every platform and their items.

    Parameters
    ----------
    products, members, hidden : from :func:`make_products` and :func:`make_members`.
    plan : planted effects: ``growth``, ``category_trend`` {category: yearly trend}, ``lapse_date``.
    scale : multiplies the number of orders.
    rng : seed or generator.

    Returns
    -------
    orders : one row per order; website orders carry hidden columns ``_device`` and ``_os`` that the
        GA4 generator uses and drops.
    items : one row per order line.
    """
    rng = np.random.default_rng(rng)
    days = seasons.history_days()
    intensity = category_day_intensity(days, plan)
    cats = np.array(list(catalog.CATEGORIES))
    lapse_day = int((pd.Timestamp(plan["lapse_date"]) - days[0]).days)

    frames = []
    for platform, base in BASE_ORDERS.items():
        n = max(round(base * scale), 5)
        mult = np.ones(len(cats))
        if not catalog.PLATFORMS[platform]["own"]:
            mult = np.array([0.9, 0.9, 1.15, 1.25, 0.9])  # marketplaces sell more home and 3C
        flat = (intensity * mult[:, None]).ravel()
        cell = rng.choice(len(flat), size=n, p=flat / flat.sum())
        frames.append(pd.DataFrame({"platform": platform, "_day": cell % len(days), "_cat": cell // len(days)}))
    orders = pd.concat(frames, ignore_index=True)
    n = len(orders)
    platform = orders["platform"].to_numpy()

    # Members: only own platforms, and only a share of website orders (the rest are guests).
    member_share = pd.Series(platform).map(MEMBER_SHARE).to_numpy(dtype=float)
    is_member = rng.random(n) < member_share
    member_pos = np.full(n, -1, dtype=np.int64)
    member_pos[is_member] = _pick_members(orders["_day"].to_numpy()[is_member], orders["_cat"].to_numpy()[is_member],
                                          hidden, days, lapse_day, rng)
    # Members' orders follow their own category preference, already used in the draw.
    local = seasons.sample_local_times(orders["_day"].to_numpy(), days, rng)
    order_ts = pd.DatetimeIndex(local.astype("datetime64[us]")).tz_localize(TZ)

    city_keys = np.array(list(catalog.CITIES))
    pop = np.array(list(catalog.CITIES.values()), dtype=float)
    city = city_keys[rng.choice(len(city_keys), size=n, p=pop / pop.sum())]
    member_city = members["city"].astype(str).to_numpy()
    city = np.where(member_pos >= 0, member_city[np.maximum(member_pos, 0)], city)

    pay_keys = np.array(list(catalog.PAYMENT_METHODS))
    payment = np.empty(n, dtype=object)
    for plat, mix in PAYMENT_MIX.items():
        sel = platform == plat
        payment[sel] = pay_keys[rng.choice(len(pay_keys), size=int(sel.sum()), p=mix)]

    # Devices for website orders (GA4 needs them): desktop converts better than its traffic share.
    device = rng.choice(np.array(["mobile", "desktop", "tablet"]), size=n, p=[0.60, 0.37, 0.03])
    os_ = np.empty(n, dtype=object)
    for dev, oss in catalog.OPERATING_SYSTEMS.items():
        sel = device == dev
        os_[sel] = np.array(list(oss))[rng.choice(len(oss), size=int(sel.sum()), p=list(oss.values()))]

    # --- Items --------------------------------------------------------------------------------
    n_lines = 1 + np.minimum(rng.poisson(0.45, size=n), 3)
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    same_cat = rng.random(len(line_order)) < 0.97
    line_cat = np.where(same_cat, orders["_cat"].to_numpy()[line_order], rng.integers(0, len(cats), len(line_order)))
    prod_cat = products["category"].cat.codes.to_numpy()
    # Popularity: a Zipf-like curve within each category, fixed for the world.
    line_day = orders["_day"].to_numpy()[line_order]
    launch_day = ((products["launch_date"] - days[0]).dt.days).to_numpy()
    popularity = 1.0 / (1 + rng.permutation(len(products)) % 40) ** 0.7
    # New launches sell less than established best-sellers (keeps category trends readable).
    popularity = np.where(launch_day > 0, popularity * 0.5, popularity)
    sku_pos = np.empty(len(line_order), dtype=np.int64)
    for ci in range(len(cats)):
        in_cat = np.flatnonzero(prod_cat == ci)
        sel = np.flatnonzero(line_cat == ci)
        w = popularity[in_cat] / popularity[in_cat].sum()
        pick = in_cat[rng.choice(len(in_cat), size=len(sel), p=w)]
        # A product cannot sell before its launch: fall back to an older product of the category.
        old = in_cat[launch_day[in_cat] <= 0]
        too_early = launch_day[pick] > line_day[sel]
        pick[too_early] = old[rng.integers(0, len(old), int(too_early.sum()))]
        sku_pos[sel] = pick
    quantity = rng.choice(np.array([1, 2, 3]), size=len(line_order), p=[0.8, 0.15, 0.05])
    price = products["price"].to_numpy()[sku_pos]
    event_mask = np.zeros(len(days), dtype=bool)
    for mask in seasons.event_days(days).values():
        event_mask |= mask
    promo = np.where(event_mask[line_day] & (rng.random(len(line_order)) < 0.4),
                     rng.choice(np.array([0.1, 0.2]), size=len(line_order)), 0.0)
    unit_price = np.round(price * (1 - promo)).astype(np.int64)
    item_revenue = unit_price * quantity
    item_cost = products["unit_cost"].to_numpy()[sku_pos] * quantity
    items = pd.DataFrame({
        "_order_pos": line_order,
        "line_no": line_no.astype(np.int64),
        "sku": products["sku"].to_numpy()[sku_pos],
        "quantity": quantity.astype(np.int64),
        "unit_price": unit_price,
        "item_revenue": item_revenue.astype(np.int64),
        "item_cost": item_cost.astype(np.int64),
    })
    gross = np.bincount(line_order, weights=item_revenue, minlength=n).astype(np.int64)
    cogs = np.bincount(line_order, weights=item_cost, minlength=n).astype(np.int64)
    has_apparel = np.bincount(line_order, weights=(line_cat == list(cats).index("apparel")), minlength=n) > 0

    # --- Coupons, discounts, shipping ---------------------------------------------------------
    own = pd.Series(platform).map({k: v["own"] for k, v in catalog.PLATFORMS.items()}).to_numpy(dtype=bool)
    day = orders["_day"].to_numpy()
    coupon = np.full(n, None, dtype=object)
    uses_coupon = own & (rng.random(n) < 0.28)
    for name, mask in seasons.event_days(days).items():
        coupon = np.where(uses_coupon & mask[day] & (coupon == None), catalog.EVENT_COUPONS[name], coupon)  # noqa: E711
    generic = np.array(["WELCOME100", "MEMBER10", "VIP15"])
    coupon = np.where(uses_coupon & (coupon == None), generic[rng.integers(0, 3, n)], coupon)  # noqa: E711
    coupon = np.where(uses_coupon & (platform == "line_store"), "LINE50", coupon)
    discount = np.zeros(n, dtype=np.int64)
    for code, (kind, amount) in catalog.COUPONS.items():
        sel = coupon == code
        discount[sel] = amount if kind == "fixed" else np.round(gross[sel] * amount / 100)
    is_event_coupon = np.isin(coupon, list(catalog.EVENT_COUPONS.values()))
    discount[is_event_coupon] = np.round(gross[is_event_coupon] * 0.12)
    discount = np.minimum(discount, gross - 1)
    items_revenue = gross - discount
    shipping = np.where(own & (items_revenue < 990), np.where(payment == "cvs_cod", 60, 80), 0).astype(np.int64)

    # Campaigns: marketplaces run their own event campaigns; LINE and app campaigns come from sources.
    campaign = np.full(n, None, dtype=object)
    for name, mask in seasons.event_days(days).items():
        sel = ~own & mask[day]
        campaign[sel] = np.char.add(platform[sel].astype(str), "_" + name)

    # --- Status, delivery and returns within 7 days (消保法 §19) --------------------------------
    cancel_p = np.where(payment == "cvs_cod", 0.09, 0.025)
    cancelled = rng.random(n) < cancel_p
    return_p = np.where(has_apparel, 0.08, 0.025)
    returned = ~cancelled & (rng.random(n) < return_p)
    status = np.where(cancelled, "cancelled", np.where(returned, "returned", "completed"))
    delivery_hours = rng.integers(20, 4 * 24, size=n)
    delivered = order_ts + pd.to_timedelta(delivery_hours, unit="h")
    delivered = delivered.where(~cancelled)
    returned_ts = delivered + pd.to_timedelta(rng.integers(1, 7 * 24 * 60, size=n), unit="min")
    returned_ts = returned_ts.where(returned)

    orders = pd.DataFrame({
        "platform": pd.Categorical(platform, dtype=PLATFORM_DTYPE),
        "member_id": pd.Series(members["member_id"].to_numpy()[np.maximum(member_pos, 0)], dtype="str")
        .where(member_pos >= 0),
        "order_ts": order_ts,
        "city": pd.Categorical(city, dtype=CITY_DTYPE),
        "payment_method": pd.Categorical(payment, dtype=PAYMENT_DTYPE),
        "coupon_code": pd.Series(coupon, dtype="str"),
        "campaign": pd.Series(campaign, dtype="str"),
        "items_revenue": items_revenue,
        "discount": discount,
        "shipping_fee": shipping,
        "cost_of_goods": cogs,
        "revenue": items_revenue + shipping,
        "status": pd.Categorical(status, dtype=STATUS_DTYPE),
        "returned_ts": returned_ts,
        "delivered_ts": delivered,
        "_device": device,
        "_os": os_,
        "_cat": orders["_cat"].to_numpy(),
    })
    return orders, items


def finalize_orders(orders: pd.DataFrame, items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sort orders by time, give them ids, and attach the ids to their items."""
    order_ts_key = orders["order_ts"].to_numpy()
    perm = np.argsort(order_ts_key, kind="stable")
    orders = orders.iloc[perm].reset_index(drop=True)
    new_pos = np.empty(len(perm), dtype=np.int64)
    new_pos[perm] = np.arange(len(perm))
    prefix = orders["platform"].map(ORDER_PREFIX).astype(str)
    orders.insert(0, "order_id", (prefix + pd.Series(np.arange(1, len(orders) + 1)).astype(str).str.zfill(8))
                  .astype("str"))
    items = items.copy()
    items["_order_pos"] = new_pos[items["_order_pos"].to_numpy()]
    items = items.sort_values(["_order_pos", "line_no"], kind="stable").reset_index(drop=True)
    items.insert(0, "order_id", orders["order_id"].to_numpy()[items["_order_pos"].to_numpy()])
    items = items.drop(columns="_order_pos")
    items["order_id"] = items["order_id"].astype("str")
    items["sku"] = items["sku"].astype("str")
    return orders, items
