"""Checks of task T1.2 (定位市場與客群): P1.2.1-P1.2.4, recomputed from each learner's own variant.

Every expected value is computed here from the learner's tables (``v.table``), with the same
cleaning the notebooks use (:func:`netmarketing.learner.items.m01_t1_2.clean_sales`); planted
answers (strength category, target segment and its preferences) are also accepted from the
truth, so that an analysis done as taught passes on any variant. Messages say what is wrong
and where to look, never the expected value.

Items whose answer depends on an earlier one (the target segment depends on the marketing
target, its preferences on both) are judged on the learner's own earlier answer and give half
marks when that earlier answer was wrong (follow-through), so one mistake is not punished twice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from netmarketing.grading.checks import Variant, check, full, partial, zero
from netmarketing.learner.items import m01_t1_2 as t12

CATEGORIES = ("beauty", "health_food", "home", "accessories_3c", "apparel")
RTOL = 1e-3


# -- what every check starts from ----------------------------------------------------------------
def _sales(v: Variant) -> tuple[pd.DataFrame, pd.DataFrame]:
    return v.derived(
        "t1_2_sales",
        lambda v: t12.clean_sales(v.table("orders"), v.table("order_items"), v.table("products")),
    )


def _by_code(s: Any) -> pd.Series:
    """Return a float Series indexed by category code (zh-TW names and categoricals accepted)."""
    to_code = {zh: code for code, zh in t12.category_zh().items()}
    out = pd.Series(s).copy()
    out.index = [to_code.get(str(i), str(i)) for i in out.index]
    return out.astype(float)


def _close(got: Any, expected: pd.Series, rtol: float = RTOL) -> bool:
    """Return whether a learner's Series equals ``expected`` (same labels, values within ``rtol``)."""
    try:
        got = _by_code(got)
    except (TypeError, ValueError):
        return False
    if set(got.index) != set(expected.index) or got.index.duplicated().any():
        return False
    return bool(
        np.allclose(
            got.reindex(expected.index).to_numpy(), expected.to_numpy(dtype=float), rtol=rtol, atol=1e-9
        )
    )


def _metrics(v: Variant) -> pd.DataFrame:
    """Return the category scorecard of 2025 (the answer of 練習 2.1)."""

    def compute(v: Variant) -> pd.DataFrame:
        _, sales = _sales(v)
        by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
        s25 = sales[sales["year"] == 2025].groupby("category")[["item_revenue", "item_cost"]].sum()
        market = v.table("market_size")
        market = market[market["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
        market = market.set_index("category").reindex(list(CATEGORIES))
        comp = v.table("competitors")
        comp = comp[(comp["year"] == 2025) & (comp["company"].astype(str) != t12.BRAND)]
        top_rival = comp.assign(category=comp["category"].astype(str)).groupby("category")["revenue"].max()
        revenue = s25["item_revenue"].reindex(list(CATEGORIES))
        return pd.DataFrame(
            {
                "revenue_2025": revenue,
                "growth": (by_year[2025] / by_year[2024] - 1).reindex(list(CATEGORIES)),
                "gross_margin": (1 - s25["item_cost"] / s25["item_revenue"]).reindex(list(CATEGORIES)),
                "market_share": revenue / market["market_revenue"],
                "relative_share": revenue / top_rival.reindex(list(CATEGORIES)),
                "market_growth": market["growth"],
                "ecommerce_share": revenue / market["ecommerce_revenue"],
            }
        )

    return v.derived("t1_2_metrics", compute)


SCORE_DIMENSIONS = ["growth", "gross_margin", "market_share", "relative_share"]


def _scorecard(v: Variant) -> pd.Series:
    return _metrics(v)[SCORE_DIMENSIONS].rank(ascending=False).mean(axis=1)


def _strengths(v: Variant) -> tuple[set[str], set[str]]:
    """Return the accepted strength and weakness categories: the planted ones and what the data shows."""
    card = _scorecard(v)
    strength = {str(card.idxmin())}
    weakness = {str(card.idxmax())}
    if "strength_category" in v.truth:
        strength.add(str(v.truth["strength_category"]))
    if "weakness_category" in v.truth:
        weakness.add(str(v.truth["weakness_category"]))
    return strength, weakness


def _zh(code: str) -> str:
    return t12.category_zh().get(code, code)


def _verdict(score: float, notes: list[str], en: str):
    """Return full marks when nothing was missed, else ``score`` with the notes joined (zh-TW)."""
    return full() if score >= 1.0 - 1e-9 else partial(score, "；".join(notes), en)


# -- P1.2.1 ----------------------------------------------------------------------------------------
@check("p1_2_1__platform_stats")
def platform_stats(a, v):
    completed, _ = _sales(v)
    done25 = completed[completed["year"] == 2025]
    expected = done25.groupby(done25["platform"].astype(str))["revenue"].agg(
        orders="count", mean="mean", median="median"
    )
    got = a.platform_stats.copy()
    got.index = got.index.astype(str)
    if set(got.index) != set(expected.index):
        return zero(
            "platform_stats 的平台與你的 2025 年完成訂單不符：請以 platform 分組，每個平台一列",
            "platforms differ from the 2025 completed orders",
        )
    got = got.reindex(expected.index)
    right = {
        c: bool(np.allclose(got[c].astype(float), expected[c], rtol=1e-4))
        for c in ("orders", "mean", "median")
    }
    if all(right.values()):
        return full()
    if not right["orders"]:
        every_year = completed.groupby(completed["platform"].astype(str)).size().reindex(expected.index)
        if np.allclose(got["orders"].astype(float), every_year):
            return zero(
                "orders 用了全部年份：題目只看 2025 年的完成訂單", "orders counts every year, not 2025"
            )
        return zero(
            "各平台訂單數與你的資料不符：只用 2025 年、狀態為 completed、已去除重複與測試訂單的訂單",
            "order counts differ",
        )
    wrong = "、".join(c for c, ok in right.items() if not ok)
    return partial(
        0.5, f"訂單數正確，但 {wrong} 與你的資料不符：客單價是每筆訂單的 revenue", f"{wrong} differ"
    )


@check("p1_2_1__growth")
def growth(a, v):
    _, sales = _sales(v)
    by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
    ytd = sales[sales["month"] <= 10].pivot_table(
        index="category", columns="year", values="item_revenue", aggfunc="sum"
    )
    yoy_ok = _close(a.yoy_growth, by_year[2025] / by_year[2024] - 1)
    ytd_ok = _close(a.ytd_growth, ytd[2026] / ytd[2025] - 1)
    if yoy_ok and ytd_ok:
        return full()
    if yoy_ok:
        if _close(a.ytd_growth, by_year[2026] / by_year[2025] - 1):
            return partial(
                0.5,
                "yoy_growth 正確；ytd_growth 拿 2026 年 1–10 月去比 2025 全年：不完整的年度要和去年同期（1–10 月）比",
                "ytd compares a part year with a full year",
            )
        return partial(
            0.5, "yoy_growth 正確；ytd_growth 應為 2026 年 1–10 月對 2025 年 1–10 月", "ytd differs"
        )
    if ytd_ok:
        return partial(
            0.5, "ytd_growth 正確；yoy_growth 應為各品類 2025 年對 2024 年的年增率（小數）", "yoy differs"
        )
    return zero(
        "年增率與你的資料不符：用 sales 的 item_revenue，今年 ÷ 去年 − 1，以小數表示",
        "growth rates differ",
    )


@check("p1_2_1__seasonality")
def seasonality(a, v):
    _, sales = _sales(v)
    monthly = sales[sales["year"].isin([2024, 2025])].groupby(["year", "month"])["item_revenue"].sum()
    monthly = monthly.reset_index()
    expected = monthly.groupby("month")["item_revenue"].mean() / monthly["item_revenue"].mean()
    got = pd.Series(a.seasonal_index).astype(float)
    try:
        got.index = [int(float(m)) for m in got.index]
    except (TypeError, ValueError):
        return zero("seasonal_index 的索引應為月份 1–12（整數）", "index must be months 1-12")
    index_ok = set(got.index) == set(range(1, 13)) and bool(
        np.allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=RTOL)
    )
    peak_ok = int(a.peak_month) == int(expected.idxmax())
    if index_ok and peak_ok:
        return full()
    if index_ok:
        return partial(
            0.7, "季節指數正確，但 peak_month 不是指數最高的月份", "peak month is not the highest index"
        )
    return zero(
        "季節指數與你的資料不符：只用 2024、2025 兩個完整年度，各月平均 ÷ 24 個月的整體月平均",
        "seasonal index differs",
    )


def _test_candidates(v: Variant) -> tuple[str, list[tuple[float, float]]]:
    """Return the right test letter of the learner's question and its accepted (statistic, p) pairs."""
    from scipy import stats

    number = t12.question_number(v.table)
    _, data = t12._question_data(number, v.table)
    if number == 0:
        counts = data.to_numpy(dtype=float)
        pairs = []
        for correction in (False, True):
            chi2, p, _, _ = stats.chi2_contingency(counts, correction=correction)
            pairs.append((float(chi2), float(p)))
        pairs.append((math.sqrt(pairs[0][0]), pairs[0][1]))  # two-proportion z: z² = χ² without correction
        return "C", pairs
    if number in (1, 3):
        groups = [g["客單價"].to_numpy() for _, g in data.groupby("平台", sort=False)]
        if number == 3:
            f, p = stats.f_oneway(*groups)
            return "D", [(float(f), float(p))]
        pairs = []
        for equal_var in (True, False):
            t, p = stats.ttest_ind(*groups, equal_var=equal_var)
            pairs.append((abs(float(t)), float(p)))
        return "A", pairs
    if number == 2:
        t, p = stats.ttest_rel(data["重要度"], data["滿意度"])
        return "B", [(abs(float(t)), float(p))]
    r, p = stats.pearsonr(data["行銷花費"], data["完成訂單營收"])
    return "E", [(float(r), float(p))]


def _near(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-3 * abs(y) + 1e-9


@check("p1_2_1__significance_test")
def significance_test(a, v):
    right, pairs = v.derived("t1_2_test", _test_candidates)
    if a.test_choice != right:
        return zero(
            "方法與你的問題的資料型態不符：先判斷比較的是比例（次數）、平均數還是關聯，"
            "有幾組、是不是同一批對象的兩次量測",
            "the test does not fit the question's data",
        )
    stat = abs(float(a.statistic)) if right != "E" else float(a.statistic)
    matched = [p for s, p in pairs if _near(stat, s)]
    score, notes = 0.4, []
    if matched:
        score += 0.3
    else:
        notes.append("檢定統計量與依你的資料計算的結果不符（請用題目給的資料表，不要自己改篩選）")
    p_values = matched or [p for _, p in pairs]
    if any(_near(float(a.p_value), p) for p in p_values) and bool(a.significant) == (p_values[0] < 0.05):
        score += 0.3
    else:
        notes.append("p 值或顯著性判斷與你的資料不符（α = 0.05，雙尾）")
    if score >= 1.0:
        return full()
    return partial(score, "方法正確；" + "；".join(notes), "right test; statistic or p-value differs")


# -- P1.2.2 ----------------------------------------------------------------------------------------
@check("p1_2_2__category_metrics")
def category_metrics(a, v):
    expected = _metrics(v)
    got = a.category_metrics.copy()
    try:
        got.index = _by_code(pd.Series(0, index=got.index)).index
    except (TypeError, ValueError):
        return zero("category_metrics 的索引應為品類代碼", "index must be category codes")
    if set(got.index) != set(CATEGORIES):
        return zero("category_metrics 應以品類代碼為索引，五類各一列", "one row per category code")
    tolerance = {"market_share": 1e-2, "relative_share": 1e-2}
    right = []
    for column in t12.METRIC_COLUMNS:
        right.append(_close(got[column], expected[column], rtol=tolerance.get(column, RTOL)))
    if all(right):
        return full()
    if _close(got["market_share"], expected["ecommerce_share"], rtol=1e-2):
        return partial(
            sum(right) / 6,
            "market_share 的分母用了整個品類的網路銷售 ecommerce_revenue：那不是我們競爭的市場，"
            "請用符合公司定位的利基市場 market_revenue",
            "market share uses the whole category's online sales",
        )
    wrong = "、".join(n for n, ok in zip(t12.METRIC_COLUMNS, right, strict=True) if not ok)
    return partial(
        sum(right) / 6, f"{wrong} 與你的資料不符：請對照 2.1 的定義（2025 年、完成訂單）", f"{wrong} differ"
    )


@check("p1_2_2__strength_weakness")
def strength_weakness(a, v):
    strength, weakness = _strengths(v)
    score, notes = 0.0, []
    if _close(a.scorecard, _scorecard(v), rtol=1e-6):
        score += 0.3
    else:
        notes.append("scorecard 應為四個構面（成長、毛利率、市占率、相對市占率）名次的平均，數值大者第 1 名")
    if a.strength_category in strength:
        score += 0.35
    else:
        biggest = str(_metrics(v)["revenue_2025"].idxmax())
        notes.append(
            "優勢品類與你的資料不符"
            + ("：營收最大的品類不一定是優勢，請看成長與獲利" if a.strength_category == biggest else "")
        )
    if a.weakness_category in weakness:
        score += 0.35
    else:
        notes.append("劣勢品類與你的資料不符：找出多數構面都落後的品類")
    return _verdict(score, notes, "scorecard or strength/weakness differs")


def _quadrants(v: Variant) -> dict[str, str]:
    m = _metrics(v)
    high_growth = m["market_growth"] > m["market_growth"].median()
    lead = m["relative_share"] >= 1
    names = {(True, True): "明星", (False, True): "金牛", (True, False): "問題兒童", (False, False): "落水狗"}
    return {c: names[(bool(high_growth[c]), bool(lead[c]))] for c in m.index}


@check("p1_2_2__position_map")
def position_map(a, v):
    expected = _quadrants(v)
    got = {str(k): str(q) for k, q in a.quadrants.items()}
    right = sum(got.get(c) == q for c, q in expected.items())
    strength, _ = _strengths(v)
    score = 0.6 * right / len(expected) + (0.4 if a.marketing_target in strength else 0.0)
    if score >= 1.0 - 1e-9:
        return full()
    notes = []
    if right < len(expected):
        notes.append(
            f"有 {len(expected) - right} 個品類的象限與你的資料不符：橫軸市場成長率以五類的中位數為界（高於中位數才算高），"
            "縱軸相對市占率以 1 為界"
        )
    if a.marketing_target not in strength:
        notes.append("行銷標的物應是你的資料中內部表現最好、且在市場上有相對優勢的品類")
    return partial(score, "；".join(notes), "quadrants or marketing target differ")


# -- P1.2.3 ----------------------------------------------------------------------------------------
def _quadrant_of(card: dict[str, Any]) -> str:
    """Return the SWOT quadrant a card belongs to, decided from its kind and figures."""
    kind = card["kind"]
    if kind in ("growth_top",):
        return "S"
    if kind in ("margin_bottom", "relative_bottom", "survey_gap"):
        return "W"
    if kind == "relative_top":
        return "S" if card["ours"] >= 1 else "W"
    if kind == "quality":
        return "S" if card["ours"] > card["theirs"] else "W"
    if kind == "delivery":
        return "S" if card["ours"] < card["theirs"] else "W"  # fewer days is better
    if kind == "market_top":
        return "O" if card["ours"] > 0 else "T"
    if kind in ("market_shrinking", "rival_gain", "rival_cheaper"):
        return "T"
    if kind in (
        "pest_privacy_purpose",
        "pest_privacy_refusal",
        "pest_privacy_amendment",
        "pest_food_claims",
        "pest_wage",
    ):
        return "T"
    return "O"  # pest_online_retail, pest_internet_use, pest_senior_online, pest_genai


def swot_key(v: Variant) -> dict[str, str]:
    """Return card id -> quadrant for the learner's evidence cards."""
    return v.derived(
        "t1_2_swot_key", lambda v: {c["id"]: _quadrant_of(c) for c in t12.evidence_records(v.table)}
    )


def _right_board(v: Variant) -> dict[str, list[str]]:
    key = swot_key(v)
    return {q: [i for i, k in key.items() if k == q] for q in t12.SWOT_QUADRANTS}


def _right_strategy(v: Variant) -> dict[str, Any]:
    board = _right_board(v)
    return {
        "strategy": "SO",
        "evidence": [board["S"][0], board["O"][0]],
        "target": v.truth["strength_category"],
    }


@check("p1_2_3__swot_sorting", saved=_right_board)
def swot_sorting(a, v):
    key = swot_key(v)
    placed: dict[str, str] = {}
    errors = 0
    for quadrant in t12.SWOT_QUADRANTS:
        for card in a.board.get(quadrant, []):
            if card in placed or card not in key:
                errors += 1
            placed[card] = quadrant
    errors += sum(1 for card, quadrant in key.items() if placed.get(card) != quadrant)
    if errors <= 1:
        return full()
    hint = "先問：這是我們能控制的內部條件，還是市場、競爭者、法規等外部環境？再看數字對我們有利還是不利"
    if errors <= 3:
        return partial(0.5, f"大多數證據卡歸類正確，但還有幾張放錯或沒放：{hint}", "a few cards misplaced")
    return zero(f"多張證據卡的歸類與資料不符：{hint}", "many cards misplaced")


@check("p1_2_3__tows_strategy", saved=_right_strategy)
def tows_strategy(a, v):
    key = swot_key(v)
    chosen = a.strategy.get("strategy")
    evidence = [str(i) for i in a.strategy.get("evidence", [])]
    strength, _ = _strengths(v)
    score, notes = 0.0, []
    quadrants = {key.get(i) for i in evidence}
    if chosen in t12.STRATEGIES and evidence and quadrants == set(chosen):
        score += 0.6
    elif chosen not in t12.STRATEGIES:
        notes.append("沒有選 TOWS 策略")
    else:
        notes.append(
            f"勾選的依據與 {chosen} 策略不一致：依據要剛好涵蓋策略的兩個字母（依資料判斷的象限），不要混入其他象限的卡"
        )
    if a.strategy.get("target") in strength:
        score += 0.4
    else:
        notes.append("相對優勢的行銷標的物與你的資料不符：哪一類我們勝過最大競爭者、又在成長？")
    return _verdict(score, notes, "strategy evidence or target differs")


RIVAL_COLUMNS = ["market_share", "price_index", "quality_rating", "delivery_days"]


@check("p1_2_3__rival_benchmark")
def rival_benchmark(a, v):
    comp = v.table("competitors")
    comp = comp[(comp["year"] == 2025) & (comp["category"].astype(str) == a.marketing_target)]
    expected = comp.set_index(comp["company"].astype(str))[RIVAL_COLUMNS].sort_values(
        "market_share", ascending=False
    )
    got = a.rival_table.copy()
    got.index = got.index.astype(str)
    strength, _ = _strengths(v)
    table_ok = list(got.index) == list(expected.index) and all(
        np.allclose(got[c].astype(float), expected[c].astype(float), rtol=RTOL) for c in RIVAL_COLUMNS
    )
    target_ok = a.marketing_target in strength
    if table_ok and target_ok:
        return full()
    if table_ok:
        return partial(
            0.6, "表格正確，但你的行銷標的物不是資料中的優勢品類", "table right, target is not the strength"
        )
    score = 0.4 if target_ok else 0.0
    return partial(
        score,
        "rival_table 與你的資料不符：2025 年、行銷標的物品類的五家公司（含我們），依市占率由大到小",
        "rival table differs",
    )


# -- P1.2.4 ----------------------------------------------------------------------------------------
def _member_lines(v: Variant) -> pd.DataFrame:
    def compute(v: Variant) -> pd.DataFrame:
        _, sales = _sales(v)
        members = (
            v.table("members").drop_duplicates("member_id")[["member_id", "gender", "age_bracket"]].dropna()
        )
        members = members.assign(
            gender=members["gender"].astype(str), age_bracket=members["age_bracket"].astype(str)
        )
        lines = sales.dropna(subset=["member_id"]).assign(member_id=lambda d: d["member_id"].astype(str))
        return lines.merge(members.assign(member_id=members["member_id"].astype(str)), on="member_id")

    return v.derived("t1_2_member_lines", compute)


def segment_lean(v: Variant, category: str) -> pd.DataFrame:
    """Return the canonical lean table of ``category`` by gender × age (segments of 30+ buyers)."""
    lines = _member_lines(v)
    in_cat = lines["category"] == category
    groups = lines.groupby(["gender", "age_bracket"])
    table = pd.DataFrame(
        {
            "buyers": groups["member_id"].nunique(),
            "revenue": groups["item_revenue"].sum(),
            "target_revenue": lines[in_cat].groupby(["gender", "age_bracket"])["item_revenue"].sum(),
        }
    ).fillna({"target_revenue": 0})
    table["target_share"] = table["target_revenue"] / table["revenue"]
    table["lean"] = table["target_share"] / (
        lines.loc[in_cat, "item_revenue"].sum() / lines["item_revenue"].sum()
    )
    return table[table["buyers"] >= t12.MIN_BUYERS].sort_values("lean", ascending=False)


def _accepted_segments(v: Variant, category: str) -> set[tuple[str, str]]:
    lean = segment_lean(v, category)
    accepted = {tuple(map(str, lean.index[0]))}
    planted = v.truth.get("target_segment") or {}
    if category == v.truth.get("strength_category") and planted:
        accepted.add((str(planted["gender"]), str(planted["age_bracket"])))
    return accepted


def _segment(value: Any) -> tuple[str, str]:
    return (str(value.get("gender")), str(value.get("age_bracket")))


def _follow_through(a, v) -> tuple[float, list[str]]:
    """Return 1 when the learner's marketing target is the strength category, else 0.5 with a note."""
    strength, _ = _strengths(v)
    if a.marketing_target in strength:
        return 1.0, []
    return 0.5, ["（你的行銷標的物不是資料中的優勢品類，本題依你的標的物計算、給一半分數）"]


@check("p1_2_4__target_segment")
def target_segment(a, v):
    category = a.marketing_target
    expected = segment_lean(v, category)
    got = a.segment_lean.copy()
    got["gender"], got["age_bracket"] = got["gender"].astype(str), got["age_bracket"].astype(str)
    got = got.set_index(["gender", "age_bracket"])
    factor, notes = _follow_through(a, v)
    table_ok = (
        set(got.index) == set(expected.index)
        and not got.index.duplicated().any()
        and bool(
            np.allclose(
                got.loc[expected.index, "target_share"].astype(float), expected["target_share"], rtol=RTOL
            )
        )
    )
    segment_ok = _segment(a.target_segment) in _accepted_segments(v, category)
    score = (0.4 if table_ok else 0.0) + (0.6 if segment_ok else 0.0)
    if not table_ok:
        notes.insert(
            0,
            "segment_lean 與你的資料不符：會員的完成訂單明細依性別 × 年齡層分組，"
            f"target_share = 行銷標的物品類營收 ÷ 該群營收，只留購買者 ≥ {t12.MIN_BUYERS} 的客群",
        )
    if not segment_ok:
        biggest = _member_lines(v).groupby(["gender", "age_bracket"])["item_revenue"].sum().idxmax()
        naive = _segment(a.target_segment) == tuple(map(str, biggest))
        notes.insert(
            0,
            "目標客群與你的資料不符"
            + (
                "：營收最大的客群不等於最偏好行銷標的物的客群（依產品市場定位分群）"
                if naive
                else "：比較各群的偏好指數 lean"
            ),
        )
    score *= factor
    return _verdict(score, notes, "segment table or target segment differs")


def _hour_band(hours: pd.Series) -> pd.Series:
    band_of = {h: band for band, hs in t12.HOUR_BANDS.items() for h in hs}
    return hours.map(band_of)


def segment_preferences(v: Variant, segment: tuple[str, str], category: str) -> dict[str, str]:
    """Return the canonical preferences of a segment: own channel, hours, price band, content and need."""
    gender, age = segment
    completed, _ = _sales(v)
    members = v.table("members").drop_duplicates("member_id")
    members = members.assign(member_id=members["member_id"].astype(str))
    orders = completed.dropna(subset=["member_id"]).assign(member_id=lambda d: d["member_id"].astype(str))
    orders = orders.merge(members[["member_id", "gender", "age_bracket"]], on="member_id")
    inside = (orders["gender"].astype(str) == gender) & (orders["age_bracket"].astype(str) == age)
    platform = orders["platform"].astype(str)
    channel = (platform[inside].value_counts(normalize=True) / platform.value_counts(normalize=True)).dropna()
    band = _hour_band(orders["order_ts"].dt.hour)
    hours = (band[inside].value_counts(normalize=True) - band.value_counts(normalize=True)).dropna()
    lines = _member_lines(v)
    products = v.table("products")
    ranks = products.groupby(products["category"].astype(str))["price"].rank(pct=True, method="first")
    price_band = pd.Series(
        np.minimum((ranks.to_numpy() * 3 - 1e-9).astype(int), 2), index=products["sku"].astype(str)
    )
    mine = lines[
        (lines["gender"] == gender) & (lines["age_bracket"] == age) & (lines["category"] == category)
    ]
    bands = mine["sku"].map(price_band).value_counts()
    survey = v.table("survey_responses")
    people = survey[(survey["gender"].astype(str) == gender) & (survey["age_bracket"].astype(str) == age)]
    same_age = survey[survey["age_bracket"].astype(str) == age]
    need = {attr: same_age[f"importance_{attr}"].mean() for attr in t12.ATTRIBUTES}
    return {
        "channel": str(channel.idxmax()) if len(channel) else "",
        "peak_hours": str(hours.idxmax()) if len(hours) else "",
        "price_band": t12.PRICE_BANDS[int(bands.idxmax())] if len(bands) else "",
        "content": str(people["preferred_content"].astype(str).value_counts().idxmax())
        if len(people)
        else "",
        "need": max(need, key=need.get),
    }


@check("p1_2_4__preferences")
def preferences(a, v):
    segment = _segment(a.target_segment)
    expected = segment_preferences(v, segment, a.marketing_target)
    accepted = {key: {value} for key, value in expected.items()}
    planted = v.truth.get("target_segment") or {}
    if planted and segment == (planted.get("gender"), planted.get("age_bracket")):
        accepted["channel"].add(planted.get("preferred_channel"))
        accepted["peak_hours"].add(planted.get("peak_hours"))
        accepted["content"].add(planted.get("preferred_content"))
        if a.marketing_target == v.truth.get("strength_category"):
            accepted["price_band"].add(planted.get("price_band"))
        by_age = (v.truth.get("segment_preferences") or {}).get("segments", {}).get(segment[1], {})
        if by_age.get("top_importance"):
            accepted["need"].add(by_age["top_importance"])
    wrong = [key for key in accepted if a.preferences.get(key) not in accepted[key]]
    factor, notes = _follow_through(a, v)
    if segment not in _accepted_segments(v, a.marketing_target):
        factor = 0.5
        notes = ["（你的目標客群不是資料中最偏好行銷標的物的客群，本題依你的客群計算、給一半分數）"]
    score = factor * (1 - len(wrong) / len(accepted))
    if score >= 1.0 - 1e-9:
        return full()
    labels = {
        "channel": "通路",
        "peak_hours": "時段",
        "price_band": "價格帶",
        "content": "內容",
        "need": "最在意的需求",
    }
    if wrong:
        notes.insert(
            0,
            f"{'、'.join(labels[k] for k in wrong)} 與你的資料不符：通路與時段看「目標客群占比相對全體會員」的提升，"
            "價格帶看行銷標的物品類中最常買的一段，內容看同性別同年齡的受訪者，需求看同年齡層受訪者的平均重要度",
        )
    return partial(score, "；".join(notes), f"{', '.join(wrong)} differ")


def prospects_of(v: Variant, segment: tuple[str, str], category: str) -> list[str]:
    """Return the canonical prospect list: consenting segment members active since 2025-11-01 who never bought ``category``."""
    completed, sales = _sales(v)
    members = v.table("members").drop_duplicates("member_id")
    consent = members["marketing_consent"].fillna(False).astype(bool)
    inside = (members["gender"].astype(str) == segment[0]) & (
        members["age_bracket"].astype(str) == segment[1]
    )
    candidates = set(members.loc[inside & consent, "member_id"].astype(str))
    since = pd.Timestamp(t12.ANALYSIS_DATE, tz="Asia/Taipei") - pd.DateOffset(years=1)
    active = set(completed.loc[completed["order_ts"] >= since, "member_id"].dropna().astype(str))
    bought = set(sales.loc[sales["category"] == category, "member_id"].dropna().astype(str))
    return sorted((candidates & active) - bought)


@check("p1_2_4__prospects")
def prospects(a, v):
    segment = _segment(a.target_segment)
    expected = set(prospects_of(v, segment, a.marketing_target))
    got = {str(m) for m in a.prospects}
    members = v.table("members").drop_duplicates("member_id")
    refused = set(
        members.loc[~members["marketing_consent"].fillna(False).astype(bool), "member_id"].astype(str)
    )
    if got & refused:
        return zero(
            "名單中有不同意（或已拒絕）行銷使用的會員：依個資法 §20，只能用 marketing_consent 為 True 的會員",
            "the list holds members who refused marketing",
        )
    factor, notes = _follow_through(a, v)
    if segment not in _accepted_segments(v, a.marketing_target):
        factor, notes = 0.5, ["（依你的目標客群計算，給一半分數）"]
    if got == expected:
        return (
            full()
            if factor == 1.0
            else partial(factor, "名單正確" + "".join(notes), "right for your own segment")
        )
    overlap = len(got & expected) / max(len(got | expected), 1)
    message = (
        "名單與你的資料不符：目標客群中同意行銷、2025-11-01 起有完成訂單、但從未買過行銷標的物品類的會員"
        + "".join(notes)
    )
    return partial(0.5 * factor if overlap >= 0.9 else 0.0, message, "prospect list differs")
