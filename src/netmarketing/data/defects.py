"""Data-quality defects injected at known rates, each listed in the truth manifest.

Defects: duplicate orders (double exports), missing values,
one month of one marketplace export in UTC instead of Asia/Taipei, unit
costs entered in cents, and test orders left in production data. Duplicate
GA4 events are made inside the GA4 generator (cheaper at 10 M rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def inject_defects(tables: dict[str, pd.DataFrame], *, rng: np.random.Generator | int | None = None
                   ) -> tuple[dict[str, pd.DataFrame], dict]:
    """Return defective copies of the core tables and the manifest of what was done.

    Parameters
    ----------
    tables : clean core tables (not modified).
    rng : seed or generator.

    Returns
    -------
    tables : new dict with defective tables.
    defects : {name: {"table", "rate" or "count", "column(s)", ids or keys, "how"}}.
    """
    rng = np.random.default_rng(rng)
    out = dict(tables)
    manifest: dict = {}
    orders = tables["orders"].copy()
    items = tables["order_items"].copy()
    members = tables["members"].copy()
    products = tables["products"].copy()

    # Test orders: staff checked the checkout in production (member "TEST", revenue NT$1).
    n_test = int(rng.integers(5, 16))
    base = orders[orders["platform"] == "website"].sample(n_test, random_state=rng).sort_values("order_ts")
    test = base.copy()
    test["order_id"] = [f"W9{i:07d}" for i in range(1, n_test + 1)]
    test["member_id"] = "TEST"
    for col, value in {"items_revenue": 1, "revenue": 1, "discount": 0, "shipping_fee": 0, "cost_of_goods": 0}.items():
        test[col] = np.int64(value)
    test["payment_method"] = pd.Categorical(["credit_card"] * n_test, dtype=orders["payment_method"].dtype)
    test["status"] = pd.Categorical(["completed"] * n_test, dtype=orders["status"].dtype)
    for col in ("coupon_code", "campaign", "transaction_id"):
        test[col] = pd.Series([None] * n_test, dtype="str", index=test.index)
    test["channel"] = pd.Categorical([None] * n_test, dtype=orders["channel"].dtype)
    test["returned_ts"] = pd.Series(pd.NaT, index=test.index, dtype=orders["returned_ts"].dtype)
    test_items = pd.DataFrame({
        "order_id": test["order_id"].to_numpy(), "line_no": np.int64(1),
        "sku": products["sku"].sample(n_test, replace=True, random_state=rng).to_numpy(),
        "quantity": np.int64(1), "unit_price": np.int64(1), "item_revenue": np.int64(1), "item_cost": np.int64(0),
    })
    orders = pd.concat([orders, test], ignore_index=True)
    items = pd.concat([items, test_items], ignore_index=True)
    items["order_id"] = items["order_id"].astype("str")
    items["sku"] = items["sku"].astype("str")
    manifest["test_orders"] = {"table": "orders", "count": n_test, "ids": test["order_id"].tolist(),
                               "how": "member_id 'TEST', revenue 1, one item at NT$1; also in order_items"}

    # One month of one marketplace export came in UTC but is labelled Asia/Taipei (8 h too early).
    platform = str(rng.choice(["momo", "shopee", "pchome"]))
    month = pd.Period(f"{rng.integers(2024, 2026)}-{rng.integers(1, 13):02d}", freq="M")
    hit = (orders["platform"] == platform) & (orders["order_ts"].dt.tz_localize(None).dt.to_period("M") == month)
    hit &= orders["member_id"].ne("TEST").fillna(True)
    orders.loc[hit, "order_ts"] = orders.loc[hit, "order_ts"] - pd.Timedelta(hours=8)
    manifest["timezone_shift"] = {"table": "orders", "column": "order_ts", "platform": platform, "month": str(month),
                                  "shift_hours": -8, "count": int(hit.sum()),
                                  "ids": orders.loc[hit, "order_id"].tolist(),
                                  "how": "UTC wall-clock times labelled Asia/Taipei"}

    # Missing city on some orders.
    rate = float(rng.uniform(0.01, 0.03))
    miss = rng.random(len(orders)) < rate
    orders.loc[miss, "city"] = None
    manifest["missing_order_city"] = {"table": "orders", "column": "city", "rate": rate, "count": int(miss.sum()),
                                      "ids": orders.loc[miss, "order_id"].tolist()}

    # Duplicate orders (the same row exported twice).
    rate = float(rng.uniform(0.003, 0.008))
    dup = np.flatnonzero(rng.random(len(orders)) < rate)
    dup = dup[orders["member_id"].iloc[dup].ne("TEST").fillna(True).to_numpy()]
    position = np.concatenate([np.arange(len(orders)), dup])
    tie = np.concatenate([np.zeros(len(orders)), np.ones(len(dup))])
    orders = orders.iloc[position[np.lexsort((tie, position))]].reset_index(drop=True)
    manifest["duplicate_orders"] = {"table": "orders", "rate": rate, "count": len(dup),
                                    "ids": orders["order_id"][orders["order_id"].duplicated()].tolist(),
                                    "how": "exact duplicate rows right after the original"}

    # Members without birth date (and so without age bracket).
    rate = float(rng.uniform(0.03, 0.06))
    miss = rng.random(len(members)) < rate
    members.loc[miss, "birth_date"] = pd.NaT
    members.loc[miss, "age_bracket"] = None
    manifest["missing_member_birth_date"] = {"table": "members", "columns": ["birth_date", "age_bracket"],
                                             "rate": rate, "count": int(miss.sum()),
                                             "ids": members.loc[miss, "member_id"].tolist()}

    # Unit cost typed in cents for a few SKUs (x100).
    n_cents = int(rng.integers(3, 7))
    cents = rng.choice(len(products), size=n_cents, replace=False)
    products.loc[products.index[cents], "unit_cost"] = products["unit_cost"].iloc[cents] * 100
    manifest["unit_cost_in_cents"] = {"table": "products", "column": "unit_cost", "count": n_cents,
                                      "ids": products["sku"].iloc[np.sort(cents)].tolist(),
                                      "how": "unit_cost stored in NT$ cents (x100); order_items.item_cost is right"}

    out.update({"orders": orders, "order_items": items, "members": members, "products": products})
    return out, manifest
