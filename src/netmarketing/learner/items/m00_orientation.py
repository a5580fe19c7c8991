"""Items of module 00 (orientation): practice, never counted toward a level decision.

Self-checks here may confirm the exact answer from the learner's own tables: the module
is for learning the tools, not evidence.
"""

from __future__ import annotations

from netmarketing.learner.answers import FIGURE, INTEGER, TEXT, series, table
from netmarketing.learner.data import load
from netmarketing.learner.items import item


def _has_chinese(text: object) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def _n_orders(a):
    yield (
        a.n_orders == len(load("orders")),
        "和你的訂單資料表列數一致"
        if a.n_orders == len(load("orders"))
        else "n_orders 應等於 orders 的列數，請用 len(orders)",
    )


def _top_platform(a):
    platforms = set(load("orders")["platform"].astype(str))
    known = a.top_platform in platforms
    yield known, "是有效的平台代碼" if known else "請填平台代碼（如 'website'），不是中文名稱"


def _completed(a):
    statuses = set(a.completed["status"].astype(str))
    yield (
        statuses == {"completed"},
        (
            "只留下已完成訂單"
            if statuses == {"completed"}
            else "completed 裡還有其他狀態，請用 orders['status'] == 'completed' 篩選"
        ),
    )


def _city_revenue(a):
    ordered = a.city_revenue.is_monotonic_decreasing
    yield ordered, "已由大到小排序" if ordered else "請加上 .sort_values(ascending=False)"


def _monthly_revenue(a):
    good = all(len(str(m)) == 7 and str(m)[4] == "-" for m in a.monthly_revenue.index)
    yield (
        good,
        "索引是 YYYY-MM 月份字串" if good else '索引應為 "2025-11" 這種格式，請用 .dt.strftime("%Y-%m")',
    )


def _category_revenue(a):
    n = load("products")["category_zh"].nunique()
    yield (
        len(a.category_revenue) == n,
        ("每個類別一列" if len(a.category_revenue) == n else "類別數不對：請依 category_zh 分組"),
    )


def _first_chart(a):
    from netmarketing.learner.answers import Figure, figure_summary

    chart = a.ax if isinstance(a.ax, Figure) else Figure(figure_summary(a.ax))
    axes = chart.axes[:1]
    title = axes[0].get("title", "") if axes else ""
    xlabel = axes[0].get("xlabel", "") if axes else ""
    yield (
        _has_chinese(title),
        "圖有中文標題" if _has_chinese(title) else "請用 ax.set_title('…') 加上中文標題",
    )
    yield (
        _has_chinese(xlabel),
        ("x 軸有中文名稱" if _has_chinese(xlabel) else "請用 ax.set_xlabel('…') 加上中文座標軸名稱"),
    )


item("practice__n_orders", "練習 1（0-1）", {"n_orders": INTEGER}, _n_orders)
item("practice__top_platform", "練習 2（0-1）", {"top_platform": TEXT}, _top_platform)
item("practice__completed", "練習 1（0-2）", {"completed": table("order_id", "status")}, _completed)
item("practice__city_revenue", "練習 2（0-2）", {"city_revenue": series()}, _city_revenue)
item("practice__monthly_revenue", "練習 3（0-2）", {"monthly_revenue": series(min_len=12)}, _monthly_revenue)
item("practice__category_revenue", "練習 4（0-2）", {"category_revenue": series()}, _category_revenue)
item("practice__first_chart", "練習 5（0-2）", {"ax": FIGURE}, _first_chart)
