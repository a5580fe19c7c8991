"""Do module 00's grader checks give full marks to a right answer, 0 to a wrong one, and 0 with a reason to a malformed one?"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from netmarketing.data import build_world
from netmarketing.grading.checks import Variant, judge, load_checks
from netmarketing.learner.answers import Figure, figure_summary


@pytest.fixture(scope="module")
def variant() -> Variant:
    load_checks()
    world = build_world(20261202, scale=0.05, marketing=False)
    return Variant("s-test", world.tables, world.truth)


def _right(v: Variant) -> dict[str, dict]:
    orders = v.table("orders")
    done = orders[orders["status"] == "completed"]
    lines = v.table("order_items").merge(v.table("products")[["sku", "category_zh"]], on="sku")
    category = lines.groupby("category_zh", observed=True)["item_revenue"].sum().sort_values(ascending=False)
    fig, ax = plt.subplots()
    ax.barh(category.index.astype(str), category.values)
    ax.set_title("各商品類別營收")
    ax.set_xlabel("營收（新臺幣）")
    chart = Figure(figure_summary(ax))
    plt.close(fig)
    return {
        "practice__n_orders": {"n_orders": len(orders)},
        "practice__top_platform": {"top_platform": orders["platform"].astype(str).value_counts().index[0]},
        "practice__completed": {"completed": done},
        "practice__city_revenue": {
            "city_revenue": done.groupby("city", observed=True)["revenue"].sum().sort_values(ascending=False)
        },
        "practice__monthly_revenue": {
            "monthly_revenue": done.groupby(done["order_ts"].dt.strftime("%Y-%m"))["revenue"].sum()
        },
        "practice__category_revenue": {"category_revenue": category},
        "practice__first_chart": {"ax": chart},
    }


def _wrong(right: dict[str, dict], v: Variant) -> dict[str, dict]:
    orders = v.table("orders")
    counts = orders["platform"].astype(str).value_counts()
    city = right["practice__city_revenue"]["city_revenue"]
    monthly = right["practice__monthly_revenue"]["monthly_revenue"]
    category = right["practice__category_revenue"]["category_revenue"]
    return {
        "practice__n_orders": {"n_orders": len(orders) + 1},
        "practice__top_platform": {"top_platform": counts.index[-1]},
        "practice__completed": {"completed": orders},
        "practice__city_revenue": {"city_revenue": (city * 1.1).sort_values(ascending=False)},
        "practice__monthly_revenue": {"monthly_revenue": monthly.iloc[::-1]},
        "practice__category_revenue": {"category_revenue": (category + 1000).sort_values(ascending=False)},
        "practice__first_chart": {"ax": Figure({"axes": [{"title": "", "xlabel": "", "n_bars": 0}]})},
    }


GRADE_IDS = [
    "practice__n_orders",
    "practice__top_platform",
    "practice__completed",
    "practice__city_revenue",
    "practice__monthly_revenue",
    "practice__category_revenue",
    "practice__first_chart",
]


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_right_answer_earns_full_marks(variant, grade_id):
    """Does the answer computed from the learner's own tables earn the whole item?"""
    result = judge(grade_id, _right(variant)[grade_id], None, variant)
    assert result.fraction == 1.0, result


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_wrong_answer_loses_the_item_with_a_zh_tw_reason(variant, grade_id):
    """Does a plausible wrong answer earn nothing, with a zh-TW message that does not give the answer away?"""
    right = _right(variant)
    result = judge(grade_id, _wrong(right, variant)[grade_id], None, variant)
    assert result.fraction < 1.0, result
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.message_zh)
    if grade_id == "practice__n_orders":
        assert str(right[grade_id]["n_orders"]) not in result.message_zh


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_malformed_or_missing_answer_earns_nothing(variant, grade_id):
    """Does an answer of the wrong kind, or none at all, earn 0 with a reason (and never raise)?"""
    name = next(iter(_right(variant)[grade_id]))
    malformed = judge(
        grade_id, {name: "不是答案"} if grade_id != "practice__top_platform" else {name: 3}, None, variant
    )
    assert malformed.fraction == 0.0 and "格式不符" in malformed.message_zh
    assert judge(grade_id, None, None, variant).fraction == 0.0
    assert judge(grade_id, {}, None, variant).message_zh.startswith("沒有交出")
    unreadable = judge(grade_id, None, "answer.json 格式不正確", variant)
    assert unreadable.fraction == 0.0 and "無法讀取" in unreadable.message_zh


def test_answers_of_another_variant_fail(variant):
    """Does a classmate's right answer (another variant) fail the variant-dependent items?"""
    other_world = build_world(7, scale=0.05, marketing=False)
    other = Variant("s-other", other_world.tables, other_world.truth)
    copied = _right(other)
    for grade_id in ("practice__n_orders", "practice__completed", "practice__monthly_revenue"):
        assert judge(grade_id, copied[grade_id], None, variant).fraction < 1.0, grade_id
