"""Do the T1.2 checks give full marks to a right answer, less to a plausible wrong one, 0 to a malformed one, and fail a copied one?

The right answers are computed here, from the variant's tables with plain pandas and scipy, the way
the notebooks teach; they never call the checks' own helpers. Two worlds at a small scale are built
once for the module: the learner's and a classmate's (another strength category, target segment and
significance question), whose right answers must fail on the learner's variant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netmarketing.data import build_world
from netmarketing.grading.checks import Variant, judge, load_checks
from netmarketing.learner.items import m01_t1_2 as t12

SCALE = 0.15
LEARNER_SEED, CLASSMATE_SEED = 42, 101  # different strength category, target segment and test question
BRAND = "好日子選物"
CATEGORIES = ["beauty", "health_food", "home", "accessories_3c", "apparel"]


def _variant(seed: int, name: str) -> Variant:
    load_checks()
    world = build_world(seed, scale=SCALE)
    return Variant(name, world.tables, world.truth)


@pytest.fixture(scope="module")
def variant() -> Variant:
    return _variant(LEARNER_SEED, "s-learner")


@pytest.fixture(scope="module")
def classmate() -> Variant:
    return _variant(CLASSMATE_SEED, "s-classmate")


# -- the right answers, computed as the notebooks teach ----------------------------------------------
def _clean(v: Variant) -> tuple[pd.DataFrame, pd.DataFrame]:
    orders = v.table("orders").drop_duplicates("order_id")
    orders = orders[orders["member_id"].astype("object") != "TEST"]
    done = orders[orders["status"].astype(str) == "completed"].copy()
    done["year"], done["month"] = done["order_ts"].dt.year, done["order_ts"].dt.month
    items = v.table("order_items")
    items["sku"] = items["sku"].astype(str).str.strip().str.upper()
    sales = items.merge(
        done[["order_id", "order_ts", "platform", "member_id", "year", "month"]], on="order_id"
    )
    sales = sales.merge(v.table("products")[["sku", "category"]], on="sku")
    sales["category"] = sales["category"].astype(str)
    return done, sales


def _test_answer(v: Variant, number: int) -> dict:
    """Return the right significance answer for question ``number`` on the variant's data."""
    _, data = t12._question_data(number, v.table)
    if number == 0:
        statistic, p, _, _ = stats.chi2_contingency(data.to_numpy(), correction=False)
        choice = "C"
    elif number == 2:
        statistic, p = stats.ttest_rel(data["重要度"], data["滿意度"])
        choice = "B"
    elif number == 4:
        statistic, p = stats.pearsonr(data["行銷花費"], data["完成訂單營收"])
        choice = "E"
    else:
        groups = [g["客單價"].to_numpy() for _, g in data.groupby("平台", sort=False)]
        statistic, p = stats.f_oneway(*groups) if number == 3 else stats.ttest_ind(*groups, equal_var=False)
        choice = "D" if number == 3 else "A"
    return {
        "test_choice": choice,
        "statistic": float(statistic),
        "p_value": float(p),
        "significant": bool(p < 0.05),
    }


def _metrics(v: Variant, sales: pd.DataFrame) -> pd.DataFrame:
    by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
    s25 = sales[sales["year"] == 2025].groupby("category")[["item_revenue", "item_cost"]].sum()
    market = v.table("market_size")
    m25 = (
        market[market["year"] == 2025]
        .assign(category=lambda d: d["category"].astype(str))
        .set_index("category")
    )
    comp = v.table("competitors")
    rivals = comp[(comp["year"] == 2025) & (comp["company"].astype(str) != BRAND)]
    top = rivals.assign(category=rivals["category"].astype(str)).groupby("category")["revenue"].max()
    out = pd.DataFrame(
        {
            "revenue_2025": s25["item_revenue"],
            "growth": by_year[2025] / by_year[2024] - 1,
            "gross_margin": 1 - s25["item_cost"] / s25["item_revenue"],
        }
    )
    out["market_share"] = out["revenue_2025"] / m25["market_revenue"]
    out["relative_share"] = out["revenue_2025"] / top
    out["market_growth"] = m25["growth"]
    return out


def _card_quadrant(card: dict) -> str:
    """The SWOT quadrant of a card, as a teacher sorts it: internal/external, then good/bad for us."""
    internal_good = {"growth_top"}
    internal_bad = {"margin_bottom", "relative_bottom", "survey_gap"}
    if card["kind"] in internal_good:
        return "S"
    if card["kind"] in internal_bad:
        return "W"
    if card["kind"] == "relative_top":
        return "S" if card["ours"] >= 1 else "W"
    if card["kind"] == "quality":
        return "S" if card["ours"] > card["theirs"] else "W"
    if card["kind"] == "delivery":
        return "S" if card["ours"] < card["theirs"] else "W"
    threats = {"market_shrinking", "rival_gain", "rival_cheaper", "pest_privacy_purpose", "pest_privacy_refusal",
               "pest_privacy_amendment", "pest_food_claims", "pest_wage"}  # fmt: skip
    return "T" if card["kind"] in threats else "O"


def _segments(v: Variant, sales: pd.DataFrame, category: str) -> tuple[pd.DataFrame, dict]:
    people = v.table("members")[["member_id", "gender", "age_bracket"]].dropna()
    lines = sales.dropna(subset=["member_id"]).merge(people, on="member_id")
    groups = lines.groupby(["gender", "age_bracket"], observed=True)
    in_cat = lines[lines["category"] == category]
    lean = pd.DataFrame(
        {
            "buyers": groups["member_id"].nunique(),
            "revenue": groups["item_revenue"].sum(),
            "target_revenue": in_cat.groupby(["gender", "age_bracket"], observed=True)["item_revenue"].sum(),
        }
    ).fillna({"target_revenue": 0})
    lean["target_share"] = lean["target_revenue"] / lean["revenue"]
    lean["lean"] = lean["target_share"] / (in_cat["item_revenue"].sum() / lines["item_revenue"].sum())
    lean = lean[lean["buyers"] >= 30].sort_values("lean", ascending=False).reset_index()
    top = lean.iloc[0]
    return lean, {"gender": str(top["gender"]), "age_bracket": str(top["age_bracket"])}


def _preferences(v: Variant, done: pd.DataFrame, sales: pd.DataFrame, segment: dict, category: str) -> dict:
    people = v.table("members")[["member_id", "gender", "age_bracket"]].dropna()
    orders = done.dropna(subset=["member_id"]).merge(people, on="member_id")
    inside = (orders["gender"].astype(str) == segment["gender"]) & (
        orders["age_bracket"].astype(str) == segment["age_bracket"]
    )
    platform = orders["platform"].astype(str)
    channel = platform[inside].value_counts(normalize=True) / platform.value_counts(normalize=True)
    band_of = {h: band for band, hours in t12.HOUR_BANDS.items() for h in hours}
    band = orders["order_ts"].dt.hour.map(band_of)
    hours = band[inside].value_counts(normalize=True) - band.value_counts(normalize=True)
    products = v.table("products")
    rank = products.groupby("category", observed=True)["price"].rank(pct=True, method="first")
    price_band = pd.Series(
        np.array(t12.PRICE_BANDS)[np.minimum((rank.to_numpy() * 3 - 1e-9).astype(int), 2)],
        index=products["sku"],
    )
    lines = sales.dropna(subset=["member_id"]).merge(people, on="member_id")
    mine = lines[
        (lines["gender"].astype(str) == segment["gender"])
        & (lines["age_bracket"].astype(str) == segment["age_bracket"])
        & (lines["category"] == category)
    ]
    survey = v.table("survey_responses")
    same = survey[
        (survey["gender"].astype(str) == segment["gender"])
        & (survey["age_bracket"].astype(str) == segment["age_bracket"])
    ]
    age = survey[survey["age_bracket"].astype(str) == segment["age_bracket"]]
    importance = age[[f"importance_{a}" for a in t12.ATTRIBUTES]].mean()
    return {
        "channel": channel.idxmax(),
        "peak_hours": hours.idxmax(),
        "price_band": mine["sku"].map(price_band).value_counts().idxmax(),
        "content": same["preferred_content"].astype(str).value_counts().idxmax(),
        "need": importance.idxmax().removeprefix("importance_"),
    }


def _prospects(
    v: Variant, done: pd.DataFrame, sales: pd.DataFrame, segment: dict, category: str
) -> list[str]:
    members = v.table("members")
    consent = members["marketing_consent"].fillna(False).astype(bool)
    inside = (members["gender"].astype(str) == segment["gender"]) & (
        members["age_bracket"].astype(str) == segment["age_bracket"]
    )
    since = pd.Timestamp("2025-11-01", tz="Asia/Taipei")
    active = set(done.loc[done["order_ts"] >= since, "member_id"].dropna())
    bought = set(sales.loc[sales["category"] == category, "member_id"].dropna())
    return sorted((set(members.loc[inside & consent, "member_id"]) & active) - bought)


def right_answers(v: Variant) -> dict[str, dict]:
    """Return the right answer of every T1.2 automatic item for the variant."""
    done, sales = _clean(v)
    d25 = done[done["year"] == 2025]
    by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
    ten = sales[sales["month"] <= 10].pivot_table(
        index="category", columns="year", values="item_revenue", aggfunc="sum"
    )
    monthly = (
        sales[sales["year"].isin([2024, 2025])].groupby(["year", "month"])["item_revenue"].sum().reset_index()
    )
    seasonal = monthly.groupby("month")["item_revenue"].mean() / monthly["item_revenue"].mean()
    metrics = _metrics(v, sales)
    card = (
        metrics[["growth", "gross_margin", "market_share", "relative_share"]]
        .rank(ascending=False)
        .mean(axis=1)
    )
    strength, weakness = card.idxmin(), card.idxmax()
    high = metrics["market_growth"] > metrics["market_growth"].median()
    names = {(True, True): "明星", (False, True): "金牛", (True, False): "問題兒童", (False, False): "落水狗"}
    quadrants = {
        c: names[(bool(high[c]), bool(metrics.loc[c, "relative_share"] >= 1))] for c in metrics.index
    }
    cards = t12.evidence_records(v.table)
    board = {q: [c["id"] for c in cards if _card_quadrant(c) == q] for q in "SWOT"}
    comp = v.table("competitors")
    comp = comp[(comp["year"] == 2025) & (comp["category"].astype(str) == strength)]
    rival = comp.set_index(comp["company"].astype(str))[
        ["market_share", "price_index", "quality_rating", "delivery_days"]
    ]
    lean, segment = _segments(v, sales, strength)
    return {
        "p1_2_1__platform_stats": {
            "platform_stats": d25.groupby("platform", observed=True)["revenue"].agg(
                orders="count", mean="mean", median="median"
            )
        },
        "p1_2_1__growth": {
            "yoy_growth": by_year[2025] / by_year[2024] - 1,
            "ytd_growth": ten[2026] / ten[2025] - 1,
        },
        "p1_2_1__seasonality": {"seasonal_index": seasonal, "peak_month": int(seasonal.idxmax())},
        "p1_2_1__significance_test": _test_answer(v, t12.question_number(v.table)),
        "p1_2_2__category_metrics": {"category_metrics": metrics},
        "p1_2_2__strength_weakness": {
            "scorecard": card,
            "strength_category": strength,
            "weakness_category": weakness,
        },
        "p1_2_2__position_map": {"quadrants": quadrants, "marketing_target": strength},
        "p1_2_3__swot_sorting": {"board": board},
        "p1_2_3__tows_strategy": {
            "strategy": {"strategy": "SO", "evidence": [board["S"][0], board["O"][0]], "target": strength}
        },
        "p1_2_3__rival_benchmark": {
            "marketing_target": strength,
            "rival_table": rival.sort_values("market_share", ascending=False),
        },
        "p1_2_4__target_segment": {
            "marketing_target": strength,
            "segment_lean": lean,
            "target_segment": segment,
        },
        "p1_2_4__preferences": {
            "marketing_target": strength,
            "target_segment": segment,
            "preferences": _preferences(v, done, sales, segment, strength),
        },
        "p1_2_4__prospects": {
            "marketing_target": strength,
            "target_segment": segment,
            "prospects": _prospects(v, done, sales, segment, strength),
        },
    }


GRADE_IDS = [
    "p1_2_1__platform_stats",
    "p1_2_1__growth",
    "p1_2_1__seasonality",
    "p1_2_1__significance_test",
    "p1_2_2__category_metrics",
    "p1_2_2__strength_weakness",
    "p1_2_2__position_map",
    "p1_2_3__swot_sorting",
    "p1_2_3__tows_strategy",
    "p1_2_3__rival_benchmark",
    "p1_2_4__target_segment",
    "p1_2_4__preferences",
    "p1_2_4__prospects",
]


@pytest.fixture(scope="module")
def right(variant) -> dict[str, dict]:
    return right_answers(variant)


def _wrong(v: Variant, right: dict) -> dict[str, dict]:
    """Return one plausible wrong answer per item: the mistake a learner is likely to make."""
    done, sales = _clean(v)
    metrics = right["p1_2_2__category_metrics"]["category_metrics"]
    biggest = metrics["revenue_2025"].idxmax()
    by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
    market = v.table("market_size")
    m25 = (
        market[market["year"] == 2025]
        .assign(category=lambda d: d["category"].astype(str))
        .set_index("category")
    )
    wrong_share = metrics.assign(market_share=metrics["revenue_2025"] / m25["ecommerce_revenue"])
    board = right["p1_2_3__swot_sorting"]["board"]
    swapped = {
        "S": board["O"],
        "O": board["S"],
        "W": board["T"],
        "T": board["W"],
    }  # internal and external confused
    strategy = dict(right["p1_2_3__tows_strategy"]["strategy"], evidence=[board["W"][0], board["T"][0]])
    seg = right["p1_2_4__target_segment"]
    people = v.table("members")[["member_id", "gender", "age_bracket"]].dropna()
    revenue = sales.dropna(subset=["member_id"]).merge(people, on="member_id")
    top = revenue.groupby(["gender", "age_bracket"], observed=True)["item_revenue"].sum().idxmax()
    biggest_segment = {"gender": str(top[0]), "age_bracket": str(top[1])}
    if biggest_segment == seg["target_segment"]:
        pytest.skip("the biggest segment is the target in this world: no naive mistake to test")
    members = v.table("members")
    once = members[members["consent_purposes"].fillna("").str.contains("行銷推播")]
    refused = sorted(
        set(once["member_id"]) - set(members.loc[members["marketing_consent"].fillna(False), "member_id"])
    )
    test = right["p1_2_1__significance_test"]
    return {
        "p1_2_1__platform_stats": {
            "platform_stats": done.groupby("platform", observed=True)["revenue"].agg(
                orders="count", mean="mean", median="median"
            )
        },
        "p1_2_1__growth": {
            "yoy_growth": right["p1_2_1__growth"]["yoy_growth"],
            "ytd_growth": by_year[2026] / by_year[2025] - 1,  # a part year against a full year
        },
        "p1_2_1__seasonality": {
            "seasonal_index": right["p1_2_1__seasonality"]["seasonal_index"] * 1.05,
            "peak_month": right["p1_2_1__seasonality"]["peak_month"],
        },
        "p1_2_1__significance_test": dict(test, test_choice="C" if test["test_choice"] != "C" else "A"),
        "p1_2_2__category_metrics": {"category_metrics": wrong_share},
        "p1_2_2__strength_weakness": {
            "scorecard": right["p1_2_2__strength_weakness"]["scorecard"],
            "strength_category": biggest
            if biggest != right["p1_2_2__strength_weakness"]["strength_category"]
            else right["p1_2_2__strength_weakness"]["weakness_category"],
            "weakness_category": right["p1_2_2__strength_weakness"]["weakness_category"],
        },
        "p1_2_2__position_map": {
            "quadrants": {c: "明星" for c in CATEGORIES},
            "marketing_target": right["p1_2_2__position_map"]["marketing_target"],
        },
        "p1_2_3__swot_sorting": {"board": swapped},
        "p1_2_3__tows_strategy": {"strategy": strategy},
        "p1_2_3__rival_benchmark": {
            "marketing_target": right["p1_2_3__rival_benchmark"]["marketing_target"],
            "rival_table": right["p1_2_3__rival_benchmark"]["rival_table"].sort_index(),
        },
        "p1_2_4__target_segment": dict(seg, target_segment=biggest_segment),
        "p1_2_4__preferences": {
            **right["p1_2_4__preferences"],
            "preferences": dict(
                right["p1_2_4__preferences"]["preferences"], channel="wrong", need="promotion"
            )
            if right["p1_2_4__preferences"]["preferences"]["need"] != "promotion"
            else dict(right["p1_2_4__preferences"]["preferences"], channel="wrong", need="price"),
        },
        "p1_2_4__prospects": {
            **right["p1_2_4__prospects"],
            "prospects": sorted(set(right["p1_2_4__prospects"]["prospects"]) | set(refused[:1])),
        },
    }


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_right_answer_earns_full_marks(variant, right, grade_id):
    """Does the answer computed as the notebook teaches, from the learner's own tables, earn the whole item?"""
    result = judge(grade_id, right[grade_id], None, variant)
    assert result.fraction == 1.0, result


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_plausible_wrong_answer_loses_points_with_a_zh_tw_reason(variant, right, grade_id):
    """Does a likely mistake earn less than full marks, with a zh-TW message that does not give the answer away?"""
    result = judge(grade_id, _wrong(variant, right)[grade_id], None, variant)
    assert result.fraction < 1.0, result
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.message_zh)
    strength = right["p1_2_2__strength_weakness"]["strength_category"]
    assert strength not in result.message_zh and t12.category_zh()[strength] not in result.message_zh


def test_naive_answers_are_named_in_the_message(variant, right):
    """Do the two classic mistakes (whole-category market share, biggest segment) get their own explanation?"""
    wrong = _wrong(variant, right)
    share = judge("p1_2_2__category_metrics", wrong["p1_2_2__category_metrics"], None, variant)
    assert "ecommerce_revenue" in share.message_zh and share.fraction < 1.0
    segment = judge("p1_2_4__target_segment", wrong["p1_2_4__target_segment"], None, variant)
    assert "營收最大的客群" in segment.message_zh and segment.fraction <= 0.4
    refused = judge("p1_2_4__prospects", wrong["p1_2_4__prospects"], None, variant)
    assert refused.fraction == 0.0 and "個資法" in refused.message_zh


def _malformed(grade_id: str, right: dict) -> dict:
    answer = dict(right[grade_id])
    name = next(iter(answer))
    answer[name] = {"格式": "不對"} if not isinstance(answer[name], dict) else "不是字典"
    return answer


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_malformed_or_missing_answer_earns_nothing(variant, right, grade_id):
    """Does an answer of the wrong kind, an unsaved widget or no answer at all earn 0 with a reason (never raise)?"""
    malformed = judge(grade_id, _malformed(grade_id, right), None, variant)
    assert malformed.fraction == 0.0 and "格式不符" in malformed.message_zh, malformed
    assert judge(grade_id, None, None, variant).fraction == 0.0
    assert judge(grade_id, {}, None, variant).message_zh.startswith("沒有交出")


def test_an_unsaved_board_is_told_to_save(variant):
    """Does a learner who never pressed 儲存 (saved_answer is None) get 0 and the instruction to save?"""
    for grade_id, name in (("p1_2_3__swot_sorting", "board"), ("p1_2_3__tows_strategy", "strategy")):
        result = judge(grade_id, {name: None}, None, variant)
        assert result.fraction == 0.0 and "儲存" in result.message_zh


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_answer_copied_from_a_classmate_fails(variant, classmate, grade_id):
    """Does a classmate's right answer (another variant) fail every T1.2 item on the learner's variant?"""
    copied = right_answers(classmate)[grade_id]
    assert judge(grade_id, copied, None, variant).fraction < 1.0, grade_id


@pytest.mark.parametrize("number", range(5))
def test_each_significance_question_needs_its_own_test(variant, monkeypatch, number):
    """For each of the five questions, does its right test pass and the closest wrong test fail?"""
    monkeypatch.setattr(t12, "question_number", lambda load=None: number)
    variant.cache.pop("t1_2_test", None)
    right = _test_answer(variant, number)
    assert judge("p1_2_1__significance_test", right, None, variant).fraction == 1.0
    closest = {"A": "D", "B": "A", "C": "A", "D": "A", "E": "B"}[right["test_choice"]]
    wrong = judge("p1_2_1__significance_test", dict(right, test_choice=closest), None, variant)
    assert wrong.fraction == 0.0 and "資料型態" in wrong.message_zh
    off = judge(
        "p1_2_1__significance_test", dict(right, statistic=right["statistic"] * 1.2 + 1), None, variant
    )
    assert off.fraction == pytest.approx(0.7)
    variant.cache.pop("t1_2_test", None)


def test_the_significance_question_differs_between_learners():
    """Do learners get different questions (so the right test is not the same for everyone)?"""
    numbers = set()
    for seed in range(40):
        orders = pd.DataFrame({"revenue": [1000 + seed * 37, 2000], "order_id": ["a", "b"]})
        numbers.add(t12.question_number(lambda name, o=orders: o))
    assert numbers == set(range(5))


def test_follow_through_gives_half_marks_for_a_wrong_marketing_target(variant, right):
    """When the marketing target is wrong, is a segment right for that target worth half, not zero or full?"""
    _, sales = _clean(variant)
    weakness = right["p1_2_2__strength_weakness"]["weakness_category"]
    lean, segment = _segments(variant, sales, weakness)
    answer = {"marketing_target": weakness, "segment_lean": lean, "target_segment": segment}
    assert judge("p1_2_4__target_segment", answer, None, variant).fraction == pytest.approx(0.5)


def test_saved_answers_registered_for_the_course_check_are_right(variant):
    """Are the widget answers the course check saves for a variant the ones its checks accept?"""
    from netmarketing.grading.checks import CHECKS

    board = CHECKS["p1_2_3__swot_sorting"].saved(variant)
    strategy = CHECKS["p1_2_3__tows_strategy"].saved(variant)
    assert judge("p1_2_3__swot_sorting", {"board": board}, None, variant).fraction == 1.0
    assert judge("p1_2_3__tows_strategy", {"strategy": strategy}, None, variant).fraction == 1.0


def test_evidence_cards_hold_internal_and_external_facts_with_sources(variant):
    """Does every learner get internal and external (market, competitor, PEST) cards, each naming its source?"""
    cards = t12.evidence_records(variant.table)
    kinds = {c["kind"] for c in cards}
    assert {"growth_top", "margin_bottom", "survey_gap", "market_top"} <= kinds
    assert sum(k.startswith("pest_") for k in kinds) == 4
    assert all("來源" in c["text"] for c in cards)
    assert [c["id"] for c in cards] == [f"E{n:02d}" for n in range(1, len(cards) + 1)]
    quadrants = {_card_quadrant(c) for c in cards}
    assert quadrants == {"S", "W", "O", "T"}


def test_the_grader_sorts_every_card_as_a_teacher_would(variant, right):
    """Is the grader's SWOT key (what the course check saves) exactly the teacher's sorting of the cards?"""
    from netmarketing.grading.checks import CHECKS

    assert CHECKS["p1_2_3__swot_sorting"].saved(variant) == right["p1_2_3__swot_sorting"]["board"]


@pytest.mark.parametrize(("moved", "expected"), [(1, 1.0), (2, 0.5), (3, 0.5), (4, 0.0)])
def test_swot_sorting_allows_one_slip_and_halves_for_a_few(variant, right, moved, expected):
    """Does one misplaced card still earn the item, two or three half, and four nothing?"""
    board = {q: list(ids) for q, ids in right["p1_2_3__swot_sorting"]["board"].items()}
    order = {"S": "W", "W": "S", "O": "T", "T": "O"}
    for n in range(moved):
        source = "SWOT"[n % 4]
        card = board[source].pop(0)
        board[order[source]].append(card)
    assert judge("p1_2_3__swot_sorting", {"board": board}, None, variant).fraction == expected
