"""Items of T1.1 釐訂市場分析範疇 (notebooks t1_1a_scope_and_law and t1_1b_quality_and_history).

What each graded cell hands in, and formative self-checks that use only the learner's own
answer and own tables: formats, plausibility, sums that must agree. None of them reveals
the graded answer; the grade comes from :mod:`netmarketing.grading.checks.m01_t1_1`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netmarketing.data import catalog
from netmarketing.data.copies import (
    LABELS as AD_LABELS,
)  # 公平法 §21, 食安法 §28 II, 化粧品法 §10 II, 個資法 §20 III
from netmarketing.learner import sources
from netmarketing.learner.answers import (
    NUMBER,
    TEXT,
    Spec,
    dict_of,
    list_of,
    one_of,
    series,
    table,
    text,
)
from netmarketing.learner.data import load
from netmarketing.learner.items import item

#: Columns a minimised marketing table may keep (個資法 §5): no identifiers, no sensitive data.
ANALYSIS_COLUMNS = [
    "customer_key",
    "gender",
    "age_bracket",
    "education",
    "income_bracket",
    "city",
    "join_date",
    "line_user_linked",
]
IDENTIFIERS = ["member_id", "name", "national_id", "mobile", "email", "birth_date", "health_notes"]
NOT_SAVED = "沒有儲存的答案：請在上面的選擇器按「儲存」，再執行這一格"


def saved_choices(allowed: Any, *, describe: str, many: bool = False) -> Spec:
    """Return the spec of a widget's saved answer: ``{item id: code}`` (or ``{item id: [codes]}``).

    ``None`` (nothing saved) gets a message that says to press 儲存; an unanswered item
    (``None`` or ``[]``) is allowed here and simply counts as wrong.
    """
    allowed = set(allowed)

    def problem(value: Any) -> str | None:
        if value is None:
            return NOT_SAVED
        if not isinstance(value, Mapping) or not value:
            return f"應為題號對應選項的字典，目前是 {type(value).__name__}"
        for key, chosen in value.items():
            options = chosen if many and isinstance(chosen, list) else [chosen]
            if many and not isinstance(chosen, list):
                return f"{key} 的值應為串列"
            if any(option is not None and option not in allowed for option in options):
                return f"{key} 的選項不在清單中"
        return None

    return Spec(describe, problem)


def saved_counts(allowed: Any) -> Spec:
    """Return the spec of the audit explorer's saved answer: ``{problem code: affected rows}``."""
    allowed = set(allowed)

    def problem(value: Any) -> str | None:
        if value is None:
            return "沒有儲存的答案：請在資料品質瀏覽器記錄問題後按「儲存」，再執行這一格"
        if not isinstance(value, Mapping):
            return f"應為字典，目前是 {type(value).__name__}"
        unknown = [k for k in value if k not in allowed]
        if unknown:
            return f"問題代碼不在清單中：{', '.join(map(str, unknown))}"
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value.values()):
            return "影響筆數應為 0 以上的整數"
        return None

    return Spec("問題代碼對應影響筆數的字典", problem)


# -- self-checks (formative; never the key) --------------------------------------------------------
def _complete(a: Any, name: str, what: str) -> Any:
    chosen = getattr(a, name)
    blank = [q for q, v in chosen.items() if not v]
    yield (not blank, f"每題都有{what}" if not blank else f"{'、'.join(blank)} 還沒選{what}")


def _purposes(a):
    yield from _complete(a, "purposes", "蒐集目的")
    kinds = {v for v in a.purposes.values() if v}
    yield (
        len(kinds) >= 3,
        "目的有區分不同的決策" if len(kinds) >= 3 else "大多數題目選了同一個目的：想想每題要支援哪一種決策",
    )


def _pathways(a):
    yield from _complete(a, "pathways", "數據途徑")
    every = [q for q, v in a.pathways.items() if len(v) == len(sources.DATA_PATHWAYS)]
    yield (
        not every,
        "沒有把所有途徑都勾上"
        if not every
        else f"{'、'.join(every)} 勾了全部途徑：不適合回答問題的途徑不要放",
    )


def _positioning(a):
    competitors = set(load("competitors")["company"].astype(str)) - {catalog.COMPANY["brand_zh"]}
    unknown = [p for p in a.peers if p not in competitors]
    yield (
        not unknown,
        "同價位競爭者都是競爭者資料表裡的公司" if not unknown else f"不是競爭者：{'、'.join(unknown)}",
    )
    plausible = -0.5 < a.market_growth < 0.5
    yield (
        plausible,
        "市場成長率是小數（0.05 = 5%）"
        if plausible
        else "market_growth 應為小數成長率（例如 0.05），不是百分比",
    )


def _customer_rows(a):
    members = load("members")
    yield (
        0 < len(a.customer_table) < len(members),
        "名單比全體會員少：已排除未同意行銷的會員"
        if len(a.customer_table) < len(members)
        else "名單和全體會員一樣多：請依同意目的與退出日期篩選",
    )
    yield (
        a.customer_table["customer_key"].is_unique,
        "customer_key 不重複" if a.customer_table["customer_key"].is_unique else "customer_key 有重複",
    )


def _minimised(a):
    forbidden = [c for c in IDENTIFIERS if c in a.customer_table.columns]
    yield (
        not forbidden,
        "沒有識別資料欄位" if not forbidden else f"請刪除：{'、'.join(forbidden)}（個資法 §5、§6）",
    )


def _ad_labels(a):
    copies = set(load("ad_copies")["copy_id"].astype(str))
    yield (
        set(a.ad_labels) == copies,
        "每則文案都有結果" if set(a.ad_labels) == copies else "ad_labels 要包含每一個 copy_id",
    )
    flagged = sum(bool(v) for v in a.ad_labels.values())
    yield (
        0 < flagged < len(copies),
        "有取捨：部分文案合規"
        if 0 < flagged < len(copies)
        else "不要全部標記、也不要一則都不標：逐則對照事實",
    )


def _accessibility(a):
    page = sources.shop_page(load("products"), load("orders"))
    ids = set(page["element_id"])
    unknown = [e for e in [*a.missing_alt, *a.low_contrast] if e not in ids]
    yield (
        not unknown,
        "元素代號都在你的頁面上" if not unknown else f"不是你頁面上的元素：{'、'.join(unknown)}",
    )


def _monthly_sessions(a):
    good = all(len(str(m)) == 7 and str(m)[4] == "-" for m in a.monthly_sessions.index)
    yield good, "索引是 YYYY-MM 月份" if good else '索引應為 "2025-03" 這種月份字串'
    yield (
        a.monthly_sessions.index.is_monotonic_increasing,
        "由舊到新" if a.monthly_sessions.index.is_monotonic_increasing else "請用 .sort_index() 由舊到新",
    )


def _channel_sessions(a):
    from netmarketing.data.channels import CHANNEL_GROUPS

    names = [str(c) for c in a.channel_sessions.index]
    good = all(c in CHANNEL_GROUPS for c in names)
    yield (
        good,
        "索引是 GA4 預設管道名稱"
        if good
        else "索引應是管道名稱（如 'Organic Search'）：請用 default_channel_group",
    )
    yield (
        a.channel_sessions.is_monotonic_decreasing,
        "由大到小排序" if a.channel_sessions.is_monotonic_decreasing else "請由大到小排序",
    )


def _monthly_sales(a):
    orders = load("orders")
    total = int(orders["revenue"].sum())
    yield (
        int(a.monthly_sales["revenue"].sum()) < total,
        "營收少於全部訂單：已排除取消與退貨"
        if int(a.monthly_sales["revenue"].sum()) < total
        else "營收和全部訂單一樣多：請只算 status 為 completed 的訂單",
    )


def _campaign_results(a):
    rates = a.campaign_results[["open_rate", "click_rate"]]
    good = bool(((rates >= 0) & (rates <= 1)).all().all())
    yield good, "比率是 0 到 1 的小數" if good else "open_rate、click_rate 應為 0–1 的小數（不是百分比）"


def _audit(a):
    yield (
        0 < len(a.found) < len(sources.DEFECT_KINDS),
        "問題清單有取捨"
        if 0 < len(a.found) < len(sources.DEFECT_KINDS)
        else "不要全部記錄，也不要一個都沒有：每一種都要用資料證明",
    )


def _cleaned(a):
    yield (
        a.orders_clean["order_id"].is_unique,
        "order_id 不再重複" if a.orders_clean["order_id"].is_unique else "orders_clean 仍有重複的 order_id",
    )
    tests = int((a.orders_clean.get("member_id") == "TEST").sum()) if "member_id" in a.orders_clean else 0
    yield tests == 0, "沒有測試訂單" if tests == 0 else "orders_clean 仍有測試訂單"


def _untracked(a):
    ids = set(load("orders").query("platform == 'website'")["order_id"].astype(str))
    unknown = [o for o in a.untracked if o not in ids]
    yield not unknown, "都是官網訂單" if not unknown else f"不是官網訂單：{'、'.join(unknown[:3])}"


# -- T1.1a: scope and law --------------------------------------------------------------------------
item(
    "p1_1_1__purposes",
    "練習 1.1（蒐集目的）",
    {"purposes": saved_choices(sources.PURPOSES, describe="題號對應目的代碼的字典")},
    _purposes,
)
item(
    "p1_1_1__pathways",
    "練習 1.1（數據途徑）",
    {"pathways": saved_choices(sources.DATA_PATHWAYS, describe="題號對應途徑清單的字典", many=True)},
    _pathways,
)
item(
    "p1_1_2__positioning",
    "練習 2.1",
    {
        "focus_category": one_of(catalog.CATEGORIES, describe="品類代碼（如 'beauty'）"),
        "peers": list_of(TEXT, max_len=10),
        "market_growth": NUMBER,
    },
    _positioning,
)
item(
    "p1_1_2__consent_rows",
    "練習 2.2（名單）",
    {"customer_table": table("customer_key"), "SALT": text(min_chars=8, max_chars=200)},
    _customer_rows,
)
item(
    "p1_1_2__minimised",
    "練習 2.2（最小化）",
    {"customer_table": table("customer_key"), "SALT": text(min_chars=8, max_chars=200)},
    _minimised,
)
item(
    "p1_1_2__ad_claims",
    "練習 2.3",
    {"ad_labels": dict_of(list_of(one_of(AD_LABELS), max_len=len(AD_LABELS)))},
    _ad_labels,
)
item(
    "p1_1_2__law_cases",
    "練習 2.4",
    {"cases": saved_choices(sources.LAW_OPTIONS, describe="案例對應法規選項的字典")},
)
item(
    "p1_1_2__accessibility",
    "練習 2.5",
    {"missing_alt": list_of(TEXT, max_len=50), "low_contrast": list_of(TEXT, max_len=50)},
    _accessibility,
)

# -- T1.1b: quality and history --------------------------------------------------------------------
item("p1_1_3__monthly_sessions", "練習 1.1", {"monthly_sessions": series(min_len=12)}, _monthly_sessions)
item("p1_1_3__channel_sessions", "練習 1.2", {"channel_sessions": series(min_len=3)}, _channel_sessions)
item(
    "p1_1_3__monthly_sales",
    "練習 1.3",
    {"monthly_sales": table("orders", "revenue", min_rows=12)},
    _monthly_sales,
)
item(
    "p1_1_3__campaign_results",
    "練習 1.4",
    {
        "campaign_results": table(
            "sends", "delivered", "open_rate", "click_rate", "orders", "revenue", min_rows=2
        )
    },
    _campaign_results,
)
item("p1_1_2__audit_issues", "練習 2.1", {"found": saved_counts(sources.DEFECT_KINDS)}, _audit)
item("p1_1_2__cleaned_orders", "練習 2.2", {"orders_clean": table("order_id", "order_ts", "city")}, _cleaned)
item("p1_1_2__untracked_orders", "練習 2.3", {"untracked": list_of(TEXT, max_len=100_000)}, _untracked)
