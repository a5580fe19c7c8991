"""Checks of T1.1 釐訂市場分析範疇 (P1.1.1, P1.1.2, P1.1.3): the grader's key and judgement.

Every answer depends on the learner's variant: the business questions and law cases are
drawn from the learner's own tables (:mod:`netmarketing.learner.sources`), and every figure
is recomputed from them or read from the truth manifest. The keys of the drawn situations
(which purpose, pathway or law fits) live only here. Messages say what is wrong and where to
look, never the expected answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from netmarketing.data import catalog
from netmarketing.grading.checks import Variant, check, full, partial, zero
from netmarketing.learner import sources
from netmarketing.learner.items.m01_t1_1 import ANALYSIS_COLUMNS, IDENTIFIERS

# -- keys of the drawn situations -------------------------------------------------------------------
#: Business question template -> (purpose, pathway groups that must each be used, pathways that cannot answer it).
QUESTION_KEY: dict[str, tuple[str, list[list[str]], list[str]]] = {
    "q01": (
        "market_trend",
        [["market_reports"], ["backoffice_orders"]],
        ["ga4_export", "crm", "surveys", "ad_platforms"],
    ),
    "q02": ("traffic_performance", [["ga4_export"]], ["market_reports", "surveys", "crm"]),
    "q03": ("ad_performance", [["ad_platforms"]], ["market_reports", "surveys", "crm"]),
    "q04": ("customer_profile", [["crm"], ["backoffice_orders"]], ["ad_platforms", "market_reports"]),
    "q05": ("customer_needs", [["surveys"]], ["ad_platforms", "market_reports", "ga4_export"]),
    "q06": ("competition", [["market_reports"]], ["crm", "ga4_export", "ad_platforms"]),
    "q07": (
        "sales_performance",
        [["backoffice_orders"]],
        ["ga4_export", "ad_platforms", "market_reports", "surveys"],
    ),
    "q08": ("traffic_performance", [["ga4_export"]], ["market_reports", "crm", "surveys", "ad_platforms"]),
    "q09": ("sales_performance", [["backoffice_orders"]], ["ga4_export", "surveys", "crm"]),
    "q10": ("crm_performance", [["crm"]], ["market_reports", "surveys", "ad_platforms"]),
    "q11": ("market_trend", [["market_reports"]], ["ga4_export", "ad_platforms", "crm", "backoffice_orders"]),
    "q12": ("ad_performance", [["ad_platforms"]], ["surveys", "market_reports", "crm"]),
}
#: Law case template -> the option that fits it.
CASE_KEY: dict[str, str] = {
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
#: WCAG 2.x success criterion 1.4.3 (contrast, minimum) for normal text.
MIN_CONTRAST = 4.5
MARKETING = catalog.CONSENT_PURPOSES["marketing"]


def _questions(v: Variant) -> list[dict]:
    return v.derived(
        "t1_1_questions", lambda v: sources.business_questions(v.table("orders"), v.table("competitors"))
    )


def _cases(v: Variant) -> list[dict]:
    names = ("orders", "members", "products", "competitors", "crm_campaigns", "search_keywords")
    return v.derived("t1_1_cases", lambda v: sources.law_cases({n: v.table(n) for n in names}))


def _share_right(n_right: int, n: int, *, need_full: int, need_half: int, what: str) -> Any:
    if n_right >= need_full:
        return full()
    if n_right >= need_half:
        return partial(0.5, f"{n} 題中 {n_right} 題{what}：再檢查其餘各題", f"{n_right}/{n} right")
    return zero(
        f"{n} 題中只有 {n_right} 題{what}：請回到題目，想想每題要支援哪一種決策", f"{n_right}/{n} right"
    )


# -- P1.1.1 -----------------------------------------------------------------------------------------
def _right_purposes(v: Variant) -> dict:
    return {q["id"]: QUESTION_KEY[q["template"]][0] for q in _questions(v)}


def _right_pathways(v: Variant) -> dict:
    return {q["id"]: [group[0] for group in QUESTION_KEY[q["template"]][1]] for q in _questions(v)}


def pathways_sound(template: str, chosen: Iterable[str] | None) -> bool:
    """Return whether ``chosen`` pathways can answer a question: every needed group used, no unsuitable one."""
    _, groups, unsuitable = QUESTION_KEY[template]
    picked = set(chosen or [])
    return all(picked & set(group) for group in groups) and not picked & set(unsuitable)


@check("p1_1_1__purposes", saved=_right_purposes)
def purposes(a, v):
    questions = _questions(v)
    if sorted(a.purposes) != sorted(q["id"] for q in questions):
        return zero("題號和你的問題清單不一致：請用你筆記本中的選擇器作答並儲存", "question ids differ")
    right = sum(a.purposes.get(q["id"]) == QUESTION_KEY[q["template"]][0] for q in questions)
    return _share_right(right, len(questions), need_full=5, need_half=4, what="的蒐集目的合理")


@check("p1_1_1__pathways", saved=_right_pathways)
def pathways(a, v):
    questions = _questions(v)
    if sorted(a.pathways) != sorted(q["id"] for q in questions):
        return zero("題號和你的問題清單不一致：請用你筆記本中的選擇器作答並儲存", "question ids differ")
    right = sum(pathways_sound(q["template"], a.pathways.get(q["id"])) for q in questions)
    return _share_right(
        right, len(questions), need_full=5, need_half=4, what="的數據途徑足以回答、且沒有放不適合的途徑"
    )


# -- P1.1.2: collecting by positioning ----------------------------------------------------------------
def positioning_facts(v: Variant) -> dict:
    """Return the focus category (our highest 2025 price index), its same-tier peers and its 2025 market growth."""
    comp = v.table("competitors")
    comp = comp[comp["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
    ours = comp[comp["company"].astype(str) == catalog.COMPANY["brand_zh"]].set_index("category")[
        "price_index"
    ]
    focus = str(ours.idxmax())
    rivals = comp[(comp["category"] == focus) & (comp["company"].astype(str) != catalog.COMPANY["brand_zh"])]
    peers = sorted(rivals.loc[(rivals["price_index"] - ours[focus]).abs() <= 10, "company"].astype(str))
    market = v.table("market_size")
    market = market[(market["year"] == 2025) & (market["category"].astype(str) == focus)]
    return {"focus_category": focus, "peers": peers, "market_growth": float(market["growth"].iloc[0])}


@check("p1_1_2__positioning")
def positioning(a, v):
    facts = v.derived("t1_1_positioning", positioning_facts)
    if a.focus_category != facts["focus_category"]:
        return zero(
            "focus_category 不是我們 2025 年價格指數最高的品類：請看 competitors 中好日子選物那幾列的 price_index",
            "wrong focus category",
        )
    peers_ok = sorted(map(str, a.peers)) == facts["peers"]
    growth_ok = abs(float(a.market_growth) - facts["market_growth"]) <= 5e-4
    if peers_ok and growth_ok:
        return full()
    if peers_ok:
        return partial(
            0.5,
            "同價位競爭者正確；market_growth 不對：請用 market_size 中該品類 2025 年的 growth（利基市場）",
            "peers right, growth wrong",
        )
    if growth_ok:
        return partial(
            0.5,
            "市場成長正確；peers 不對：同價位 = 2025 年同品類價格指數與我們相差 10 點以內的競爭者",
            "growth right, peers wrong",
        )
    return zero("peers 與 market_growth 都和你的資料不一致", "peers and growth wrong")


# -- P1.1.2: personal data (個資法 §5, §6, §19, §20) ----------------------------------------------------
def pseudonym(salt: str, member_id: str) -> str:
    """Return the course's pseudonym of a member: the first 16 hex digits of sha256(salt + member_id)."""
    return hashlib.sha256((salt + member_id).encode("utf-8")).hexdigest()[:16]


def marketing_members(members: pd.DataFrame) -> pd.Series:
    """Return a mask of members who may get marketing: consent, 行銷推播 among the purposes, no refusal."""
    return (
        members["marketing_consent"].fillna(False).astype(bool)
        & members["consent_purposes"].fillna("").astype(str).str.contains(MARKETING, regex=False)
        & members["marketing_opt_out_date"].isna()
    )


def _text(values: pd.Series) -> pd.Series:
    """Return values as text with missing ones as "" (pandas' string dtype keeps NaN, and NaN != NaN)."""
    return values.astype(object).where(values.notna(), "").astype(str)


def _keys_to_members(table: pd.DataFrame, salt: str, members: pd.DataFrame) -> dict[str, str]:
    lookup = {pseudonym(salt, str(m)): str(m) for m in members["member_id"]}
    return {k: lookup[k] for k in table["customer_key"].astype(str) if k in lookup}


@check("p1_1_2__consent_rows")
def consent_rows(a, v):
    members = v.table("members")
    table = a.customer_table
    keys = set(table["customer_key"].astype(str))
    unsalted = {hashlib.sha256(str(m).encode("utf-8")).hexdigest()[:16] for m in members["member_id"]}
    if keys & unsalted:
        return zero(
            "customer_key 是不加鹽的雜湊，可被字典攻擊還原：請用 sha256(SALT + member_id)", "unsalted keys"
        )
    mapped = _keys_to_members(table, a.SALT, members)
    if not mapped:
        return zero(
            "customer_key 無法用你的 SALT 對上任何會員：請用 sha256(SALT + member_id) 的前 16 碼",
            "keys unmatched",
        )
    allowed = set(members.loc[marketing_members(members), "member_id"].astype(str))
    opted_out = set(members.loc[members["marketing_opt_out_date"].notna(), "member_id"].astype(str))
    chosen = set(mapped.values())
    if chosen & opted_out:
        return zero(
            "名單中有已拒絕行銷的會員（個資法 §20 II）：請排除 marketing_opt_out_date 有值者", "opted out"
        )
    if chosen - allowed:
        return zero(
            "名單中有未同意「行銷推播」目的的會員（個資法 §19、§20 I）：請依 marketing_consent 與 consent_purposes 篩選",
            "members without marketing consent",
        )
    if chosen == allowed and len(keys) == len(mapped):
        return full()
    return partial(0.5, "名單都是可行銷的會員，但少了一部分：請勿加上其他篩選條件", "some members missing")


@check("p1_1_2__minimised")
def minimised(a, v):
    members = v.table("members")
    table = a.customer_table
    columns = [str(c) for c in table.columns]
    forbidden = [c for c in IDENTIFIERS if c in columns]
    if forbidden:
        return zero(
            f"請刪除識別資料或敏感個資欄位：{'、'.join(forbidden)}（個資法 §5、§6）", "identifiers kept"
        )
    cells = set(table.astype(str).to_numpy().ravel())
    for column in ("name", "national_id", "mobile", "email", "health_notes"):
        if cells & set(members[column].dropna().astype(str)):
            return zero(
                f"表格中仍有會員的 {column} 內容（個資法 §5、§6）：請刪除或改用假名", f"{column} leaked"
            )
    mapped = _keys_to_members(table, a.SALT, members)
    if not mapped:
        return zero("customer_key 無法用你的 SALT 對上你的會員：請先完成名單", "keys unmatched")
    by_id = members.set_index("member_id")
    rows = table.assign(_member=table["customer_key"].astype(str).map(mapped)).dropna(subset=["_member"])
    shared = [c for c in ("gender", "age_bracket", "city", "income_bracket", "education") if c in columns]
    if not shared:
        return zero(
            "表格沒有任何分析欄位（性別、年齡層、縣市…）：資料最小化不是把欄位刪光", "no analysis columns"
        )
    for column in shared:
        want = _text(by_id.loc[rows["_member"], column]).to_numpy()
        got = _text(rows[column]).to_numpy()
        if (want != got).mean() > 0.05:
            return zero(
                f"{column} 和你的會員資料對不上：請用你自己的 members 表產生名單", f"{column} differs"
            )
    extra = [c for c in columns if c not in ANALYSIS_COLUMNS]
    if extra:
        return partial(
            0.5,
            f"沒有識別資料，但多留了 {'、'.join(extra)}：只保留分析需要的欄位（個資法 §5 資料最小化）",
            "extra columns",
        )
    return full()


# -- P1.1.2: ad claims against the facts (公平交易法 §21, 食安法 §28 II, 化粧品法 §10 II, 個資法 §20 III) ----
@check("p1_1_2__ad_claims")
def ad_claims(a, v):
    truth = v.truth["ad_copy_labels"]
    copies = v.table("ad_copies")
    priced = set(copies.loc[copies["offer_id"].notna(), "copy_id"].astype(str))
    right = {cid for cid, labels in truth.items() if sorted(a.ad_labels.get(cid) or []) == sorted(labels)}
    share = len(right) / len(truth)
    # Price claims are judged on their own: flagging every 原價 (or none) must not pass on the other copies.
    price_share = len(right & priced) / len(priced) if priced else 1.0
    said = f"{len(truth)} 則中 {len(right)} 則正確，其中價格宣稱 {len(priced)} 則中 {len(right & priced)} 則"
    if share >= 0.9 and price_share >= 0.9:
        return full()
    hint = "價格宣稱要對照 price_history 與 offers 的事實，醫療效能看品類與字眼，直效訊息看拒收方式"
    if min(share, price_share) >= 0.75:
        return partial(0.5, f"{said}（各需 90% 以上）：{hint}", said)
    return zero(f"{said}：{hint}", said)


def _right_cases(v: Variant) -> dict:
    return {c["id"]: CASE_KEY[c["template"]] for c in _cases(v)}


@check("p1_1_2__law_cases", saved=_right_cases)
def law_cases(a, v):
    cases = _cases(v)
    if sorted(a.cases) != sorted(c["id"] for c in cases):
        return zero("案例編號和你的案例清單不一致：請用你筆記本中的案例板作答並儲存", "case ids differ")
    right = sum(a.cases.get(c["id"]) == CASE_KEY[c["template"]] for c in cases)
    if right >= len(cases) - 1:
        return full()
    if right >= len(cases) - 2:
        return partial(
            0.5, f"{len(cases)} 個案例中 {right} 個正確：再對照法條與罰則", f"{right}/{len(cases)}"
        )
    return zero(
        f"{len(cases)} 個案例中只有 {right} 個正確：請對照閱讀材料中的法條與罰則", f"{right}/{len(cases)}"
    )


def accessibility_issues(v: Variant) -> dict[str, list[str]]:
    """Return the images without alt text and the text elements below WCAG's 4.5:1 on the learner's page."""
    page = sources.shop_page(v.table("products"), v.table("orders"))
    images = page[page["kind"] == "image"]
    texts = page[page["kind"] == "text"]
    low = [
        str(row.element_id)
        for row in texts.itertuples()
        if sources.contrast_ratio(row.text_color, row.background_color) < MIN_CONTRAST
    ]
    missing = images.loc[images["alt_text"].fillna("").str.strip() == "", "element_id"].astype(str)
    return {"missing_alt": sorted(missing), "low_contrast": sorted(low)}


@check("p1_1_2__accessibility")
def accessibility(a, v):
    want = accessibility_issues(v)
    alt_ok = sorted(map(str, a.missing_alt)) == want["missing_alt"]
    contrast_ok = sorted(map(str, a.low_contrast)) == want["low_contrast"]
    if alt_ok and contrast_ok:
        return full()
    if alt_ok:
        return partial(
            0.5, "替代文字正確；對比不足的清單不對：請用 contrast_ratio，低於 4.5 的才算", "contrast wrong"
        )
    if contrast_ok:
        return partial(0.5, "對比正確；缺替代文字的清單不對：alt_text 為空字串的圖片", "alt wrong")
    return zero("兩份清單都和你的商品頁不一致：請用 sources.shop_page(...) 的資料", "both wrong")


# -- P1.1.3: history of traffic and sales ------------------------------------------------------------
def _as_str_index(s: pd.Series) -> pd.Series:
    out = s.copy()
    out.index = out.index.astype(str)
    return out.astype(float)


def monthly_sessions_of(v: Variant) -> pd.Series:
    g = v.table("ga4_events")[["event_date", "user_pseudo_id", "ga_session_id"]]
    month = g["event_date"].astype(str).str[:4] + "-" + g["event_date"].astype(str).str[4:6]
    sessions = g.assign(month=month).drop_duplicates(["month", "user_pseudo_id", "ga_session_id"])
    return sessions.groupby("month").size().sort_index()


@check("p1_1_3__monthly_sessions")
def monthly_sessions(a, v):
    want = v.derived("t1_1_monthly_sessions", monthly_sessions_of).astype(float)
    got = _as_str_index(a.monthly_sessions)
    if list(got.index) != list(want.index):
        return zero("月份不一致：請依 event_date 的月份（YYYY-MM）分組，由舊到新", "months differ")
    if ((got - want).abs() / want).max() <= 0.01:
        return full()
    return zero(
        "每月工作階段和你的資料不一致：一個工作階段是一組 (user_pseudo_id, ga_session_id)", "counts differ"
    )


def channel_sessions_of(v: Variant) -> pd.Series:
    from netmarketing.data.channels import default_channel_group

    g = v.table("ga4_events")
    starts = g[g["event_name"].astype(str) == "session_start"].drop_duplicates(
        ["user_pseudo_id", "ga_session_id"]
    )
    channel = default_channel_group(starts["source"], starts["medium"], starts["campaign"]).astype(str)
    return channel.value_counts()


@check("p1_1_3__channel_sessions")
def channel_sessions(a, v):
    want = v.derived("t1_1_channel_sessions", channel_sessions_of).astype(float)
    got = _as_str_index(a.channel_sessions)
    if set(got.index[:3]) != set(want.index[:3]):
        return zero(
            "前三大管道不一致：請只取 session_start 事件，並用 default_channel_group 分組",
            "top channels differ",
        )
    aligned = got.reindex(want.index).fillna(0)
    off = (aligned - want).abs() > np.maximum(2, 0.01 * want)
    if not off.any() and set(got.index) <= set(want.index):
        return full()
    return partial(
        0.5, "前三大管道正確，但部分管道的工作階段數不一致：每個工作階段只算一次", "some channels differ"
    )


def _keyed(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return a learner's table indexed by ``key`` as text, whether the key came as the index or a column."""
    out = table.set_index(key) if key in table.columns else table.copy()
    out.index = out.index.astype(str)
    return out


def monthly_sales_of(v: Variant) -> pd.DataFrame:
    orders = v.table("orders")
    done = orders[orders["status"].astype(str) == "completed"]
    return done.groupby(done["order_ts"].dt.strftime("%Y-%m")).agg(
        orders=("order_id", "count"), revenue=("revenue", "sum")
    )


@check("p1_1_3__monthly_sales")
def monthly_sales(a, v):
    want = v.derived("t1_1_monthly_sales", monthly_sales_of)
    got = _keyed(a.monthly_sales, "month")
    if list(got.index) != list(want.index):
        return zero("月份不一致：請依 order_ts 的月份（YYYY-MM）分組，由舊到新", "months differ")
    for column in ("orders", "revenue"):
        error = ((got[column].astype(float) - want[column]) / want[column]).abs().max()
        if error > 0.015:
            return zero(
                f"每月 {column} 和你的資料不一致：請只算 status 為 completed 的訂單", f"{column} differs"
            )
    return full()


def campaign_results_of(v: Variant) -> pd.DataFrame:
    crm = v.table("crm_campaigns")
    year = crm[pd.to_datetime(crm["send_date"]).dt.year == 2025]
    out = year.groupby(year["channel"].astype(str)).agg(
        sends=("campaign_id", "count"),
        delivered=("delivered", "sum"),
        opened=("opened", "sum"),
        clicked=("clicked", "sum"),
        orders=("orders", "sum"),
        revenue=("revenue", "sum"),
    )
    out["open_rate"] = out["opened"] / out["delivered"]
    out["click_rate"] = out["clicked"] / out["delivered"]
    return out


@check("p1_1_3__campaign_results")
def campaign_results(a, v):
    want = v.derived("t1_1_campaign_results", campaign_results_of)
    got = _keyed(a.campaign_results, "channel")
    if sorted(got.index) != sorted(want.index):
        return zero("索引應為管道（line、email），每個管道一列", "channels differ")
    got = got.reindex(want.index)
    wrong = [
        column
        for column in ("sends", "delivered", "orders", "revenue", "open_rate", "click_rate")
        if ((got[column].astype(float) - want[column]) / want[column].where(want[column] != 0, 1)).abs().max()
        > 0.005
    ]
    if not wrong:
        return full()
    if len(wrong) <= 2:
        return partial(
            0.5,
            f"{'、'.join(wrong)} 和你的資料不一致：只取 2025 年發送、比率以 delivered 為分母",
            "some differ",
        )
    return zero(
        "成效表和你的資料不一致：請只取 send_date 在 2025 年的發送，依 channel 彙總", "results differ"
    )


# -- P1.1.2: data quality ---------------------------------------------------------------------------
def _planted_counts(v: Variant) -> dict[str, int]:
    return {kind: int(info["count"]) for kind, info in v.truth["defects"].items()}


def count_ok(got: int, want: int) -> bool:
    """Return whether a learner's count of affected rows is close enough to the planted count."""
    return abs(int(got) - want) <= max(2, 0.1 * want)


@check("p1_1_2__audit_issues", saved=_planted_counts)
def audit_issues(a, v):
    planted = _planted_counts(v)
    found = {k: int(n) for k, n in a.found.items() if int(n) > 0}
    missed = set(planted) - set(found)
    false = set(found) - set(planted)
    counts_off = [k for k in set(found) & set(planted) if not count_ok(found[k], planted[k])]
    errors = len(missed) + len(false)
    if errors == 0 and not counts_off:
        return full()
    detail = f"漏列 {len(missed)} 種、誤判 {len(false)} 種、筆數不符 {len(counts_off)} 種"
    if errors + len(counts_off) <= 1:
        return partial(0.5, f"稽核結果差一點（{detail}）：每一種都要用資料證明並數清楚", detail)
    return zero(f"稽核結果和你的資料不一致（{detail}）：請逐項用程式檢查，沒有證據就不要記錄", detail)


def _naive(stamps: pd.Series) -> pd.Series:
    """Return timestamps without their time zone (the wall-clock time as recorded)."""
    return stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps


CITY_FIXES = {"台北市": "臺北市", "台中市": "臺中市", "台南市": "臺南市", "台東縣": "臺東縣"}


@check("p1_1_2__cleaned_orders")
def cleaned_orders(a, v):
    raw = v.table("orders")
    defects = v.truth["defects"]
    clean = a.orders_clean
    ids = clean["order_id"].astype(str)
    if not ids.is_unique:
        return zero("orders_clean 仍有重複的 order_id：請刪除整列重複的訂單", "duplicates kept")
    tests = set(defects.get("test_orders", {}).get("ids", []))
    want = set(raw["order_id"].astype(str)) - tests
    got = set(ids)
    if got & tests:
        return zero("orders_clean 仍有測試訂單：請刪除 member_id 為 'TEST' 的訂單", "test orders kept")
    if got != want:
        return zero(
            "orders_clean 的訂單和你的資料不一致：只刪重複與測試訂單，缺縣市的訂單要保留", "rows differ"
        )
    problems = []
    if clean["city"].dropna().astype(str).isin(list(CITY_FIXES)).any():
        problems.append("縣市仍有「台」字寫法")
    before = _naive(raw.drop_duplicates("order_id").set_index("order_id")["order_ts"])
    after = _naive(pd.to_datetime(clean.set_index(ids)["order_ts"])).reindex(before.index)
    moved = (after - before).abs() > pd.Timedelta(minutes=1)
    shifted = set(defects.get("timezone_shift", {}).get("ids", []))
    back = ((after - before - pd.Timedelta(hours=8)).abs() <= pd.Timedelta(minutes=1)) & moved
    # Orders shifted into the previous month by the UTC error (the 1st, before 08:00) may be missed.
    if set(moved[moved].index) - shifted:
        problems.append("改動了不在時區錯置那個平台月份的訂單時間")
    elif shifted and back[list(shifted)].mean() < 0.9:
        problems.append("時區錯置的訂單沒有加回 8 小時")
    if not problems:
        return full()
    return partial(0.5, f"訂單列正確，但{'；'.join(problems)}", "fixes missing")


@check("p1_1_2__untracked_orders")
def untracked_orders(a, v):
    want = set(v.truth["website_orders_untracked"])
    got = set(map(str, a.untracked))
    if got == want:
        return full()
    tests = set(v.truth["defects"].get("test_orders", {}).get("ids", []))
    if got - want and (got - want) <= tests:
        return partial(0.5, "多了測試訂單：測試訂單不是真實交易，GA4 本來就不會有", "test orders included")
    if len(got ^ want) <= max(1, 0.1 * len(want)):
        return partial(
            0.5, "大致正確，但有幾筆不一致：請用 transaction_id 對照 GA4 的 purchase 事件", "a few differ"
        )
    return zero(
        "清單和你的資料不一致：找出官網訂單中，transaction_id 不在 GA4 purchase 事件裡的訂單",
        "untracked differ",
    )
