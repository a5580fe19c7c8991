"""Build course/01_market_analysis/t1_2_position_market_and_segments.ipynb (T1.2, P1.2.1-P1.2.4, O1.2.1).

Run: ``.venv/bin/python course/_build/build_t1_2.py``

The notebook is an nbgrader source notebook: solution regions, hidden tests,
locked cells and graded cells; written without outputs. Hidden tests never
trust the learner's tables: they rebuild every expected value from the
learner's own variant (``learner.load`` under the identity the autograder
sets) and the truth manifest, so numbers copied from someone else fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from nbcells import NotebookBuilder

COURSE = Path(__file__).resolve().parents[1]
NOTEBOOK = COURSE / "01_market_analysis" / "t1_2_position_market_and_segments.ipynb"

# Shared prelude of every hidden-test region: recompute from the learner's own variant.
H = '''
### BEGIN HIDDEN TESTS
import numpy as _np
import pandas as _pd
from netmarketing import learner as _L
from netmarketing.data.catalog import COMPANY as _CO


_H_CACHE = globals().setdefault("_H_CACHE", {})


def _h_orders():
    """Recompute the cleaned completed orders: no duplicate rows, no test orders."""
    key = ("orders", _L.learner_id())
    if key not in _H_CACHE:
        o = _L.load("orders").drop_duplicates("order_id")
        o = o[o["member_id"].astype("object").fillna("").ne("TEST").to_numpy()]
        _H_CACHE[key] = o[(o["status"] == "completed").to_numpy()]
    return _H_CACHE[key].copy()


def _h_sales():
    """Recompute completed sales lines with category, year and month from the raw tables."""
    key = ("sales", _L.learner_id())
    if key not in _H_CACHE:
        _H_CACHE[key] = _h_sales_uncached()
    return _H_CACHE[key].copy()


def _h_sales_uncached():
    o = _h_orders()
    s = _L.load("order_items").merge(o[["order_id", "order_ts", "platform", "member_id"]], on="order_id")
    s = s.merge(_L.load("products")[["sku", "category"]], on="sku")
    s["category"] = s["category"].astype(str)
    s["year"] = s["order_ts"].dt.year
    s["month"] = s["order_ts"].dt.month
    return s


def _h_num(x):
    """Return a float Series with string index (learners may use categorical or int labels)."""
    return _pd.Series(x).rename(index=str).astype(float).sort_index()


def _h_close(a, b, rtol=1e-6, atol=1e-9):
    a, b = _h_num(a), _h_num(b)
    return list(a.index) == list(b.index) and bool(_np.allclose(a.to_numpy(), b.to_numpy(), rtol=rtol, atol=atol))


def _h_truth():
    from netmarketing.grading.hidden import my_truth

    return my_truth()
'''
H_END = "\n### END HIDDEN TESTS"


def hidden(body: str, doc: str) -> str:
    """Return a test cell source: a one-line docstring, then the hidden prelude and asserts."""
    import textwrap

    return (
        f'"""{doc}"""\n' + textwrap.dedent(H).strip("\n") + "\n" + textwrap.dedent(body).strip("\n") + H_END
    )


def header(nb: NotebookBuilder) -> None:
    nb.md(
        """
        # T1.2 定位市場與客群（Positioning the market and customer segments）

        | 項目 | 內容 |
        |---|---|
        | 職能基準 | 網路行銷企劃主管 KMC2431-008v1，級別 4 |
        | 主要職責 | T1 市場分析 |
        | 工作任務 | **T1.2 定位市場與客群** |
        | 行為指標 | **P1.2.1** 使用適切的分析方法，進行資料的統計及分析<br>**P1.2.2** 找出組織內部經營的優勢與劣勢，以決定行銷標的物之市場定位<br>**P1.2.3** 歸納組織優勢與劣勢及所面對之機會與威脅，確認競爭策略並找出相對優勢行銷標的物<br>**P1.2.4** 依產品市場定位，找出潛在客群並確認其偏好與需求 |
        | 工作產出 | **O1.2.1 分析報告**（本筆記本第 5 節） |
        | 知識 | K02 組織政策與流程、K06 網路行銷概論、K08 統計方法、K09 組織產品與競品分析、K10 消費者行為模式 |
        | 技能 | S02 資料分析能力、S03 數據統計與分析能力、S04 市場定位能力、S05 客群分析能力 |
        | 預估時間 | 約 4 小時（建議分兩次：第 1–2 節、第 3–5 節） |

        **本筆記本的結構**

        1. 統計分析：敘述統計、年增率、季節性、顯著性檢定（P1.2.1）
        2. 內部優勢與劣勢、市場定位圖（P1.2.2）
        3. SWOT 與 TOWS 競爭策略、相對優勢商品（P1.2.3）
        4. RFM 分群、客群輪廓與偏好（P1.2.4）
        5. 分析報告 O1.2.1

        **怎麼作答**

        - 每個練習前都有一個「範例」（worked example），先執行、看懂，再做練習。
        - 把練習格中的 `raise NotImplementedError()` 換成你的程式碼；鎖定的格子（灰色、不能編輯）請直接執行。
        - 每個練習後面有「自我檢查」：✅ 表示通過，❌ 會告訴你哪一個行為指標、該修正什麼。
        - 正式成績由**隱藏測試**（hidden tests）決定：它們用**你自己的資料版本**重新計算答案。
          每位學員的數字都不一樣，所以請用程式計算，不要把數字直接打進去。
        - 文字題（📝）由講師依評分規準（rubric）評分。
        """
    )
    nb.md(
        """
        ## 情境：好日子選物的 2027 年規劃

        你是 **好日子生活選物股份有限公司**（品牌「好日子選物」）的網路行銷企劃主管。公司自 2016 年起經營
        官方網站、行動 APP 與 LINE 官方帳號商店，也在 momo購物網、蝦皮購物、PChome 24h 開設賣場，販售五大類商品：
        美妝保養、保健食品、居家生活、3C配件、服飾。

        總經理在 2027 年度計畫會議前，請你回答三個問題：

        1. 過去的銷售有什麼規律？哪些差異是真的，哪些只是隨機波動？
        2. 我們在哪一類商品有優勢、哪一類是弱點？哪一類應該當作主打的**行銷標的物**（marketing target）？
        3. 主打商品要賣給誰？這群人有什麼偏好與需求？

        你的結論要寫成一份**分析報告**（O1.2.1），它會是下一個模組 T2 年度行銷計畫的依據。
        """
    )


SETUP = """
from netmarketing import learner

LEARNER_ID = learner.learner_id()
print("學員：", LEARNER_ID)
learner.whoami()
print("圖表字型：", learner.setup_charts())

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats

from netmarketing.learner import widgets
from netmarketing.learner.selfcheck import check, check_close, check_columns

warnings.filterwarnings("ignore", category=FutureWarning)
pd.set_option("display.float_format", "{:,.3f}".format)
"""

LOAD = """
orders = learner.load("orders")
order_items = learner.load("order_items")
products = learner.load("products")
members = learner.load("members")
market_size = learner.load("market_size")
competitors = learner.load("competitors")
survey = learner.load("survey_responses")
crm = learner.load("crm_campaigns")
for name, table in {"orders": orders, "order_items": order_items, "products": products, "members": members,
                     "market_size": market_size, "competitors": competitors, "survey_responses": survey,
                     "crm_campaigns": crm}.items():
    print(f"{name:18s} {len(table):>8,} 列  欄位：{', '.join(map(str, table.columns[:8]))}{' …' if table.shape[1] > 8 else ''}")
"""

PREP = """
# T1.1 的資料清理：去除重複的訂單列與測試訂單（member_id 為 TEST）。
orders = orders.drop_duplicates("order_id")
orders = orders[orders["member_id"].astype("object").fillna("").ne("TEST").to_numpy()]

# 只分析「已完成」的訂單：取消與退貨不是實際營收。
completed = orders[(orders["status"] == "completed").to_numpy()].copy()
completed["year"] = completed["order_ts"].dt.year
completed["month"] = completed["order_ts"].dt.month

# 明細層級的銷售表：每一列是一筆訂單中的一項商品，帶有商品類別、年、月。
sales = order_items.merge(completed[["order_id", "order_ts", "platform", "member_id"]], on="order_id")
sales = sales.merge(products[["sku", "category", "category_zh"]], on="sku")
sales["category"] = sales["category"].astype(str)
sales["year"] = sales["order_ts"].dt.year
sales["month"] = sales["order_ts"].dt.month
CATEGORY_ZH = dict(zip(products["category"].astype(str), products["category_zh"]))
BRAND = "好日子選物"  # competitors 表中代表我們自己的公司名稱
ANALYSIS_DATE = pd.Timestamp("2026-11-01", tz="Asia/Taipei")  # 資料截止日的隔天，用來算「距今天數」
print("完成訂單：", f"{len(completed):,}", "筆；銷售明細：", f"{len(sales):,}", "列")
print("資料期間：", completed["order_ts"].min().date(), "～", completed["order_ts"].max().date())
sales.head()
"""


def section_data(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ## 0. 準備：載入工具與你的資料

        下一格會顯示你的學員代號（learner id）與資料版本，並設定圖表的中文字型。**請保留這一格的輸出**，
        批改時會用它確認作業是你本人的。
        """
    )
    nb.locked(SETUP, "t1_2_setup")
    nb.md(
        """
        這次用到的資料表（data tables），完整說明見 `datasets/README.md`：

        | 資料表 | 內容 | 主要欄位 |
        |---|---|---|
        | `orders` | 後台訂單（back-office orders） | order_id、platform、member_id、order_ts、status、revenue、cost_of_goods |
        | `order_items` | 訂單明細 | order_id、sku、quantity、item_revenue、item_cost |
        | `products` | 商品主檔 | sku、category、category_zh、price、unit_cost |
        | `members` | 會員資料（CRM） | member_id、gender、age_bracket、education、income_bracket、city |
        | `market_size` | 市場規模（market size） | 各商品類別的年度市場規模 |
        | `competitors` | 競爭者（competitors）資料 | 競爭者在各類別的營收、價格等 |
        | `survey_responses` | 顧客問卷（survey） | 受訪者屬性、偏好與需求 |
        | `crm_campaigns` | LINE 與電子報活動成效 | channel、send_date、sent、opened、clicked、orders |
        """
    )
    nb.locked(LOAD, "t1_2_load")
    nb.md(
        """
        資料和真實世界一樣不完美。下一格先套用你在 T1.1 學過的清理：刪除**重複的訂單列**與**測試訂單**
        （`member_id` 為 `TEST`、金額 1 元）。接著做一張共用的**銷售明細表** `sales`：只保留狀態為 `completed`
        的訂單，把商品類別接上去，並加上年（`year`）與月（`month`）。
        後面的練習都從 `completed`（訂單層級）或 `sales`（商品明細層級）開始，隱藏測試也用同樣的清理規則。
        """
    )
    nb.locked(PREP, "t1_2_prep")


# --------------------------------------------------------------------------------------
# Section 1: P1.2.1 statistics
# --------------------------------------------------------------------------------------


def section_statistics(nb: NotebookBuilder, significance) -> None:
    nb.md(
        """
        ---
        ## 1. 使用適切的統計方法（P1.2.1）

        「適切」的意思是：**方法要配合問題與資料**。

        | 問題 | 適切的方法 |
        |---|---|
        | 一般顧客一次買多少？ | 敘述統計（descriptive statistics）：平均數、**中位數**、分位數；金額通常右偏，中位數較穩健 |
        | 今年比去年好嗎？ | 年增率（year-on-year growth, YoY）：**同期**比較，不完整的年度只能跟去年同期比 |
        | 哪幾個月是旺季？ | 季節指數（seasonal index）：各月平均 ÷ 全部月份平均，只用完整年度 |
        | 兩組的轉換率差異是真的嗎？ | 比例的差異檢定：**雙比例 z 檢定**（two-proportion z-test）或**卡方檢定**（chi-square test） |

        ### 1.1 敘述統計（descriptive statistics）

        **範例**：完成訂單的客單價（每筆訂單金額 `revenue`）分布，以及各付款方式（`payment_method`）的比較。
        注意平均數（mean）比中位數（median）大很多：少數大額訂單把平均拉高了，這就是**右偏**（right-skewed）分布。
        """
    )
    nb.code(
        """
        print(completed["revenue"].describe().round(0))

        by_payment = completed.groupby("payment_method")["revenue"].agg(orders="count", mean="mean", median="median")
        by_payment.sort_values("orders", ascending=False).round(0)
        """
    )
    nb.md(
        """
        **練習 1.1**：用同樣的方法，算出**各銷售平台**（`platform`）完成訂單的筆數、平均客單價與客單價中位數。
        結果存成 `platform_stats`：索引（index）是平台代碼，三個欄位依序為 `orders`、`mean`、`median`。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        platform_stats = completed.groupby("platform")["revenue"].agg(orders="count", mean="mean", median="median")
        ### END SOLUTION
        platform_stats.sort_values("orders", ascending=False)
        """,
        "t1_2_platform_stats_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.1）
        check_columns(platform_stats, ["orders", "mean", "median"], indicator="P1.2.1")
        check(lambda: set(platform_stats.index) == set(completed["platform"].unique()), indicator="P1.2.1",
              ok="每個平台各一列", fix="platform_stats 應以 platform 分組（groupby），每個平台一列")
        check(lambda: platform_stats["orders"].sum() == len(completed), indicator="P1.2.1",
              ok="訂單數合計等於完成訂單數", fix="orders 合計應等於完成訂單數：只用 completed 這張表")
        check(lambda: (platform_stats["mean"] >= platform_stats["median"]).mean() >= 0.5, indicator="P1.2.1",
              ok="多數平台平均數 ≥ 中位數（右偏分布）", fix="mean 與 median 是否放反了？")
        """
    )
    nb.tests(
        hidden(
            """
            _o = _h_orders()
            _exp = _o.groupby("platform")["revenue"].agg(orders="count", mean="mean", median="median")
            assert set(map(str, platform_stats.index)) == set(_exp.index), "platform_stats 的平台與你的資料不符"
            for _c in ["orders", "mean", "median"]:
                assert _h_close(platform_stats[_c], _exp[_c], rtol=1e-4), f"platform_stats 的 {_c} 與你的資料重新計算的結果不符"
            """,
            "檢查 P1.2.1：各平台完成訂單數、平均客單價與中位數。",
        ),
        "p1_2_1__platform_stats",
        points=2,
        indicator="P1.2.1",
    )

    nb.md(
        """
        ### 1.2 年增率（year-on-year growth）

        年增率 = 今年 ÷ 去年 − 1。資料期間是 2024 年 1 月到 2026 年 10 月，所以：

        - 2025 年對 2024 年：兩個**完整年度**，可以直接比；
        - 2026 年只有 1–10 月，**不能**拿來跟 2025 全年比（一定「衰退」），要跟 2025 年 **1–10 月**比，
          這叫**同期比較**（year-to-date, YTD）。

        **範例**：全公司的年營收與年增率（用商品明細金額 `item_revenue`）。
        """
    )
    nb.code(
        """
        yearly = sales.groupby("year")["item_revenue"].sum()
        print(yearly)
        print(f"2025 年增率：{yearly[2025] / yearly[2024] - 1:+.1%}")
        print(f"錯誤示範：2026（只有 1–10 月）對 2025 全年：{yearly[2026] / yearly[2025] - 1:+.1%}  ← 不能這樣比")

        jan_oct = sales[sales["month"] <= 10].groupby("year")["item_revenue"].sum()
        print(f"正確：2026 年 1–10 月對 2025 年 1–10 月：{jan_oct[2026] / jan_oct[2025] - 1:+.1%}")
        """
    )
    nb.md(
        """
        **練習 1.2**：以商品類別（`category`）為單位計算：

        - `yoy_growth`：每個類別 **2025 年對 2024 年**的年增率（Series，索引是類別代碼，值是小數，例如 0.12 代表 +12%）；
        - `ytd_growth`：每個類別 **2026 年 1–10 月對 2025 年 1–10 月**的同期年增率（同樣格式）。

        提示：`sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")`
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        by_year = sales.pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
        yoy_growth = by_year[2025] / by_year[2024] - 1
        ytd = sales[sales["month"] <= 10].pivot_table(index="category", columns="year", values="item_revenue", aggfunc="sum")
        ytd_growth = ytd[2026] / ytd[2025] - 1
        ### END SOLUTION
        pd.DataFrame({"yoy_growth": yoy_growth, "ytd_growth": ytd_growth}).style.format("{:+.1%}")
        """,
        "t1_2_growth_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.1）
        check(lambda: len(yoy_growth) == 5 and len(ytd_growth) == 5, indicator="P1.2.1",
              ok="五個類別都有年增率", fix="yoy_growth 與 ytd_growth 應各有 5 個類別")
        check(lambda: yoy_growth.abs().max() < 5, indicator="P1.2.1", ok="年增率是小數（0.12 = 12%）",
              fix="年增率請用小數表示（今年 ÷ 去年 − 1），不要乘以 100")
        check(lambda: (ytd_growth > -0.5).all(), indicator="P1.2.1", ok="同期比較看起來合理",
              fix="ytd_growth 有類別衰退超過 50%：是不是拿 2026 年 1–10 月去和 2025 全年比了？")
        """
    )
    nb.tests(
        hidden(
            """
            _s = _h_sales()
            _y = _s.groupby(["category", "year"])["item_revenue"].sum().unstack()
            assert _h_close(yoy_growth, _y[2025] / _y[2024] - 1, rtol=1e-4), "yoy_growth 與你的資料重新計算的 2025 對 2024 年增率不符"
            _t = _s[_s["month"] <= 10].groupby(["category", "year"])["item_revenue"].sum().unstack()
            assert _h_close(ytd_growth, _t[2026] / _t[2025] - 1, rtol=1e-4), "ytd_growth 應為 2026 年 1–10 月對 2025 年 1–10 月（同期比較）"
            """,
            "檢查 P1.2.1：各類別年增率與同期年增率。",
        ),
        "p1_2_1__growth",
        points=2,
        indicator="P1.2.1",
    )

    nb.md(
        """
        ### 1.3 季節性（seasonality）

        **季節指數**（seasonal index，簡單平均法）：

        1. 只用**完整年度**（2024、2025）的每月營收；
        2. 每個月份（1–12 月）在兩年的平均；
        3. 除以這 24 個月的整體月平均。指數 1.30 表示該月比平均月份高 30%。

        **範例**：先畫出每月營收，用眼睛找規律（圖的標題與座標軸都用中文）。
        """
    )
    nb.code(
        """
        monthly = sales.groupby(["year", "month"])["item_revenue"].sum().reset_index()
        fig, ax = plt.subplots(figsize=(9, 3.5))
        sns.lineplot(data=monthly, x="month", y="item_revenue", hue="year", marker="o", palette="tab10", ax=ax)
        ax.set(title="每月營收（依年份）", xlabel="月份", ylabel="營收（新臺幣）", xticks=range(1, 13))
        ax.legend(title="年份")
        plt.show()
        """
    )
    nb.md(
        """
        **練習 1.3**：計算 `seasonal_index`（Series，索引為月份 1–12 的整數），以及旺季月份 `peak_month`（整數）。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        full_years = monthly[monthly["year"].isin([2024, 2025])]
        seasonal_index = full_years.groupby("month")["item_revenue"].mean() / full_years["item_revenue"].mean()
        peak_month = int(seasonal_index.idxmax())
        ### END SOLUTION
        print("旺季月份：", peak_month)
        seasonal_index.round(2)
        """,
        "t1_2_seasonality_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.1）
        check(lambda: sorted(int(m) for m in seasonal_index.index) == list(range(1, 13)), indicator="P1.2.1",
              ok="12 個月份都有指數", fix="seasonal_index 的索引應是 1 到 12 月")
        check(lambda: abs(seasonal_index.mean() - 1) < 0.01, indicator="P1.2.1", ok="季節指數平均為 1",
            fix="季節指數的平均應為 1：分母是 24 個月的整體月平均，且只用 2024、2025 兩個完整年度")
        check(lambda: isinstance(peak_month, (int, np.integer)) and 1 <= peak_month <= 12, indicator="P1.2.1",
              ok="peak_month 是月份整數", fix="peak_month 應為 1–12 的整數，例如 int(seasonal_index.idxmax())")

        fig, ax = plt.subplots(figsize=(8, 3))
        sns.barplot(x=seasonal_index.index.astype(int), y=seasonal_index.to_numpy(), color="#4C72B0", ax=ax)
        ax.axhline(1, color="gray", linestyle="--")
        ax.set(title="季節指數（2024–2025）", xlabel="月份", ylabel="季節指數（1 = 平均月份）")
        plt.show()
        """
    )
    nb.tests(
        hidden(
            """
            _m = _h_sales().groupby(["year", "month"])["item_revenue"].sum().reset_index()
            _m = _m[_m["year"].isin([2024, 2025])]
            _exp = _m.groupby("month")["item_revenue"].mean() / _m["item_revenue"].mean()
            _got = _pd.Series(seasonal_index)
            _got.index = [int(i) for i in _got.index]
            assert _h_close(_got, _exp, rtol=1e-3), "seasonal_index 與你的資料重新計算的季節指數不符（只用 2024、2025 完整年度）"
            assert int(peak_month) == int(_exp.idxmax()), "peak_month 不是季節指數最高的月份"
            """,
            "檢查 P1.2.1：季節指數與旺季月份。",
        ),
        "p1_2_1__seasonality",
        points=2,
        indicator="P1.2.1",
    )
    significance(nb)


SIG_HIDDEN = """
_c = _L.load("crm_campaigns")
_c = _c[_pd.to_datetime(_c["send_date"]).dt.year == 2025]
_g = _c.groupby(_c["channel"].astype(str))[["orders", "clicked"]].sum()
_exp = _pd.DataFrame({"converted": _g["orders"], "not_converted": _g["clicked"] - _g["orders"]}).loc[["line", "email"]]
_got = _pd.DataFrame(conv_table).rename(index=str)
assert list(_got.columns[:2]) == ["converted", "not_converted"], "conv_table 的欄位應為 converted、not_converted"
assert _np.allclose(_got.loc[["line", "email"], ["converted", "not_converted"]].to_numpy(float), _exp.to_numpy(float)), "conv_table 與你的資料（2025 年 LINE 與電子報的點擊與訂單）不符"
from scipy import stats as _st
_p = [_st.chi2_contingency(_exp.to_numpy(), correction=_k)[1] for _k in (False, True)]
assert str(test_choice).strip().upper() == "B", "比較兩組的比例（轉換率），應選雙比例 z 檢定或卡方檢定"
assert any(abs(float(p_value) - _x) <= 1e-6 + 1e-3 * _x for _x in _p), "p_value 與依你的資料做雙比例 z 檢定／卡方檢定的結果不符"
assert bool(significant) in {_x < 0.05 for _x in _p}, "significant 應依 α = 0.05 判斷：p < 0.05 才是顯著"
"""


def section_significance(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ### 1.4 顯著性檢定（significance test）

        行銷上常問：「A 組的轉換率比 B 組高，是真的比較好，還是運氣？」這就是**假設檢定**（hypothesis testing）：

        - **虛無假設** H0：兩組的轉換率相同；**對立假設** H1：兩組不同。
        - **p 值**（p-value）：如果 H0 為真，看到至少這麼大差異的機率。p < 顯著水準 α（通常 0.05）→ 拒絕 H0，差異**顯著**。
        - 選方法要看資料型態：比較**兩組的比例**（轉換率 = 轉換人數 ÷ 人數）用**雙比例 z 檢定**或 2×2 **卡方檢定**
          （兩者在不做連續性校正時 p 值相同）；比較兩組的**平均數**（例如客單價）才用 t 檢定。
        - 顯著不等於重要：樣本很大時，很小的差異也會顯著，要同時看差異的大小（效果量）。

        **範例**：電子報 A/B 測試，A 版 2,400 人點擊、120 人下單；B 版 2,500 人點擊、150 人下單。
        """
    )
    nb.code(
        """
        ab = pd.DataFrame({"converted": [120, 150], "not_converted": [2400 - 120, 2500 - 150]}, index=["A", "B"])
        rates = ab["converted"] / ab.sum(axis=1)
        print("轉換率：", rates.round(4).to_dict())

        # 方法一：卡方檢定（不做連續性校正）
        chi2, p_chi2, dof, expected = stats.chi2_contingency(ab.to_numpy(), correction=False)

        # 方法二：雙比例 z 檢定（合併比例算標準誤）
        n = ab.sum(axis=1)
        pooled = ab["converted"].sum() / n.sum()
        z = (rates["A"] - rates["B"]) / np.sqrt(pooled * (1 - pooled) * (1 / n["A"] + 1 / n["B"]))
        p_z = 2 * stats.norm.sf(abs(z))
        print(f"卡方 p = {p_chi2:.4f}；z = {z:.3f}，z 檢定 p = {p_z:.4f}（兩者相同）")
        print("結論：", "差異顯著" if p_chi2 < 0.05 else "差異不顯著（可能只是隨機波動）", "（α = 0.05）")
        """
    )
    nb.md(
        """
        **練習 1.4**：總經理想知道「LINE 推播和電子報，哪一個點擊後比較會下單？」。用 `crm_campaigns`（已載入為 `crm`）
        中 **2025 年寄送**（`send_date`）的活動：

        1. `test_choice`：下列哪一種方法適合？填代號（字串）：
           `"A"` 獨立樣本 t 檢定（比較兩組平均數）、`"B"` 雙比例 z 檢定或卡方檢定（比較兩組比例）、
           `"C"` 配對 t 檢定、`"D"` 皮爾森相關係數；
        2. `conv_table`：2×2 表，索引依序是 `"line"`、`"email"`，欄位是 `converted`（訂單數 `orders` 合計）與
           `not_converted`（點擊數 `clicked` 合計 − 訂單數合計）；
        3. `p_value`：檢定的 p 值；`significant`：在 α = 0.05 下是否顯著（`True`/`False`）。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        test_choice = "B"
        crm25 = crm[crm["send_date"].dt.year == 2025]
        totals = crm25.groupby("channel", observed=True)[["orders", "clicked"]].sum()
        conv_table = pd.DataFrame({"converted": totals["orders"], "not_converted": totals["clicked"] - totals["orders"]})
        conv_table = conv_table.loc[["line", "email"]]
        chi2, p_value, dof, expected = stats.chi2_contingency(conv_table.to_numpy(), correction=False)
        significant = bool(p_value < 0.05)
        ### END SOLUTION
        print("點擊後轉換率：", (conv_table["converted"] / conv_table.sum(axis=1)).round(4).to_dict())
        print(f"p 值 = {p_value:.4g}，顯著：{significant}")
        """,
        "t1_2_significance_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.1）
        check(lambda: str(test_choice).upper() in {"A", "B", "C", "D"}, indicator="P1.2.1", ok="已選擇方法",
              fix="test_choice 請填 'A'、'B'、'C' 或 'D'")
        check_columns(conv_table, ["converted", "not_converted"], indicator="P1.2.1")
        check(lambda: list(conv_table.index.astype(str)) == ["line", "email"], indicator="P1.2.1", ok="兩組依序是 line、email",
              fix="conv_table 的索引應依序為 'line'、'email'（可用 .loc[['line', 'email']]）")
        check(lambda: 0 <= float(p_value) <= 1, indicator="P1.2.1", ok="p 值介於 0 與 1", fix="p_value 應是 0 到 1 之間的機率")
        check(lambda: bool(significant) == (float(p_value) < 0.05), indicator="P1.2.1", ok="顯著與否的判斷和 p 值一致",
              fix="significant 應為 p_value < 0.05")
        """
    )
    nb.tests(
        hidden(SIG_HIDDEN, "檢查 P1.2.1：方法選擇、2×2 表、p 值與顯著性判斷。"),
        "p1_2_1__significance_test",
        points=3,
        indicator="P1.2.1",
    )
    nb.md(
        """
        📝 **練習 1.5（文字題，P1.2.1）**：用 3–5 句話向總經理解釋這個檢定（不要用公式）：

        1. 為什麼選這個方法（資料是什麼型態、比較的是什麼）；
        2. 結果：兩個通路的轉換率各是多少、差多少，p 值代表什麼，顯著或不顯著；
        3. 這個結果**不能**說明什麼（例如：兩個通路寄給的名單不同、訂單歸因方式），以及下一步可以怎麼驗證（例如隨機分組的 A/B 測試）。
        """
    )
    nb.written(
        """
        **參考答案（講師版）**：我們比較的是「點擊後有沒有下單」這種是／否的資料，問題是兩個通路的**比例**是否不同，
        所以用雙比例 z 檢定（等同 2×2 卡方檢定），而不是比較平均數的 t 檢定。2025 年 LINE 與電子報點擊後的轉換率
        分別約為 x% 與 y%，p 值為 p：若 H0（兩者相同）為真，看到這麼大差異的機率只有 p，小於 0.05，所以差異顯著
        （或：大於 0.05，不能排除只是隨機波動）。但兩個通路寄送的名單與時間不同，訂單也依最後點擊歸因，所以這不是
        因果結論；下一步應在同一批會員中隨機分組做 A/B 測試，再決定預算分配。
        """,
        "p1_2_1__test_interpretation",
        points=3,
        indicator="P1.2.1",
        rubric="test_interpretation",
    )


# --------------------------------------------------------------------------------------
# Section 2: P1.2.2 strengths, weaknesses, market position
# --------------------------------------------------------------------------------------

METRICS_SOLUTION = """
### BEGIN SOLUTION
s25 = sales[sales["year"] == 2025]
revenue_2025 = s25.groupby("category")["item_revenue"].sum()
gross_margin = 1 - s25.groupby("category")["item_cost"].sum() / revenue_2025

m25 = market_size[market_size["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
m25 = m25.set_index("category")
market_share = revenue_2025 / m25["market_revenue"].reindex(revenue_2025.index)
market_growth = m25["growth"].reindex(revenue_2025.index)

rivals = competitors[(competitors["year"] == 2025) & (competitors["company"] != BRAND)]
top_rival = rivals.assign(category=rivals["category"].astype(str)).groupby("category")["revenue"].max()
relative_share = revenue_2025 / top_rival.reindex(revenue_2025.index)

member_sales = sales.dropna(subset=["member_id"])
orders_per_buyer = member_sales.groupby(["category", "member_id"])["order_id"].nunique()
repeat_rate = (orders_per_buyer >= 2).groupby(level="category").mean()

category_metrics = pd.DataFrame({
    "revenue_2025": revenue_2025,
    "growth": yoy_growth,
    "gross_margin": gross_margin,
    "market_share": market_share,
    "relative_share": relative_share,
    "market_growth": market_growth,
    "repeat_rate": repeat_rate,
})
### END SOLUTION
"""

METRICS_HIDDEN = """
_s = _h_sales()
_s25 = _s[_s["year"] == 2025]
_rev = _s25.groupby("category")["item_revenue"].sum()
_rev24 = _s[_s["year"] == 2024].groupby("category")["item_revenue"].sum()
_ms = _L.load("market_size")
_ms = _ms[_ms["year"] == 2025].assign(category=lambda d: d["category"].astype(str)).set_index("category")
_cp = _L.load("competitors")
_cp = _cp[(_cp["year"] == 2025) & (_cp["company"] != _CO["brand_zh"])].assign(category=lambda d: d["category"].astype(str))
_ms_, _rel = _rev / _ms["market_revenue"].reindex(_rev.index), _rev / _cp.groupby("category")["revenue"].max().reindex(_rev.index)
_ob = _s.dropna(subset=["member_id"]).groupby(["category", "member_id"])["order_id"].nunique()
_exp = {
    "revenue_2025": _rev,
    "growth": _rev / _rev24 - 1,
    "gross_margin": 1 - _s25.groupby("category")["item_cost"].sum() / _rev,
    "market_share": _ms_,
    "relative_share": _rel,
    "market_growth": _ms["growth"].reindex(_rev.index),
    "repeat_rate": (_ob >= 2).groupby(level="category").mean(),
}
assert set(map(str, category_metrics.index)) == set(_rev.index), "category_metrics 應以商品類別代碼為索引，五類各一列"
for _c, _v in _exp.items():
    assert _c in category_metrics.columns, f"category_metrics 缺少欄位 {_c}"
    assert _h_close(category_metrics[_c], _v, rtol=1e-3), f"category_metrics 的 {_c} 與你的資料重新計算的結果不符"
"""


def section_position(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ---
        ## 2. 內部優勢與劣勢、市場定位（P1.2.2）

        **優勢**（strength）與**劣勢**（weakness）是**組織內部**、可以控制的條件。我們用五個構面比較五大類商品：

        | 構面 | 指標 | 計算方式（2025 年，完成訂單） |
        |---|---|---|
        | 成長 | 年增率 `growth` | 2025 ÷ 2024 − 1（就是練習 1.2 的 `yoy_growth`） |
        | 獲利 | 毛利率 `gross_margin` | 1 − 商品成本 `item_cost` 合計 ÷ 營收 `item_revenue` 合計 |
        | 市場地位 | 市占率 `market_share` | 我們的類別營收 ÷ 該類別市場規模 `market_size.market_revenue` |
        | 競爭地位 | 相對市占率 `relative_share` | 我們的類別營收 ÷ **最大競爭者**的類別營收（`competitors`，不含自己） |
        | 顧客忠誠 | 回購率 `repeat_rate` | 買過該類別的會員中，在**兩筆以上不同訂單**買過該類別的比例（全期間） |

        另外再加上一個**外部**指標：市場成長率 `market_growth`（`market_size.growth`，2025 年），後面畫定位圖要用。

        **範例**：用同樣的構面比較各**銷售平台**（成長與毛利），並示範市占率的算法（全公司）。
        """
    )
    nb.code(
        """
        by_platform = sales.pivot_table(index="platform", columns="year", values="item_revenue", aggfunc="sum", observed=True)
        p25 = sales[sales["year"] == 2025].groupby("platform", observed=True)[["item_revenue", "item_cost"]].sum()
        platform_view = pd.DataFrame({
            "revenue_2025": p25["item_revenue"],
            "growth": by_platform[2025] / by_platform[2024] - 1,
            "gross_margin": 1 - p25["item_cost"] / p25["item_revenue"],
        })
        display(platform_view.style.format({"revenue_2025": "{:,.0f}", "growth": "{:+.1%}", "gross_margin": "{:.1%}"}))

        # 市占率：我們 2025 年的總營收 ÷ 2025 年整體市場（所有類別含 other）
        total_market_2025 = market_size.loc[market_size["year"] == 2025, "market_revenue"].sum()
        print(f"全公司 2025 年市占率：{sales.loc[sales['year'] == 2025, 'item_revenue'].sum() / total_market_2025:.4%}")
        market_size.head(3)
        """
    )
    nb.md(
        """
        **練習 2.1**：建立 `category_metrics`：索引是商品類別代碼（`beauty`、`health_food`…），欄位依序為
        `revenue_2025`、`growth`、`gross_margin`、`market_share`、`relative_share`、`market_growth`、`repeat_rate`，
        值都用小數（0.12 = 12%），營收用新臺幣元。

        提示：`market_size` 與 `competitors` 的 `category` 是分類型別（categorical），合併前先用 `.astype(str)` 轉成文字；
        `competitors` 裡 `company == BRAND` 的那一列是我們自己，算相對市占率時要排除。
        """
    )
    nb.answer(
        METRICS_SOLUTION + "\ncategory_metrics.rename(index=CATEGORY_ZH)", "t1_2_category_metrics_answer"
    )
    nb.code(
        """
        # 自我檢查（P1.2.2）
        expected_columns = ["revenue_2025", "growth", "gross_margin", "market_share", "relative_share", "market_growth", "repeat_rate"]
        check_columns(category_metrics, expected_columns, indicator="P1.2.2")
        check(lambda: len(category_metrics) == 5 and category_metrics[expected_columns].notna().all().all(), indicator="P1.2.2",
              ok="五個類別、沒有缺漏值", fix="category_metrics 應有五個類別且沒有 NaN：合併前記得把 category 轉成文字（.astype(str)）")
        check(lambda: category_metrics["gross_margin"].between(0, 1).all() and category_metrics["repeat_rate"].between(0, 1).all(),
              indicator="P1.2.2", ok="毛利率與回購率介於 0 與 1", fix="毛利率與回購率應是 0 到 1 之間的小數")
        check(lambda: category_metrics["market_share"].max() < 0.5, indicator="P1.2.2", ok="市占率的數量級合理",
              fix="市占率太大了：分母應是該類別的市場規模 market_revenue（新臺幣元），而且只用 2025 年")
        """
    )
    nb.tests(
        hidden(METRICS_HIDDEN, "檢查 P1.2.2：各類別的成長、毛利、市占、相對市占、市場成長與回購率。"),
        "p1_2_2__category_metrics",
        points=4,
        indicator="P1.2.2",
    )

    nb.md(
        """
        ### 2.2 市場定位圖（positioning chart）

        經典的**成長－占有率矩陣**（BCG matrix）用兩個軸看每一類商品的市場位置：

        - 橫軸：市場成長率（外部吸引力）；縱軸：相對市占率（我們相對最大競爭者的地位，> 1 代表我們領先）；
        - 四個象限：**明星**（Stars，高成長、高相對市占）、**金牛**（Cash cows，低成長、高相對市占）、
          **問題兒童**（Question marks，高成長、低相對市占）、**落水狗**（Dogs，低成長、低相對市占）。
        - 泡泡大小代表我們的營收。

        **範例**：各銷售平台的「成長 × 毛利」散佈圖：`sns.scatterplot` 畫點、`ax.annotate` 標名稱、`ax.set` 設中文標題與座標軸。
        """
    )
    nb.code(
        """
        fig, ax = plt.subplots(figsize=(6, 4))
        sns.scatterplot(data=platform_view, x="growth", y="gross_margin", size="revenue_2025", sizes=(80, 600),
                        legend=False, ax=ax)
        for platform, row in platform_view.iterrows():
            ax.annotate(platform, (row["growth"], row["gross_margin"]), xytext=(6, 6), textcoords="offset points")
        ax.set(title="各銷售平台的成長與毛利（2025）", xlabel="營收年增率", ylabel="毛利率")
        plt.show()
        """
    )
    nb.md(
        """
        **練習 2.2**：用 seaborn 的 `scatterplot` 畫出定位圖，並把座標軸物件存成 `position_ax`：
        橫軸 `market_growth`、縱軸 `relative_share`、泡泡大小 `revenue_2025`；**標題與兩軸都要用中文**，
        並在每個點旁邊標上類別中文名（`ax.annotate` 或 `ax.text`）。
        """
    )
    nb.answer(
        """
        fig, position_ax = plt.subplots(figsize=(7, 5))
        ### BEGIN SOLUTION
        plot_data = category_metrics.assign(類別=lambda d: d.index.map(CATEGORY_ZH))
        sns.scatterplot(data=plot_data, x="market_growth", y="relative_share", size="revenue_2025", sizes=(200, 1500),
                        hue="類別", legend=False, alpha=0.7, ax=position_ax)
        for code, row in plot_data.iterrows():
            position_ax.annotate(row["類別"], (row["market_growth"], row["relative_share"]), ha="center", va="center")
        position_ax.axhline(1, color="gray", linestyle="--")
        position_ax.axvline(plot_data["market_growth"].median(), color="gray", linestyle=":")
        position_ax.set(title="好日子選物 商品類別市場定位圖（2025）", xlabel="市場成長率", ylabel="相對市占率（我們 ÷ 最大競爭者）")
        position_ax.xaxis.set_major_formatter(lambda v, _: f"{v:.1%}")
        position_ax.margins(0.15)  # room for the largest bubbles
        ### END SOLUTION
        plt.show()
        """,
        "t1_2_position_chart_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.2）
        import re

        def has_chinese(text):
            return bool(re.search(r"[\\u4e00-\\u9fff]", text or ""))

        check(lambda: has_chinese(position_ax.get_title()) and has_chinese(position_ax.get_xlabel())
              and has_chinese(position_ax.get_ylabel()), indicator="P1.2.2", ok="標題與座標軸都是中文",
              fix="請用 ax.set(title=..., xlabel=..., ylabel=...) 加上中文標題與座標軸名稱")
        check(lambda: sum(len(c.get_offsets()) for c in position_ax.collections) >= 5, indicator="P1.2.2",
              ok="圖上有五個類別", fix="定位圖應畫出五個類別的點（sns.scatterplot(..., ax=position_ax)）")
        check(lambda: len(position_ax.texts) >= 5, indicator="P1.2.2", ok="每個點都有標示類別",
              fix="請用 position_ax.annotate(...) 在每個點旁標上類別中文名")
        """
    )
    nb.tests(
        hidden(
            """
            import re as _re
            _zh = lambda t: bool(_re.search(r"[\\u4e00-\\u9fff]", t or ""))
            assert _zh(position_ax.get_title()) and _zh(position_ax.get_xlabel()) and _zh(position_ax.get_ylabel()), "定位圖需要中文標題與座標軸"
            _pts = _np.vstack([c.get_offsets() for c in position_ax.collections if len(c.get_offsets())])
            _cm = category_metrics
            _exp = _np.column_stack([_cm["market_growth"].to_numpy(float), _cm["relative_share"].to_numpy(float)])
            assert all(_np.isclose(_pts, _e, rtol=1e-6).all(axis=1).any() for _e in _exp), "定位圖的點應是 (market_growth, relative_share)"
            assert len(position_ax.texts) >= 5, "每個點都應標上類別名稱"
            """,
            "檢查 P1.2.2：定位圖的軸、中文標示與五個類別的位置。",
        ),
        "p1_2_2__positioning_chart",
        points=1,
        indicator="P1.2.2",
    )

    nb.md(
        """
        ### 2.3 優勢、劣勢與行銷標的物

        **判斷方法**（可以自己改良，但要說得出理由）：把五個內部構面（成長、毛利、市占、相對市占、回購率）
        各自排名，平均名次最好的是**優勢類別**，最差的是**劣勢類別**；再對照定位圖看它在哪個象限。

        **範例**：`rank(ascending=False)` 讓數值最大的得第 1 名。
        """
    )
    nb.code(
        """
        internal = ["growth", "gross_margin", "market_share", "relative_share", "repeat_rate"]
        ranks = category_metrics[internal].rank(ascending=False)
        ranks["平均名次"] = ranks.mean(axis=1)
        ranks.sort_values("平均名次").rename(index=CATEGORY_ZH)
        """
    )
    nb.md(
        """
        **練習 2.3**：把你的結論存成兩個變數：`strength_category`（優勢類別代碼，例如 `"home"`）與
        `weakness_category`（劣勢類別代碼）。請用程式從表格取出，不要直接打字。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        strength_category = ranks["平均名次"].idxmin()
        weakness_category = ranks["平均名次"].idxmax()
        ### END SOLUTION
        print("優勢類別：", CATEGORY_ZH.get(strength_category), "｜劣勢類別：", CATEGORY_ZH.get(weakness_category))
        """,
        "t1_2_strength_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.2）
        check(lambda: strength_category in CATEGORY_ZH and weakness_category in CATEGORY_ZH, indicator="P1.2.2",
              ok="兩個類別代碼都有效", fix="請填類別代碼（如 'beauty'），不是中文名稱")
        check(lambda: strength_category != weakness_category, indicator="P1.2.2", ok="優勢與劣勢是不同類別",
              fix="優勢與劣勢不應是同一個類別")
        """
    )
    nb.tests(
        hidden(
            """
            _t = _h_truth()
            assert str(strength_category) == _t["strength_category"], "優勢類別與你的資料不一致：請比較各構面的表現，特別是成長與相對市占"
            assert str(weakness_category) == _t["weakness_category"], "劣勢類別與你的資料不一致：請找出多數構面都落後的類別"
            """,
            "檢查 P1.2.2：優勢與劣勢類別是否與資料一致。",
        ),
        "p1_2_2__strength_weakness",
        points=2,
        indicator="P1.2.2",
    )
    nb.md(
        """
        📝 **練習 2.4（文字題，P1.2.2）**：用 4–6 句話寫出**行銷標的物的市場定位**（market positioning）：

        1. 你選哪一類商品當作 2027 年的主打行銷標的物？它在定位圖的哪個象限？
        2. 支持的數據（至少兩個構面，寫出數字）；
        3. 對劣勢類別的處理（改善、維持或收縮），理由是什麼？
        4. 用一句定位陳述（positioning statement）描述它：「對於＿＿（目標顧客），好日子選物的＿＿是＿＿，因為＿＿」。
        """
    )
    nb.written(
        """
        **參考答案（講師版，依學員資料數字不同）**：主打行銷標的物是優勢類別（例如居家生活），它的相對市占率大於 1、
        位於定位圖的「明星」或「金牛」象限：2025 年營收年增率與市占率在五類中最高，回購率也高於平均，代表我們在這一類已經有
        規模與顧客基礎。劣勢類別（例如 3C配件）成長停滯、最大競爭者的營收是我們的兩倍以上且毛利最低，短期內以維持、
        控制廣告預算為主，不作為主打。定位陳述：對於重視生活品質的上班族，好日子選物的居家生活選品是「平價而有設計感」
        的首選，因為我們的選品與回購率都領先同業。
        """,
        "p1_2_2__market_position",
        points=3,
        indicator="P1.2.2",
        rubric="market_position",
    )


# --------------------------------------------------------------------------------------
# Section 3: P1.2.3 SWOT -> TOWS
# --------------------------------------------------------------------------------------

# One generator of evidence cards; ``_q(...)`` marks the expected quadrant. The learner's
# copy has the markers replaced by None (see :func:`evidence_source`).
EVIDENCE_SRC = '''
def {name}(sales, market_size, competitors, survey, seed):
    """Return the SWOT evidence cards of this data variant, in a per-learner order."""
    import numpy as np
    from netmarketing.data.catalog import CATEGORIES, COMPANY

    zh = {{code: spec["zh"] for code, spec in CATEGORIES.items()}}
    brand = COMPANY["brand_zh"]
    cards = []

    def add(quadrant, text):
        cards.append({{"quadrant": quadrant, "text": text}})

    s25 = sales[sales["year"] == 2025]
    revenue = s25.groupby("category")["item_revenue"].sum()
    margin = 1 - s25.groupby("category")["item_cost"].sum() / revenue
    comp = competitors[competitors["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
    rival = comp[comp["company"] != brand].groupby("category")["revenue"].max()
    relative = revenue / rival.reindex(revenue.index)
    lead, lag = relative.idxmax(), relative.idxmin()
    add({q_lead}, f"「{{zh[lead]}}」2025 年營收是該類別最大競爭者的 {{relative[lead]:.2f}} 倍")
    add({q_lag}, f"「{{zh[lag]}}」2025 年營收是該類別最大競爭者的 {{relative[lag]:.2f}} 倍")
    high, low = margin.idxmax(), margin.idxmin()
    add({q_s}, f"「{{zh[high]}}」的毛利率 {{margin[high]:.0%}}，是五類中最高")
    add({q_w}, f"「{{zh[low]}}」的毛利率 {{margin[low]:.0%}}，是五類中最低")
    own = s25["platform"].astype(str).isin(["website", "app", "line_store"])
    own_share = s25.loc[own, "item_revenue"].sum() / s25["item_revenue"].sum()
    add({q_s}, f"自有通路（官網、APP、LINE 商店）占 2025 年營收 {{own_share:.0%}}，並握有可再行銷的會員名單")
    labels = {{"price": "價格", "quality": "品質", "delivery": "配送速度", "service": "客服", "brand_trust": "品牌信任",
              "promotion": "促銷"}}
    importance = {{a: survey[f"importance_{{a}}"].mean() for a in labels}}
    satisfaction = {{a: survey[f"satisfaction_{{a}}"].mean() for a in labels}}
    gap = max(labels, key=lambda a: importance[a] - satisfaction[a])
    add({q_w}, f"顧客問卷：「{{labels[gap]}}」的重要度 {{importance[gap]:.1f}} 分，我們的滿意度只有 {{satisfaction[gap]:.1f}} 分")
    market = market_size[market_size["year"] == 2025].assign(category=lambda d: d["category"].astype(str))
    growth = market[market["category"].isin(list(zh))].set_index("category")["growth"]
    fast, slow = growth.idxmax(), growth.idxmin()
    add({q_fast}, f"「{{zh[fast]}}」的整體市場規模 2025 年 {{growth[fast]:+.1%}}，五類中成長最快")
    if growth[slow] < 0:
        add({q_t}, f"「{{zh[slow]}}」的整體市場規模 2025 年 {{growth[slow]:+.1%}}，市場正在萎縮")
    ours = comp[comp["company"] == brand].set_index("category")["avg_price"]
    rivals = comp[comp["company"] != brand].copy()
    rivals["ratio"] = rivals["avg_price"] / rivals["category"].map(ours).astype(float)
    cheap = rivals.loc[rivals["ratio"].idxmin()]
    add({q_price}, f"競爭者「{{cheap['company']}}」在「{{zh[cheap['category']]}}」的平均售價 {{cheap['avg_price']:,}} 元，"
                  f"我們是 {{ours[cheap['category']]:,}} 元")
    add({q_o}, "經濟部統計：網路零售銷售額 2025 年約 6,716 億元，占零售業 13.9%，比重持續上升")
    add({q_o}, "數位發展部調查：上網率 90.3%，過去一年曾網購的比率 69.3%")
    add({q_t}, "個資法第 48 條：違反行銷利用規定且情節重大者，罰鍰上限新臺幣 1,500 萬元")
    add({q_t}, "消費者物價指數年增約 2.2%，消費者對價格與促銷更敏感")

    order = np.random.default_rng(seed).permutation(len(cards))
    result = []
    for number, k in enumerate(order, start=1):
        card = {{"id": f"E{{number:02d}}", "text": cards[k]["text"]}}
        if cards[k]["quadrant"] is not None:
            card["quadrant"] = cards[k]["quadrant"]
        result.append(card)
    return result
'''
QUADRANTS = {
    "q_lead": '"S" if relative[lead] > 1 else "W"',
    "q_lag": '"S" if relative[lag] > 1 else "W"',
    "q_s": '"S"',
    "q_w": '"W"',
    "q_fast": '"O" if growth[fast] > 0 else "T"',
    "q_t": '"T"',
    "q_o": '"O"',
    "q_price": '"T" if cheap["ratio"] < 1 else "O"',
}


def evidence_source(name: str, *, with_key: bool) -> str:
    """Return the evidence generator source, with the expected quadrants only when ``with_key``."""
    import textwrap

    marks = QUADRANTS if with_key else {k: "None" for k in QUADRANTS}
    return textwrap.dedent(EVIDENCE_SRC).strip("\n").format(name=name, **marks)


def section_swot(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ---
        ## 3. SWOT 與 TOWS 競爭策略（P1.2.3）

        **SWOT** 把證據分成四類：內部的**優勢 S**（Strengths）與**劣勢 W**（Weaknesses），外部的**機會 O**
        （Opportunities）與**威脅 T**（Threats）。判斷兩個問題：

        1. 這是**我們能控制的內部條件**（營收、毛利、通路、服務），還是**外部環境**（市場、競爭者、法規、經濟）？
        2. 它對我們**有利**還是**不利**？要看數字：例如「營收是最大競爭者的 0.6 倍」是劣勢，「1.8 倍」是優勢。

        **TOWS 矩陣**把 SWOT 配對成四種策略：

        | | 機會 O | 威脅 T |
        |---|---|---|
        | **優勢 S** | **SO 增長型**：用優勢抓住機會 | **ST 多元化／防禦型**：用優勢化解威脅 |
        | **劣勢 W** | **WO 扭轉型**：借機會改善劣勢 | **WT 防禦型**：減少劣勢、避開威脅 |

        **範例**：一家咖啡豆電商的三張證據卡與判斷：

        | 證據 | 內部／外部 | 有利／不利 | 象限 |
        |---|---|---|---|
        | 自家烘焙豆回購率 48%，高於同業 30% | 內部 | 有利 | S |
        | 國際咖啡生豆價格一年上漲 25% | 外部 | 不利 | T |
        | 冷萃咖啡市場一年成長 15% | 外部 | 有利 | O |

        → 一個 **SO** 策略：「用高回購的自家烘焙豆推出冷萃訂閱，搶進成長中的冷萃市場」（依據：S 的回購率 + O 的市場成長）。

        下一格依**你的資料**產生一組證據卡（每位學員的數字與順序都不同）。
        """
    )
    nb.locked(
        evidence_source("swot_evidence", with_key=False)
        + """


evidence_items = swot_evidence(sales, market_size, competitors, survey, learner.learner_seed())
for card in evidence_items:
    print(card["id"], card["text"])
""",
        "t1_2_swot_evidence",
    )
    nb.md(
        """
        **練習 3.1（看板）**：在下面的看板上

        1. 把每一張證據卡歸入 S、W、O、T；
        2. 選一個 TOWS 策略，並在右邊的清單選出它所依據的證據（按住 Ctrl 或 ⌘ 可複選，至少要有策略兩個字母各一張）。

        看板只是輔助：**點完後一定要執行再下一格**，把結果存成一般變數，批改只看這些變數。
        """
    )
    nb.code(
        """
        board, board_result = widgets.swot_board(evidence_items)
        board
        """
    )
    nb.md(
        """
        **練習 3.2**：把看板的結果存成變數，並指出**相對優勢的行銷標的物**（類別代碼）：

        - `swot`：`{"S": [...], "W": [...], "O": [...], "T": [...]}`，每張卡的 id 只能出現在一個象限；
        - `chosen_strategy`：`"SO"`、`"ST"`、`"WO"` 或 `"WT"`；
        - `strategy_evidence`：這個策略依據的證據卡 id 清單；
        - `advantage_category`：相對優勢的行銷標的物（類別代碼，例如 `"beauty"`）。

        最簡單的寫法（看板點完後）：

        ```python
        swot = {q: list(board_result[q]) for q in "SWOT"}
        chosen_strategy = board_result["strategy"]
        strategy_evidence = list(board_result["strategy_evidence"])
        advantage_category = strength_category   # 或你重新判斷後的類別代碼
        ```
        """
    )
    nb.answer(
        "### BEGIN SOLUTION\n# 講師版：依資料判斷每一張卡的象限（學員在看板上點選）\n"
        + evidence_source("_swot_key", with_key=True)
        + """


_key = _swot_key(sales, market_size, competitors, survey, learner.learner_seed())
swot = {q: [c["id"] for c in _key if c["quadrant"] == q] for q in "SWOT"}
chosen_strategy = "SO" if swot["O"] else "ST"
strategy_evidence = [swot["S"][0], swot[chosen_strategy[1]][0]]
advantage_category = strength_category
### END SOLUTION
print("SWOT：", swot)
print("策略：", chosen_strategy, "依據：", strategy_evidence, "｜相對優勢標的物：", advantage_category)
""",
        "t1_2_swot_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.3）
        all_ids = {card["id"] for card in evidence_items}
        placed = [i for q in "SWOT" for i in swot.get(q, [])]
        check(lambda: set(placed) == all_ids and len(placed) == len(all_ids), indicator="P1.2.3",
              ok="每張證據卡都歸入了一個象限", fix="每張卡都要放進 S、W、O、T 其中一個，且只能放一次")
        check(lambda: chosen_strategy in {"SO", "ST", "WO", "WT"}, indicator="P1.2.3", ok="已選擇 TOWS 策略",
              fix="chosen_strategy 應為 'SO'、'ST'、'WO' 或 'WT'")
        check(lambda: {q for q in "SWOT" for i in strategy_evidence if i in swot[q]} >= set(chosen_strategy), indicator="P1.2.3",
              ok="策略的兩個字母都有證據支持", fix="strategy_evidence 要包含策略兩個字母（例如 SO 的 S 與 O）各至少一張你歸類的卡")
        check(lambda: advantage_category in CATEGORY_ZH, indicator="P1.2.3", ok="相對優勢標的物是有效的類別代碼",
              fix="advantage_category 請填類別代碼，例如 'beauty'")
        """
    )
    key_call = (
        "\n_key = {c['id']: c['quadrant'] for c in _swot_key(_h_sales(), _L.load('market_size'), "
        "_L.load('competitors'), _L.load('survey_responses'), _L.learner_seed())}\n"
    )
    nb.tests(
        hidden(
            evidence_source("_swot_key", with_key=True)
            + key_call
            + """
_placed = [i for q in "SWOT" for i in swot[q]]
assert sorted(_placed) == sorted(_key), "每張證據卡都要歸入一個象限，且只能出現一次"
_right = sum(_key[i] == q for q in "SWOT" for i in swot[q])
assert _right >= len(_key) - 2, "SWOT 歸類與資料不一致的卡太多：先分內部／外部，再看數字是有利還是不利"
""",
            "檢查 P1.2.3：SWOT 證據卡的歸類是否與資料一致。",
        ),
        "p1_2_3__swot_sorting",
        points=2,
        indicator="P1.2.3",
    )
    nb.tests(
        hidden(
            evidence_source("_swot_key", with_key=True)
            + key_call
            + """
assert chosen_strategy in {"SO", "ST", "WO", "WT"}, "chosen_strategy 應為 SO、ST、WO 或 WT"
_used = {_key.get(i) for i in strategy_evidence}
assert set(chosen_strategy) <= _used, "策略所依據的證據，與策略的兩個字母（依資料判斷的象限）不一致"
assert str(advantage_category) == _h_truth()["strength_category"], "相對優勢的行銷標的物與資料不一致"
""",
            "檢查 P1.2.3：TOWS 策略有資料支持，並找出相對優勢行銷標的物。",
        ),
        "p1_2_3__strategy_consistency",
        points=2,
        indicator="P1.2.3",
    )
    nb.md(
        """
        📝 **練習 3.3（文字題，P1.2.3）**：寫出你的**競爭策略**（150–300 字）：

        1. SWOT 摘要：每個象限最重要的一點（引用證據卡編號與數字）；
        2. 你選的 TOWS 策略與理由：為什麼不是另外三種？
        3. 相對優勢的行銷標的物是哪一類、哪些商品？優勢從哪裡來（價格、品質、通路、顧客）？
        4. 兩到三個具體行動，以及一個要避開的風險（例如個資法對行銷推播的限制）。
        """
    )
    nb.written(
        """
        **參考答案（講師版）**：S：優勢類別的營收是最大競爭者的 1.5 倍以上、毛利率高；自有通路握有會員名單。
        W：劣勢類別營收不到最大競爭者的一半；問卷顯示配送速度滿意度明顯落後重要度。O：優勢類別的市場成長最快，
        網購滲透率持續上升。T：競爭者低價、個資法罰則提高、物價上漲使顧客對價格敏感。
        選擇 SO 增長型策略：以優勢類別為主打，透過自有通路與會員再行銷搶占成長中的市場；不選 WO 是因為劣勢類別的
        差距太大、短期難以扭轉；ST 與 WT 偏防禦，與市場成長的機會不符。行動：主打商品組合與會員分眾推播（只對同意
        行銷推播的會員）、改善配送時效、以內容行銷建立專業形象；避開與低價競爭者打價格戰。
        """,
        "p1_2_3__strategy_text",
        points=4,
        indicator="P1.2.3",
        rubric="swot_strategy",
    )


# --------------------------------------------------------------------------------------
# Section 5: O1.2.1 analysis report
# --------------------------------------------------------------------------------------

REPORT_CHECK = '''
# 結構自我檢查（O1.2.1）：讀取「已存檔」的筆記本，請先按 Ctrl+S 存檔再執行。
import json
import re
from pathlib import Path

REPORT_HEADINGS = ["一、分析目的與資料來源", "二、統計分析發現", "三、優勢、劣勢與市場定位", "四、SWOT 與競爭策略",
                   "五、目標客群與偏好", "六、結論與建議"]


def report_text(path="t1_2_position_market_and_segments.ipynb"):
    """Return the saved text of the report cell (grade id p1_2_3__analysis_report), or '' if not found."""
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "p1_2_3__analysis_report":
            source = cell["source"]
            return "".join(source) if isinstance(source, list) else source
    return ""


text = report_text()
body = re.sub(r"[#*|`>\\-\\s]", "", text)
check(lambda: len(text) > 0, indicator="P1.2.3", ok="找到報告格",
      fix="找不到報告格的內容：請先存檔（Ctrl+S），並確認沒有刪除報告格")
for heading in REPORT_HEADINGS:
    check(lambda: heading[2:] in text, indicator="P1.2.3", ok=f"有「{heading}」一節", fix=f"報告缺少「{heading}」一節")
check(lambda: len(body) >= 600, indicator="P1.2.3", ok=f"報告長度足夠（約 {len(body)} 字）",
      fix=f"報告目前約 {len(body)} 字，至少需要 600 字，建議 800–1,500 字")
check(lambda: len(re.findall(r"\\d+(?:\\.\\d+)?\\s*%", text)) >= 5, indicator="P1.2.3", ok="報告引用了數據",
      fix="請在報告中引用至少 5 個百分比數據（例如年增率、市占率、回購率）")
check(lambda: "YOUR ANSWER HERE" not in text, indicator="P1.2.3", ok="已移除預設文字",
      fix="請刪除報告格中的 YOUR ANSWER HERE")


def chinese(text):
    return bool(re.search(r"[\\u4e00-\\u9fff]", text or ""))


check(lambda: len(report_figures) >= 2, indicator="P1.2.4", ok="報告有至少兩張圖",
      fix="report_figures 至少要有兩張圖（matplotlib Figure）")
check(lambda: all(chinese(ax.get_title()) and chinese(ax.get_xlabel() + ax.get_ylabel())
                  for fig in report_figures for ax in fig.axes[:1]), indicator="P1.2.4",
      ok="每張圖都有中文標題與座標軸", fix="每張圖都要有中文標題與中文座標軸名稱")
'''


def section_report(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ---
        ## 5. 分析報告（工作產出 O1.2.1）

        把前面四節的結果寫成一份給總經理的**分析報告**（analysis report）。報告由講師依評分規準
        `analysis_report_o121` 評分，重點是：**有數據、有推論、有建議**，而且前後一致。

        ### 5.1 報告用圖

        **練習 5.1**：做出至少兩張放進報告的圖，存在串列 `report_figures`（元素是 matplotlib 的 `Figure`）。
        每張圖都要有**中文標題與中文座標軸**。建議：① 季節指數或年增率；② 目標客群與全體會員的類別偏好比較
        （也可以放第 2 節的定位圖 `position_ax.figure`）。
        """
    )
    nb.answer(
        """
        report_figures = []
        ### BEGIN SOLUTION
        fig1, ax1 = plt.subplots(figsize=(7, 3.5))
        growth_view = (category_metrics["growth"].rename(index=CATEGORY_ZH).sort_values() * 100)
        sns.barplot(x=growth_view.to_numpy(), y=growth_view.index, color="#4C72B0", ax=ax1)
        ax1.set(title="各類別 2025 年營收年增率", xlabel="年增率（%）", ylabel="商品類別")
        report_figures.append(fig1)

        fig2, ax2 = plt.subplots(figsize=(7, 3.5))
        affinity_view = target_affinity.rename(index=CATEGORY_ZH).sort_values()
        sns.barplot(x=affinity_view.to_numpy(), y=affinity_view.index, color="#DD8452", ax=ax2)
        ax2.axvline(1, color="gray", linestyle="--")
        ax2.set(title="目標客群的類別偏好指數（1 = 與全體會員相同）", xlabel="偏好指數", ylabel="商品類別")
        report_figures.append(fig2)
        report_figures.append(position_ax.figure)
        ### END SOLUTION
        plt.show()
        print("報告用圖：", len(report_figures), "張")
        """,
        "t1_2_report_figures_answer",
    )
    nb.tests(
        hidden(
            """
            import re as _re
            import matplotlib.figure as _mf
            _zh = lambda t: bool(_re.search(r"[\\u4e00-\\u9fff]", t or ""))
            assert len(report_figures) >= 2, "report_figures 至少要有兩張圖"
            assert all(isinstance(f, _mf.Figure) for f in report_figures), "report_figures 的元素應是 matplotlib Figure"
            for _f in report_figures:
                _ax = _f.axes[0]
                assert _zh(_ax.get_title()) and _zh(_ax.get_xlabel() + _ax.get_ylabel()), "每張報告用圖都要有中文標題與座標軸"
                assert _ax.has_data(), "報告用圖不能是空白的"
            """,
            "檢查 O1.2.1：報告用圖至少兩張，中文標題與座標軸。",
        ),
        "p1_2_4__report_charts",
        points=1,
        indicator="P1.2.4",
        output="O1.2.1",
    )
    nb.md(
        """
        ### 5.2 報告本文

        📝 **練習 5.2（O1.2.1 分析報告）**：雙擊下面的格子，刪除預設文字，依照這個架構寫（800–1,500 字，
        每一節都要引用數據）。寫完按 Ctrl+S 存檔，再執行後面的結構自我檢查。

        ```markdown
        # 好日子選物 市場與客群分析報告（2027 年度規劃用）
        ## 一、分析目的與資料來源
        （要回答的問題；用了哪些資料表、期間、只計完成訂單等限制）
        ## 二、統計分析發現
        （客單價分布、年增率與同期比較、季節性、顯著性檢定的結論與白話解釋）
        ## 三、優勢、劣勢與市場定位
        （五個構面的比較、定位圖的象限、主打的行銷標的物）
        ## 四、SWOT 與競爭策略
        （SWOT 摘要、TOWS 策略與理由、相對優勢標的物）
        ## 五、目標客群與偏好
        （RFM 分群結果、目標客群的輪廓、偏好的類別與通路、最在意的需求）
        ## 六、結論與建議
        （三項具體建議與下一步，例如給 T2 年度計畫的目標與預算方向；資料的限制）
        ```
        """
    )
    nb.written(
        """
        # 好日子選物 市場與客群分析報告（講師參考版）
        ## 一、分析目的與資料來源
        目的：為 2027 年度計畫找出主打的行銷標的物與目標客群。資料：2024 年 1 月至 2026 年 10 月的後台訂單與明細
        （只計完成訂單）、商品主檔、會員資料、市場規模、競爭者資料與顧客問卷。限制：市場規模 2026 年為估計值；
        第三方平台的買家不在會員資料中。
        ## 二、統計分析發現
        客單價右偏，平均數約比中位數高 20%，報告以中位數描述一般訂單。2025 年營收年增約 10%，2026 年 1–10 月與
        去年同期相比仍在成長。11 月季節指數約 1.5，是全年旺季（雙11＋週年慶）。兩組轉換率的差異以雙比例 z 檢定檢驗，
        p 值小於 5%，差異不是隨機波動，值得優先處理。
        ## 三、優勢、劣勢與市場定位
        優勢類別在成長（年增約 25%）、市占率與相對市占率（約 1.6 倍於最大競爭者）都排名第一，位於定位圖的明星象限，
        選為主打行銷標的物；劣勢類別的相對市占率不到 40%、毛利率最低，以維持為主。
        ## 四、SWOT 與競爭策略
        S：優勢類別領先、自有通路占營收約 45%；W：劣勢類別落後、配送速度滿意度落差大；O：主打類別市場成長最快、
        網購比率 69.3%；T：低價競爭者、個資法罰則。採 SO 增長型策略，以主打類別搶占成長市場。
        ## 五、目標客群與偏好
        RFM 分群後，冠軍顧客約占 15% 會員卻貢獻約 40% 營收；另有一群高價值流失風險顧客需要挽回。潛在目標客群是
        特定性別與年齡層的會員，他們對主打類別的偏好指數約 2，偏好的通路與最在意的需求來自問卷。
        ## 六、結論與建議
        1. 2027 年以主打類別為核心，預算優先投入目標客群偏好的通路；2. 對高價值流失風險顧客啟動挽回活動
        （只對同意行銷推播者）；3. 改善配送速度。下一步在 T2 訂定目標與預算，並以 A/B 測試驗證。
        """,
        "p1_2_3__analysis_report",
        points=6,
        indicator="P1.2.3",
        rubric="analysis_report_o121",
        output="O1.2.1",
    )
    nb.code(REPORT_CHECK)
    nb.md(
        """
        ---
        ## 完成了！

        - 重新執行整本筆記本（選單 Kernel → Restart Kernel and Run All Cells），確認沒有錯誤、自我檢查都是 ✅；
        - 存檔後依講師說明繳交（Submit）。
        - 你在這裡選出的行銷標的物與目標客群，會在 **T2 策略規劃** 模組中用來訂定年度目標與預算。
        """
    )


def build() -> Path:
    """Build the T1.2 source notebook and return its path."""
    nb = NotebookBuilder(
        title="T1.2 定位市場與客群",
        task="T1.2",
        indicators=["P1.2.1", "P1.2.2", "P1.2.3", "P1.2.4"],
        minutes=240,
        outputs=["O1.2.1"],
        knowledge=["K02", "K06", "K08", "K09", "K10"],
        skills=["S02", "S03", "S04", "S05"],
    )
    header(nb)
    section_data(nb)
    section_statistics(nb, section_significance)
    section_position(nb)
    section_swot(nb)
    section_segments(nb)
    section_report(nb)
    return nb.write(NOTEBOOK)


# --------------------------------------------------------------------------------------
# Section 4: P1.2.4 RFM, segments, target segment, preferences
# --------------------------------------------------------------------------------------

RFM_HELPERS = """
def quintile_score(values, higher_is_better=True):
    \"\"\"Return scores 1-5 by quintile of rank; ties are broken by row order (sort by member_id first).\"\"\"
    ranks = values.rank(method="first", ascending=higher_is_better)
    return pd.qcut(ranks, 5, labels=[1, 2, 3, 4, 5]).astype(int)


def frequency_score(frequency):
    \"\"\"Return scores 1-5 from the number of orders: 1, 2, 3, 4-5, 6 or more.\"\"\"
    return pd.cut(frequency, bins=[0, 1, 2, 3, 5, np.inf], labels=[1, 2, 3, 4, 5]).astype(int)


def rfm_segment(r, f):
    \"\"\"Return the segment name of one customer from the R and F scores (1-5).\"\"\"
    if r >= 4 and f >= 4:
        return "冠軍顧客"
    if r <= 2 and f >= 3:
        return "高價值流失風險"
    if r >= 3 and f >= 3:
        return "忠誠顧客"
    if r >= 4:
        return "新顧客"
    if r <= 2:
        return "沉睡顧客"
    return "需要關注"


print(pd.DataFrame({"R 分數": ["4–5", "1–2", "3–5", "4–5", "1–2", "3"],
                    "F 分數": ["4–5", "3–5", "3–5", "1–2", "1–2", "1–2"],
                    "分群": ["冠軍顧客", "高價值流失風險", "忠誠顧客", "新顧客", "沉睡顧客", "需要關注"]}).to_string(index=False))
"""

H_RFM = """
def _h_rfm():
    o = _h_orders()
    o = o[o["member_id"].notna()]
    g = o.groupby("member_id")
    r = _pd.DataFrame({
        "recency": (_pd.Timestamp("2026-11-01", tz="Asia/Taipei") - g["order_ts"].max()).dt.days,
        "frequency": g["order_id"].nunique(),
        "monetary": g["revenue"].sum(),
    }).sort_index()
    r["r_score"] = _pd.qcut(r["recency"].rank(method="first", ascending=False), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    r["f_score"] = _pd.cut(r["frequency"], bins=[0, 1, 2, 3, 5, _np.inf], labels=[1, 2, 3, 4, 5]).astype(int)
    r["m_score"] = _pd.qcut(r["monetary"].rank(method="first", ascending=True), 5, labels=[1, 2, 3, 4, 5]).astype(int)

    def seg(a, b):
        if a >= 4 and b >= 4:
            return "冠軍顧客"
        if a <= 2 and b >= 3:
            return "高價值流失風險"
        if a >= 3 and b >= 3:
            return "忠誠顧客"
        if a >= 4:
            return "新顧客"
        if a <= 2:
            return "沉睡顧客"
        return "需要關注"

    r["segment"] = [seg(a, b) for a, b in zip(r["r_score"], r["f_score"])]
    return r
"""


def section_segments(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ---
        ## 4. 顧客分群與目標客群（P1.2.4）

        ### 4.1 RFM 分析

        **RFM** 用三個數字描述每位會員的購買行為：

        - **R**（Recency，最近一次購買距今天數）：越小越好；
        - **F**（Frequency，購買次數）：完成訂單的筆數；
        - **M**（Monetary，購買金額）：完成訂單的 `revenue` 合計。

        「今天」用資料截止日的隔天 `ANALYSIS_DATE`（2026-11-01）。只有會員（`member_id` 不是空值）才能分析；
        第三方平台與訪客的訂單沒有會員編號。

        **範例**：算出一位會員的 R、F、M。
        """
    )
    nb.code(
        """
        member_orders = completed[completed["member_id"].notna()]
        one = member_orders["member_id"].value_counts().index[0]   # 訂單最多的一位會員
        his = member_orders[member_orders["member_id"] == one]
        print("會員：", one)
        print("R 最近一次購買距今天數：", (ANALYSIS_DATE - his["order_ts"].max()).days)
        print("F 購買次數：", his["order_id"].nunique())
        print("M 購買金額：", his["revenue"].sum())
        """
    )
    nb.md(
        """
        **練習 4.1**：對**所有會員**算出 RFM，存成 `rfm`：索引是 `member_id`（由小到大排序），
        欄位 `recency`（整數天數）、`frequency`、`monetary`。

        提示：`member_orders.groupby("member_id").agg(...)`；天數可用 `(ANALYSIS_DATE - 最後下單時間).dt.days`。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        grouped = member_orders.groupby("member_id")
        rfm = pd.DataFrame({
            "recency": (ANALYSIS_DATE - grouped["order_ts"].max()).dt.days,
            "frequency": grouped["order_id"].nunique(),
            "monetary": grouped["revenue"].sum(),
        }).sort_index()
        ### END SOLUTION
        rfm.describe().round(1)
        """,
        "t1_2_rfm_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.4）
        check_columns(rfm, ["recency", "frequency", "monetary"], indicator="P1.2.4")
        check(lambda: rfm.index.is_unique and rfm.index.is_monotonic_increasing, indicator="P1.2.4",
              ok="每位會員一列、依 member_id 排序", fix="rfm 應以 member_id 為索引，每位會員一列，並用 sort_index() 排序")
        check(lambda: len(rfm) == member_orders["member_id"].nunique(), indicator="P1.2.4", ok="會員人數正確",
              fix="rfm 的列數應等於有完成訂單的會員人數")
        check(lambda: rfm["recency"].min() >= 0 and rfm["frequency"].min() >= 1, indicator="P1.2.4",
              ok="R 與 F 的範圍合理", fix="recency 應是距 ANALYSIS_DATE 的天數（≥ 0），frequency 至少為 1")
        """
    )
    nb.tests(
        hidden(
            H_RFM
            + """
_exp = _h_rfm()
_got = _pd.DataFrame(rfm)
_got.index = _got.index.astype(str)
assert set(_got.index) == set(_exp.index), "rfm 的會員與你的資料不符：只算有完成訂單的會員（不含訪客、測試與重複訂單）"
for _c in ["recency", "frequency", "monetary"]:
    assert _np.allclose(_got.loc[_exp.index, _c].to_numpy(float), _exp[_c].to_numpy(float)), f"rfm 的 {_c} 與你的資料重新計算的結果不符"
""",
            "檢查 P1.2.4：每位會員的 R、F、M。",
        ),
        "p1_2_4__rfm_table",
        points=3,
        indicator="P1.2.4",
    )
    nb.md(
        """
        ### 4.2 RFM 分數與分群

        把 R、F、M 轉成 1–5 分：R 與 M 用**五分位數**（quintile，每組 20% 的會員），R 越近分數越高；
        F 的次數大多是 1、2 次，五分位切不開，改用固定門檻（1、2、3、4–5、6 次以上）。
        再依下表（由上而下，第一個符合的規則）把會員分成六群。下一格提供這些工具函式（locked），請先執行：
        """
    )
    nb.locked(RFM_HELPERS, "t1_2_rfm_helpers")
    nb.md(
        """
        **範例**：`quintile_score` 的用法。
        """
    )
    nb.code(
        """
        toy = pd.Series([3, 40, 12, 200, 95, 7, 60, 31, 150, 22], name="recency")
        pd.DataFrame({"recency": toy, "r_score": quintile_score(toy, higher_is_better=False)})
        """
    )
    nb.md(
        """
        **練習 4.2**：在 `rfm` 加上 `r_score`（R 越小分數越高）、`f_score`、`m_score` 與 `segment`（用 `rfm_segment(r, f)`），
        再用下面的 RFM 分群探索器（explorer）比較各群。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        rfm["r_score"] = quintile_score(rfm["recency"], higher_is_better=False)
        rfm["f_score"] = frequency_score(rfm["frequency"])
        rfm["m_score"] = quintile_score(rfm["monetary"], higher_is_better=True)
        rfm["segment"] = [rfm_segment(r, f) for r, f in zip(rfm["r_score"], rfm["f_score"])]
        ### END SOLUTION
        segment_summary = rfm.groupby("segment").agg(members=("recency", "size"), recency=("recency", "median"),
                                                     frequency=("frequency", "mean"), monetary=("monetary", "sum"))
        segment_summary["revenue_share"] = segment_summary["monetary"] / segment_summary["monetary"].sum()
        segment_summary.sort_values("monetary", ascending=False)
        """,
        "t1_2_rfm_segment_answer",
    )
    nb.code(
        """
        explorer, explorer_result = widgets.rfm_explorer(rfm)
        explorer
        """
    )
    nb.code(
        """
        # 自我檢查（P1.2.4）
        check_columns(rfm, ["r_score", "f_score", "m_score", "segment"], indicator="P1.2.4")
        check(lambda: set(rfm["r_score"]) == {1, 2, 3, 4, 5}, indicator="P1.2.4", ok="R 分數是 1–5",
              fix="r_score 應是 1 到 5 的整數：用 quintile_score(rfm['recency'], higher_is_better=False)")
        check(lambda: rfm.loc[rfm["recency"].idxmin(), "r_score"] == 5, indicator="P1.2.4", ok="最近購買的人 R 分數最高",
              fix="R 分數方向反了：recency 越小（越近）分數應越高")
        check(lambda: set(rfm["segment"]) <= {"冠軍顧客", "高價值流失風險", "忠誠顧客", "新顧客", "沉睡顧客", "需要關注"},
              indicator="P1.2.4", ok="分群名稱正確", fix="segment 請用 rfm_segment(r, f) 產生")
        """
    )
    nb.tests(
        hidden(
            H_RFM
            + """
_exp = _h_rfm()
_got = _pd.DataFrame(rfm)
_got.index = _got.index.astype(str)
_got = _got.reindex(_exp.index)
for _c in ["r_score", "f_score", "m_score"]:
    assert (_got[_c].astype(float).to_numpy() == _exp[_c].to_numpy()).mean() >= 0.98, f"{_c} 與依你的資料重新計算的分數不符"
assert (_got["segment"].astype(str).to_numpy() == _exp["segment"].to_numpy()).mean() >= 0.98, "segment 與依你的資料重新計算的分群不符"
""",
            "檢查 P1.2.4：RFM 分數與分群。",
        ),
        "p1_2_4__rfm_segments",
        points=2,
        indicator="P1.2.4",
    )
    nb.md(
        """
        ### 4.3 挽回名單（win-back list）

        「高價值流失風險」的會員過去常買、最近卻不來了。挽回他們的成本通常比開發新客低。
        但依**個資法**第 20 條，用會員資料做行銷必須在蒐集的特定目的內；會員拒絕行銷後（`marketing_consent` 為 False）
        就不能再推播。

        **範例**：同意行銷的會員有多少？（`marketing_consent` 若有缺漏值，當作「不同意」）
        """
    )
    nb.code(
        """
        consent = members["marketing_consent"].fillna(False).astype(bool)
        print(f"同意行銷推播：{consent.sum():,} 人（{consent.mean():.0%}）")
        """
    )
    nb.md(
        """
        **練習 4.3**：

        - `winback_segment`：你認為最需要挽回的分群名稱（字串）；
        - `winback_list`：該分群中 `marketing_consent` 為 True 的會員編號（list，由小到大）。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        winback_segment = "高價值流失風險"
        consenting = set(members.loc[members["marketing_consent"].fillna(False).astype(bool), "member_id"])
        winback_list = sorted(m for m in rfm.index[rfm["segment"] == winback_segment] if m in consenting)
        ### END SOLUTION
        print(winback_segment, "：可推播", len(winback_list), "人；該群共", int((rfm["segment"] == winback_segment).sum()), "人")
        """,
        "t1_2_winback_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.4）
        check(lambda: winback_segment in set(rfm["segment"]), indicator="P1.2.4", ok="分群名稱存在",
              fix="winback_segment 應是 rfm['segment'] 中的一個分群名稱")
        check(lambda: set(winback_list) <= set(rfm.index[rfm["segment"] == winback_segment]), indicator="P1.2.4",
              ok="名單都來自該分群", fix="winback_list 只能包含該分群的會員")
        check(lambda: not set(winback_list) & set(members.loc[~members["marketing_consent"].fillna(False).astype(bool), "member_id"]),
              indicator="P1.2.4", ok="名單中沒有拒絕行銷的會員", fix="請排除 marketing_consent 不是 True 的會員（個資法第 20 條）")
        """
    )
    nb.tests(
        hidden(
            H_RFM
            + """
_r = _h_rfm()
_lapsing = set(_h_truth()["lapsing_segment"]["member_ids"])
_share = _r.assign(lapsing=_r.index.isin(_lapsing)).groupby("segment")["lapsing"].mean()
assert str(winback_segment) == _share.idxmax(), "winback_segment 應是過去高價值、最近卻沒有回來購買的那一群"
_m = _L.load("members").drop_duplicates("member_id")
_ok = set(_m.loc[_m["marketing_consent"].fillna(False).astype(bool), "member_id"])
_exp = sorted(i for i in _r.index[_r["segment"] == _share.idxmax()] if i in _ok)
assert sorted(map(str, winback_list)) == _exp, "winback_list 應是該分群中同意行銷（marketing_consent 為 True）的會員"
""",
            "檢查 P1.2.4：挽回分群與合規的挽回名單。",
        ),
        "p1_2_4__winback",
        points=2,
        indicator="P1.2.4",
    )
    nb.md(
        """
        ### 4.4 客群輪廓與潛在目標客群

        把 RFM 接上會員資料，就能描述各群是誰：性別、年齡層、教育程度、收入、縣市。下面的**分群探索器**可以切換屬性，
        比較某一群與全體顧客的差異（各列加總為 100%）。
        """
    )
    nb.code(
        """
        profile_columns = ["gender", "age_bracket", "education", "income_bracket", "city"]
        buyers = rfm.join(members.drop_duplicates("member_id").set_index("member_id")[profile_columns])
        profile_explorer, profile_result = widgets.segment_explorer(buyers, attributes=profile_columns)
        profile_explorer
        """
    )
    nb.md(
        """
        **範例**：依**收入級距**看每位會員平均貢獻的營收（包含沒有下單的會員，他們的營收算 0）。
        """
    )
    nb.code(
        """
        all_members = members.drop_duplicates("member_id").set_index("member_id")
        value = all_members.join(rfm["monetary"]).fillna({"monetary": 0})
        income_value = value.groupby("income_bracket", observed=True).agg(members=("monetary", "size"), revenue_per_member=("monetary", "mean"))
        income_value
        """
    )
    nb.md(
        """
        **練習 4.4**：用同樣的方法，以**性別 × 年齡層**（`gender`、`age_bracket`）分組，建立 `group_value`，欄位：
        `members`（會員數）、`member_share`（占全體會員比例）、`revenue`（營收合計）、`revenue_share`（占全體會員營收比例）、
        `revenue_per_member`（每位會員平均營收）。

        **營收貢獻最大**的組別，是最值得經營的**潛在目標客群**：存成
        `target_segment = {"gender": ..., "age_bracket": ...}`（用程式取出，不要打字）。
        之後在 4.5 確認它有沒有明顯的偏好；報告裡也可以討論每位會員平均營收較高的小眾客群。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        group_value = value.groupby(["gender", "age_bracket"], observed=True).agg(
            members=("monetary", "size"), revenue=("monetary", "sum"), revenue_per_member=("monetary", "mean"))
        group_value["member_share"] = group_value["members"] / group_value["members"].sum()
        group_value["revenue_share"] = group_value["revenue"] / group_value["revenue"].sum()
        best = group_value["revenue_share"].idxmax()
        target_segment = {"gender": str(best[0]), "age_bracket": str(best[1])}
        ### END SOLUTION
        print("潛在目標客群：", target_segment)
        group_value.sort_values("revenue_share", ascending=False).head(8)
        """,
        "t1_2_target_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.4）
        check_columns(group_value, ["members", "member_share", "revenue", "revenue_share", "revenue_per_member"], indicator="P1.2.4")
        check(lambda: set(target_segment) >= {"gender", "age_bracket"}, indicator="P1.2.4", ok="target_segment 格式正確",
              fix="target_segment 應為 {'gender': ..., 'age_bracket': ...}")
        check(lambda: abs(group_value["member_share"].sum() - 1) < 1e-6, indicator="P1.2.4", ok="會員占比加總為 1",
              fix="member_share 應是各組會員數 ÷ 全體會員數")
        """
    )
    nb.tests(
        hidden(
            """
_t = _h_truth()["target_segment"]
assert str(target_segment["gender"]) == _t["gender"] and str(target_segment["age_bracket"]) == _t["age_bracket"], "潛在目標客群與你的資料不一致：比較各組（性別 × 年齡層）的營收占比"
""",
            "檢查 P1.2.4：找出潛在目標客群（性別 × 年齡層）。",
        ),
        "p1_2_4__target_segment",
        points=2,
        indicator="P1.2.4",
    )
    nb.md(
        """
        ### 4.5 目標客群的偏好與需求

        偏好有兩種來源：**做的**（訂單：實際買了什麼）與**說的**（問卷：偏好的通路、在意的事）。兩者不一定一致，
        報告裡要說明你採用哪一個、為什麼。

        - **類別偏好指數**（affinity index）＝目標客群在某類別的營收占比 ÷ 全體會員在該類別的營收占比；> 1 代表偏好。
        - 問卷 `survey_responses` 以**年齡層**分析：`preferred_channel`（偏好通路）、`importance_*`（各項目的重要度，1–5 分）。

        **範例**：全體會員的類別營收占比。
        """
    )
    nb.code(
        """
        member_sales = sales[sales["member_id"].notna()]
        overall_mix = member_sales.groupby("category")["item_revenue"].sum()
        overall_mix = overall_mix / overall_mix.sum()
        overall_mix.rename(index=CATEGORY_ZH).round(3)
        """
    )
    nb.md(
        """
        **練習 4.5**：

        - `target_affinity`：目標客群（性別與年齡層都符合的會員）對五個類別的偏好指數（Series，索引為類別代碼）；
        - `target_category`：偏好指數最高的類別代碼；
        - `target_channel`：問卷中與目標客群**同年齡層**的受訪者最常選的 `preferred_channel`；
        - `target_need`：同一群受訪者平均重要度最高的項目（去掉 `importance_` 前綴，例如 `"delivery"`）。
        """
    )
    nb.answer(
        """
        ### BEGIN SOLUTION
        in_target = all_members[(all_members["gender"].astype(str) == target_segment["gender"])
                                & (all_members["age_bracket"].astype(str) == target_segment["age_bracket"])].index
        target_mix = member_sales[member_sales["member_id"].isin(in_target)].groupby("category")["item_revenue"].sum()
        target_affinity = (target_mix / target_mix.sum()) / overall_mix
        target_category = target_affinity.idxmax()

        same_age = survey[survey["age_bracket"].astype(str) == target_segment["age_bracket"]]
        target_channel = str(same_age["preferred_channel"].value_counts().idxmax())
        importance = same_age.filter(like="importance_").mean()
        target_need = importance.idxmax().removeprefix("importance_")
        ### END SOLUTION
        print("偏好類別：", CATEGORY_ZH.get(target_category), "｜偏好通路：", target_channel, "｜最在意：", target_need)
        target_affinity.rename(index=CATEGORY_ZH).round(2)
        """,
        "t1_2_preferences_answer",
    )
    nb.code(
        """
        # 自我檢查（P1.2.4）
        check(lambda: len(target_affinity) == 5 and target_affinity.gt(0).all(), indicator="P1.2.4", ok="五個類別都有偏好指數",
              fix="target_affinity 應有五個類別，值為正數（目標客群占比 ÷ 全體占比）")
        check(lambda: target_category in CATEGORY_ZH, indicator="P1.2.4", ok="偏好類別是有效代碼",
              fix="target_category 請填類別代碼")
        check(lambda: f"importance_{target_need}" in survey.columns, indicator="P1.2.4", ok="需求項目名稱正確",
              fix="target_need 應是 importance_ 後面的名稱，例如 'delivery'")
        """
    )
    nb.tests(
        hidden(
            """
_t = _h_truth()
assert str(target_category) == _t["target_segment"]["preferred_category"], "目標客群的偏好類別與訂單資料不一致：比較偏好指數"
_pref = _t["segment_preferences"]["segments"][_t["target_segment"]["age_bracket"]]
assert str(target_channel) == _pref["preferred_channel"], "偏好通路與問卷不一致：只看與目標客群同年齡層的受訪者"
assert str(target_need) == _pref["top_importance"], "最在意的需求與問卷不一致：比較同年齡層受訪者各項 importance_ 的平均"
""",
            "檢查 P1.2.4：目標客群的類別偏好、偏好通路與需求。",
        ),
        "p1_2_4__preferences",
        points=2,
        indicator="P1.2.4",
    )


if __name__ == "__main__":
    print(build())
