"""Data-quality defects, drawn per variant and listed in the truth manifest with how to find each.

Each world plants five to eight kinds out of :data:`DEFECT_KINDS`, in drawn amounts and places, so
an audit copied from another learner's variant names the wrong problems. Duplicate GA4 events are
made inside the GA4 generator (cheaper at 10 M rows); everything else is injected here into copies
of the clean tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFECT_KINDS = [
    "test_orders",
    "timezone_shift",
    "missing_order_city",
    "duplicate_orders",
    "missing_member_birth_date",
    "unit_cost_in_cents",
    "duplicate_events",
    "city_name_variants",
    "mobile_format",
    "email_format",
    "unit_price_typo",
    "sku_format",
    "delivered_before_order",
]
MIN_KINDS, MAX_KINDS = 5, 8
CITY_VARIANTS = {"臺北市": "台北市", "臺中市": "台中市", "臺南市": "台南市", "臺東縣": "台東縣"}


def _line_keys(items: pd.DataFrame, positions: np.ndarray) -> list[list]:
    """Return [order_id, line_no] keys of order-item rows at the given positions."""
    rows = items.iloc[positions]
    return [[str(o), int(n)] for o, n in zip(rows["order_id"], rows["line_no"], strict=True)]


def choose_defects(rng: np.random.Generator) -> dict[str, dict]:
    """Draw which defects a world plants and their sizes: {kind: parameters}."""
    k = int(rng.integers(MIN_KINDS, MAX_KINDS + 1))
    kinds = sorted(rng.choice(DEFECT_KINDS, size=k, replace=False).tolist(), key=DEFECT_KINDS.index)
    params = {
        "test_orders": {"count": int(rng.integers(4, 16))},
        "timezone_shift": {
            "platform": str(rng.choice(["momo", "shopee", "pchome"])),
            "month": f"{rng.integers(2024, 2026)}-{rng.integers(1, 13):02d}",
        },
        "missing_order_city": {"rate": float(rng.uniform(0.01, 0.03))},
        "duplicate_orders": {"rate": float(rng.uniform(0.002, 0.008))},
        "missing_member_birth_date": {"rate": float(rng.uniform(0.02, 0.06))},
        "unit_cost_in_cents": {"count": int(rng.integers(2, 7))},
        "duplicate_events": {"rate": float(rng.uniform(0.001, 0.003))},
        "city_name_variants": {"rate": float(rng.uniform(0.05, 0.2))},
        "mobile_format": {"rate": float(rng.uniform(0.03, 0.1))},
        "email_format": {"rate": float(rng.uniform(0.01, 0.05))},
        "unit_price_typo": {"count": int(rng.integers(3, 12))},
        "sku_format": {"rate": float(rng.uniform(0.002, 0.01))},
        "delivered_before_order": {"count": int(rng.integers(3, 15))},
    }
    return {kind: params[kind] for kind in kinds}


def inject_defects(
    tables: dict[str, pd.DataFrame], chosen: dict[str, dict], *, rng: np.random.Generator | int | None = None
) -> tuple[dict[str, pd.DataFrame], dict]:
    """Return defective copies of the core tables and the manifest of what was done.

    Parameters
    ----------
    tables : clean core tables (not modified).
    chosen : defects to plant, from :func:`choose_defects` (``duplicate_events`` is done by GA4).
    rng : seed or generator.

    Returns
    -------
    tables : new dict with defective tables.
    defects : {kind: {"table", "count", "rate" (if drawn as a rate), ids or keys, "how" (to find it)}}.
    """
    rng = np.random.default_rng(rng)
    out = dict(tables)
    manifest: dict = {}
    orders = tables["orders"].copy()
    items = tables["order_items"].copy()
    members = tables["members"].copy()
    products = tables["products"].copy()

    if "test_orders" in chosen:
        n_test = chosen["test_orders"]["count"]
        base = (
            orders[orders["platform"] == "website"].sample(n_test, random_state=rng).sort_values("order_ts")
        )
        test = base.copy()
        test["order_id"] = [f"W9{i:07d}" for i in range(1, n_test + 1)]
        test["member_id"] = "TEST"
        for col, value in {
            "items_revenue": 1,
            "revenue": 1,
            "discount": 0,
            "shipping_fee": 0,
            "platform_fee": 0,
            "cost_of_goods": 0,
        }.items():
            test[col] = np.int64(value)
        test["payment_method"] = pd.Categorical(
            ["credit_card"] * n_test, dtype=orders["payment_method"].dtype
        )
        test["status"] = pd.Categorical(["completed"] * n_test, dtype=orders["status"].dtype)
        for col in ("coupon_code", "campaign", "transaction_id"):
            test[col] = pd.Series([None] * n_test, dtype="str", index=test.index)
        test["channel"] = pd.Categorical([None] * n_test, dtype=orders["channel"].dtype)
        test["returned_ts"] = pd.Series(pd.NaT, index=test.index, dtype=orders["returned_ts"].dtype)
        test_items = pd.DataFrame(
            {
                "order_id": test["order_id"].to_numpy(),
                "line_no": np.int64(1),
                "sku": products["sku"].sample(n_test, replace=True, random_state=rng).to_numpy(),
                "quantity": np.int64(1),
                "unit_price": np.int64(1),
                "item_revenue": np.int64(1),
                "item_cost": np.int64(0),
            }
        )
        orders = pd.concat([orders, test], ignore_index=True)
        items = pd.concat([items, test_items], ignore_index=True)
        manifest["test_orders"] = {
            "table": "orders",
            "count": n_test,
            "ids": test["order_id"].tolist(),
            "how": "member_id 'TEST' and revenue NT$1 (one item at NT$1, also in order_items)",
        }

    real = orders["member_id"].ne("TEST").fillna(True).to_numpy()
    if "timezone_shift" in chosen:
        # One month of one marketplace export came in UTC but is labelled Asia/Taipei (8 h too early).
        spec = chosen["timezone_shift"]
        month = pd.Period(spec["month"], freq="M")
        hit = (
            (orders["platform"] == spec["platform"])
            & (orders["order_ts"].dt.tz_localize(None).dt.to_period("M") == month)
            & real
        )
        orders.loc[hit, "order_ts"] = orders.loc[hit, "order_ts"] - pd.Timedelta(hours=8)
        manifest["timezone_shift"] = {
            "table": "orders",
            "column": "order_ts",
            "platform": spec["platform"],
            "month": str(month),
            "shift_hours": -8,
            "count": int(hit.sum()),
            "ids": orders.loc[hit, "order_id"].tolist(),
            "how": "that platform's order hours in that month peak 8 h earlier than in other months, "
            "and its order-to-delivery times are 8 h longer",
        }

    if "missing_order_city" in chosen:
        rate = chosen["missing_order_city"]["rate"]
        miss = (rng.random(len(orders)) < rate) & real
        orders.loc[miss, "city"] = None
        manifest["missing_order_city"] = {
            "table": "orders",
            "column": "city",
            "rate": rate,
            "count": int(miss.sum()),
            "ids": orders.loc[miss, "order_id"].tolist(),
            "how": "orders.city is null",
        }

    if "city_name_variants" in chosen:
        # Some exports write 台 instead of 臺: the same city appears under two names.
        rate = chosen["city_name_variants"]["rate"]
        city = orders["city"].astype("object")
        hit = city.isin(list(CITY_VARIANTS)).to_numpy() & (rng.random(len(orders)) < rate) & real
        city[hit] = city[hit].map(CITY_VARIANTS)
        categories = list(orders["city"].cat.categories) + list(CITY_VARIANTS.values())
        orders["city"] = pd.Categorical(city, categories=categories)
        manifest["city_name_variants"] = {
            "table": "orders",
            "column": "city",
            "rate": rate,
            "count": int(hit.sum()),
            "ids": orders.loc[hit, "order_id"].tolist(),
            "variants": CITY_VARIANTS,
            "how": "city values 台北市/台中市/台南市/台東縣 beside 臺北市/臺中市/…",
        }

    if "delivered_before_order" in chosen:
        n_bad = chosen["delivered_before_order"]["count"]
        candidates = np.flatnonzero(orders["delivered_ts"].notna().to_numpy() & real)
        bad = np.sort(rng.choice(candidates, min(n_bad, len(candidates)), replace=False))
        lag = orders["delivered_ts"].iloc[bad] - orders["order_ts"].iloc[bad]
        orders.loc[orders.index[bad], "delivered_ts"] = (orders["order_ts"].iloc[bad] - lag).to_numpy()
        manifest["delivered_before_order"] = {
            "table": "orders",
            "column": "delivered_ts",
            "count": len(bad),
            "ids": orders["order_id"].iloc[bad].tolist(),
            "how": "delivered_ts earlier than order_ts (the carrier's time entered with the wrong sign)",
        }

    if "duplicate_orders" in chosen:
        rate = chosen["duplicate_orders"]["rate"]
        real = orders["member_id"].ne("TEST").fillna(True).to_numpy()
        dup = np.flatnonzero((rng.random(len(orders)) < rate) & real)
        position = np.concatenate([np.arange(len(orders)), dup])
        tie = np.concatenate([np.zeros(len(orders)), np.ones(len(dup))])
        orders = orders.iloc[position[np.lexsort((tie, position))]].reset_index(drop=True)
        manifest["duplicate_orders"] = {
            "table": "orders",
            "rate": rate,
            "count": len(dup),
            "ids": orders["order_id"][orders["order_id"].duplicated()].tolist(),
            "how": "exact duplicate rows right after the original (same order_id)",
        }

    if "unit_price_typo" in chosen:
        # A few lines keyed in with an extra zero: unit_price x 10 while the order's totals are right.
        n_bad = chosen["unit_price_typo"]["count"]
        bad = np.sort(rng.choice(len(items), n_bad, replace=False))
        items.loc[items.index[bad], "unit_price"] = items["unit_price"].iloc[bad].to_numpy() * 10
        manifest["unit_price_typo"] = {
            "table": "order_items",
            "column": "unit_price",
            "count": n_bad,
            "keys": _line_keys(items, bad),
            "how": "unit_price x quantity no longer equals item_revenue; unit_price is 10x the price in "
            "price_history that day",
        }

    if "sku_format" in chosen:
        rate = chosen["sku_format"]["rate"]
        bad = np.flatnonzero(rng.random(len(items)) < rate)
        sku = items["sku"].to_numpy(dtype=object)
        style = rng.integers(0, 2, len(bad))
        sku[bad] = np.where(
            style == 0,
            pd.Series(sku[bad]).str.lower().to_numpy(dtype=object),
            (pd.Series(sku[bad]) + " ").to_numpy(dtype=object),
        )
        items["sku"] = pd.Series(sku, dtype="str")
        manifest["sku_format"] = {
            "table": "order_items",
            "column": "sku",
            "rate": rate,
            "count": len(bad),
            "keys": _line_keys(items, bad),
            "how": "lower-case or trailing-space SKUs that do not join to products until stripped and upper-cased",
        }
    items["order_id"] = items["order_id"].astype("str")
    items["sku"] = items["sku"].astype("str")

    if "missing_member_birth_date" in chosen:
        rate = chosen["missing_member_birth_date"]["rate"]
        miss = rng.random(len(members)) < rate
        members.loc[miss, "birth_date"] = pd.NaT
        members.loc[miss, "age_bracket"] = None
        manifest["missing_member_birth_date"] = {
            "table": "members",
            "columns": ["birth_date", "age_bracket"],
            "rate": rate,
            "count": int(miss.sum()),
            "ids": members.loc[miss, "member_id"].tolist(),
            "how": "birth_date and age_bracket are null",
        }

    if "mobile_format" in chosen:
        rate = chosen["mobile_format"]["rate"]
        bad = rng.random(len(members)) < rate
        digits = members.loc[bad, "mobile"].str.replace("-", "", regex=False)
        style = rng.integers(0, 2, int(bad.sum()))
        members.loc[bad, "mobile"] = np.where(style == 0, digits, "+886" + digits.str.slice(1))
        manifest["mobile_format"] = {
            "table": "members",
            "column": "mobile",
            "rate": rate,
            "count": int(bad.sum()),
            "ids": members.loc[bad, "member_id"].tolist(),
            "how": "mobile not in 09xx-xxx-xxx form (0912345678 or +886912345678)",
        }

    if "email_format" in chosen:
        rate = chosen["email_format"]["rate"]
        bad = rng.random(len(members)) < rate
        members.loc[bad, "email"] = " " + members.loc[bad, "email"].str.upper()
        manifest["email_format"] = {
            "table": "members",
            "column": "email",
            "rate": rate,
            "count": int(bad.sum()),
            "ids": members.loc[bad, "member_id"].tolist(),
            "how": "upper-case e-mail with a leading space: duplicates hide until stripped and lower-cased",
        }

    if "unit_cost_in_cents" in chosen:
        n_cents = chosen["unit_cost_in_cents"]["count"]
        cents = rng.choice(len(products), size=n_cents, replace=False)
        products.loc[products.index[cents], "unit_cost"] = products["unit_cost"].iloc[cents] * 100
        manifest["unit_cost_in_cents"] = {
            "table": "products",
            "column": "unit_cost",
            "count": n_cents,
            "ids": products["sku"].iloc[np.sort(cents)].tolist(),
            "how": "unit_cost above the price (stored in NT$ cents, x100); order_items.item_cost is right",
        }

    out.update({"orders": orders, "order_items": items, "members": members, "products": products})
    return out, manifest
