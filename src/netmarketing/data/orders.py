"""Orders and order items from every platform (tables ``orders`` and ``order_items``).

Vectorised: days and categories are drawn jointly from the demand intensity (trend, Taiwanese
calendar, weekdays), members month by month from who has joined and not lapsed, products from a
popularity curve within the category that each platform's buyers tilt towards cheaper or dearer
SKUs. Unit prices are the prices really charged that day (``pricing``), deliveries follow each
platform's speed and stop over 春節.
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

# Expected orders per platform in the default world (scale 1.0, company size 1.0) over the whole
# history. A marketplace-led small brand: Shopee and momo carry most orders, the own website about
# a tenth of the revenue (its GA4 export is the costly part of the world).
BASE_ORDERS = {
    "website": 3_800,
    "app": 4_200,
    "line_store": 2_600,
    "momo": 14_000,
    "shopee": 27_000,
    "pchome": 6_500,
}
# Share of orders placed by a logged-in member (marketplace buyers are not in our CRM).
MEMBER_SHARE = {"website": 0.72, "app": 1.0, "line_store": 1.0, "momo": 0.0, "shopee": 0.0, "pchome": 0.0}
OWN_PLATFORMS = [p for p, v in catalog.PLATFORMS.items() if v["own"]]
PAYMENT_MIX = {
    # credit_card, cvs_cod, line_pay, jkopay, apple_pay, atm_transfer, cash_on_delivery
    "website": [0.48, 0.18, 0.12, 0.04, 0.08, 0.06, 0.04],
    "app": [0.42, 0.12, 0.16, 0.06, 0.20, 0.02, 0.02],
    "line_store": [0.25, 0.10, 0.55, 0.03, 0.04, 0.02, 0.01],
    "momo": [0.62, 0.22, 0.06, 0.02, 0.03, 0.03, 0.02],
    "shopee": [0.35, 0.45, 0.08, 0.04, 0.02, 0.04, 0.02],
    "pchome": [0.60, 0.20, 0.08, 0.03, 0.04, 0.03, 0.02],
}
# Base category shares of demand (before trends); marketplaces sell more home goods and 3C.
CATEGORY_SHARE = {"beauty": 0.24, "health_food": 0.20, "home": 0.20, "accessories_3c": 0.18, "apparel": 0.18}
MARKETPLACE_CATEGORY_TILT = {
    "beauty": 0.9,
    "health_food": 0.9,
    "home": 1.15,
    "accessories_3c": 1.25,
    "apparel": 0.9,
}
APP_SOURCES = [
    (("(direct)", "(none)", None), 0.5),
    (("app_push", "push", "app_reengage"), 0.2),
    (("newsletter", "email", "edm_monthly"), 0.1),
    (("facebook", "paid_social", "fb_prospecting"), 0.1),
    (("google", "cpc", "search_brand"), 0.1),
]
LINE_SOURCE = ("line", "social", "line_oa_broadcast")
# Hours a segment prefers (planted timing of the target segment).
HOUR_BANDS = {
    "午休 12-13時": [12, 13],
    "下午 15-17時": [15, 16, 17],
    "晚間 20-22時": [20, 21, 22],
    "深夜 23-01時": [23, 0, 1],
}
PRICE_BANDS = ["平價", "中價", "高價"]  # thirds of the category's list prices
TARGET_CHANNEL_LIFT = (1.8, 0.7)  # target segment's weight on its preferred own channel, on the others
STRENGTH_START_SHARE = 0.75  # the strength category's demand share at the start, against its base share
TARGET_HOUR_SHARE = 0.45  # share of the target segment's orders placed in its preferred hours
TARGET_PRICE_SHARE = 0.55  # share of its strength-category lines from its preferred price band
FREE_SHIPPING_FROM = 990


def category_day_intensity(days: pd.DatetimeIndex, plan: dict, platform: str | None = None) -> np.ndarray:
    """Return demand intensity per (category, day): share x growth x category trend x season.

    The strength category starts smaller than the others (a rising category): its size alone never
    gives it away.
    """
    years = seasons.years_since_start(days)
    season = seasons.seasonal_factor(days)
    growth = plan["growth"] + plan.get("platform_growth", {}).get(platform, 0.0)
    rows = []
    for cat, share in CATEGORY_SHARE.items():
        share = share * (STRENGTH_START_SHARE if cat == plan.get("strength") else 1.0)
        trend = (1 + growth) ** years * (1 + plan["category_trend"].get(cat, 0.0)) ** years
        rows.append(share * trend * season)
    return np.vstack(rows)


def _stratified_days(
    intensity: np.ndarray, month_of_day: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw n (day, category) cells: counts per category and month follow the intensity closely.

    A plain multinomial draw lets a category's yearly count wander by several per cent, enough to
    blur a planted growth gap; here each (category, month) gets its expected count (rounded at
    random), and only the days within the month are drawn.
    """
    n_cat = intensity.shape[0]
    n_month = int(month_of_day.max()) + 1
    per_cell = np.zeros((n_cat, n_month))
    for c in range(n_cat):
        per_cell[c] = np.bincount(month_of_day, weights=intensity[c], minlength=n_month)
    expected = n * per_cell / per_cell.sum()
    counts = np.floor(expected).astype(np.int64)
    counts += rng.random(expected.shape) < (expected - counts)
    day_pos, cat_pos = [], []
    for c in range(n_cat):
        for m in range(n_month):
            k = int(counts[c, m])
            if k == 0:
                continue
            month_days = np.flatnonzero(month_of_day == m)
            w = intensity[c, month_days]
            day_pos.append(month_days[rng.choice(len(month_days), size=k, p=w / w.sum())])
            cat_pos.append(np.full(k, c))
    return np.concatenate(day_pos), np.concatenate(cat_pos)


def _pick_members(
    order_day: np.ndarray,
    order_cat: np.ndarray,
    order_platform: np.ndarray,
    hidden: pd.DataFrame,
    days: pd.DatetimeIndex,
    lapse_day: int,
    channel_lift: dict,
    rng: np.random.Generator,
) -> np.ndarray:
    """Choose a member (row position) per order: joined already, not lapsed, weighted by activity x preference.

    ``channel_lift`` maps an own platform to the extra weight of the target segment's members there.
    """
    result = np.full(len(order_day), -1, dtype=np.int64)
    month = days.year.to_numpy() * 12 + days.month.to_numpy()
    join_day = hidden["join_days"].to_numpy()
    lapsing = hidden["lapsing"].to_numpy()
    activity = hidden["activity"].to_numpy()
    target = hidden["in_target"].to_numpy()
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
        for plat in np.unique(order_platform[in_month]):
            lift = np.where(target, channel_lift.get(plat, 1.0), 1.0)
            for ci in range(len(cats)):
                sel = np.flatnonzero(in_month & (order_cat == ci) & (order_platform == plat))
                if len(sel) == 0:
                    continue
                weights = np.where(eligible, activity * pref[:, ci] * lift, 0.0)
                result[sel] = rng.choice(len(weights), size=len(sel), p=weights / weights.sum())
    return result


def price_band_of(products: pd.DataFrame) -> np.ndarray:
    """Return each SKU's price band within its category (0 平價, 1 中價, 2 高價: thirds of list price)."""
    ranks = products.groupby("category", observed=True)["price"].rank(pct=True, method="first").to_numpy()
    return np.minimum((ranks * 3 - 1e-9).astype(int), 2)


def make_orders(
    products: pd.DataFrame,
    members: pd.DataFrame,
    hidden: pd.DataFrame,
    *,
    plan: dict,
    daily_price: np.ndarray,
    scale: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate orders of every platform and their items.

    Parameters
    ----------
    products, members, hidden : from :func:`make_products` and :func:`make_members`.
    plan : planted effects: ``growth``, ``platform_growth``, ``category_trend``, ``lapse_date``,
        ``size`` and ``target_segment`` (preferred channel, price band, hours, strength category).
    daily_price : price charged per (product, day), from :func:`pricing.make_price_history`.
    scale : multiplies the number of orders.
    rng : seed or generator.

    Returns
    -------
    orders : one row per order; hidden columns ``_device``, ``_os`` and ``_cat`` feed the GA4 generator.
    items : one row per order line.
    """
    rng = np.random.default_rng(rng)
    days = seasons.history_days()
    cats = np.array(list(catalog.CATEGORIES))
    lapse_day = int((pd.Timestamp(plan["lapse_date"]) - days[0]).days)
    target = plan["target_segment"]

    frames = []
    month_of_day = pd.factorize(days.to_period("M"))[0]
    for platform, base in BASE_ORDERS.items():
        # A Poisson count: yearly totals are never round numbers.
        n = max(int(rng.poisson(base * scale * plan.get("size", 1.0))), 5)
        intensity = category_day_intensity(days, plan, platform)
        if not catalog.PLATFORMS[platform]["own"]:
            intensity = intensity * np.array([MARKETPLACE_CATEGORY_TILT[c] for c in cats])[:, None]
        day_pos, cat_pos = _stratified_days(intensity, month_of_day, n, rng)
        frames.append(pd.DataFrame({"platform": platform, "_day": day_pos, "_cat": cat_pos}))
    orders = pd.concat(frames, ignore_index=True)
    n = len(orders)
    platform = orders["platform"].to_numpy()
    day = orders["_day"].to_numpy()

    # Members: only own platforms, and only a share of website orders (the rest are guests).
    member_share = pd.Series(platform).map(MEMBER_SHARE).to_numpy(dtype=float)
    is_member = rng.random(n) < member_share
    member_pos = np.full(n, -1, dtype=np.int64)
    lift = {
        p: TARGET_CHANNEL_LIFT[0] if p == target["preferred_channel"] else TARGET_CHANNEL_LIFT[1]
        for p in OWN_PLATFORMS
    }
    member_pos[is_member] = _pick_members(
        day[is_member],
        orders["_cat"].to_numpy()[is_member],
        platform[is_member],
        hidden,
        days,
        lapse_day,
        lift,
        rng,
    )
    in_target = np.zeros(n, dtype=bool)
    in_target[is_member] = hidden["in_target"].to_numpy()[member_pos[is_member]]
    local = seasons.sample_local_times(day, days, rng)
    # The target segment shops at its own hours.
    band = np.zeros(24)
    band[HOUR_BANDS[target["peak_hours"]]] = 1.0
    moved = in_target & (rng.random(n) < TARGET_HOUR_SHARE)
    local[moved] = seasons.sample_local_times(day[moved], days, rng, hour_weights=band)
    order_ts = pd.DatetimeIndex(local.astype("datetime64[us]")).tz_localize(TZ)

    city_keys = np.array(list(catalog.CITIES))
    city = city_keys[rng.choice(len(city_keys), size=n, p=plan["city_p"])]
    member_city = members["city"].astype(str).to_numpy()
    city = np.where(member_pos >= 0, member_city[np.maximum(member_pos, 0)], city)

    pay_keys = np.array(list(catalog.PAYMENT_METHODS))
    payment = np.empty(n, dtype=object)
    for plat, mix in PAYMENT_MIX.items():
        sel = platform == plat
        payment[sel] = pay_keys[rng.choice(len(pay_keys), size=int(sel.sum()), p=mix)]

    # Devices for website orders (GA4 needs them): desktop converts better than its traffic share.
    device = rng.choice(np.array(["mobile", "desktop", "tablet"]), size=n, p=[0.62, 0.35, 0.03])
    os_ = np.empty(n, dtype=object)
    for dev, oss in catalog.OPERATING_SYSTEMS.items():
        sel = device == dev
        os_[sel] = np.array(list(oss))[rng.choice(len(oss), size=int(sel.sum()), p=list(oss.values()))]

    # --- Items --------------------------------------------------------------------------------
    extra_lines = (
        pd.Series(platform).map({p: v["lines"] for p, v in catalog.PLATFORMS.items()}).to_numpy(float)
    )
    n_lines = 1 + np.minimum(rng.poisson(extra_lines), 3)
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    same_cat = rng.random(len(line_order)) < 0.95
    line_cat = np.where(
        same_cat, orders["_cat"].to_numpy()[line_order], rng.integers(0, len(cats), len(line_order))
    )
    prod_cat = products["category"].cat.codes.to_numpy()
    line_day = day[line_order]
    line_platform = platform[line_order]
    launch_day = ((products["launch_date"] - days[0]).dt.days).to_numpy()
    list_price = products["price"].to_numpy(dtype=float)
    popularity = 1.0 / (1 + rng.permutation(len(products)) % 40) ** 0.7
    # New launches sell less than established best-sellers (keeps category trends readable).
    popularity = np.where(launch_day > 0, popularity * 0.5, popularity)
    bands = price_band_of(products)
    strength_code = list(cats).index(target["preferred_category"])
    target_band = PRICE_BANDS.index(target["price_band"])
    line_target = (
        in_target[line_order]
        & (line_cat == strength_code)
        & (rng.random(len(line_order)) < TARGET_PRICE_SHARE)
    )
    sku_pos = np.empty(len(line_order), dtype=np.int64)
    for plat, spec in catalog.PLATFORMS.items():
        # Buyers of cheap-leaning platforms (Shopee) pick cheaper SKUs: popularity x price^-bias.
        tilt = popularity * (list_price / list_price.mean()) ** (-spec["aov_bias"])
        for ci in range(len(cats)):
            in_cat = np.flatnonzero(prod_cat == ci)
            sel = np.flatnonzero((line_cat == ci) & (line_platform == plat) & ~line_target)
            if len(sel):
                w = tilt[in_cat] / tilt[in_cat].sum()
                sku_pos[sel] = in_cat[rng.choice(len(in_cat), size=len(sel), p=w)]
    in_band = np.flatnonzero((prod_cat == strength_code) & (bands == target_band))
    sel = np.flatnonzero(line_target)
    if len(sel):
        w = popularity[in_band] / popularity[in_band].sum()
        sku_pos[sel] = in_band[rng.choice(len(in_band), size=len(sel), p=w)]
    # A product cannot sell before its launch: fall back to an older product of the category.
    for ci in range(len(cats)):
        in_cat = np.flatnonzero(prod_cat == ci)
        old = in_cat[launch_day[in_cat] <= 0]
        sel = np.flatnonzero((line_cat == ci) & (launch_day[sku_pos] > line_day))
        sku_pos[sel] = old[rng.integers(0, len(old), len(sel))]
    quantity = rng.choice(np.array([1, 2, 3]), size=len(line_order), p=[0.82, 0.14, 0.04])
    unit_price = daily_price[sku_pos, line_day].astype(np.int64)
    item_revenue = unit_price * quantity
    item_cost = products["unit_cost"].to_numpy()[sku_pos] * quantity
    items = pd.DataFrame(
        {
            "_order_pos": line_order,
            "line_no": line_no.astype(np.int64),
            "sku": products["sku"].to_numpy()[sku_pos],
            "quantity": quantity.astype(np.int64),
            "unit_price": unit_price,
            "item_revenue": item_revenue.astype(np.int64),
            "item_cost": item_cost.astype(np.int64),
        }
    )
    gross = np.bincount(line_order, weights=item_revenue, minlength=n).astype(np.int64)
    cogs = np.bincount(line_order, weights=item_cost, minlength=n).astype(np.int64)
    has_apparel = np.bincount(line_order, weights=(line_cat == list(cats).index("apparel")), minlength=n) > 0

    # --- Coupons, discounts, shipping, platform fees -------------------------------------------
    own = np.isin(platform, OWN_PLATFORMS)
    coupon = np.full(n, None, dtype=object)
    uses_coupon = own & (rng.random(n) < 0.25)
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
    discount[is_event_coupon] = np.round(gross[is_event_coupon] * 0.1)
    discount = np.minimum(discount, gross - 1)
    items_revenue = gross - discount
    shipping = np.where(
        own & (items_revenue < FREE_SHIPPING_FROM), np.where(payment == "cvs_cod", 60, 80), 0
    ).astype(np.int64)
    fee_rate = (
        pd.Series(platform).map({p: v["fee_rate"] for p, v in catalog.PLATFORMS.items()}).to_numpy(float)
    )
    platform_fee = np.round((items_revenue + shipping) * fee_rate).astype(np.int64)

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
    mean_days = (
        pd.Series(platform).map({p: v["delivery_days"] for p, v in catalog.PLATFORMS.items()}).to_numpy(float)
    )
    delivery_hours = np.maximum(rng.gamma(4.0, mean_days * 24 / 4.0), 10.0)
    delivered_local = local + (delivery_hours * 3600).astype("timedelta64[s]")
    # No deliveries 除夕-初四: parcels wait until the carriers reopen.
    delivered_local = seasons.next_delivery_day(delivered_local)
    delivered = pd.DatetimeIndex(delivered_local.astype("datetime64[us]")).tz_localize(TZ)
    delivered = delivered.where(~cancelled)
    returned_ts = delivered + pd.to_timedelta(rng.integers(60, 7 * 24 * 60, size=n), unit="min")
    returned_ts = returned_ts.where(returned)

    orders = pd.DataFrame(
        {
            "platform": pd.Categorical(platform, dtype=PLATFORM_DTYPE),
            "member_id": pd.Series(
                members["member_id"].to_numpy()[np.maximum(member_pos, 0)], dtype="str"
            ).where(member_pos >= 0),
            "order_ts": order_ts,
            "city": pd.Categorical(city, dtype=CITY_DTYPE),
            "payment_method": pd.Categorical(payment, dtype=PAYMENT_DTYPE),
            "coupon_code": pd.Series(coupon, dtype="str"),
            "campaign": pd.Series(campaign, dtype="str"),
            "items_revenue": items_revenue,
            "discount": discount,
            "shipping_fee": shipping,
            "platform_fee": platform_fee,
            "cost_of_goods": cogs,
            "revenue": items_revenue + shipping,
            "status": pd.Categorical(status, dtype=STATUS_DTYPE),
            "returned_ts": returned_ts,
            "delivered_ts": delivered,
            "_device": device,
            "_os": os_,
            "_cat": orders["_cat"].to_numpy(),
        }
    )
    return orders, items


def finalize_orders(orders: pd.DataFrame, items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sort orders by time, give them ids, and attach the ids to their items."""
    order_ts_key = orders["order_ts"].to_numpy()
    perm = np.argsort(order_ts_key, kind="stable")
    orders = orders.iloc[perm].reset_index(drop=True)
    new_pos = np.empty(len(perm), dtype=np.int64)
    new_pos[perm] = np.arange(len(perm))
    prefix = orders["platform"].map(ORDER_PREFIX).astype(str)
    orders.insert(
        0,
        "order_id",
        (prefix + pd.Series(np.arange(1, len(orders) + 1)).astype(str).str.zfill(8)).astype("str"),
    )
    items = items.copy()
    items["_order_pos"] = new_pos[items["_order_pos"].to_numpy()]
    items = items.sort_values(["_order_pos", "line_no"], kind="stable").reset_index(drop=True)
    items.insert(0, "order_id", orders["order_id"].to_numpy()[items["_order_pos"].to_numpy()])
    items = items.drop(columns="_order_pos")
    items["order_id"] = items["order_id"].astype("str")
    items["sku"] = items["sku"].astype("str")
    return orders, items
