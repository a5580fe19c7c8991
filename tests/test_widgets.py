"""Do the learner widgets land every choice in a plain dict, without a browser?"""

from __future__ import annotations

import pandas as pd
import pytest

from netmarketing.learner import widgets

EVIDENCE = [
    {"id": "E1", "text": "美妝保養營收年增 18%"},
    {"id": "E2", "text": "3C配件毛利率最低"},
    ("E3", "電商市場規模成長 3.4%"),
]


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["冠軍", "冠軍", "流失中", "流失中", "流失中", "新客"],
            "recency": [5, 12, 300, 280, 410, 20],
            "frequency": [9, 7, 2, 1, 1, 1],
            "monetary": [30_000, 22_000, 3_000, 1_200, 900, 800],
            "gender": ["female", "female", "male", "female", "male", "female"],
            "city": ["臺北市", "新北市", "臺北市", "高雄市", "高雄市", "臺中市"],
        }
    )


def test_swot_board_starts_empty(tmp_path):
    """Does a board nobody has clicked (as under nbclient), with nothing saved, leave every answer empty?"""
    _, result = widgets.swot_board(EVIDENCE, grade_id="p1_2_3__swot_sorting", folder=tmp_path)
    assert result == {
        "S": [],
        "W": [],
        "O": [],
        "T": [],
        "strategy": None,
        "strategy_evidence": [],
        "target": None,
    }


def test_swot_board_moves_an_item_instead_of_copying_it():
    """Does re-sorting an item move it to the new quadrant, so no item sits in two quadrants?"""
    board, result = widgets.swot_board(EVIDENCE)
    board.controls["E1"].value = "S"
    board.controls["E3"].value = "O"
    board.controls["E1"].value = "W"
    assert result["S"] == []
    assert result["W"] == ["E1"]
    assert result["O"] == ["E3"]
    board.controls["E3"].value = "?"
    assert result["O"] == []


def test_swot_board_records_strategy_its_evidence_and_target():
    """Do the TOWS choice, the ticked evidence (in card order) and the target land in the result dict?"""
    board, result = widgets.swot_board(EVIDENCE, categories={"beauty": "美妝保養", "home": "居家生活"})
    board.controls["strategy"].value = "SO"
    board.controls["use:E3"].value = True
    board.controls["use:E1"].value = True
    board.controls["target"].value = "home"
    assert result["strategy"] == "SO"
    assert result["strategy_evidence"] == ["E1", "E3"]
    assert result["target"] == "home"
    board.controls["use:E1"].value = False
    assert result["strategy_evidence"] == ["E3"]


def test_swot_board_dropdowns_start_with_a_prompt_and_show_zh_tw_labels():
    """Do the strategy and target dropdowns start on a zh-TW prompt and name options in zh-TW?"""
    board, _ = widgets.swot_board(EVIDENCE, categories={"beauty": "美妝保養"})
    strategy, target = board.controls["strategy"], board.controls["target"]
    assert strategy.value is None and strategy.label.startswith("（請選擇")
    assert target.value is None and target.label.startswith("（請選擇")
    assert [label for label, _ in target.options][1:] == ["美妝保養"]
    assert all("型" in label for label, code in strategy.options if code)


def test_swot_board_save_writes_both_answers_and_a_new_board_shows_them(tmp_path):
    """Does 儲存 write answers/<grade id>.json for the sorting and the strategy, and a rebuilt board restore them?"""
    from netmarketing.learner.saved import saved_answer

    ids = dict(grade_id="p1_2_3__swot_sorting", strategy_grade_id="p1_2_3__tows_strategy", folder=tmp_path)
    board, _ = widgets.swot_board(EVIDENCE, categories={"beauty": "美妝保養"}, **ids)
    for card, quadrant in (("E1", "S"), ("E2", "W"), ("E3", "O")):
        board.controls[card].value = quadrant
    board.controls["strategy"].value = "SO"
    board.controls["use:E1"].value = board.controls["use:E3"].value = True
    board.controls["target"].value = "beauty"
    board.controls["save"].click()
    assert "已儲存" in board.controls["status"].value and "還沒完成" not in board.controls["status"].value
    assert saved_answer("p1_2_3__swot_sorting", folder=tmp_path) == {
        "S": ["E1"],
        "W": ["E2"],
        "O": ["E3"],
        "T": [],
    }
    assert saved_answer("p1_2_3__tows_strategy", folder=tmp_path) == {
        "strategy": "SO",
        "evidence": ["E1", "E3"],
        "target": "beauty",
    }
    again, result = widgets.swot_board(EVIDENCE, categories={"beauty": "美妝保養"}, **ids)
    assert again.controls["E2"].value == "W" and result["W"] == ["E2"]
    assert again.controls["use:E3"].value and again.controls["strategy"].value == "SO"
    assert result["target"] == "beauty"


def test_swot_board_save_names_what_is_missing(tmp_path):
    """Does a partial save still write, and tell the learner which parts are unfinished?"""
    board, _ = widgets.swot_board(
        EVIDENCE, grade_id="p1_2_3__swot_sorting", strategy_grade_id="p1_2_3__tows_strategy", folder=tmp_path
    )
    board.controls["E1"].value = "S"
    board.controls["save"].click()
    status = board.controls["status"].value
    assert "2 張卡未分類" in status and "尚未選策略" in status
    assert (tmp_path / "answers" / "p1_2_3__swot_sorting.json").is_file()


def test_swot_board_save_failure_is_reported_not_raised(tmp_path):
    """When answers/ cannot be written, does 儲存 show a zh-TW error instead of raising (nothing on screen lost)?"""
    (tmp_path / "answers").write_text("不是資料夾", encoding="utf-8")
    board, result = widgets.swot_board(EVIDENCE, grade_id="p1_2_3__swot_sorting", folder=tmp_path)
    board.controls["E1"].value = "S"
    board.controls["save"].click()
    assert "無法儲存" in board.controls["status"].value
    assert result["S"] == ["E1"]


def test_assign_quadrant_rejects_unknown_quadrant():
    """Is a quadrant outside S/W/O/T refused with a zh-TW message?"""
    result = {q: [] for q in "SWOT"}
    with pytest.raises(ValueError, match="象限"):
        widgets.assign_quadrant(result, "E1", "X")


def test_segment_explorer_share_table_compares_with_all_customers(customers):
    """Does the segment explorer's table hold per-segment shares and an all-customer row for the chosen attribute?"""
    box, result = widgets.segment_explorer(customers)
    assert result["table"] is None and "請先選擇" in box.controls["view"].value
    box.controls["attribute"].value = "city"
    box.controls["segment"].value = "流失中"
    table = result["table"]
    assert result["attribute"] == "city" and result["segment"] == "流失中"
    assert table.loc["流失中", "高雄市"] == pytest.approx(2 / 3)
    assert table.loc["全體顧客", "臺北市"] == pytest.approx(2 / 6)
    assert table.drop(index="全體顧客").sum(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert "全體顧客" in box.controls["view"].value and "冠軍" not in box.controls["view"].value


def test_segment_explorer_speaks_zh_tw_and_skips_attributes_the_table_lacks(customers):
    """Does the explorer show a zh-TW prompt (not an empty box), name only existing attributes in zh-TW, and show values in zh-TW?"""
    box, result = widgets.segment_explorer(customers)
    dropdown = box.controls["attribute"]
    options = dropdown.options
    # The shown label is the prompt: ipywidgets shows an empty box for an option whose value is None.
    assert dropdown.label.startswith("（請選擇") and options[0][1] is not None
    assert result["attribute"] is None and result["table"] is None
    assert [label for label, _ in options[1:]] == ["性別", "縣市"]
    box.controls["attribute"].value = "gender"
    assert set(result["table"].columns) == {"女性", "男性"}
    assert "性別" in box.controls["view"].value


def test_quality_explorer_records_problems_with_counts_and_saves_them(customers, tmp_path):
    """Does 「記錄」 keep a problem code with its affected rows (0 removes it), and 「儲存」 save them for a re-run?"""
    from netmarketing.learner.saved import saved_answer

    kinds = {
        "duplicate_rows": ("整列重複", "dup", "duplicated()"),
        "city_variants": ("縣市寫法不一", "members", "台／臺"),
    }
    dup = pd.concat([customers, customers.head(2)], ignore_index=True)
    box, result = widgets.quality_explorer(
        {"members": customers, "dup": dup}, kinds=kinds, save_as="x_audit", folder=tmp_path
    )
    box.controls["flag"].click()  # no kind chosen: nothing recorded
    assert result["found"] == {}
    for kind, count in (("duplicate_rows", 2), ("city_variants", 5), ("city_variants", 0)):
        box.controls["kind"].value = kind
        box.controls["count"].value = count
        box.controls["flag"].click()
    assert result["found"] == {"duplicate_rows": 2}
    kind = box.controls["kind"]
    assert kind.label == "（請選擇問題種類）" and box.controls["count"].value == 0
    box.controls["table"].value = "dup"
    assert "完全重複的列 2 筆" in box.controls["view"].value
    box.controls["save"].click()
    assert saved_answer("x_audit", folder=tmp_path) == {"duplicate_rows": 2}
    _, again = widgets.quality_explorer(
        {"members": customers}, kinds=kinds, save_as="x_audit", folder=tmp_path
    )
    assert again["found"] == {"duplicate_rows": 2}


def test_column_profile_counts_missing_values():
    """Does the column profile report the number of missing values?"""
    frame = pd.DataFrame({"x": [1.0, None, 3.0, None]})
    profile = widgets._column_profile(frame, "x")
    assert profile.loc["缺漏值 (missing)", "值"] == 2


def test_choice_board_pairs_items_with_options():
    """Does the choice board record one option per item, and lists when several are allowed?"""
    options = {"ga4": "GA4 匯出", "orders": "後台訂單", "crm": "會員 CRM"}
    board, result = widgets.choice_board([("Q1", "哪個通路帶來訂單？"), ("Q2", "誰是常客？")], options)
    assert result == {"Q1": None, "Q2": None}
    board.controls["Q2"].value = "crm"
    assert result == {"Q1": None, "Q2": "crm"}
    multi, chosen = widgets.choice_board([("Q1", "營收從哪裡來？")], options, multiple=True)
    multi.controls["Q1"].value = ("ga4", "orders")
    assert chosen == {"Q1": ["ga4", "orders"]}


def test_choice_board_saves_and_shows_the_saved_choice_again(tmp_path):
    """Does the board's 「儲存」 save every choice, and a re-run start from the saved choices (marked by colour)?"""
    from netmarketing.learner.saved import saved_answer

    options = {"ga4": "GA4 匯出", "crm": "會員 CRM"}
    items = [{"id": "C1", "zh": "案例一"}, {"id": "C2", "zh": "案例二"}]
    board, _ = widgets.choice_board(items, options, save_as="x_cases", folder=tmp_path)
    board.controls["C1"].value = "crm"
    board.controls["save"].click()
    assert saved_answer("x_cases", folder=tmp_path) == {"C1": "crm", "C2": None}
    assert "還沒選" in board.controls["save_status"].value
    again, chosen = widgets.choice_board(items, options, save_as="x_cases", folder=tmp_path)
    assert chosen == {"C1": "crm", "C2": None} and again.controls["C1"].value == "crm"
    assert again.controls["C2"].label == "（請選擇）"  # an unanswered item shows the prompt, not a blank box
