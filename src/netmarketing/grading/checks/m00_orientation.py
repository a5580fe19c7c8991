"""Checks of module 00 (orientation, practice): each recomputes the answer from the learner's own tables."""

from __future__ import annotations

import pandas as pd

from netmarketing.grading.checks import Variant, check, full, partial, zero


def _completed_orders(v: Variant) -> pd.DataFrame:
    orders = v.table("orders")
    return orders[orders["status"].astype(str) == "completed"]


def _as_int_series(s: pd.Series) -> pd.Series:
    out = s.copy()
    out.index = out.index.astype(str)
    return out.astype(float).round().astype("int64")


@check("practice__n_orders")
def n_orders(a, v):
    if a.n_orders == len(v.table("orders")):
        return full()
    return zero(
        "n_orders 和你的訂單資料表列數不一致：請用 len(orders)", "n_orders differs from your orders table"
    )


@check("practice__top_platform")
def top_platform(a, v):
    counts = v.table("orders")["platform"].astype(str).value_counts()
    if a.top_platform not in counts.index:
        return zero(
            "top_platform 不是你的資料中的平台代碼（例如 'website'）", "not a platform code of your data"
        )
    # Platforms can tie on order count: any platform with the most orders is right.
    if counts[a.top_platform] == counts.max():
        return full()
    return zero(
        "top_platform 不是你的資料中訂單最多的平台：請用 value_counts()", "not the platform with most orders"
    )


@check("practice__completed")
def completed(a, v):
    expected = set(_completed_orders(v)["order_id"].astype(str))
    got = set(a.completed["order_id"].astype(str))
    if got == expected:
        return full()
    if got < expected:
        return partial(
            0.5, "completed 少了部分已完成訂單：請勿加上其他篩選條件", "some completed orders are missing"
        )
    return zero(
        "completed 含有不是「已完成」的訂單：請用 status == 'completed' 篩選", "contains other statuses"
    )


@check("practice__city_revenue")
def city_revenue(a, v):
    done = _completed_orders(v)
    expected = _as_int_series(done.groupby("city", observed=True)["revenue"].sum())
    got = _as_int_series(a.city_revenue)
    if not a.city_revenue.is_monotonic_decreasing:
        return partial(
            0.5, "數字正確與否之外，city_revenue 要由大到小排序", "city_revenue must be sorted descending"
        )
    if got.index[0] != expected.idxmax():
        return zero("營收第一名的城市不對：請用已完成訂單，依 city 加總 revenue", "wrong top city")
    if got.reindex(expected.index).fillna(-1).astype("int64").equals(expected):
        return full()
    return zero("各城市營收和你的資料不一致：請用已完成訂單，依 city 加總 revenue", "city totals differ")


@check("practice__monthly_revenue")
def monthly_revenue(a, v):
    done = _completed_orders(v)
    expected = _as_int_series(done.groupby(done["order_ts"].dt.strftime("%Y-%m"))["revenue"].sum())
    got = _as_int_series(a.monthly_revenue)
    if list(got.index) != list(expected.index):
        return zero(
            "月份不一致：請依 order_ts 的月份（YYYY-MM）分組，由舊到新", "months differ or are out of order"
        )
    if got.equals(expected):
        return full()
    return zero("每月營收和你的資料不一致：請用已完成訂單的 revenue 加總", "monthly totals differ")


@check("practice__category_revenue")
def category_revenue(a, v):
    lines = v.table("order_items").merge(v.table("products")[["sku", "category_zh"]], on="sku")
    expected = _as_int_series(lines.groupby("category_zh", observed=True)["item_revenue"].sum())
    got = _as_int_series(a.category_revenue)
    if not a.category_revenue.is_monotonic_decreasing:
        return partial(0.5, "category_revenue 要由大到小排序", "category_revenue must be sorted descending")
    if got.reindex(expected.index).fillna(-1).astype("int64").equals(expected):
        return full()
    return zero("各類別營收和你的資料不一致：請依 category_zh 加總 item_revenue", "category totals differ")


def _has_chinese(text: object) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


@check("practice__first_chart")
def first_chart(a, v):
    axes = a.ax.axes
    if not axes or axes[0].get("n_bars", 0) < 3:
        return zero(
            "圖上沒有長條：請用 sns.barplot 畫 category_revenue，並傳入 ax=ax", "no bars on the chart"
        )
    first = axes[0]
    missing = [
        what
        for what, key in (("中文標題", "title"), ("中文 x 軸名稱", "xlabel"))
        if not _has_chinese(first.get(key))
    ]
    if missing:
        return partial(
            0.5,
            f"長條圖有了，還缺{'與'.join(missing)}",
            "bars present; a Chinese title or x label is missing",
        )
    return full()
