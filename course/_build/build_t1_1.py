"""Build course/01_market_analysis/t1_1_scope_and_sources.ipynb (T1.1: P1.1.1, P1.1.2, P1.1.3).

Run: ``.venv/bin/python course/_build/build_t1_1.py``
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from build_00 import HIDDEN_WORLD, SETUP
from nbcells import NotebookBuilder

COURSE = Path(__file__).resolve().parents[1]
NOTEBOOK = COURSE / "01_market_analysis" / "t1_1_scope_and_sources.ipynb"

# Answer key of P1.1.1: question -> (purpose, essential pathway groups, unsuitable pathways).
# It lives only in hidden tests, so learners never see it in their copies.
PATHWAY_KEY = {
    "Q1": ("market_trend", [["market_reports"], ["backoffice_orders"]], ["crm", "surveys"]),
    "Q2": ("traffic_performance", [["ga4_export"]], ["market_reports", "surveys", "crm"]),
    "Q3": ("ad_performance", [["ad_platforms"], ["backoffice_orders", "ga4_export"]], ["market_reports", "surveys"]),
    "Q4": ("customer_profile", [["crm"], ["backoffice_orders"]], ["ad_platforms", "market_reports"]),
    "Q5": ("customer_needs", [["surveys"]], ["ad_platforms", "market_reports"]),
    "Q6": ("competition", [["market_reports"]], ["crm", "ga4_export", "surveys"]),
    "Q7": ("product_performance", [["backoffice_orders"]], ["ga4_export", "ad_platforms", "market_reports"]),
    "Q8": ("traffic_performance", [["ga4_export"]], ["market_reports", "crm", "surveys"]),
}
SOLUTION_PURPOSES = {q: v[0] for q, v in PATHWAY_KEY.items()}
SOLUTION_PATHWAYS = {
    "Q1": ["market_reports", "backoffice_orders"],
    "Q2": ["ga4_export"],
    "Q3": ["ad_platforms", "backoffice_orders"],
    "Q4": ["crm", "backoffice_orders"],
    "Q5": ["surveys"],
    "Q6": ["market_reports"],
    "Q7": ["backoffice_orders"],
    "Q8": ["ga4_export"],
}

IDENTIFIERS = ["member_id", "name", "national_id", "mobile", "email", "birth_date", "health_notes"]


def _dict_literal(d: dict, indent: str = "    ") -> str:
    lines = ["{"] + [f"{indent}{k!r}: {v!r}," for k, v in d.items()] + ["}"]
    return "\n".join(lines)


def intro(nb: NotebookBuilder) -> None:
    nb.md(
        """
        # T1.1 釐訂市場分析範疇：目的、資料途徑、合法蒐集與歷史資料

        | 項目 | 內容 |
        |---|---|
        | 職能基準 | 網路行銷企劃主管 KMC2431-008v1（級別 4）・主要職責 T1 市場分析 |
        | 工作任務 | **T1.1 釐訂市場分析範疇** |
        | 行為指標 | **P1.1.1** 確認蒐集市場資訊的目的、需求及數據途徑<br>**P1.1.2** 依產品定位與分析需求蒐集市場資訊、符合網路行銷相關法規，並判別資訊的適當性與可用性<br>**P1.1.3** 蒐集網路行銷活動歷史資訊（網站流量與銷售數據） |
        | 知識（K） | K01 產業現況與發展趨勢、K02 組織政策與流程、K03 市場分析範疇與架構、K04 市場分析方法、K05 網路行銷相關法規、K06 網路行銷概論、K07 財務報表概念 |
        | 技能（S） | S01 資料蒐集與判斷能力 |
        | 預估時間 | 150 分鐘（可分兩次完成） |

        ## 情境
        **好日子選物**要開始準備 2027 年度網路行銷計畫。總經理請你先做一份市場分析，
        但在動手分析之前，你得先**釐清範疇**：要回答哪些經營問題、各需要什麼資訊、資料從哪裡來；
        蒐集的資料**合不合法、合不合用**；最後把過去的網站流量與銷售歷史整理成可以分析的樣子。

        | 節 | 內容 | 行為指標 |
        |---|---|---|
        | 1 | 經營問題 → 目的 → 資訊需求 → 數據途徑 | P1.1.1 |
        | 2 | 個人資料：準備合法、最小化的會員分析表 | P1.1.2 |
        | 3 | 廣告文案的法規檢查 | P1.1.2 |
        | 4 | 整理網站流量與銷售歷史 | P1.1.3 |
        | 5 | 資料品質稽核（data-quality audit）與資訊適當性評估 | P1.1.2 |

        先執行下一格（學員代號與中文圖表）。
        """
    )
    nb.locked(
        SETUP
        + """
import hashlib

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from netmarketing.data import catalog
from netmarketing.learner import sources
""",
        "p1_1_setup",
    )


def section_p111(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ## 1. 從經營問題到數據途徑（P1.1.1）

        市場分析的範疇（scope）要從**經營問題**開始，而不是從手上有什麼資料開始：

        1. **目的（purpose）**：這個問題是為了什麼決策？（例如：評估廣告投資報酬）
        2. **資訊需求（information needs）**：需要哪些指標、維度、期間？（例如：各廣告活動的花費與帶來的營收，近 12 個月）
        3. **數據途徑（data pathways）**：這些資訊可以從哪裡取得，資料的涵蓋範圍與限制是什麼？

        好日子選物可用的數據途徑如下（右欄是本課程資料中對應的資料表）：
        """
    )
    nb.code(
        """
        pathways = pd.DataFrame(sources.DATA_PATHWAYS).T.rename(
            columns={"zh": "數據途徑", "tables": "資料表", "holds": "包含的資訊"}
        )
        pathways.index.name = "代碼"
        pathways
        """
    )
    nb.md(
        """
        分析目的有這幾類（代碼 → 說明）：
        """
    )
    nb.code(
        """
        pd.Series(sources.PURPOSES, name="目的").rename_axis("代碼").to_frame()
        """
    )
    nb.md(
        """
        ### 範例：母親節檔期要主打哪些類別？
        - **目的**：`product_performance`（評估商品與類別經營表現）。
        - **資訊需求**：去年 4–5 月各類別的營收、訂單數、毛利率；與平常月份比較的成長。
        - **數據途徑**：`backoffice_orders`（訂單、明細與商品成本都在後台）。
        - **不適合**：市場報告只有整體產業數字、問卷只反映少數填答者的意見，都無法回答「我們」哪個類別賣得好、毛利夠。
        - **注意限制**：第三方平台（momo、蝦皮、PChome）的訂單不會出現在 GA4，但會出現在後台訂單。
        """
    )
    nb.code(
        """
        example = sources.EXAMPLE_QUESTION
        print(example["id"], example["zh"])
        print("目的：", sources.PURPOSES[example["purpose"]])
        print("必要途徑：", [[sources.DATA_PATHWAYS[p]["zh"] for p in group] for group in example["essential"]])
        print("不適合：", [sources.DATA_PATHWAYS[p]["zh"] for p in example["unsuitable"]])
        """
    )
    nb.md(
        """
        ### 練習 1.1：為 8 個經營問題定目的與數據途徑
        下面的**資料途徑選擇器**可以幫你整理想法：每題選一個目的、勾選需要的數據途徑，
        選擇器下方會即時產生程式碼。**請把它複製到作答格**（批改只看作答格裡的變數，不看選擇器）。

        - `purpose_plan`：題號 → 目的代碼（一題一個）。
        - `pathway_plan`：題號 → 數據途徑代碼的清單。要**足夠回答問題**，也**不要放無法回答問題的途徑**。
        """
    )
    nb.code(
        """
        for q in sources.BUSINESS_QUESTIONS:
            print(q["id"], q["zh"])
        picker, picked = sources.pathway_picker()
        picker
        """
    )
    nb.answer(
        "# 作答：把選擇器產生的程式碼貼在這裡（或直接手寫）\n### BEGIN SOLUTION\n"
        f"purpose_plan = {_dict_literal(SOLUTION_PURPOSES)}\n"
        f"pathway_plan = {_dict_literal(SOLUTION_PATHWAYS)}\n"
        "### END SOLUTION",
        "p1_1_1__plan_answer",
    )
    nb.code(
        """
        question_ids = [q["id"] for q in sources.BUSINESS_QUESTIONS]
        check(lambda: sorted(purpose_plan) == question_ids, indicator="P1.1.1",
              ok="8 題都有目的", fix="purpose_plan 要有 Q1～Q8 每一題")
        check(lambda: all(v in sources.PURPOSES for v in purpose_plan.values()), indicator="P1.1.1",
              ok="目的代碼都有效", fix="目的請用上表的代碼（如 'market_trend'），不要留 None")
        check(lambda: sorted(pathway_plan) == question_ids and all(pathway_plan.values()), indicator="P1.1.1",
              ok="每題至少一個數據途徑", fix="pathway_plan 要有 Q1～Q8，每題至少一個途徑")
        check(lambda: all(p in sources.DATA_PATHWAYS for v in pathway_plan.values() for p in v), indicator="P1.1.1",
              ok="數據途徑代碼都有效", fix="途徑請用上表的代碼（如 'ga4_export'）")
        """
    )
    key_literal = _dict_literal(PATHWAY_KEY)
    nb.tests(
        """
        \"\"\"批改（P1.1.1）：purpose_plan 是否至少 6／8 題的目的合理。\"\"\"
        assert isinstance(purpose_plan, dict), "purpose_plan 應為 dict：題號 → 目的代碼"
        """,
        grade_id="p1_1_1__purposes",
        points=2,
        indicator="P1.1.1",
        hidden="_KEY = " + key_literal + "\n" + textwrap.dedent("""
        _right = [q for q, (purpose, _, _) in _KEY.items() if purpose_plan.get(q) == purpose]
        assert len(_right) >= 6, f"只有 {len(_right)}/8 題的目的合理：請回到題目，想想這個問題要支援哪一種決策"
        """),
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.1）：pathway_plan 是否至少 6／8 題的數據途徑足夠且適合。\"\"\"
        assert isinstance(pathway_plan, dict), "pathway_plan 應為 dict：題號 → 數據途徑清單"
        """,
        grade_id="p1_1_1__pathways",
        points=3,
        indicator="P1.1.1",
        hidden="_KEY = " + key_literal + "\n" + textwrap.dedent("""

        def _sound(question, chosen):
            _, essential, unsuitable = _KEY[question]
            chosen = set(chosen or [])
            return all(chosen & set(group) for group in essential) and not chosen & set(unsuitable)

        _right = [q for q in _KEY if _sound(q, pathway_plan.get(q))]
        assert len(_right) >= 6, (
            f"只有 {len(_right)}/8 題的數據途徑合理：每題要有足以回答問題的途徑，且不要放無法回答它的途徑"
        )
        """),
    )
    nb.md(
        """
        ### 練習 1.2（書面，人工評分）：說明你的範疇
        從 Q1～Q8 選**兩題**，各用 3～5 句話說明：
        1. 目的（這個分析支援什麼決策）；
        2. 資訊需求（哪些指標、維度、期間）；
        3. 數據途徑，以及它的**限制**（例如：GA4 看不到第三方平台的訂單；人口屬性報表只涵蓋部分使用者；問卷樣本可能偏誤）。

        在下面的儲存格作答（雙擊即可編輯）。評分規準（rubric）：`written_analysis`。
        """
    )
    nb.written(
        """
        **Q3 廣告投資報酬**
        - 目的：決定 2027 年廣告預算要加碼或縮減哪些管道與活動。
        - 資訊需求：近 12 個月各廣告活動（Google 搜尋、購物廣告、Meta）的花費、點擊、轉換與歸因營收，計算 ROAS；依月份看季節性。
        - 數據途徑：廣告平台報表（花費、點擊）＋後台訂單（campaign 欄位的實際營收）。限制：平台自報的轉換會重複歸因，需以後台訂單或 GA4 交叉核對；第三方平台的訂單看不到廣告來源。

        **Q4 會員輪廓與回購**
        - 目的：找出值得經營的會員客群，作為再行銷與商品規劃的依據。
        - 資訊需求：會員的年齡層、性別、城市；各群的訂單頻率、最近一次購買、累計消費（RFM）。
        - 數據途徑：會員 CRM ＋ 後台訂單（以 member_id 串接）。限制：只涵蓋註冊會員，訪客與第三方平台買家不在內；分析前須確認會員同意的蒐集目的（個資法 §5、§20），並移除不需要的識別資料。
        """,
        "p1_1_1__scope_justification",
        points=3,
        indicator="P1.1.1",
    )


def section_p112_personal(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ## 2. 個人資料：準備合法、最小化的會員分析表（P1.1.2）

        行銷部想為 11 月的 **LINE 與電子報（EDM）行銷活動**挑選目標客群，請你準備一張會員分析表。
        會員資料（CRM）是**個人資料（personal data）**，蒐集與利用要符合《個人資料保護法》（個資法）：

        | 條文 | 重點 | 對這張表的意思 |
        |---|---|---|
        | §2 | 姓名、身分證字號、聯絡方式、病歷等**能直接或間接識別個人**的資料都是個資 | 姓名、身分證字號、手機、email 都是識別資料 |
        | §5 | 蒐集利用應**尊重特定目的**、不得逾越必要範圍（資料最小化 data minimisation） | 只留下分析需要的欄位；生日可用年齡層代替 |
        | §6 | **敏感個資**（病歷、醫療、健康檢查、基因、性生活、犯罪前科）原則上不得蒐集利用 | `health_notes` 一律不能進入行銷資料 |
        | §19 | 非公務機關須有特定目的**與**法定要件（如契約、當事人同意） | 只用同意「行銷推播」的會員 |
        | §20 | 利用須在目的範圍內；**當事人表示拒絕行銷後應即停止**（II） | 排除已退出行銷（有 `marketing_opt_out_date`）的會員 |

        **假名化（pseudonymisation）**：把會員編號換成「加鹽雜湊（salted hash）」，分析時仍能串接同一人的資料，
        但拿到表格的人無法直接認出是誰。注意：假名化後的資料**仍是個資**（持有鹽值的人能還原對應），鹽值要另外保管。
        """
    )
    nb.code(
        """
        members = learner.load("members")
        print(members.shape)
        members.head(3)
        """
    )
    nb.code(
        """
        # 同意目的與退出行銷的狀況
        print(members["consent_purposes"].value_counts().head(8))
        print("marketing_consent：", members["marketing_consent"].value_counts().to_dict())
        print("有退出行銷日期的會員：", int(members["marketing_opt_out_date"].notna().sum()))
        """
    )
    nb.md(
        """
        ### 範例：為什麼要「加鹽」？
        會員編號的格式是公開的（`M000001`…），不加鹽的雜湊，任何人都能把所有編號算一遍、對照回去。
        加上只有公司知道的鹽值（salt）後，就無法用這種字典攻擊還原。
        """
    )
    nb.code(
        """
        def sha256_hex(text):
            return hashlib.sha256(text.encode("utf-8")).hexdigest()

        print("不加鹽：", sha256_hex("M000001")[:16], "← 任何人都算得出來")
        print("加鹽：  ", sha256_hex("範例鹽值-請勿使用" + "M000001")[:16])
        """
    )
    nb.md(
        """
        ### 練習 2：建立 `customer_table`
        1. 設定你的鹽值 `SALT`（至少 8 個字元的字串；實務上應存在環境變數或金鑰庫，不寫在筆記本裡）。
        2. 完成 `pseudonymise(member_id)`：回傳 `sha256(SALT + member_id)` 的 16 進位字串（取前 16 個字元即可）。
        3. 篩選會員：`marketing_consent` 為 True、`consent_purposes` 含「行銷推播」、**沒有** `marketing_opt_out_date`。
        4. 新增欄位 `customer_key = pseudonymise(member_id)`，並**刪除** `member_id`、`name`、`national_id`、`mobile`、`email`、`birth_date`、`health_notes`。
           保留分析需要的欄位：`customer_key`、`gender`、`age_bracket`、`education`、`income_bracket`、`city`、`join_date`、`line_user_linked`。
        """
    )
    nb.answer(
        """
        # 作答（提示）：
        # SALT = "你的鹽值（至少 8 個字元）"
        # def pseudonymise(member_id):
        #     return hashlib.sha256((SALT + member_id).encode("utf-8")).hexdigest()[:16]
        # is_marketing = (members["marketing_consent"] & ... & members["marketing_opt_out_date"].isna())
        # customer_table = members.loc[is_marketing].assign(customer_key=...)[[要保留的欄位]]
        ### BEGIN SOLUTION
        SALT = "gooddays-2027-行銷分析-" + LEARNER_ID


        def pseudonymise(member_id):
            return hashlib.sha256((SALT + member_id).encode("utf-8")).hexdigest()[:16]


        is_marketing = (
            members["marketing_consent"]
            & members["consent_purposes"].str.contains("行銷推播", regex=False)
            & members["marketing_opt_out_date"].isna()
        )
        customer_table = members.loc[is_marketing].assign(customer_key=lambda d: d["member_id"].map(pseudonymise))
        customer_table = customer_table[
            ["customer_key", "gender", "age_bracket", "education", "income_bracket", "city", "join_date",
             "line_user_linked"]
        ].reset_index(drop=True)
        ### END SOLUTION
        customer_table.head()
        """,
        "p1_1_2__customer_table_answer",
    )
    nb.code(
        f"""
        FORBIDDEN = {IDENTIFIERS!r}
        check_columns(customer_table, ["customer_key", "age_bracket", "city"], indicator="P1.1.2",
                      forbidden=FORBIDDEN)
        check(lambda: len(customer_table) < len(members), indicator="P1.1.2",
              ok="已排除未同意行銷的會員", fix="表格和原始會員一樣多：請依同意目的與退出日期篩選")
        check(lambda: customer_table["customer_key"].is_unique, indicator="P1.1.2",
              ok="customer_key 不重複", fix="customer_key 有重複：請對每位會員各算一次雜湊")
        check(lambda: pseudonymise("M000001") != sha256_hex("M000001")[:16], indicator="P1.1.2",
              ok="雜湊有加鹽", fix="pseudonymise 要把 SALT 放在 member_id 前面一起雜湊")
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.2）：customer_table 是否恰好保留同意行銷推播、且未退出的會員。\"\"\"
        assert "customer_key" in customer_table.columns, "customer_table 需要 customer_key 欄位"
        """,
        grade_id="p1_1_2__consent_rows",
        points=2,
        indicator="P1.1.2",
        hidden="""
        _m = _table("members")
        _ok = (
            _m["marketing_consent"].astype(bool)
            & _m["consent_purposes"].astype(str).str.contains("行銷推播", regex=False)
            & _m["marketing_opt_out_date"].isna()
        )
        _expected = {pseudonymise(str(mid)) for mid in _m.loc[_ok, "member_id"]}
        _got = set(customer_table["customer_key"].astype(str))
        _opted_out = {pseudonymise(str(mid)) for mid in _m.loc[_m["marketing_opt_out_date"].notna(), "member_id"]}
        assert not (_got & _opted_out), "表格中有已退出行銷的會員（個資法 §20 II）：請排除 marketing_opt_out_date 不是空值的會員"
        assert _got == _expected, (
            f"會員篩選不正確：應有 {len(_expected)} 位同意「行銷推播」的會員，你的表有 {len(_got)} 位"
            "（個資法 §19、§20：只用同意行銷目的、且未退出的會員）"
        )
        """,
    )
    nb.tests(
        f"""
        \"\"\"批改（P1.1.2）：customer_table 是否刪除識別資料與敏感個資，並使用加鹽假名。\"\"\"
        _forbidden = [c for c in {IDENTIFIERS!r} if c in customer_table.columns]
        assert not _forbidden, f"請刪除識別資料或敏感個資欄位：{{_forbidden}}（個資法 §5、§6）"
        """,
        grade_id="p1_1_2__minimised_columns",
        points=2,
        indicator="P1.1.2",
        hidden="""
        import hashlib as _hashlib

        _m = _table("members")
        _ids = _m["member_id"].astype(str)
        _keys = customer_table["customer_key"].astype(str)
        assert isinstance(SALT, str) and len(SALT) >= 8, "SALT 應為至少 8 個字元的字串"
        assert not _keys.isin(set(_ids)).any(), "customer_key 不能直接使用會員編號"
        _length = len(_keys.iloc[0]) if len(_keys) else 16
        _plain = {_hashlib.sha256(i.encode("utf-8")).hexdigest()[:_length] for i in _ids}
        assert not _keys.isin(_plain).any(), "customer_key 是不加鹽的雜湊，可被字典攻擊還原：請加上 SALT"
        _cells = set(customer_table.astype(str).to_numpy().ravel())
        for _col in ["name", "national_id", "mobile", "email", "health_notes"]:
            _leaks = _cells & set(_m[_col].dropna().astype(str))
            assert not _leaks, f"表格中仍含有 {_col} 的內容（個資法 §5、§6）：請刪除或改用假名"
        assert len(customer_table.columns) <= 12, "欄位太多：只保留分析需要的欄位（個資法 §5 資料最小化）"
        """,
    )


def section_p112_ads(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ## 3. 廣告文案的法規檢查（P1.1.2）

        行銷部準備了一批廣告文案（臉書、IG、Google 搜尋廣告、LINE、電子報、簡訊）。上架前，請你先依法規標記有問題的文案。
        一則文案可能同時違反好幾條，也可能完全合規（標記為空清單 `[]`）。

        | 標記代碼 | 法規 | 典型字眼 |
        |---|---|---|
        | `misleading_claim` | 《公平交易法》§21：對價格、品質、效果等作虛偽不實或引人錯誤的表示 | 虛構的「原價」、假的「限時倒數」、「100% 有效」「保證」、「全台最低價」 |
        | `undisclosed_endorsement` | 《公平交易法》§21 與公平會「薦證廣告」規範：部落客、網紅等薦證者與廣告主有對價關係，應揭露 | 「部落客親身試用」「網紅大推」卻沒有「合作廣告」字樣 |
        | `medical_claim_food` | 《食品安全衛生管理法》§28 II：食品不得宣稱醫療效能 | 「降血壓」「預防癌症」「治療失眠」 |
        | `medical_claim_cosmetic` | 《化粧品衛生安全管理法》§10：化粧品不得宣稱醫療效能 | 「消炎」「治療痘痘」「生髮」 |
        | `missing_opt_out` | 《個人資料保護法》§20 III：首次行銷時應提供當事人免費表示拒絕的方式 | 電子報、簡訊沒有「取消訂閱」「拒收」方式 |

        ⚠️ 關鍵字規則只是**初篩**：實務上每一則仍要人工判讀，也要看商品類別（同一句「治療」出現在食品與化粧品，違反的是不同法規）。
        """
    )
    nb.code(
        """
        ad_copies = learner.load("ad_copies")
        print(len(ad_copies), "則文案")
        with pd.option_context("display.max_colwidth", 120):
            display(ad_copies.head(8))
        """
    )
    nb.md(
        """
        ### 範例：找出缺少拒絕行銷方式的直效訊息
        電子報與簡訊是直效行銷（direct marketing）訊息；如果文案裡沒有「取消訂閱」或「拒收」等免費拒絕方式，就標記 `missing_opt_out`。
        """
    )
    nb.code(
        """
        DIRECT_MESSAGE_PLATFORMS = ["電子報", "簡訊"]
        OPT_OUT_WORDS = ["取消訂閱", "拒收"]


        def lacks_opt_out(row):
            is_direct = row["platform"] in DIRECT_MESSAGE_PLATFORMS
            return is_direct and not any(word in row["text"] for word in OPT_OUT_WORDS)


        example_flags = ad_copies.apply(lacks_opt_out, axis=1)
        print("缺少拒絕方式：", int(example_flags.sum()), "則")
        ad_copies.loc[example_flags, ["copy_id", "platform", "text"]].head(3)
        """
    )
    nb.md(
        """
        ### 練習 3：標記每一則文案
        完成 `label_copy(row)`：回傳這則文案違反的標記代碼清單（合規就回傳 `[]`）。
        可以沿用上面的 `lacks_opt_out`，再補上其他四種標記的規則（補齊關鍵字清單、注意商品類別 `category`）。
        最後得到 `ad_labels`：`copy_id` → 標記清單。
        """
    )
    nb.answer(
        """
        def label_copy(row):
            text, category = row["text"], row["category"]
            labels = []
            if lacks_opt_out(row):
                labels.append("missing_opt_out")
            # 提示：misleading_words = ["原價", ...]；endorser_words、disclosure_words、各類醫療效能字眼依此類推
            # if any(word in text for word in misleading_words): labels.append("misleading_claim")
            ### BEGIN SOLUTION
            misleading_words = ["原價", "限時", "倒數", "100%", "保證", "最低價", "退你"]
            endorser_words = ["部落客", "網紅", "親身試用", "大推"]
            disclosure_words = ["合作廣告", "業配", "贊助"]
            food_medical_words = ["降血壓", "預防癌症", "治療", "降血糖", "治癒"]
            cosmetic_medical_words = ["消炎", "治療", "生髮"]
            if any(word in text for word in misleading_words):
                labels.append("misleading_claim")
            if any(word in text for word in endorser_words) and not any(word in text for word in disclosure_words):
                labels.append("undisclosed_endorsement")
            if category == "health_food" and any(word in text for word in food_medical_words):
                labels.append("medical_claim_food")
            if category == "beauty" and any(word in text for word in cosmetic_medical_words):
                labels.append("medical_claim_cosmetic")
            ### END SOLUTION
            return sorted(labels)


        ad_labels = {row["copy_id"]: label_copy(row) for _, row in ad_copies.iterrows()}
        pd.Series({k: ", ".join(v) or "（合規）" for k, v in ad_labels.items()}, name="標記").head(10)
        """,
        "p1_1_2__ad_labels_answer",
    )
    nb.code(
        """
        LABEL_CODES = {"misleading_claim", "undisclosed_endorsement", "medical_claim_food",
                       "medical_claim_cosmetic", "missing_opt_out"}
        check(lambda: set(ad_labels) == set(ad_copies["copy_id"]), indicator="P1.1.2",
              ok="每則文案都有標記結果", fix="ad_labels 要包含每一個 copy_id")
        check(lambda: all(set(v) <= LABEL_CODES for v in ad_labels.values()), indicator="P1.1.2",
              ok="標記代碼都有效", fix="標記請用上表的五個代碼")
        check(lambda: sum(bool(v) for v in ad_labels.values()) > 0, indicator="P1.1.2",
              ok="有找到需要修改的文案", fix="一則都沒標記：請補上四種標記的規則")
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.2）：ad_labels 是否至少 85% 的文案標記正確。\"\"\"
        assert isinstance(ad_labels, dict), "ad_labels 應為 dict：copy_id → 標記清單"
        """,
        grade_id="p1_1_2__ad_claims",
        points=3,
        indicator="P1.1.2",
        hidden="""
        _truth_labels = _my_truth()["ad_copy_labels"]
        _right = sum(set(ad_labels.get(cid, []) or []) == set(labels) for cid, labels in _truth_labels.items())
        _share = _right / len(_truth_labels)
        assert _share >= 0.85, f"只有 {_share:.0%} 的文案標記正確（需 85% 以上）：請逐條對照法規表，檢查關鍵字與商品類別"
        """,
    )


def section_p113(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ## 4. 整理網路行銷歷史資料（P1.1.3）

        規劃 2027 年之前，要先知道過去的表現。這一節從 **GA4 的 BigQuery 匯出（export）** 與 **後台訂單** 整理出三份歷史：
        每月工作階段、各管道的工作階段、每月訂單與營收。這一節請使用**原始匯出**（尚未清理），
        資料品質問題留到第 5 節處理。

        GA4 匯出是「一列一個事件（event）」：
        - `event_date`：事件日期（臺北時間，字串 `YYYYMMDD`）；
        - `user_pseudo_id`：瀏覽器／裝置的匿名識別碼（使用者）；
        - `ga_session_id`：工作階段（session）編號。**一個工作階段 = 一組不重複的 (`user_pseudo_id`, `ga_session_id`)**；
        - `source`、`medium`、`campaign`：流量來源，記錄在工作階段的 `session_start` 事件上。
        """
    )
    nb.code(
        """
        ga4 = learner.load("ga4_events")
        print(f"{len(ga4):,} 個事件")
        ga4["event_name"].value_counts().head(10)
        """
    )
    nb.md(
        """
        ### 範例：每月使用者數（users）
        先把 `event_date`（`"20250315"`）轉成月份字串 `"2025-03"`，再數每月不重複的 `user_pseudo_id`。
        """
    )
    nb.code(
        """
        ga4["month"] = ga4["event_date"].str[:4] + "-" + ga4["event_date"].str[4:6]
        monthly_users = ga4.groupby("month")["user_pseudo_id"].nunique()
        monthly_users.tail()
        """
    )
    nb.md(
        """
        ### 練習 4.1：每月工作階段（sessions）
        計算每月的工作階段數，存成 Series `monthly_sessions`（索引為 `"YYYY-MM"`，由舊到新）。
        提示：先用 `drop_duplicates(["month", "user_pseudo_id", "ga_session_id"])` 讓每個工作階段每月只留一列，再依 `month` 計數。
        """
    )
    nb.answer(
        """
        # 作答（提示）：sessions = ga4.drop_duplicates([...])；monthly_sessions = sessions.groupby("month").size()
        ### BEGIN SOLUTION
        sessions = ga4.drop_duplicates(["month", "user_pseudo_id", "ga_session_id"])
        monthly_sessions = sessions.groupby("month").size().sort_index()
        ### END SOLUTION
        monthly_sessions.tail()
        """,
        "p1_1_3__monthly_sessions_answer",
    )
    nb.code(
        """
        check(lambda: monthly_sessions.index.is_monotonic_increasing and str(monthly_sessions.index[0])[4] == "-",
              indicator="P1.1.3", ok="索引是由舊到新的月份", fix='索引應為 "YYYY-MM" 並由舊到新排序（.sort_index()）')
        check(lambda: (monthly_sessions >= monthly_users.reindex(monthly_sessions.index)).all(), indicator="P1.1.3",
              ok="每月工作階段數 ≥ 使用者數", fix="工作階段數比使用者還少：請用 (user_pseudo_id, ga_session_id) 計數")
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.3）：monthly_sessions 是否為每月不重複的 (user_pseudo_id, ga_session_id) 數。\"\"\"
        assert len(monthly_sessions) >= 12, "monthly_sessions 應該每月一列"
        """,
        grade_id="p1_1_3__monthly_sessions",
        points=2,
        indicator="P1.1.3",
        hidden="""
        _g = _table("ga4_events")[["event_date", "user_pseudo_id", "ga_session_id"]]
        _g["month"] = _g["event_date"].str[:4] + "-" + _g["event_date"].str[4:6]
        _exp = _g.drop_duplicates(["month", "user_pseudo_id", "ga_session_id"]).groupby("month").size()
        _got = monthly_sessions.copy()
        _got.index = _got.index.astype(str)
        assert list(_got.index) == list(_exp.index), "月份不一致：請依 event_date 的月份分組，由舊到新"
        _err = ((_got.astype(float) - _exp) / _exp).abs().max()
        assert _err <= 0.01, f"每月工作階段和你的資料差了 {_err:.1%}：一個工作階段是一組 (user_pseudo_id, ga_session_id)"
        """,
    )
    nb.md(
        """
        ### 範例：GA4 預設管道分組（default channel group）
        GA4 依 `source`、`medium`、`campaign` 把流量分成「自然搜尋（Organic Search）」「付費搜尋（Paid Search）」
        「推薦（Referral）」等管道。資料團隊已把 Google 的規則寫成函式 `default_channel_group`：
        """
    )
    nb.code(
        """
        from netmarketing.data.channels import default_channel_group

        demo = pd.DataFrame({
            "source": ["google", "google", "facebook", "ptt.cc", "(direct)", "newsletter"],
            "medium": ["organic", "cpc", "paid_social", "referral", "(none)", "email"],
            "campaign": [None, "search_brand", "fb_prospecting", None, None, "edm_monthly"],
        })
        demo["channel"] = default_channel_group(demo["source"], demo["medium"], demo["campaign"])
        demo
        """
    )
    nb.md(
        """
        ### 練習 4.2：各管道的工作階段（traffic by channel）
        只取 `event_name == "session_start"` 的事件（每個工作階段一列），用 `default_channel_group` 算出管道，
        再計算整段期間**各管道的工作階段數**，由大到小排序，存成 Series `channel_sessions`（索引是管道名稱）。
        """
    )
    nb.answer(
        """
        # 作答（提示）：starts = ga4[...]；channel = default_channel_group(starts["source"], ...)
        # channel_sessions = channel.astype(str).value_counts()
        ### BEGIN SOLUTION
        starts = ga4[ga4["event_name"] == "session_start"]
        channel = default_channel_group(starts["source"], starts["medium"], starts["campaign"])
        channel_sessions = channel.astype(str).value_counts().sort_values(ascending=False)
        ### END SOLUTION
        channel_sessions
        """,
        "p1_1_3__channel_sessions_answer",
    )
    nb.code(
        """
        check(lambda: channel_sessions.is_monotonic_decreasing, indicator="P1.1.3",
              ok="已由大到小排序", fix="請由大到小排序")
        check(lambda: "Direct" in channel_sessions.index, indicator="P1.1.3",
              ok="索引是 GA4 管道名稱", fix="索引應是管道名稱（如 'Organic Search'），請用 default_channel_group")
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.3）：channel_sessions 是否為各預設管道的工作階段數。\"\"\"
        assert channel_sessions.is_monotonic_decreasing, "channel_sessions 要由大到小排序"
        """,
        grade_id="p1_1_3__channel_sessions",
        points=2,
        indicator="P1.1.3",
        hidden="""
        from netmarketing.data.channels import default_channel_group as _dcg

        _g = _table("ga4_events")
        _s = _g[_g["event_name"] == "session_start"]
        _exp = _dcg(_s["source"], _s["medium"], _s["campaign"]).astype(str).value_counts()
        _got = channel_sessions.copy()
        _got.index = _got.index.astype(str)
        assert set(_got.index[:3]) == set(_exp.index[:3]), "前三大管道不一致：請只取 session_start 事件並用 default_channel_group"
        _err = ((_got.reindex(_exp.index).fillna(0).astype(float) - _exp) / _exp).abs().max()
        assert _err <= 0.01, f"各管道工作階段和你的資料差了 {_err:.1%}"
        """,
    )
    nb.md(
        """
        ### 練習 4.3：每月訂單與營收（後台訂單）
        GA4 只看得到官網與 APP；**全通路**的銷售要看後台訂單（含 momo、蝦皮、PChome）。
        以 `status == "completed"` 的訂單，依 `order_ts` 的月份（`"YYYY-MM"`）彙總，做出資料表 `monthly_sales`：
        索引是月份（由舊到新），兩個欄位 `orders`（訂單數）與 `revenue`（營收合計，新臺幣）。
        """
    )
    nb.answer(
        """
        orders = learner.load("orders")
        # 作答（提示）：completed = orders[...]，再 .groupby(月份).agg(orders=("order_id", "count"), revenue=("revenue", "sum"))
        ### BEGIN SOLUTION
        completed = orders[orders["status"] == "completed"]
        monthly_sales = (
            completed.assign(month=completed["order_ts"].dt.strftime("%Y-%m"))
            .groupby("month")
            .agg(orders=("order_id", "count"), revenue=("revenue", "sum"))
            .sort_index()
        )
        ### END SOLUTION
        monthly_sales.tail()
        """,
        "p1_1_3__monthly_sales_answer",
    )
    nb.code(
        """
        check_columns(monthly_sales, ["orders", "revenue"], indicator="P1.1.3")
        check(lambda: monthly_sales.index.is_monotonic_increasing, indicator="P1.1.3",
              ok="月份由舊到新", fix="請用 .sort_index() 排序")
        check(lambda: int(monthly_sales["revenue"].sum()) < int(orders["revenue"].sum()), indicator="P1.1.3",
              ok="已排除未完成的訂單", fix="營收和全部訂單一樣多：請只算 status 為 completed 的訂單")
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.3）：monthly_sales 是否為每月已完成訂單數與營收。\"\"\"
        assert {"orders", "revenue"} <= set(monthly_sales.columns), "monthly_sales 需要 orders 與 revenue 兩欄"
        """,
        grade_id="p1_1_3__monthly_sales",
        points=2,
        indicator="P1.1.3",
        hidden="""
        _o = _table("orders")
        _c = _o[_o["status"] == "completed"]
        _exp = _c.groupby(_c["order_ts"].dt.strftime("%Y-%m")).agg(orders=("order_id", "count"), revenue=("revenue", "sum"))
        _got = monthly_sales.copy()
        _got.index = _got.index.astype(str)
        assert list(_got.index) == list(_exp.index), "月份不一致：請依 order_ts 的月份分組，由舊到新"
        for _col in ["orders", "revenue"]:
            _err = ((_got[_col].astype(float) - _exp[_col]) / _exp[_col]).abs().max()
            assert _err <= 0.005, f"{_col} 和你的資料差了 {_err:.1%}：請只算已完成（completed）的訂單"
        """,
    )
    nb.md(
        """
        ### 把歷史畫出來
        下圖把每月工作階段與營收放在一起看。注意有沒有異常的高峰或斷層：下一節的資料品質稽核會用到。
        也注意**不完整的月份**：資料截止於 2026-10-31；如果出現截止日之後的零星月份（例如跨過午夜的工作階段），
        或只有部分天數的月份，比較月趨勢時要排除或註明。
        """
    )
    nb.code(
        """
        fig, axes = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
        axes[0].plot(monthly_sessions.index.astype(str), monthly_sessions.values, marker="o")
        axes[0].set_title("每月工作階段（GA4，官網與 APP）")
        axes[0].set_ylabel("工作階段")
        axes[1].bar(monthly_sales.index.astype(str), monthly_sales["revenue"].values, color="#e9c46a")
        axes[1].set_title("每月營收（後台訂單，全通路，已完成）")
        axes[1].set_ylabel("營收（新臺幣萬元）")
        axes[1].yaxis.set_major_formatter(lambda value, _: f"{value / 10_000:,.0f}")
        axes[1].set_xlabel("月份")
        axes[1].tick_params(axis="x", rotation=90)
        plt.tight_layout()
        plt.show()
        """
    )


def section_p112_audit(nb: NotebookBuilder) -> None:
    nb.md(
        """
        ## 5. 資料品質稽核（P1.1.2：判別資訊的適當性與可用性）

        資料拿到手，不代表可以直接用。資訊部交來的資料曾經過多次系統轉換，請你做一次**資料品質稽核（data-quality audit）**：
        找出問題、記錄下來，再產出清理過的資料。常見的問題有：

        | 問題代碼 | 說明 | 怎麼找 |
        |---|---|---|
        | `duplicate_orders` | 同一筆訂單被匯出兩次 | `orders.duplicated()` |
        | `duplicate_events` | GA4 同一事件送了兩次 | 依 (`user_pseudo_id`, `ga_session_id`, `event_timestamp`, `event_name`) 找重複 |
        | `test_orders` | 工程師在正式環境測試結帳留下的訂單 | 奇怪的會員編號、NT$1 的營收 |
        | `missing_order_city` | 訂單缺少城市 | `isna()` |
        | `missing_member_birth_date` | 會員缺少生日（也就沒有年齡層） | `isna()` |
        | `unit_cost_in_cents` | 商品成本單位錯誤（以「分」輸入，放大 100 倍） | 成本比售價還高 |
        | `timezone_shift` | 某平台某個月的匯出用了 UTC，卻標成臺北時間（早了 8 小時） | 該月訂單的平均下單時刻異常偏早 |
        | `bot_spike` | 某一天湧入大量機器人流量 | 單日暴增、幾乎沒有互動時間（engagement）的工作階段 |
        | `negative_revenue` | 營收為負數 | `< 0` |
        | `future_orders` | 下單時間晚於資料截止日（2026-10-31） | 比較日期 |
        | `duplicate_members` | 同一會員編號出現兩次 | `duplicated()` |
        | `orphan_order_items` | 訂單明細找不到對應的訂單 | `isin()` |

        **不是每一種問題都一定存在**：請用資料證明，而不是全部勾選。

        下面的**資料品質瀏覽器**可以逐欄查看缺漏值、相異值與極端值（選擇結果只供參考，批改看作答格的變數）。
        """
    )
    nb.code(
        """
        orders = learner.load("orders")
        items = learner.load("order_items")
        products = learner.load("products")
        members = learner.load("members")

        explorer, explorer_notes = learner.widgets.quality_explorer(
            {"orders": orders, "order_items": items, "products": products, "members": members}
        )
        explorer
        """
    )
    nb.md(
        """
        ### 範例：兩個問題的檢查
        每個檢查都回傳 True（有問題）或 False（沒問題），並印出證據。
        """
    )
    nb.code(
        """
        audit = {}
        n_dup = int(orders.duplicated().sum())
        print("完全重複的訂單列：", n_dup)
        audit["duplicate_orders"] = n_dup > 0

        n_missing_city = int(orders["city"].isna().sum())
        print("缺少城市的訂單：", n_missing_city)
        audit["missing_order_city"] = n_missing_city > 0
        audit
        """
    )
    nb.md(
        """
        ### 練習 5.1：完成稽核，列出問題清單
        為上表其餘的問題代碼逐一寫檢查，把結果放進 `audit`（代碼 → True/False），
        再整理成 `issues_found`：**有發現**的問題代碼清單（排序後的 list）。

        兩個需要多想一步的檢查：
        - **時區錯置**：只看第三方平台（momo、蝦皮、PChome），計算每個「平台 × 月份」的**平均下單時刻**
          （`order_ts.dt.hour + order_ts.dt.minute / 60`），和所有平台月份的中位數比較；早了 4 小時以上就很可疑。
          把可疑的平台與月份存進 `timezone_shift = {"platform": "...", "month": "YYYY-MM"}`。
        - **機器人流量**：沿用第 4 節載入的 `ga4`，把 GA4 事件依 (`event_date`, `user_pseudo_id`, `ga_session_id`) 合成工作階段，
          加總 `engagement_time_msec`（缺漏當 0）；每天數一數「互動時間為 0」的工作階段，最多的那天若遠高於其他日子
          （例如是第二多那天的 2 倍以上），就是機器人暴增日。存進 `bot_spike_date`（字串 `"YYYY-MM-DD"`）。
        """
    )
    nb.answer(
        """
        HISTORY_END = pd.Timestamp(catalog.HISTORY_END, tz=catalog.TIMEZONE) + pd.Timedelta(days=1)
        # 作答（提示）：
        # audit["duplicate_events"] = bool(ga4.duplicated([...]).any())
        # audit["test_orders"] = ...；其餘代碼依此類推（每個都要有 True/False）
        # timezone_shift = {"platform": ..., "month": ...}
        # bot_spike_date = "YYYY-MM-DD"
        # issues_found = sorted(code for code, found in audit.items() if found)
        ### BEGIN SOLUTION
        event_keys = ["user_pseudo_id", "ga_session_id", "event_timestamp", "event_name"]
        audit["duplicate_events"] = bool(ga4.duplicated(event_keys).any())
        audit["test_orders"] = bool(((orders["member_id"] == "TEST") | (orders["revenue"] <= 1)).any())
        audit["missing_member_birth_date"] = bool(members["birth_date"].isna().any())
        audit["unit_cost_in_cents"] = bool((products["unit_cost"] > products["price"]).any())
        audit["negative_revenue"] = bool((orders["revenue"] < 0).any())
        audit["future_orders"] = bool((orders["order_ts"] >= HISTORY_END).any())
        audit["duplicate_members"] = bool(members["member_id"].duplicated().any())
        audit["orphan_order_items"] = bool((~items["order_id"].isin(orders["order_id"])).any())

        marketplace = orders[orders["platform"].isin(["momo", "shopee", "pchome"])]
        hour = marketplace["order_ts"].dt.hour + marketplace["order_ts"].dt.minute / 60
        mean_hour = hour.groupby([marketplace["platform"].astype(str), marketplace["order_ts"].dt.strftime("%Y-%m")]).mean()
        earliest = (mean_hour - mean_hour.median()).idxmin()
        audit["timezone_shift"] = bool((mean_hour - mean_hour.median()).min() < -4)
        timezone_shift = {"platform": earliest[0], "month": earliest[1]}

        engagement = ga4["engagement_time_msec"].fillna(0).astype("int64")
        per_session = engagement.groupby(
            [ga4["event_date"], ga4["user_pseudo_id"], ga4["ga_session_id"]], observed=True
        ).sum()
        idle_per_day = (per_session == 0).groupby(level=0, observed=True).sum()
        top_two = idle_per_day.nlargest(2)
        audit["bot_spike"] = bool(top_two.iloc[0] >= 2 * top_two.iloc[1])
        day = idle_per_day.idxmax()
        day = str(day)
        bot_spike_date = f"{day[:4]}-{day[4:6]}-{day[6:]}"

        issues_found = sorted(code for code, found in audit.items() if found)
        ### END SOLUTION
        print("發現的問題：", issues_found)
        print("時區錯置：", timezone_shift, "　機器人暴增日：", bot_spike_date)
        """,
        "p1_1_2__audit_answer",
    )
    nb.code(
        """
        ISSUE_CODES = {"duplicate_orders", "duplicate_events", "test_orders", "missing_order_city",
                       "missing_member_birth_date", "unit_cost_in_cents", "timezone_shift", "bot_spike",
                       "negative_revenue", "future_orders", "duplicate_members", "orphan_order_items"}
        check(lambda: set(issues_found) <= ISSUE_CODES, indicator="P1.1.2",
              ok="問題代碼都有效", fix="issues_found 只能用上表的代碼")
        check(lambda: 0 < len(issues_found) < len(ISSUE_CODES), indicator="P1.1.2",
              ok="問題清單有取捨", fix="不要全部勾選，也不要一個都沒有：每個代碼都要用資料證明")
        check(lambda: set(timezone_shift) == {"platform", "month"} and len(timezone_shift["month"]) == 7,
              indicator="P1.1.2", ok="timezone_shift 格式正確", fix='格式應為 {"platform": "momo", "month": "2025-03"}')
        check(lambda: len(bot_spike_date) == 10 and bot_spike_date[4] == "-", indicator="P1.1.2",
              ok="bot_spike_date 格式正確", fix='格式應為 "YYYY-MM-DD"')
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.2）：issues_found 是否列出你的資料真正有的問題（最多一個漏列或誤判）。\"\"\"
        assert isinstance(issues_found, (list, tuple, set)), "issues_found 應為問題代碼的清單"
        """,
        grade_id="p1_1_2__audit_issues",
        points=3,
        indicator="P1.1.2",
        hidden="""
        _truth = _my_truth()
        _expected = set(_truth["defects"]) | ({"bot_spike"} if _truth.get("bot_spike") else set())
        _missed = _expected - set(issues_found)
        _false = set(issues_found) - _expected
        assert len(_missed) + len(_false) <= 1, (
            f"稽核結果差了 {len(_missed)} 個漏掉的問題、{len(_false)} 個誤判：請逐項用資料檢查，沒有證據就不要列"
        )
        """,
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.2）：時區錯置的平台月份與機器人暴增日是否正確。\"\"\"
        assert isinstance(timezone_shift, dict) and isinstance(bot_spike_date, str), "請設定 timezone_shift 與 bot_spike_date"
        """,
        grade_id="p1_1_2__anomaly_details",
        points=2,
        indicator="P1.1.2",
        hidden="""
        _truth = _my_truth()
        _tz = _truth["defects"]["timezone_shift"]
        assert str(bot_spike_date) == str(_truth["bot_spike"]["date"]), "機器人暴增日不正確：請看每天「互動時間為 0」的工作階段數"
        assert (str(timezone_shift.get("platform")), str(timezone_shift.get("month"))) == (_tz["platform"], _tz["month"]), (
            "時區錯置的平台或月份不正確：請比較各平台各月的平均下單時刻"
        )
        """,
    )
    nb.md(
        """
        ### 練習 5.2：產出清理後的資料
        1. `orders_clean`：刪除完全重複的訂單列、刪除測試訂單；把時區錯置那個平台月份的 `order_ts` 加回 8 小時。缺少城市的訂單**保留**（城市以外的欄位仍可用）。
        2. `products_clean`：把以「分」輸入的 `unit_cost`（成本高於售價者）除以 100。
        """
    )
    nb.answer(
        """
        # 作答（提示）：
        # orders_clean = orders.drop_duplicates() 再去掉測試訂單，並修正時區錯置的 order_ts（+ pd.Timedelta(hours=8)）
        # products_clean = products.copy()，成本高於售價者的 unit_cost // 100
        ### BEGIN SOLUTION
        is_test = (orders["member_id"] == "TEST") | (orders["revenue"] <= 1)
        orders_clean = orders.drop_duplicates().loc[lambda d: ~is_test.reindex(d.index)].copy()
        shifted = (orders_clean["platform"].astype(str) == timezone_shift["platform"]) & (
            orders_clean["order_ts"].dt.strftime("%Y-%m") == timezone_shift["month"]
        )
        orders_clean.loc[shifted, "order_ts"] = orders_clean.loc[shifted, "order_ts"] + pd.Timedelta(hours=8)
        orders_clean = orders_clean.reset_index(drop=True)

        products_clean = products.copy()
        in_cents = products_clean["unit_cost"] > products_clean["price"]
        products_clean.loc[in_cents, "unit_cost"] = products_clean.loc[in_cents, "unit_cost"] // 100
        ### END SOLUTION
        print("訂單：", len(orders), "→", len(orders_clean))
        """,
        "p1_1_2__cleaning_answer",
    )
    nb.code(
        """
        check(lambda: orders_clean["order_id"].is_unique, indicator="P1.1.2",
              ok="訂單編號不再重複", fix="orders_clean 仍有重複訂單：請用 drop_duplicates()")
        check(lambda: not (orders_clean["member_id"] == "TEST").any(), indicator="P1.1.2",
              ok="已刪除測試訂單", fix="orders_clean 仍有測試訂單")
        check(lambda: (products_clean["unit_cost"] <= products_clean["price"]).all(), indicator="P1.1.2",
              ok="商品成本都不高於售價", fix="仍有成本高於售價的商品：請把以分輸入的成本除以 100")
        """
    )
    nb.tests(
        """
        \"\"\"批改（P1.1.2）：清理後資料是否去除重複與測試訂單、保留真實訂單、修正時區與成本單位。\"\"\"
        assert orders_clean["order_id"].is_unique, "orders_clean 的 order_id 應不重複"
        """,
        grade_id="p1_1_2__cleaned_data",
        points=2,
        indicator="P1.1.2",
        hidden="""
        _truth = _my_truth()["defects"]
        _raw = _table("orders")
        _expected = set(_raw["order_id"]) - set(_truth["test_orders"]["ids"])
        assert set(orders_clean["order_id"]) == _expected, "orders_clean 應刪除測試訂單、保留其他每一筆訂單（含缺少城市者）"
        _p = _table("products").set_index("sku")
        _fixed = products_clean.set_index("sku")["unit_cost"]
        for _sku in _truth["unit_cost_in_cents"]["ids"]:
            assert int(_fixed[_sku]) == int(_p.loc[_sku, "unit_cost"]) // 100, f"{_sku} 的成本單位仍是「分」"
        _tz_ids = set(_truth["timezone_shift"]["ids"])
        _before = _raw.drop_duplicates("order_id").set_index("order_id").loc[list(_tz_ids), "order_ts"]
        _after = orders_clean.set_index("order_id").loc[list(_tz_ids), "order_ts"]
        assert ((_after - _before) == pd.Timedelta(hours=8)).all(), "時區錯置的訂單請加回 8 小時"
        """,
    )
    nb.md(
        """
        ### 清理前後差多少？
        用清理後的訂單重算每月營收，和第 4 節的原始歷史比較。差異就是「沒做稽核就直接分析」會犯的錯。
        """
    )
    nb.code(
        """
        done = orders_clean[orders_clean["status"] == "completed"]
        clean_revenue = done.groupby(done["order_ts"].dt.strftime("%Y-%m"))["revenue"].sum()
        comparison = pd.DataFrame({"原始": monthly_sales["revenue"], "清理後": clean_revenue})
        comparison["差異"] = comparison["原始"] - comparison["清理後"]
        comparison.sort_values("差異", ascending=False).head(5)
        """
    )
    nb.md(
        """
        ### 範例：資訊的適當性與可用性
        除了錯誤，也要判斷資料**夠不夠代表**要回答的問題。例如 GA4 的人口屬性報表只涵蓋部分使用者（`unknown` 佔多少？），
        問卷則要看樣本數與填答者是誰。
        """
    )
    nb.code(
        """
        demographics = learner.load("ga4_demographics")
        age = demographics[demographics["dimension"] == "age"]
        unknown_share = age.loc[age["value"] == "unknown", "active_users"].sum() / age["active_users"].sum()
        print(f"GA4 年齡資料中「unknown」的使用者占 {unknown_share:.0%}")
        survey = learner.load("survey_responses")
        print("問卷回覆數：", len(survey))
        """
    )
    nb.md(
        """
        ### 練習 5.3（書面，人工評分）：資料適當性與可用性評估
        為總經理寫一段 150～300 字的說明：
        1. 這批資料的主要品質問題，以及你怎麼處理（刪除、修正或保留並註記）；
        2. 至少兩個資料來源（例如 GA4 人口屬性、問卷、第三方平台訂單）在**代表性、涵蓋範圍、時效或合法性**上的限制；
        3. 哪些分析可以放心使用這批資料、哪些要保留或補資料。

        評分規準（rubric）：`written_analysis`。
        """
    )
    nb.written(
        """
        本次稽核發現：訂單有重複匯出與測試訂單（已刪除）、某一第三方平台有一個月的時間以 UTC 匯出（已加回 8 小時）、
        部分商品成本以「分」輸入（已除以 100），GA4 有重複事件與一天的機器人流量暴增（分析流量時排除該日或該來源）。
        缺少城市的訂單與缺少生日的會員保留，但地區與年齡分析須註明缺漏比例。

        限制：GA4 人口屬性報表有大比例 unknown，且小樣本列被門檻隱藏，只能看相對分布，不能當成全體顧客；
        問卷約一千份，填答者多為活躍會員，可能高估滿意度；第三方平台訂單沒有會員編號，無法做跨通路的個人回購分析。
        會員資料只能用於同意範圍內（行銷推播名單需排除退出者）。

        結論：營收、訂單與類別表現可以使用清理後資料；流量趨勢需排除機器人日；人口屬性與偏好的結論需以 CRM 與問卷交叉驗證後再用於客群決策。
        """,
        "p1_1_2__suitability_note",
        points=3,
        indicator="P1.1.2",
    )
    nb.md(
        """
        ## 小結
        | 你完成了 | 行為指標 |
        |---|---|
        | 為 8 個經營問題確認目的與數據途徑，並說明資訊需求與限制 | P1.1.1 |
        | 依個資法準備合法、最小化、假名化的會員分析表 | P1.1.2 |
        | 依公平交易法、食安法、化粧品法與個資法檢查廣告文案 | P1.1.2 |
        | 稽核資料品質、產出清理後資料，並評估資訊的適當性與可用性 | P1.1.2 |
        | 整理每月工作階段、各管道流量、每月訂單與營收 | P1.1.3 |

        下一本筆記本（T1.2）會用清理後的資料做統計分析、定位市場與客群。繳交前請「Restart Kernel and Run All Cells」。
        """
    )


def build() -> Path:
    nb = NotebookBuilder(
        title="T1.1 釐訂市場分析範疇",
        task="T1.1",
        indicators=["P1.1.1", "P1.1.2", "P1.1.3"],
        minutes=150,
        hidden_prelude=HIDDEN_WORLD,
    )
    intro(nb)
    section_p111(nb)
    section_p112_personal(nb)
    section_p112_ads(nb)
    section_p113(nb)
    section_p112_audit(nb)
    return nb.write(NOTEBOOK)


if __name__ == "__main__":
    print("wrote", build().relative_to(COURSE.parent))
