"""Price history and offers (tables ``price_history`` and ``offers``).

The price a shop really charged is the fact behind every price claim in its ads: a 原價 (original
price) in an ad copy is truthful only when the SKU really sold at that regular price in the weeks
before the offer, and a countdown only when the offer really ended. Orders use exactly these prices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import seasons
from netmarketing.data.products import round_price

# A share of SKUs gets one regular price rise during the history (costs, exchange rates).
PRICE_RISE_SHARE = 0.3
PRICE_RISE = (0.05, 0.12)
# Campaign offers: share of SKUs per campaign and their discount.
OFFER_SKU_SHARE = (0.08, 0.16)
OFFER_DISCOUNT = (0.1, 0.3)
FLASH_OFFERS_PER_YEAR = (4, 8)
# Reference window for a truthful 原價: the regular price charged in the days before the offer
# (a course rule; 公平交易法 §21 asks whether the price representation is true, see the data dictionary).
REFERENCE_DAYS = 30


def make_price_history(
    products: pd.DataFrame, *, rng: np.random.Generator | int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Generate the regular price timeline, the offers and the daily price matrix.

    Parameters
    ----------
    products : catalogue; its ``price`` is the list price at the end of the history.
    rng : seed or generator.

    Returns
    -------
    price_history : one row per SKU and period with one price: sku, valid_from, valid_to (inclusive),
        price, price_type ("regular" or "offer"), offer_id, list_price (the regular price then).
    offers : offer_id, name, event, sku, offer_price, start_date, end_date (real, inclusive).
    daily : int64 array (n_products x n_days) of the price charged each day.
    """
    rng = np.random.default_rng(rng)
    days = seasons.history_days()
    n_p, n_d = len(products), len(days)
    final = products["price"].to_numpy(dtype=float)
    regular = np.tile(final, (n_d, 1)).T.astype(np.int64)
    rise = rng.random(n_p) < PRICE_RISE_SHARE
    rise_day = rng.integers(60, n_d - 60, n_p)
    before = round_price(final / (1 + rng.uniform(*PRICE_RISE, n_p)))
    for i in np.flatnonzero(rise):
        regular[i, : rise_day[i]] = before[i]
    daily = regular.copy()

    offers = []
    cal = seasons.event_calendar(range(days[0].year, days[-1].year + 1))
    cal = cal[(cal["date"] >= days[0]) & (cal["campaign_start"] <= days[-1])]
    for row in cal.itertuples():
        k = max(round(n_p * rng.uniform(*OFFER_SKU_SHARE)), 3)
        start = max(row.campaign_start + pd.Timedelta(days=int(rng.integers(0, 5))), days[0])
        end = min(row.date, days[-1])
        for sku_pos in rng.choice(n_p, k, replace=False):
            offers.append((row.event, f"{row.event} {row.year}", int(sku_pos), start, end))
    for year in range(days[0].year, days[-1].year + 1):
        for _ in range(int(rng.integers(*FLASH_OFFERS_PER_YEAR))):
            start = pd.Timestamp(year, 1, 1) + pd.Timedelta(days=int(rng.integers(0, 360)))
            if not days[0] <= start <= days[-1] - pd.Timedelta(days=5):
                continue
            end = start + pd.Timedelta(days=int(rng.integers(1, 4)))
            for sku_pos in rng.choice(n_p, int(rng.integers(2, 6)), replace=False):
                offers.append(("限時搶購", f"限時搶購 {start:%m%d}", int(sku_pos), start, end))
    offers_df = pd.DataFrame(offers, columns=["event", "name", "_pos", "start_date", "end_date"])
    offers_df = offers_df.sort_values(["start_date", "_pos"], kind="stable").reset_index(drop=True)
    # Overlapping offers on one SKU: keep the first.
    keep = np.ones(len(offers_df), dtype=bool)
    busy = np.zeros((n_p, n_d), dtype=bool)
    start_i = ((offers_df["start_date"] - days[0]).dt.days).to_numpy()
    end_i = ((offers_df["end_date"] - days[0]).dt.days).to_numpy()
    discount = rng.uniform(*OFFER_DISCOUNT, len(offers_df))
    offer_price = np.zeros(len(offers_df), dtype=np.int64)
    for j, (pos, a, b) in enumerate(zip(offers_df["_pos"], start_i, end_i, strict=True)):
        if busy[pos, a : b + 1].any():
            keep[j] = False
            continue
        busy[pos, a : b + 1] = True
        offer_price[j] = round_price(regular[pos, a] * (1 - discount[j]))
        daily[pos, a : b + 1] = offer_price[j]
    offers_df["offer_price"] = offer_price
    offers_df = offers_df[keep].reset_index(drop=True)
    offers_df.insert(0, "offer_id", [f"OF-{i + 1:04d}" for i in range(len(offers_df))])
    offers_df["sku"] = products["sku"].to_numpy()[offers_df["_pos"].to_numpy()]

    history = _timeline(products["sku"].to_numpy(), regular, daily, offers_df, days)
    offers_out = offers_df[
        ["offer_id", "name", "event", "sku", "offer_price", "start_date", "end_date"]
    ].copy()
    for col in ("start_date", "end_date"):
        offers_out[col] = offers_out[col].astype("datetime64[us]")
    return history, offers_out, daily


def _timeline(
    skus: np.ndarray, regular: np.ndarray, daily: np.ndarray, offers: pd.DataFrame, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Collapse the daily prices into periods of one price and one price type per SKU."""
    n_p, n_d = daily.shape
    offer_of_day = np.full((n_p, n_d), -1, dtype=np.int64)
    rows = zip(offers["_pos"], offers["start_date"], offers["end_date"], strict=True)
    for j, (pos_j, start_j, end_j) in enumerate(rows):
        offer_of_day[pos_j, (start_j - days[0]).days : (end_j - days[0]).days + 1] = j
    change = np.ones((n_p, n_d), dtype=bool)
    change[:, 1:] = (
        (daily[:, 1:] != daily[:, :-1])
        | (offer_of_day[:, 1:] != offer_of_day[:, :-1])
        | (regular[:, 1:] != regular[:, :-1])
    )
    pos, start = np.nonzero(change)
    nxt = np.r_[start[1:], n_d]
    nxt = np.where(np.r_[pos[1:] != pos[:-1], True], n_d, nxt)
    end = nxt - 1
    offer_idx = offer_of_day[pos, start]
    offer_ids = (
        offers["offer_id"].to_numpy(dtype=object) if "offer_id" in offers else np.array([], dtype=object)
    )
    table = pd.DataFrame(
        {
            "sku": skus[pos],
            "valid_from": days.to_numpy()[start],
            "valid_to": days.to_numpy()[end],
            "price": daily[pos, start],
            "price_type": np.where(offer_idx >= 0, "offer", "regular"),
            "offer_id": pd.Series(
                np.where(
                    offer_idx >= 0, offer_ids[np.maximum(offer_idx, 0)] if len(offer_ids) else None, None
                ),
                dtype="str",
            ),
            "list_price": regular[pos, start],
        }
    )
    # The current period stays open.
    table["valid_to"] = table["valid_to"].where(end < n_d - 1)
    table["price_type"] = table["price_type"].astype("category")
    for col in ("valid_from", "valid_to"):
        table[col] = table[col].astype("datetime64[us]")
    return table
