"""Do T1.1's grader checks give full marks to a right answer, less to a plausible wrong one, 0 to a malformed one,
and fail an answer copied from another learner's variant?

Right answers are computed here from the variant's own tables (and, for planted facts, its truth), the way the
notebooks' solutions compute them; the business-question and law-case keys are restated here on purpose, as a
second opinion on the grader's keys.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from netmarketing.data import build_world
from netmarketing.data.channels import default_channel_group
from netmarketing.grading.checks import CHECKS, Variant, judge, load_checks
from netmarketing.grading.checks import m01_t1_1 as checks
from netmarketing.learner import sources

SEEDS = (3, 2)  # 3 plants a time-zone shift and test orders; 2 plants city-name variants and e-mail formats

#: Second opinion on the purposes (the grader keeps its own key).
PURPOSE_OF = {
    "q01": "market_trend",
    "q02": "traffic_performance",
    "q03": "ad_performance",
    "q04": "customer_profile",
    "q05": "customer_needs",
    "q06": "competition",
    "q07": "sales_performance",
    "q08": "traffic_performance",
    "q09": "sales_performance",
    "q10": "crm_performance",
    "q11": "market_trend",
    "q12": "ad_performance",
}
#: The one pathway each question needs most (enough on its own, except q01 and q04, which need a second).
PATHWAYS_OF = {
    "q01": ["market_reports", "backoffice_orders"],
    "q02": ["ga4_export"],
    "q03": ["ad_platforms"],
    "q04": ["crm", "backoffice_orders"],
    "q05": ["surveys"],
    "q06": ["market_reports"],
    "q07": ["backoffice_orders"],
    "q08": ["ga4_export"],
    "q09": ["backoffice_orders"],
    "q10": ["crm"],
    "q11": ["market_reports"],
    "q12": ["ad_platforms"],
}
LAW_OF = {
    "c01": "pdpa_6_47",
    "c02": "pdpa_20_1_47",
    "c03": "pdpa_20_2_48",
    "c04": "pdpa_20_3_48",
    "c05": "pdpa_27_48",
    "c06": "cpa_19",
    "c07": "cpa_19_exception",
    "c08": "copyright",
    "c09": "keyword_trademark",
    "c10": "accessibility",
    "c11": "trade_secret",
    "c12": "fta_21_endorse",
    "c13": "cpa_18",
}
SALT = "test-salt-好日子-2027"


def _variant(seed: int) -> Variant:
    world = build_world(seed, scale=0.05)
    return Variant(f"s-{seed}", world.tables, world.truth)


@pytest.fixture(scope="module")
def variants() -> tuple[Variant, Variant]:
    load_checks()
    return _variant(SEEDS[0]), _variant(SEEDS[1])


@pytest.fixture(scope="module")
def variant(variants) -> Variant:
    return variants[0]


# -- right answers, computed from the tables ---------------------------------------------------------
def _questions(v):
    return sources.business_questions(v.table("orders"), v.table("competitors"))


def _cases(v):
    names = ("orders", "members", "products", "competitors", "crm_campaigns", "search_keywords")
    return sources.law_cases({n: v.table(n) for n in names})


def _key(member_id: str, salt: str = SALT) -> str:
    return hashlib.sha256((salt + member_id).encode("utf-8")).hexdigest()[:16]


def _customer_table(v) -> pd.DataFrame:
    m = v.table("members")
    ok = (
        m["marketing_consent"]
        & m["consent_purposes"].str.contains("行銷推播", regex=False)
        & m["marketing_opt_out_date"].isna()
    )
    chosen = m.loc[ok].assign(customer_key=lambda d: d["member_id"].map(_key))
    return chosen[["customer_key", "gender", "age_bracket", "city", "line_user_linked"]].reset_index(
        drop=True
    )


def _regular_prices(v, sku: str, start: pd.Timestamp) -> set[int]:
    ph = v.table("price_history")
    rows = ph[(ph["sku"] == sku) & (ph["price_type"] == "regular")]
    end = rows["valid_to"].fillna(pd.Timestamp("2100-01-01"))
    return set(
        rows.loc[(rows["valid_from"] < start) & (end >= start - pd.Timedelta(days=30)), "price"].astype(int)
    )


def _ad_labels(v) -> dict[str, list[str]]:
    offers = v.table("offers").set_index("offer_id")
    labels = {}
    for row in v.table("ad_copies").itertuples():
        text, found = row.text, []
        price = re.search(r"原價NT\$([\d,]+)", text)
        if price and int(price.group(1).replace(",", "")) not in _regular_prices(
            v, row.sku, offers.loc[row.offer_id, "start_date"]
        ):
            found.append("false_original_price")
        end = re.search(r"限時優惠到(\d+)/(\d+)", text)
        if end:
            claimed = pd.Timestamp(year=row.run_date.year, month=int(end.group(1)), day=int(end.group(2)))
            if claimed < row.run_date:
                claimed += pd.DateOffset(years=1)
            if offers.loc[row.offer_id, "end_date"] > claimed:
                found.append("false_countdown")
        if any(w in text for w in ("部落客", "網紅")) and not any(w in text for w in ("廣告", "合作")):
            found.append("undisclosed_endorsement")
        medical = ("降血壓", "預防癌症", "治療", "消炎", "生髮")
        if row.category == "health_food" and any(w in text for w in medical):
            found.append("medical_claim_food")
        if row.category == "beauty" and any(w in text for w in medical):
            found.append("medical_claim_cosmetic")
        if row.platform in ("電子報", "簡訊") and not any(w in text for w in ("取消訂閱", "拒收")):
            found.append("missing_opt_out")
        labels[row.copy_id] = found
    return labels


def _positioning(v) -> dict:
    comp = v.table("competitors")
    comp = comp[comp["year"] == 2025].assign(category=comp["category"].astype(str))
    ours = comp[comp["company"] == "好日子選物"].set_index("category")["price_index"]
    focus = ours.idxmax()
    rivals = comp[(comp["category"] == focus) & (comp["company"] != "好日子選物")]
    peers = sorted(rivals.loc[(rivals["price_index"] - ours[focus]).abs() <= 10, "company"])
    market = v.table("market_size")
    growth = market.loc[(market["year"] == 2025) & (market["category"].astype(str) == focus), "growth"].iloc[
        0
    ]
    return {"focus_category": focus, "peers": peers, "market_growth": float(growth)}


def _accessibility(v) -> dict:
    page = sources.shop_page(v.table("products"), v.table("orders"))
    images = page[page["kind"] == "image"]
    texts = page[page["kind"] == "text"]
    low = texts[
        [
            sources.contrast_ratio(f, b) < 4.5
            for f, b in zip(texts["text_color"], texts["background_color"], strict=True)
        ]
    ]
    return {
        "missing_alt": list(images.loc[images["alt_text"] == "", "element_id"]),
        "low_contrast": list(low["element_id"]),
    }


def _ga4_month(g: pd.DataFrame) -> pd.Series:
    return g["event_date"].str[:4] + "-" + g["event_date"].str[4:6]


def _audit_counts(v) -> dict[str, int]:
    o, it, m, p, g = (v.table(n) for n in ("orders", "order_items", "members", "products", "ga4_events"))
    d = o.drop_duplicates()
    real = d[d["member_id"].fillna("") != "TEST"]
    market = real[real["platform"].isin(["momo", "shopee", "pchome"])]
    hour = market["order_ts"].dt.hour + market["order_ts"].dt.minute / 60
    month = market["order_ts"].dt.strftime("%Y-%m")
    deviation = hour.groupby([market["platform"].astype(str), month]).mean()
    deviation = deviation - deviation.median()
    platform, worst = deviation.idxmin()
    shifted = int(((market["platform"] == platform) & (month == worst)).sum()) if deviation.min() < -4 else 0
    counts = {
        "duplicate_orders": int(o.duplicated().sum()),
        "test_orders": int((o["member_id"] == "TEST").sum()),
        "timezone_shift": shifted,
        "missing_order_city": int(d["city"].isna().sum()),
        "city_name_variants": int(d["city"].astype(str).str.startswith("台").sum()),
        "delivered_before_order": int((d["delivered_ts"] < d["order_ts"]).sum()),
        "unit_price_typo": int((it["unit_price"] * it["quantity"] != it["item_revenue"]).sum()),
        "sku_format": int((~it["sku"].isin(p["sku"])).sum()),
        "missing_member_birth_date": int(m["birth_date"].isna().sum()),
        "mobile_format": int((~m["mobile"].str.fullmatch(r"09\d{2}-\d{3}-\d{3}")).sum()),
        "email_format": int((m["email"] != m["email"].str.strip().str.lower()).sum()),
        "unit_cost_in_cents": int((p["unit_cost"] > p["price"]).sum()),
        "duplicate_events": int(g.duplicated().sum()),
    }
    return {k: n for k, n in counts.items() if n}


def _orders_clean(v) -> pd.DataFrame:
    o = v.table("orders").drop_duplicates()
    o = o[o["member_id"].fillna("") != "TEST"].copy()
    shift = v.truth["defects"].get("timezone_shift")  # found from the data in the notebook; its place here
    if shift:
        hit = (o["platform"] == shift["platform"]) & (o["order_ts"].dt.strftime("%Y-%m") == shift["month"])
        o.loc[hit, "order_ts"] = o.loc[hit, "order_ts"] + pd.Timedelta(hours=8)
    o["city"] = o["city"].astype(str).replace(checks.CITY_FIXES).where(o["city"].notna())
    return o.reset_index(drop=True)


def _untracked(v) -> list[str]:
    o, g = v.table("orders"), v.table("ga4_events")
    web = o[(o["platform"] == "website") & (o["member_id"].fillna("") != "TEST")].drop_duplicates("order_id")
    purchases = set(g.loc[g["event_name"] == "purchase", "transaction_id"].dropna())
    return sorted(web.loc[~web["transaction_id"].isin(purchases), "order_id"])


def _right(v) -> dict[str, dict]:
    g = v.table("ga4_events")
    sessions = g.assign(month=_ga4_month(g)).drop_duplicates(["month", "user_pseudo_id", "ga_session_id"])
    starts = g[g["event_name"] == "session_start"]
    channel = default_channel_group(starts["source"], starts["medium"], starts["campaign"]).astype(str)
    o = v.table("orders")
    done = o[o["status"] == "completed"]
    crm = v.table("crm_campaigns")
    crm = crm[crm["send_date"].dt.year == 2025]
    results = crm.groupby(crm["channel"].astype(str)).agg(
        sends=("campaign_id", "count"),
        delivered=("delivered", "sum"),
        opened=("opened", "sum"),
        clicked=("clicked", "sum"),
        orders=("orders", "sum"),
        revenue=("revenue", "sum"),
    )
    results["open_rate"] = results["opened"] / results["delivered"]
    results["click_rate"] = results["clicked"] / results["delivered"]
    questions, cases = _questions(v), _cases(v)
    table = _customer_table(v)
    return {
        "p1_1_1__purposes": {"purposes": {q["id"]: PURPOSE_OF[q["template"]] for q in questions}},
        "p1_1_1__pathways": {"pathways": {q["id"]: PATHWAYS_OF[q["template"]] for q in questions}},
        "p1_1_2__positioning": _positioning(v),
        "p1_1_2__consent_rows": {"customer_table": table, "SALT": SALT},
        "p1_1_2__minimised": {"customer_table": table, "SALT": SALT},
        "p1_1_2__ad_claims": {"ad_labels": _ad_labels(v)},
        "p1_1_2__law_cases": {"cases": {c["id"]: LAW_OF[c["template"]] for c in cases}},
        "p1_1_2__accessibility": _accessibility(v),
        "p1_1_3__monthly_sessions": {"monthly_sessions": sessions.groupby("month").size()},
        "p1_1_3__channel_sessions": {"channel_sessions": channel.value_counts()},
        "p1_1_3__monthly_sales": {
            "monthly_sales": done.groupby(done["order_ts"].dt.strftime("%Y-%m")).agg(
                orders=("order_id", "count"), revenue=("revenue", "sum")
            )
        },
        "p1_1_3__campaign_results": {"campaign_results": results},
        "p1_1_2__audit_issues": {"found": _audit_counts(v)},
        "p1_1_2__cleaned_orders": {"orders_clean": _orders_clean(v)},
        "p1_1_2__untracked_orders": {"untracked": _untracked(v)},
    }


GRADE_IDS = [
    "p1_1_1__purposes",
    "p1_1_1__pathways",
    "p1_1_2__positioning",
    "p1_1_2__consent_rows",
    "p1_1_2__minimised",
    "p1_1_2__ad_claims",
    "p1_1_2__law_cases",
    "p1_1_2__accessibility",
    "p1_1_3__monthly_sessions",
    "p1_1_3__channel_sessions",
    "p1_1_3__monthly_sales",
    "p1_1_3__campaign_results",
    "p1_1_2__audit_issues",
    "p1_1_2__cleaned_orders",
    "p1_1_2__untracked_orders",
]


def _wrong(v, right: dict[str, dict]) -> dict[str, dict]:
    """Plausible mistakes a learner makes (the ones the notebooks warn about)."""
    m = v.table("members")
    everyone = m.assign(customer_key=m["member_id"].map(_key))[
        ["customer_key", "gender", "age_bracket", "city"]
    ]
    with_email = right["p1_1_2__minimised"]["customer_table"].assign(
        email=m.set_index(m["member_id"].map(_key))["email"]
        .reindex(right["p1_1_2__minimised"]["customer_table"]["customer_key"])
        .to_numpy()
    )
    comp = v.table("competitors")
    ours = comp[(comp["year"] == 2025) & (comp["company"] == "好日子選物")].set_index("category")[
        "price_index"
    ]
    naive_ads = {
        row.copy_id: (["false_original_price"] if "原價" in row.text else [])
        for row in v.table("ad_copies").itertuples()
    }
    page = right["p1_1_2__accessibility"]
    g = v.table("ga4_events")
    events = g.groupby(_ga4_month(g)).size()
    views = g[g["event_name"] == "page_view"]
    o = v.table("orders")
    results = right["p1_1_3__campaign_results"]["campaign_results"].copy()
    crm = v.table("crm_campaigns")
    sent = crm[crm["send_date"].dt.year == 2025].groupby(crm["channel"].astype(str))["sent"].sum()
    results["open_rate"] = results["opened"] / sent
    results["click_rate"] = results["clicked"] / sent
    planted = right["p1_1_2__audit_issues"]["found"]
    clean = right["p1_1_2__cleaned_orders"]["orders_clean"]
    tests = v.truth["defects"].get("test_orders", {}).get("ids", [])
    return {
        "p1_1_1__purposes": {"purposes": {q: "market_trend" for q in right["p1_1_1__purposes"]["purposes"]}},
        "p1_1_1__pathways": {
            "pathways": {q: list(sources.DATA_PATHWAYS) for q in right["p1_1_1__pathways"]["pathways"]}
        },
        "p1_1_2__positioning": {**right["p1_1_2__positioning"], "focus_category": str(ours.idxmin())},
        "p1_1_2__consent_rows": {"customer_table": everyone, "SALT": SALT},
        "p1_1_2__minimised": {"customer_table": with_email, "SALT": SALT},
        "p1_1_2__ad_claims": {"ad_labels": naive_ads},
        "p1_1_2__law_cases": {"cases": {c: "pdpa_20_15m" for c in right["p1_1_2__law_cases"]["cases"]}},
        "p1_1_2__accessibility": {"missing_alt": page["low_contrast"], "low_contrast": page["missing_alt"]},
        "p1_1_3__monthly_sessions": {"monthly_sessions": events},
        "p1_1_3__channel_sessions": {
            "channel_sessions": default_channel_group(views["source"], views["medium"], views["campaign"])
            .astype(str)
            .value_counts()
        },
        "p1_1_3__monthly_sales": {
            "monthly_sales": o.groupby(o["order_ts"].dt.strftime("%Y-%m")).agg(
                orders=("order_id", "count"), revenue=("revenue", "sum")
            )
        },
        "p1_1_3__campaign_results": {"campaign_results": results},
        "p1_1_2__audit_issues": {"found": {k: 1 for k in sources.DEFECT_KINDS if k not in planted}},
        "p1_1_2__cleaned_orders": {"orders_clean": clean.dropna(subset=["city"])},
        "p1_1_2__untracked_orders": {
            "untracked": sorted(set(right["p1_1_2__untracked_orders"]["untracked"]) | set(tests))
        },
    }


@pytest.fixture(scope="module")
def right(variant) -> dict[str, dict]:
    return _right(variant)


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_right_answer_earns_full_marks(variant, right, grade_id):
    """Does the answer computed from the learner's own tables earn the whole item?"""
    result = judge(grade_id, right[grade_id], None, variant)
    assert result.fraction == 1.0, result


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_plausible_wrong_answer_loses_points_with_a_reason(variant, right, grade_id):
    """Does a plausible mistake lose points, with a zh-TW message that names no expected value?"""
    result = judge(grade_id, _wrong(variant, right)[grade_id], None, variant)
    assert result.fraction < 1.0, result
    assert re.search(r"[\u4e00-\u9fff]", result.message_zh)
    if grade_id == "p1_1_2__positioning":
        assert right[grade_id]["focus_category"] not in result.message_zh


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_malformed_or_missing_answer_earns_nothing(variant, right, grade_id):
    """Does an answer of the wrong kind, or none at all, earn 0 with a reason (and never raise)?"""
    names = list(right[grade_id])
    malformed = judge(grade_id, {name: 42 for name in names}, None, variant)
    assert malformed.fraction == 0.0 and "格式不符" in malformed.message_zh, malformed
    assert judge(grade_id, None, None, variant).fraction == 0.0
    assert judge(grade_id, {}, None, variant).message_zh.startswith("沒有交出")


@pytest.mark.parametrize("grade_id", GRADE_IDS)
def test_answer_copied_from_another_variant_fails(variants, grade_id):
    """Does a classmate's right answer (another variant) fall short on this learner's variant?"""
    mine, theirs = variants
    copied = _right(theirs)[grade_id]
    assert judge(grade_id, copied, None, mine).fraction < 1.0


@pytest.mark.parametrize(
    "grade_id", ["p1_1_1__purposes", "p1_1_1__pathways", "p1_1_2__law_cases", "p1_1_2__audit_issues"]
)
def test_registered_saved_answer_earns_full_marks(variant, grade_id):
    """Does the widget answer the course check saves for a variant earn the whole item (it and the key agree)?"""
    saved = CHECKS[grade_id].saved(variant)
    name = {"p1_1_1__purposes": "purposes", "p1_1_1__pathways": "pathways"}.get(grade_id)
    name = name or {"p1_1_2__law_cases": "cases", "p1_1_2__audit_issues": "found"}[grade_id]
    assert judge(grade_id, {name: saved}, None, variant).fraction == 1.0


def test_nothing_saved_says_to_press_save(variant):
    """Does a widget item handed in without a saved answer tell the learner to press 儲存?"""
    result = judge("p1_1_1__purposes", {"purposes": None}, None, variant)
    assert result.fraction == 0.0 and "儲存" in result.message_zh


def test_opted_out_member_in_the_list_loses_the_item(variant, right):
    """Does a marketing list with a member who refused marketing (個資法 §20 II) earn nothing?"""
    m = variant.table("members")
    refused = m.loc[m["marketing_opt_out_date"].notna(), "member_id"].iloc[0]
    table = right["p1_1_2__consent_rows"]["customer_table"]
    extra = pd.DataFrame({"customer_key": [_key(refused)], "gender": ["female"], "age_bracket": ["25-34"]})
    result = judge(
        "p1_1_2__consent_rows", {"customer_table": pd.concat([table, extra]), "SALT": SALT}, None, variant
    )
    assert result.fraction == 0.0 and "§20 II" in result.message_zh


def test_members_without_an_age_bracket_still_match(variant):
    """Does a right list pass when many members lack an age bracket (missing values compare equal)?"""
    members = variant.table("members")
    members.loc[members.index[::3], "age_bracket"] = None
    gappy = Variant(variant.learner, {**variant.tables, "members": members}, variant.truth)
    table = _customer_table(gappy)
    assert table["age_bracket"].isna().mean() > 0.2
    assert judge("p1_1_2__minimised", {"customer_table": table, "SALT": SALT}, None, gappy).fraction == 1.0


def test_an_emptied_identifier_column_still_loses_the_item(variant, right):
    """Does keeping a sensitive column (個資法 §6), even with no value in it, lose the minimisation item?"""
    table = right["p1_1_2__minimised"]["customer_table"].assign(health_notes=None)
    result = judge("p1_1_2__minimised", {"customer_table": table, "SALT": SALT}, None, variant)
    assert result.fraction == 0.0 and "health_notes" in result.message_zh


def test_audit_with_the_right_problems_but_wrong_counts_falls_short(variant, right):
    """Does naming every planted problem but miscounting the rows fall short of full marks?"""
    found = {kind: count * 3 + 10 for kind, count in right["p1_1_2__audit_issues"]["found"].items()}
    result = judge("p1_1_2__audit_issues", {"found": found}, None, variant)
    assert result.fraction < 1.0 and "筆數不符" in result.message_zh


def test_city_names_left_with_台_fall_short(variants):
    """Does a cleaned table that keeps 台北市 beside 臺北市 fall short (on a variant that plants them)?"""
    other = variants[1]
    assert "city_name_variants" in other.truth["defects"]
    clean = _right(other)["p1_1_2__cleaned_orders"]["orders_clean"]
    raw_city = other.table("orders").drop_duplicates().set_index("order_id")["city"]
    kept = clean.assign(city=clean["order_id"].map(raw_city).astype(object))
    result = judge("p1_1_2__cleaned_orders", {"orders_clean": kept}, None, other)
    assert result.fraction < 1.0 and "台" in result.message_zh


def test_member_who_never_consented_in_the_list_loses_the_item(variant, right):
    """Does adding a member who never agreed to 行銷推播 (but never refused either) earn nothing (個資法 §19, §20 I)?"""
    m = variant.table("members")
    never = m.loc[~m["marketing_consent"] & m["marketing_opt_out_date"].isna(), "member_id"].iloc[0]
    table = right["p1_1_2__consent_rows"]["customer_table"]
    extra = pd.DataFrame({"customer_key": [_key(never)]})
    result = judge(
        "p1_1_2__consent_rows", {"customer_table": pd.concat([table, extra]), "SALT": SALT}, None, variant
    )
    assert result.fraction == 0.0 and "§19" in result.message_zh


def test_an_extra_analysis_column_costs_half(variant, right):
    """Does keeping a column the analysis does not need (data minimisation, 個資法 §5) cost half the item?"""
    table = right["p1_1_2__minimised"]["customer_table"].assign(marketing_consent=True)
    result = judge("p1_1_2__minimised", {"customer_table": table, "SALT": SALT}, None, variant)
    assert result.fraction == 0.5 and "最小化" in result.message_zh


def test_sessions_by_medium_instead_of_channel_group_earn_nothing(variant):
    """Does counting sessions by raw medium (not GA4's channel groups) earn nothing?"""
    g = variant.table("ga4_events")
    starts = g[g["event_name"] == "session_start"]
    by_medium = starts["medium"].astype(str).value_counts()
    result = judge("p1_1_3__channel_sessions", {"channel_sessions": by_medium}, None, variant)
    assert result.fraction == 0.0 and "前三大" in result.message_zh


def test_test_orders_among_the_untracked_are_named(variant, right):
    """Does counting the test orders as untracked lose half, with a message that names them?"""
    tests = variant.truth["defects"]["test_orders"]["ids"]
    untracked = sorted(set(right["p1_1_2__untracked_orders"]["untracked"]) | set(tests))
    result = judge("p1_1_2__untracked_orders", {"untracked": untracked}, None, variant)
    assert result.fraction == 0.5 and "測試訂單" in result.message_zh


def test_unsalted_keys_lose_the_item(variant):
    """Does a table keyed by an unsalted hash (open to a dictionary attack) earn nothing?"""
    m = variant.table("members").head(20)
    keys = m["member_id"].map(lambda x: hashlib.sha256(x.encode()).hexdigest()[:16])
    table = pd.DataFrame({"customer_key": keys, "city": m["city"].astype(str)})
    result = judge("p1_1_2__consent_rows", {"customer_table": table, "SALT": SALT}, None, variant)
    assert result.fraction == 0.0 and "加鹽" in result.message_zh


def test_time_zone_fix_must_touch_only_the_shifted_orders(variant, right):
    """Does moving orders outside the shifted platform-month lose points, while missing one or two pass?"""
    clean = right["p1_1_2__cleaned_orders"]["orders_clean"]
    shift = variant.truth["defects"]["timezone_shift"]
    other = clean["platform"] != shift["platform"]
    moved = clean.assign(order_ts=clean["order_ts"].where(~other, clean["order_ts"] + pd.Timedelta(hours=8)))
    result = judge("p1_1_2__cleaned_orders", {"orders_clean": moved}, None, variant)
    assert result.fraction < 1.0 and "時區" in result.message_zh
    first = clean["order_id"].isin(shift["ids"][:1])
    one_missed = clean.assign(
        order_ts=clean["order_ts"].where(~first, clean["order_ts"] - pd.Timedelta(hours=8))
    )
    assert judge("p1_1_2__cleaned_orders", {"orders_clean": one_missed}, None, variant).fraction == 1.0


def test_a_true_original_price_marked_false_counts_as_wrong(variant, right):
    """Is a lawful 原價 (charged in the 30 days before the offer) flagged as false judged wrong (公平交易法 §21)?"""
    labels = right["p1_1_2__ad_claims"]["ad_labels"]
    copies = variant.table("ad_copies")
    lawful = [c for c in copies.loc[copies["text"].str.contains("原價"), "copy_id"] if not labels[c]]
    assert lawful, "this variant has no lawful 原價 claim to test"
    flipped = {**labels, **{c: ["false_original_price"] for c in lawful}}
    assert judge("p1_1_2__ad_claims", {"ad_labels": flipped}, None, variant).fraction < 1.0


def test_questions_and_cases_differ_between_variants(variants):
    """Do two learners get different business questions and law cases (order or content)?"""
    a, b = variants
    assert [q["zh"] for q in _questions(a)] != [q["zh"] for q in _questions(b)]
    assert [c["template"] for c in _cases(a)] != [c["template"] for c in _cases(b)]


def test_questions_cover_templates_with_facts_from_the_data(variant):
    """Does every drawn question name only facts of the learner's own data (no empty placeholder)?"""
    questions = _questions(variant)
    assert len(questions) == sources.N_QUESTIONS
    assert all("{" not in q["zh"] for q in questions)
    cases = _cases(variant)
    assert all("{" not in c["zh"] for c in cases)


def test_contrast_ratio_follows_wcag():
    """Does contrast_ratio give WCAG's figures (21:1 black on white; #767676 passes 4.5:1, #777777 fails)?"""
    assert round(sources.contrast_ratio("#000000", "#ffffff"), 2) == 21.0
    assert sources.contrast_ratio("#767676", "#FFFFFF") >= 4.5 > sources.contrast_ratio("#777777", "#FFFFFF")
    with pytest.raises(ValueError, match="#RRGGBB"):
        sources.contrast_ratio("red", "#FFFFFF")


def test_picker_saves_and_restores_its_answers(tmp_path, variant):
    """Does the picker's 儲存 button save both answers beside the notebook, and show them again on a re-run?"""
    from netmarketing.learner.saved import saved_answer

    questions = _questions(variant)
    picker, _ = sources.pathway_picker(questions, folder=str(tmp_path))
    first = questions[0]["id"]
    picker.controls[f"{first}_purpose"].value = "market_trend"
    picker.controls[f"{first}_crm"].value = True
    assert picker.controls[f"{first}_crm"].button_style == "success"  # chosen shows by colour
    picker.controls["save"].click()
    assert saved_answer("p1_1_1__purposes", folder=tmp_path)[first] == "market_trend"
    assert saved_answer("p1_1_1__pathways", folder=tmp_path)[first] == ["crm"]
    assert "已儲存" in picker.controls["save_status"].value
    again, restored = sources.pathway_picker(questions, folder=str(tmp_path))
    assert restored["purpose"][first] == "market_trend" and restored["pathways"][first] == ["crm"]
    assert again.controls[f"{first}_crm"].value is True
    assert again.controls[f"{questions[1]['id']}_purpose"].label == "（請選擇目的）"


def test_positioning_facts_agree_with_the_check(variant, right):
    """Does the positioning key the grader computes match the one computed here from the tables?"""
    assert checks.positioning_facts(variant) == right["p1_1_2__positioning"]


# -- the notebooks themselves (slow) -----------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]
T1_1_NOTEBOOKS = ("t1_1a_scope_and_law.ipynb", "t1_1b_quality_and_history.ipynb")
MODULE = "01_market_analysis"
NOTEBOOK_SCALE = 0.1


def _course_with_t1_1(root: Path) -> Path:
    """Return a course folder holding only the T1.1 notebooks (the other module-01 notebooks are not ours)."""
    course = root / "course"
    (course / MODULE).mkdir(parents=True)
    for name in T1_1_NOTEBOOKS:
        shutil.copy(REPO / "course" / MODULE / name, course / MODULE / name)
    return course


@pytest.fixture(scope="module")
def private_variants(tmp_path_factory):
    """Variants of a throw-away secret in a private cache: no world or data folder shared with other runs."""
    from netmarketing.grading.variant import Variants

    return Variants(b"t1-1-test-secret", tmp_path_factory.mktemp("variants"), NOTEBOOK_SCALE)


@pytest.mark.slow
def test_course_check_runs_the_t1_1_solutions_on_two_variants(tmp_path, private_variants):
    """Does `course check --execute` pass on the T1.1 notebooks: full marks on two variants, no copyable item,
    two automatic and one judgement item per indicator, every K/S code of T1.1 exercised?"""
    from netmarketing.grading.check import check_course

    report = check_course(
        _course_with_t1_1(tmp_path), [MODULE], execute=True, variants=private_variants, coverage=False
    )
    errors = [f.format() for f in report.errors]
    assert not errors, "\n".join(errors)
    for indicator in ("P1.1.1", "P1.1.2", "P1.1.3"):
        kinds = report.kinds_per_indicator[indicator]
        assert kinds["auto"] >= 2 and kinds["manual"] >= 1, (indicator, kinds)
    assert all(n > 0 for n in report.coverage["T1.1"].values()), report.coverage["T1.1"]
    assert report.attitudes["A01"] >= 1 and report.attitudes["A06"] >= 1


@pytest.mark.slow
def test_untouched_release_scores_no_automatic_point(tmp_path, private_variants):
    """Does a learner copy run as released (no answers, nothing saved) earn 0 on every automatic item?"""
    import nbformat
    from nbclient import NotebookClient

    from netmarketing.grading.identity import kernel_env_for
    from netmarketing.grading.workspace import Workspace
    from netmarketing.learner.answers import read_folder

    ws = Workspace(
        tmp_path / "autograder", course_dir=_course_with_t1_1(tmp_path), db_url=f"sqlite:///{tmp_path}/gb.db"
    )
    ws.root.mkdir(parents=True)
    release = ws.generate(MODULE)
    learner = "untouched-learner"
    world = private_variants.world(learner)
    variant = Variant(learner, world.tables, world.truth)
    for name in T1_1_NOTEBOOKS:
        answers = tmp_path / f"answers-{name}"
        answers.mkdir()
        nb = nbformat.read(str(release / name), as_version=4)
        env = kernel_env_for(learner)
        env.update(
            NETMARKETING_DATA=str(private_variants.data_folder(learner)), NETMARKETING_ANSWERS=str(answers)
        )
        client = NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(release)}},
        )
        client.execute(env=env)
        handed, problems = read_folder(answers)
        graded = [
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
        ]
        assert graded, name
        for grade_id in graded:
            result = judge(grade_id, handed.get(grade_id), problems.get(grade_id), variant)
            assert result.fraction == 0.0, (name, grade_id, result)
