"""Build the practice notebooks of course/00_orientation (never count toward the level).

Run: ``.venv/bin/python course/_build/build_00.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from nbcells import NotebookBuilder

COURSE = Path(__file__).resolve().parents[1]
MODULE = COURSE / "00_orientation"

# The first code cell of every notebook: who am I, and Chinese charts.
SETUP = """
from netmarketing import learner
from netmarketing.learner.selfcheck import check, check_close, check_columns

LEARNER_ID = learner.whoami()  # prints your learner id: keep this line, the grader reads it
print("圖表字型：", learner.setup_charts())
"""

# Hidden tests read the learner's own variant (cached world, fresh table copies), never the learner's variables.
HIDDEN_WORLD = """
from netmarketing.grading.hidden import my_truth as _my_truth
from netmarketing.learner.data import my_world as _my_world


def _table(name):
    return _my_world().tables[name].copy()


"""


def build_getting_started() -> Path:
    nb = NotebookBuilder(
        title="課程導覽 0-1：認識 Jupyter 與課程工具", task="practice", indicators=["practice"], minutes=30, hidden_prelude=HIDDEN_WORLD
    )
    nb.md(
        """
        # 課程導覽 0-1：認識 Jupyter 與課程工具

        | 項目 | 內容 |
        |---|---|
        | 性質 | 練習（practice）：有自動批改，但**不計入**職能等級判定 |
        | 對應職能基準 | 網路行銷企劃主管 KMC2431-008v1（級別 4）的學習前準備 |
        | 預估時間 | 30 分鐘 |
        | 你會學到 | Jupyter 的操作、載入「我的資料」、中文圖表、自我檢查、繳交作業 |

        ## 情境
        你剛加入 **好日子選物**（好日子生活選物股份有限公司）擔任網路行銷企劃主管。
        公司在官方網站、行動 APP、LINE 官方帳號商店，以及 momo、蝦皮、PChome 等第三方平台販售美妝保養、
        保健食品、居家生活、3C 配件與服飾。接下來的課程，你會用公司的資料完成市場分析、策略規劃與成效分析。
        這本筆記本先帶你熟悉工具。
        """
    )
    nb.md(
        """
        ## 1. Jupyter 筆記本（notebook）的基本操作

        - 筆記本由一格一格的 **儲存格（cell）** 組成：**Markdown 儲存格** 放說明文字，**程式碼儲存格（code cell）** 放 Python 程式。
        - 選取一格後按 `Shift + Enter` 執行，並跳到下一格。左邊的 `[1]` 表示執行順序。
        - 程式會記得**已執行過**的變數。如果結果怪怪的，用選單「Kernel → Restart Kernel and Run All Cells」從頭執行一次。
        - 按 `Esc` 進入命令模式：`A` 在上方插入、`B` 在下方插入、`M` 轉成 Markdown、`Y` 轉成程式碼。
        - JupyterLab 可切換為繁體中文介面：「Settings → Language → 中文（台灣）」。
        - 標有 🔒 的儲存格是批改用的，請**不要刪除或搬動**；作答格裡寫著 `raise NotImplementedError()`，請把那一行換成你的程式。

        先執行下面這格：它會告訴你系統認得的學員代碼，並設定圖表的中文字型。
        """
    )
    nb.locked(SETUP, "practice__setup")
    nb.md(
        """
        ## 2. 載入「我的資料」

        每位學員拿到的是**同一家公司、但數字略有不同的資料版本（variant）**，由你的學員代碼決定。
        所以抄別人的答案不會通過批改；批改程式會用**你的**資料重新計算正確答案。

        `learner.load("資料表名稱")` 會回傳一個 pandas 的 **資料表（DataFrame）**。例如訂單（orders）：
        """
    )
    nb.code(
        """
        orders = learner.load("orders")
        print("訂單筆數與欄位數：", orders.shape)
        orders.head()
        """
    )
    nb.md(
        """
        常用的「看一眼資料」方法：

        | 寫法 | 做什麼 |
        |---|---|
        | `df.head()` | 前 5 列 |
        | `df.shape` | (列數, 欄數) |
        | `len(df)` | 列數 |
        | `df.columns` | 欄位名稱 |
        | `df.dtypes` | 每個欄位的資料型別 |
        | `df["欄位"].value_counts()` | 某欄各個值出現幾次 |

        **範例**：會員（members）資料表有幾位會員？
        """
    )
    nb.code(
        """
        members = learner.load("members")
        n_members_example = len(members)
        print("會員人數：", n_members_example)
        orders["platform"].value_counts()
        """
    )
    nb.md(
        """
        ### 練習 1：訂單有幾筆？
        把訂單資料表 `orders` 的**列數**存進變數 `n_orders`（整數）。
        """
    )
    nb.answer(
        """
        # 作答：n_orders = ...
        ### BEGIN SOLUTION
        n_orders = len(orders)
        ### END SOLUTION
        print("訂單筆數：", n_orders)
        """,
        "practice__n_orders_answer",
    )
    nb.md(
        """
        ### 自我檢查（self-check）
        下面這格只檢查格式，並用 ✅／❌ 告訴你哪裡要改；真正的分數由繳交後的隱藏測試（hidden tests）決定。
        """
    )
    nb.code(
        """
        check(lambda: isinstance(n_orders, int), indicator="practice",
              ok="n_orders 是整數", fix="n_orders 應該是整數，請用 len(orders)")
        check(lambda: n_orders == len(learner.load("orders")), indicator="practice",
              ok="和你的訂單資料表列數一致", fix="n_orders 應等於 orders 的列數")
        """
    )
    nb.tests(
        """
        \"\"\"批改：n_orders 是否等於你的訂單資料表列數。\"\"\"
        assert isinstance(n_orders, int), "n_orders 應該是整數"
        """,
        hidden="""
            assert n_orders == len(_table("orders")), "n_orders 和你的資料版本不一致：請用 len(orders)"
            """,
        grade_id="practice__n_orders",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 3. 有中文標籤的圖表

        第一格已呼叫 `learner.setup_charts()`，它會找到電腦上的中文字型（Noto Sans CJK、微軟正黑體或蘋方），
        圖表上的中文就不會變成方塊。下面畫出各銷售平台的訂單數；平台代碼先換成中文名稱。
        """
    )
    nb.code(
        """
        import matplotlib.pyplot as plt
        from netmarketing.data import catalog

        platform_zh = {code: info["zh"] for code, info in catalog.PLATFORMS.items()}
        counts = orders["platform"].map(platform_zh).value_counts()
        ax = counts.plot.barh(color="#2a9d8f")
        ax.set_title("各銷售平台訂單數")
        ax.set_xlabel("訂單數")
        ax.set_ylabel("平台")
        plt.tight_layout()
        plt.show()
        """
    )
    nb.md(
        """
        ### 練習 2：最多訂單的平台
        哪一個平台（`platform` 欄的代碼，例如 `"website"`）的訂單最多？存進 `top_platform`（字串）。
        提示：`value_counts()` 由大到小排序，`.index[0]` 是第一名。
        """
    )
    nb.answer(
        """
        # 作答：top_platform = ...
        ### BEGIN SOLUTION
        top_platform = orders["platform"].value_counts().index[0]
        ### END SOLUTION
        print("訂單最多的平台：", top_platform)
        """,
        "practice__top_platform_answer",
    )
    nb.code(
        """
        from netmarketing.data import catalog

        check(lambda: top_platform in catalog.PLATFORMS, indicator="practice",
              ok="top_platform 是有效的平台代碼", fix="請填平台代碼（如 'website'），不是中文名稱")
        """
    )
    nb.tests(
        """
        \"\"\"批改：top_platform 是否為你的資料中訂單最多的平台。\"\"\"
        assert isinstance(top_platform, str), "top_platform 應為字串（平台代碼）"
        """,
        hidden="""
            # Platforms can tie on order count: any platform with the most orders is right.
            _counts = _table("orders")["platform"].astype(str).value_counts()
            assert _counts.get(str(top_platform), -1) == _counts.max(), "top_platform 不是你的資料中訂單最多的平台"
            """,
        grade_id="practice__top_platform",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 4. 自我檢查、繳交與批改

        1. **自我檢查**：每個練習後面都有一格 `check(...)`，它會印出 ✅ 或 ❌，並說明對應的行為指標（如 `P1.1.3`）與要修正的地方。自我檢查不會中斷程式。
        2. **隱藏測試（hidden tests）**：🔒 的測試格在繳交後才會執行完整版本，並用你的資料版本重新計算答案。
        3. **書面作答**：有些題目要你寫分析文字，由講師依評分規準（rubric）人工評分；評完之前，成績顯示為「待評（pending）」。
        4. **繳交前**：選單「Kernel → Restart Kernel and Run All Cells」，確認從頭到尾沒有錯誤，再存檔。
        5. **繳交**：在 JupyterLab 的「Assignments」分頁按「Validate」檢查，再按「Submit」。截止前可以重交，以最後一次為準。

        練習模組的成績**不計入**等級判定，放心嘗試。
        """
    )
    return nb.write(MODULE / "o1_getting_started.ipynb")


def build_pandas() -> Path:
    nb = NotebookBuilder(
        title="課程導覽 0-2：行銷人的 pandas 與 seaborn", task="practice", indicators=["practice"], minutes=60, hidden_prelude=HIDDEN_WORLD
    )
    nb.md(
        """
        # 課程導覽 0-2：行銷人的 pandas 與 seaborn

        | 項目 | 內容 |
        |---|---|
        | 性質 | 練習（practice）：不計入職能等級判定 |
        | 預估時間 | 60 分鐘 |
        | 你會學到 | 篩選（filter）、分組彙總（group by）、樞紐表（pivot table）、合併（merge）、日期處理、第一張 seaborn 圖 |

        ## 情境
        好日子選物的總經理問你：「**我們的營收主要從哪些平台、哪些商品類別來？每個月的變化如何？**」
        這些問題只要幾行 pandas 就能回答。每一節先看範例，再自己動手。
        """
    )
    nb.locked(SETUP + '\nimport pandas as pd\norders = learner.load("orders")\n', "practice__setup_pandas")
    nb.md(
        """
        ## 1. 篩選（filter）

        在中括號裡放一個「每列是 True/False」的條件，就能留下符合條件的列。多個條件用 `&`（而且）、`|`（或），每個條件加括號。

        **範例**：官方網站（`website`）上已完成（`completed`）的訂單。
        """
    )
    nb.code(
        """
        website_completed = orders[(orders["platform"] == "website") & (orders["status"] == "completed")]
        print("官方網站已完成訂單：", len(website_completed))
        website_completed[["order_id", "order_ts", "revenue"]].head()
        """
    )
    nb.md(
        """
        ### 練習 1：已完成的訂單
        篩出所有平台中 `status` 為 `"completed"` 的訂單，存成資料表 `completed`。
        """
    )
    nb.answer(
        """
        # 作答：completed = orders[...]
        ### BEGIN SOLUTION
        completed = orders[orders["status"] == "completed"]
        ### END SOLUTION
        print("已完成訂單：", len(completed))
        """,
        "practice__completed_answer",
    )
    nb.code(
        """
        check(lambda: set(completed["status"]) == {"completed"}, indicator="practice",
              ok="只留下已完成訂單", fix="completed 裡還有其他狀態，請用 orders['status'] == 'completed' 篩選")
        """
    )
    nb.tests(
        """
        \"\"\"批改：completed 是否恰好是你的資料中已完成的訂單。\"\"\"
        assert set(completed["status"]) == {"completed"}, "completed 只能有 status 為 completed 的訂單"
        """,
        hidden="""
            _o = _table("orders")
            assert len(completed) == int((_o["status"] == "completed").sum()), "completed 的筆數和你的資料不一致"
            """,
        grade_id="practice__completed",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 2. 分組彙總（group by）

        `df.groupby("分組欄")["數值欄"].sum()` 先依某欄分組，再把每組加總。換成 `.mean()`、`.count()`、`.nunique()` 就是平均、筆數、不重複個數。

        **範例**：已完成訂單中，各平台的營收（`revenue`，新臺幣）。
        """
    )
    nb.code(
        """
        platform_revenue = completed.groupby("platform", observed=True)["revenue"].sum().sort_values(ascending=False)
        platform_revenue
        """
    )
    nb.md(
        """
        ### 練習 2：各城市營收
        用 `completed` 算出**各城市**（`city`）的營收合計，由大到小排序，存成 Series `city_revenue`。
        注意：少數訂單沒有城市（缺漏值），`groupby` 會自動略過它們；模組 01 會再處理資料品質問題。
        """
    )
    nb.answer(
        """
        # 作答：city_revenue = ...
        ### BEGIN SOLUTION
        city_revenue = completed.groupby("city", observed=True)["revenue"].sum().sort_values(ascending=False)
        ### END SOLUTION
        city_revenue.head()
        """,
        "practice__city_revenue_answer",
    )
    nb.code(
        """
        check(lambda: city_revenue.is_monotonic_decreasing, indicator="practice",
              ok="已由大到小排序", fix="請加上 .sort_values(ascending=False)")
        has_city = completed["city"].notna()
        check(lambda: int(city_revenue.sum()) == int(completed.loc[has_city, "revenue"].sum()), indicator="practice",
              ok="各城市合計等於（有城市資料的）已完成訂單營收", fix="合計不對：請用 completed，並對 revenue 加總")
        """
    )
    nb.tests(
        """
        \"\"\"批改：city_revenue 是否為各城市已完成訂單營收，由大到小。\"\"\"
        assert city_revenue.is_monotonic_decreasing, "city_revenue 要由大到小排序"
        """,
        hidden="""
            _o = _table("orders")
            _exp = _o[_o["status"] == "completed"].groupby("city", observed=True)["revenue"].sum()
            _got = city_revenue.copy()
            _got.index = _got.index.astype(str)
            _exp.index = _exp.index.astype(str)
            assert _got.index[0] == _exp.idxmax(), "營收第一名的城市不對"
            assert (_got.reindex(_exp.index).fillna(0).astype(int) == _exp.astype(int)).all(), "各城市營收和你的資料不一致"
            """,
        grade_id="practice__city_revenue",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 3. 日期與月份

        `order_ts` 是含時區（Asia/Taipei）的時間戳記。`.dt.strftime("%Y-%m")` 會把它變成 `"2025-11"` 這種月份字串，很適合做月報。

        **範例**：每月已完成訂單數。
        """
    )
    nb.code(
        """
        completed = completed.assign(month=completed["order_ts"].dt.strftime("%Y-%m"))
        monthly_orders = completed.groupby("month")["order_id"].count()
        monthly_orders.tail(6)
        """
    )
    nb.md(
        """
        ### 練習 3：每月營收
        用 `completed` 的 `month` 欄，算出每月營收合計，存成 Series `monthly_revenue`（索引是 `"YYYY-MM"`，由舊到新）。
        """
    )
    nb.answer(
        """
        # 作答：monthly_revenue = ...
        ### BEGIN SOLUTION
        monthly_revenue = completed.groupby("month")["revenue"].sum().sort_index()
        ### END SOLUTION
        monthly_revenue.tail()
        """,
        "practice__monthly_revenue_answer",
    )
    nb.code(
        """
        check(lambda: all(len(str(m)) == 7 and str(m)[4] == "-" for m in monthly_revenue.index), indicator="practice",
              ok="索引是 YYYY-MM 月份字串", fix='索引應為 "2025-11" 這種格式，請用 .dt.strftime("%Y-%m")')
        """
    )
    nb.tests(
        """
        \"\"\"批改：monthly_revenue 是否為每月已完成訂單營收。\"\"\"
        assert len(monthly_revenue) >= 12, "monthly_revenue 應該有每個月一列"
        """,
        hidden="""
            _o = _table("orders")
            _c = _o[_o["status"] == "completed"]
            _exp = _c.groupby(_c["order_ts"].dt.strftime("%Y-%m"))["revenue"].sum()
            _got = monthly_revenue.copy()
            _got.index = _got.index.astype(str)
            assert list(_got.index) == list(_exp.index), "月份不一致：請依 order_ts 的月份分組，由舊到新"
            assert (_got.astype(int).values == _exp.astype(int).values).all(), "每月營收和你的資料不一致"
            """,
        grade_id="practice__monthly_revenue",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 4. 樞紐表（pivot table）

        `pd.pivot_table(df, index=列, columns=欄, values=數值, aggfunc="sum")` 就像 Excel 的樞紐分析表。

        **範例**：各月 × 各平台的營收（只看最近 6 個月）。
        """
    )
    nb.code(
        """
        pivot = pd.pivot_table(completed, index="month", columns="platform", values="revenue",
                               aggfunc="sum", fill_value=0, observed=True)
        pivot.tail(6)
        """
    )
    nb.md(
        """
        ## 5. 合併（merge）

        訂單明細（`order_items`）只有商品代碼 `sku`；商品類別在商品資料表（`products`）。
        `merge` 依共同欄位把兩張表接起來，就像 Excel 的 VLOOKUP。

        **範例**：把商品類別接到訂單明細上。
        """
    )
    nb.code(
        """
        items = learner.load("order_items")
        products = learner.load("products")
        items_with_category = items.merge(products[["sku", "category", "category_zh"]], on="sku", how="left")
        items_with_category.head()
        """
    )
    nb.md(
        """
        ### 練習 4：各類別的商品營收
        用 `items_with_category`，依 `category_zh` 加總 `item_revenue`，由大到小排序，存成 Series `category_revenue`。
        （這裡先不排除取消的訂單。）
        """
    )
    nb.answer(
        """
        # 作答：category_revenue = ...
        ### BEGIN SOLUTION
        category_revenue = (
            items_with_category.groupby("category_zh", observed=True)["item_revenue"].sum().sort_values(ascending=False)
        )
        ### END SOLUTION
        category_revenue
        """,
        "practice__category_revenue_answer",
    )
    nb.code(
        """
        check(lambda: len(category_revenue) == products["category_zh"].nunique(), indicator="practice",
              ok="每個類別一列", fix="類別數不對：請依 category_zh 分組")
        """
    )
    nb.tests(
        """
        \"\"\"批改：category_revenue 是否為各類別商品營收。\"\"\"
        assert category_revenue.is_monotonic_decreasing, "category_revenue 要由大到小排序"
        """,
        hidden="""
            _i = _table("order_items").merge(_table("products")[["sku", "category_zh"]], on="sku")
            _exp = _i.groupby("category_zh", observed=True)["item_revenue"].sum()
            _got = category_revenue.copy()
            _got.index = _got.index.astype(str)
            _exp.index = _exp.index.astype(str)
            assert (_got.reindex(_exp.index).fillna(0).astype(int) == _exp.astype(int)).all(), "各類別營收和你的資料不一致"
            """,
        grade_id="practice__category_revenue",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 6. 第一張 seaborn 圖

        seaborn 是建立在 matplotlib 上的統計繪圖套件。畫完記得加上**中文標題與座標軸名稱**，讀者才看得懂。

        **範例**：每月營收折線圖。
        """
    )
    nb.code(
        """
        import matplotlib.pyplot as plt
        import seaborn as sns

        monthly = monthly_revenue.rename("營收").rename_axis("月份").reset_index()
        fig, ax = plt.subplots(figsize=(9, 3.5))
        sns.lineplot(data=monthly, x="月份", y="營收", marker="o", ax=ax)
        ax.set_title("好日子選物 每月營收（已完成訂單）")
        ax.set_ylabel("營收（新臺幣）")
        ax.tick_params(axis="x", rotation=90)
        plt.tight_layout()
        plt.show()
        """
    )
    nb.md(
        """
        ### 練習 5：類別營收長條圖
        用 `sns.barplot` 畫出 `category_revenue`（x 軸：營收，y 軸：類別），把圖的座標軸存進變數 `ax`，
        並設定中文標題（`ax.set_title(...)`）與 x 軸名稱（`ax.set_xlabel(...)`）。
        """
    )
    nb.answer(
        """
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ### BEGIN SOLUTION
        sns.barplot(x=category_revenue.values, y=category_revenue.index.astype(str), color="#e76f51", errorbar=None, ax=ax)
        ax.set_title("各商品類別營收")
        ax.set_xlabel("營收（新臺幣）")
        ax.set_ylabel("類別")
        ### END SOLUTION
        plt.tight_layout()
        plt.show()
        """,
        "practice__first_chart_answer",
    )
    nb.code(
        """
        def _has_chinese(text):
            return any("\\u4e00" <= ch <= "\\u9fff" for ch in str(text))

        check(lambda: _has_chinese(ax.get_title()), indicator="practice",
              ok="圖有中文標題", fix="請用 ax.set_title('…') 加上中文標題")
        check(lambda: _has_chinese(ax.get_xlabel()), indicator="practice",
              ok="x 軸有中文名稱", fix="請用 ax.set_xlabel('…') 加上中文座標軸名稱")
        """
    )
    nb.tests(
        """
        \"\"\"批改：圖上是否有長條、中文標題與中文 x 軸名稱。\"\"\"
        def _zh(text):
            return any("\\u4e00" <= ch <= "\\u9fff" for ch in str(text))

        assert len(ax.patches) >= 3, "圖上沒有長條：請用 sns.barplot 畫 category_revenue，並傳入 ax=ax"
        assert _zh(ax.get_title()), "請加上中文標題"
        assert _zh(ax.get_xlabel()), "請加上中文 x 軸名稱"
        """,
        grade_id="practice__first_chart",
        points=1,
        indicator="practice",
    )
    nb.md(
        """
        ## 小結
        | 需求 | pandas 寫法 |
        |---|---|
        | 篩選 | `df[df["欄"] == 值]` |
        | 分組彙總 | `df.groupby("欄")["數值"].sum()` |
        | 月份 | `df["時間"].dt.strftime("%Y-%m")` |
        | 樞紐表 | `pd.pivot_table(df, index=…, columns=…, values=…, aggfunc="sum")` |
        | 合併 | `a.merge(b, on="鍵", how="left")` |
        | 圖表 | `sns.barplot(…)`、`sns.lineplot(…)`，加上中文標題與座標軸 |

        準備好了，就進入模組 01「市場分析」。
        """
    )
    return nb.write(MODULE / "o2_pandas_for_marketers.ipynb")


def main() -> None:
    for path in (build_getting_started(), build_pandas()):
        print("wrote", path.relative_to(COURSE.parent))


if __name__ == "__main__":
    main()
